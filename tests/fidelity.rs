//! Embeddings through the real runtime match sentence-transformers on the same weights
//! (reference vectors: tests/data/reference.json, made by scripts/make-reference.py).

mod common;

use sqa::model::{Embedder, ModelFiles};
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
    let files = ModelFiles::locate(Some(&common::model_dir())).unwrap();
    Embedder::load(&files, None, 2).unwrap()
}

#[test]
fn vectors_match_sentence_transformers() {
    let reference = reference();
    let mut embedder = embedder();
    assert_eq!(embedder.dims(), 384);
    let texts: Vec<&str> = reference.texts.iter().map(String::as_str).collect();
    // One padded batch, so padding must not change any vector.
    let ours = embedder.embed(&texts).unwrap();
    let mut worst = 1.0f32;
    for (i, expected) in reference.vectors.iter().enumerate() {
        let vector = &ours[i * 384..][..384];
        assert!((dot(vector, vector) - 1.0).abs() < 1e-4, "vector {i} is not unit length");
        let cosine = dot(vector, expected);
        worst = worst.min(cosine);
        assert!(cosine >= 0.995, "text {i} ({:.40}…): cosine {cosine} < 0.995", reference.texts[i]);
    }
    eprintln!("fidelity: worst cosine to sentence-transformers fp32 = {worst:.5}");
}

#[test]
fn batching_does_not_change_vectors() {
    let reference = reference();
    let mut embedder = embedder();
    let texts: Vec<&str> = reference.texts.iter().map(String::as_str).collect();
    let together = embedder.embed_all(&texts, 4).unwrap();
    for (i, text) in texts.iter().enumerate() {
        let alone = embedder.embed(&[text]).unwrap();
        let cosine = dot(&alone, &together[i * 384..][..384]);
        assert!(cosine > 0.9999, "text {i}: cosine {cosine} between alone and batched");
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
