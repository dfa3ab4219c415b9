//! Opening the live generation of an index, checked before use.

use std::path::{Path, PathBuf};

use memmap2::Mmap;

use super::checked::{BlockSums, Checked};
use super::format::{self, Meta, PassageEntry};
use super::lexical::LexicalView;
use super::quant::{self, Group, GROUP};
use super::{StoreError, INDEX_DIR_NAME};
use crate::model::ModelInfo;

#[cfg(target_endian = "big")]
compile_error!("the index stores little-endian f32 vectors and is read in place");

/// An open index generation. Opening checks meta.bin whole and every file's length; the bytes of the other
/// files are verified block by block as they are read (see [`Checked`]), so any read can report damage.
/// [`Index::verify_all`] checks everything.
pub struct Index {
    /// The `.sqa` directory.
    pub dir: PathBuf,
    /// The live generation's directory name, e.g. `gen-000042`.
    pub generation: String,
    pub meta: Meta,
    passages: Checked,
    texts: Checked,
    lexical: Checked,
    quantized: Checked,
    /// Each row is checked against the hash its group in vectors.q8 records.
    vectors: Option<Mmap>,
    /// The same file, for reading scattered rows without a page fault each.
    vectors_file: std::fs::File,
}

/// One passage of an open index.
pub struct PassageView<'a> {
    /// The file as recorded: relative to the folder holding the index, or absolute.
    pub path: PathBuf,
    pub first_line: u32,
    pub last_line: u32,
    /// Byte range in the file's decoded text.
    pub byte_range: std::ops::Range<usize>,
    pub text: &'a str,
    /// The file's id, its index in `meta.files`.
    pub file: u32,
}

/// The nearest `.sqa` directory holding an index, from `start` upward.
pub fn find_index(start: &Path) -> Result<PathBuf, StoreError> {
    start
        .ancestors()
        .map(|dir| dir.join(INDEX_DIR_NAME))
        .find(|candidate| candidate.join("CURRENT").is_file())
        .ok_or(StoreError::NoneFound)
}

impl Index {
    /// Opens the generation `CURRENT` names. Retries once if a writer swapped generations meanwhile.
    pub fn open(dir: &Path) -> Result<Index, StoreError> {
        match Self::open_current(dir) {
            Err(StoreError::Damaged { .. }) => Self::open_current(dir),
            other => other,
        }
    }

    fn open_current(dir: &Path) -> Result<Index, StoreError> {
        let damaged = |reason: String| StoreError::Damaged { dir: dir.to_path_buf(), reason };
        let (name, meta) = read_live_meta(dir)?;
        let generation = dir.join(&name);
        let open = |file: &'static str, sums: &BlockSums| Checked::new(file, map(&generation.join(file))?, sums.clone());
        let passages = open("passages.bin", &meta.passages_sums).map_err(&damaged)?;
        let texts = open("texts.bin", &meta.texts_sums).map_err(&damaged)?;
        let lexical = open("lexical.bin", &meta.lexical_sums).map_err(&damaged)?;
        let quantized = open("vectors.q8", &meta.quantized_sums).map_err(&damaged)?;
        let vectors_path = generation.join("vectors.f32");
        let vectors = map(&vectors_path).map_err(&damaged)?;
        let vectors_file = std::fs::File::open(&vectors_path).map_err(|e| damaged(format!("{}: {e}", vectors_path.display())))?;
        let index = Index { dir: dir.to_path_buf(), generation: name, meta, passages, texts, lexical, quantized, vectors, vectors_file };
        index.check_lengths().map_err(damaged)?;
        Ok(index)
    }

    /// The files' lengths against the number of passages (meta.bin's sums vouch for the lengths themselves).
    fn check_lengths(&self) -> Result<(), String> {
        let (rows, dims) = (self.meta.passages, self.meta.dims as u64);
        let expect = |name: &str, len: u64, per_row: u64| match rows.checked_mul(per_row) {
            Some(expected) if expected == len => Ok(()),
            _ => Err(format!("{name} is {len} bytes, expected {} rows of {per_row}", rows)),
        };
        expect("passages.bin", self.passages.byte_len() as u64, PassageEntry::LEN as u64)?;
        expect("vectors.q8", self.quantized.byte_len() as u64, quant::group_bytes(1, dims as usize) as u64)?;
        expect("vectors.f32", bytes(&self.vectors).len() as u64, dims * 4)
    }

