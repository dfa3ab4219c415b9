//! `lexical.bin`: the BM25 postings of a generation, read in place from a memory map.
//!
//! ```text
//! header   "SQALEX01", passages u32, terms u32, total tokens u64, names bytes u64, postings bytes u64
//! lengths  passages × u32             tokens per passage
//! terms    terms × (name offset u32, name length u32, postings offset u64, postings bytes u32, df u32),
//!          sorted by name bytes, so a lookup is a binary search
//! names    the terms' UTF-8, concatenated
//! postings per term: (row − next expected row, tf) as LEB128 varints; rows ascend
//! ```
//! Opening checks only that the header's sizes add up to the file's (the checksum in meta.bin vouches for
//! the rest); every offset is bounds-checked when used, so damage cannot cause a panic or a huge allocation.
//!
//! Building: [`LexicalWriter`] keeps postings in memory up to a budget, then spills them, sorted by term, to a
//! run file; `finish` merges the runs into lexical.bin through a temporary postings file, so memory stays
//! bounded whatever the corpus size. [`LexicalBuilder`] does the same without files, for small in-memory uses.

use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::checked::{BlockHasher, BlockSums};

use super::StoreError;
use crate::search::tokens;

const MAGIC: &[u8; 8] = b"SQALEX01";
const HEADER_LEN: usize = 8 + 4 + 4 + 8 + 8 + 8;
const TERM_LEN: usize = 4 + 4 + 8 + 4 + 4;

/// Postings memory (with their terms) at which [`LexicalWriter`] spills a run: the builder's share of the
/// indexer's memory.
pub const SPILL_BUDGET: usize = 32 << 20;
/// Runs merged at once; more are first merged in groups, so that few files are open at a time.
const MERGE_FAN_IN: usize = 64;
/// Heap bytes a held term costs besides its name and postings: its map slot (String, Vec, two u32s; the map
/// runs at most 7/8 full and doubles) and two allocations' headers.
const TERM_OVERHEAD: usize = 96;
/// Read and write buffers of run and temporary files.
const BUFFER: usize = 1 << 16;

/// Collects passages' words in memory; row numbers follow the order of `add`.
#[derive(Default)]
pub struct LexicalBuilder {
    terms: HashMap<String, TermPostings>,
    /// 4 bytes per passage, kept until the end: the file's lengths section.
    lengths: Vec<u32>,
    total: u64,
    /// Estimated heap bytes of `terms`.
    held: usize,
}

#[derive(Default)]
struct TermPostings {
    bytes: Vec<u8>,
    next_row: u32,
    df: u32,
}

/// One term's postings from one stretch of rows: its first delta counts from row 0, `next_row` follows its
/// last row. A term spilled in several runs has a chunk in each.
struct Chunk {
    name: String,
    body: ChunkBody,
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct ChunkBody {
    df: u32,
    next_row: u32,
    bytes: Vec<u8>,
}

impl LexicalBuilder {
    /// Adds the next passage.
    pub fn add(&mut self, text: &str) {
        let row = self.lengths.len() as u32;
        let mut words = tokens(text);
        self.lengths.push(words.len() as u32);
        self.total += words.len() as u64;
        words.sort_unstable();
        for group in words.chunk_by(|a, b| a == b) {
            let held = &mut self.held;
            let term = self.terms.entry(group[0].clone()).or_insert_with(|| {
                *held += group[0].len() + TERM_OVERHEAD;
                TermPostings::default()
            });
            let capacity = term.bytes.capacity();
            put_varint(&mut term.bytes, row - term.next_row);
            put_varint(&mut term.bytes, group.len() as u32);
            *held += term.bytes.capacity() - capacity;
            term.next_row = row + 1;
            term.df += 1;
        }
    }

    /// The bytes of lexical.bin.
    pub fn finish(mut self) -> Vec<u8> {
        let mut assembler = Assembler::new(Vec::new(), PathBuf::from("lexical.bin"));
        for chunk in self.take_chunks() {
            assembler.push(chunk).expect("one chunk per term, written to memory: nothing can fail");
        }
        let (vocabulary, postings) = assembler.finish();
        let mut out = Vec::with_capacity(HEADER_LEN + self.lengths.len() * 4 + vocabulary.len() + postings.len());
        vocabulary.write_head(&mut out, &self.lengths, self.total).expect("writing to memory cannot fail");
        out.extend_from_slice(&postings);
        out
    }

