//! Ranked hits → what the user reads: human text (ripgrep-like, colour optional) or JSON lines.

use std::io::{self, Write};

/// One result, ready to print.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit<'a> {
    /// Path as shown to the user (relative to the current directory where possible).
    pub path: &'a str,
    pub start_line: u32,
    pub end_line: u32,
    pub score: f32,
    pub text: &'a str,
}

/// How hits are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human { color: bool },
    /// One JSON object per line: path, start_line, end_line, score, text.
    Json,
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
                serde_json::to_writer(&mut self.out, hit)?;
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
            escape(hit.path),
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

/// Control characters shown as `\x1b`-style escapes, so text from a file cannot move the cursor,
/// recolour or retitle the terminal. Tabs stay.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    let is_control = |c: char| c.is_control() && c != '\t';
    if !text.contains(is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| if is_control(c) { c.escape_unicode().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
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
    fn json_has_the_documented_fields() {
        let mut out = Vec::new();
        let hit = Hit { path: "a.md", start_line: 3, end_line: 5, score: 0.5, text: "x" };
        Printer::new(&mut out, Format::Json).print(&hit).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["path"], "a.md");
        assert_eq!(value["start_line"], 3);
        assert_eq!(value["end_line"], 5);
        assert_eq!(value["text"], "x");
    }
}
