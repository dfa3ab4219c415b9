//! Index + question → ranked passages, three ways: by meaning (dense vectors), by words (BM25), or both fused.

pub mod dense;
pub mod fusion;
pub mod lexical;

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

pub use dense::{dot, top_k};
pub use fusion::Fusion;
pub use lexical::{tokens, Bm25};

use crate::store::{Index, LexicalView};

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

/// How passages are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Both rankings fused: meaning and exact words.
    #[default]
    Hybrid,
    /// Embedding similarity only.
    Dense,
    /// BM25 over words only (no model needed).
    Lexical,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Hybrid, Mode::Dense, Mode::Lexical];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Hybrid => "hybrid",
            Mode::Dense => "dense",
            Mode::Lexical => "lexical",
        }
    }

    /// Whether the question must be embedded.
    pub fn needs_model(self) -> bool {
        self != Mode::Lexical
    }
}

/// Ranking parameters: BM25's and the fusion's.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Params {
    pub bm25: Bm25,
    pub fusion: Fusion,
}

/// The `k` best passages of `index` for a question (its text, and its vector unless `mode` is lexical).
pub fn search(index: &Index, mode: Mode, text: &str, vector: &[f32], k: usize, params: &Params) -> Vec<Scored> {
    rank(index.vectors(), &index.lexical(), mode, text, vector, k, params)
}

/// [`search`] over passages held any way: their vectors (row-major) and their postings.
pub fn rank(
    vectors: &[f32],
    lexical: &LexicalView,
    mode: Mode,
    text: &str,
    vector: &[f32],
    k: usize,
    params: &Params,
) -> Vec<Scored> {
    let words = by_words(lexical, mode, text, k, params);
    by_meaning(vectors, mode, vector, words, k, params)
}

/// The half of a search that needs no question vector, so it can run while the model loads: BM25's
/// candidates (none in dense mode).
pub fn by_words(lexical: &LexicalView, mode: Mode, text: &str, k: usize, params: &Params) -> Vec<Scored> {
    match mode {
        Mode::Dense => Vec::new(),
        Mode::Lexical => params.bm25.top_k(lexical, text, k),
        Mode::Hybrid => params.bm25.top_k(lexical, text, fusion_depth(k, params)),
    }
}

/// The other half, given the question's vector and [`by_words`]' candidates: the dense scan and the fusion.
pub fn by_meaning(vectors: &[f32], mode: Mode, vector: &[f32], words: Vec<Scored>, k: usize, params: &Params) -> Vec<Scored> {
    match mode {
        Mode::Dense => top_k(vectors, vector, k),
        Mode::Lexical => words,
        Mode::Hybrid => params.fusion.fuse(&top_k(vectors, vector, fusion_depth(k, params)), &words, k),
    }
}

/// Fusing fixed-depth lists keeps a passage's fused score independent of how many are asked for.
fn fusion_depth(k: usize, params: &Params) -> usize {
    k.max(params.fusion.depth)
}

/// The `k` highest-scoring of `scored`, best first, with a heap of `k`.
pub fn best(scored: impl Iterator<Item = Scored>, k: usize) -> Vec<Scored> {
    if k == 0 {
        return Vec::new();
    }
    let mut heap = BinaryHeap::with_capacity(k + 1);
    for candidate in scored {
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
