//! `sqa eval`: retrieval quality on a BEIR-style dataset, scored as trec_eval scores it.
//!
//! Documents become files, the normal indexer indexes them, and every query runs in-process against that
//! index in each mode. A document's score is that of its best passage (about half of SciFact's abstracts
//! span two passages).

pub mod dataset;
pub mod metrics;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use dataset::Dataset;

use crate::search::{search, Mode, Params};
use crate::store::{path_from_bytes, Index, StoreError};

/// Passages fetched per query: enough to fill 100 distinct documents.
const PASSAGES: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}: {message}", path.display())]
    Format { path: PathBuf, line: usize, message: String },
}

/// Mean scores over a split's queries.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scores {
    pub ndcg10: f64,
    pub recall10: f64,
    pub recall100: f64,
    pub queries: usize,
    /// Ranking time only (the questions were embedded before).
    pub elapsed: Duration,
}

/// Runs every query of `dataset` against `index` in `mode`; `vectors` holds the queries' embeddings,
/// row-major in the order of `dataset.queries` (empty for lexical mode).
pub fn evaluate(index: &Index, dataset: &Dataset, vectors: &[f32], mode: Mode, params: &Params) -> Result<Scores, StoreError> {
    let docs = doc_of_row(index)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dims = index.meta.dims as usize;
    let started = Instant::now();
    let mut sum = Scores { queries: dataset.queries.len(), ..Scores::default() };
    for (i, (id, text)) in dataset.queries.iter().enumerate() {
        let vector = vectors.get(i * dims..(i + 1) * dims).unwrap_or(&[]);
        let ranked = documents(&search(index, mode, text, vector, PASSAGES, params, threads)?, &docs);
        let judged = &dataset.judged[id];
        sum.ndcg10 += metrics::ndcg_at(&ranked, judged, 10);
        sum.recall10 += metrics::recall_at(&ranked, judged, 10);
        sum.recall100 += metrics::recall_at(&ranked, judged, 100);
    }
    let n = sum.queries.max(1) as f64;
    Ok(Scores { ndcg10: sum.ndcg10 / n, recall10: sum.recall10 / n, recall100: sum.recall100 / n, elapsed: started.elapsed(), ..sum })
}

/// The document id of every passage, from its file's name.
fn doc_of_row(index: &Index) -> Result<Vec<String>, StoreError> {
    let ids: Vec<String> = index
        .meta
        .files
        .iter()
        .map(|f| dataset::id_of(&path_from_bytes(&f.path).file_name().unwrap_or_default().to_string_lossy()))
        .collect();
    (0..index.len()).map(|row| Ok(ids.get(index.entry(row)?.file as usize).cloned().unwrap_or_default())).collect()
}

/// Ranked passages → ranked documents, each at the rank of its best passage.
fn documents<'a>(passages: &[crate::search::Scored], docs: &'a [String]) -> Vec<&'a str> {
    let mut seen = HashMap::new();
    passages.iter().map(|p| docs[p.row].as_str()).filter(|doc| seen.insert(*doc, ()).is_none()).collect()
}
