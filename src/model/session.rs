//! ONNX Runtime sessions, started cheaply. Graph optimisation (constant folding of quantised weights, fusions)
//! costs about 150 ms at every start, so the optimised graph is saved once in the asset directory, in ORT's
//! own format, and later memory-mapped and used in place (no parse, no copy of the weights). Measured here:
//! session start 190-240 ms → 36 ms.

use std::path::{Path, PathBuf};

use ort::environment::Environment;
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use std::borrow::Cow;

use ort::session::{InMemorySession, Session, SessionInputValue, SessionOutputs};

use super::{ModelError, ModelFiles, ModelInfo};

/// What a session will embed, which decides how it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Many texts (indexing, piped text): the weights are re-laid out once for the matrix kernels
    /// (pre-packed), which pays back over many model calls; `threads` intra-op threads.
    Many { threads: usize },
    /// A text or two (a query's question), on one thread, weights used as stored: packing them costs more at
    /// start than it saves on one short text (measured here: session start 35-45 → 10 ms, embedding a
    /// question 7 → 12 ms).
    Few,
}

/// A session over the model file, or over the memory-mapped bytes of its saved optimised graph.
pub enum ModelSession {
    File(Session),
    /// Borrows a map that lives as long as the process (see [`map_for_process`]).
    Mapped(InMemorySession<'static>),
}

impl ModelSession {
    pub fn session(&self) -> &Session {
        match self {
            ModelSession::File(session) => session,
            ModelSession::Mapped(session) => session,
        }
    }

    pub fn run<'s>(&'s mut self, inputs: Vec<(Cow<'_, str>, SessionInputValue<'_>)>) -> ort::Result<SessionOutputs<'s>> {
        match self {
            ModelSession::File(session) => session.run(inputs),
            ModelSession::Mapped(session) => session.run(inputs),
        }
    }
}

/// Opens `files`' model: from the saved optimised graph when there is one, else optimising it (and saving
/// the result for next time, best effort).
pub fn open(environment: &Environment, files: &ModelFiles, info: &ModelInfo, workload: Workload) -> Result<ModelSession, ModelError> {
    let error = |e: ort::Error| ModelError::Session { path: files.onnx.clone(), message: e.to_string() };
    let cached = optimized_path(info);
    if let Some(path) = cached.as_ref().filter(|path| path.is_file()) {
        if let Some(session) = open_saved(environment, path, workload) {
            return Ok(ModelSession::Mapped(session));
        }
        let _ = std::fs::remove_file(path); // unreadable or stale: optimise again below
    }
    // Extended, not All: its graph holds no layout specific to this processor, so a saved copy stays valid.
    let mut builder = builder(environment, workload, GraphOptimizationLevel::Level2).map_err(error)?;
    let staging = cached.as_ref().map(|path| path.with_extension(format!("tmp-{}", std::process::id())));
    if let Some(staging) = staging.as_ref().filter(|s| s.parent().is_some_and(|dir| std::fs::create_dir_all(dir).is_ok())) {
        builder = builder
            .with_config_entry("session.save_model_format", "ORT")
            .and_then(|b| b.with_optimized_model_path(staging))
            .map_err(|e| error(e.into()))?;
    }
    let session = builder.commit_from_file(&files.onnx).map_err(error)?;
    if let (Some(staging), Some(cached)) = (staging, cached) {
        // Renamed, never rewritten in place: a map of the old file stays valid.
        let _ = std::fs::rename(&staging, &cached).or_else(|_| std::fs::remove_file(&staging));
    }
    Ok(ModelSession::File(session))
}

fn open_saved(environment: &Environment, path: &Path, workload: Workload) -> Option<InMemorySession<'static>> {
    let bytes = map_for_process(path)?;
    let mut builder = builder(environment, workload, GraphOptimizationLevel::Disable).ok()?;
    builder.commit_from_memory_directly(bytes).ok()
}

/// Maps a file for the rest of the process: a CLI loads a model once, and ORT uses the bytes in place.
fn map_for_process(path: &Path) -> Option<&'static [u8]> {
    let file = std::fs::File::open(path).ok()?;
    // SAFETY: the file is only ever replaced by rename, never written in place, so the mapping stays valid.
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    Some(&**Box::leak(Box::new(map)))
}

fn builder(environment: &Environment, workload: Workload, level: GraphOptimizationLevel) -> ort::Result<SessionBuilder> {
    let threads = match workload {
        Workload::Many { threads } => threads.max(1),
        Workload::Few => 1,
    };
    let builder = Session::builder(environment)?
        .with_optimization_level(level)
        .and_then(|b| b.with_intra_threads(threads))
        // Batches vary in shape, so memory patterns (planned per shape) cost memory and buy nothing:
        // measured 1.41 GB → 0.85 GB peak RSS, same speed.
        .and_then(|b| b.with_memory_pattern(false))?;
    match workload {
        Workload::Many { .. } => Ok(builder),
        Workload::Few => builder.with_config_entry("session.disable_prepacking", "1").map_err(Into::into),
    }
}

/// `$XDG_CACHE_HOME/sqa/optimized/NAME-FINGERPRINT-ortVERSION.ort`: one per model file and runtime version.
fn optimized_path(info: &ModelInfo) -> Option<PathBuf> {
    let name: String = info.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    let file = format!("{name}-{:016x}-ort{}.ort", info.fingerprint, ort::MINOR_VERSION);
    Some(crate::dirs::asset_dir()?.join("optimized").join(file)).filter(|p: &PathBuf| p.parent().is_some_and(Path::is_absolute))
}
