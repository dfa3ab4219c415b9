//! End to end through the real binary, the real runtime and the real model, on the real corpus in tests/corpus.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::sync::OnceLock;

use common::{corpus_copy, json_lines, line_of, run, sqa};

/// One indexed copy of the corpus, shared by the read-only tests.
fn indexed_corpus() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = corpus_copy();
        let (out, _, stderr) = run(sqa(dir.path()).arg("index").arg("."));
        assert!(out.status.success(), "index failed: {stderr}");
        assert!(stderr.contains("indexed 4 files"), "summary: {stderr}");
        dir
    })
    .path()
}

#[test]
fn query_prints_the_passage_that_answers_with_its_lines() {
    let dir = indexed_corpus();
    // Dense mode prints cosine similarities; the default (hybrid) prints fused scores.
    let (out, stdout, stderr) = run(sqa(dir).args(["query", "--full", "--mode", "dense", "wait for a spawned thread to finish"]));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let header = stdout.lines().next().unwrap();
    let (score, location) = header.split_once("  ").unwrap();
    assert!(score.parse::<f32>().unwrap() > 0.4, "{header}");
    let (path, lines) = location.rsplit_once(':').unwrap();
    assert_eq!(path, "rust-book/ch16-01-threads.html");
    let (first, last): (u64, u64) = lines.split_once('-').map(|(f, l)| (f.parse().unwrap(), l.parse().unwrap())).unwrap();
    // The passage holding the section's heading or the one that opens its text: the two score within 0.005
    // of each other in fp32 (0.643 / 0.638), so quantisation may swap them.
    let heading = line_of(&dir.join(path), "Waiting for All Threads to Finish");
    assert!((first..=last).contains(&heading) || (heading < first && first <= heading + 2), "{header}: heading at {heading}");
    assert!(stdout.contains("JoinHandle"), "{stdout}");
    let headers = stdout.lines().filter(|l| !l.is_empty() && !l.starts_with("  ")).count();
    assert_eq!(headers, 10, "default -k is 10");
}

#[test]
fn json_lines_have_stable_fields_and_true_line_numbers() {
    let dir = indexed_corpus();
    let (out, stdout, _) = run(sqa(dir).args(["query", "--json", "-k", "3", "cancel a timer that was created earlier"]));
    assert!(out.status.success());
    let hits = json_lines(&stdout);
    assert_eq!(hits.len(), 3);
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "scores descend: {scores:?}");
    let top = &hits[0];
    assert_eq!(top["path"], "nodejs/timers.md");
    let (start, end) = (top["start_line"].as_u64().unwrap(), top["end_line"].as_u64().unwrap());
    assert!(start <= line_of(&dir.join("nodejs/timers.md"), "## Cancelling timers") && start <= end);
    // The passage is exactly the text on the lines it names.
    let file = std::fs::read_to_string(dir.join("nodejs/timers.md")).unwrap();
    let lines: Vec<&str> = file.lines().collect();
    let on_those_lines = lines[start as usize - 1..end as usize].join("\n");
    assert!(on_those_lines.contains(top["text"].as_str().unwrap()), "text is not on lines {start}-{end}");
}

#[test]
fn piped_text_is_searched_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read(common::corpus().join("nodejs/timers.md")).unwrap();
    let mut child = sqa(dir.path())
        .args(["query", "--json", "-k", "3", "cancel a timer that was created earlier"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let hits = json_lines(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(hits[0]["path"], "<stdin>");
    let heading = line_of(&common::corpus().join("nodejs/timers.md"), "## Cancelling timers");
    // Hybrid ranks "Cancels the immediate object…" (clearImmediate) first here, the section itself third.
    let spans: Vec<(u64, u64)> =
        hits.iter().map(|h| (h["start_line"].as_u64().unwrap(), h["end_line"].as_u64().unwrap())).collect();
    assert!(spans.iter().any(|&(start, end)| start <= heading && heading <= end), "{spans:?} vs {heading}");
    assert!(!dir.path().join(".sqa").exists(), "stdin mode must not write an index");
}

#[test]
fn files_from_stdin_indexes_exactly_the_listed_files() {
    let dir = corpus_copy();
    let mut child = sqa(dir.path()).args(["index", "--files-from", "-"]).stdin(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"nodejs/timers.md\n").unwrap();
    assert!(child.wait().unwrap().success());
    let (out, stdout, _) = run(sqa(dir.path()).args(["query", "--json", "-k", "50", "threads"]));
    assert!(out.status.success());
    let hits = json_lines(&stdout);
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["path"] == "nodejs/timers.md"), "{stdout}");
}

