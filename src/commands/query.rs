//! `sqa query "question"`: against an index, or against text piped on stdin.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};
use sqa::chunk::Chunker;
use sqa::indexer::IndexOptions;
use sqa::model::Embedder;
use sqa::output::{Format, Hit, Printer};
use sqa::search::{self, Mode, Params};
use sqa::source;
use sqa::store::{find_index, Index, LexicalBuilder, LexicalView};

use super::{load_embedder, stdin_is_input, use_color, Outcome};
use crate::cli::{GlobalArgs, QueryArgs};

/// Passages per model call when embedding piped text.
const STDIN_BATCH: usize = 32;

pub fn run(args: &QueryArgs, global: &GlobalArgs) -> Result<Outcome> {
    let format = if args.json { Format::Json } else { Format::Human { color: use_color(global.color) } };
    let mut printer = Printer::new(std::io::stdout().lock(), format);
    if global.index.is_none() && stdin_is_input() {
        query_stdin(args, global, &mut printer)?;
    } else {
        query_index(args, global, &mut printer)?;
    }
    printer.flush()?;
    Ok(if printer.printed() > 0 { Outcome::Found } else { Outcome::NothingFound })
}

fn query_index(args: &QueryArgs, global: &GlobalArgs, printer: &mut Printer<impl std::io::Write>) -> Result<()> {
    let dir = match &global.index {
        Some(dir) => dir.clone(),
        None => find_index(&std::env::current_dir().context("current directory")?)?,
    };
    // Open (and verify) the index before the model loads, so a missing index fails fast.
    let mut index = Index::open(&dir)?;
    if args.refresh {
        super::index::update(&dir, &index.roots(), &IndexOptions::refresh(), global)?;
        index = Index::open(&dir)?;
    }
    let missing = report_staleness(&index, global.quiet);
    let mode = Mode::from(args.mode);
    let question = if mode.needs_model() {
        let mut embedder = load_embedder(global)?;
        index.check_model(embedder.info(), embedder.dims())?;
        embed_question(&mut embedder, &args.question)?
    } else {
        Vec::new()
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let base = absolute(index.base(), &cwd);
    let in_missing_file = |row: usize| missing.contains(&index.meta.passages[row].file);
    let hidden = (0..index.len()).filter(|&row| in_missing_file(row)).count();
    let ranked = search::search(&index, mode, &args.question, &question, args.top + hidden, &Params::default());
    for scored in ranked.into_iter().filter(|s| !in_missing_file(s.row)).take(args.top) {
        let passage = index.passage(scored.row);
        let path = display_path(&base.join(&passage.path), &cwd);
        let hit = Hit {
            path: &path,
            start_line: passage.first_line,
            end_line: passage.last_line,
            score: scored.score,
            text: passage.text,
        };
        printer.print(&hit)?;
    }
    Ok(())
}

/// Searches the text piped on stdin: chunk, embed, rank, print; nothing is written.
fn query_stdin(args: &QueryArgs, global: &GlobalArgs, printer: &mut Printer<impl std::io::Write>) -> Result<()> {
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes).context("reading stdin")?;
    let mut embedder = load_embedder(global)?;
    let document = source::from_bytes(PathBuf::from("<stdin>"), &bytes, false)
        .map_err(|reason| anyhow::anyhow!("<stdin>: {reason}"))?;
    let passages = Chunker::new(embedder.tokenizer().clone()).split(&document).context("<stdin>")?;
    let texts: Vec<&str> = passages.iter().map(|p| p.text.as_str()).collect();
    let vectors = embedder.embed_all(&texts, STDIN_BATCH)?;
    let question = embed_question(&mut embedder, &args.question)?;
    let mut lexical = LexicalBuilder::default();
    texts.iter().for_each(|text| lexical.add(text));
    let lexical_bytes = lexical.finish();
    let lexical = LexicalView::parse(&lexical_bytes).map_err(anyhow::Error::msg)?;
    let mode = Mode::from(args.mode);
    for scored in search::rank(&vectors, &lexical, mode, &args.question, &question, args.top, &Params::default()) {
        let passage = &passages[scored.row];
        let hit = Hit {
            path: "<stdin>",
            start_line: passage.first_line,
            end_line: passage.last_line,
            score: scored.score,
            text: &passage.text,
        };
        printer.print(&hit)?;
    }
    Ok(())
}

/// Says on stderr how many indexed files changed or disappeared (a stat each, no reading); returns the
/// ids of the vanished ones, whose passages are not printed.
fn report_staleness(index: &Index, quiet: bool) -> HashSet<u32> {
    let staleness = index.staleness();
    if !staleness.is_fresh() && !quiet {
        eprintln!(
            "sqa: {} indexed files changed and {} disappeared since indexing; run `sqa index` or pass --refresh",
            staleness.changed.len(),
            staleness.missing.len()
        );
    }
    staleness.missing.into_iter().collect()
}

fn embed_question(embedder: &mut Embedder, question: &str) -> Result<Vec<f32>> {
    Ok(embedder.embed(&[question])?)
}

fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| cwd.join(path))
}

/// `path` relative to `cwd` when that is shorter to read (`docs/a.md`, `../notes/b.md`), else as is.
fn display_path(path: &Path, cwd: &Path) -> String {
    let relative = relative_to(path, cwd).unwrap_or_else(|| path.to_path_buf());
    relative.to_string_lossy().into_owned()
}

fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let (path, base): (Vec<Component>, Vec<Component>) = (path.components().collect(), base.components().collect());
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    if common <= 1 && base.len() > 1 {
        return None; // nothing in common but the root: the absolute path reads better
    }
    let ups = base.len() - common;
    let mut relative: PathBuf = std::iter::repeat_n(Component::ParentDir, ups).collect();
    relative.extend(&path[common..]);
    Some(relative)
}
