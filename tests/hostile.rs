//! Hostile inputs, one test (or two) per row of the issue: every file is indexed or named, nothing hangs,
//! nothing leaks into the terminal. Fixtures are made at test time in temporary folders; everything runs
//! through the real binary and the real model, except where the library is the only deterministic way in
//! (huge texts that would take minutes to embed, a file deleted between listing and reading).

mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{json_lines, run, sqa};
use sqa::chunk::{Chunker, MAX_WORD_PIECES};
use sqa::source::{self, SkipReason, WalkEvent, WalkOptions};

/// Long enough for a 2-core machine under load; a hang is far longer.
const DEADLINE: Duration = Duration::from_secs(90);

/// A temporary folder with the given files (path, bytes).
fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        write(&dir.path().join(name), bytes);
    }
    dir
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Runs the command, killing it and failing the test if it outlives `DEADLINE`.
fn run_bounded(command: &mut Command) -> (Output, String, String) {
    use std::process::Stdio;
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("sqa runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > DEADLINE {
            child.kill().unwrap();
            panic!("sqa hung: still running after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

/// `sqa index ARGS` in `dir`, into `dir/.sqa`; must exit 0. Returns stderr.
fn index(dir: &Path, args: &[&OsStr]) -> String {
    let (out, _, stderr) = run_bounded(sqa(dir).arg("index").args(args));
    assert_eq!(out.status.code(), Some(0), "skipped files are warnings, not errors: {stderr}");
    stderr
}

fn os(text: &str) -> &OsStr {
    OsStr::new(text)
}

/// Every passage of the index in `dir` (as JSON), best first for `question`.
fn all_hits(dir: &Path, question: &str) -> Vec<serde_json::Value> {
    let (_, stdout, stderr) = run(sqa(dir).args(["query", "--json", "-k", "1000", question]));
    assert!(stderr.is_empty(), "{stderr}");
    json_lines(&stdout)
}

/// The numbers in the summary line: (files, passages, skipped, warnings).
fn summary(stderr: &str) -> (u64, u64, u64, u64) {
    let line = stderr.lines().find(|l| l.starts_with("indexed ")).unwrap_or_else(|| panic!("no summary: {stderr}"));
    // indexed F files (… added, …), P passages (…) into … in T s; skipped S files, N warnings
    let number_before = |suffix: &str| -> u64 {
        let head = &line[..line.find(suffix).unwrap_or_else(|| panic!("no {suffix:?} in {line}"))];
        head.rsplit(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
    };
    let skipped = &line[line.rfind("skipped ").unwrap()..];
    let count = |suffix: &str| -> u64 {
        let head = &skipped[..skipped.find(suffix).unwrap()];
        head.rsplit(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
    };
    (number_before(" file"), number_before(" passage"), count(" file"), count(" warning"))
}

/// The warning lines on stderr (all but the summary).
fn warnings(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| !l.starts_with("indexed ")).collect()
}

fn hit_for<'a>(hits: &'a [serde_json::Value], path: &str) -> &'a serde_json::Value {
    hits.iter().find(|h| h["path"] == path).unwrap_or_else(|| panic!("no passage from {path}: {hits:?}"))
}

fn lines_of(hit: &serde_json::Value) -> (u64, u64) {
    (hit["start_line"].as_u64().unwrap(), hit["end_line"].as_u64().unwrap())
}

fn chunker() -> Chunker {
    let tokenizer = tokenizers::Tokenizer::from_file(common::model_dir().join("tokenizer.json")).unwrap();
    Chunker::new(tokenizer)
}

/// Splits `text` as a plain-text file; asserts every passage fits the model. Returns (passages, seconds).
fn split_checked(chunker: &Chunker, text: &[u8]) -> (usize, f64) {
    let started = Instant::now();
    let document = source::from_bytes(PathBuf::from("big.txt"), text, false).unwrap();
    let passages = chunker.split(&document).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    assert!(passages.iter().all(|p| p.word_pieces as usize <= MAX_WORD_PIECES));
    assert!(passages.iter().all(|p| p.first_line == 1 && p.last_line == 1), "one line in, line 1 out");
    (passages.len(), seconds)
}

// ── one 10 MB line, minified JS, a 1 MB word ─────────────────────────────────────────────────────────

fn prose(bytes: usize) -> Vec<u8> {
    let sentence = b"The quick brown fox jumps over the lazy dog while the committee reviews its budget. ";
    sentence.iter().copied().cycle().take(bytes).collect()
}

fn minified_js(bytes: usize) -> Vec<u8> {
    let statement = b"var a=function(b,c){return b.map(function(d){return d*c+0x1f})};if(a&&!a.b){a.b=[1,2,3]};";
    statement.iter().copied().cycle().take(bytes).collect()
}

#[test]
fn huge_lines_give_bounded_passages_in_linear_time() {
    let chunker = chunker();
    let (small, small_s) = split_checked(&chunker, &prose(1 << 20));
    let (big, big_s) = split_checked(&chunker, &prose(10 << 20));
    eprintln!("1 MB line: {small} passages in {small_s:.2} s; 10 MB line: {big} passages in {big_s:.2} s");
    assert!(big >= small * 9 && big <= small * 11, "passages grow with the text: {small} → {big}");
    assert!(big_s < small_s * 25.0 + 1.0, "time grows linearly: {small_s:.2} s → {big_s:.2} s");
    let (js, js_s) = split_checked(&chunker, &minified_js(1 << 20));
    eprintln!("1 MB minified JS: {js} passages in {js_s:.2} s");
    let (word, _) = split_checked(&chunker, &vec![b'x'; 1 << 20]);
    assert!(word >= 1, "a 1 MB word still yields passages");
}

/// Peak RSS in KiB of `sqa index --index INDEX FILES...`, measured by /usr/bin/time; `None` where it is missing.
fn peak_rss_kib(dir: &Path, index: &str, files: &[&str]) -> Option<u64> {
    if !Path::new("/usr/bin/time").exists() {
        return None;
    }
    let report = dir.join(format!("{index}.rss"));
    let mut command = Command::new("/usr/bin/time");
    command.args([os("-f"), os("%M"), os("-o"), report.as_os_str(), os(env!("CARGO_BIN_EXE_sqa")), os("index")]);
    command.args(["--index", index]).args(files);
    command.current_dir(dir).env("SQA_MODEL", common::model_dir()).stdin(std::process::Stdio::null());
    let (out, _, stderr) = run_bounded(&mut command);
    assert!(out.status.success(), "{stderr}");
    Some(std::fs::read_to_string(report).unwrap().trim().parse().unwrap())
}

#[test]
fn a_10_mb_line_and_a_1_mb_word_index_in_bounded_memory() {
    // Words longer than the tokenizer's 100-character limit are one [UNK] piece each, so the model's
    // share of the work stays small and the test measures the reading and cutting.
    let long_words = ("y".repeat(999) + " ").repeat(10 << 10).into_bytes();
    let dir = tree(&[("line.txt", &long_words), ("word.txt", &vec![b'x'; 1 << 20]), ("small.txt", b"hello world\n")]);
    let Some(base) = peak_rss_kib(dir.path(), "small", &["small.txt"]) else {
        eprintln!("skipped the memory check: no /usr/bin/time");
        return;
    };
    let big = peak_rss_kib(dir.path(), ".sqa", &["line.txt", "word.txt"]).unwrap();
    eprintln!("peak RSS: {base} KiB for a 12-byte file, {big} KiB for 11 MB on two lines");
    assert!(big < base + 110 * 1024, "memory stays within 10× the input: {base} → {big} KiB");
    let hits = all_hits(dir.path(), "xxxx");
    assert!(hits.iter().any(|h| h["path"] == "line.txt") && hits.iter().any(|h| h["path"] == "word.txt"));
    assert!(hits.iter().all(|h| lines_of(h) == (1, 1)), "one line each");
}

// ── binary content ───────────────────────────────────────────────────────────────────────────────────

/// A gzip stream (one stored deflate block) of `text`, made here so no binary is committed.
fn gzip_of(text: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1];
    let len = text.len() as u16;
    out.extend(len.to_le_bytes());
    out.extend((!len).to_le_bytes());
    out.extend(text);
    out.extend([0; 4]); // CRC-32, unchecked by the sniff
    out.extend((text.len() as u32).to_le_bytes());
    out
}

#[test]
fn binary_content_with_a_text_extension_is_skipped_and_counted() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0\x1f\xf3\xffa";
    let elf = std::fs::read(env!("CARGO_BIN_EXE_sqa")).unwrap();
    let dir = tree(&[
        ("nul.txt", b"Paris is the capital of France.\0\x01\x02 and more text after the NUL"),
        ("image.md", png),
        ("program.rs", &elf[..64 << 10]),
        ("notes.txt", &gzip_of(b"Paris is the capital of France, says the gzip stream.")),
        ("real.txt", b"Paris is the capital of France.\n"),
    ]);
    let stderr = index(dir.path(), &[os(".")]);
    assert_eq!(summary(&stderr), (1, 1, 4, 0), "binary files are skipped silently but counted: {stderr}");
    let hits = all_hits(dir.path(), "capital of France");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["path"], "real.txt");
}

