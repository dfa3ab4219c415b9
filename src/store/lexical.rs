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

use std::collections::HashMap;

use crate::search::tokens;

const MAGIC: &[u8; 8] = b"SQALEX01";
const HEADER_LEN: usize = 8 + 4 + 4 + 8 + 8 + 8;
const TERM_LEN: usize = 4 + 4 + 8 + 4 + 4;

/// Collects passages' words as the writer appends passages; row numbers follow the order of `add`.
#[derive(Default)]
pub struct LexicalBuilder {
    terms: HashMap<String, TermPostings>,
    lengths: Vec<u32>,
    total: u64,
}

#[derive(Default)]
struct TermPostings {
    bytes: Vec<u8>,
    next_row: u32,
    df: u32,
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
            let term = self.terms.entry(group[0].clone()).or_default();
            put_varint(&mut term.bytes, row - term.next_row);
            put_varint(&mut term.bytes, group.len() as u32);
            term.next_row = row + 1;
            term.df += 1;
        }
    }

    /// The bytes of lexical.bin.
    pub fn finish(self) -> Vec<u8> {
        let mut terms: Vec<(String, TermPostings)> = self.terms.into_iter().collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let names_len: usize = terms.iter().map(|(name, _)| name.len()).sum();
        let postings_len: usize = terms.iter().map(|(_, p)| p.bytes.len()).sum();
        let mut out = Vec::with_capacity(HEADER_LEN + self.lengths.len() * 4 + terms.len() * TERM_LEN + names_len + postings_len);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.lengths.len() as u32).to_le_bytes());
        out.extend_from_slice(&(terms.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.total.to_le_bytes());
        out.extend_from_slice(&(names_len as u64).to_le_bytes());
        out.extend_from_slice(&(postings_len as u64).to_le_bytes());
        self.lengths.iter().for_each(|len| out.extend_from_slice(&len.to_le_bytes()));
        let (mut name_at, mut postings_at) = (0u32, 0u64);
        for (name, postings) in &terms {
            out.extend_from_slice(&name_at.to_le_bytes());
            out.extend_from_slice(&(name.len() as u32).to_le_bytes());
            out.extend_from_slice(&postings_at.to_le_bytes());
            out.extend_from_slice(&(postings.bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(&postings.df.to_le_bytes());
            name_at += name.len() as u32;
            postings_at += postings.bytes.len() as u64;
        }
        terms.iter().for_each(|(name, _)| out.extend_from_slice(name.as_bytes()));
        terms.iter().for_each(|(_, postings)| out.extend_from_slice(&postings.bytes));
        out
    }
}

fn put_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
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
