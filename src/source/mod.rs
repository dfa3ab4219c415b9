//! Files → documents: walking the tree, reading, skipping what is not text, decoding, and HTML's visible text.

mod decode;
mod html;
mod lines;
mod walk;

use std::path::{Path, PathBuf};

pub use decode::{decode, NotText};
pub use lines::LineMap;
pub use walk::{walk, WalkEvent, WalkOptions};

/// A text ready for chunking: what the user would read in the file, and where each of its lines sits in the file.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as found (walk root joined with the relative path), or `-` for standard input.
    pub path: PathBuf,
    pub text: String,
    pub lines: LineMap,
}

/// Why a file yielded no document.
#[derive(Debug, thiserror::Error)]
pub enum SkipReason {
    #[error("binary file")]
    Binary,
    #[error("larger than the size limit ({limit} bytes)")]
    TooLarge { limit: u64 },
    #[error("not a regular file")]
    NotRegular,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl SkipReason {
    /// Binary files are expected in any tree and skipped silently; the others are worth a warning.
    pub fn is_warning(&self) -> bool {
        !matches!(self, SkipReason::Binary)
    }
}

/// Reads and decodes one file. Never opens anything but a regular file, so FIFOs and devices cannot hang the run.
pub fn load(path: &Path, max_filesize: u64) -> Result<Document, SkipReason> {
    let bytes = read(path, max_filesize)?;
    document(path, &bytes)
}

/// A regular file's bytes, if it is not larger than `max_filesize`.
pub fn read(path: &Path, max_filesize: u64) -> Result<Vec<u8>, SkipReason> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(SkipReason::NotRegular);
    }
    if meta.len() > max_filesize {
        return Err(SkipReason::TooLarge { limit: max_filesize });
    }
    Ok(std::fs::read(path)?)
}

/// Decodes a file's bytes (read with [`read`]), as HTML when its name says so.
pub fn document(path: &Path, bytes: &[u8]) -> Result<Document, SkipReason> {
    from_bytes(path.to_path_buf(), bytes, is_html(path))
}

/// Builds a document from raw bytes (a file's or standard input's).
pub fn from_bytes(path: PathBuf, bytes: &[u8], html: bool) -> Result<Document, SkipReason> {
    let text = decode(bytes).map_err(|NotText| SkipReason::Binary)?;
    let (text, lines) = if html {
        html::visible_text(&text)
    } else {
        let lines = LineMap::plain(&text);
        (text, lines)
    };
    Ok(Document { path, text, lines })
}

fn is_html(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    ext.eq_ignore_ascii_case("html") || ext.eq_ignore_ascii_case("htm") || ext.eq_ignore_ascii_case("xhtml")
}
