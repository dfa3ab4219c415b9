//! Index + question vector → ranked hits: an exact scan of every passage by dot product.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// A passage (by row number) and its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub row: usize,
    pub score: f32,
}

impl Eq for Scored {}

impl Ord for Scored {
    /// By score, ties broken by row so results are deterministic (earlier row first).
    fn cmp(&self, other: &Self) -> Ordering {
        self.score.total_cmp(&other.score).then_with(|| other.row.cmp(&self.row))
    }
}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The `k` rows of `vectors` (row-major, `query.len()` floats each) with the highest dot product, best first.
pub fn top_k(vectors: &[f32], query: &[f32], k: usize) -> Vec<Scored> {
    let dims = query.len();
    if dims == 0 || k == 0 {
        return Vec::new();
    }
    let mut heap = BinaryHeap::with_capacity(k + 1);
    for (row, vector) in vectors.chunks_exact(dims).enumerate() {
        let candidate = Scored { row, score: dot(vector, query) };
        if heap.len() < k {
            heap.push(Reverse(candidate));
        } else if heap.peek().is_some_and(|Reverse(worst)| candidate > *worst) {
            heap.pop();
            heap.push(Reverse(candidate));
        }
    }
    let mut best: Vec<Scored> = heap.into_iter().map(|Reverse(s)| s).collect();
    best.sort_by(|a, b| b.cmp(a));
    best
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
}