    /// Verifies every byte of the generation, and every passage's references: what `sqa status` and the
    /// indexer (before reusing rows) rely on.
    pub fn verify_all(&self) -> Result<(), StoreError> {
        [&self.passages, &self.texts, &self.lexical, &self.quantized]
            .iter()
            .try_for_each(|file| file.verify_all())
            .map_err(|reason| self.damaged(reason))?;
        self.lexical()?;
        for row in 0..self.len() {
            self.vector(row)?;
            self.passage(row)?;
        }
        Ok(())
    }

    fn damaged(&self, reason: String) -> StoreError {
        StoreError::Damaged { dir: self.dir.clone(), reason }
    }

    /// Refuses an index whose vectors came from another model.
    pub fn check_model(&self, model: &ModelInfo, dims: usize) -> Result<(), StoreError> {
        if &self.meta.model != model || self.meta.dims as usize != dims {
            return Err(StoreError::WrongModel {
                dir: self.dir.clone(),
                built_with: format!("{} ({} dims)", self.meta.model.name, self.meta.dims),
                requested: format!("{} ({} dims)", model.name, dims),
            });
        }
        Ok(())
    }

    /// The BM25 postings, verified whole (every query reads the lengths of all passages holding its words).
    pub fn lexical(&self) -> Result<LexicalView<'_>, StoreError> {
        self.lexical.verify_all().map_err(|reason| self.damaged(reason))?;
        let bytes = self.lexical.get(0..self.lexical.byte_len()).map_err(|reason| self.damaged(reason))?;
        let view = LexicalView::parse(bytes).map_err(|reason| self.damaged(reason))?;
        if view.passages() != self.len() {
            return Err(self.damaged("lexical.bin covers another number of passages".into()));
        }
        Ok(view)
    }

    pub fn len(&self) -> usize {
        self.meta.passages as usize
    }

    pub fn is_empty(&self) -> bool {
        self.meta.passages == 0
    }

    pub fn dims(&self) -> usize {
        self.meta.dims as usize
    }

    /// The folder the index covers; recorded paths are relative to it.
    pub fn base(&self) -> &Path {
        index_base(&self.dir)
    }

    /// Bytes on disk of the live generation.
    pub fn size_on_disk(&self) -> u64 {
        let files = std::fs::read_dir(self.dir.join(&self.generation)).into_iter().flatten().flatten();
        files.filter_map(|entry| entry.metadata().ok()).map(|meta| meta.len()).sum()
    }

    /// The paths the index was built from, as the current directory sees them.
    pub fn roots(&self) -> Vec<PathBuf> {
        recorded_roots(self.base(), &self.meta)
    }

    /// Groups of rows in vectors.q8.
    pub fn groups(&self) -> usize {
        self.len().div_ceil(GROUP)
    }

    /// Verifies all of vectors.q8 (the dense first pass reads every byte of it). Needs no question, so a
    /// query does it while the model loads.
    pub fn verify_quantized(&self) -> Result<(), StoreError> {
        self.quantized.verify_all().map_err(|reason| self.damaged(reason))
    }

    /// Group `g` of the int8 vectors, verified.
    pub fn group(&self, g: usize) -> Result<Group<'_>, StoreError> {
        let (first_row, dims) = (g * GROUP, self.dims());
        let rows = GROUP.min(self.len().saturating_sub(first_row));
        let start = quant::group_bytes(first_row, dims);
        let bytes = self.quantized.get(start..start + quant::group_bytes(rows, dims)).map_err(|r| self.damaged(r))?;
        Ok(Group::parse(bytes, first_row, rows, dims))
    }

    /// Row `i` of vectors.f32, checked against its hash in vectors.q8.
    pub fn vector(&self, i: usize) -> Result<&[f32], StoreError> {
        let dims = self.dims();
        let row_bytes = bytes(&self.vectors).get(i * dims * 4..(i + 1) * dims * 4).unwrap_or_default();
        if row_bytes.len() != dims * 4 || quant::row_hash(row_bytes) != self.group(i / GROUP)?.row_hash(i % GROUP) {
            return Err(self.damaged(format!("vectors.f32 row {i} does not match its checksum")));
        }
        // SAFETY: any 4 bytes are a valid f32; rows start at multiples of 4 in a page-aligned map.
        let (head, floats, tail) = unsafe { row_bytes.align_to::<f32>() };
        if !head.is_empty() || !tail.is_empty() {
            return Err(self.damaged("vectors.f32 is misaligned".into()));
        }
        Ok(floats)
    }

    /// Rows `rows` of vectors.f32, each checked against its hash, one after another in `out`. Read with a
    /// system call per row: a query's candidate rows lie scattered, and a page fault per row costs more.
    pub fn read_vectors(&self, rows: &[usize], out: &mut Vec<f32>) -> Result<(), StoreError> {
        use std::os::unix::fs::FileExt;
        let dims = self.dims();
        let mut bytes = vec![0u8; dims * 4];
        out.clear();
        out.reserve(rows.len() * dims);
        for &row in rows {
            let read = self.vectors_file.read_exact_at(&mut bytes, (row * dims * 4) as u64);
            if read.is_err() || row >= self.len() || quant::row_hash(&bytes) != self.group(row / GROUP)?.row_hash(row % GROUP) {
                return Err(self.damaged(format!("vectors.f32 row {row} does not match its checksum")));
            }
            out.extend(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
        }
        Ok(())
    }

    /// Passage `i`'s record.
    pub fn entry(&self, i: usize) -> Result<PassageEntry, StoreError> {
        let bytes = self.passages.get(i * PassageEntry::LEN..(i + 1) * PassageEntry::LEN).map_err(|r| self.damaged(r))?;
        Ok(PassageEntry::decode(bytes))
    }

    /// Passage `i`, its references checked.
    pub fn passage(&self, i: usize) -> Result<PassageView<'_>, StoreError> {
        let entry = self.entry(i)?;
        let file = self.meta.files.get(entry.file as usize);
        let start = entry.text_offset as usize;
        let text = file.and_then(|_| self.texts.get(start..start.checked_add(entry.text_len as usize)?).ok());
        let (Some(file), Some(text)) = (file, text.and_then(|t| std::str::from_utf8(t).ok())) else {
            return Err(self.damaged(format!("passage {i} points outside the index")));
        };
        Ok(PassageView {
            path: path_from_bytes(&file.path),
            first_line: entry.first_line,
            last_line: entry.last_line,
            byte_range: entry.byte_start as usize..entry.byte_end as usize,
            file: entry.file,
            text,
        })
    }
}

