# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sqa_global_optspecs
    string join \n model= ort-lib= index= j/threads= offline color= q/quiet h/help V/version
end

function __fish_sqa_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sqa_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sqa_using_subcommand
    set -l cmd (__fish_sqa_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sqa -n "__fish_sqa_needs_command" -l model -d 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]' -r -F
complete -c sqa -n "__fish_sqa_needs_command" -l ort-lib -d 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system\'s]' -r -F
complete -c sqa -n "__fish_sqa_needs_command" -l index -d 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]' -r -F
complete -c sqa -n "__fish_sqa_needs_command" -s j -l threads -d 'Threads for the model [default: all cores]' -r
complete -c sqa -n "__fish_sqa_needs_command" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c sqa -n "__fish_sqa_needs_command" -l offline -d 'Never use the network: with no model, name the directory to fill instead of downloading the default'
complete -c sqa -n "__fish_sqa_needs_command" -s q -l quiet -d 'No warnings, progress or summary on stderr (errors still go there)'
complete -c sqa -n "__fish_sqa_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sqa -n "__fish_sqa_needs_command" -s V -l version -d 'Print version'
complete -c sqa -n "__fish_sqa_needs_command" -f -a "index" -d 'Index files and folders (honours .gitignore, skips hidden and binary files)'
complete -c sqa -n "__fish_sqa_needs_command" -f -a "query" -d 'Ask a question; print the best-matching passages'
complete -c sqa -n "__fish_sqa_needs_command" -f -a "status" -d 'Where the index is, what it holds, and how much of it is out of date'
complete -c sqa -n "__fish_sqa_needs_command" -f -a "eval" -d 'Measure retrieval quality on a BEIR-style dataset (corpus.jsonl, queries.tsv, qrels.tsv)'
complete -c sqa -n "__fish_sqa_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sqa -n "__fish_sqa_using_subcommand index" -l files-from -d 'Read paths to index from FILE, one per line or NUL-separated; `-` for stdin' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand index" -l max-filesize -d 'Skip text files larger than this, with a warning (bytes, or with K, M, G suffix)' -r
complete -c sqa -n "__fish_sqa_using_subcommand index" -l model -d 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand index" -l ort-lib -d 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system\'s]' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand index" -l index -d 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand index" -s j -l threads -d 'Threads for the model [default: all cores]' -r
complete -c sqa -n "__fish_sqa_using_subcommand index" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c sqa -n "__fish_sqa_using_subcommand index" -l rebuild -d 'Embed everything again instead of reusing unchanged files and passages'
complete -c sqa -n "__fish_sqa_using_subcommand index" -l hidden -d 'Also index hidden files and folders'
complete -c sqa -n "__fish_sqa_using_subcommand index" -l no-ignore -d 'Do not honour .gitignore and .ignore files'
complete -c sqa -n "__fish_sqa_using_subcommand index" -s L -l follow -d 'Follow symbolic links'
complete -c sqa -n "__fish_sqa_using_subcommand index" -l offline -d 'Never use the network: with no model, name the directory to fill instead of downloading the default'
complete -c sqa -n "__fish_sqa_using_subcommand index" -s q -l quiet -d 'No warnings, progress or summary on stderr (errors still go there)'
complete -c sqa -n "__fish_sqa_using_subcommand index" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sqa -n "__fish_sqa_using_subcommand query" -s k -l top -d 'How many passages to print' -r
complete -c sqa -n "__fish_sqa_using_subcommand query" -l min-score -d 'Only passages scoring at least this. Dense scores are cosines (-1 to 1), absolute; hybrid scores are fused (0 to 1, relative to the best hit); lexical scores are BM25' -r
complete -c sqa -n "__fish_sqa_using_subcommand query" -s C -l context -d 'Show N lines of the file before and after each passage, numbered (`12-` context, `13:` passage)' -r
complete -c sqa -n "__fish_sqa_using_subcommand query" -l mode -d 'How to rank: meaning and exact words fused, meaning only, or words only (BM25; loads no model)' -r -f -a "hybrid\t''
dense\t''
lexical\t''"
complete -c sqa -n "__fish_sqa_using_subcommand query" -l model -d 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand query" -l ort-lib -d 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system\'s]' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand query" -l index -d 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand query" -s j -l threads -d 'Threads for the model [default: all cores]' -r
complete -c sqa -n "__fish_sqa_using_subcommand query" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c sqa -n "__fish_sqa_using_subcommand query" -l json -d 'One JSON object per line: path, start_line, end_line, score, text; path_bytes when the path is not UTF-8'
complete -c sqa -n "__fish_sqa_using_subcommand query" -s l -l files-with-matches -d 'Print only the paths of matching files, each once, best first'
complete -c sqa -n "__fish_sqa_using_subcommand query" -l full -d 'Show each passage whole (by default its first lines)'
complete -c sqa -n "__fish_sqa_using_subcommand query" -l refresh -d 'Bring the index up to date (re-embed changed files, drop deleted ones) before searching'
complete -c sqa -n "__fish_sqa_using_subcommand query" -l offline -d 'Never use the network: with no model, name the directory to fill instead of downloading the default'
complete -c sqa -n "__fish_sqa_using_subcommand query" -s q -l quiet -d 'No warnings, progress or summary on stderr (errors still go there)'
complete -c sqa -n "__fish_sqa_using_subcommand query" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sqa -n "__fish_sqa_using_subcommand status" -l model -d 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand status" -l ort-lib -d 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system\'s]' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand status" -l index -d 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand status" -s j -l threads -d 'Threads for the model [default: all cores]' -r
complete -c sqa -n "__fish_sqa_using_subcommand status" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c sqa -n "__fish_sqa_using_subcommand status" -l json -d 'One JSON object: index, generation, model, dims, files, passages, bytes, built, changed, missing, roots'
complete -c sqa -n "__fish_sqa_using_subcommand status" -l offline -d 'Never use the network: with no model, name the directory to fill instead of downloading the default'
complete -c sqa -n "__fish_sqa_using_subcommand status" -s q -l quiet -d 'No warnings, progress or summary on stderr (errors still go there)'
complete -c sqa -n "__fish_sqa_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sqa -n "__fish_sqa_using_subcommand eval" -l split -d 'Which queries: `test` (queries.tsv, qrels.tsv) or another split S (S_queries.tsv, S_qrels.tsv)' -r
complete -c sqa -n "__fish_sqa_using_subcommand eval" -l work -d 'Where the corpus files and their index live, reused between runs [default: $XDG_CACHE_HOME/sqa/eval/NAME]' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand eval" -l mode -d 'Modes to measure (repeat or comma-separate) [default: all three]' -r -f -a "hybrid\t''
dense\t''
lexical\t''"
complete -c sqa -n "__fish_sqa_using_subcommand eval" -l model -d 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand eval" -l ort-lib -d 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system\'s]' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand eval" -l index -d 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]' -r -F
complete -c sqa -n "__fish_sqa_using_subcommand eval" -s j -l threads -d 'Threads for the model [default: all cores]' -r
complete -c sqa -n "__fish_sqa_using_subcommand eval" -l color -d 'When to colour output' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c sqa -n "__fish_sqa_using_subcommand eval" -l tune -d 'Also sweep BM25 and fusion parameters (do this on a training split, never on the test queries)'
complete -c sqa -n "__fish_sqa_using_subcommand eval" -l offline -d 'Never use the network: with no model, name the directory to fill instead of downloading the default'
complete -c sqa -n "__fish_sqa_using_subcommand eval" -s q -l quiet -d 'No warnings, progress or summary on stderr (errors still go there)'
complete -c sqa -n "__fish_sqa_using_subcommand eval" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sqa -n "__fish_sqa_using_subcommand help; and not __fish_seen_subcommand_from index query status eval help" -f -a "index" -d 'Index files and folders (honours .gitignore, skips hidden and binary files)'
complete -c sqa -n "__fish_sqa_using_subcommand help; and not __fish_seen_subcommand_from index query status eval help" -f -a "query" -d 'Ask a question; print the best-matching passages'
complete -c sqa -n "__fish_sqa_using_subcommand help; and not __fish_seen_subcommand_from index query status eval help" -f -a "status" -d 'Where the index is, what it holds, and how much of it is out of date'
complete -c sqa -n "__fish_sqa_using_subcommand help; and not __fish_seen_subcommand_from index query status eval help" -f -a "eval" -d 'Measure retrieval quality on a BEIR-style dataset (corpus.jsonl, queries.tsv, qrels.tsv)'
complete -c sqa -n "__fish_sqa_using_subcommand help; and not __fish_seen_subcommand_from index query status eval help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
