//! A BEIR-style dataset on disk: `corpus.jsonl`, queries and relevance judgments as TSV.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::metrics::Judged;
use super::EvalError;

/// One document of `corpus.jsonl`.
#[derive(Debug, serde::Deserialize)]
pub struct Document {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub text: String,
}

pub struct Dataset {
    pub name: String,
    pub split: String,
    pub corpus: Vec<Document>,
    /// (query id, text), only those with at least one judgment.
    pub queries: Vec<(String, String)>,
    pub judged: HashMap<String, Judged>,
}

impl Dataset {
    /// Reads `dir`: split `test` is `queries.tsv` + `qrels.tsv`, any other split S is `S_queries.tsv` +
    /// `S_qrels.tsv`. A header line (as BEIR's qrels have) is skipped.
    pub fn load(dir: &Path, split: &str) -> Result<Dataset, EvalError> {
        let prefix = if split == "test" { String::new() } else { format!("{split}_") };
        let corpus = read(&dir.join("corpus.jsonl"))?
            .lines()
            .filter(|line| !line.trim().is_empty())
            .enumerate()
            .map(|(i, line)| serde_json::from_str(line).map_err(|e| bad(&dir.join("corpus.jsonl"), i, e)))
            .collect::<Result<Vec<Document>, _>>()?;
        let mut judged: HashMap<String, Judged> = HashMap::new();
        for [query, doc, grade] in tsv::<3>(&dir.join(format!("{prefix}qrels.tsv")))? {
            let Ok(grade) = grade.parse::<u32>() else { continue }; // header
            judged.entry(query).or_default().insert(doc, grade);
        }
        let queries = tsv::<2>(&dir.join(format!("{prefix}queries.tsv")))?
            .into_iter()
            .filter(|[id, _]| judged.contains_key(id))
            .map(|[id, text]| (id, text))
            .collect();
        let name = dir.canonicalize().unwrap_or(dir.to_path_buf()).file_name().map_or("dataset".into(), |n| n.to_string_lossy().into_owned());
        Ok(Dataset { name, split: split.to_owned(), corpus, queries, judged })
    }

    /// Writes each document as `<id>.txt` (title, blank line, text) into `dir`; files already holding those
    /// bytes are left alone, so their timestamps stay and re-indexing reuses them. Returns how many were written.
    pub fn write_corpus(&self, dir: &Path) -> Result<usize, EvalError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let mut written = 0;
        for doc in &self.corpus {
            let path = dir.join(file_name(&doc.id));
            let body = format!("{}\n\n{}\n", doc.title, doc.text);
            if std::fs::read(&path).ok().as_deref() != Some(body.as_bytes()) {
                std::fs::write(&path, body).map_err(io(&path))?;
                written += 1;
            }
        }
        Ok(written)
    }
}

/// A file name for a document id: `/` and `%` escaped, and a leading `.` too (hidden files are not indexed).
pub fn file_name(id: &str) -> String {
    let mut name = String::with_capacity(id.len() + 4);
    for (i, c) in id.chars().enumerate() {
        match c {
            '/' => name.push_str("%2F"),
            '%' => name.push_str("%25"),
            '.' if i == 0 => name.push_str("%2E"),
            c => name.push(c),
        }
    }
    name + ".txt"
}

/// The document id a file name came from.
pub fn id_of(file_name: &str) -> String {
    let stem = file_name.strip_suffix(".txt").unwrap_or(file_name);
    stem.replace("%2F", "/").replace("%2E", ".").replace("%25", "%")
}

fn tsv<const N: usize>(path: &Path) -> Result<Vec<[String; N]>, EvalError> {
    read(path)?
        .lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let fields: Vec<String> = line.splitn(N, '\t').map(|f| f.trim().to_owned()).collect();
            fields.try_into().map_err(|_| bad(path, i, format!("expected {N} tab-separated fields")))
        })
        .collect()
}

fn read(path: &Path) -> Result<String, EvalError> {
    std::fs::read_to_string(path).map_err(io(path))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EvalError + '_ {
    move |source| EvalError::Io { path: path.to_path_buf(), source }
}

fn bad(path: &Path, line: usize, message: impl ToString) -> EvalError {
    EvalError::Format { path: PathBuf::from(path), line: line + 1, message: message.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_survive_as_file_names() {
        for id in ["4983", "a/b", ".hidden", "50%"] {
            assert_eq!(id_of(&file_name(id)), id);
            assert!(!file_name(id).contains('/') && !file_name(id).starts_with('.'));
        }
    }
}
