//! The command line, defined once: help, completions and the man page all come from here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Semantic search over local files: index a folder, ask a question, get the passages that mean it.
#[derive(Debug, Parser)]
#[command(name = "sqa", version, about, long_about = None, after_help = EXIT_STATUS)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: GlobalArgs,
}

const EXIT_STATUS: &str = "Without --model or SQA_MODEL, sqa uses the model an existing index was built with if it \
is in $XDG_CACHE_HOME/sqa/models, else the default model multi-qa-MiniLM-L6-cos-v1, downloaded on first use from the \
Hugging Face hub (HF_ENDPOINT names a mirror) unless --offline.\n\n\
Exit status: 0 results found / index written, 1 no results, 2 error, 130 interrupted.";

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Model directory (model.onnx + tokenizer.json of a sentence-transformers ONNX export)
    /// [default: $XDG_CACHE_HOME/sqa/models/multi-qa-MiniLM-L6-cos-v1]
    #[arg(long, global = true, env = "SQA_MODEL", value_name = "DIR")]
    pub model: Option<PathBuf>,

    /// ONNX Runtime shared library [default: $XDG_CACHE_HOME/sqa/lib/libonnxruntime.so, then the system's]
    #[arg(long, global = true, env = "ORT_DYLIB_PATH", value_name = "FILE")]
    pub ort_lib: Option<PathBuf>,

    /// Index directory [default: index: ./.sqa; query: the nearest .sqa from here upward]
    #[arg(long, global = true, env = "SQA_INDEX", value_name = "DIR")]
    pub index: Option<PathBuf>,

    /// Threads for the model [default: all cores]
    #[arg(long, short = 'j', global = true, env = "SQA_THREADS", value_name = "N")]
    pub threads: Option<usize>,

    /// Never use the network: with no model, name the directory to fill instead of downloading the default
    #[arg(long, global = true, env = "SQA_OFFLINE", value_parser = clap::builder::FalseyValueParser::new())]
    pub offline: bool,

    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// No warnings, progress or summary on stderr (errors still go there)
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is not set
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Index files and folders (honours .gitignore, skips hidden and binary files)
    Index(IndexArgs),
    /// Ask a question; print the best-matching passages
    Query(QueryArgs),
    /// Where the index is, what it holds, and how much of it is out of date
    Status(StatusArgs),
    /// Measure retrieval quality on a BEIR-style dataset (corpus.jsonl, queries.tsv, qrels.tsv)
    Eval(EvalArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// One JSON object: index, generation, model, dims, files, passages, bytes, built, changed, missing, roots
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Dataset folder: corpus.jsonl, plus queries.tsv and qrels.tsv (or SPLIT_queries.tsv, SPLIT_qrels.tsv)
    #[arg(value_name = "DATASET_DIR")]
    pub dataset: PathBuf,

    /// Which queries: `test` (queries.tsv, qrels.tsv) or another split S (S_queries.tsv, S_qrels.tsv)
    #[arg(long, default_value = "test", value_name = "SPLIT")]
    pub split: String,

    /// Where the corpus files and their index live, reused between runs [default: $XDG_CACHE_HOME/sqa/eval/NAME]
    #[arg(long, value_name = "DIR")]
    pub work: Option<PathBuf>,

    /// Modes to measure (repeat or comma-separate) [default: all three]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "MODE")]
    pub mode: Vec<ModeArg>,

    /// Also sweep BM25 and fusion parameters (do this on a training split, never on the test queries)
    #[arg(long)]
    pub tune: bool,
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Files and folders to index [default: those the existing index was built from, else .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Embed everything again instead of reusing unchanged files and passages
    #[arg(long)]
    pub rebuild: bool,

    /// Read paths to index from FILE, one per line or NUL-separated; `-` for stdin
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,

    /// Also index hidden files and folders
    #[arg(long)]
    pub hidden: bool,

    /// Do not honour .gitignore and .ignore files
    #[arg(long)]
    pub no_ignore: bool,

    /// Follow symbolic links
    #[arg(long, short = 'L')]
    pub follow: bool,

    /// Skip text files larger than this, with a warning (bytes, or with K, M, G suffix)
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_size)]
    pub max_filesize: u64,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The question, in your own words
    pub question: String,

    /// How many passages to print
    #[arg(long = "top", short = 'k', value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// One JSON object per line: path, start_line, end_line, score, text; path_bytes when the path is not UTF-8
    #[arg(long, conflicts_with = "files_with_matches")]
    pub json: bool,

    /// Print only the paths of matching files, each once, best first
    #[arg(long, short = 'l')]
    pub files_with_matches: bool,

    /// Only passages scoring at least this. Dense scores are cosines (-1 to 1), absolute; hybrid scores are
    /// fused (0 to 1, relative to the best hit); lexical scores are BM25
    #[arg(long, value_name = "SCORE", env = "SQA_MIN_SCORE")]
    pub min_score: Option<f32>,

    /// Show each passage whole (by default its first lines)
    #[arg(long)]
    pub full: bool,

    /// Show N lines of the file before and after each passage, numbered (`12-` context, `13:` passage)
    #[arg(long, short = 'C', value_name = "N", default_value_t = 0)]
    pub context: usize,

    /// Bring the index up to date (re-embed changed files, drop deleted ones) before searching
    #[arg(long)]
    pub refresh: bool,

    /// How to rank: meaning and exact words fused, meaning only, or words only (BM25; loads no model)
    #[arg(long, value_enum, env = "SQA_MODE", default_value_t = ModeArg::Hybrid, value_name = "MODE")]
    pub mode: ModeArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Hybrid,
    Dense,
    Lexical,
}