    /// The held postings as chunks sorted by term; the builder then holds none (but keeps counting rows).
    fn take_chunks(&mut self) -> Vec<Chunk> {
        self.held = 0;
        let mut chunks: Vec<Chunk> = self
            .terms
            .drain()
            .map(|(name, p)| Chunk { name, body: ChunkBody { df: p.df, next_row: p.next_row, bytes: p.bytes } })
            .collect();
        chunks.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        chunks
    }
}

/// Builds lexical.bin in a file with bounded memory: postings beyond `budget` bytes go to run files in `dir`
/// (which the caller removes if the build is abandoned); `finish` merges them and removes them.
pub struct LexicalWriter {
    memory: LexicalBuilder,
    dir: PathBuf,
    budget: usize,
    /// Run files in row order: every row of a run precedes every row of the next.
    runs: Vec<PathBuf>,
    /// Numbers the run files, merged ones included.
    next_run: usize,
}

impl LexicalWriter {
    pub fn new(dir: &Path, budget: usize) -> Self {
        LexicalWriter { memory: LexicalBuilder::default(), dir: dir.to_path_buf(), budget, runs: Vec::new(), next_run: 0 }
    }

    /// Adds the next passage; spills when the held postings pass the budget.
    pub fn add(&mut self, text: &str) -> Result<(), StoreError> {
        self.memory.add(text);
        if self.memory.held > self.budget {
            let chunks = self.memory.take_chunks();
            let path = self.run_path();
            write_run(&path, chunks)?;
            self.runs.push(path);
        }
        Ok(())
    }

    /// Writes lexical.bin at `path`, durably; returns its checksums per `block` bytes. Removes the run files;
    /// the writer is left empty.
    pub fn finish(&mut self, path: &Path, block: u32) -> Result<BlockSums, StoreError> {
        self.reduce_runs()?;
        let mut sources: Vec<Source> = self.runs.drain(..).map(Source::open).collect::<Result<_, _>>()?;
        sources.push(Source::Memory(self.memory.take_chunks().into_iter()));
        let temporary = self.dir.join("lexical-postings.tmp");
        let mut assembler = Assembler::new(create(&temporary)?, temporary.clone());
        merge(sources, |chunk| assembler.push(chunk))?;
        let (vocabulary, postings) = assembler.finish();
        postings.into_inner().map_err(|e| e.into_error()).map_err(StoreError::io(&temporary))?;
        let memory = std::mem::take(&mut self.memory);
        let written = write_file(path, &vocabulary, &memory, &temporary, block);
        std::fs::remove_file(&temporary).map_err(StoreError::io(&temporary))?;
        written
    }

    /// Merges the oldest runs in groups until one merge can take them all (with the memory's chunks).
    fn reduce_runs(&mut self) -> Result<(), StoreError> {
        while self.runs.len() >= MERGE_FAN_IN {
            let group: Vec<PathBuf> = self.runs.drain(..MERGE_FAN_IN).collect();
            let sources = group.iter().cloned().map(Source::open).collect::<Result<_, _>>()?;
            let path = self.run_path();
            let mut out = RunWriter::create(&path)?;
            merge(sources, |chunk| out.push(&chunk))?;
            out.finish()?;
            self.runs.insert(0, path);
        }
        Ok(())
    }

