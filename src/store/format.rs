//! The bytes of `meta.bin`: a fixed header that is checked before anything is decoded or allocated.

use serde::{Deserialize, Serialize};

use crate::model::ModelInfo;

const MAGIC: &[u8; 8] = b"SQAINDEX";
/// Bumped whenever the layout changes; older indexes are refused with a rebuild hint.
pub const FORMAT_VERSION: u32 = 3;
/// magic, version, payload length, payload checksum.
const HEADER_LEN: usize = 8 + 4 + 8 + 8;

/// Everything about an index generation except the vectors, texts and postings themselves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    pub model: ModelInfo,
    pub dims: u32,
    /// Seconds since the Unix epoch.
    pub created: u64,
    /// The paths the index was built from (raw bytes, relative to the index's folder or absolute), so that a
    /// bare `sqa index` or `sqa query --refresh` can bring it up to date.
    pub roots: Vec<Vec<u8>>,
    pub files: Vec<FileEntry>,
    pub passages: Vec<PassageEntry>,
    pub vectors_checksum: u64,
    pub texts_len: u64,
    pub texts_checksum: u64,
    pub lexical_len: u64,
    pub lexical_checksum: u64,
}

/// An indexed file, as found at indexing time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    /// Raw path bytes, relative to the folder holding the index (absolute if outside it).
    pub path: Vec<u8>,
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i128,
    /// xxh3 of the file's bytes: confirms a change when size or mtime differ.
    pub content_hash: u64,
}

/// One passage: where it is, and where its text lies in texts.bin. Its vector is row `i` of vectors.f32.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PassageEntry {
    pub file: u32,
    pub byte_start: u64,
    pub byte_end: u64,
    pub first_line: u32,
    pub last_line: u32,
    pub text_offset: u64,
    pub text_len: u32,
    /// xxh3 of the passage text: an edited file keeps the vectors of its unchanged passages.
    pub text_hash: u64,
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
}

pub fn checksum(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

pub fn encode(meta: &Meta) -> Vec<u8> {
    let payload = bincode::serde::encode_to_vec(meta, config()).expect("in-memory encoding cannot fail");
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&checksum(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    bytes
}

/// Decodes meta.bin, or says in a few words what is wrong with it.
pub fn decode(bytes: &[u8]) -> Result<Meta, String> {
    if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
        return Err("meta.bin is not an sqa index file".into());
    }
    let word = |at: usize, len: usize| bytes[at..at + len].iter().rev().fold(0u64, |v, &b| v << 8 | b as u64);
    let version = word(8, 4) as u32;
    if version != FORMAT_VERSION {
        return Err(format!("format version {version}, this sqa reads {FORMAT_VERSION}"));
    }
    let payload = &bytes[HEADER_LEN..];
    if word(12, 8) != payload.len() as u64 {
        return Err(format!("meta.bin is {} bytes, its header says {}", payload.len(), word(12, 8)));
    }
    if word(20, 8) != checksum(payload) {
        return Err("meta.bin checksum mismatch".into());
    }
    let (meta, _) = bincode::serde::decode_from_slice(payload, config()).map_err(|e| format!("meta.bin: {e}"))?;
    Ok(meta)
}