// ── encodings and line ends ──────────────────────────────────────────────────────────────────────────

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let bom: &[u8] = if big_endian { b"\xFE\xFF" } else { b"\xFF\xFE" };
    let units = text.encode_utf16().flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
    bom.iter().copied().chain(units).collect()
}

/// Each file holds its passage on lines 3 and 4 (what an editor shows), between blank lines.
#[test]
fn boms_utf16_and_line_ends_keep_editor_line_numbers() {
    let body = |end: &str| format!("{end}{end}Paris is the capital of France.{end}It lies on the Seine.{end}{end}");
    let no_final_newline = "\n\nParis is the capital of France.\nIt lies on the Seine.";
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("bom.txt", [b"\xEF\xBB\xBF".as_slice(), body("\n").as_bytes()].concat()),
        ("utf16le.txt", utf16(&body("\r\n"), false)),
        ("utf16be.txt", utf16(&body("\n"), true)),
        ("crlf.txt", body("\r\n").into_bytes()),
        ("cr.txt", body("\r").into_bytes()),
        ("mixed.txt", b"\r\n\rParis is the capital of France.\nIt lies on the Seine.\r\n\n".to_vec()),
        ("last.txt", no_final_newline.as_bytes().to_vec()),
    ];
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let dir = tree(&refs);
    let stderr = index(dir.path(), &[os(".")]);
    assert_eq!(summary(&stderr), (7, 7, 0, 0), "{stderr}");
    let hits = all_hits(dir.path(), "capital of France");
    for (name, _) in &files {
        let hit = hit_for(&hits, name);
        assert_eq!(lines_of(hit), (3, 4), "{name}: {hit}");
        assert_eq!(hit["text"], "Paris is the capital of France.\nIt lies on the Seine.", "{name}");
    }
}

