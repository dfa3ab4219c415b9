//! `sqa query "question"`: against an index, or against text piped on stdin.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, Result};
use sqa::chunk::{Chunker, Passage};
use sqa::indexer::IndexOptions;
use sqa::model::Workload;
use sqa::output::{Format, Hit, Printer};
use sqa::search::{self, Mode, Params};
use sqa::source::{self, Document};
use sqa::store::{FileStamp, Index, LexicalBuilder, LexicalView};

use super::{counted, load_embedder, stdin_is_input, use_color, Outcome};
use crate::cli::{GlobalArgs, QueryArgs};


pub fn run(args: &QueryArgs, global: &GlobalArgs) -> Result<Outcome> {
    let color = use_color(global.color);
    let format = match (args.json, args.files_with_matches) {
        (true, _) => Format::Json,
        (false, true) => Format::Files { color },
        (false, false) => Format::Human { color, full: args.full },
    };
    let mut printer = Printer::new(std::io::stdout().lock(), format);
    if global.index.is_none() && stdin_is_input() {
        query_stdin(args, global, &mut printer)?;
    } else {
        query_index(args, global, &mut printer)?;
    }
    printer.flush()?;
    sqa::trace::mark("printed");
    Ok(if printer.printed() > 0 { Outcome::Found } else { Outcome::NothingFound })
}

fn query_index(args: &QueryArgs, global: &GlobalArgs, printer: &mut Printer<impl Write>) -> Result<()> {
    let dir = super::index_dir(global)?;
    // Open the index before the model loads, so a missing or damaged index fails fast.
    let mut index = Index::open(&dir)?;
    sqa::trace::mark("index open");
    if args.refresh {
        super::index::update(&dir, &index.roots(), &IndexOptions::refresh(), global)?;
        index = Index::open(&dir)?;
    }
    let mode = Mode::from(args.mode);
    let wanted = |hidden: usize| if args.files_with_matches { index.len() } else { args.top + hidden };
    let (missing, ranked) = std::thread::scope(|scope| -> Result<_> {
        // Staleness, ranking by words and the vectors' checksums on one core, the model on this thread
        // beside it: ONNX Runtime's start-up makes thousands of small allocations, and the main thread's
        // heap grows in large steps where another thread's grows a page per system call (measured: 2,574
        // mprotect calls while the runtime and session started on a spawned thread).
        let by_words = || -> Result<_> {
            let missing = report_staleness(&index, global.quiet);
            let hidden = hidden_passages(&index, &missing)?;
            let words = search::by_words(&index, mode, &args.question, wanted(hidden), &Params::default())?;
            sqa::trace::mark("ranked by words");
            if mode.needs_model() {
                index.verify_quantized()?;
                sqa::trace::mark("int8 vectors verified");
            }
            Ok((missing, hidden, words))
        };
        let (words, vector) = if mode.needs_model() {
            let words = scope.spawn(by_words);
            let vector = embed_question(&index, &args.question, global);
            (sqa::parallel::join(words), vector)
        } else {
            (by_words(), Ok(Vec::new())) // lexical mode needs no model
        };
        let (missing, hidden, words) = words?;
        let vector = vector?;
        let threads = super::threads(global);
        Ok((missing, search::by_meaning(&index, mode, &vector, words, wanted(hidden), &Params::default(), threads)?))
    })?;
    sqa::trace::mark("ranked");
    let cwd = std::env::current_dir().unwrap_or_default();
    let base = absolute(index.base(), &cwd);
    // Passages are read (and verified) only as far as the selection goes; damage there ends the query.
    let mut damage = None;
    let hits = ranked
        .into_iter()
        .map_while(|scored| index.passage(scored.row).map(|passage| (scored, passage)).map_err(|e| damage = Some(e)).ok())
        .filter(|(_, passage)| !missing.contains(&passage.file));
    let selected = Selection::new(args).select(hits, |(scored, _)| scored.score, |(_, passage)| passage.file);
    if let Some(error) = damage {
        return Err(error.into());
    }
    for (scored, passage) in selected {
        let file = base.join(&passage.path);
        let document = (args.context > 0).then(|| unchanged_document(&index, passage.file, &file)).flatten();
        let path = display_path(&file, &cwd);
        let context = document.as_ref().map(|doc| doc.lines_around(passage.byte_range.clone(), args.context).into());
        let (start_line, end_line, text) = (passage.first_line, passage.last_line, passage.text);
        printer.print(&Hit { path: &path, start_line, end_line, score: scored.score, text, context })?;
    }
    Ok(())
}

