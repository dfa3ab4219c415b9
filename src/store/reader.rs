//! Opening the live generation of an index, checked before use.

use std::path::{Path, PathBuf};

use memmap2::Mmap;

use super::format::{self, Meta};
use super::lexical::LexicalView;
use super::{StoreError, INDEX_DIR_NAME};
use crate::model::ModelInfo;

#[cfg(target_endian = "big")]
compile_error!("the index stores little-endian f32 vectors and is read in place");

/// An open, verified index generation.
pub struct Index {
    /// The `.sqa` directory.
    pub dir: PathBuf,
    /// The live generation's directory name, e.g. `gen-000042`.
    pub generation: String,
    pub meta: Meta,
    vectors: Option<Mmap>,
    texts: Option<Mmap>,
    lexical: Option<Mmap>,
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
        let vectors = map(&generation.join("vectors.f32")).map_err(&damaged)?;
        let texts = map(&generation.join("texts.bin")).map_err(&damaged)?;
        let lexical = map(&generation.join("lexical.bin")).map_err(&damaged)?;
        let index = Index { dir: dir.to_path_buf(), generation: name, meta, vectors, texts, lexical };
        index.verify().map_err(damaged)?;
        Ok(index)
    }

    /// Checks sizes, checksums and every passage's references before anything is read through them.
    fn verify(&self) -> Result<(), String> {
        let meta = &self.meta;
        let expected = meta.passages.len() as u64 * meta.dims as u64 * 4;
        let vectors = bytes(&self.vectors);
        if vectors.len() as u64 != expected {
            return Err(format!("vectors.f32 is {} bytes, expected {expected}", vectors.len()));
        }
        if format::checksum(vectors) != meta.vectors_checksum {
            return Err("vectors.f32 checksum mismatch".into());
        }
        let texts = bytes(&self.texts);
        if texts.len() as u64 != meta.texts_len || format::checksum(texts) != meta.texts_checksum {
            return Err("texts.bin does not match its checksum".into());
        }
        let lexical = bytes(&self.lexical);
        if lexical.len() as u64 != meta.lexical_len || format::checksum(lexical) != meta.lexical_checksum {
            return Err("lexical.bin does not match its checksum".into());
        }
        if LexicalView::parse(lexical)?.passages() != meta.passages.len() {
            return Err("lexical.bin covers another number of passages".into());
        }
        let bad = meta.passages.iter().position(|p| {
            p.file as usize >= meta.files.len()
                || p.text_offset + p.text_len as u64 > meta.texts_len
                || std::str::from_utf8(&texts[p.text_offset as usize..][..p.text_len as usize]).is_err()
        });
        match bad {
            Some(i) => Err(format!("passage {i} points outside the index")),
            None => Ok(()),
        }
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

    /// All vectors, row-major, `dims` floats per passage.
    pub fn vectors(&self) -> &[f32] {
        let bytes = bytes(&self.vectors);
        // SAFETY: any 4 bytes are a valid f32; the map is page-aligned and its length was checked.
        let (head, floats, tail) = unsafe { bytes.align_to::<f32>() };
        assert!(head.is_empty() && tail.is_empty(), "vector map misaligned");
        floats
    }

    /// The BM25 postings (checked in verify(), so a parse failure cannot happen here).
    pub fn lexical(&self) -> LexicalView<'_> {
        LexicalView::parse(bytes(&self.lexical)).unwrap_or_else(|_| LexicalView::empty())
    }

    pub fn len(&self) -> usize {
        self.meta.passages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.meta.passages.is_empty()
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

    /// Row `i` of the vectors.
    pub fn vector(&self, i: usize) -> &[f32] {
        let dims = self.meta.dims as usize;
        &self.vectors()[i * dims..][..dims]
    }

    pub fn passage(&self, i: usize) -> PassageView<'_> {
        let entry = &self.meta.passages[i];
        let text = &bytes(&self.texts)[entry.text_offset as usize..][..entry.text_len as usize];
        PassageView {
            path: path_from_bytes(&self.meta.files[entry.file as usize].path),
            first_line: entry.first_line,
            last_line: entry.last_line,
            byte_range: entry.byte_start as usize..entry.byte_end as usize,
            file: entry.file,
            // Checked as UTF-8 in verify().
            text: std::str::from_utf8(text).unwrap_or_default(),
        }
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
