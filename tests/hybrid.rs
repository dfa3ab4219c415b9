//! Hybrid ranking end to end: exact keyword hits for short queries, the `--mode` flag, a lexical index that
//! follows incremental updates, CJK text, and `sqa eval` on a tiny dataset.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{corpus_copy, json_lines, line_of, run, sqa};

fn indexed_corpus() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = corpus_copy();
        let (out, _, stderr) = run(sqa(dir.path()).args(["index", "."]));
        assert!(out.status.success(), "index failed: {stderr}");
        dir
    })
    .path()
}

/// The top `k` hits of `question` in `mode`, as JSON objects.
fn query(dir: &Path, mode: &str, question: &str, k: &str) -> Vec<serde_json::Value> {
    let (out, stdout, stderr) = run(sqa(dir).args(["query", "--json", "--mode", mode, "-k", k, question]));
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1), "{stderr}");
    json_lines(&stdout)
}

#[test]
fn short_keyword_queries_find_the_exact_keyword_by_default() {
    let dir = indexed_corpus();
    // One word that appears in one section only, and two words from one heading.
    for (question, heading) in [("hasRef", "### `immediate.hasRef()`"), ("timeout refresh", "### `timeout.refresh()`")] {
        let (out, stdout, stderr) = run(sqa(dir).args(["query", "--json", "-k", "1", question]));
        assert!(out.status.success(), "{stderr}");
        let top = &json_lines(&stdout)[0];
        assert_eq!(top["path"], "nodejs/timers.md", "{question}: {top}");
        let line = line_of(&dir.join("nodejs/timers.md"), heading);
        let (start, end) = (top["start_line"].as_u64().unwrap(), top["end_line"].as_u64().unwrap());
        let text = top["text"].as_str().unwrap().to_lowercase();
        assert!(question.split(' ').all(|w| text.contains(&w.to_lowercase())), "{question}: {top}");
        assert!(question != "timeout refresh" || (start..=end).contains(&line), "{question}: {start}-{end} vs {line}");
    }
}

