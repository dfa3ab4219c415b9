//! Index + question → ranked passages, three ways: by meaning (dense vectors), by words (BM25), or both fused.

pub mod dense;
pub mod fusion;
pub mod lexical;

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

pub use dense::{dot, top_k, top_k_index};
pub use fusion::Fusion;
pub use lexical::{tokens, Bm25};

use crate::store::{Index, LexicalView, StoreError};

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

/// The `k` best passages of `index` for a question (its text, and its vector unless `mode` is lexical), the
/// dense scan on `threads` threads. Damage found in what the ranking reads is an error.
pub fn search(index: &Index, mode: Mode, text: &str, vector: &[f32], k: usize, params: &Params, threads: usize) -> Result<Vec<Scored>, StoreError> {
    let words = by_words(index, mode, text, k, params)?;
    by_meaning(index, mode, vector, words, k, params, threads)
}

/// The half of [`search`] that needs no question vector, so it can run while the model loads: BM25's
/// candidates (none in dense mode).
pub fn by_words(index: &Index, mode: Mode, text: &str, k: usize, params: &Params) -> Result<Vec<Scored>, StoreError> {
    match mode {
        Mode::Dense => Ok(Vec::new()),
        _ => Ok(params.bm25.top_k(&index.lexical()?, text, words_depth(mode, k, params))),
    }
}

/// The other half, given the question's vector and [`by_words`]' candidates: the dense scan and the fusion.
pub fn by_meaning(
    index: &Index,
    mode: Mode,
    vector: &[f32],
    words: Vec<Scored>,
    k: usize,
    params: &Params,
    threads: usize,
) -> Result<Vec<Scored>, StoreError> {
    combine(mode, words, k, params, |depth| dense::top_k_index(index, vector, depth, threads))
}

/// [`search`] over passages held in memory: their vectors (row-major) and their postings.
pub fn rank(
    vectors: &[f32],
    lexical: &LexicalView,
    mode: Mode,
    text: &str,
    vector: &[f32],
    k: usize,
    params: &Params,
) -> Vec<Scored> {
    let words = if mode == Mode::Dense { Vec::new() } else { params.bm25.top_k(lexical, text, words_depth(mode, k, params)) };
    let ranked = combine(mode, words, k, params, |depth| Ok::<_, std::convert::Infallible>(top_k(vectors, vector, depth)));
    ranked.unwrap_or_else(|never| match never {})
}

/// The ranking `mode` asks for, from BM25's candidates and a dense top-k of a given depth.
fn combine<E>(mode: Mode, words: Vec<Scored>, k: usize, params: &Params, dense: impl FnOnce(usize) -> Result<Vec<Scored>, E>) -> Result<Vec<Scored>, E> {
    Ok(match mode {
        Mode::Dense => dense(k)?,
        Mode::Lexical => words,
        Mode::Hybrid => params.fusion.fuse(&dense(fusion_depth(k, params))?, &words, k),
    })
}

/// How many BM25 candidates `mode` needs.
fn words_depth(mode: Mode, k: usize, params: &Params) -> usize {
    if mode == Mode::Hybrid { fusion_depth(k, params) } else { k }
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
