//! Everyday use through the binary: output modes, exit codes, pipes, colour, status, help.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::OnceLock;

use common::{corpus_copy, json_lines, line_of, run, sqa};

fn indexed_corpus() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = corpus_copy();
        assert!(run(sqa(dir.path()).args(["index", "."])).0.status.success());
        dir
    })
    .path()
}

#[test]
fn files_with_matches_lists_each_file_once_best_first() {
    let (out, stdout, _) = run(sqa(indexed_corpus()).args(["query", "-l", "spawn a thread and join it"]));
    assert_eq!(out.status.code(), Some(0));
    let files: Vec<&str> = stdout.lines().collect();
    assert_eq!(files[0], "rust-book/ch16-01-threads.html");
    let mut unique = files.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), files.len(), "{stdout}");
    assert_eq!(files.len(), 4, "every file of the corpus matches something");
}

#[test]
fn min_score_filters_and_nothing_left_exits_1() {
    let dir = indexed_corpus();
    // Cosines are absolute; hybrid's fused scores are relative to the best hit.
    let (out, stdout, _) = run(sqa(dir).args(["query", "--mode", "dense", "--json", "--min-score", "0.45", "cancel a timer"]));
    assert_eq!(out.status.code(), Some(0));
    let hits = json_lines(&stdout);
    assert!(!hits.is_empty() && hits.iter().all(|h| h["score"].as_f64().unwrap() >= 0.45));
    let (out, stdout, stderr) = run(sqa(dir).args(["query", "--mode", "dense", "--min-score", "0.99", "cancel a timer"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.is_empty() && stderr.is_empty());
}

#[test]
fn passages_are_trimmed_unless_full() {
    let dir = indexed_corpus();
    let (_, trimmed, _) = run(sqa(dir).args(["query", "-k", "1", "cancel a timer"]));
    let (_, full, _) = run(sqa(dir).args(["query", "-k", "1", "--full", "cancel a timer"]));
    assert!(trimmed.contains("more lines (--full shows them)"), "{trimmed}");
    assert!(!full.contains("more lines") && full.lines().count() > trimmed.lines().count());
}

#[test]
fn context_lines_come_from_the_file_numbered_like_rg() {
    let dir = indexed_corpus();
    let (out, stdout, _) = run(sqa(dir).args(["query", "-k", "1", "-C", "2", "cancel a timer"]));
    assert!(out.status.success());
    let file = dir.join("nodejs/timers.md");
    let source: Vec<String> = std::fs::read_to_string(&file).unwrap().lines().map(str::to_owned).collect();
    let heading = line_of(&file, "## Cancelling timers");
    assert!(stdout.contains(&format!("  {heading}:## Cancelling timers\n")), "{stdout}");
    let before = heading - 2;
    assert!(stdout.contains(&format!("  {before}-{}\n", source[before as usize - 1])), "{stdout}");
    let (_, json, _) = run(sqa(dir).args(["query", "--json", "-k", "1", "-C", "1", "cancel a timer"]));
    let hit = &json_lines(&json)[0];
    assert_eq!(hit["context_before"][0]["line"], heading - 1);
    let after = &hit["context_after"][0];
    let end = hit["end_line"].as_u64().unwrap();
    assert_eq!(after["line"], end + 1);
    assert_eq!(after["text"], source[end as usize].as_str());
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let dir = indexed_corpus();
    let (_, always, _) = run(sqa(dir).args(["query", "-k", "1", "--color", "always", "threads"]));
    assert!(always.contains("\x1b[35m"), "{always:?}");
    let (_, never, _) = run(sqa(dir).args(["query", "-k", "1", "--color", "never", "threads"]));
    assert!(!never.contains('\x1b'));
    let (_, piped, _) = run(sqa(dir).args(["query", "-k", "1", "threads"]));
    assert!(!piped.contains('\x1b'), "auto: no colour into a pipe");
    if which("script") {
        // Under a pseudo-terminal, auto colours unless NO_COLOR is set.
        let binary = env!("CARGO_BIN_EXE_sqa");
        let tty = |no_color: bool| {
            let mut command = std::process::Command::new("script");
            command.args(["-qec", &format!("{binary} query -k 1 threads"), "/dev/null"]).current_dir(dir);
            command.env("SQA_MODEL", common::model_dir()).env_remove("NO_COLOR").stdin(Stdio::null());
            if no_color {
                command.env("NO_COLOR", "1");
            }
            String::from_utf8_lossy(&command.output().unwrap().stdout).into_owned()
        };
        assert!(tty(false).contains("\x1b[35m"));
        assert!(!tty(true).contains("\x1b[35m"));
    } else {
        eprintln!("skipped the terminal half: no `script` command");
    }
}

fn which(program: &str) -> bool {
    std::process::Command::new("sh").args(["-c", &format!("command -v {program}")]).output().is_ok_and(|o| o.status.success())
}

#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    let mut child = sqa(indexed_corpus())
        .args(["query", "--full", "-k", "50", "threads"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap(); // `| head -1`, then close
    let out = child.wait_with_output().unwrap();
    assert!(!first.is_empty());
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn status_reports_the_index_and_what_changed() {
    let dir = corpus_copy();
    assert!(run(sqa(dir.path()).args(["index", "."])).0.status.success());
    std::fs::write(dir.path().join("nodejs/timers.md"), "edited\n").unwrap();
    let (out, stdout, _) = run(sqa(dir.path()).args(["status", "--json"]));
    assert!(out.status.success());
    let status: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(status["model"], "all-MiniLM-L6-v2");
    assert_eq!(status["dims"], 384);
    assert_eq!(status["files"], 4);
    assert_eq!(status["changed"], 1);
    assert_eq!(status["missing"], 0);
    assert!(status["passages"].as_u64().unwrap() > 40 && status["bytes"].as_u64().unwrap() > 40 * 384 * 4);
    let (_, human, _) = run(sqa(dir.path()).arg("status"));
    assert!(human.contains("model:     all-MiniLM-L6-v2 (384 dims)") && human.contains("1 changed"), "{human}");
}

#[test]
fn every_setting_is_in_the_help_and_the_man_pages() {
    let dir = tempfile::tempdir().unwrap();
    let mut help = String::new();
    for args in [&["--help"][..], &["query", "--help"], &["index", "--help"]] {
        help += &run(sqa(dir.path()).args(args)).1;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let man: String = ["sqa.1", "sqa-query.1", "sqa-index.1"]
        .iter()
        .map(|page| std::fs::read_to_string(root.join("man").join(page)).unwrap())
        .collect();
    for setting in ["SQA_MODEL", "SQA_INDEX", "SQA_THREADS", "SQA_OFFLINE", "SQA_MIN_SCORE", "ORT_DYLIB_PATH", "HF_ENDPOINT", "NO_COLOR"] {
        assert!(help.contains(setting), "--help lacks {setting}");
        assert!(man.contains(setting), "man pages lack {setting}");
    }
}

/// ONNX Runtime's own telemetry (on by default in its Linux builds) would create and sync a store under
/// `$HOME/.cache/Microsoft`; sqa leaves it off, and touches nothing of the user's beyond its own directories.
#[test]
fn the_runtime_writes_nothing_outside_sqa_dirs() {
    let home = tempfile::tempdir().unwrap();
    let runtime = sqa::dirs::asset_dir().unwrap().join("lib").join(sqa::model::RUNTIME_LIBRARY);
    let (out, stdout, stderr) = run(sqa(indexed_corpus())
        .args(["query", "-k", "1", "cancel a timer"])
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join(".cache"))
        .env("ORT_DYLIB_PATH", &runtime)
        .env_remove("ORT_DISABLE_TELEMETRY"));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stdout.is_empty());
    let cache: Vec<String> = std::fs::read_dir(home.path().join(".cache"))
        .map(|entries| entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    assert!(cache.iter().all(|name| name == "sqa"), "written under $HOME/.cache: {cache:?}");
    assert!(!home.path().join(".cache/Microsoft").exists());
}
