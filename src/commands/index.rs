//! `sqa index PATH...`

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use sqa::indexer::{self, Event, IndexOptions, Summary};
use sqa::output::{escape, escape_path};
use sqa::source::WalkOptions;
use sqa::store::INDEX_DIR_NAME;

use super::{load_embedder, Outcome};
use crate::cli::{GlobalArgs, IndexArgs};

pub fn run(args: &IndexArgs, global: &GlobalArgs) -> Result<Outcome> {
    let roots = roots(args)?;
    let index_dir = global.index.clone().unwrap_or_else(|| PathBuf::from(INDEX_DIR_NAME));
    let mut embedder = load_embedder(global)?;
    let options = IndexOptions {
        walk: WalkOptions { follow: args.follow, hidden: args.hidden, no_ignore: args.no_ignore },
        max_filesize: args.max_filesize,
        batch_size: args.batch_size,
    };
    let progress = progress_bar(global.quiet);
    let mut on_event = |event: Event| match event {
        Event::Warning { path, message } if !global.quiet => {
            progress.suspend(|| eprintln!("sqa: {}: {}", escape_path(path), escape(&message)));
        }
        Event::Warning { .. } => {}
        Event::Progress { files, passages } => progress.set_message(format!("{files} files, {passages} passages")),
    };
    let summary = indexer::index(&index_dir, &roots, &mut embedder, &options, &mut on_event)
        .with_context(|| format!("indexing into {}", index_dir.display()))?;
    progress.finish_and_clear();
    if !global.quiet {
        eprintln!("{}", summary_line(&summary, &index_dir));
    }
    Ok(Outcome::Found)
}

/// The paths named on the command line and in `--files-from`; `.` when there are none.
fn roots(args: &IndexArgs) -> Result<Vec<PathBuf>> {
    let mut roots = args.paths.clone();
    if let Some(list) = &args.files_from {
        roots.extend(read_path_list(list)?);
    } else if roots.is_empty() {
        roots.push(PathBuf::from("."));
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

fn summary_line(summary: &Summary, index_dir: &Path) -> String {
    let seconds = summary.elapsed.as_secs_f64();
    let rate = summary.passages as f64 / seconds.max(1e-9);
    format!(
        "indexed {} files, {} passages ({} word pieces) into {} in {seconds:.1} s ({rate:.1} passages/s); skipped {} files, {} warnings",
        summary.files,
        summary.passages,
        summary.word_pieces,
        index_dir.display(),
        summary.skipped,
        summary.warnings
    )
}