    fn run_path(&mut self) -> PathBuf {
        self.next_run += 1;
        self.dir.join(format!("lexical-run-{:06}.tmp", self.next_run))
    }
}

/// Writes header, lengths and vocabulary, then copies the merged postings from `postings`; fsyncs.
fn write_file(
    path: &Path,
    vocabulary: &Vocabulary,
    memory: &LexicalBuilder,
    postings: &Path,
    block: u32,
) -> Result<BlockSums, StoreError> {
    let file = File::create(path).map_err(StoreError::io(path))?;
    let mut out = HashingWriter { out: BufWriter::with_capacity(BUFFER, file), hash: BlockHasher::new(block) };
    vocabulary.write_head(&mut out, &memory.lengths, memory.total).map_err(StoreError::io(path))?;
    let mut from = BufReader::with_capacity(BUFFER, File::open(postings).map_err(StoreError::io(postings))?);
    std::io::copy(&mut from, &mut out).map_err(StoreError::io(path))?;
    let file = out.out.into_inner().map_err(|e| e.into_error()).map_err(StoreError::io(path))?;
    file.sync_all().map_err(StoreError::io(path))?;
    Ok(out.hash.finish())
}

/// Passes bytes on while hashing them, so lexical.bin's checksums need no second read.
struct HashingWriter<W> {
    out: W,
    hash: BlockHasher,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.out.write(bytes)?;
        self.hash.update(&bytes[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Merges sources' chunks in (term, source) order; a term's chunks thus come in row order, as sources are
/// given in row order. Each source is removed once read out, if it is a file.
fn merge(sources: Vec<Source>, mut sink: impl FnMut(Chunk) -> Result<(), StoreError>) -> Result<(), StoreError> {
    let mut sources = sources;
    let mut heads = BinaryHeap::new();
    for (at, source) in sources.iter_mut().enumerate() {
        push_head(&mut heads, source, at)?;
    }
    while let Some(std::cmp::Reverse((name, at, body))) = heads.pop() {
        sink(Chunk { name, body })?;
        push_head(&mut heads, &mut sources[at], at)?;
    }
    Ok(())
}

type Heads = BinaryHeap<std::cmp::Reverse<(String, usize, ChunkBody)>>;

fn push_head(heads: &mut Heads, source: &mut Source, at: usize) -> Result<(), StoreError> {
    match source.next_chunk()? {
        Some(chunk) => heads.push(std::cmp::Reverse((chunk.name, at, chunk.body))),
        None => source.remove()?,
    }
    Ok(())
}

/// Chunks sorted by term: a run file, or the chunks still in memory.
enum Source {
    Run { path: PathBuf, file: BufReader<File> },
    Memory(std::vec::IntoIter<Chunk>),
}

impl Source {
    fn open(path: PathBuf) -> Result<Self, StoreError> {
        let file = File::open(&path).map_err(StoreError::io(&path))?;
        Ok(Source::Run { path, file: BufReader::with_capacity(BUFFER, file) })
    }

    fn next_chunk(&mut self) -> Result<Option<Chunk>, StoreError> {
        match self {
            Source::Run { path, file } => read_chunk(file).map_err(StoreError::io(path.as_path())),
            Source::Memory(chunks) => Ok(chunks.next()),
        }
    }

    fn remove(&self) -> Result<(), StoreError> {
        match self {
            Source::Run { path, .. } => std::fs::remove_file(path).map_err(StoreError::io(path)),
            Source::Memory(_) => Ok(()),
        }
    }
}

/// A run file: per chunk, varints name length, name, df, next row, postings length, then the postings.
struct RunWriter {
    path: PathBuf,
    out: BufWriter<File>,
}

impl RunWriter {
    fn create(path: &Path) -> Result<Self, StoreError> {
        Ok(RunWriter { path: path.to_path_buf(), out: create(path)? })
    }

    fn push(&mut self, chunk: &Chunk) -> Result<(), StoreError> {
        let mut head = Vec::with_capacity(chunk.name.len() + 20);
        put_varint(&mut head, chunk.name.len() as u32);
        head.extend_from_slice(chunk.name.as_bytes());
        for value in [chunk.body.df, chunk.body.next_row, chunk.body.bytes.len() as u32] {
            put_varint(&mut head, value);
        }
        let written = self.out.write_all(&head).and_then(|_| self.out.write_all(&chunk.body.bytes));
        written.map_err(StoreError::io(&self.path))
    }

    /// Flushes; no fsync, as a run lives only until the merge.
    fn finish(self) -> Result<(), StoreError> {
        self.out.into_inner().map(drop).map_err(|e| StoreError::io(&self.path)(e.into_error()))
    }
}

fn write_run(path: &Path, chunks: Vec<Chunk>) -> Result<(), StoreError> {
    let mut out = RunWriter::create(path)?;
    for chunk in &chunks {
        out.push(chunk)?;
    }
    out.finish()
}

/// The next chunk of a run, or None at its end. Lengths are read with `take`, so a damaged run cannot cause
/// a huge allocation.
fn read_chunk(file: &mut BufReader<File>) -> std::io::Result<Option<Chunk>> {
    if file.fill_buf()?.is_empty() {
        return Ok(None);
    }
    let mut name = Vec::new();
    let name_len = read_varint(file)?;
    file.by_ref().take(name_len as u64).read_to_end(&mut name)?;
    let (df, next_row, bytes_len) = (read_varint(file)?, read_varint(file)?, read_varint(file)?);
    let mut bytes = Vec::new();
    file.by_ref().take(bytes_len as u64).read_to_end(&mut bytes)?;
    let name = String::from_utf8(name).map_err(|_| invalid("a run's term is not UTF-8"))?;
    if bytes.len() != bytes_len as usize {
        return Err(invalid("a run ends inside a chunk"));
    }
    Ok(Some(Chunk { name, body: ChunkBody { df, next_row, bytes } }))
}

fn read_varint(file: &mut impl Read) -> std::io::Result<u32> {
    let mut value = 0u32;
    for shift in (0..35).step_by(7) {
        let mut byte = [0u8];
        file.read_exact(&mut byte)?;
        value |= ((byte[0] & 0x7f) as u32) << shift;
        if byte[0] < 0x80 {
            return Ok(value);
        }
    }
    Err(invalid("a run holds an overlong number"))
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what)
}

fn create(path: &Path) -> Result<BufWriter<File>, StoreError> {
    Ok(BufWriter::with_capacity(BUFFER, File::create(path).map_err(StoreError::io(path))?))
}

/// Joins chunks in (term, row) order into the postings section, and collects the term table and names.
struct Assembler<P> {
    postings: P,
    path: PathBuf,
    postings_len: u64,
    vocabulary: Vocabulary,
    term: Option<OpenTerm>,
}

/// The term being assembled.
struct OpenTerm {
    name: String,
    offset: u64,
    df: u32,
    next_row: u32,
}

/// The term table and names, kept in memory until the header's sizes are known: 24 bytes per term plus its
/// name's bytes (and Vec growth).
#[derive(Default)]
struct Vocabulary {
    table: Vec<u8>,
    names: Vec<u8>,
    terms: u32,
    postings_len: u64,
}

impl<P: Write> Assembler<P> {
    fn new(postings: P, path: PathBuf) -> Self {
        Assembler { postings, path, postings_len: 0, vocabulary: Vocabulary::default(), term: None }
    }

    /// Appends a chunk, re-basing its first delta on the row after the term's previous chunk.
    fn push(&mut self, chunk: Chunk) -> Result<(), StoreError> {
        if self.term.as_ref().is_none_or(|term| term.name != chunk.name) {
            self.close();
            self.term = Some(OpenTerm { name: chunk.name, offset: self.postings_len, df: 0, next_row: 0 });
        }
        let term = self.term.as_mut().expect("opened above");
        let (first, used) = get_varint(&chunk.body.bytes).ok_or_else(|| damaged_run(&self.path))?;
        let delta = first.checked_sub(term.next_row).ok_or_else(|| damaged_run(&self.path))?;
        let mut head = Vec::with_capacity(5);
        put_varint(&mut head, delta);
        let rest = &chunk.body.bytes[used..];
        self.postings.write_all(&head).and_then(|_| self.postings.write_all(rest)).map_err(StoreError::io(&self.path))?;
        self.postings_len += (head.len() + rest.len()) as u64;
        (term.df, term.next_row) = (term.df + chunk.body.df, chunk.body.next_row);
        Ok(())
    }

    /// Records the open term, if any, in the table.
    fn close(&mut self) {
        let Some(term) = self.term.take() else { return };
        let vocabulary = &mut self.vocabulary;
        vocabulary.table.extend_from_slice(&(vocabulary.names.len() as u32).to_le_bytes());
        vocabulary.table.extend_from_slice(&(term.name.len() as u32).to_le_bytes());
        vocabulary.table.extend_from_slice(&term.offset.to_le_bytes());
        vocabulary.table.extend_from_slice(&((self.postings_len - term.offset) as u32).to_le_bytes());
        vocabulary.table.extend_from_slice(&term.df.to_le_bytes());
        vocabulary.names.extend_from_slice(term.name.as_bytes());
        vocabulary.terms += 1;
    }

    fn finish(mut self) -> (Vocabulary, P) {
        self.close();
        self.vocabulary.postings_len = self.postings_len;
        (self.vocabulary, self.postings)
    }
}

fn damaged_run(path: &Path) -> StoreError {
    StoreError::io(path)(invalid("a run's postings do not follow the previous run's"))
}

impl Vocabulary {
    /// Bytes of everything before the postings but the header and lengths.
    fn len(&self) -> usize {
        self.table.len() + self.names.len()
    }

    /// Header, lengths, term table and names: lexical.bin up to its postings.
    fn write_head(&self, out: &mut impl Write, lengths: &[u32], total: u64) -> std::io::Result<()> {
        out.write_all(MAGIC)?;
        out.write_all(&(lengths.len() as u32).to_le_bytes())?;
        out.write_all(&self.terms.to_le_bytes())?;
        out.write_all(&total.to_le_bytes())?;
        out.write_all(&(self.names.len() as u64).to_le_bytes())?;
        out.write_all(&self.postings_len.to_le_bytes())?;
        for len in lengths {
            out.write_all(&len.to_le_bytes())?;
        }
        out.write_all(&self.table)?;
        out.write_all(&self.names)
    }
}

fn put_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// A varint at the start of `bytes`, and the bytes it takes.
fn get_varint(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value = 0u32;
    for (at, &byte) in bytes.iter().take(5).enumerate() {
        value |= ((byte & 0x7f) as u32) << (7 * at);
        if byte < 0x80 {
            return Some((value, at + 1));
        }
    }
    None
}

/// A parsed lexical.bin, borrowing its bytes.
#[derive(Debug, Clone, Copy)]
pub struct LexicalView<'a> {
    passages: usize,
    terms: usize,
    total: u64,
    lengths: &'a [u8],
    table: &'a [u8],
    names: &'a [u8],
    postings: &'a [u8],
}

impl<'a> LexicalView<'a> {
    /// Checks the header against the length of `bytes`; allocates nothing.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, String> {
        if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
            return Err("lexical.bin is not an sqa lexical index".into());
        }
        let passages = le(&bytes[8..12]) as usize;
        let terms = le(&bytes[12..16]) as usize;
        let (total, names_len, postings_len) = (le(&bytes[16..24]), le(&bytes[24..32]), le(&bytes[32..40]));
        let sizes = [passages as u64 * 4, terms as u64 * TERM_LEN as u64, names_len, postings_len];
        let expected = sizes.iter().try_fold(HEADER_LEN as u64, |sum, &size| sum.checked_add(size));
        if expected != Some(bytes.len() as u64) {
            return Err(format!("lexical.bin is {} bytes, its header says otherwise", bytes.len()));
        }
        let (lengths, rest) = bytes[HEADER_LEN..].split_at(sizes[0] as usize);
        let (table, rest) = rest.split_at(sizes[1] as usize);
        let (names, postings) = rest.split_at(names_len as usize);
        Ok(LexicalView { passages, terms, total, lengths, table, names, postings })
    }

