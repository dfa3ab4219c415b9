//! Retrieval metrics as trec_eval computes them: `ndcg_cut.10` and `recall.10` / `recall.100`.

use std::collections::HashMap;

/// Relevance grades of one query's judged documents.
pub type Judged = HashMap<String, u32>;

/// nDCG@k: Σ grade / log2(rank + 1) over the top `k` of `ranked`, divided by the same sum for the ideal order
/// of every judged document with a positive grade. 0 when no document is relevant.
pub fn ndcg_at(ranked: &[&str], judged: &Judged, k: usize) -> f64 {
    let dcg = |grades: &mut dyn Iterator<Item = u32>| -> f64 {
        grades.take(k).enumerate().map(|(i, grade)| grade as f64 / (i as f64 + 2.0).log2()).sum()
    };
    let mut ideal: Vec<u32> = judged.values().copied().filter(|&g| g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let best = dcg(&mut ideal.into_iter());
    if best == 0.0 {
        return 0.0;
    }
    dcg(&mut ranked.iter().map(|doc| judged.get(*doc).copied().unwrap_or(0))) / best
}

/// Recall@k: the share of relevant documents (positive grade) found in the top `k` of `ranked`.
pub fn recall_at(ranked: &[&str], judged: &Judged, k: usize) -> f64 {
    let relevant = judged.values().filter(|&&g| g > 0).count();
    if relevant == 0 {
        return 0.0;
    }
    let found = ranked.iter().take(k).filter(|doc| judged.get(**doc).is_some_and(|&g| g > 0)).count();
    found as f64 / relevant as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(pairs: &[(&str, u32)]) -> Judged {
        pairs.iter().map(|&(d, g)| (d.to_owned(), g)).collect()
    }

    #[test]
    fn ndcg_by_hand() {
        let rel = judged(&[("a", 1), ("b", 1), ("z", 0)]);
        // Relevant at ranks 1 and 3: (1 + 1/log2 4) / (1 + 1/log2 3) = 1.5 / 1.6309298 = 0.9197208.
        assert!((ndcg_at(&["a", "x", "b"], &rel, 10) - 0.919_720_8).abs() < 1e-6);
        assert_eq!(ndcg_at(&["a", "b"], &rel, 10), 1.0);
        assert_eq!(ndcg_at(&["x", "z"], &rel, 10), 0.0);
        // Only rank 2 counts within the cut at 2: (1/log2 3) / 1.6309298 = 0.3868528.
        assert!((ndcg_at(&["x", "a", "b"], &rel, 2) - 0.386_852_8).abs() < 1e-6);
    }

    #[test]
    fn ndcg_uses_grades_as_gains() {
        let rel = judged(&[("a", 2), ("b", 1)]);
        // Reversed order: (1 + 2/log2 3) / (2 + 1/log2 3) = 2.2618595 / 2.6309298 = 0.8597186.
        assert!((ndcg_at(&["b", "a"], &rel, 10) - 0.859_718_6).abs() < 1e-6);
    }

    #[test]
    fn recall_by_hand() {
        let rel = judged(&[("a", 1), ("b", 1), ("c", 1), ("z", 0)]);
        let ranked = ["a", "z", "x", "b"];
        assert!((recall_at(&ranked, &rel, 10) - 2.0 / 3.0).abs() < 1e-12);
        assert!((recall_at(&ranked, &rel, 1) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(recall_at(&ranked, &judged(&[]), 10), 0.0);
    }
}
