//! Writing a new index generation beside the live one, and swapping it in atomically.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::checked::{BlockHasher, BlockSums, BLOCK};
use super::format::{self, FileEntry, Meta, PassageEntry};
use super::lexical::{LexicalWriter, SPILL_BUDGET};
use super::quant::{self, GroupBuilder};
use super::StoreError;
use crate::chunk::Passage;
use crate::model::ModelInfo;

/// Builds one generation in a staging directory; nothing is visible to readers until [`IndexWriter::commit`].
/// Dropped without a commit, it removes its staging directory.
pub struct IndexWriter {
    root: PathBuf,
    staging: PathBuf,
    vectors: HashedFile,
    quantized: HashedFile,
    groups: GroupBuilder,
    passages: HashedFile,
    texts: HashedFile,
    /// Every passage is tokenised as it is appended, reused or not, so the postings always match the texts.
    lexical: LexicalWriter,
    meta: Meta,
    committed: bool,
    /// Held until the writer is dropped: one writer per index at a time.
    _lock: File,
}

impl IndexWriter {
    /// Starts a generation in `root` (created if missing) for vectors of `dims` floats from `model`, built
    /// from `roots`. Fails with [`StoreError::Locked`] while another writer works on the same index.
    pub fn create(root: &Path, model: ModelInfo, dims: usize, roots: Vec<Vec<u8>>) -> Result<Self, StoreError> {
        std::fs::create_dir_all(root).map_err(StoreError::io(root))?;
        let lock = lock(root)?;
        remove_abandoned_staging(root);
        let staging = root.join(format!("tmp-{}-{}", std::process::id(), unix_nanos()));
        std::fs::create_dir(&staging).map_err(StoreError::io(&staging))?;
        let created = (unix_nanos() / 1_000_000_000) as u64;
        let meta = Meta {
            model,
            dims: dims as u32,
            created,
            roots,
            files: Vec::new(),
            passages: 0,
            passages_sums: BlockSums::default(),
            texts_sums: BlockSums::default(),
            lexical_sums: BlockSums::default(),
            quantized_sums: BlockSums::default(),
        };
        let group_block = quant::group_bytes(quant::GROUP, dims) as u32;
        let writer = IndexWriter {
            root: root.to_path_buf(),
            vectors: HashedFile::create(staging.join("vectors.f32"), None)?,
            quantized: HashedFile::create(staging.join("vectors.q8"), Some(group_block))?,
            groups: GroupBuilder::new(dims),
            passages: HashedFile::create(staging.join("passages.bin"), Some(BLOCK))?,
            texts: HashedFile::create(staging.join("texts.bin"), Some(BLOCK))?,
            lexical: LexicalWriter::new(&staging, SPILL_BUDGET),
            staging,
            meta,
            committed: false,
            _lock: lock,
        };
        Ok(writer)
    }

    /// Records a file; returns the id its passages refer to.
    pub fn add_file(&mut self, entry: FileEntry) -> u32 {
        self.meta.files.push(entry);
        self.meta.files.len() as u32 - 1
    }

    /// Appends a newly embedded passage of file `file`.
    pub fn add_passage(&mut self, file: u32, passage: &Passage, vector: &[f32]) -> Result<(), StoreError> {
        let span = (passage.byte_range.start as u64, passage.byte_range.end as u64, passage.first_line, passage.last_line);
        self.push(file, span, &passage.text, vector)
    }

    /// Appends a passage carried over from the previous generation, vector and all.
    pub fn copy_passage(&mut self, file: u32, from: &PassageEntry, text: &str, vector: &[f32]) -> Result<(), StoreError> {
        self.push(file, (from.byte_start, from.byte_end, from.first_line, from.last_line), text, vector)
    }

    fn push(&mut self, file: u32, span: (u64, u64, u32, u32), text: &str, vector: &[f32]) -> Result<(), StoreError> {
        debug_assert_eq!(vector.len(), self.meta.dims as usize);
        let bytes: Vec<u8> = vector.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.vectors.write(&bytes)?;
        if let Some(group) = self.groups.push(vector, &bytes) {
            self.quantized.write(&group)?;
        }
        let text_offset = self.texts.len();
        self.texts.write(text.as_bytes())?;
        self.lexical.add(text)?;
        let (byte_start, byte_end, first_line, last_line) = span;
        let entry = PassageEntry {
            file,
            byte_start,
            byte_end,
            first_line,
            last_line,
            text_offset,
            text_len: text.len() as u32,
            text_hash: format::checksum(text.as_bytes()),
        };
        self.passages.write(&entry.encode())?;
        self.meta.passages += 1;
        Ok(())
    }

