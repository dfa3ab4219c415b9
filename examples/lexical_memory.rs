//! Feeds every UTF-8 text file under a folder to the lexical builder, cut into ~1 KB passages at line ends,
//! and writes lexical.bin, to measure the builder's memory at scale without the model (the run files go to
//! OUT_DIR too; BUDGET defaults to the indexer's):
//!
//!     cargo build --release --example lexical_memory
//!     /usr/bin/time -f "%e s %M KB" target/release/examples/lexical_memory FOLDER OUT_DIR [BUDGET]

use std::path::{Path, PathBuf};

use sqa::store::{LexicalWriter, SPILL_BUDGET};

/// Passages end at the first line end at or past this many bytes.
const PASSAGE_BYTES: usize = 1024;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (folder, out_dir, budget) = match &args[..] {
        [_, folder, out_dir] => (folder, out_dir, SPILL_BUDGET),
        [_, folder, out_dir, budget] => (folder, out_dir, budget.parse()?),
        _ => return Err("usage: lexical_memory FOLDER OUT_DIR [BUDGET]".into()),
    };
    let mut builder = LexicalWriter::new(Path::new(out_dir), budget);
    let mut passages = 0usize;
    for path in text_files(Path::new(folder)) {
        let Some(text) = read_text(&path) else { continue };
        for passage in cut(&text) {
            builder.add(passage)?;
            passages += 1;
        }
    }
    let out = PathBuf::from(out_dir).join("lexical.bin");
    let len = builder.finish(&out, 64 * 1024)?.len;
    let mut header = [0u8; 16];
    std::io::Read::read_exact(&mut std::fs::File::open(&out)?, &mut header)?;
    let terms = u32::from_le_bytes(header[12..16].try_into()?);
    println!("{passages} passages, {terms} terms, {len} bytes");
    Ok(())
}

/// Regular files under `root`, in a fixed order (so two builds see the same passages), symlinks not followed.
fn text_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(entry.path()),
                Ok(t) if t.is_file() => files.push(entry.path()),
                _ => {}
            }
        }
    }
    files
}

/// The file's text, if it is UTF-8 without NUL bytes.
fn read_text(path: &Path) -> Option<String> {
    let text = String::from_utf8(std::fs::read(path).ok()?).ok()?;
    (!text.contains('\0')).then_some(text)
}

/// ~1 KB pieces ending at line ends.
fn cut(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        // A newline byte never sits inside a multi-byte character, so cutting after one is always valid.
        let from = PASSAGE_BYTES.min(rest.len());
        let end = rest.as_bytes()[from..].iter().position(|&b| b == b'\n').map_or(rest.len(), |at| from + at + 1);
        let (passage, tail) = rest.split_at(end);
        rest = tail;
        Some(passage)
    })
}
