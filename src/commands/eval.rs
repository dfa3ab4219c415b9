//! `sqa eval DATASET_DIR`: index a BEIR-style dataset with the normal indexer, run its queries in-process,
//! print nDCG@10, Recall@10 and Recall@100 per mode as a Markdown table.

use std::time::Instant;

use anyhow::{Context, Result};
use sqa::eval::{evaluate, Dataset, Scores};
use sqa::indexer::IndexOptions;
use sqa::search::fusion::Method;
use sqa::search::{Bm25, Fusion, Mode, Params};
use sqa::store::Index;

use super::{load_embedder, Outcome};
use crate::cli::{EvalArgs, GlobalArgs};

/// Queries per model call.
const QUERY_BATCH: usize = 32;

pub fn run(args: &EvalArgs, global: &GlobalArgs) -> Result<Outcome> {
    let started = Instant::now();
    let dataset = Dataset::load(&args.dataset, &args.split)?;
    let work = match &args.work {
        Some(dir) => dir.clone(),
        None => sqa::dirs::asset_dir().context("HOME or XDG_CACHE_HOME is not set")?.join("eval").join(&dataset.name),
    };
    let corpus_dir = work.join("corpus");
    let written = dataset.write_corpus(&corpus_dir)?;
    eprintln!("sqa: {}: {} documents ({written} written) in {}", dataset.name, dataset.corpus.len(), corpus_dir.display());
    let index_dir = global.index.clone().unwrap_or_else(|| work.join(".sqa"));
    if let super::Outcome::Interrupted = super::index::update(&index_dir, &[corpus_dir], &IndexOptions::refresh(), global)? {
        return Ok(Outcome::Interrupted);
    }
    let index = Index::open(&index_dir)?;

    let modes: Vec<Mode> = if args.mode.is_empty() { Mode::ALL.to_vec() } else { args.mode.iter().map(|&m| m.into()).collect() };
    let embedding = Instant::now();
    let vectors = if modes.iter().any(|m| m.needs_model()) || args.tune { embed_queries(&dataset, &index, global)? } else { Vec::new() };
    eprintln!("sqa: embedded {} queries in {:.1} s", dataset.queries.len(), embedding.elapsed().as_secs_f64());

    if args.tune {
        tune(&index, &dataset, &vectors)?;
    }
    println!("| dataset | split | mode | queries | nDCG@10 | R@10 | R@100 | ms/query |");
    println!("|---|---|---|---|---|---|---|---|");
    for mode in modes {
        let scores = evaluate(&index, &dataset, &vectors, mode, &Params::default())?;
        println!("{}", row(&dataset, mode.name(), &scores));
    }
    eprintln!(
        "sqa: {} passages; index {}; total {:.1} s",
        index.len(),
        index_dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(Outcome::Found)
}

fn embed_queries(dataset: &Dataset, index: &Index, global: &GlobalArgs) -> Result<Vec<f32>> {
    let mut embedder = load_embedder(global, None, super::many_texts(global))?.with_sessions(super::threads(global));
    index.check_model(embedder.info(), embedder.dims())?;
    let texts: Vec<&str> = dataset.queries.iter().map(|(_, text)| text.as_str()).collect();
    Ok(embedder.embed_all(&texts, QUERY_BATCH)?)
}

fn row(dataset: &Dataset, mode: &str, s: &Scores) -> String {
    let per_query = s.elapsed.as_secs_f64() * 1000.0 / s.queries.max(1) as f64;
    format!(
        "| {} | {} | {mode} | {} | {:.4} | {:.4} | {:.4} | {per_query:.2} |",
        dataset.name, dataset.split, s.queries, s.ndcg10, s.recall10, s.recall100
    )
}

/// Sweeps BM25's k1 and b (lexical mode), then RRF's k and the blend weight (hybrid mode, with the default
/// BM25 parameters), printing one table row per setting.
fn tune(index: &Index, dataset: &Dataset, vectors: &[f32]) -> Result<()> {
    let mut settings: Vec<(String, Mode, Params)> = Vec::new();
    for k1 in [0.6, 0.9, 1.2, 1.5] {
        for b in [0.3, 0.4, 0.6, 0.75] {
            let params = Params { bm25: Bm25 { k1, b }, ..Params::default() };
            settings.push((format!("lexical k1={k1} b={b}"), Mode::Lexical, params));
        }
    }
    // Depth is not swept: evaluation fetches 1000 passages, and fusion never takes fewer than it is asked for.
    let depth = Fusion::default().depth;
    for k in [5.0, 10.0, 20.0, 40.0, 60.0, 100.0] {
        let fusion = Fusion { method: Method::Rrf { k }, depth };
        settings.push((format!("hybrid rrf k={k}"), Mode::Hybrid, Params { fusion, ..Params::default() }));
    }
    for dense_weight in [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8] {
        let fusion = Fusion { method: Method::Blend { dense_weight }, depth };
        settings.push((format!("hybrid blend w={dense_weight}"), Mode::Hybrid, Params { fusion, ..Params::default() }));
    }
    println!("| setting | nDCG@10 | R@10 | R@100 |");
    println!("|---|---|---|---|");
    for (name, mode, params) in settings {
        let s = evaluate(index, dataset, vectors, mode, &params)?;
        println!("| {name} | {:.4} | {:.4} | {:.4} |", s.ndcg10, s.recall10, s.recall100);
    }
    println!();
    Ok(())
}

