//! Question vector → ranked passages by dot product, exactly.
//!
//! Over an index, in two passes: the int8 copies of all vectors (vectors.q8, a quarter of the bytes) give
//! each passage an approximate score with a proven error bound; only the passages whose bound reaches the
//! k-th best lower bound can be in the top k, and those alone are scored again on their f32 vectors. The
//! result is the exact scan's, score for score.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{best, Scored};
use crate::parallel::on_threads;
use crate::store::quant::Group;
use crate::store::{Index, StoreError};

/// The `k` rows of `vectors` (row-major, `query.len()` floats each) with the highest dot product, best first.
pub fn top_k(vectors: &[f32], query: &[f32], k: usize) -> Vec<Scored> {
    let dims = query.len();
    if dims == 0 {
        return Vec::new();
    }
    let scored = vectors.chunks_exact(dims).enumerate().map(|(row, vector)| Scored { row, score: dot(vector, query) });
    best(scored, k)
}

/// Eight independent accumulators let the compiler vectorise the loop.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks.remainder().iter().zip(b_chunks.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for i in 0..8 {
            sums[i] += x[i] * y[i];
        }
    }
    sums.iter().sum::<f32>() + tail
}

/// [`top_k`] over an index's vectors, using up to `threads` threads for the first pass. Every byte read is
/// verified on the way; damage is an error, never a wrong ranking.
pub fn top_k_index(index: &Index, query: &[f32], k: usize, threads: usize) -> Result<Vec<Scored>, StoreError> {
    if k == 0 || index.is_empty() || query.len() != index.dims() {
        return Ok(Vec::new());
    }
    let k = k.min(index.len());
    let question = Question::new(query);
    let groups = index.groups();
    // Below a few hundred thousand bytes a thread costs more than it saves.
    let threads = threads.clamp(1, groups.div_ceil(64).max(1));
    let ranges: Vec<std::ops::Range<usize>> =
        (0..threads).map(|t| groups * t / threads..groups * (t + 1) / threads).collect();
    let passes = on_threads(ranges, |range| first_pass(index, &question, range, k));
    let passes = passes.into_iter().collect::<Result<Vec<Pass>, StoreError>>()?;
    let floor = kth_largest(passes.iter().flat_map(|p| p.lowers.iter().map(|Reverse(l)| l.0)).collect(), k);
    let mut candidates: Vec<usize> =
        passes.iter().flat_map(|p| &p.candidates).filter(|&&(_, upper)| upper >= floor).map(|&(row, _)| row).collect();
    candidates.sort_unstable();
    crate::trace::mark(&format!("first pass: {} candidates for the top {k} of {}", candidates.len(), index.len()));
    let exact = rescore(index, &candidates, query, threads)?;
    crate::trace::mark("rescored");
    Ok(best(exact.into_iter(), k))
}

/// The exact scores of `rows`, read (and verified) from vectors.f32 by up to `threads` threads: a read is a
/// system call per row, and a hybrid query has a few thousand candidates (100k passages: 2,752).
fn rescore(index: &Index, rows: &[usize], query: &[f32], threads: usize) -> Result<Vec<Scored>, StoreError> {
    let score = |rows: &[usize]| -> Result<Vec<Scored>, StoreError> {
        let mut vectors = Vec::new();
        index.read_vectors(rows, &mut vectors)?;
        Ok(rows.iter().zip(vectors.chunks_exact(query.len())).map(|(&row, v)| Scored { row, score: dot(v, query) }).collect())
    };
    // Below a few hundred rows a thread costs more than it saves.
    let threads = threads.clamp(1, rows.len().div_ceil(256).max(1));
    let parts: Vec<&[usize]> = rows.chunks(rows.len().div_ceil(threads).max(1)).collect();
    let mut all = Vec::with_capacity(rows.len());
    for part in on_threads(parts, score) {
        all.extend(part?);
    }
    Ok(all)
}

/// The question quantised to 16-bit integers, and what bounds a first-pass score's error.
struct Question {
    codes: Vec<i16>,
    step: f32,
    /// A row's first-pass score is within `row step × slack` of its exact score.
    slack: f32,
}

impl Question {
    fn new(query: &[f32]) -> Self {
        let dims = query.len() as f64;
        // i8 × i16 products summed over `dims` must fit an i32.
        let limit = (i32::MAX as f64 / (dims * 127.0)).min(i16::MAX as f64).floor() as f32;
        let max = query.iter().fold(0f32, |max, x| max.max(x.abs()));
        let l1: f32 = query.iter().map(|x| x.abs()).sum();
        if !(l1.is_finite() && limit >= 127.0) {
            // No useful bound: every row is scored exactly.
            return Question { codes: vec![0; query.len()], step: 0.0, slack: f32::INFINITY };
        }
        let step = if max > 0.0 { max / limit } else { 0.0 };
        let codes = query.iter().map(|x| if step > 0.0 { (x / step).round().clamp(-limit, limit) as i16 } else { 0 }).collect();
        // q·x − q̂·x̂ = q·(x − x̂) + (q − q̂)·x̂, with |x − x̂| ≤ row step / 2 and |x̂| ≤ 127 row steps per
        // coordinate; then f32 rounding of both scores (≤ (dims + 4)·2⁻²⁴ of Σ|q||x|), doubled for margin.
        let (dims, unit) = (query.len() as f32, f32::EPSILON / 2.0);
        let rounding = 2.0 * (dims + 4.0) * unit * (l1 + dims * step) * 127.0 * 2.0;
        let slack = l1 / 2.0 * (1.0 + 1e-4) + dims * 127.0 * step / 2.0 + rounding;
        Question { codes, step, slack }
    }
}

