//! Passages → vectors: finding ONNX Runtime and the model, running it, pooling and normalising.

pub mod download;
mod embedder;
mod files;
mod runtime;
mod session;

pub use embedder::Embedder;
pub use files::{ModelFiles, ModelInfo, DEFAULT_MODEL};
pub use runtime::{load_runtime, RUNTIME_LIBRARY};
pub use session::Workload;

use std::path::PathBuf;

/// Everything that can go wrong between a model directory and a vector.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("no model at {}: run scripts/fetch-assets for the stand-in model and pass --model DIR or set SQA_MODEL", dir.display())]
    NoModel { dir: PathBuf },
    #[error("model directory {} has no {file}", dir.display())]
    MissingFile { dir: PathBuf, file: &'static str },
    #[error("ONNX Runtime library not found ({tried}): run scripts/fetch-assets, or point ORT_DYLIB_PATH or --ort-lib at libonnxruntime.so")]
    NoRuntime { tried: String },
    #[error("cannot load ONNX Runtime from {}: {message}", path.display())]
    BadRuntime { path: PathBuf, message: String },
    #[error("cannot read tokenizer {}: {message}", path.display())]
    Tokenizer { path: PathBuf, message: String },
    #[error("cannot load model {}: {message}", path.display())]
    Session { path: PathBuf, message: String },
    #[error("model {} does not look like a sentence-transformers export: {message}", path.display())]
    Unsupported { path: PathBuf, message: String },
    #[error("inference failed: {0}")]
    Inference(String),
}
