//! Files → documents: walking the tree, reading, skipping what is not text, decoding, and HTML's visible text.

mod decode;
mod html;
mod lines;
mod walk;

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
        let after_end = (last + 1 + n).min(starts.len());
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
    #[error("not a regular file")]
    NotRegular,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl SkipReason {
    /// Binary files are expected in any tree and skipped silently; the others are worth a warning.
    pub fn is_warning(&self) -> bool {
        !matches!(self, SkipReason::Binary)
    }
}

/// Reads and decodes one file. Never opens anything but a regular file, so FIFOs and devices cannot hang the run.
pub fn load(path: &Path, max_filesize: u64) -> Result<Document, SkipReason> {
    let bytes = read(path, max_filesize)?;
    document(path, &bytes)
}

/// A regular file's bytes, if it is not larger than `max_filesize`.
pub fn read(path: &Path, max_filesize: u64) -> Result<Vec<u8>, SkipReason> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(SkipReason::NotRegular);
    }
    if meta.len() > max_filesize {
        return Err(SkipReason::TooLarge { limit: max_filesize });
    }
    Ok(std::fs::read(path)?)
}

/// Decodes a file's bytes (read with [`read`]), as HTML when its name says so.
pub fn document(path: &Path, bytes: &[u8]) -> Result<Document, SkipReason> {
    from_bytes(path.to_path_buf(), bytes, is_html(path))
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
    }
}