#[test]
fn query_from_a_subdirectory_finds_the_index_upward_and_prints_relative_paths() {
    let dir = indexed_corpus();
    let (out, stdout, _) = run(sqa(&dir.join("rust-book")).args(["query", "--json", "-k", "1", "spawn a new thread"]));
    assert!(out.status.success());
    assert_eq!(json_lines(&stdout)[0]["path"], "ch16-01-threads.html");
}

#[test]
fn reindexing_swaps_generations_and_leaves_no_debris() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "Around 9 Million people live in London.\n").unwrap();
    for _ in 0..2 {
        assert!(run(sqa(dir.path()).args(["index", "."])).0.status.success());
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join(".sqa"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["CURRENT", "LOCK", "gen-000002"]);
}

#[test]
fn an_empty_index_finds_nothing_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    assert!(run(sqa(dir.path()).args(["index", "empty"])).0.status.success());
    let (out, stdout, stderr) = run(sqa(dir.path()).args(["query", "anything"]));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stdout.is_empty() && stderr.is_empty());
}

/// Errors are one line on stderr, prefixed `sqa: `, naming what is missing; exit status 2.
fn assert_one_line_error(out: &std::process::Output, stderr: &str, names: &str) {
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("sqa: ") && stderr.contains(names), "{stderr}");
}

#[test]
fn missing_model_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _, stderr) = run(sqa(dir.path()).args(["index", "."]).env("SQA_MODEL", "/nonexistent/model"));
    assert_one_line_error(&out, &stderr, "no model at /nonexistent/model");
    assert!(stderr.contains("fetch-assets"), "says how to get one: {stderr}");
}

#[test]
fn missing_runtime_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let bad = "/nonexistent/libonnxruntime.so";
    let (out, _, stderr) = run(sqa(dir.path()).args(["index", "."]).env("ORT_DYLIB_PATH", bad));
    assert_one_line_error(&out, &stderr, bad);
    // Nothing in the asset directory and nothing on the system path either.
    let (out, _, stderr) =
        run(sqa(dir.path()).args(["index", "."]).env_remove("ORT_DYLIB_PATH").env("XDG_CACHE_HOME", dir.path()));
    assert_one_line_error(&out, &stderr, "libonnxruntime.so");
    assert!(!dir.path().join(".sqa").exists(), "no index is written when the model cannot run");
}

#[test]
fn a_mistyped_path_is_an_error_and_leaves_no_index() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _, stderr) = run(sqa(dir.path()).args(["index", "no-such-folder"]));
    assert_one_line_error(&out, &stderr, "no-such-folder");
    assert!(!dir.path().join(".sqa").exists(), "no index is written");
}

#[test]
fn missing_index_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _, stderr) = run(sqa(dir.path()).args(["query", "anything"]));
    assert_one_line_error(&out, &stderr, "no index found");
    let (out, _, stderr) = run(sqa(dir.path()).args(["query", "--index", "nowhere/.sqa", "anything"]));
    assert_one_line_error(&out, &stderr, "nowhere/.sqa");
}

#[test]
fn an_index_built_with_another_model_is_refused() {
    let dir = indexed_corpus();
    let other = tempfile::tempdir().unwrap();
    let renamed = other.path().join("some-other-model");
    std::fs::create_dir(&renamed).unwrap();
    for file in ["model.onnx", "tokenizer.json"] {
        std::fs::hard_link(common::model_dir().join(file), renamed.join(file)).unwrap();
    }
    let (out, _, stderr) = run(sqa(dir).args(["query", "threads"]).env("SQA_MODEL", &renamed));
    assert_one_line_error(&out, &stderr, "was built with model all-MiniLM-L6-v2");
}
