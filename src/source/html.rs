//! HTML → the text a reader sees, each line tagged with its line in the HTML source.

use html5gum::{DefaultEmitter, Token, Tokenizer};

use super::LineMap;

/// Elements whose content is never shown.
const HIDDEN: &[&[u8]] =
    &[b"script", b"style", b"noscript", b"template", b"head", b"nav", b"button", b"select", b"menu", b"dialog"];
/// Elements that start a new line of visible text.
const BLOCK: &[&[u8]] = &[
    b"address", b"article", b"aside", b"blockquote", b"br", b"dd", b"div", b"dl", b"dt", b"figcaption",
    b"figure", b"footer", b"form", b"h1", b"h2", b"h3", b"h4", b"h5", b"h6", b"header", b"hr", b"li",
    b"main", b"nav", b"ol", b"p", b"pre", b"section", b"table", b"td", b"th", b"title", b"tr", b"ul",
];

/// Extracts the visible text of an HTML page. The `<title>` is kept (it says what the page is about);
/// the rest of `<head>`, scripts, styles, navigation and controls are dropped. A page with a `<main>`
/// element is read as a reader view would: its title and its main content only.
pub fn visible_text(source: &str) -> (String, LineMap) {
    let newlines: Vec<usize> = source.match_indices('\n').map(|(i, _)| i).collect();
    let source_line = |offset: usize| newlines.partition_point(|&n| n < offset) as u32 + 1;
    let mut emitter = DefaultEmitter::<usize>::new_with_span();
    emitter.naively_switch_states(true);
    let mut out = LineBuilder::default();
    let mut hidden_depth = 0usize;
    let mut in_title = false;
    let main_only = has_main(source);
    let mut main_depth = 0usize;
    for token in Tokenizer::new_with_emitter(source, emitter).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = tag.name.as_slice();
                in_title |= name == b"title";
                main_depth += usize::from(name == b"main");
                if HIDDEN.contains(&name) && !tag.self_closing {
                    hidden_depth += 1;
                }
                if BLOCK.contains(&name) {
                    out.break_line();
                }
            }
            Token::EndTag(tag) => {
                let name = tag.name.as_slice();
                in_title &= name != b"title";
                main_depth = main_depth.saturating_sub(usize::from(name == b"main"));
                if HIDDEN.contains(&name) {
                    hidden_depth = hidden_depth.saturating_sub(1);
                }
                if BLOCK.contains(&name) {
                    out.break_line();
                }
            }
            Token::String(text) if in_title || (hidden_depth == 0 && (main_depth > 0 || !main_only)) => {
                out.push(&String::from_utf8_lossy(&text.value), source_line(text.span.start));
            }
            _ => {}
        }
    }
    out.finish()
}

fn has_main(source: &str) -> bool {
    source.match_indices("<main").chain(source.match_indices("<MAIN")).any(|(at, tag)| {
        matches!(source.as_bytes().get(at + tag.len()), Some(b'>' | b' ' | b'\t' | b'\n' | b'\r'))
    })
}

/// Collects visible lines, collapsing runs of spaces and dropping blank lines.
#[derive(Default)]
struct LineBuilder {
    lines: Vec<String>,
    source_lines: Vec<u32>,
    current: String,
    current_line: u32,
}

impl LineBuilder {
    fn push(&mut self, text: &str, first_line: u32) {
        for (k, piece) in text.split('\n').enumerate() {
            if k > 0 {
                self.break_line();
            }
            if piece.starts_with(char::is_whitespace) {
                self.space();
            }
            for (i, word) in piece.split_whitespace().enumerate() {
                if i > 0 {
                    self.space();
                }
                if self.current.is_empty() {
                    self.current_line = first_line + k as u32;
                }
                self.current.push_str(word);
            }
            if piece.ends_with(char::is_whitespace) {
                self.space();
            }
        }
    }

    /// One space between words, none at a line's start.
    fn space(&mut self) {
        if !self.current.is_empty() && !self.current.ends_with(' ') {
            self.current.push(' ');
        }
    }

    fn break_line(&mut self) {
        let line = std::mem::take(&mut self.current);
        let line = line.trim_end();
        if !line.is_empty() {
            self.lines.push(line.to_owned());
            self.source_lines.push(self.current_line);
        }
    }

    fn finish(mut self) -> (String, LineMap) {
        self.break_line();
        let text = self.lines.join("\n");
        let lines = if self.source_lines.is_empty() { vec![1] } else { self.source_lines };
        let map = LineMap::mapped(&text, lines);
        (text, map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_visible_text_with_source_lines() {
        let html = "<html><head><title>Rust</title>\n<script>var x = 1;</script></head>\n<body>\n<p>Hello &amp;\n  world</p>\n<style>p{}</style><p>Bye</p></body>";
        let (text, lines) = visible_text(html);
        assert_eq!(text, "Rust\nHello &\nworld\nBye");
        let line_of = |needle: &str| lines.line_at(text.find(needle).unwrap());
        assert_eq!(line_of("Rust"), 1);
        assert_eq!(line_of("Hello"), 4);
        assert_eq!(line_of("world"), 5);
        assert_eq!(line_of("Bye"), 6);
    }

    #[test]
    fn a_main_element_hides_the_page_chrome() {
        let html = "<title>T</title><body><div>Keyboard shortcuts</div><nav>Contents</nav>\n<main><p>Body</p></main>";
        assert_eq!(visible_text(html).0, "T\nBody");
    }
}
