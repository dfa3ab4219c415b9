//! What a file looked like when it was indexed, and whether it still does: cheap checks by `stat`.

use std::time::UNIX_EPOCH;

use super::format::checksum;
use super::{FileEntry, Index};

/// Size and modification time: equal stamps mean the file need not be read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub size: u64,
    pub mtime_ns: i128,
}

impl FileStamp {
    pub fn of(meta: &std::fs::Metadata) -> Self {
        let mtime_ns = match meta.modified().map(|m| m.duration_since(UNIX_EPOCH)) {
            Ok(Ok(after)) => after.as_nanos() as i128,
            Ok(Err(before)) => -(before.duration().as_nanos() as i128),
            Err(_) => 0,
        };
        FileStamp { size: meta.len(), mtime_ns }
    }

    pub fn of_entry(entry: &FileEntry) -> Self {
        FileStamp { size: entry.size, mtime_ns: entry.mtime_ns }
    }
}

/// The hash recorded for a file's bytes.
pub fn content_hash(bytes: &[u8]) -> u64 {
    checksum(bytes)
}

/// Indexed files that changed or disappeared since indexing, by file id.
#[derive(Debug, Default)]
pub struct Staleness {
    pub changed: Vec<u32>,
    pub missing: Vec<u32>,
}

impl Staleness {
    pub fn is_fresh(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty()
    }
}

impl Index {
    /// Stats every indexed file (no reading) and reports those whose size or mtime changed, or that are gone.
    pub fn staleness(&self) -> Staleness {
        let mut staleness = Staleness::default();
        for (id, entry) in self.meta.files.iter().enumerate() {
            let path = self.base().join(super::path_from_bytes(&entry.path));
            match std::fs::metadata(&path) {
                Ok(meta) if FileStamp::of(&meta) == FileStamp::of_entry(entry) => {}
                Ok(_) => staleness.changed.push(id as u32),
                Err(_) => staleness.missing.push(id as u32),
            }
        }
        staleness
    }
}