#[test]
fn invalid_truncated_and_latin1_text_is_decoded_lossily() {
    let dir = tree(&[
        ("latin1.txt", b"Une cr\xe8me br\xfbl\xe9e au caf\xe9.\n"),
        ("invalid.txt", b"A na\xc3\xafve caf\xc3\xa9 with a bad byte \xc3\x28 inside.\n"),
        ("truncated.txt", b"A na\xc3\xafve caf\xc3\xa9 cut off at the end \xe2\x82"),
    ]);
    let stderr = index(dir.path(), &[os(".")]);
    assert_eq!(summary(&stderr), (3, 3, 0, 0), "{stderr}");
    let hits = all_hits(dir.path(), "coffee");
    assert_eq!(hit_for(&hits, "latin1.txt")["text"], "Une crème brûlée au café.");
    assert_eq!(hit_for(&hits, "invalid.txt")["text"], "A naïve café with a bad byte \u{FFFD}( inside.");
    let truncated = hit_for(&hits, "truncated.txt")["text"].as_str().unwrap().to_owned();
    assert!(truncated.starts_with("A naïve café cut off at the end"), "{truncated}");
}

#[test]
fn empty_and_whitespace_files_give_no_passages_and_no_warning() {
    let dir = tree(&[("empty.txt", b""), ("blank.md", b"  \n\t\r\n   \r"), ("nl.txt", b"\n\n\n")]);
    let stderr = index(dir.path(), &[os(".")]);
    assert_eq!(summary(&stderr), (3, 0, 0, 0), "{stderr}");
    assert!(warnings(&stderr).is_empty(), "{stderr}");
}

