//! `vectors.q8`: every vector again as 8-bit integers with its own step (a quarter of the bytes of
//! vectors.f32, so a query's first pass over all of them is four times cheaper), plus the xxh3 of its f32 row,
//! so that the exact rows read back for rescoring are verified too.
//!
//! ```text
//! groups of GROUP rows (the last may be short), each one checksummed block of meta.bin's sums:
//!   rows × dims   codes, i8: round(x / step), |code| ≤ 127
//!   rows × f32    step = max |x| / 127 of the row (LE)
//!   rows × u64    xxh3 of the row's f32 bytes in vectors.f32 (LE)
//! ```

use super::format::checksum;

/// Rows per group: about 50 KB at 384 dimensions, verified and scanned while it sits in cache.
pub const GROUP: usize = 128;

/// Bytes a full group of `dims`-float rows takes: the block size of vectors.q8's checksums.
pub fn group_bytes(rows: usize, dims: usize) -> usize {
    rows * (dims + 4 + 8)
}

/// Appends `vector`'s codes to `codes`; returns its step. A vector holding a NaN or an infinity gets a NaN
/// step, which makes every reader fall back to its exact row.
fn quantize(vector: &[f32], codes: &mut Vec<u8>) -> f32 {
    if !vector.iter().all(|x| x.is_finite()) {
        codes.extend(std::iter::repeat_n(0, vector.len()));
        return f32::NAN;
    }
    let max = vector.iter().fold(0f32, |max, x| max.max(x.abs()));
    if max == 0.0 {
        codes.extend(std::iter::repeat_n(0, vector.len()));
        return 0.0;
    }
    let step = max / 127.0;
    codes.extend(vector.iter().map(|x| (x / step).round().clamp(-127.0, 127.0) as i8 as u8));
    step
}

/// The xxh3 of a row's bytes as stored in vectors.f32.
pub fn row_hash(row_bytes: &[u8]) -> u64 {
    checksum(row_bytes)
}

/// Collects rows into groups for the writer.
pub struct GroupBuilder {
    dims: usize,
    codes: Vec<u8>,
    steps: Vec<u8>,
    hashes: Vec<u8>,
}

impl GroupBuilder {
    pub fn new(dims: usize) -> Self {
        GroupBuilder { dims, codes: Vec::new(), steps: Vec::new(), hashes: Vec::new() }
    }

    /// Adds a row (`bytes` are its f32s as written to vectors.f32); returns a finished group's bytes.
    pub fn push(&mut self, vector: &[f32], bytes: &[u8]) -> Option<Vec<u8>> {
        let step = quantize(vector, &mut self.codes);
        self.steps.extend_from_slice(&step.to_le_bytes());
        self.hashes.extend_from_slice(&row_hash(bytes).to_le_bytes());
        (self.steps.len() / 4 == GROUP).then(|| self.take())
    }

    /// The last, short group's bytes (empty if none).
    pub fn take(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.codes);
        out.append(&mut self.steps);
        out.append(&mut self.hashes);
        debug_assert_eq!(out.len() % (self.dims + 12).max(1), 0);
        out
    }
}

/// One group of vectors.q8, borrowed from a verified block.
#[derive(Debug, Clone, Copy)]
pub struct Group<'a> {
    /// The row number of its first vector.
    pub first_row: usize,
    pub rows: usize,
    dims: usize,
    codes: &'a [u8],
    steps: &'a [u8],
    hashes: &'a [u8],
}

impl<'a> Group<'a> {
    /// Splits a group's bytes (`rows × (dims + 12)` of them, checked by the caller).
    pub fn parse(bytes: &'a [u8], first_row: usize, rows: usize, dims: usize) -> Self {
        let (codes, rest) = bytes.split_at(rows * dims);
        let (steps, hashes) = rest.split_at(rows * 4);
        Group { first_row, rows, dims, codes, steps, hashes }
    }

    /// Row `i`'s codes (two's-complement i8 as bytes).
    pub fn codes(&self, i: usize) -> &'a [u8] {
        &self.codes[i * self.dims..][..self.dims]
    }

    pub fn step(&self, i: usize) -> f32 {
        f32::from_le_bytes(self.steps[i * 4..][..4].try_into().unwrap_or_default())
    }

    pub fn row_hash(&self, i: usize) -> u64 {
        u64::from_le_bytes(self.hashes[i * 8..][..8].try_into().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_within_half_a_step() {
        let vector = [0.5f32, -0.25, 0.125, 0.0, -0.5, 0.3];
        let mut codes = Vec::new();
        let step = quantize(&vector, &mut codes);
        assert_eq!(step, 0.5 / 127.0);
        for (x, &c) in vector.iter().zip(&codes) {
            assert!((x - c as i8 as f32 * step).abs() <= step / 2.0 * 1.0001, "{x} {c}");
        }
        assert_eq!((codes[0] as i8, codes[4] as i8), (127, -127));
    }

    #[test]
    fn zero_and_non_finite_vectors() {
        let mut codes = Vec::new();
        assert_eq!(quantize(&[0.0, 0.0], &mut codes), 0.0);
        assert!(quantize(&[1.0, f32::NAN], &mut codes).is_nan());
        assert!(quantize(&[f32::INFINITY, 1.0], &mut codes).is_nan());
        assert_eq!(codes.len(), 6);
    }

    #[test]
    fn groups_round_trip() {
        let dims = 3;
        let mut builder = GroupBuilder::new(dims);
        let rows: Vec<[f32; 3]> = (0..GROUP + 2).map(|i| [i as f32, 1.0, -2.0]).collect();
        let bytes = |v: &[f32; 3]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        let full: Vec<Vec<u8>> = rows.iter().filter_map(|v| builder.push(v, &bytes(v))).collect();
        assert_eq!(full.len(), 1);
        assert_eq!(full[0].len(), group_bytes(GROUP, dims));
        let last = builder.take();
        assert_eq!(last.len(), group_bytes(2, dims));
        let group = Group::parse(&last, GROUP, 2, dims);
        assert_eq!(group.step(1), (GROUP + 1) as f32 / 127.0);
        assert_eq!(group.codes(1)[0] as i8, 127);
        assert_eq!(group.row_hash(0), row_hash(&bytes(&rows[GROUP])));
    }
}
