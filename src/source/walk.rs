//! Paths → candidate files, honouring .gitignore and skipping hidden entries, as ripgrep and fd do.

use std::path::{Path, PathBuf};

/// What the walk finds: a file to read, or a problem to report without stopping.
#[derive(Debug)]
pub enum WalkEvent {
    File(PathBuf),
    Warning { path: PathBuf, message: String },
}

/// How to walk; built once from the command line.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Follow symbolic links (loops are detected and reported).
    pub follow: bool,
    /// Also enter hidden files and directories.
    pub hidden: bool,
    /// Ignore .gitignore / .ignore files.
    pub no_ignore: bool,
}

/// Walks each root in turn. A root that is a file is yielded as is, even if hidden or ignored: naming it
/// is asking for it.
pub fn walk(roots: &[PathBuf], options: &WalkOptions) -> impl Iterator<Item = WalkEvent> {
    let roots = roots.to_vec();
    let options = options.clone();
    roots.into_iter().flat_map(move |root| walk_root(root, &options))
}

fn walk_root(root: PathBuf, options: &WalkOptions) -> Box<dyn Iterator<Item = WalkEvent>> {
    match std::fs::metadata(&root) {
        Err(e) => {
            let message = if is_dangling(&root) { "broken symbolic link".to_owned() } else { e.to_string() };
            Box::new(std::iter::once(WalkEvent::Warning { path: root, message }))
        }
        Ok(meta) if !meta.is_dir() => Box::new(std::iter::once(WalkEvent::File(root))),
        Ok(_) => {
            let walker = ignore::WalkBuilder::new(&root)
                .hidden(!options.hidden)
                .follow_links(options.follow)
                .git_ignore(!options.no_ignore)
                .git_exclude(!options.no_ignore)
                .git_global(!options.no_ignore)
                .ignore(!options.no_ignore)
                .parents(!options.no_ignore)
                .require_git(false)
                .sort_by_file_name(|a, b| a.cmp(b))
                .build();
            Box::new(walker.filter_map(event))
        }
    }
}

/// Regular files, and FIFOs, sockets and devices (so that loading can skip them with a warning); symbolic
/// links that were not followed are left out silently.
fn event(entry: Result<ignore::DirEntry, ignore::Error>) -> Option<WalkEvent> {
    match entry {
        Ok(entry) => {
            let file_type = entry.file_type()?;
            (!file_type.is_dir() && !file_type.is_symlink()).then(|| WalkEvent::File(entry.into_path()))
        }
        Err(error) => {
            let path = error_path(&error);
            let message = if is_dangling(&path) { "broken symbolic link".to_owned() } else { error_message(&error) };
            Some(WalkEvent::Warning { path, message })
        }
    }
}

/// A symbolic link whose target does not exist.
fn is_dangling(path: &Path) -> bool {
    path.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) && !path.exists()
}

/// The path an `ignore` error is about, if it names one.
fn error_path(error: &ignore::Error) -> PathBuf {
    match error {
        ignore::Error::WithPath { path, .. } => path.clone(),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => child.clone(),
        _ => PathBuf::new(),
    }
}

fn error_message(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => error_message(err),
        ignore::Error::Loop { ancestor, .. } => format!("symbolic link loop to {}", Path::new(ancestor).display()),
        ignore::Error::Io(e) => io_message(e),
        other => other.to_string(),
    }
}

/// The operating system's words, without the path the walker repeats ("IO error for operation on …").
fn io_message(error: &std::io::Error) -> String {
    match error.get_ref().and_then(|inner| inner.source()) {
        Some(cause) => cause.to_string(),
        None => error.to_string(),
    }
}