    pub fn passage_count(&self) -> usize {
        self.meta.passages as usize
    }

    /// Makes the generation durable, then live; removes the generations it replaces.
    pub fn commit(mut self) -> Result<(), StoreError> {
        let last_group = self.groups.take();
        self.quantized.write(&last_group)?;
        self.vectors.finish()?;
        self.meta.quantized_sums = self.quantized.finish()?;
        self.meta.passages_sums = self.passages.finish()?;
        self.meta.texts_sums = self.texts.finish()?;
        // Spills its runs into the staging directory, and removes them here: none reaches a live generation.
        self.meta.lexical_sums = self.lexical.finish(&self.staging.join("lexical.bin"), BLOCK)?;
        write_durably(&self.staging.join("meta.bin"), &format::encode(&self.meta))?;
        sync_dir(&self.staging)?;
        let name = format!("gen-{:06}", next_generation(&self.root));
        let live = self.root.join(&name);
        std::fs::rename(&self.staging, &live).map_err(StoreError::io(&live))?;
        sync_dir(&self.root)?;
        let current_tmp = self.root.join(format!("CURRENT.tmp-{}", std::process::id()));
        write_durably(&current_tmp, format!("{name}\n").as_bytes())?;
        let current = self.root.join("CURRENT");
        std::fs::rename(&current_tmp, &current).map_err(StoreError::io(&current))?;
        sync_dir(&self.root)?;
        self.committed = true;
        remove_old_generations(&self.root, &name);
        Ok(())
    }
}

impl Drop for IndexWriter {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// A file written through a buffer while the checksums of its blocks are kept.
struct HashedFile {
    path: PathBuf,
    out: BufWriter<File>,
    hasher: Option<BlockHasher>,
}

impl HashedFile {
    /// With `block`, checksums are kept per block of that many bytes; without, none (vectors.f32: its rows'
    /// hashes go into vectors.q8).
    fn create(path: PathBuf, block: Option<u32>) -> Result<Self, StoreError> {
        let file = File::create(&path).map_err(StoreError::io(&path))?;
        Ok(HashedFile { path, out: BufWriter::with_capacity(1 << 20, file), hasher: block.map(BlockHasher::new) })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        self.out.write_all(bytes).map_err(StoreError::io(&self.path))?;
        if let Some(hasher) = self.hasher.as_mut() {
            hasher.update(bytes);
        }
        Ok(())
    }

    fn len(&self) -> u64 {
        self.hasher.as_ref().map_or(0, BlockHasher::len)
    }

    /// Flushes and fsyncs; returns the checksums.
    fn finish(&mut self) -> Result<BlockSums, StoreError> {
        self.out.flush().map_err(StoreError::io(&self.path))?;
        self.out.get_ref().sync_all().map_err(StoreError::io(&self.path))?;
        Ok(self.hasher.take().map(BlockHasher::finish).unwrap_or_default())
    }
}

/// Takes the index's writer lock (an advisory lock on `LOCK`, released when the file closes, also when the
/// process is killed).
fn lock(root: &Path) -> Result<File, StoreError> {
    let path = root.join("LOCK");
    let file = File::options().create(true).truncate(false).write(true).open(&path).map_err(StoreError::io(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Locked(root.to_path_buf())),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Io { path, source: e }),
    }
}

fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut file = File::create(path).map_err(StoreError::io(path))?;
    file.write_all(bytes).and_then(|_| file.sync_all()).map_err(StoreError::io(path))
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(StoreError::io(dir))
}

fn generation_number(name: &str) -> Option<u64> {
    name.strip_prefix("gen-")?.parse().ok()
}

fn entries(root: &Path) -> impl Iterator<Item = String> {
    std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
}

fn next_generation(root: &Path) -> u64 {
    entries(root).filter_map(|name| generation_number(&name)).max().unwrap_or(0) + 1
}

fn remove_old_generations(root: &Path, live: &str) {
    for name in entries(root).filter(|name| name != live && generation_number(name).is_some()) {
        let _ = std::fs::remove_dir_all(root.join(name));
    }
}

/// Staging directories and CURRENT temporaries left by runs that were killed (their process is gone).
fn remove_abandoned_staging(root: &Path) {
    for name in entries(root) {
        let pid = name
            .strip_prefix("tmp-")
            .and_then(|rest| rest.split('-').next())
            .or_else(|| name.strip_prefix("CURRENT.tmp-"));
        let Some(pid) = pid.and_then(|p| p.parse::<u32>().ok()) else { continue };
        if !Path::new("/proc").join(pid.to_string()).exists() {
            let path = root.join(&name);
            let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
        }
    }
}

fn unix_nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}
