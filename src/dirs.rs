//! Where sqa keeps its assets: the XDG cache directory, as fd and ripgrep users expect.

use std::path::PathBuf;

/// `$XDG_CACHE_HOME/sqa`, else `~/.cache/sqa`. `None` only when neither variable is set.
pub fn asset_dir() -> Option<PathBuf> {
    let from_env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    from_env("XDG_CACHE_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| from_env("HOME").map(|home| home.join(".cache")))
        .map(|cache| cache.join("sqa"))
}
