//! `sqa index`: files → documents → passages → vectors → a new index generation.
//!
//! Incremental: files whose size and mtime (or, failing that, content hash) match the previous generation are
//! not read again and keep their vectors; in a changed file, passages whose text is unchanged keep theirs.
//! A reader thread walks, reads and chunks while the calling thread embeds, so the model never waits for the
//! disk. New passages are pooled across files and embedded a pool at a time, each passage in a model call of its
//! own (unpadded), one per core.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::chunk::{ChunkError, Chunker, Passage};
use crate::model::{Embedder, ModelError};
use crate::source::{self, SkipReason, WalkEvent, WalkOptions};
use crate::store::{checksum, content_hash, index_base, FileEntry, FileStamp, Index, IndexWriter, StoreError};

/// How `sqa index` runs; built once from the command line.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    pub walk: WalkOptions,
    /// Files larger than this are skipped with a warning.
    pub max_filesize: u64,
    /// Ignore the previous generation: embed everything again.
    pub rebuild: bool,
}

impl IndexOptions {
    /// The defaults of `sqa index`, for bringing an index up to date before a query.
    pub fn refresh() -> Self {
        IndexOptions { walk: WalkOptions::default(), max_filesize: 16 << 20, rebuild: false }
    }
}

/// Something worth telling the user while indexing runs.
#[derive(Debug)]
pub enum Event<'a> {
    /// A path that could not be indexed, and why; the run goes on.
    Warning { path: &'a Path, message: String },
    /// Counts so far.
    Progress { files: usize, passages: usize },
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Files in the new index, and how each compares with the previous one.
    pub files: usize,
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// Passages in the new index: embedded now, or reused with their vectors.
    pub passages: usize,
    pub embedded: usize,
    pub reused: usize,
    /// Word pieces embedded now.
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
    #[error("interrupted; the index is unchanged")]
    Interrupted(Summary),
}

/// New passages gathered across files before embedding, so the sessions have work to share.
const POOL: usize = 256;

/// Brings the index in `index_dir` (created if needed) up to date with everything under `roots`, replacing
/// it atomically on success. Stops without changing it as soon as `cancel` is set.
pub fn index(
    index_dir: &Path,
    roots: &[PathBuf],
    embedder: &mut Embedder,
    options: &IndexOptions,
    cancel: &AtomicBool,
    on_event: &mut dyn FnMut(Event),
) -> Result<Summary, IndexError> {
    let started = Instant::now();
    let base = canonical(index_base(index_dir));
    std::fs::create_dir_all(index_dir).map_err(StoreError::io(index_dir))?;
    let root_bytes = roots.iter().map(|root| relative_bytes(root, &base)).collect();
    let writer = IndexWriter::create(index_dir, embedder.info().clone(), embedder.dims(), root_bytes)?;
    let previous = if options.rebuild { None } else { Previous::open(index_dir, embedder, on_event) };
    let known = Arc::new(previous.as_ref().map(Previous::known_files).unwrap_or_default());
    let chunker = Chunker::new(embedder.tokenizer().clone());
    let items = spawn_reader(roots.to_vec(), base, canonical(index_dir), chunker, known, options.clone());
    let mut run = Run { writer, previous, embedder, summary: Summary::default(), pool: Vec::new(), seen: HashSet::new() };
    for item in items {
        if cancel.load(Ordering::Relaxed) {
            return Err(IndexError::Interrupted(run.summary));
        }
        run.take(item, on_event)?;
        if run.pool.len() >= POOL {
            run.embed_pool(cancel)?;
        }
        on_event(Event::Progress { files: run.summary.files, passages: run.writer.passage_count() + run.pool.len() });
    }
    run.embed_pool(cancel)?;
    run.finish(started)
}

/// The previous generation, indexed for reuse.
struct Previous {
    index: Index,
    rows_by_file: Vec<Vec<u32>>,
    row_by_text: HashMap<u64, u32>,
}

impl Previous {
    /// The live generation, if there is one built by this model. A damaged one is reported and rebuilt.
    fn open(dir: &Path, embedder: &Embedder, on_event: &mut dyn FnMut(Event)) -> Option<Previous> {
        if !dir.join("CURRENT").exists() {
            return None;
        }
        match Self::read(dir, embedder) {
            Ok(previous) => Some(previous),
            Err(e) => {
                on_event(Event::Warning { path: dir, message: format!("{e}; rebuilding it") });
                None
            }
        }
    }

