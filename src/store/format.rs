//! The bytes of `meta.bin` (a fixed header that is checked before anything is decoded or allocated) and of
//! `passages.bin` (one fixed-width record per passage, read in place).

use serde::{Deserialize, Serialize};

use super::checked::BlockSums;
use crate::model::ModelInfo;

const MAGIC: &[u8; 8] = b"SQAINDEX";
/// Bumped whenever the layout changes; older indexes are refused with a rebuild hint.
/// 4: passages in a fixed-width table, block checksums, int8 copies of the vectors.
pub const FORMAT_VERSION: u32 = 4;
/// magic, version, payload length, payload checksum.
const HEADER_LEN: usize = 8 + 4 + 8 + 8;

/// Everything about an index generation except the passages, vectors, texts and postings themselves. Small
/// (it grows with the number of files, not passages), so it is read and checked whole on every open.
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
    /// Number of passages: rows of passages.bin, vectors.f32 and vectors.q8.
    pub passages: u64,
    pub passages_sums: BlockSums,
    pub texts_sums: BlockSums,
    pub lexical_sums: BlockSums,
    /// One block per group of rows; each row's f32 bytes are checked against the hash stored in its group.
    pub quantized_sums: BlockSums,
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
#[derive(Debug, Clone, PartialEq, Eq)]
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

impl PassageEntry {
    /// Bytes of one record in passages.bin.
    pub const LEN: usize = 4 * 4 + 8 * 4;

    pub fn encode(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        let fields32 = [self.file, self.first_line, self.last_line, self.text_len];
        let fields64 = [self.byte_start, self.byte_end, self.text_offset, self.text_hash];
        let words = fields32.iter().flat_map(|v| v.to_le_bytes()).chain(fields64.iter().flat_map(|v| v.to_le_bytes()));
        out.iter_mut().zip(words).for_each(|(o, b)| *o = b);
        out
    }

    /// Decodes a record (`bytes` holds exactly [`Self::LEN`] bytes).
    pub fn decode(bytes: &[u8]) -> Self {
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i * 4..][..4].try_into().unwrap_or_default());
        let u64_at = |i: usize| u64::from_le_bytes(bytes[16 + i * 8..][..8].try_into().unwrap_or_default());
        PassageEntry {
            file: u32_at(0),
            first_line: u32_at(1),
            last_line: u32_at(2),
            text_len: u32_at(3),
            byte_start: u64_at(0),
            byte_end: u64_at(1),
            text_offset: u64_at(2),
            text_hash: u64_at(3),
        }
    }
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

/// The format version in meta.bin's header, if the bytes start like one.
pub fn version_of(bytes: &[u8]) -> Option<u32> {
    (bytes.len() >= HEADER_LEN && &bytes[..8] == MAGIC).then(|| u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passage_records_round_trip() {
        let entry = PassageEntry {
            file: 7,
            byte_start: 1 << 40,
            byte_end: (1 << 40) + 9,
            first_line: 3,
            last_line: u32::MAX,
            text_offset: 12,
            text_len: 9,
            text_hash: u64::MAX - 1,
        };
        assert_eq!(PassageEntry::decode(&entry.encode()), entry);
    }
}
