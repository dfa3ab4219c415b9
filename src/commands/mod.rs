//! The subcommands, each turning parsed arguments into library calls and printed results.

mod download;
mod eval;
mod index;
mod query;
mod status;

use std::io::IsTerminal;

use anyhow::{Context, Result};
use sqa::model::{Embedder, ModelError, ModelFiles, ModelInfo, Workload};

use crate::cli::{Cli, ColorChoice, Command, GlobalArgs};

/// How a command ended, for the exit status.
pub enum Outcome {
    Found,
    NothingFound,
    /// Stopped by SIGINT or SIGTERM, nothing changed (exit 130, as shells report an interrupted command).
    Interrupted,
}

pub fn run(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Index(args) => index::run(&args, &cli.global),
        Command::Query(args) => query::run(&args, &cli.global),
        Command::Status(args) => status::run(&args, &cli.global),
        Command::Eval(args) => eval::run(&args, &cli.global),
    }
}

/// Loads the model: `--model`/`SQA_MODEL`; else the one `index_model` names (the model an existing index was
/// built with) if the asset directory has it; else the default, downloaded on first use. Its session starts for
/// `workload`: [`Workload::Few`] for a question, [`many_texts`] otherwise.
fn load_embedder(global: &GlobalArgs, index_model: Option<&ModelInfo>, workload: Workload) -> Result<Embedder> {
    let recorded = index_model.filter(|_| global.model.is_none()).and_then(|info| ModelFiles::installed(&info.name));
    let files = match recorded {
        Some(files) => files,
        None => locate_or_download(global)?,
    };
    Ok(Embedder::load(&files, global.ort_lib.as_deref(), workload)?)
}

/// Many texts to embed (indexing, piped text, evaluation queries), with `--threads`.
fn many_texts(global: &GlobalArgs) -> Workload {
    Workload::Many { threads: threads(global) }
}

fn locate_or_download(global: &GlobalArgs) -> Result<ModelFiles> {
    match ModelFiles::locate(global.model.as_deref()) {
        // Missing or half-downloaded (a previous download was interrupted).
        Err(ModelError::NoModel { dir } | ModelError::MissingFile { dir, .. }) if global.model.is_none() => {
            download::fetch_default_model(&dir, global).with_context(|| {
                format!("no model at {} and the default could not be downloaded (name a model directory with --model or SQA_MODEL; scripts/fetch-assets installs one)", dir.display())
            })?;
            Ok(ModelFiles::locate(None)?)
        }
        located => Ok(located?),
    }
}

/// The index to read: `--index`, else the nearest `.sqa` from the current directory upward.
fn index_dir(global: &GlobalArgs) -> Result<std::path::PathBuf> {
    match &global.index {
        Some(dir) => Ok(dir.clone()),
        None => Ok(sqa::store::find_index(&std::env::current_dir().context("current directory")?)?),
    }
}

/// `1 file`, `2 files`.
fn counted(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn threads(global: &GlobalArgs) -> usize {
    global.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org).
fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

/// Standard input counts as input only when it is a pipe or a redirected file, as in ripgrep: a terminal,
/// /dev/null or a closed stdin never does.
fn stdin_is_input() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else { return false };
    match std::fs::File::from(fd).metadata() {
        Ok(meta) => meta.file_type().is_fifo() || meta.file_type().is_file(),
        Err(_) => false,
    }
}