    /// Opens and verifies every byte (rows are copied from it unread by queries), then indexes its rows.
    fn read(dir: &Path, embedder: &Embedder) -> Result<Previous, StoreError> {
        let index = Index::open(dir)?;
        index.check_model(embedder.info(), embedder.dims())?;
        index.verify_all()?;
        let mut rows_by_file = vec![Vec::new(); index.meta.files.len()];
        let mut row_by_text = HashMap::with_capacity(index.len());
        for row in 0..index.len() {
            let passage = index.entry(row)?;
            rows_by_file[passage.file as usize].push(row as u32);
            row_by_text.insert(passage.text_hash, row as u32);
        }
        Ok(Previous { index, rows_by_file, row_by_text })
    }

    /// What the reader thread needs to skip unchanged files: path → (id, stamp, content hash).
    fn known_files(&self) -> HashMap<Vec<u8>, (u32, FileStamp, u64)> {
        let files = self.index.meta.files.iter().enumerate();
        files.map(|(id, f)| (f.path.clone(), (id as u32, FileStamp::of_entry(f), f.content_hash))).collect()
    }
}

/// The state of one indexing run on the consuming side.
struct Run<'e> {
    writer: IndexWriter,
    previous: Option<Previous>,
    embedder: &'e mut Embedder,
    summary: Summary,
    pool: Vec<(u32, Passage)>,
    /// Paths already taken, so overlapping roots index a file once.
    seen: HashSet<Vec<u8>>,
}

impl Run<'_> {
    fn take(&mut self, item: Item, on_event: &mut dyn FnMut(Event)) -> Result<(), IndexError> {
        match item {
            Item::Unchanged { entry, previous } if self.seen.insert(entry.path.clone()) => {
                self.summary.unchanged += 1;
                let id = self.add_file(entry);
                self.copy_file(id, previous)?;
            }
            Item::File { entry, passages, existed } if self.seen.insert(entry.path.clone()) => {
                if existed {
                    self.summary.changed += 1;
                } else {
                    self.summary.added += 1;
                }
                let id = self.add_file(entry);
                self.take_passages(id, passages)?;
            }
            Item::Unchanged { .. } | Item::File { .. } => {}
            Item::Skipped { path, reason } => {
                self.summary.skipped += 1;
                if reason.is_warning() {
                    self.summary.warnings += 1;
                    on_event(Event::Warning { path: &path, message: reason.to_string() });
                }
            }
            Item::Warning { path, message } => {
                self.summary.warnings += 1;
                on_event(Event::Warning { path: &path, message });
            }
            Item::ChunkFailed { path, source } => return Err(IndexError::Chunk { path, source }),
        }
        Ok(())
    }

    fn add_file(&mut self, entry: FileEntry) -> u32 {
        self.summary.files += 1;
        self.writer.add_file(entry)
    }

    /// Carries every passage of an unchanged file over from the previous generation.
    fn copy_file(&mut self, id: u32, previous_id: u32) -> Result<(), IndexError> {
        let previous = self.previous.as_ref().expect("unchanged files come from a previous index");
        for &row in &previous.rows_by_file[previous_id as usize] {
            copy_row(&mut self.writer, previous, id, row)?;
            self.summary.reused += 1;
        }
        Ok(())
    }

    /// Reuses the vectors of passages whose text the previous generation had; pools the rest for embedding.
    fn take_passages(&mut self, id: u32, passages: Vec<Passage>) -> Result<(), IndexError> {
        for passage in passages {
            let reusable = self.previous.as_ref().and_then(|p| Some((p, *p.row_by_text.get(&checksum(passage.text.as_bytes()))?)));
            match reusable {
                Some((previous, row)) => {
                    let vector = previous.index.vector(row as usize)?;
                    self.writer.add_passage(id, &passage, vector)?;
                    self.summary.reused += 1;
                }
                None => self.pool.push((id, passage)),
            }
        }
        Ok(())
    }

    /// Embeds the pooled passages, all in one call (see [`Embedder::embed_until`]), giving up on an interrupt.
    fn embed_pool(&mut self, cancel: &AtomicBool) -> Result<(), IndexError> {
        let dims = self.embedder.dims();
        let texts: Vec<&str> = self.pool.iter().map(|(_, p)| p.text.as_str()).collect();
        let Some(vectors) = self.embedder.embed_until(&texts, cancel)? else {
            return Err(IndexError::Interrupted(self.summary.clone()));
        };
        for ((file, passage), vector) in self.pool.iter().zip(vectors.chunks_exact(dims)) {
            self.writer.add_passage(*file, passage, vector)?;
            self.summary.embedded += 1;
            self.summary.word_pieces += passage.word_pieces as u64;
        }
        self.pool.clear();
        Ok(())
    }

    fn finish(mut self, started: Instant) -> Result<Summary, IndexError> {
        let previous_files = self.previous.as_ref().map_or(0, |p| p.index.meta.files.len());
        self.summary.removed = previous_files - self.summary.unchanged - self.summary.changed;
        self.summary.passages = self.writer.passage_count();
        self.writer.commit()?;
        self.summary.elapsed = started.elapsed();
        Ok(self.summary)
    }
}