/// One thread's share of the first pass: the k best lower bounds it saw, and the rows that might still
/// make the top k, with their upper bounds.
struct Pass {
    lowers: BinaryHeap<Reverse<Score>>,
    candidates: Vec<(usize, f32)>,
}

/// f32 ordered by `total_cmp`, for the heap.
#[derive(Clone, Copy, PartialEq)]
struct Score(f32);

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl Pass {
    fn new(k: usize) -> Self {
        Pass { lowers: BinaryHeap::with_capacity(k + 1), candidates: Vec::new() }
    }

    /// Below this, a row cannot be among the k best: k rows are known to score at least this much.
    fn floor(&self, k: usize) -> f32 {
        if self.lowers.len() < k { f32::NEG_INFINITY } else { self.lowers.peek().map_or(f32::NEG_INFINITY, |Reverse(s)| s.0) }
    }

    #[inline(always)]
    fn add(&mut self, row: usize, lower: f32, upper: f32, k: usize) {
        if self.lowers.len() < k {
            self.lowers.push(Reverse(Score(lower)));
        } else if self.lowers.peek().is_some_and(|Reverse(s)| lower > s.0) {
            self.lowers.pop();
            self.lowers.push(Reverse(Score(lower)));
        }
        if upper >= self.floor(k) {
            self.candidates.push((row, upper));
        }
    }

    /// Keeps the candidate list near its final size.
    fn prune(&mut self, k: usize) {
        if self.candidates.len() > 4 * k + 4096 {
            let floor = self.floor(k);
            self.candidates.retain(|&(_, upper)| upper >= floor);
        }
    }
}

fn first_pass(index: &Index, question: &Question, groups: std::ops::Range<usize>, k: usize) -> Result<Pass, StoreError> {
    let mut pass = Pass::new(k);
    for g in groups {
        let group = index.group(g)?;
        scan_group(&group, question, &mut pass, k);
        pass.prune(k);
    }
    Ok(pass)
}

fn scan_group(group: &Group, question: &Question, pass: &mut Pass, k: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        return unsafe { scan_group_avx2(group, question, pass, k) };
    }
    scan_group_portable(group, question, pass, k)
}

/// The same loop with an AVX2 dot product (chosen at run time, so the binary still runs on any x86-64).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn scan_group_avx2(group: &Group, question: &Question, pass: &mut Pass, k: usize) {
    scan_group_with(group, question, pass, k, |codes, question| dot_i8_avx2(codes, question))
}

fn scan_group_portable(group: &Group, question: &Question, pass: &mut Pass, k: usize) {
    scan_group_with(group, question, pass, k, dot_i8)
}

#[inline(always)]
fn scan_group_with(group: &Group, question: &Question, pass: &mut Pass, k: usize, dot: impl Fn(&[u8], &[i16]) -> i32) {
    for i in 0..group.rows {
        let step = group.step(i);
        let approx = dot(group.codes(i), &question.codes) as f32 * (step * question.step);
        let margin = step * question.slack;
        let (lower, upper) = if margin.is_finite() { (approx - margin, approx + margin) } else { (f32::NEG_INFINITY, f32::INFINITY) };
        pass.add(group.first_row + i, lower, upper, k);
    }
}

#[inline(always)]
fn dot_i8(codes: &[u8], question: &[i16]) -> i32 {
    codes.iter().zip(question).map(|(&c, &q)| c as i8 as i32 * q as i32).sum()
}

