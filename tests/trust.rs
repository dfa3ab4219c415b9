//! An index you can trust: incremental updates equal a rebuild, kills never damage it, one writer at a time,
//! damaged files are refused cleanly, and stale files are reported at query time.

mod common;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{corpus_copy, json_lines, run, sqa};

const QUESTIONS: [&str; 4] =
    ["wait for a spawned thread to finish", "cancel a timer", "how do I write a comment", "goats in the meadow"];

/// (path, start_line, end_line, score) of the top hits for each question.
fn answers(dir: &Path) -> Vec<Vec<(String, u64, u64, f64)>> {
    QUESTIONS
        .iter()
        .map(|q| {
            let (out, stdout, stderr) = run(sqa(dir).args(["query", "--json", "-k", "8", q]));
            assert!(out.status.success(), "{stderr}");
            json_lines(&stdout)
                .iter()
                .map(|h| {
                    let field = |k: &str| h[k].as_u64().unwrap();
                    (h["path"].as_str().unwrap().to_owned(), field("start_line"), field("end_line"), h["score"].as_f64().unwrap())
                })
                .collect()
        })
        .collect()
}

fn index(dir: &Path, extra: &[&str]) -> String {
    let (out, _, stderr) = run(sqa(dir).arg("index").args(extra));
    assert!(out.status.success(), "{stderr}");
    stderr
}

#[test]
fn incremental_updates_equal_a_rebuild() {
    let dir = corpus_copy();
    let root = dir.path();
    index(root, &["."]);
    // add, edit one paragraph, delete, rename
    std::fs::write(root.join("goats.md"), "# Goats\n\nGoats graze in the meadow all summer long.\n").unwrap();
    let timers = root.join("nodejs/timers.md");
    let text = std::fs::read_to_string(&timers).unwrap().replacen("## Cancelling timers", "## Cancelling timers (goats)", 1);
    std::fs::write(&timers, text).unwrap();
    std::fs::remove_file(root.join("rust-book/ch03-04-comments.html")).unwrap();
    std::fs::rename(root.join("NOTICE.md"), root.join("NOTICE-renamed.md")).unwrap();

    let summary = index(root, &[]);
    assert!(summary.contains("1 changed, 2 removed, 1 unchanged"), "{summary}");
    assert!(summary.contains("2 added"), "{summary}");
    let embedded: usize = summary.split(" embedded").next().unwrap().rsplit('(').next().unwrap().parse().unwrap();
    assert!(embedded <= 4, "an edit and a new small file embed a few passages, not {embedded}: {summary}");
    let incremental = answers(root);

    index(root, &["--rebuild", "."]);
    let rebuilt = answers(root);
    for (a, b) in incremental.iter().zip(&rebuilt) {
        let places = |hits: &Vec<(String, u64, u64, f64)>| hits.iter().map(|h| (h.0.clone(), h.1, h.2)).collect::<Vec<_>>();
        assert_eq!(places(a), places(b));
        for (x, y) in a.iter().zip(b) {
            assert!((x.3 - y.3).abs() < 1e-3, "scores {} vs {}", x.3, y.3);
        }
    }
}

#[test]
fn touching_a_file_reuses_it_without_embedding() {
    let dir = corpus_copy();
    index(dir.path(), &["."]);
    let file = dir.path().join("nodejs/timers.md");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, bytes).unwrap(); // new mtime, same content
    let summary = index(dir.path(), &[]);
    assert!(summary.contains("4 unchanged") && summary.contains("(0 embedded"), "{summary}");
}

/// A copy of the corpus big enough that indexing takes several seconds.
fn big_corpus() -> tempfile::TempDir {
    let dir = corpus_copy();
    for copy in 1..4 {
        for file in ["nodejs/timers.md", "rust-book/ch16-01-threads.html"] {
            let target = dir.path().join(format!("copy{copy}")).join(file);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            // Different text per copy, so nothing is reused and every run embeds it all.
            let text = std::fs::read_to_string(dir.path().join(file)).unwrap().replace("the", &format!("the{copy}"));
            std::fs::write(target, text).unwrap();
        }
    }
    dir
}

