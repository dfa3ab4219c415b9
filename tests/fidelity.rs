//! Embeddings through the real runtime match sentence-transformers on the same weights
//! (reference vectors: tests/data/reference.json, made by scripts/make-reference.py).

mod common;

use sqa::model::{Embedder, ModelFiles, Workload};
use sqa::search::dot;

struct Reference {
    texts: Vec<String>,
    vectors: Vec<Vec<f32>>,
}

fn reference() -> Reference {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/reference.json");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let texts = json["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_owned()).collect();
    let vectors = json["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect())
        .collect();
    Reference { texts, vectors }
}

fn embedder() -> Embedder {
    load(&common::model_dir())
}

fn load(dir: &std::path::Path) -> Embedder {
    let files = ModelFiles::locate(Some(dir)).unwrap();
    Embedder::load(&files, None, Workload::Many { threads: 2 }).unwrap()
}

/// The worst cosine of `embedder`'s vectors to the reference, all texts in one padded batch (so padding
/// must not change any vector either).
fn worst_cosine(embedder: &mut Embedder, reference: &Reference, floor: f32) -> f32 {
    assert_eq!(embedder.dims(), 384);
    let texts: Vec<&str> = reference.texts.iter().map(String::as_str).collect();
    let ours = embedder.embed(&texts).unwrap();
    let mut worst = 1.0f32;
    for (i, expected) in reference.vectors.iter().enumerate() {
        let vector = &ours[i * 384..][..384];
        assert!((dot(vector, vector) - 1.0).abs() < 1e-4, "vector {i} is not unit length");
        let cosine = dot(vector, expected);
        worst = worst.min(cosine);
        assert!(cosine >= floor, "text {i} ({:.40}…): cosine {cosine} < {floor}", reference.texts[i]);
    }
    worst
}

/// The model file sqa uses: int8 weights and activations cost a little fidelity, bounded here
/// (the bar of issue 5: cosine ≥ 0.99 to fp32; measured worst 0.992 on these texts).
#[test]
fn vectors_match_sentence_transformers() {
    let worst = worst_cosine(&mut embedder(), &reference(), 0.99);
    eprintln!("fidelity: worst cosine to sentence-transformers fp32 = {worst:.5}");
}

/// The same graph unquantised (scripts/build-model.py --fp32) is exact: the graph itself is right,
/// and all the loss above is quantisation.
#[test]
fn fp32_build_is_exact() {
    let dir = common::model_dir().with_file_name("all-MiniLM-L6-v2-fp32");
    let worst = worst_cosine(&mut load(&dir), &reference(), 0.99999);
    eprintln!("fidelity of the fp32 build: worst cosine = {worst:.7}");
}

/// A text's vector depends on that text alone: not on what it is embedded with, nor on which of several
/// parallel sessions runs it.
#[test]
fn batching_does_not_change_vectors() {
    let reference = reference();
    let mut alone = embedder();
    let mut parallel = embedder().with_sessions(2);
    let texts: Vec<&str> = reference.texts.iter().map(String::as_str).collect();
    let together = parallel.embed_all(&texts, 4).unwrap();
    for (i, text) in texts.iter().enumerate() {
        let by_itself = alone.embed(&[text]).unwrap();
        let cosine = dot(&by_itself, &together[i * 384..][..384]);
        assert!(cosine > 0.99999, "text {i}: cosine {cosine} between alone and batched");
    }
}

/// A query's question is embedded by a session started for one text (weights not pre-packed): for texts of
/// a question's length its vectors are those of the indexing sessions; long passages differ by float
/// rounding in the other kernel (measured 0.99966 on the 700-character ones).
#[test]
fn question_session_matches_the_indexing_sessions() {
    let reference = reference();
    let files = ModelFiles::locate(Some(&common::model_dir())).unwrap();
    let mut question = Embedder::load(&files, None, Workload::Few).unwrap();
    let mut indexing = embedder();
    for (i, text) in reference.texts.iter().enumerate() {
        let cosine = dot(&question.embed(&[text]).unwrap(), &indexing.embed(&[text]).unwrap());
        let floor = if text.len() < 100 { 0.99999 } else { 0.999 };
        assert!(cosine > floor, "text {i} ({} chars): cosine {cosine} between the two sessions", text.len());
    }
}

#[test]
fn london_example_ranks_the_population_sentence_first() {
    let mut embedder = embedder();
    let texts =
        ["How many people live in London?", "Around 9 Million people live in London", "London is known for its financial district"];
    let v = embedder.embed(&texts).unwrap();
    let (population, finance) = (dot(&v[..384], &v[384..768]), dot(&v[..384], &v[768..]));
    eprintln!("London: population {population:.4}, finance {finance:.4} (sentence-transformers: 0.8824, 0.4583)");
    // sentence-transformers gives 0.882 and 0.458 on these weights.
    assert!((population - 0.882).abs() < 0.02, "population score {population}");
    assert!((finance - 0.458).abs() < 0.02, "finance score {finance}");
}
