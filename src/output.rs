//! Ranked hits → what the user reads: human text (ripgrep-like, colour optional), JSON lines, or file names.

use std::borrow::Cow;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::source::{LinesAround, NumberedLine};

/// One result, ready to print.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    /// Path as shown to the user (relative to the current directory where possible).
    pub path: &'a Path,
    pub start_line: u32,
    pub end_line: u32,
    pub score: f32,
    pub text: &'a str,
    /// With `-C N`: lines around the passage, read from the file; absent otherwise.
    pub context: Option<Context<'a>>,
}

/// Lines before and after a passage (JSON: `context_before`, `context_after`, each `[{line, text}]`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Context<'a> {
    pub context_before: Vec<NumberedLine<'a>>,
    #[serde(skip)]
    pub passage: Vec<NumberedLine<'a>>,
    pub context_after: Vec<NumberedLine<'a>>,
}

impl<'a> From<LinesAround<'a>> for Context<'a> {
    fn from(lines: LinesAround<'a>) -> Self {
        Context { context_before: lines.before, passage: lines.passage, context_after: lines.after }
    }
}

/// How hits are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Score, `path:first-last`, then the passage: its first lines, or all of it with `full`.
    Human { color: bool, full: bool },
    /// One JSON object per line: path, start_line, end_line, score, text; `path_bytes` too when the path
    /// is not UTF-8; `context_before` / `context_after` with -C.
    Json,
    /// Each file's path, once (the caller passes each file once).
    Files { color: bool },
}

/// Lines of a passage shown without `--full`.
const TRIMMED_LINES: usize = 4;

/// Terminal colours, as ripgrep uses them: path magenta, line numbers green, score bold.
struct Palette {
    path: &'static str,
    line: &'static str,
    score: &'static str,
    dim: &'static str,
    reset: &'static str,
}

const COLOUR: Palette = Palette { path: "\x1b[35m", line: "\x1b[32m", score: "\x1b[1m", dim: "\x1b[2m", reset: "\x1b[0m" };
const PLAIN: Palette = Palette { path: "", line: "", score: "", dim: "", reset: "" };

/// A hit as JSON. `path` is lossy for names that are not UTF-8; `path_bytes` then holds the exact bytes.
#[derive(serde::Serialize)]
struct JsonHit<'a, 'h> {
    path: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<&'a [u8]>,
    start_line: u32,
    end_line: u32,
    score: f32,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    context: Option<&'h Context<'a>>,
}

impl<'a, 'h> JsonHit<'a, 'h> {
    fn new(hit: &'h Hit<'a>) -> Self {
        let path = hit.path.to_string_lossy();
        let exact = matches!(path, Cow::Borrowed(_));
        JsonHit {
            path_bytes: (!exact).then(|| hit.path.as_os_str().as_bytes()),
            path,
            start_line: hit.start_line,
            end_line: hit.end_line,
            score: hit.score,
            text: hit.text,
            context: hit.context.as_ref(),
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
            Format::Human { color, full } => self.print_human(hit, palette(color), full)?,
            Format::Files { color } => {
                let p = palette(color);
                writeln!(self.out, "{}{}{}", p.path, escape_path(hit.path), p.reset)?;
            }
        }
        self.printed += 1;
        Ok(())
    }

    fn print_human(&mut self, hit: &Hit, p: &Palette, full: bool) -> io::Result<()> {
        if self.printed > 0 {
            writeln!(self.out)?;
        }
        writeln!(
            self.out,
            "{}{:.3}{}  {}{}{}:{}{}-{}{}",
            p.score,
            hit.score,
            p.reset,
            p.path,
            escape_path(hit.path),
            p.reset,
            p.line,
            hit.start_line,
            hit.end_line,
            p.reset
        )?;
        match &hit.context {
            Some(context) => self.print_numbered(context, p),
            None => self.print_passage(hit.text, full),
        }
    }

    fn print_passage(&mut self, text: &str, full: bool) -> io::Result<()> {
        let lines: Vec<&str> = text.trim().lines().collect();
        let shown = if full { lines.len() } else { lines.len().min(TRIMMED_LINES) };
        for line in &lines[..shown] {
            writeln!(self.out, "  {}", escape(line))?;
        }
        if shown < lines.len() {
            writeln!(self.out, "  … {} more lines (--full shows them)", lines.len() - shown)?;
        }
        Ok(())
    }

    /// With context, lines are numbered as ripgrep numbers them: `12-` context, `13:` passage.
    fn print_numbered(&mut self, context: &Context, p: &Palette) -> io::Result<()> {
        let groups = [(&context.context_before, '-', p.dim), (&context.passage, ':', ""), (&context.context_after, '-', p.dim)];
        for (lines, separator, style) in groups {
            for line in lines {
                let reset = if style.is_empty() { "" } else { p.reset };
                writeln!(self.out, "  {}{}{}{separator}{style}{}{reset}", p.line, line.line, p.reset, escape(line.text))?;
            }
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

fn palette(color: bool) -> &'static Palette {
    if color {
        &COLOUR
    } else {
        &PLAIN
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

    fn hit<'a>(text: &'a str) -> Hit<'a> {
        Hit { path: Path::new("a.md"), start_line: 3, end_line: 9, score: 0.5, text, context: None }
    }

    fn human(hit: &Hit, full: bool) -> String {
        let mut out = Vec::new();
        Printer::new(&mut out, Format::Human { color: false, full }).print(hit).unwrap();
        String::from_utf8(out).unwrap()
    }

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
        Printer::new(&mut out, Format::Json).print(&hit("x")).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["path"], "a.md");
        assert!(value.get("path_bytes").is_none());
        assert_eq!(value["start_line"], 3);
        assert_eq!(value["end_line"], 9);
        assert_eq!(value["text"], "x");
        assert!(value.get("context_before").is_none());
    }

    #[test]
    fn human_output_trims_long_passages_unless_full() {
        let text = "1\n2\n3\n4\n5\n6\n7";
        let trimmed = human(&hit(text), false);
        assert!(trimmed.starts_with("0.500  a.md:3-9\n  1\n"));
        assert!(trimmed.contains("  4\n  … 3 more lines"));
        assert!(human(&hit(text), true).ends_with("  7\n"));
    }

    #[test]
    fn context_lines_are_numbered_like_ripgrep() {
        let line = |line, text| NumberedLine { line, text };
        let context = Context { context_before: vec![line(2, "b")], passage: vec![line(3, "c")], context_after: vec![line(4, "d")] };
        let out = human(&Hit { context: Some(context), ..hit("c") }, false);
        assert!(out.ends_with("  2-b\n  3:c\n  4-d\n"), "{out}");
    }
}
