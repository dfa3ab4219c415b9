//! The first-run download of the default model, with a progress bar on a terminal.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use sqa::model::download::{download, Progress, DEFAULT_ENDPOINT, DEFAULT_MODEL_SOURCE};
use sqa::model::DEFAULT_MODEL;

use crate::cli::GlobalArgs;

pub fn fetch_default_model(dir: &Path, global: &GlobalArgs) -> Result<()> {
    let source = DEFAULT_MODEL_SOURCE;
    if global.offline {
        bail!(
            "no model at {} and offline mode forbids downloading: put model.onnx and tokenizer.json of {DEFAULT_MODEL} \
             there (from {} at revision {}), or pass --model DIR",
            dir.display(),
            source.repo,
            source.revision
        );
    }
    let endpoint = std::env::var("HF_ENDPOINT").ok().filter(|e| !e.is_empty()).unwrap_or_else(|| DEFAULT_ENDPOINT.into());
    if !global.quiet {
        eprintln!("sqa: downloading {} (revision {}) from {endpoint} into {}", source.repo, source.revision, dir.display());
    }
    let bar = if global.quiet || !std::io::stderr().is_terminal() { ProgressBar::hidden() } else { ProgressBar::new(0) };
    let style = ProgressStyle::with_template("{msg:>16} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec}").expect("valid template");
    bar.set_style(style);
    let result = download(&source, &endpoint, dir, &mut |progress| match progress {
        Progress::Start { file, total, have } => {
            bar.set_message(file.to_owned());
            bar.set_length(total.unwrap_or(0));
            bar.set_position(have);
        }
        Progress::Bytes(have) => bar.set_position(have),
        Progress::Done => bar.finish_and_clear(),
    });
    if result.is_err() {
        let _ = std::fs::remove_dir(dir); // only if nothing (not even a partial download) is in it
    }
    Ok(result?)
}
