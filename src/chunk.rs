//! Documents → passages of at most 250 word pieces, cut where a reader would cut: at paragraph and line ends,
//! else at sentence ends, never inside a word; consecutive passages overlap by a line or so.

use std::ops::Range;

use tokenizers::Tokenizer;

use crate::source::Document;

/// The length the model was trained on (sentence-transformers' max_seq_length 256 leaves room for this plus
/// [CLS] and [SEP]).
pub const MAX_WORD_PIECES: usize = 250;
/// How far back (in word pieces) the next passage may start, so a sentence cut by a break is seen whole once.
const OVERLAP: usize = 32;
/// Long documents are tokenised in pieces of about this many bytes, cut at line ends, so memory stays
/// proportional to the piece, not the file.
const SEGMENT_BYTES: usize = 32 * 1024;

/// A span of a document, small enough to embed whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// Byte range in the document's (decoded) text.
    pub byte_range: Range<usize>,
    /// First and last line in the source file, 1-based, inclusive.
    pub first_line: u32,
    pub last_line: u32,
    pub text: String,
    /// Word pieces, without [CLS] and [SEP].
    pub word_pieces: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("tokenizer failed: {0}")]
pub struct ChunkError(String);

/// Splits documents with the model's own tokenizer, so passage lengths are counted as the model counts them.
#[derive(Clone)]
pub struct Chunker {
    tokenizer: Tokenizer,
    max_pieces: usize,
}

impl Chunker {
    pub fn new(mut tokenizer: Tokenizer) -> Self {
        // Packaged tokenizer.json files often truncate and pad to a fixed length; chunking needs every piece.
        let _ = tokenizer.with_truncation(None);
        tokenizer.with_padding(None);
        Chunker { tokenizer, max_pieces: MAX_WORD_PIECES }
    }

    pub fn split(&self, doc: &Document) -> Result<Vec<Passage>, ChunkError> {
        let mut passages = Vec::new();
        for segment in segments(&doc.text) {
            let encoding = self
                .tokenizer
                .encode(&doc.text[segment.clone()], false)
                .map_err(|e| ChunkError(e.to_string()))?;
            let pieces = Pieces::new(&doc.text, segment.start, &encoding);
            for window in pieces.windows(self.max_pieces) {
                let byte_range = pieces.byte_range(window.clone());
                passages.push(Passage {
                    first_line: doc.lines.line_at(byte_range.start),
                    last_line: doc.lines.line_at(byte_range.end.saturating_sub(1)),
                    text: doc.text[byte_range.clone()].to_owned(),
                    word_pieces: window.len() as u32,
                    byte_range,
                });
            }
        }
        Ok(passages)
    }
}

/// Cuts text into ranges of about `SEGMENT_BYTES`, at a line end if there is one, else at whitespace,
/// else at a character boundary.
fn segments(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let mut end = (start + SEGMENT_BYTES).min(text.len());
        if end < text.len() {
            let window = &text.as_bytes()[start..end];
            let cut = window.iter().rposition(|&b| b == b'\n').filter(|&i| i > SEGMENT_BYTES / 2);
            let cut = cut.or_else(|| window.iter().rposition(|b| b.is_ascii_whitespace()).filter(|&i| i > 0));
            end = match cut {
                Some(i) => start + i + 1,
                None => (end..text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len()),
            };
        }
        let range = start..end;
        start = end;
        Some(range)
    })
}

/// The word pieces of one segment, with what the cutting rules need to know about each.
struct Pieces<'a> {
    text: &'a str,
    /// Byte range of each piece in the document's text.
    spans: Vec<Range<usize>>,
    /// The piece starts a word (is not a `##` continuation).
    word_start: Vec<bool>,
}

impl<'a> Pieces<'a> {
    fn new(text: &'a str, base: usize, encoding: &tokenizers::Encoding) -> Self {
        let spans = encoding.get_offsets().iter().map(|&(s, e)| base + s..base + e).collect();
        let word_start = encoding.get_tokens().iter().map(|t| !t.starts_with("##")).collect();
        Pieces { text, spans, word_start }
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    fn byte_range(&self, window: Range<usize>) -> Range<usize> {
        self.spans[window.start].start..self.spans[window.end - 1].end
    }

    /// Newlines between piece `i - 1` and piece `i`.
    fn newlines_before(&self, i: usize) -> usize {
        let gap = &self.text[self.spans[i - 1].end..self.spans[i].start];
        gap.bytes().filter(|&b| b == b'\n').count()
    }

    fn ends_sentence(&self, i: usize) -> bool {
        matches!(&self.text[self.spans[i].clone()], "." | "!" | "?" | ";" | ":")
    }

    /// How good a place it is to start a passage at piece `i` (higher is better; 0 = never).
    fn break_quality(&self, i: usize) -> u8 {
        if !self.word_start[i] {
            return 0;
        }
        match self.newlines_before(i) {
            0 if self.ends_sentence(i - 1) => 2,
            0 => 1,
            1 => 3,
            _ => 4,
        }
    }

    /// Consecutive windows of at most `max` pieces covering every piece.
    fn windows(&self, max: usize) -> Vec<Range<usize>> {
        let mut windows = Vec::new();
        let mut start = 0;
        while start < self.len() {
            let end = self.best_end(start, max);
            windows.push(start..end);
            if end == self.len() {
                break;
            }
            start = self.overlap_start(start, end);
        }
        windows
    }

    /// The best place to end a window starting at `start`: the latest of the best breaks in its second half.
    fn best_end(&self, start: usize, max: usize) -> usize {
        let hard_end = (start + max).min(self.len());
        if hard_end == self.len() {
            return hard_end;
        }
        let earliest = start + max / 2;
        (earliest..=hard_end)
            .max_by_key(|&i| self.break_quality(i))
            .filter(|&i| self.break_quality(i) > 0)
            .unwrap_or(hard_end)
    }

    /// Where the next window starts: the earliest good break within `OVERLAP` pieces before `end`.
    fn overlap_start(&self, start: usize, end: usize) -> usize {
        let earliest = end.saturating_sub(OVERLAP).max(start + 1);
        let best = (earliest..end).map(|i| self.break_quality(i)).max().unwrap_or(0);
        if best < 2 {
            return end; // no line or sentence start nearby: an overlap cut mid-sentence helps nobody
        }
        (earliest..end).find(|&i| self.break_quality(i) == best).unwrap_or(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cover_the_text_at_line_ends() {
        let line = "word ".repeat(30) + "\n";
        let text = line.repeat(1000);
        let ranges: Vec<_> = segments(&text).collect();
        assert!(ranges.len() > 1);
        assert_eq!(ranges.first().unwrap().start, 0);
        assert_eq!(ranges.last().unwrap().end, text.len());
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
            assert_eq!(&text[pair[0].end - 1..pair[0].end], "\n");
        }
    }

    #[test]
    fn segments_of_one_huge_word_stay_bounded() {
        let text = "x".repeat(SEGMENT_BYTES * 3 + 5);
        assert!(segments(&text).all(|r| r.len() <= SEGMENT_BYTES));
    }
}