// ── size limit ───────────────────────────────────────────────────────────────────────────────────────

#[test]
fn files_above_the_size_limit_are_named_and_skipped() {
    let (_, help, _) = run(sqa(Path::new(".")).args(["index", "--help"]));
    assert!(help.contains("--max-filesize") && help.contains("[default: 16M]"), "documented default: {help}");
    let big = b"Paris is the capital of France. ".repeat(64);
    let big_utf16 = utf16(&String::from_utf8_lossy(&big), false);
    let dir = tree(&[
        ("big.txt", &big),
        ("big-utf16.txt", &big_utf16),
        ("big-binary.txt", &gzip_of(&big)),
        ("small.txt", b"Paris is the capital of France."),
    ]);
    let stderr = index(dir.path(), &[os("--max-filesize"), os("1K"), os(".")]);
    let mut lines = warnings(&stderr);
    lines.sort();
    assert_eq!(
        lines,
        [
            "sqa: ./big-utf16.txt: larger than the size limit (1024 bytes)",
            "sqa: ./big.txt: larger than the size limit (1024 bytes)"
        ],
        "binary files stay silent whatever their size"
    );
    assert_eq!(summary(&stderr), (1, 1, 3, 2), "{stderr}");
}

// ── FIFOs, sockets, devices ──────────────────────────────────────────────────────────────────────────

fn mkfifo(path: &Path) {
    let name = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0, "mkfifo {}", path.display());
}

/// A FIFO with no writer blocks whoever opens it for reading: a hang here is the bug.
#[test]
fn fifos_sockets_and_devices_are_never_read_and_are_named() {
    let dir = tree(&[("real.txt", b"Paris is the capital of France.\n")]);
    mkfifo(&dir.path().join("pipe.txt"));
    std::fs::create_dir(dir.path().join(".hidden")).unwrap();
    mkfifo(&dir.path().join(".hidden/named-pipe.md")); // the walk skips hidden folders: only named here
    let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("socket.txt")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.txt")).unwrap();
    let stderr = index(dir.path(), &[os("--follow"), os("."), os(".hidden/named-pipe.md"), os("/dev/null")]);
    let mut lines = warnings(&stderr);
    lines.sort();
    assert_eq!(
        lines,
        [
            "sqa: ./pipe.txt: not a regular file (FIFO)",
            "sqa: ./socket.txt: not a regular file (socket)",
            "sqa: ./zero.txt: not a regular file (character device)",
            "sqa: .hidden/named-pipe.md: not a regular file (FIFO)",
            "sqa: /dev/null: not a regular file (character device)",
        ]
    );
    assert_eq!(summary(&stderr), (1, 1, 5, 5), "{stderr}");
}

#[test]
fn quiet_silences_warnings_and_the_summary() {
    let dir = tree(&[("real.txt", b"Paris is the capital of France.\n"), ("nul.txt", b"\0")]);
    mkfifo(&dir.path().join("pipe.txt"));
    let stderr = index(dir.path(), &[os("-q"), os(".")]);
    assert_eq!(stderr, "");
}