    /// The view of an index with no passages.
    pub fn empty() -> Self {
        LexicalView { passages: 0, terms: 0, total: 0, lengths: &[], table: &[], names: &[], postings: &[] }
    }

    pub fn passages(&self) -> usize {
        self.passages
    }

    pub fn average_length(&self) -> f32 {
        self.total as f32 / self.passages.max(1) as f32
    }

    /// Words in passage `row` (0 past the end).
    pub fn length(&self, row: usize) -> u32 {
        self.lengths.get(row * 4..row * 4 + 4).map_or(0, |b| le(b) as u32)
    }

    /// The passages containing `term`, or None if no passage does.
    pub fn postings(&self, term: &str) -> Option<Postings<'a>> {
        let (mut low, mut high) = (0, self.terms);
        while low < high {
            let middle = (low + high) / 2;
            let entry = self.table.get(middle * TERM_LEN..(middle + 1) * TERM_LEN)?;
            let name = self.names.get(le(&entry[0..4]) as usize..)?.get(..le(&entry[4..8]) as usize)?;
            match name.cmp(term.as_bytes()) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => {
                    let bytes = self.postings.get(le(&entry[8..16]) as usize..)?.get(..le(&entry[16..20]) as usize)?;
                    let df = le(&entry[20..24]) as u32;
                    return Some(Postings { bytes, df, next_row: 0, passages: self.passages as u64 });
                }
            }
        }
        None
    }
}

