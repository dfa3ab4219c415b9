//! First-run model download, against a local HTTP server on 127.0.0.1 that serves the stand-in model the way
//! the Hugging Face hub does (a redirect carrying X-Linked-Etag / X-Linked-Size for the large file, an ETag with
//! the git blob id for the small one, Range requests), with the test's own checksums.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha1::Sha1;
use sha2::{Digest, Sha256};

const PREFIX: &str = "/Xenova/multi-qa-MiniLM-L6-cos-v1/resolve/1ce3c8f/";

#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    Normal,
    /// The first transfer of model.onnx stops halfway.
    CutFirst,
    /// model.onnx arrives with one byte changed.
    Corrupt,
}

struct Server {
    port: u16,
    /// Every request: path and Range header.
    requests: Arc<Mutex<Vec<(String, Option<String>)>>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn serve(behaviour: Behaviour) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    let model = std::fs::read(common::model_dir().join("model.onnx")).unwrap();
    let tokenizer = std::fs::read(common::model_dir().join("tokenizer.json")).unwrap();
    std::thread::spawn(move || {
        let mut cut_done = false;
        for stream in listener.incoming().take(50) {
            let Ok(stream) = stream else { continue };
            let (path, range) = read_request(&stream);
            log.lock().unwrap().push((path.clone(), range.clone()));
            let file = path.strip_prefix(PREFIX).map(str::to_owned).or_else(|| path.strip_prefix("/cdn/").map(str::to_owned));
            match file.as_deref() {
                // As the hub does: large files redirect to storage, with their sha256 and size in the headers.
                Some("onnx/model.onnx") => respond_redirect(stream, &model),
                Some("model.onnx") => {
                    let cut = behaviour == Behaviour::CutFirst && !cut_done;
                    cut_done |= cut;
                    let mut body = model.clone();
                    if behaviour == Behaviour::Corrupt {
                        let middle = body.len() / 2;
                        body[middle] ^= 0xff;
                    }
                    respond_file(stream, &body, range, cut, None)
                }
                Some("tokenizer.json") => {
                    let mut blob = Sha1::new();
                    blob.update(format!("blob {}\0", tokenizer.len()));
                    blob.update(&tokenizer);
                    respond_file(stream, &tokenizer, range, false, Some(hex(&blob.finalize())))
                }
                _ => write_head(stream, "404 Not Found", &[("Content-Length", "0".into())]).map(drop),
            }
            .ok();
        }
    });
    Server { port, requests }
}

fn read_request(stream: &TcpStream) -> (String, Option<String>) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let mut range = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some(value) = header.to_ascii_lowercase().strip_prefix("range:") {
            range = Some(value.trim().to_owned());
        }
    }
    (path, range)
}

fn write_head(mut stream: TcpStream, status: &str, headers: &[(&str, String)]) -> std::io::Result<TcpStream> {
    let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    Ok(stream)
}

fn respond_redirect(stream: TcpStream, model: &[u8]) -> std::io::Result<()> {
    let headers = [
        ("Location", "/cdn/model.onnx".to_owned()),
        ("X-Linked-Etag", format!("\"{}\"", hex(&Sha256::digest(model)))),
        ("X-Linked-Size", model.len().to_string()),
        ("Content-Length", "0".to_owned()),
    ];
    write_head(stream, "302 Found", &headers).map(drop)
}

