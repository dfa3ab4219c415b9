//! `sqa index`: files → documents → passages → vectors → a new index generation.
//!
//! A reader thread walks, reads, decodes and chunks while the calling thread embeds, so the model (the
//! bottleneck) never waits for the disk. Passages are embedded in pools sorted by length.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};
use std::time::{Duration, Instant, UNIX_EPOCH};

use crate::chunk::{ChunkError, Chunker, Passage};
use crate::model::{Embedder, ModelError};
use crate::source::{self, SkipReason, WalkEvent, WalkOptions};
use crate::store::{FileEntry, IndexWriter, StoreError};

/// How `sqa index` runs; built once from the command line.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    pub walk: WalkOptions,
    /// Files larger than this are skipped with a warning.
    pub max_filesize: u64,
    /// Passages per model call.
    pub batch_size: usize,
}

/// Something worth telling the user while indexing runs.
#[derive(Debug)]
pub enum Event<'a> {
    /// A path that could not be indexed, and why; the run goes on.
    Warning { path: &'a Path, message: String },
    /// Counts so far.
    Progress { files: usize, passages: usize },
}

/// What a finished run did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub files: usize,
    pub passages: usize,
    pub word_pieces: u64,
    /// Files not indexed: binary, too large, unreadable, not regular.
    pub skipped: usize,
    pub warnings: usize,
    pub elapsed: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}: {source}", path.display())]
    Chunk { path: PathBuf, source: ChunkError },
}

/// Passages embedded together, sorted by length, so batches hold passages of similar length.
const POOL: usize = 256;

/// Indexes everything under `roots` into the index directory `index_dir` (created if needed), replacing
/// its contents atomically on success.
pub fn index(
    index_dir: &Path,
    roots: &[PathBuf],
    embedder: &mut Embedder,
    options: &IndexOptions,
    on_event: &mut dyn FnMut(Event),
) -> Result<Summary, IndexError> {
    let started = Instant::now();
    let mut writer = IndexWriter::create(index_dir, embedder.info().clone(), embedder.dims())?;
    let base = canonical(index_dir.parent().unwrap_or(Path::new(".")));
    let items = spawn_reader(roots.to_vec(), canonical(index_dir), Chunker::new(embedder.tokenizer().clone()), options.clone());
    let mut summary = Summary::default();
    let mut pool: Vec<(u32, Passage)> = Vec::new();
    for item in items {
        match item {
            Item::File { path, entry, passages } => {
                let entry = FileEntry { path: relative_bytes(&path, &base), ..entry };
                let id = writer.add_file(entry);
                summary.files += 1;
                pool.extend(passages.into_iter().map(|p| (id, p)));
            }
            Item::Skipped { path, reason } => {
                summary.skipped += 1;
                if reason.is_warning() {
                    summary.warnings += 1;
                    on_event(Event::Warning { path: &path, message: reason.to_string() });
                }
            }
            Item::Warning { path, message } => {
                summary.warnings += 1;
                on_event(Event::Warning { path: &path, message });
            }
            Item::ChunkFailed { path, source } => return Err(IndexError::Chunk { path, source }),
        }
        if pool.len() >= POOL {
            embed_pool(&mut pool, embedder, &mut writer, options.batch_size, &mut summary)?;
        }
        on_event(Event::Progress { files: summary.files, passages: writer.passage_count() + pool.len() });
    }
    embed_pool(&mut pool, embedder, &mut writer, options.batch_size, &mut summary)?;
    writer.commit()?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn embed_pool(
    pool: &mut Vec<(u32, Passage)>,
    embedder: &mut Embedder,
    writer: &mut IndexWriter,
    batch_size: usize,
    summary: &mut Summary,
) -> Result<(), IndexError> {
    let texts: Vec<&str> = pool.iter().map(|(_, p)| p.text.as_str()).collect();
    let vectors = embedder.embed_all(&texts, batch_size)?;
    for ((file, passage), vector) in pool.iter().zip(vectors.chunks_exact(embedder.dims())) {
        writer.add_passage(*file, passage, vector)?;
        summary.passages += 1;
        summary.word_pieces += passage.word_pieces as u64;
    }
    pool.clear();
    Ok(())
}

/// What the reader thread hands over.
enum Item {
    File { path: PathBuf, entry: FileEntry, passages: Vec<Passage> },
    Skipped { path: PathBuf, reason: SkipReason },
    Warning { path: PathBuf, message: String },
    ChunkFailed { path: PathBuf, source: ChunkError },
}

/// Walks, reads and chunks on its own thread; the bounded channel keeps memory flat on big trees. A file
/// reached twice (named twice, or through links with `--follow`) is read once.
fn spawn_reader(roots: Vec<PathBuf>, index_dir: PathBuf, chunker: Chunker, options: IndexOptions) -> Receiver<Item> {
    let (send, receive) = sync_channel(64);
    std::thread::spawn(move || {
        let mut seen = std::collections::HashSet::new();
        for event in source::walk(&roots, &options.walk) {
            let item = match event {
                WalkEvent::Warning { path, message } => Item::Warning { path, message },
                WalkEvent::File(path) => {
                    let real = canonical(&path);
                    if real.starts_with(&index_dir) || !seen.insert(real) {
                        continue;
                    }
                    read_file(path, &chunker, options.max_filesize)
                }
            };
            if send.send(item).is_err() {
                return; // the indexer stopped
            }
        }
    });
    receive
}

fn read_file(path: PathBuf, chunker: &Chunker, max_filesize: u64) -> Item {
    let loaded = match source::load(&path, max_filesize) {
        Ok(loaded) => loaded,
        Err(reason) => return Item::Skipped { path, reason },
    };
    match chunker.split(&loaded.document) {
        Ok(passages) => {
            let stamp = &loaded.metadata;
            let entry = FileEntry { path: Vec::new(), size: stamp.len(), mtime_ns: mtime_ns(stamp) };
            Item::File { path, entry, passages }
        }
        Err(source) => Item::ChunkFailed { path, source },
    }
}

fn mtime_ns(meta: &std::fs::Metadata) -> i128 {
    let Ok(modified) = meta.modified() else { return 0 };
    match modified.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// The path relative to the index's folder if it lies inside it, else absolute; as raw bytes.
fn relative_bytes(path: &Path, base: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    let absolute = canonical(path);
    let relative = absolute.strip_prefix(base).unwrap_or(&absolute);
    relative.as_os_str().as_bytes().to_vec()
}