// ── symbolic links ───────────────────────────────────────────────────────────────────────────────────

#[test]
fn symlinks_are_followed_only_with_follow_and_loops_and_dangling_links_are_named() {
    let outside = tree(&[("elsewhere.txt", b"The Eiffel Tower is in Paris.\n")]);
    let dir = tree(&[("real.txt", b"Paris is the capital of France.\n")]);
    let link = |target: &Path, name: &str| std::os::unix::fs::symlink(target, dir.path().join(name)).unwrap();
    link(outside.path(), "outside");
    link(Path::new("real.txt"), "alias.txt");
    link(Path::new("."), "loop");
    link(Path::new("nowhere.txt"), "dangling.txt");

    let stderr = index(dir.path(), &[os(".")]);
    assert!(warnings(&stderr).is_empty(), "links are skipped silently by default: {stderr}");
    assert_eq!(summary(&stderr), (1, 1, 0, 0), "{stderr}");

    let stderr = index(dir.path(), &[os("--follow"), os(".")]);
    let mut lines = warnings(&stderr);
    lines.sort();
    assert_eq!(lines, ["sqa: ./dangling.txt: broken symbolic link", "sqa: ./loop: symbolic link loop to ."]);
    let hits = all_hits(dir.path(), "Paris");
    assert!(hits.iter().any(|h| h["text"] == "The Eiffel Tower is in Paris."), "followed outside: {hits:?}");
    assert_eq!(summary(&stderr), (2, 2, 0, 2), "real.txt is read once, though alias.txt leads to it too: {stderr}");

    let stderr = index(dir.path(), &[os("dangling.txt"), os("real.txt")]);
    assert_eq!(warnings(&stderr), ["sqa: dangling.txt: broken symbolic link"]);
}

// ── permissions (as an unprivileged user: root reads chmod 000 files) ────────────────────────────────

/// `Some(wrapper)` that runs a command as `nobody`, or `None` (with the reason printed) where impossible.
fn unprivileged() -> Option<Vec<String>> {
    if unsafe { libc::geteuid() } != 0 {
        return Some(Vec::new()); // already unprivileged
    }
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].into_iter().find(|p| Path::new(p).exists());
    let Some(setpriv) = setpriv else {
        eprintln!("skipped: running as root and no setpriv to drop privileges");
        return None;
    };
    let wrapper: Vec<String> =
        [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"].iter().map(|a| a.to_string()).collect();
    let works = Command::new(&wrapper[0]).args(&wrapper[1..]).arg("true").status().is_ok_and(|s| s.success());
    if !works {
        eprintln!("skipped: running as root and `setpriv` cannot switch to uid 65534 here");
        return None;
    }
    Some(wrapper)
}

