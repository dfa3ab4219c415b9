//! Vectors → index on disk, and back: the generation layout, atomic commits, checksums.
//!
//! ```text
//! .sqa/
//!   CURRENT          names the live generation; replaced atomically (write, fsync, rename)
//!   LOCK             held (advisory lock) by the one writer at work
//!   gen-000042/
//!     meta.bin       magic, format version, checksum, then bincode: model, dims, files, passage count,
//!                    the other files' lengths and block checksums
//!     passages.bin   N fixed-width passage records (file, lines, byte range, text offset and hash)
//!     vectors.f32    N × dims little-endian f32, memory-mapped by readers
//!     vectors.q8     the same vectors as int8 with a step per row, and each f32 row's hash, in groups
//!     texts.bin      the passages' text, concatenated UTF-8
//!     lexical.bin    BM25 postings of the passages' words, memory-mapped by readers
//! ```
//! A writer builds a new generation beside the live one and swaps `CURRENT` only once every byte is on
//! disk, so a failed or killed run leaves the previous index as it was, and readers never see half a write.

mod checked;
mod format;
mod lexical;
pub mod quant;
mod reader;
mod stamp;
mod writer;

use std::path::PathBuf;

pub use format::{checksum, FileEntry, Meta, PassageEntry, FORMAT_VERSION};
pub use lexical::{LexicalBuilder, LexicalView, LexicalWriter, Postings, SPILL_BUDGET};
pub use reader::{find_index, index_base, path_from_bytes, read_meta, recorded_roots, Index, PassageView};
pub use stamp::{content_hash, FileStamp, Staleness};
pub use writer::IndexWriter;

/// The index directory's name, in the folder the index covers.
pub const INDEX_DIR_NAME: &str = ".sqa";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no index at {}: run `sqa index PATH` first", .0.display())]
    NotFound(PathBuf),
    #[error("no index found in this directory or any parent: run `sqa index PATH` first, or pass --index DIR")]
    NoneFound,
    #[error("index at {} is damaged: {reason}; run `sqa index --rebuild --index {}`", dir.display(), dir.display())]
    Damaged { dir: PathBuf, reason: String },
    #[error("index at {} was written by an older sqa (index format {version}, this sqa reads {}); run `sqa index --rebuild --index {}`", dir.display(), format::FORMAT_VERSION, dir.display())]
    Outdated { dir: PathBuf, version: u32 },
    #[error("index at {} was built with model {built_with}, not {requested}; use that model or run `sqa index --rebuild`", dir.display())]
    WrongModel { dir: PathBuf, built_with: String, requested: String },
    #[error("index at {} is being written by another `sqa index`; wait for it to finish", .0.display())]
    Locked(PathBuf),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

impl StoreError {
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { path, source }
    }
}