/// Loads the model (the index's own unless one is named), checks it built the index, embeds the question.
fn embed_question(index: &Index, question: &str, global: &GlobalArgs) -> Result<Vec<f32>> {
    // One thread, weights not pre-packed: a single short question gains nothing from a pool, whose idle
    // workers would spin on the cores the scan needs, nor from packing.
    let mut embedder = load_embedder(global, Some(&index.meta.model), Workload::Few)?;
    sqa::trace::mark("model loaded");
    index.check_model(embedder.info(), embedder.dims())?;
    let vector = embedder.embed(&[question])?;
    sqa::trace::mark("question embedded");
    Ok(vector)
}

/// How many passages belong to vanished files (they are ranked, then not printed).
fn hidden_passages(index: &Index, missing: &HashSet<u32>) -> Result<usize> {
    if missing.is_empty() {
        return Ok(0);
    }
    let mut hidden = 0;
    for row in 0..index.len() {
        hidden += usize::from(missing.contains(&index.entry(row)?.file));
    }
    Ok(hidden)
}

/// Searches the text piped on stdin: chunk, embed, rank, print; nothing is written.
fn query_stdin(args: &QueryArgs, global: &GlobalArgs, printer: &mut Printer<impl Write>) -> Result<()> {
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes).context("reading stdin")?;
    let mut embedder = load_embedder(global, None, super::many_texts(global))?;
    let document = source::from_bytes(PathBuf::from("<stdin>"), &bytes, false)
        .map_err(|reason| anyhow::anyhow!("<stdin>: {reason}"))?;
    let passages: Vec<Passage> = Chunker::new(embedder.tokenizer().clone()).split(&document).context("<stdin>")?;
    let texts: Vec<&str> = passages.iter().map(|p| p.text.as_str()).collect();
    let vectors = embedder.embed(&texts)?;
    let question = embedder.embed(&[&args.question])?;
    let mut lexical = LexicalBuilder::default();
    texts.iter().for_each(|text| lexical.add(text));
    let lexical_bytes = lexical.finish();
    let lexical = LexicalView::parse(&lexical_bytes).map_err(anyhow::Error::msg)?;
    let mode = Mode::from(args.mode);
    let ranked = search::rank(&vectors, &lexical, mode, &args.question, &question, passages.len(), &Params::default());
    for scored in Selection::new(args).select(ranked.into_iter(), |scored| scored.score, |_| 0) {
        let passage = &passages[scored.row];
        let context = (args.context > 0).then(|| document.lines_around(passage.byte_range.clone(), args.context).into());
        let (start_line, end_line, text) = (passage.first_line, passage.last_line, passage.text.as_str());
        printer.print(&Hit { path: Path::new("<stdin>"), start_line, end_line, score: scored.score, text, context })?;
    }
    Ok(())
}

/// Which ranked passages are printed: those scoring at least `--min-score`, one per file with `-l`,
/// at most `-k`.
struct Selection {
    top: usize,
    min_score: f32,
    one_per_file: bool,
}

impl Selection {
    fn new(args: &QueryArgs) -> Self {
        Selection { top: args.top, min_score: args.min_score.unwrap_or(f32::NEG_INFINITY), one_per_file: args.files_with_matches }
    }

    /// Filters `ranked` (best first), taking no more of it than it needs; `file_of` names a hit's file.
    fn select<T>(self, ranked: impl Iterator<Item = T>, score: impl Fn(&T) -> f32, file_of: impl Fn(&T) -> u32) -> Vec<T> {
        let mut files = HashSet::new();
        ranked
            .take_while(|hit| score(hit) >= self.min_score)
            .filter(|hit| !self.one_per_file || files.insert(file_of(hit)))
            .take(self.top)
            .collect()
    }
}

/// The file's current document, if it is still what was indexed (context from a changed file would lie).
fn unchanged_document(index: &Index, file: u32, path: &Path) -> Option<Document> {
    let entry = &index.meta.files[file as usize];
    let meta = std::fs::metadata(path).ok()?;
    if FileStamp::of(&meta) != FileStamp::of_entry(entry) {
        return None;
    }
    source::load(path, u64::MAX).ok().map(|loaded| loaded.document)
}

/// Says on stderr how many indexed files changed or disappeared (a stat each, no reading); returns the
/// ids of the vanished ones, whose passages are not printed.
fn report_staleness(index: &Index, quiet: bool) -> HashSet<u32> {
    let staleness = index.staleness();
    if !staleness.is_fresh() && !quiet {
        eprintln!(
            "sqa: {} changed and {} disappeared since indexing; run `sqa index` or pass --refresh",
            counted(staleness.changed.len(), "indexed file"),
            staleness.missing.len()
        );
    }
    staleness.missing.into_iter().collect()
}

fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| cwd.join(path))
}

/// `path` relative to `cwd` when that is shorter to read (`docs/a.md`, `../notes/b.md`), else as is.
fn display_path(path: &Path, cwd: &Path) -> PathBuf {
    relative_to(path, cwd).unwrap_or_else(|| path.to_path_buf())
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