fn respond_file(stream: TcpStream, body: &[u8], range: Option<String>, cut: bool, etag: Option<String>) -> std::io::Result<()> {
    let start: usize = range.as_deref().and_then(|r| r.strip_prefix("bytes=")?.trim_end_matches('-').parse().ok()).unwrap_or(0);
    let rest = &body[start.min(body.len())..];
    let mut headers = vec![("Content-Length", rest.len().to_string())];
    if let Some(etag) = etag {
        headers.push(("ETag", format!("\"{etag}\"")));
    }
    let status = if start > 0 {
        headers.push(("Content-Range", format!("bytes {start}-{}/{}", body.len() - 1, body.len())));
        "206 Partial Content"
    } else {
        "200 OK"
    };
    let mut stream = write_head(stream, status, &headers)?;
    let sent = if cut { &rest[..rest.len() / 2] } else { rest };
    stream.write_all(sent)?;
    stream.flush()?;
    if cut {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
    Ok(())
}

/// `sqa query` on piped text with no model configured: the default model must come from the server.
fn run_sqa(server: &Server, cache: &Path, extra_env: &[(&str, &str)]) -> (std::process::Output, String) {
    let runtime = sqa::dirs::asset_dir().unwrap().join("lib/libonnxruntime.so");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sqa"));
    command
        .args(["query", "-k", "1", "How many people live in London?"])
        .env_remove("SQA_MODEL")
        .env_remove("SQA_OFFLINE")
        .env("XDG_CACHE_HOME", cache)
        .env("ORT_DYLIB_PATH", runtime)
        .env("HF_ENDPOINT", format!("http://127.0.0.1:{}", server.port))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in extra_env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"Around 9 Million people live in London.\n\nThe cat sat on the mat.\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stderr)
}

fn default_model_dir(cache: &Path) -> PathBuf {
    cache.join("sqa/models/multi-qa-MiniLM-L6-cos-v1")
}

fn same_file(a: &Path, b: &Path) -> bool {
    let read = |p: &Path| {
        let mut bytes = Vec::new();
        std::fs::File::open(p).unwrap().read_to_end(&mut bytes).unwrap();
        bytes
    };
    read(a) == read(b)
}

#[test]
fn clean_download_then_use() {
    let server = serve(Behaviour::Normal);
    let cache = tempfile::tempdir().unwrap();
    let (out, stderr) = run_sqa(&server, cache.path(), &[]);
    assert!(out.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("9 Million"));
    let dir = default_model_dir(cache.path());
    assert!(same_file(&dir.join("model.onnx"), &common::model_dir().join("model.onnx")));
    assert!(same_file(&dir.join("tokenizer.json"), &common::model_dir().join("tokenizer.json")));
    // A second run finds the model and never asks again.
    let before = server.requests.lock().unwrap().len();
    assert!(run_sqa(&server, cache.path(), &[]).0.status.success());
    assert_eq!(server.requests.lock().unwrap().len(), before);
}

#[test]
fn an_interrupted_download_resumes() {
    let server = serve(Behaviour::CutFirst);
    let cache = tempfile::tempdir().unwrap();
    let (out, stderr) = run_sqa(&server, cache.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("interrupted") && stderr.contains("resume"), "{stderr}");
    let dir = default_model_dir(cache.path());
    let partial = std::fs::metadata(dir.join("model.onnx.part")).unwrap().len();
    assert!(partial > 0 && !dir.join("model.onnx").exists());
    let (out, stderr) = run_sqa(&server, cache.path(), &[]);
    assert!(out.status.success(), "{stderr}");
    let asked = server.requests.lock().unwrap().iter().any(|(_, range)| range.as_deref() == Some(&format!("bytes={partial}-")));
    assert!(asked, "the second run asks for the rest only: {:?}", server.requests.lock().unwrap());
    assert!(same_file(&dir.join("model.onnx"), &common::model_dir().join("model.onnx")));
}

#[test]
fn a_corrupted_download_is_refused() {
    let server = serve(Behaviour::Corrupt);
    let cache = tempfile::tempdir().unwrap();
    let (out, stderr) = run_sqa(&server, cache.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("sqa: ") && !l.contains("downloading")).count(), 1, "{stderr}");
    assert!(stderr.contains("refused: sha256"), "{stderr}");
    let dir = default_model_dir(cache.path());
    assert!(!dir.join("model.onnx").exists() && !dir.join("model.onnx.part").exists());
}

#[test]
fn offline_mode_never_touches_the_network() {
    let server = serve(Behaviour::Normal);
    let cache = tempfile::tempdir().unwrap();
    let (out, stderr) = run_sqa(&server, cache.path(), &[("SQA_OFFLINE", "1")]);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let dir = default_model_dir(cache.path());
    assert!(stderr.contains(&format!("no model at {}", dir.display())) && stderr.contains("offline"), "{stderr}");
    assert!(server.requests.lock().unwrap().is_empty());
}
