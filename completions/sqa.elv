
use builtin;
use str;

set edit:completion:arg-completer[sqa] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sqa'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sqa'= {
            cand --model 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]'
            cand --ort-lib 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system''s]'
            cand --index 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]'
            cand -j 'Threads for the model [default: all cores]'
            cand --threads 'Threads for the model [default: all cores]'
            cand --color 'When to colour output'
            cand --offline 'Never use the network: with no model, name the directory to fill instead of downloading the default'
            cand -q 'No warnings, progress or summary on stderr (errors still go there)'
            cand --quiet 'No warnings, progress or summary on stderr (errors still go there)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand index 'Index files and folders (honours .gitignore, skips hidden and binary files)'
            cand query 'Ask a question; print the best-matching passages'
            cand status 'Where the index is, what it holds, and how much of it is out of date'
            cand eval 'Measure retrieval quality on a BEIR-style dataset (corpus.jsonl, queries.tsv, qrels.tsv)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sqa;index'= {
            cand --files-from 'Read paths to index from FILE, one per line or NUL-separated; `-` for stdin'
            cand --max-filesize 'Skip text files larger than this, with a warning (bytes, or with K, M, G suffix)'
            cand --model 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]'
            cand --ort-lib 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system''s]'
            cand --index 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]'
            cand -j 'Threads for the model [default: all cores]'
            cand --threads 'Threads for the model [default: all cores]'
            cand --color 'When to colour output'
            cand --rebuild 'Embed everything again instead of reusing unchanged files and passages'
            cand --hidden 'Also index hidden files and folders'
            cand --no-ignore 'Do not honour .gitignore and .ignore files'
            cand -L 'Follow symbolic links'
            cand --follow 'Follow symbolic links'
            cand --offline 'Never use the network: with no model, name the directory to fill instead of downloading the default'
            cand -q 'No warnings, progress or summary on stderr (errors still go there)'
            cand --quiet 'No warnings, progress or summary on stderr (errors still go there)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sqa;query'= {
            cand -k 'How many passages to print'
            cand --top 'How many passages to print'
            cand --min-score 'Only passages scoring at least this. Dense scores are cosines (-1 to 1), absolute; hybrid scores are fused (0 to 1, relative to the best hit); lexical scores are BM25'
            cand -C 'Show N lines of the file before and after each passage, numbered (`12-` context, `13:` passage)'
            cand --context 'Show N lines of the file before and after each passage, numbered (`12-` context, `13:` passage)'
            cand --mode 'How to rank: meaning and exact words fused, meaning only, or words only (BM25; loads no model)'
            cand --model 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]'
            cand --ort-lib 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system''s]'
            cand --index 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]'
            cand -j 'Threads for the model [default: all cores]'
            cand --threads 'Threads for the model [default: all cores]'
            cand --color 'When to colour output'
            cand --json 'One JSON object per line: path, start_line, end_line, score, text; path_bytes when the path is not UTF-8'
            cand -l 'Print only the paths of matching files, each once, best first'
            cand --files-with-matches 'Print only the paths of matching files, each once, best first'
            cand --full 'Show each passage whole (by default its first lines)'
            cand --refresh 'Bring the index up to date (re-embed changed files, drop deleted ones) before searching'
            cand --offline 'Never use the network: with no model, name the directory to fill instead of downloading the default'
            cand -q 'No warnings, progress or summary on stderr (errors still go there)'
            cand --quiet 'No warnings, progress or summary on stderr (errors still go there)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sqa;status'= {
            cand --model 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]'
            cand --ort-lib 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system''s]'
            cand --index 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]'
            cand -j 'Threads for the model [default: all cores]'
            cand --threads 'Threads for the model [default: all cores]'
            cand --color 'When to colour output'
            cand --json 'One JSON object: index, generation, model, dims, files, passages, bytes, built, changed, missing, roots'
            cand --offline 'Never use the network: with no model, name the directory to fill instead of downloading the default'
            cand -q 'No warnings, progress or summary on stderr (errors still go there)'
            cand --quiet 'No warnings, progress or summary on stderr (errors still go there)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sqa;eval'= {
            cand --split 'Which queries: `test` (queries.tsv, qrels.tsv) or another split S (S_queries.tsv, S_qrels.tsv)'
            cand --work 'Where the corpus files and their index live, reused between runs [default: $XDG_CACHE_HOME/sqa/eval/NAME]'
            cand --mode 'Modes to measure (repeat or comma-separate) [default: all three]'
            cand --model 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]'
            cand --ort-lib 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system''s]'
            cand --index 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]'
            cand -j 'Threads for the model [default: all cores]'
            cand --threads 'Threads for the model [default: all cores]'
            cand --color 'When to colour output'
            cand --tune 'Also sweep BM25 and fusion parameters (do this on a training split, never on the test queries)'
            cand --offline 'Never use the network: with no model, name the directory to fill instead of downloading the default'
            cand -q 'No warnings, progress or summary on stderr (errors still go there)'
            cand --quiet 'No warnings, progress or summary on stderr (errors still go there)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'sqa;help'= {
            cand index 'Index files and folders (honours .gitignore, skips hidden and binary files)'
            cand query 'Ask a question; print the best-matching passages'
            cand status 'Where the index is, what it holds, and how much of it is out of date'
            cand eval 'Measure retrieval quality on a BEIR-style dataset (corpus.jsonl, queries.tsv, qrels.tsv)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'sqa;help;index'= {
        }
        &'sqa;help;query'= {
        }
        &'sqa;help;status'= {
        }
        &'sqa;help;eval'= {
        }
        &'sqa;help;help'= {
        }
    ]
    $completions[$command]
}
