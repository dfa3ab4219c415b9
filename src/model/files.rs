//! The model directory: where it is, what it holds, and a cheap identity for it.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::ModelError;

/// The product's default model; its directory under the asset directory is named after it.
pub const DEFAULT_MODEL: &str = "multi-qa-MiniLM-L6-cos-v1";

/// The files of a sentence-transformers ONNX export.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    pub dir: PathBuf,
    pub onnx: PathBuf,
    pub tokenizer: PathBuf,
}

/// What an index records about the model that built it, to refuse mixing vectors of two models.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModelInfo {
    /// The model directory's name, e.g. `all-MiniLM-L6-v2`.
    pub name: String,
    /// Hash of the ONNX file's length, head and tail: tells two exports apart without reading 90 MB.
    pub fingerprint: u64,
}

impl ModelFiles {
    /// The directory named by `--model` / `SQA_MODEL`, else the default model's under the asset directory.
    pub fn locate(explicit: Option<&Path>) -> Result<Self, ModelError> {
        let dir = match explicit {
            Some(dir) => dir.to_path_buf(),
            None => crate::dirs::asset_dir().unwrap_or_default().join("models").join(DEFAULT_MODEL),
        };
        if !dir.is_dir() {
            return Err(ModelError::NoModel { dir });
        }
        let onnx = ["model.onnx", "onnx/model.onnx"]
            .iter()
            .map(|name| dir.join(name))
            .find(|path| path.is_file())
            .ok_or_else(|| ModelError::MissingFile { dir: dir.clone(), file: "model.onnx" })?;
        let tokenizer = dir.join("tokenizer.json");
        if !tokenizer.is_file() {
            return Err(ModelError::MissingFile { dir, file: "tokenizer.json" });
        }
        Ok(ModelFiles { dir, onnx, tokenizer })
    }

    /// The model named `name` under the asset directory, if it is there and complete.
    pub fn installed(name: &str) -> Option<Self> {
        let plain = !name.is_empty() && name != "." && name != ".." && !name.contains('/');
        let dir = crate::dirs::asset_dir()?.join("models").join(name);
        plain.then(|| Self::locate(Some(&dir)).ok()).flatten()
    }

    pub fn info(&self) -> Result<ModelInfo, ModelError> {
        let name = self.dir.canonicalize().unwrap_or_else(|_| self.dir.clone());
        let name = name.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let fingerprint = fingerprint(&self.onnx).map_err(|e| ModelError::Session {
            path: self.onnx.clone(),
            message: e.to_string(),
        })?;
        Ok(ModelInfo { name, fingerprint })
    }
}

/// FNV-1a over the file's length and its first and last 64 KiB.
fn fingerprint(path: &Path) -> std::io::Result<u64> {
    const EDGE: u64 = 64 * 1024;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut bytes = len.to_le_bytes().to_vec();
    file.by_ref().take(EDGE).read_to_end(&mut bytes)?;
    file.seek(SeekFrom::Start(len.saturating_sub(EDGE)))?;
    file.take(EDGE).read_to_end(&mut bytes)?;
    Ok(bytes.iter().fold(0xcbf29ce484222325u64, |hash, &b| (hash ^ b as u64).wrapping_mul(0x100000001b3)))
}
