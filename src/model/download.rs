//! First run: fetching the default model from the Hugging Face hub (or a mirror, `HF_ENDPOINT`), verified
//! against what the hub records for each file, written atomically, resumable after an interruption.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha1::Sha1;
use sha2::{Digest, Sha256};

pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// A model repository at a pinned revision, and the files sqa needs from it.
#[derive(Debug, Clone, Copy)]
pub struct RemoteModel {
    pub repo: &'static str,
    pub revision: &'static str,
    pub files: &'static [RemoteFile],
}

#[derive(Debug, Clone, Copy)]
pub struct RemoteFile {
    /// Path in the repository.
    pub remote: &'static str,
    /// Name in the model directory.
    pub local: &'static str,
    /// Pinned here when known; otherwise what the hub records (sha256 of LFS files, git blob id, size) is checked.
    pub sha256: Option<&'static str>,
}

/// multi-qa-MiniLM-L6-cos-v1 as exported to ONNX by Xenova: the fp32 graph (quantised variants of this
/// architecture measured cosine 0.79–0.98 to fp32; see README), and its tokenizer.
pub const DEFAULT_MODEL_SOURCE: RemoteModel = RemoteModel {
    repo: "Xenova/multi-qa-MiniLM-L6-cos-v1",
    revision: "1ce3c8f",
    files: &[
        RemoteFile { remote: "onnx/model.onnx", local: "model.onnx", sha256: None },
        RemoteFile { remote: "tokenizer.json", local: "tokenizer.json", sha256: None },
    ],
};

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("downloading {url}: {message}")]
    Http { url: String, message: String },
    #[error("download of {url} was interrupted after {have} bytes; run again to resume")]
    Interrupted { url: String, have: u64 },
    #[error("download of {url} refused: {what}")]
    Mismatch { url: String, what: String },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

/// Progress of one file, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    Start { file: &'a str, total: Option<u64>, have: u64 },
    Bytes(u64),
    Done,
}

/// What the hub says a file should be.
#[derive(Debug, Default)]
struct Recorded {
    sha256: Option<String>,
    git_sha1: Option<String>,
    size: Option<u64>,
}

/// Downloads every missing file of `model` into `dir`. A file is renamed into place only once verified, so
/// `dir` never holds a partial or unverified model file; partial downloads wait in `*.part` for the next run.
pub fn download(model: &RemoteModel, endpoint: &str, dir: &Path, progress: &mut dyn FnMut(Progress)) -> Result<(), DownloadError> {
    std::fs::create_dir_all(dir).map_err(|source| DownloadError::Io { path: dir.to_path_buf(), source })?;
    let agent: ureq::Agent = ureq::Agent::config_builder().max_redirects(0).http_status_as_error(false).build().into();
    for file in model.files {
        let target = dir.join(file.local);
        if target.is_file() {
            continue;
        }
        let url = format!("{}/{}/resolve/{}/{}", endpoint.trim_end_matches('/'), model.repo, model.revision, file.remote);
        fetch(&agent, &url, file, &target, progress)?;
    }
    Ok(())
}

fn fetch(agent: &ureq::Agent, url: &str, file: &RemoteFile, target: &Path, progress: &mut dyn FnMut(Progress)) -> Result<(), DownloadError> {
    let part = target.with_file_name(format!("{}.part", file.local));
    let have = std::fs::metadata(&part).map_or(0, |m| m.len());
    let (response, mut recorded) = get(agent, url, have)?;
    let status = response.status().as_u16();
    let resumed = match status {
        206 => true,
        200 => false,
        416 if have > 0 => true, // nothing left to fetch: verify what we have
        _ => return Err(DownloadError::Http { url: url.into(), message: format!("HTTP status {status}") }),
    };
    recorded.size = recorded.size.or_else(|| total_size(&response, resumed, have));
    let start = if resumed { have } else { 0 };
    progress(Progress::Start { file: file.local, total: recorded.size, have: start });
    if status != 416 {
        copy_body(response, &part, start, url, progress)?;
    }
    progress(Progress::Done);
    verify(&part, file, &recorded, url)?;
    std::fs::rename(&part, target).map_err(|source| DownloadError::Io { path: target.to_path_buf(), source })
}

/// GET with `Range` when resuming, following redirects by hand so the hub's own headers (sent with its
/// redirect to the storage host) are kept.
fn get(agent: &ureq::Agent, url: &str, have: u64) -> Result<(ureq::http::Response<ureq::Body>, Recorded), DownloadError> {
    let mut recorded = Recorded::default();
    let mut location = url.to_owned();
    for _ in 0..10 {
        let mut request = agent.get(&location);
        if have > 0 {
            request = request.header("Range", format!("bytes={have}-"));
        }
        let response = request.call().map_err(|e| DownloadError::Http { url: url.into(), message: e.to_string() })?;
        record(&response, &mut recorded);
        if !response.status().is_redirection() {
            return Ok((response, recorded));
        }
        let next = header(&response, "location").ok_or_else(|| DownloadError::Http { url: url.into(), message: "redirect without a location".into() })?;
        location = resolve(&location, &next);
    }
    Err(DownloadError::Http { url: url.into(), message: "too many redirects".into() })
}

fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response.headers().get(name)?.to_str().ok().map(str::to_owned)
}

/// The hub sends `X-Linked-Etag` (sha256 of an LFS file) and `X-Linked-Size`; a plain `ETag` of 40 hex digits
/// is the git blob id of a small file.
fn record(response: &ureq::http::Response<ureq::Body>, recorded: &mut Recorded) {
    let unquote = |v: String| v.trim_start_matches("W/").trim_matches('"').to_ascii_lowercase();
    let is_hex = |v: &String, len: usize| v.len() == len && v.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(sha) = header(response, "x-linked-etag").map(unquote).filter(|v| is_hex(v, 64)) {
        recorded.sha256 = Some(sha);
    }
    if let Some(size) = header(response, "x-linked-size").and_then(|v| v.parse().ok()) {
        recorded.size = Some(size);
    }
    if recorded.sha256.is_none() {
        if let Some(sha1) = header(response, "etag").map(unquote).filter(|v| is_hex(v, 40)) {
            recorded.git_sha1 = Some(sha1);
        }
    }
}

/// The whole file's size from `Content-Range` (resumed) or `Content-Length`.
fn total_size(response: &ureq::http::Response<ureq::Body>, resumed: bool, have: u64) -> Option<u64> {
    if resumed {
        let range = header(response, "content-range")?;
        return range.rsplit('/').next()?.parse().ok().or(Some(have));
    }
    header(response, "content-length")?.parse().ok()
}

fn resolve(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_owned();
    }
    let origin_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[origin_end..].find('/').map_or(base.len(), |i| origin_end + i);
    format!("{}{}", &base[..host_end], location)
}

fn copy_body(
    response: ureq::http::Response<ureq::Body>,
    part: &Path,
    start: u64,
    url: &str,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), DownloadError> {
    let io = |source| DownloadError::Io { path: part.to_path_buf(), source };
    let mut out = OpenOptions::new().create(true).write(true).truncate(start == 0).append(start > 0).open(part).map_err(io)?;
    let mut body = response.into_body().into_reader();
    let mut buffer = vec![0u8; 1 << 16];
    let mut have = start;
    loop {
        let read = match body.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) => {
                out.sync_all().map_err(io)?;
                return Err(DownloadError::Interrupted { url: url.into(), have });
            }
        };
        out.write_all(&buffer[..read]).map_err(io)?;
        have += read as u64;
        progress(Progress::Bytes(have));
    }
    out.sync_all().map_err(io)
}

/// Checks size and hash; a file that fails is deleted (it would only fail again).
fn verify(part: &Path, file: &RemoteFile, recorded: &Recorded, url: &str) -> Result<(), DownloadError> {
    let bytes = std::fs::read(part).map_err(|source| DownloadError::Io { path: part.to_path_buf(), source })?;
    let mismatch = check(&bytes, file, recorded);
    if let Some(what) = mismatch {
        let _ = std::fs::remove_file(part);
        return Err(DownloadError::Mismatch { url: url.into(), what });
    }
    Ok(())
}

fn check(bytes: &[u8], file: &RemoteFile, recorded: &Recorded) -> Option<String> {
    if let Some(size) = recorded.size.filter(|&size| size != bytes.len() as u64) {
        return Some(format!("{} bytes, the source records {size}", bytes.len()));
    }
    let sha256 = file.sha256.map(str::to_owned).or_else(|| recorded.sha256.clone());
    if let Some(expected) = sha256 {
        let got = hex(&Sha256::digest(bytes));
        return (got != expected).then(|| format!("sha256 {got}, expected {expected}"));
    }
    if let Some(expected) = &recorded.git_sha1 {
        let mut hasher = Sha1::new();
        hasher.update(format!("blob {}\0", bytes.len()));
        hasher.update(bytes);
        let got = hex(&hasher.finalize());
        return (&got != expected).then(|| format!("git blob id {got}, expected {expected}"));
    }
    recorded.size.is_none().then(|| "the source records neither a size nor a checksum".into())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_resolve_against_the_origin() {
        assert_eq!(resolve("http://h:1/a/b", "/cdn/x"), "http://h:1/cdn/x");
        assert_eq!(resolve("http://h/a", "https://cdn/x"), "https://cdn/x");
    }

    #[test]
    fn git_blob_ids_are_checked() {
        let file = RemoteFile { remote: "t", local: "t", sha256: None };
        // `git hash-object` of "hello\n"
        let recorded = Recorded { git_sha1: Some("ce013625030ba8dba906f756967f9e9ca394464a".into()), ..Default::default() };
        assert_eq!(check(b"hello\n", &file, &recorded), None);
        assert!(check(b"hellO\n", &file, &recorded).is_some());
    }
}