fn copy_row(writer: &mut IndexWriter, previous: &Previous, file: u32, row: u32) -> Result<(), StoreError> {
    let view = previous.index.passage(row as usize)?;
    let entry = previous.index.entry(row as usize)?;
    writer.copy_passage(file, &entry, view.text, previous.index.vector(row as usize)?)
}

/// What the reader thread hands over.
enum Item {
    /// Same as in the previous generation (id `previous`); `entry` carries the current stamp.
    Unchanged { entry: FileEntry, previous: u32 },
    /// New or changed: its passages, to embed or reuse.
    File { entry: FileEntry, passages: Vec<Passage>, existed: bool },
    Skipped { path: PathBuf, reason: SkipReason },
    Warning { path: PathBuf, message: String },
    ChunkFailed { path: PathBuf, source: ChunkError },
}

type KnownFiles = Arc<HashMap<Vec<u8>, (u32, FileStamp, u64)>>;

/// Walks, reads and chunks on its own thread; the bounded channel keeps memory flat on big trees. A file
/// reached twice (named twice, or through links with `--follow`) is read once.
fn spawn_reader(
    roots: Vec<PathBuf>,
    base: PathBuf,
    index_dir: PathBuf,
    chunker: Chunker,
    known: KnownFiles,
    options: IndexOptions,
) -> Receiver<Item> {
    let (send, receive) = sync_channel(64);
    std::thread::spawn(move || {
        let reader = FileReader { base, chunker, known, max_filesize: options.max_filesize };
        let mut seen = HashSet::new();
        for event in source::walk(&roots, &options.walk) {
            let item = match event {
                WalkEvent::Warning { path, message } => Item::Warning { path, message },
                WalkEvent::File(path) => {
                    let real = canonical(&path);
                    if real.starts_with(&index_dir) || !seen.insert(real) {
                        continue;
                    }
                    reader.read(path)
                }
            };
            if send.send(item).is_err() {
                return; // the indexer stopped
            }
        }
    });
    receive
}

/// Turns a path into an [`Item`], reading it only if the previous generation does not already have it.
struct FileReader {
    base: PathBuf,
    chunker: Chunker,
    known: KnownFiles,
    max_filesize: u64,
}

impl FileReader {
    fn read(&self, path: PathBuf) -> Item {
        let stamp = match std::fs::metadata(&path) {
            Ok(meta) => FileStamp::of(&meta),
            Err(e) => return Item::Skipped { path, reason: e.into() },
        };
        let relative = relative_bytes(&path, &self.base);
        let known = self.known.get(&relative).copied();
        match known.filter(|(_, known_stamp, _)| *known_stamp == stamp) {
            Some((id, _, hash)) => Item::Unchanged { entry: file_entry(relative, stamp, hash), previous: id },
            None => self.read_contents(path, relative, known),
        }
    }

    /// A file whose stamp is new: unchanged after all if its bytes hash the same (touched), else chunked.
    fn read_contents(&self, path: PathBuf, relative: Vec<u8>, known: Option<(u32, FileStamp, u64)>) -> Item {
        let (bytes, metadata) = match source::read(&path, self.max_filesize) {
            Ok(read) => read,
            Err(reason) => return Item::Skipped { path, reason },
        };
        // The stamp of the handle actually read, so a file changed meanwhile is seen as changed next time.
        let stamp = FileStamp::of(&metadata);
        let hash = content_hash(&bytes);
        if let Some((id, _, _)) = known.filter(|(_, _, known_hash)| *known_hash == hash) {
            return Item::Unchanged { entry: file_entry(relative, stamp, hash), previous: id };
        }
        let passages = source::document(&path, &bytes)
            .map_err(|reason| Item::Skipped { path: path.clone(), reason })
            .and_then(|document| self.chunker.split(&document).map_err(|source| Item::ChunkFailed { path, source }));
        match passages {
            Ok(passages) => Item::File { entry: file_entry(relative, stamp, hash), passages, existed: known.is_some() },
            Err(item) => item,
        }
    }
}

fn file_entry(path: Vec<u8>, stamp: FileStamp, content_hash: u64) -> FileEntry {
    FileEntry { path, size: stamp.size, mtime_ns: stamp.mtime_ns, content_hash }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// The path relative to the index's folder if it lies inside it, else absolute; as raw bytes.
fn relative_bytes(path: &Path, base: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    let absolute = canonical(path);
    match absolute.strip_prefix(base) {
        Ok(relative) if relative.as_os_str().is_empty() => b".".to_vec(),
        Ok(relative) => relative.as_os_str().as_bytes().to_vec(),
        Err(_) => absolute.as_os_str().as_bytes().to_vec(),
    }
}
