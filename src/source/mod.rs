//! Files → documents: walking the tree, reading, skipping what is not text, decoding, and HTML's visible text.

mod decode;
mod html;
mod lines;
mod walk;

use std::io::Read;
use std::path::{Path, PathBuf};

pub use decode::{decode, NotText};
pub use lines::LineMap;
pub use walk::{walk, WalkEvent, WalkOptions};

/// A text ready for chunking: what the user would read in the file, and where each of its lines sits in the file.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as found (walk root joined with the relative path), or `-` for standard input.
    pub path: PathBuf,
    pub text: String,
    pub lines: LineMap,
}

/// A line of a document, numbered as in its source file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NumberedLine<'a> {
    pub line: u32,
    pub text: &'a str,
}

/// The lines of a passage and up to `n` lines on either side of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinesAround<'a> {
    pub before: Vec<NumberedLine<'a>>,
    pub passage: Vec<NumberedLine<'a>>,
    pub after: Vec<NumberedLine<'a>>,
}

impl Document {
    /// The text lines covering `range` (a passage's byte range) and `n` lines of context before and after.
    pub fn lines_around(&self, range: std::ops::Range<usize>, n: usize) -> LinesAround<'_> {
        let starts = self.lines.starts();
        let line = |i: usize| {
            let end = starts.get(i + 1).map_or(self.text.len(), |&next| next - 1);
            NumberedLine { line: self.lines.source_line(i), text: &self.text[starts[i]..end.max(starts[i])] }
        };
        let first = self.lines.index_at(range.start);
        let last = self.lines.index_at(range.end.saturating_sub(1)).max(first);
        // A final line end opens no further line.
        let lines = starts.len() - usize::from(starts.len() > 1 && starts.last() == Some(&self.text.len()));
        let after_end = (last + 1 + n).min(lines);
        LinesAround {
            before: (first.saturating_sub(n)..first).map(line).collect(),
            passage: (first..=last).map(line).collect(),
            after: (last + 1..after_end).map(line).collect(),
        }
    }
}

/// Why a file yielded no document.
#[derive(Debug, thiserror::Error)]
pub enum SkipReason {
    #[error("binary file")]
    Binary,
    #[error("larger than the size limit ({limit} bytes)")]
    TooLarge { limit: u64 },
    #[error("not a regular file ({kind})")]
    NotRegular { kind: &'static str },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl SkipReason {
    /// Binary files are expected in any tree and skipped silently; the others are worth a warning.
    pub fn is_warning(&self) -> bool {
        !matches!(self, SkipReason::Binary)
    }
}

/// A file read and decoded, with the size and modification time it had when read.
#[derive(Debug)]
pub struct Loaded {
    pub document: Document,
    pub metadata: std::fs::Metadata,
}

/// Reads and decodes one file (see [`read`]).
pub fn load(path: &Path, max_filesize: u64) -> Result<Loaded, SkipReason> {
    let (bytes, metadata) = read(path, max_filesize)?;
    Ok(Loaded { document: document(path, &bytes)?, metadata })
}

/// A regular file's bytes and the metadata of the handle they were read from. Never opens anything but a
/// regular file, so FIFOs and devices cannot hang the run; checks again on the open handle in case the path
/// was replaced meanwhile, and never reads more than the size limit even if the file grows. A file over the
/// limit is sniffed: binary ones stay silent.
pub fn read(path: &Path, max_filesize: u64) -> Result<(Vec<u8>, std::fs::Metadata), SkipReason> {
    regular(&std::fs::metadata(path)?)?;
    let mut file = open_nonblocking(path)?;
    let metadata = file.metadata()?;
    regular(&metadata)?;
    let limit = if metadata.len() > max_filesize { decode::SNIFF_LEN as u64 } else { max_filesize };
    let mut bytes = Vec::with_capacity(metadata.len().min(limit) as usize);
    (&mut file).take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if metadata.len() > max_filesize || bytes.len() as u64 > max_filesize {
        return Err(too_large(&bytes, max_filesize));
    }
    Ok((bytes, metadata))
}

/// Decodes a file's bytes (read with [`read`]), as HTML when its name says so.
pub fn document(path: &Path, bytes: &[u8]) -> Result<Document, SkipReason> {
    from_bytes(path.to_path_buf(), bytes, is_html(path))
}

fn regular(metadata: &std::fs::Metadata) -> Result<(), SkipReason> {
    if metadata.is_file() {
        Ok(())
    } else {
        Err(SkipReason::NotRegular { kind: file_kind(metadata.file_type()) })
    }
}

/// Binary content is skipped silently whatever its size; text over the limit is worth a warning.
fn too_large(head: &[u8], limit: u64) -> SkipReason {
    if decode::is_binary(head) {
        SkipReason::Binary
    } else {
        SkipReason::TooLarge { limit }
    }
}

/// Opening a FIFO that was swapped in after the check must not block.
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)
}

/// What a non-regular file is, in words.
pub fn file_kind(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    match file_type {
        t if t.is_dir() => "directory",
        t if t.is_symlink() => "symbolic link",
        t if t.is_fifo() => "FIFO",
        t if t.is_socket() => "socket",
        t if t.is_block_device() => "block device",
        t if t.is_char_device() => "character device",
        t if t.is_file() => "regular file",
        _ => "unknown file type",
    }
}

/// Builds a document from raw bytes (a file's or standard input's).
pub fn from_bytes(path: PathBuf, bytes: &[u8], html: bool) -> Result<Document, SkipReason> {
    let text = decode(bytes).map_err(|NotText| SkipReason::Binary)?;
    let (text, lines) = if html {
        html::visible_text(&text)
    } else {
        let lines = LineMap::plain(&text);
        (text, lines)
    };
    Ok(Document { path, text, lines })
}

fn is_html(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    ext.eq_ignore_ascii_case("html") || ext.eq_ignore_ascii_case("htm") || ext.eq_ignore_ascii_case("xhtml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_around_a_passage() {
        let doc = from_bytes(PathBuf::from("x"), b"one\ntwo\nthree\nfour\nfive\n", false).unwrap();
        let start = doc.text.find("three").unwrap();
        let around = doc.lines_around(start..start + 5, 1);
        let numbers = |lines: &[NumberedLine]| lines.iter().map(|l| (l.line, l.text.to_owned())).collect::<Vec<_>>();
        assert_eq!(numbers(&around.before), [(2, "two".to_owned())]);
        assert_eq!(numbers(&around.passage), [(3, "three".to_owned())]);
        assert_eq!(numbers(&around.after), [(4, "four".to_owned())]);
        // Past the last line there is nothing, whether or not the file ends with a line end.
        for text in [&b"one\ntwo\n"[..], b"one\ntwo"] {
            let doc = from_bytes(PathBuf::from("x"), text, false).unwrap();
            let around = doc.lines_around(4..7, 2);
            assert_eq!(numbers(&around.passage), [(2, "two".to_owned())]);
            assert!(around.after.is_empty(), "{:?}", numbers(&around.after));
        }
    }
}
