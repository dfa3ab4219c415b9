//! Files checked block by block: a checksum per block is recorded in meta.bin, and a reader verifies a block
//! the first time it reads from it. A query reads (and so verifies) only what its answer depends on; `sqa
//! status` and the indexer verify every block. Damage is therefore always found by a full check, and by a
//! query whenever it touches a byte the answer uses.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use memmap2::Mmap;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use super::format::checksum;

/// Bytes per block where the file's own layout suggests nothing better.
pub const BLOCK: u32 = 64 * 1024;

/// A file's length and the xxh3 of each of its blocks (the last may be short).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockSums {
    pub len: u64,
    pub block: u32,
    pub sums: Vec<u64>,
}

impl BlockSums {
    /// The sums of `bytes` in blocks of `block`.
    pub fn of(bytes: &[u8], block: u32) -> Self {
        let mut hasher = BlockHasher::new(block);
        hasher.update(bytes);
        hasher.finish()
    }

    /// Whether the sums cover exactly `len` bytes in blocks of a usable size.
    fn consistent(&self) -> bool {
        self.block > 0 && self.sums.len() as u64 == self.len.div_ceil(self.block as u64)
    }
}

/// Computes [`BlockSums`] of a stream written in pieces of any size.
pub struct BlockHasher {
    sums: BlockSums,
    state: Xxh3,
    filled: u32,
}

impl BlockHasher {
    pub fn new(block: u32) -> Self {
        BlockHasher { sums: BlockSums { block: block.max(1), ..BlockSums::default() }, state: Xxh3::new(), filled: 0 }
    }

    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let take = bytes.len().min((self.sums.block - self.filled) as usize);
            self.state.update(&bytes[..take]);
            (self.filled, self.sums.len) = (self.filled + take as u32, self.sums.len + take as u64);
            bytes = &bytes[take..];
            if self.filled == self.sums.block {
                self.end_block();
            }
        }
    }

    fn end_block(&mut self) {
        self.sums.sums.push(self.state.digest());
        self.state.reset();
        self.filled = 0;
    }

    /// Bytes hashed so far.
    pub fn len(&self) -> u64 {
        self.sums.len
    }

    pub fn finish(mut self) -> BlockSums {
        if self.filled > 0 {
            self.end_block();
        }
        self.sums
    }
}

/// A memory-mapped file whose blocks are verified against their sums on first read.
pub struct Checked {
    name: &'static str,
    map: Option<Mmap>,
    sums: BlockSums,
    verified: Box<[AtomicBool]>,
}

impl Checked {
    /// Checks the length and the shape of the sums; reads nothing.
    pub fn new(name: &'static str, map: Option<Mmap>, sums: BlockSums) -> Result<Self, String> {
        let len = map.as_deref().map_or(0, <[u8]>::len) as u64;
        if len != sums.len {
            return Err(format!("{name} is {len} bytes, expected {}", sums.len));
        }
        if !sums.consistent() {
            return Err(format!("meta.bin records unusable checksums for {name}"));
        }
        let verified = (0..sums.sums.len()).map(|_| AtomicBool::new(false)).collect();
        Ok(Checked { name, map, sums, verified })
    }

    pub fn byte_len(&self) -> usize {
        self.sums.len as usize
    }

    pub fn block_size(&self) -> usize {
        self.sums.block as usize
    }

    /// `range` of the file, after verifying every block it touches; an error names the damage.
    pub fn get(&self, range: Range<usize>) -> Result<&[u8], String> {
        let bytes = self.map.as_deref().unwrap_or(&[]);
        let Some(slice) = bytes.get(range.clone()) else {
            return Err(format!("a reference points past the end of {}", self.name));
        };
        if !slice.is_empty() {
            let block = self.block_size();
            (range.start / block..=(range.end - 1) / block).try_for_each(|b| self.verify_block(b))?;
        }
        Ok(slice)
    }

    /// Verifies every block.
    pub fn verify_all(&self) -> Result<(), String> {
        (0..self.verified.len()).try_for_each(|b| self.verify_block(b))
    }

    fn verify_block(&self, b: usize) -> Result<(), String> {
        if self.verified[b].load(Ordering::Acquire) {
            return Ok(());
        }
        let block = self.block_size();
        let bytes = self.map.as_deref().unwrap_or(&[]);
        let data = &bytes[b * block..bytes.len().min((b + 1) * block)];
        if checksum(data) != self.sums.sums[b] {
            return Err(format!("{} does not match its checksum (block {b})", self.name));
        }
        self.verified[b].store(true, Ordering::Release);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(bytes: &[u8], sums: BlockSums) -> Result<Checked, String> {
        let map = (!bytes.is_empty()).then(|| {
            let mut anon = memmap2::MmapMut::map_anon(bytes.len()).unwrap();
            anon.copy_from_slice(bytes);
            anon.make_read_only().unwrap()
        });
        Checked::new("test.bin", map, sums)
    }

    #[test]
    fn streamed_sums_match_whole_sums() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let mut hasher = BlockHasher::new(64);
        bytes.chunks(37).for_each(|piece| hasher.update(piece));
        let streamed = hasher.finish();
        let whole = BlockSums::of(&bytes, 64);
        assert_eq!((streamed.len, streamed.sums.len()), (1000, 16));
        assert_eq!(streamed.sums, whole.sums);
    }

    #[test]
    fn a_flipped_bit_is_found_where_it_is_read_and_only_there() {
        let mut bytes = vec![3u8; 300];
        let sums = BlockSums::of(&bytes, 100);
        bytes[250] ^= 4;
        let file = checked(&bytes, sums).unwrap();
        assert!(file.get(0..200).is_ok());
        assert!(file.get(199..201).unwrap_err().contains("block 2"));
        assert!(file.verify_all().is_err());
        assert!(file.get(0..301).is_err());
    }

    #[test]
    fn wrong_lengths_are_refused() {
        let sums = BlockSums::of(&[1, 2, 3], 2);
        assert!(checked(&[1, 2], sums.clone()).is_err());
        assert!(checked(&[1, 2, 3], BlockSums { sums: vec![], ..sums }).is_err());
    }
}