/// One term's postings: (row, term frequency) in ascending row order.
pub struct Postings<'a> {
    bytes: &'a [u8],
    df: u32,
    next_row: u64,
    passages: u64,
}

impl Postings<'_> {
    /// Passages containing the term.
    pub fn df(&self) -> u32 {
        self.df
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..35).step_by(7) {
            let (&byte, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            value |= ((byte & 0x7f) as u64) << shift;
            if byte < 0x80 {
                return Some(value);
            }
        }
        None
    }
}

impl Iterator for Postings<'_> {
    type Item = (u32, u32);

    /// Stops at the end, or at anything malformed (a row past the last passage).
    fn next(&mut self) -> Option<(u32, u32)> {
        let row = self.next_row + self.varint()?;
        let tf = self.varint()?;
        if row >= self.passages {
            self.bytes = &[];
            return None;
        }
        self.next_row = row + 1;
        Some((row as u32, tf as u32))
    }
}

fn le(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0u64, |v, &b| v << 8 | b as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_round_trip() {
        let mut builder = LexicalBuilder::default();
        for text in ["a b a", "c", "b b b", ""] {
            builder.add(text);
        }
        for _ in 0..300 {
            builder.add("filler");
        }
        builder.add("a");
        let bytes = builder.finish();
        let view = LexicalView::parse(&bytes).unwrap();
        assert_eq!(view.passages(), 305);
        assert_eq!((view.length(0), view.length(2), view.length(3)), (3, 3, 0));
        assert_eq!(view.postings("a").unwrap().collect::<Vec<_>>(), [(0, 2), (304, 1)]);
        assert_eq!(view.postings("b").unwrap().collect::<Vec<_>>(), [(0, 1), (2, 3)]);
        assert_eq!(view.postings("b").unwrap().df(), 2);
        assert!(view.postings("zzz").is_none() && view.postings("").is_none());
    }

    /// The test corpus cut into passages of a few lines.
    fn corpus_passages() -> Vec<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut files: Vec<PathBuf> = Vec::new();
        let mut pending = vec![dir];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
                let kind = entry.file_type().unwrap();
                (if kind.is_dir() { &mut pending } else { &mut files }).push(entry.path());
            }
        }
        files.sort();
        let mut passages = Vec::new();
        for text in files.iter().map(|path| std::fs::read_to_string(path).unwrap()) {
            let lines: Vec<&str> = text.lines().collect();
            passages.extend(lines.chunks(4).map(|lines| lines.join("\n")));
        }
        assert!(passages.len() > 4 * MERGE_FAN_IN, "enough passages for several merge passes: {}", passages.len());
        passages
    }

    /// lexical.bin from `LexicalWriter` with `budget`, and its block checksums; checks the runs are gone.
    fn written(passages: &[String], budget: usize) -> (Vec<u8>, BlockSums) {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = LexicalWriter::new(dir.path(), budget);
        passages.iter().for_each(|text| writer.add(text).unwrap());
        let spilled = writer.runs.len();
        assert_eq!(spilled > 0, budget < usize::MAX, "{spilled} runs with budget {budget}");
        let path = dir.path().join("lexical.bin");
        let sums = writer.finish(&path, 4096).unwrap();
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["lexical.bin"]);
        (std::fs::read(&path).unwrap(), sums)
    }

    #[test]
    fn spilled_output_is_byte_identical() {
        let passages = corpus_passages();
        let mut memory = LexicalBuilder::default();
        passages.iter().for_each(|text| memory.add(text));
        let expected = memory.finish();
        // Never spilling; a run per passage (several merge passes); runs of many passages.
        for budget in [usize::MAX, 0, 4096] {
            let (bytes, sums) = written(&passages, budget);
            assert!(bytes == expected, "budget {budget}: output differs");
            assert!(sums == BlockSums::of(&bytes, 4096), "budget {budget}: checksums differ");
        }
        let view = LexicalView::parse(&expected).unwrap();
        assert_eq!(view.passages(), passages.len());
        let the: Vec<(u32, u32)> = view.postings("the").unwrap().collect();
        assert_eq!(the.len() as u32, view.postings("the").unwrap().df());
        assert!(the.len() > passages.len() / 4 && the.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn spill_failures_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = LexicalWriter::new(&dir.path().join("missing"), 0);
        assert!(matches!(writer.add("alpha beta"), Err(StoreError::Io { .. })));
        let mut writer = LexicalWriter::new(dir.path(), usize::MAX);
        writer.add("alpha beta").unwrap();
        assert!(matches!(writer.finish(&dir.path().join("missing/lexical.bin"), 4096), Err(StoreError::Io { .. })));
    }

    #[test]
    fn damaged_bytes_are_refused_or_harmless() {
        let mut builder = LexicalBuilder::default();
        builder.add("alpha beta gamma");
        builder.add("beta delta");
        let bytes = builder.finish();
        for cut in 0..bytes.len() {
            assert!(LexicalView::parse(&bytes[..cut]).is_err());
        }
        for at in HEADER_LEN..bytes.len() {
            let mut bad = bytes.clone();
            bad[at] ^= 0xff;
            let view = LexicalView::parse(&bad).unwrap();
            for term in ["alpha", "beta", "gamma", "delta"] {
                view.postings(term).into_iter().flatten().for_each(|(row, _)| assert!(row < 2));
            }
        }
    }
}
