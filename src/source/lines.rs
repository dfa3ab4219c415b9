//! Mapping byte offsets in a document's text to line numbers in its source file.

/// Where each line of a document's text starts, and which source line it came from.
///
/// For plain text, text line *i* is source line *i + 1*. HTML drops markup and blank lines, so each
/// visible line remembers its own source line.
#[derive(Debug, Clone, Default)]
pub struct LineMap {
    starts: Vec<usize>,
    source_lines: Option<Vec<u32>>,
}

impl LineMap {
    /// Lines of plain text (line ends already normalised to `\n`).
    pub fn plain(text: &str) -> Self {
        let starts = std::iter::once(0).chain(memchr_newlines(text).map(|i| i + 1)).collect();
        LineMap { starts, source_lines: None }
    }

    /// Lines of derived text, each with the source line it came from (same length as the text's lines).
    pub fn mapped(text: &str, source_lines: Vec<u32>) -> Self {
        let mut map = Self::plain(text);
        debug_assert_eq!(map.starts.len(), source_lines.len().max(1));
        map.source_lines = Some(source_lines);
        map
    }

    /// The 1-based source line of the byte at `offset` in the text.
    pub fn line_at(&self, offset: usize) -> u32 {
        self.source_line(self.index_at(offset))
    }

    /// The index (0-based) of the text line holding the byte at `offset`.
    pub fn index_at(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).saturating_sub(1)
    }

    /// The source line of text line `index`.
    pub fn source_line(&self, index: usize) -> u32 {
        match &self.source_lines {
            Some(lines) => lines.get(index).copied().unwrap_or(1),
            None => index as u32 + 1,
        }
    }

    /// Byte offsets where the text's lines start.
    pub fn starts(&self) -> &[usize] {
        &self.starts
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_are_one_based() {
        let map = LineMap::plain("a\nbb\n\nccc");
        assert_eq!(map.line_at(0), 1);
        assert_eq!(map.line_at(1), 1); // the newline belongs to its line
        assert_eq!(map.line_at(2), 2);
        assert_eq!(map.line_at(5), 3);
        assert_eq!(map.line_at(6), 4);
    }

    #[test]
    fn mapped_lines_follow_the_source() {
        let map = LineMap::mapped("x\ny", vec![7, 12]);
        assert_eq!(map.line_at(0), 7);
        assert_eq!(map.line_at(2), 12);
    }
}
