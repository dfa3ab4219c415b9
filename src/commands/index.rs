//! `sqa index PATH...`

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use sqa::indexer::{self, Event, IndexError, IndexOptions, Summary};
use sqa::output::{escape, escape_path};
use sqa::source::WalkOptions;
use sqa::store::{index_base, read_meta, recorded_roots, INDEX_DIR_NAME};

use super::{counted, load_embedder, Outcome};
use crate::cli::{GlobalArgs, IndexArgs};

pub fn run(args: &IndexArgs, global: &GlobalArgs) -> Result<Outcome> {
    let index_dir = global.index.clone().unwrap_or_else(|| PathBuf::from(INDEX_DIR_NAME));
    let roots = roots(args, &index_dir)?;
    let options = IndexOptions {
        walk: WalkOptions { follow: args.follow, hidden: args.hidden, no_ignore: args.no_ignore },
        max_filesize: args.max_filesize,
        rebuild: args.rebuild,
    };
    update(&index_dir, &roots, &options, global)
}

/// Brings `index_dir` up to date with `roots`, reporting on stderr; also serves `sqa query --refresh`.
pub fn update(index_dir: &Path, roots: &[PathBuf], options: &IndexOptions, global: &GlobalArgs) -> Result<Outcome> {
    let cancel = interrupt_flag()?;
    // Re-indexing keeps the index's own model unless one is named.
    let previous_model = read_meta(index_dir).ok().map(|meta| meta.model);
    let mut embedder = load_embedder(global, previous_model.as_ref(), super::many_texts(global))?.with_sessions(super::threads(global));
    let progress = progress_bar(global.quiet);
    let mut on_event = |event: Event| match event {
        Event::Warning { path, message } if !global.quiet => {
            progress.suspend(|| eprintln!("sqa: {}: {}", escape_path(path), escape(&message)));
        }
        Event::Warning { .. } => {}
        Event::Progress { files, passages } => progress.set_message(format!("{files} files, {passages} passages")),
    };
    let result = indexer::index(index_dir, roots, &mut embedder, options, &cancel, &mut on_event);
    progress.finish_and_clear();
    match result {
        Ok(summary) => {
            if !global.quiet {
                eprintln!("{}", summary_line(&summary, index_dir));
            }
            Ok(Outcome::Found)
        }
        Err(IndexError::Interrupted(summary)) => {
            eprintln!(
                "sqa: interrupted after {}, {} embedded; the index at {} is unchanged",
                counted(summary.files, "file"),
                counted(summary.embedded, "passage"),
                index_dir.display()
            );
            Ok(Outcome::Interrupted)
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("indexing into {}", index_dir.display()))),
    }
}

/// Set on SIGINT or SIGTERM, so a run can stop between model calls and leave the index as it was.
fn interrupt_flag() -> Result<Arc<AtomicBool>> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    if let Some(flag) = FLAG.get() {
        return Ok(flag.clone());
    }
    let flag = Arc::new(AtomicBool::new(false));
    let handler_flag = flag.clone();
    ctrlc::set_handler(move || handler_flag.store(true, Ordering::Relaxed)).context("installing the signal handler")?;
    Ok(FLAG.get_or_init(|| flag).clone())
}

/// The paths named on the command line and in `--files-from`; when there are none, those the existing
/// index was built from, else `.`.
fn roots(args: &IndexArgs, index_dir: &Path) -> Result<Vec<PathBuf>> {
    // A path typed on the command line must exist: a typo would otherwise replace the index with one that
    // lacks it. (Paths from --files-from may vanish before they are read: those are per-file warnings.)
    for path in &args.paths {
        std::fs::symlink_metadata(path).with_context(|| path.display().to_string())?;
    }
    let mut roots = args.paths.clone();
    if let Some(list) = &args.files_from {
        roots.extend(read_path_list(list)?);
    } else if roots.is_empty() {
        let recorded = read_meta(index_dir).map(|meta| recorded_roots(index_base(index_dir), &meta));
        roots = recorded.unwrap_or_else(|_| vec![PathBuf::from(".")]);
    }
    Ok(roots)
}

/// One path per line, or NUL-separated (`fd -0`, `find -print0`) when the list holds a NUL.
fn read_path_list(list: &Path) -> Result<Vec<PathBuf>> {
    use std::os::unix::ffi::OsStrExt;
    let mut bytes = Vec::new();
    if list == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes).context("reading paths from stdin")?;
    } else {
        bytes = std::fs::read(list).with_context(|| format!("reading paths from {}", list.display()))?;
    }
    let separator = if bytes.contains(&0) { 0 } else { b'\n' };
    Ok(bytes
        .split(|&b| b == separator)
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.is_empty())
        .map(|line| PathBuf::from(std::ffi::OsStr::from_bytes(line)))
        .collect())
}

/// A spinner with counts on stderr, only when stderr is a terminal.
fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} indexing: {msg} [{elapsed}]").expect("valid template"));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn summary_line(s: &Summary, index_dir: &Path) -> String {
    let seconds = s.elapsed.as_secs_f64();
    let rate = s.embedded as f64 / seconds.max(1e-9);
    format!(
        "indexed {} ({} added, {} changed, {} removed, {} unchanged), {} ({} embedded, {}, {rate:.1} passages/s; \
         {} reused) into {} in {seconds:.1} s; skipped {}, {}",
        counted(s.files, "file"),
        s.added,
        s.changed,
        s.removed,
        s.unchanged,
        counted(s.passages, "passage"),
        s.embedded,
        counted(s.word_pieces as usize, "word piece"),
        s.reused,
        index_dir.display(),
        counted(s.skipped, "file"),
        counted(s.warnings, "warning")
    )
}