/// [`dot_i8`] sixteen coordinates at a time: widen the codes to i16, then multiply and add pairs into i32
/// (`vpmaddwd`). Integer sums, so the result is [`dot_i8`]'s exactly; [`Question`] keeps them within i32.
/// The compiler's own vectorisation of `dot_i8` widens both sides to i32 and multiplies there, at a third
/// of the speed (first pass at 100k passages: measured 11-16 ms → see README).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn dot_i8_avx2(codes: &[u8], question: &[i16]) -> i32 {
    use std::arch::x86_64::*;
    let n = codes.len().min(question.len());
    let mut sums = _mm256_setzero_si256();
    let mut i = 0;
    while i + 16 <= n {
        // SAFETY: i + 16 <= n, the length of both slices; unaligned loads.
        let (c, q) = unsafe {
            (_mm_loadu_si128(codes.as_ptr().add(i).cast()), _mm256_loadu_si256(question.as_ptr().add(i).cast()))
        };
        sums = _mm256_add_epi32(sums, _mm256_madd_epi16(_mm256_cvtepi8_epi16(c), q));
        i += 16;
    }
    let half = _mm_add_epi32(_mm256_castsi256_si128(sums), _mm256_extracti128_si256::<1>(sums));
    let quarter = _mm_add_epi32(half, _mm_shuffle_epi32::<0b01_00_11_10>(half));
    let total = _mm_add_epi32(quarter, _mm_shuffle_epi32::<0b10_11_00_01>(quarter));
    _mm_cvtsi128_si32(total) + dot_i8(&codes[i..n], &question[i..n])
}

/// The k-th largest of `values`, or −∞ when there are fewer than k.
fn kth_largest(mut values: Vec<f32>, k: usize) -> f32 {
    if values.len() < k || k == 0 {
        return f32::NEG_INFINITY;
    }
    let (_, kth, _) = values.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
    *kth
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_ranks_by_dot_product() {
        let vectors = [1.0, 0.0, 0.0, 1.0, 0.6, 0.8, -1.0, 0.0];
        let hits = top_k(&vectors, &[0.0, 1.0], 3);
        let rows: Vec<usize> = hits.iter().map(|h| h.row).collect();
        assert_eq!(rows, vec![1, 2, 0]);
        assert!((hits[1].score - 0.8).abs() < 1e-6);
    }

    #[test]
    fn dot_matches_naive_sum_on_odd_lengths() {
        let a: Vec<f32> = (0..19).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..19).map(|i| 1.0 - i as f32 * 0.1).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-4);
    }

    /// An index of `n` random `dims`-float unit vectors (with exact duplicates and a zero vector, for ties).
    fn random_index(dir: &std::path::Path, n: usize, dims: usize) -> (Index, Vec<f32>) {
        use crate::{chunk::Passage, model::ModelInfo, store::{FileEntry, IndexWriter}};
        let model = ModelInfo { name: "test".into(), fingerprint: 1 };
        let mut writer = IndexWriter::create(dir, model, dims, Vec::new()).unwrap();
        let file = writer.add_file(FileEntry { path: b"f".to_vec(), size: 0, mtime_ns: 0, content_hash: 0 });
        let mut seed = 99u64;
        let mut all = Vec::new();
        for i in 0..n {
            let mut v: Vec<f32> = (0..dims)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
                })
                .collect();
            if i % 97 == 5 {
                v = all[..dims].to_vec(); // a duplicate of row 0
            } else if i == 7 {
                v.iter_mut().for_each(|x| *x = 0.0);
            }
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            v.iter_mut().for_each(|x| *x /= norm);
            let text = "t".to_string();
            let passage = Passage { byte_range: 0..1, first_line: 1, last_line: 1, word_pieces: 1, text };
            writer.add_passage(file, &passage, &v).unwrap();
            all.extend(v);
        }
        writer.commit().unwrap();
        (Index::open(dir).unwrap(), all)
    }

    #[test]
    fn two_passes_give_exactly_the_exact_scan() {
        let dir = tempfile::tempdir().unwrap();
        let (index, vectors) = random_index(dir.path(), 3000, 48);
        for (q, k, threads) in [(0, 1, 1), (1, 10, 2), (2, 1000, 2), (3, 5000, 3), (4, 0, 1)] {
            let mut query = vectors[q * 48..(q + 1) * 48].to_vec();
            query[q] += 0.3; // not a stored vector
            let exact = top_k(&vectors, &query, k);
            let fast = top_k_index(&index, &query, k, threads).unwrap();
            let bits = |hits: &[Scored]| hits.iter().map(|h| (h.row, h.score.to_bits())).collect::<Vec<_>>();
            assert_eq!(bits(&fast), bits(&exact), "query {q}, k {k}");
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_dot_is_the_portable_one_exactly() {
        if !std::is_x86_feature_detected!("avx2") {
            return;
        }
        let mut seed = 7u32;
        let mut next = || {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            seed >> 8
        };
        for len in [0, 1, 15, 16, 17, 48, 384, 385] {
            let codes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let question: Vec<i16> = (0..len).map(|_| ((next() % 60001) as i32 - 30000) as i16).collect();
            // SAFETY: AVX2 checked above.
            assert_eq!(unsafe { dot_i8_avx2(&codes, &question) }, dot_i8(&codes, &question), "length {len}");
        }
    }

    #[test]
    fn kth_largest_of_few_is_minus_infinity() {
        assert_eq!(kth_largest(vec![3.0, 1.0, 2.0], 2), 2.0);
        assert_eq!(kth_largest(vec![3.0], 2), f32::NEG_INFINITY);
    }
}
