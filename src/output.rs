//! Ranked hits → what the user reads: human text (ripgrep-like, colour optional) or JSON lines.

use std::borrow::Cow;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// One result, ready to print.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    /// Path as shown to the user (relative to the current directory where possible).
    pub path: &'a Path,
    pub start_line: u32,
    pub end_line: u32,
    pub score: f32,
    pub text: &'a str,
}

/// How hits are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human { color: bool },
    /// One JSON object per line: path, start_line, end_line, score, text; `path_bytes` too when the path
    /// is not UTF-8.
    Json,
}

/// A hit as JSON. `path` is lossy for names that are not UTF-8; `path_bytes` then holds the exact bytes.
#[derive(serde::Serialize)]
struct JsonHit<'a> {
    path: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<&'a [u8]>,
    start_line: u32,
    end_line: u32,
    score: f32,
    text: &'a str,
}

impl<'a> JsonHit<'a> {
    fn new(hit: &Hit<'a>) -> Self {
        let path = hit.path.to_string_lossy();
        let exact = matches!(path, Cow::Borrowed(_));
        JsonHit {
            path_bytes: (!exact).then(|| hit.path.as_os_str().as_bytes()),
            path,
            start_line: hit.start_line,
            end_line: hit.end_line,
            score: hit.score,
            text: hit.text,
        }
    }
}

pub struct Printer<W: Write> {
    out: W,
    format: Format,
    printed: usize,
}

impl<W: Write> Printer<W> {
    pub fn new(out: W, format: Format) -> Self {
        Printer { out, format, printed: 0 }
    }

    pub fn print(&mut self, hit: &Hit) -> io::Result<()> {
        match self.format {
            Format::Json => {
                serde_json::to_writer(&mut self.out, &JsonHit::new(hit))?;
                writeln!(self.out)?;
            }
            Format::Human { color } => self.print_human(hit, color)?,
        }
        self.printed += 1;
        Ok(())
    }

    fn print_human(&mut self, hit: &Hit, color: bool) -> io::Result<()> {
        if self.printed > 0 {
            writeln!(self.out)?;
        }
        let (path, lines, reset) = if color { ("\x1b[35m", "\x1b[32m", "\x1b[0m") } else { ("", "", "") };
        writeln!(
            self.out,
            "{:.3}  {path}{}{reset}:{lines}{}-{}{reset}",
            hit.score,
            escape_path(hit.path),
            hit.start_line,
            hit.end_line
        )?;
        for line in hit.text.trim().lines() {
            writeln!(self.out, "  {}", escape(line))?;
        }
        Ok(())
    }

    pub fn printed(&self) -> usize {
        self.printed
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Control characters shown as `\u{1b}`-style escapes, so text from a file cannot move the cursor,
/// recolour or retitle the terminal. Tabs stay.
pub fn escape(text: &str) -> Cow<'_, str> {
    let is_control = |c: char| c.is_control() && c != '\t';
    if !text.contains(is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| if is_control(c) { c.escape_unicode().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// A path for a terminal: control characters (tabs and newlines too) escaped as in [`escape`], bytes that
/// are not UTF-8 as `\xFF`, so every name prints on one line and distinct names print differently.
pub fn escape_path(path: &Path) -> Cow<'_, str> {
    let bytes = path.as_os_str().as_bytes();
    if let Ok(text) = std::str::from_utf8(bytes) {
        if !text.contains(char::is_control) {
            return text.into();
        }
    }
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() { out.extend(c.escape_unicode()) } else { out.push(c) }
        }
        out.extend(chunk.invalid().iter().map(|b| format!("\\x{b:02X}")));
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls() {
        assert_eq!(escape("a\x1b[2Jb\tc"), "a\\u{1b}[2Jb\tc");
        assert_eq!(escape("plain"), "plain");
    }

    #[test]
    fn paths_print_on_one_line_and_exactly() {
        let path = Path::new(std::ffi::OsStr::from_bytes(b"a\nb\t\xff\x1b.md"));
        assert_eq!(escape_path(path), "a\\u{a}b\\u{9}\\xFF\\u{1b}.md");
        assert_eq!(escape_path(Path::new("plain name.md")), "plain name.md");
    }

    #[test]
    fn json_has_the_documented_fields() {
        let mut out = Vec::new();
        let hit = Hit { path: Path::new("a.md"), start_line: 3, end_line: 5, score: 0.5, text: "x" };
        Printer::new(&mut out, Format::Json).print(&hit).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["path"], "a.md");
        assert!(value.get("path_bytes").is_none());
        assert_eq!(value["start_line"], 3);
        assert_eq!(value["end_line"], 5);
        assert_eq!(value["text"], "x");
    }
}
