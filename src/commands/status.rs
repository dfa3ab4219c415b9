//! `sqa status`: where the index is, what built it, what it holds, and what changed since.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use sqa::store::{path_from_bytes, Index};

use super::Outcome;
use crate::cli::{GlobalArgs, StatusArgs};

/// The fields of `sqa status --json` (stable names).
#[derive(serde::Serialize)]
struct Status {
    index: String,
    generation: String,
    model: String,
    dims: u32,
    files: usize,
    passages: usize,
    bytes: u64,
    /// Seconds since the Unix epoch.
    built: u64,
    changed: usize,
    missing: usize,
    roots: Vec<String>,
}

pub fn run(args: &StatusArgs, global: &GlobalArgs) -> Result<Outcome> {
    let dir = super::index_dir(global)?;
    let index = Index::open(&dir)?;
    // Queries verify only what they read; status vouches for every byte.
    index.verify_all()?;
    let staleness = index.staleness();
    let status = Status {
        index: dir.canonicalize().unwrap_or(dir).display().to_string(),
        generation: index.generation.clone(),
        model: index.meta.model.name.clone(),
        dims: index.meta.dims,
        files: index.meta.files.len(),
        passages: index.len(),
        bytes: index.size_on_disk(),
        built: index.meta.created,
        changed: staleness.changed.len(),
        missing: staleness.missing.len(),
        roots: index.meta.roots.iter().map(|r| path_from_bytes(r).display().to_string()).collect(),
    };
    if args.json {
        println!("{}", serde_json::to_string(&status)?);
    } else {
        print_human(&status);
    }
    Ok(Outcome::Found)
}

fn print_human(s: &Status) {
    println!("index:     {} ({})", s.index, s.generation);
    println!("model:     {} ({} dims)", s.model, s.dims);
    println!("files:     {}", s.files);
    println!("passages:  {}", s.passages);
    println!("size:      {:.1} MiB on disk", s.bytes as f64 / (1 << 20) as f64);
    println!("built:     {} ({})", utc(s.built), ago(s.built));
    println!("changed:   {} changed, {} disappeared since indexing", s.changed, s.missing);
    println!("roots:     {}", s.roots.join(" "));
}

/// `2026-12-03 17:52 UTC`, without a date crate: days since the epoch to a civil date (Hinnant's algorithm).
fn utc(seconds: u64) -> String {
    let (days, rest) = ((seconds / 86_400) as i64, seconds % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rest / 3600, rest % 3600 / 60)
}

fn ago(seconds: u64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    match now.saturating_sub(seconds) {
        s if s < 120 => format!("{s} seconds ago"),
        s if s < 7200 => format!("{} minutes ago", s / 60),
        s if s < 172_800 => format!("{} hours ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc(1_796_319_130), "2026-12-03 17:32 UTC");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00 UTC");
    }
}
