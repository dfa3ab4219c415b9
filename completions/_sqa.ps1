
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sqa' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sqa'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'sqa' {
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]')
            [CompletionResult]::new('--ort-lib', '--ort-lib', [CompletionResultType]::ParameterName, 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system''s]')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Threads for the model [default: all cores]')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Threads for the model [default: all cores]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Never use the network: with no model, name the directory to fill instead of downloading the default')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings, progress or summary on stderr (errors still go there)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings, progress or summary on stderr (errors still go there)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('index', 'index', [CompletionResultType]::ParameterValue, 'Index files and folders (honours .gitignore, skips hidden and binary files)')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Ask a question; print the best-matching passages')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Where the index is, what it holds, and how much of it is out of date')
            [CompletionResult]::new('eval', 'eval', [CompletionResultType]::ParameterValue, 'Measure retrieval quality on a BEIR-style dataset (corpus.jsonl, queries.tsv, qrels.tsv)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sqa;index' {
            [CompletionResult]::new('--files-from', '--files-from', [CompletionResultType]::ParameterName, 'Read paths to index from FILE, one per line or NUL-separated; `-` for stdin')
            [CompletionResult]::new('--max-filesize', '--max-filesize', [CompletionResultType]::ParameterName, 'Skip text files larger than this, with a warning (bytes, or with K, M, G suffix)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]')
            [CompletionResult]::new('--ort-lib', '--ort-lib', [CompletionResultType]::ParameterName, 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system''s]')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Threads for the model [default: all cores]')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Threads for the model [default: all cores]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--rebuild', '--rebuild', [CompletionResultType]::ParameterName, 'Embed everything again instead of reusing unchanged files and passages')
            [CompletionResult]::new('--hidden', '--hidden', [CompletionResultType]::ParameterName, 'Also index hidden files and folders')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Do not honour .gitignore and .ignore files')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Follow symbolic links')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Follow symbolic links')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Never use the network: with no model, name the directory to fill instead of downloading the default')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings, progress or summary on stderr (errors still go there)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings, progress or summary on stderr (errors still go there)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sqa;query' {
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'How many passages to print')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'How many passages to print')
            [CompletionResult]::new('--min-score', '--min-score', [CompletionResultType]::ParameterName, 'Only passages scoring at least this. Dense scores are cosines (-1 to 1), absolute; hybrid scores are fused (0 to 1, relative to the best hit); lexical scores are BM25')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Show N lines of the file before and after each passage, numbered (`12-` context, `13:` passage)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Show N lines of the file before and after each passage, numbered (`12-` context, `13:` passage)')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'How to rank: meaning and exact words fused, meaning only, or words only (BM25; loads no model)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]')
            [CompletionResult]::new('--ort-lib', '--ort-lib', [CompletionResultType]::ParameterName, 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system''s]')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Threads for the model [default: all cores]')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Threads for the model [default: all cores]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per line: path, start_line, end_line, score, text; path_bytes when the path is not UTF-8')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Print only the paths of matching files, each once, best first')
            [CompletionResult]::new('--files-with-matches', '--files-with-matches', [CompletionResultType]::ParameterName, 'Print only the paths of matching files, each once, best first')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'Show each passage whole (by default its first lines)')
            [CompletionResult]::new('--refresh', '--refresh', [CompletionResultType]::ParameterName, 'Bring the index up to date (re-embed changed files, drop deleted ones) before searching')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Never use the network: with no model, name the directory to fill instead of downloading the default')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings, progress or summary on stderr (errors still go there)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings, progress or summary on stderr (errors still go there)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sqa;status' {
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]')
            [CompletionResult]::new('--ort-lib', '--ort-lib', [CompletionResultType]::ParameterName, 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system''s]')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Threads for the model [default: all cores]')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Threads for the model [default: all cores]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object: index, generation, model, dims, files, passages, bytes, built, changed, missing, roots')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Never use the network: with no model, name the directory to fill instead of downloading the default')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings, progress or summary on stderr (errors still go there)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings, progress or summary on stderr (errors still go there)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sqa;eval' {
            [CompletionResult]::new('--split', '--split', [CompletionResultType]::ParameterName, 'Which queries: `test` (queries.tsv, qrels.tsv) or another split S (S_queries.tsv, S_qrels.tsv)')
            [CompletionResult]::new('--work', '--work', [CompletionResultType]::ParameterName, 'Where the corpus files and their index live, reused between runs [default: $XDG_CACHE_HOME/sqa/eval/NAME]')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Modes to measure (repeat or comma-separate) [default: all three]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export) [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]')
            [CompletionResult]::new('--ort-lib', '--ort-lib', [CompletionResultType]::ParameterName, 'ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system''s]')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Threads for the model [default: all cores]')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Threads for the model [default: all cores]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--tune', '--tune', [CompletionResultType]::ParameterName, 'Also sweep BM25 and fusion parameters (do this on a training split, never on the test queries)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Never use the network: with no model, name the directory to fill instead of downloading the default')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No warnings, progress or summary on stderr (errors still go there)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No warnings, progress or summary on stderr (errors still go there)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'sqa;help' {
            [CompletionResult]::new('index', 'index', [CompletionResultType]::ParameterValue, 'Index files and folders (honours .gitignore, skips hidden and binary files)')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Ask a question; print the best-matching passages')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Where the index is, what it holds, and how much of it is out of date')
            [CompletionResult]::new('eval', 'eval', [CompletionResultType]::ParameterValue, 'Measure retrieval quality on a BEIR-style dataset (corpus.jsonl, queries.tsv, qrels.tsv)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'sqa;help;index' {
            break
        }
        'sqa;help;query' {
            break
        }
        'sqa;help;status' {
            break
        }
        'sqa;help;eval' {
            break
        }
        'sqa;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
