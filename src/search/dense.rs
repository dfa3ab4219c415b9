//! Question vector → ranked passages: an exact scan of every passage by dot product.

use super::{best, Scored};

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
