//! Writes an index of N synthetic passages (random unit vectors, short texts) for query benchmarks at sizes
//! that would take days to embed here. The index claims the given model, so `sqa query` with that model
//! embeds the question for real and scans these vectors.
//!
//!     cargo run --release --example synthetic_index -- DIR N MODEL_DIR

use std::path::PathBuf;

use sqa::chunk::Passage;
use sqa::model::ModelFiles;
use sqa::store::{FileEntry, FileStamp, IndexWriter, INDEX_DIR_NAME};

/// Passages per synthetic file.
const PER_FILE: usize = 1000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, count, model] = &args[..] else {
        return Err("usage: synthetic_index DIR N MODEL_DIR".into());
    };
    let count: usize = count.parse()?;
    let model = ModelFiles::locate(Some(&PathBuf::from(model)))?;
    let dims = 384;
    let root = PathBuf::from(dir).join(INDEX_DIR_NAME);
    let mut writer = IndexWriter::create(&root, model.info()?, dims, vec![b".".to_vec()])?;
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut file = 0;
    for i in 0..count {
        if i % PER_FILE == 0 {
            file = writer.add_file(synthetic_file(dir, i / PER_FILE)?);
        }
        let text = format!("synthetic passage {i} about topic {}", i % 97);
        let passage = Passage { byte_range: 0..text.len(), first_line: 1, last_line: 1, word_pieces: 8, text };
        writer.add_passage(file, &passage, &unit_vector(&mut seed, dims))?;
    }
    writer.commit()?;
    Ok(())
}

/// A real (small) file per thousand passages, so the index is not stale and its hits are printed.
fn synthetic_file(dir: &str, n: usize) -> std::io::Result<FileEntry> {
    let relative = format!("synthetic/{n:05}.txt");
    let path = PathBuf::from(dir).join(&relative);
    std::fs::create_dir_all(path.parent().expect("has a parent"))?;
    std::fs::write(&path, format!("synthetic file {n}\n"))?;
    let stamp = FileStamp::of(&std::fs::metadata(&path)?);
    Ok(FileEntry { path: relative.into_bytes(), size: stamp.size, mtime_ns: stamp.mtime_ns, content_hash: 0 })
}

/// A random direction: Gaussian coordinates (Box-Muller over a xorshift generator), normalised.
fn unit_vector(seed: &mut u64, dims: usize) -> Vec<f32> {
    let mut uniform = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        ((*seed >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut v: Vec<f32> = (0..dims)
        .map(|_| ((-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos()) as f32)
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    v
}
