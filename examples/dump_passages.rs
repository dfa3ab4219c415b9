//! Prints, one JSON string per line, the passages sqa would embed for the given files (its own chunking), so
//! the reference runs of the speed benchmark embed exactly the same texts.
//!
//!     cargo run --release --example dump_passages -- MODEL_DIR FILE...

use std::path::PathBuf;

use sqa::chunk::Chunker;
use sqa::model::ModelFiles;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (model, files) = args.split_first().ok_or("usage: dump_passages MODEL_DIR FILE...")?;
    let model = ModelFiles::locate(Some(&PathBuf::from(model)))?;
    let tokenizer = tokenizers::Tokenizer::from_file(&model.tokenizer).map_err(|e| e.to_string())?;
    let chunker = Chunker::new(tokenizer);
    for file in files {
        let loaded = sqa::source::load(&PathBuf::from(file), u64::MAX).map_err(|e| format!("{file}: {e}"))?;
        for passage in chunker.split(&loaded.document)? {
            println!("{}", serde_json::to_string(&passage.text)?);
        }
    }
    Ok(())
}