/// The runtime library the tests use.
fn runtime_library() -> PathBuf {
    std::env::var_os("ORT_DYLIB_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| sqa::dirs::asset_dir().unwrap().join("lib/libonnxruntime.so"))
}

/// Links (or copies) `from` to `to`, so a user who cannot enter root's home can read it.
fn share(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).unwrap();
    }
    std::fs::set_permissions(to, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

#[test]
fn unreadable_files_and_folders_are_named_and_the_rest_is_indexed() {
    use std::os::unix::fs::PermissionsExt;
    let Some(wrapper) = unprivileged() else { return };
    let dir = tree(&[
        ("docs/readable.txt", b"Paris is the capital of France.\n"),
        ("docs/secret.txt", b"The password is swordfish.\n"),
        ("docs/locked/inner.txt", b"Nobody may read this folder.\n"),
    ]);
    let root = dir.path();
    let mode = |path: &str, mode: u32| std::fs::set_permissions(root.join(path), PermissionsExt::from_mode(mode)).unwrap();
    // The binary, model and runtime, where `nobody` can read them.
    let (bin, model, ort) = (root.join("bin/sqa"), root.join("model"), root.join("lib/libonnxruntime.so"));
    share(Path::new(env!("CARGO_BIN_EXE_sqa")), &bin);
    for file in ["model.onnx", "tokenizer.json"] {
        share(&common::model_dir().join(file), &model.join(file));
    }
    share(&runtime_library(), &ort);
    std::fs::create_dir(root.join("out")).unwrap();
    if !wrapper.is_empty() {
        std::os::unix::fs::chown(root.join("out"), Some(65534), Some(65534)).unwrap();
    }
    for (path, m) in [(".", 0o755), ("bin", 0o755), ("model", 0o755), ("lib", 0o755), ("docs", 0o755)] {
        mode(path, m);
    }
    mode("docs/secret.txt", 0o000);
    mode("docs/locked", 0o000);

    let argv: Vec<&OsStr> = wrapper.iter().map(OsStr::new).chain([bin.as_os_str()]).collect();
    let mut command = Command::new(argv[0]);
    command.args(&argv[1..]).args(["index", "--index", "out/.sqa", "docs"]).current_dir(root).env_clear();
    command.env("HOME", root).env("SQA_MODEL", &model).env("ORT_DYLIB_PATH", &ort);
    let (out, _, stderr) = run_bounded(&mut command);
    mode("docs/locked", 0o755); // so the temporary folder can be removed
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let mut lines = warnings(&stderr);
    lines.sort();
    assert_eq!(
        lines,
        ["sqa: docs/locked: Permission denied (os error 13)", "sqa: docs/secret.txt: Permission denied (os error 13)"]
    );
    assert_eq!(summary(&stderr), (1, 1, 1, 2), "{stderr}");
}

// ── odd file names ───────────────────────────────────────────────────────────────────────────────────

#[test]
fn odd_file_names_are_indexed_and_printed_exactly() {
    let names: [&[u8]; 5] = [b"with space.txt", b"new\nline.txt", b"-rf.txt", b"caf\xe9.txt", b"tab\there.txt"];
    let dir = tempfile::tempdir().unwrap();
    for (i, name) in names.iter().enumerate() {
        write(&dir.path().join(OsStr::from_bytes(name)), format!("Paris is the capital of France ({i}).\n").as_bytes());
    }
    let stderr = index(dir.path(), &[os(".")]);
    assert_eq!(summary(&stderr), (5, 5, 0, 0), "{stderr}");
    let hits = all_hits(dir.path(), "capital of France");
    let mut exact: Vec<Vec<u8>> = hits
        .iter()
        .map(|h| match h.get("path_bytes") {
            Some(bytes) => bytes.as_array().unwrap().iter().map(|b| b.as_u64().unwrap() as u8).collect(),
            None => h["path"].as_str().unwrap().as_bytes().to_vec(),
        })
        .collect();
    exact.sort();
    let mut expected: Vec<Vec<u8>> = names.iter().map(|n| n.to_vec()).collect();
    expected.sort();
    assert_eq!(exact, expected, "JSON keeps names exact");
    assert_eq!(hit_for(&hits, "caf\u{FFFD}.txt")["path_bytes"].as_array().unwrap().len(), 8);

    // Human output: one header line per hit, each name readable and distinct.
    let (_, stdout, _) = run(sqa(dir.path()).args(["query", "--color", "never", "-k", "10", "capital of France"]));
    let headers = stdout.lines().filter(|l| !l.is_empty() && !l.starts_with("  "));
    let mut paths: Vec<&str> = headers.map(|h| h.split_once("  ").unwrap().1.rsplit_once(':').unwrap().0).collect();
    paths.sort();
    assert_eq!(paths, ["-rf.txt", "caf\\xE9.txt", "new\\u{a}line.txt", "tab\\u{9}here.txt", "with space.txt"]);

    // Named on the command line and in a NUL-separated list.
    let list = names.iter().fold(Vec::new(), |mut list, name| {
        list.extend_from_slice(name);
        list.push(0);
        list
    });
    write(&dir.path().join("list"), &list);
    let stderr = index(dir.path(), &[os("--files-from"), os("list")]);
    assert_eq!(summary(&stderr), (5, 5, 0, 0), "{stderr}");
    let stderr = index(dir.path(), &[os("--"), os("-rf.txt"), OsStr::from_bytes(b"caf\xe9.txt")]);
    assert_eq!(summary(&stderr), (2, 2, 0, 0), "{stderr}");
}

// ── escape sequences ─────────────────────────────────────────────────────────────────────────────────

#[test]
fn control_characters_in_names_and_text_are_escaped_for_the_terminal() {
    let evil_name = "evil\x1b]0;owned\x07\x1b[2J.txt";
    let evil_text = "\x1b[2J\x1b[Hclear the screen, \x1b[31mturn red\x1b[0m, \x1b]0;retitle\x07, \u{9b}2J C1, bell\x07, back\x08space\n";
    let dir = tree(&[(evil_name, evil_text.as_bytes())]);
    mkfifo(&dir.path().join("pipe\x1b[31m.txt"));
    mkfifo(&dir.path().join("pipe\nline.txt"));
    let stderr = index(dir.path(), &[os(".")]);
    let mut lines = warnings(&stderr);
    lines.sort();
    assert_eq!(
        lines,
        ["sqa: ./pipe\\u{1b}[31m.txt: not a regular file (FIFO)", "sqa: ./pipe\\u{a}line.txt: not a regular file (FIFO)"],
        "one line per warning, whatever the name"
    );

    let (out, stdout, _) = run(sqa(dir.path()).args(["query", "--color", "never", "clear the screen"]));
    assert!(out.status.success());
    for raw in ["\x1b", "\x07", "\x08", "\u{9b}", "\r"] {
        assert!(!stdout.contains(raw) && !stderr.contains(raw), "{raw:?} reached the terminal: {stdout:?}");
    }
    let header = stdout.lines().next().unwrap();
    assert!(header.ends_with("  evil\\u{1b}]0;owned\\u{7}\\u{1b}[2J.txt:1-1"), "{header}");
    assert!(stdout.contains("\\u{1b}[31mturn red\\u{1b}[0m"), "{stdout}");

    // JSON keeps the text exact (serde escapes control characters as JSON requires).
    let hits = all_hits(dir.path(), "clear the screen");
    assert_eq!(hits[0]["path"], evil_name);
    assert!(hits[0]["text"].as_str().unwrap().contains("\x1b[31mturn red"));
}

// ── files deleted or changed during the walk ─────────────────────────────────────────────────────────

/// Deterministic: the walk has listed the folder, then files vanish, grow or turn into FIFOs before they
/// are read. Each is a warning naming the path; nothing hangs or panics.
#[test]
fn files_changed_between_listing_and_reading_are_warnings() {
    let dir = tree(&[
        ("a.txt", b"first"),
        ("b-deleted.txt", b"gone soon"),
        ("c-fifo.txt", b"a FIFO soon"),
        ("d-grows.txt", b"small for now"),
        ("e-subdir/f.txt", b"gone soon too"),
    ]);
    let root = dir.path();
    let mut walk = source::walk(&[root.to_path_buf()], &WalkOptions::default());
    let Some(WalkEvent::File(first)) = walk.next() else { panic!("a.txt first") };
    assert_eq!(first, root.join("a.txt"));
    std::fs::remove_file(root.join("b-deleted.txt")).unwrap();
    std::fs::remove_file(root.join("c-fifo.txt")).unwrap();
    mkfifo(&root.join("c-fifo.txt"));
    std::fs::write(root.join("d-grows.txt"), vec![b'x'; 4096]).unwrap();
    std::fs::remove_dir_all(root.join("e-subdir")).unwrap();

    let mut outcomes = Vec::new();
    for event in walk {
        match event {
            WalkEvent::File(path) => match source::load(&path, 1024) {
                Ok(_) => outcomes.push(format!("{}: ok", path.display())),
                Err(reason) => {
                    assert!(reason.is_warning());
                    outcomes.push(format!("{}: {}", path.strip_prefix(root).unwrap().display(), kind(&reason)));
                }
            },
            WalkEvent::Warning { path, message } => {
                outcomes.push(format!("{}: {message}", path.strip_prefix(root).unwrap().display()))
            }
        }
    }
    assert_eq!(
        outcomes,
        [
            "b-deleted.txt: io NotFound",
            "c-fifo.txt: not regular",
            "d-grows.txt: too large",
            "e-subdir: No such file or directory (os error 2)"
        ]
    );
}

fn kind(reason: &SkipReason) -> String {
    match reason {
        SkipReason::Io(e) => format!("io {:?}", e.kind()),
        SkipReason::NotRegular { .. } => "not regular".into(),
        SkipReason::TooLarge { .. } => "too large".into(),
        SkipReason::Binary => "binary".into(),
    }
}

/// The same through the binary, racing a thread that deletes and recreates files and folders: whatever
/// the timing, the run ends with exit 0 and every line on stderr is a warning naming a path, or the summary.
#[test]
fn churn_during_indexing_never_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let many = dir.path().join("many");
    for i in 0..3000 {
        write(&many.join(format!("d{}/f{i:04}.txt", i % 30)), b" \n");
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let (many, stop) = (many.clone(), stop.clone());
        std::thread::spawn(move || {
            for round in 0.. {
                for i in (0..3000).rev() {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        return;
                    }
                    let path = many.join(format!("d{}/f{i:04}.txt", i % 30));
                    if (i + round) % 2 == 0 {
                        let _ = std::fs::remove_file(&path);
                    } else {
                        let _ = std::fs::create_dir_all(path.parent().unwrap());
                        let _ = std::fs::write(&path, b"\n");
                    }
                    if i % 300 == 0 {
                        let _ = std::fs::remove_dir_all(many.join(format!("d{}", (i + round) % 30)));
                    }
                }
            }
        })
    };
    let (out, _, stderr) = run_bounded(sqa(dir.path()).args(["index", "many"]));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churn.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for line in warnings(&stderr) {
        assert!(line.starts_with("sqa: many/d"), "a warning naming a path: {line}");
    }
    let (_, _, skipped, warned) = summary(&stderr);
    assert!(skipped <= warned, "every skipped file was a warning (a vanished folder is one too): {stderr}");
    eprintln!("churn: {warned} warnings; {}", stderr.lines().last().unwrap_or_default());
}