impl From<ModeArg> for sqa::search::Mode {
    fn from(mode: ModeArg) -> Self {
        match mode {
            ModeArg::Hybrid => sqa::search::Mode::Hybrid,
            ModeArg::Dense => sqa::search::Mode::Dense,
            ModeArg::Lexical => sqa::search::Mode::Lexical,
        }
    }
}

/// `123`, `64K`, `16M`, `1G` (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    let scale: u64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => return Err(format!("unknown size unit {unit:?} (use K, M or G)")),
    };
    let number: u64 = digits.parse().map_err(|_| format!("not a size: {text:?}"))?;
    number.checked_mul(scale).ok_or_else(|| format!("size too large: {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// completions/ and man/ are generated from this definition; this fails when they are stale.
    /// `scripts/generate-docs` (SQA_UPDATE_GENERATED=1) rewrites them.
    #[test]
    fn generated_completions_and_man_pages_are_current() {
        use clap_complete::Shell;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut expected: Vec<(std::path::PathBuf, Vec<u8>)> = Vec::new();
        for (shell, name) in [
            (Shell::Bash, "sqa.bash"),
            (Shell::Zsh, "_sqa"),
            (Shell::Fish, "sqa.fish"),
            (Shell::Elvish, "sqa.elv"),
            (Shell::PowerShell, "_sqa.ps1"),
        ] {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "sqa", &mut out);
            expected.push((root.join("completions").join(name), out));
        }
        let mut command = Cli::command();
        command.build(); // propagates the global options into each subcommand's page
        let mut pages = vec![("sqa.1".to_owned(), command.clone())];
        for sub in command.get_subcommands() {
            let name: &'static str = Box::leak(format!("sqa-{}", sub.get_name()).into_boxed_str());
            pages.push((format!("{name}.1"), sub.clone().name(name)));
        }
        for (name, page) in pages {
            let mut out = Vec::new();
            clap_mangen::Man::new(page).render(&mut out).unwrap();
            expected.push((root.join("man").join(name), out));
        }
        let update = std::env::var_os("SQA_UPDATE_GENERATED").is_some();
        for (path, content) in expected {
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &content).unwrap();
            }
            let current = std::fs::read(&path).unwrap_or_default();
            assert!(current == content, "{} is stale: run scripts/generate-docs", path.display());
        }
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("512"), Ok(512));
        assert!(parse_size("3X").is_err());
    }
}