fn spawn_index(dir: &Path, extra: &[&str]) -> Child {
    sqa(dir).arg("index").args(extra).stderr(Stdio::piped()).spawn().unwrap()
}

/// Kills `sqa index --rebuild` with SIGKILL at pseudo-random moments; the previous index must answer
/// exactly as before every time, and a final run must complete.
#[test]
fn sigkill_at_any_moment_leaves_the_previous_index_usable() {
    let dir = big_corpus();
    index(dir.path(), &["."]);
    let before = answers(dir.path());
    let started = Instant::now();
    index(dir.path(), &["--rebuild", "."]);
    let full_run = started.elapsed();
    let mut seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    eprintln!("kill test: full run {full_run:?}, seed {seed}");
    for trial in 0..20 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let delay = full_run.mul_f64((seed >> 11) as f64 / (1u64 << 53) as f64);
        let mut child = spawn_index(dir.path(), &["--rebuild", "."]);
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let after = answers(dir.path());
        assert_eq!(before.len(), after.len());
        for (a, b) in before.iter().zip(&after) {
            assert_eq!(a.iter().map(|h| &h.0).collect::<Vec<_>>(), b.iter().map(|h| &h.0).collect::<Vec<_>>(), "trial {trial} after {delay:?}");
        }
    }
    let summary = index(dir.path(), &["."]);
    assert!(summary.contains("indexed 10 files"), "{summary}");
    let debris: Vec<_> = std::fs::read_dir(dir.path().join(".sqa"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("tmp-") || n.starts_with("CURRENT.tmp"))
        .collect();
    assert!(debris.is_empty(), "killed runs' staging is cleaned up: {debris:?}");
}

#[test]
fn a_second_writer_is_refused_and_sigint_exits_130_with_the_index_unchanged() {
    let dir = big_corpus();
    index(dir.path(), &["."]);
    let before = answers(dir.path());
    let first = spawn_index(dir.path(), &["--rebuild", "."]);
    std::thread::sleep(Duration::from_millis(1500));
    let (out, _, stderr) = run(sqa(dir.path()).args(["index", "."]));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("being written by another `sqa index`"), "{stderr}");
    // SIGINT, as Ctrl-C sends it.
    let status = std::process::Command::new("kill").args(["-INT", &first.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = first.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted after") && stderr.contains("unchanged"), "{stderr}");
    assert_eq!(answers(dir.path()).len(), before.len());
    assert_eq!(answers(dir.path())[0][0].0, before[0][0].0);
}

#[test]
fn stale_and_vanished_files_are_reported_and_vanished_hits_hidden() {
    let dir = corpus_copy();
    index(dir.path(), &["."]);
    std::fs::remove_file(dir.path().join("rust-book/ch16-01-threads.html")).unwrap();
    std::fs::write(dir.path().join("nodejs/timers.md"), "changed\n").unwrap();
    let (out, stdout, stderr) = run(sqa(dir.path()).args(["query", "--json", "-k", "5", "wait for a spawned thread to finish"]));
    assert!(out.status.success());
    assert!(stderr.contains("1 indexed file changed and 1 disappeared"), "{stderr}");
    let hits = json_lines(&stdout);
    assert_eq!(hits.len(), 5);
    assert!(hits.iter().all(|h| h["path"] != "rust-book/ch16-01-threads.html"), "{stdout}");
    // --refresh brings it up to date first.
    let (out, _, stderr) = run(sqa(dir.path()).args(["query", "--refresh", "-k", "1", "changed"]));
    assert!(out.status.success());
    assert!(stderr.contains("1 changed, 1 removed") && !stderr.contains("disappeared"), "{stderr}");
}