// ── big folders and deep trees ───────────────────────────────────────────────────────────────────────

#[test]
fn twenty_thousand_files_in_one_folder() {
    let dir = tempfile::tempdir().unwrap();
    let many = dir.path().join("many");
    std::fs::create_dir(&many).unwrap();
    for i in 0..20_000 {
        std::fs::write(many.join(format!("{i:05}.txt")), if i % 2 == 0 { "" } else { " \n" }).unwrap();
    }
    write(&many.join("paris.txt"), b"Paris is the capital of France.\n");
    let stderr = index(dir.path(), &[os("many")]);
    assert_eq!(summary(&stderr), (20_001, 1, 0, 0), "{stderr}");
    assert_eq!(all_hits(dir.path(), "capital of France")[0]["path"], "many/paris.txt");
}

#[test]
fn a_tree_500_levels_deep() {
    let dir = tempfile::tempdir().unwrap();
    let deep: PathBuf = std::iter::repeat_n("d", 500).collect();
    write(&dir.path().join(&deep).join("bottom.txt"), b"Paris is the capital of France.\n");
    write(&dir.path().join("d/top.txt"), b"Rome is the capital of Italy.\n");
    let stderr = index(dir.path(), &[os("d")]);
    assert_eq!(summary(&stderr), (2, 2, 0, 0), "{stderr}");
    let hits = all_hits(dir.path(), "capital of France");
    assert_eq!(hits[0]["path"], deep.join("bottom.txt").to_str().unwrap());
}
