//! Shared by the integration tests: where the real model and runtime are, and the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The stand-in model installed by scripts/fetch-assets (or `SQA_TEST_MODEL`).
pub fn model_dir() -> PathBuf {
    let dir = std::env::var_os("SQA_TEST_MODEL").map(PathBuf::from).unwrap_or_else(|| {
        sqa::dirs::asset_dir().expect("HOME or XDG_CACHE_HOME is set").join("models/all-MiniLM-L6-v2")
    });
    assert!(
        dir.join("model.onnx").is_file(),
        "no test model at {}: run scripts/fetch-assets first (the tests use the real model)",
        dir.display()
    );
    dir
}

pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// A temporary folder holding a copy of the test corpus.
pub fn corpus_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&corpus(), dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The real `sqa` binary, run in `cwd` with the test model and an empty stdin (/dev/null).
pub fn sqa(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sqa"));
    command.current_dir(cwd).env("SQA_MODEL", model_dir()).env_remove("SQA_INDEX").env_remove("NO_COLOR");
    command.stdin(Stdio::null());
    command
}

/// Runs and returns the output, with stdout and stderr as text.
pub fn run(command: &mut Command) -> (Output, String, String) {
    let output = command.output().expect("sqa runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

/// Parses `--json` output.
pub fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout.lines().map(|line| serde_json::from_str(line).expect("each line is JSON")).collect()
}

/// The 1-based line number of the first line of `file` containing `needle`.
pub fn line_of(file: &Path, needle: &str) -> u64 {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines().position(|l| l.contains(needle)).expect("needle in file") as u64 + 1
}