#[test]
fn every_lexical_hit_contains_a_query_word_and_dense_scores_are_cosines() {
    let dir = indexed_corpus();
    let hits = query(dir, "lexical", "setImmediate", "50");
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["text"].as_str().unwrap().to_lowercase().contains("setimmediate")));
    let dense = query(dir, "dense", "setImmediate", "5");
    assert_eq!(dense.len(), 5);
    assert!(dense.iter().all(|h| h["score"].as_f64().unwrap() <= 1.0001));
    // Words that appear nowhere: lexical finds nothing (exit 1), dense still ranks everything.
    let (out, stdout, _) = run(sqa(dir).args(["query", "--mode", "lexical", "zyzzyva"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.is_empty());
    assert_eq!(query(dir, "dense", "zyzzyva", "3").len(), 3);
}

#[test]
fn mode_flag_and_environment() {
    let dir = indexed_corpus();
    // Lexical mode needs no model at all.
    let (out, stdout, stderr) =
        run(sqa(dir).args(["query", "--json", "--mode", "lexical", "hasRef"]).env("SQA_MODEL", "/nonexistent/model"));
    assert!(out.status.success(), "{stderr}");
    assert!(!json_lines(&stdout).is_empty());
    // SQA_MODE picks the mode; a flag overrides it.
    let (out, _, stderr) = run(sqa(dir).args(["query", "hasRef"]).env("SQA_MODE", "lexical").env("SQA_MODEL", "/nonexistent"));
    assert!(out.status.success(), "{stderr}");
    let (out, _, stderr) = run(sqa(dir).args(["query", "--mode", "dense", "hasRef"]).env("SQA_MODE", "lexical").env("SQA_MODEL", "/nonexistent"));
    assert_eq!(out.status.code(), Some(2), "dense needs the model: {stderr}");
    let (out, _, stderr) = run(sqa(dir).args(["query", "--mode", "fuzzy", "hasRef"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("hybrid") && stderr.contains("lexical"), "{stderr}");
    // The three modes order the same passages differently, but hybrid's hits come from the other two.
    let question = "how do I cancel a timer";
    let hybrid = query(dir, "hybrid", question, "5");
    let pool: Vec<_> = [query(dir, "dense", question, "1000"), query(dir, "lexical", question, "1000")].concat();
    let place = |h: &serde_json::Value| (h["path"].clone(), h["start_line"].clone());
    assert!(hybrid.iter().all(|h| pool.iter().any(|p| place(p) == place(h))));
}

#[test]
fn the_lexical_index_follows_incremental_updates() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("a.md"), "# Travel\n\nWe sailed to Zanzibar in the spring.\n").unwrap();
    std::fs::write(root.join("b.md"), "# Cooking\n\nBake the bread for forty minutes.\n").unwrap();
    assert!(run(sqa(root).args(["index", "."])).0.status.success());
    let paths = |question: &str| -> Vec<String> {
        query(root, "lexical", question, "10").iter().map(|h| h["path"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(paths("zanzibar"), ["a.md"]);
    assert!(paths("quince").is_empty());

    std::fs::write(root.join("a.md"), "# Travel\n\nWe sailed to Madagascar in the spring.\n").unwrap();
    std::fs::write(root.join("b.md"), "# Cooking\n\nBake the bread for forty minutes.\n\nServe with quince jam.\n").unwrap();
    std::fs::write(root.join("c.md"), "Zanzibar is an archipelago.\n").unwrap();
    let (out, _, stderr) = run(sqa(root).arg("index"));
    assert!(out.status.success() && stderr.contains("1 added, 2 changed"), "{stderr}");
    assert_eq!(paths("zanzibar"), ["c.md"]);
    assert_eq!(paths("quince"), ["b.md"]);
    assert_eq!(paths("madagascar"), ["a.md"]);

    std::fs::remove_file(root.join("c.md")).unwrap();
    assert!(run(sqa(root).arg("index")).0.status.success());
    assert!(paths("zanzibar").is_empty());
    assert_eq!(paths("bread"), ["b.md"]);
}

#[test]
fn cjk_text_is_searchable_by_words() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tokyo.txt"), "東京タワーは東京の港区にある電波塔です。\n").unwrap();
    std::fs::write(dir.path().join("kyoto.txt"), "京都には多くの寺があります。\n").unwrap();
    std::fs::write(dir.path().join("english.txt"), "The tower stands in the city.\n").unwrap();
    assert!(run(sqa(dir.path()).args(["index", "."])).0.status.success());
    for mode in ["lexical", "hybrid"] {
        assert_eq!(query(dir.path(), mode, "東京タワー", "1")[0]["path"], "tokyo.txt", "{mode}");
        assert_eq!(query(dir.path(), mode, "寺", "1")[0]["path"], "kyoto.txt", "{mode}");
    }
}

#[test]
fn eval_scores_a_tiny_dataset() {
    let data = tempfile::tempdir().unwrap();
    let corpus = [
        ("d1", "Zebras", "Zebras are African equines with distinctive black-and-white striped coats."),
        ("d2", "Volcanoes", "A volcano is a rupture in the crust of a planet through which lava escapes."),
        ("d3", "Bread", "Bread is a staple food prepared from a dough of flour and water, usually by baking."),
    ];
    let lines: Vec<String> =
        corpus.iter().map(|(id, title, text)| serde_json::json!({"_id": id, "title": title, "text": text}).to_string()).collect();
    std::fs::write(data.path().join("corpus.jsonl"), lines.join("\n")).unwrap();
    std::fs::write(data.path().join("queries.tsv"), "q1\tstriped horses of Africa\nq2\thow is bread baked\nq3\tunjudged\n").unwrap();
    std::fs::write(data.path().join("qrels.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\n").unwrap();
    let work = tempfile::tempdir().unwrap();
    let (out, stdout, stderr) = run(sqa(data.path()).args(["eval", "."]).arg("--work").arg(work.path()));
    assert!(out.status.success(), "{stderr}");
    for mode in ["hybrid", "dense", "lexical"] {
        let row = stdout.lines().find(|l| l.contains(&format!("| {mode} |"))).unwrap_or_else(|| panic!("{stdout}"));
        // Two judged queries, each answered at rank 1.
        assert!(row.contains("| 2 | 1.0000 | 1.0000 | 1.0000 |"), "{row}");
    }
    assert!(work.path().join("corpus/d1.txt").is_file() && work.path().join(".sqa/CURRENT").is_file());
}