/// The live generation's metadata alone (checksummed, small): what a writer needs to know about the index it
/// replaces (model, roots) without mapping and checksumming the vectors.
pub fn read_meta(dir: &Path) -> Result<Meta, StoreError> {
    read_live_meta(dir).map(|(_, meta)| meta)
}

/// The name `CURRENT` gives the live generation, and that generation's decoded meta.bin.
fn read_live_meta(dir: &Path) -> Result<(String, Meta), StoreError> {
    let damaged = |reason: String| StoreError::Damaged { dir: dir.to_path_buf(), reason };
    let current = std::fs::read_to_string(dir.join("CURRENT")).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => StoreError::NotFound(dir.to_path_buf()),
        _ => StoreError::Io { path: dir.join("CURRENT"), source: e },
    })?;
    let name = current.trim();
    if !name.starts_with("gen-") || name.contains('/') {
        return Err(damaged(format!("CURRENT names {name:?}")));
    }
    let bytes = std::fs::read(dir.join(name).join("meta.bin")).map_err(|e| damaged(format!("{name}/meta.bin: {e}")))?;
    // An earlier format is no damage, and the way out is the same: say which it is.
    if let Some(version) = format::version_of(&bytes).filter(|&v| v < format::FORMAT_VERSION) {
        return Err(StoreError::Outdated { dir: dir.to_path_buf(), version });
    }
    let meta = format::decode(&bytes).map_err(&damaged)?;
    Ok((name.to_owned(), meta))
}

/// The folder an index directory covers; recorded paths are relative to it.
pub fn index_base(dir: &Path) -> &Path {
    dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// The paths an index was built from, as the current directory sees them.
pub fn recorded_roots(base: &Path, meta: &Meta) -> Vec<PathBuf> {
    let join = |root: PathBuf| match (base == Path::new("."), root == Path::new(".")) {
        (true, _) => root,
        (false, true) => base.to_path_buf(),
        (false, false) => base.join(root),
    };
    meta.roots.iter().map(|root| join(path_from_bytes(root))).collect()
}

fn map(path: &Path) -> Result<Option<Mmap>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    if len == 0 {
        return Ok(None);
    }
    // SAFETY: generations are never modified after commit; writers only create new ones.
    unsafe { Mmap::map(&file) }.map(Some).map_err(|e| format!("{}: {e}", path.display()))
}

fn bytes(map: &Option<Mmap>) -> &[u8] {
    map.as_deref().unwrap_or(&[])
}

/// Recorded paths are raw bytes so that names which are not UTF-8 survive.
pub fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}
