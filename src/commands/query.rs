//! `sqa query "question"`: against an index, or against text piped on stdin.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};
use sqa::chunk::Chunker;
use sqa::model::Embedder;
use sqa::output::{Format, Hit, Printer};
use sqa::search::top_k;
use sqa::source;
use sqa::store::{find_index, Index};

use super::{load_embedder, stdin_is_input, use_color, Outcome};
use crate::cli::{GlobalArgs, QueryArgs};

/// Passages per model call when embedding piped text.
const STDIN_BATCH: usize = 32;

pub fn run(args: &QueryArgs, global: &GlobalArgs) -> Result<Outcome> {
    let format = if args.json { Format::Json } else { Format::Human { color: use_color(global.color) } };
    let mut printer = Printer::new(std::io::stdout().lock(), format);
    if global.index.is_none() && stdin_is_input() {
        query_stdin(args, global, &mut printer)?;
    } else {
        query_index(args, global, &mut printer)?;
    }
    printer.flush()?;
    Ok(if printer.printed() > 0 { Outcome::Found } else { Outcome::NothingFound })
}

fn query_index(args: &QueryArgs, global: &GlobalArgs, printer: &mut Printer<impl std::io::Write>) -> Result<()> {
    let dir = match &global.index {
        Some(dir) => dir.clone(),
        None => find_index(&std::env::current_dir().context("current directory")?)?,
    };
    // Open (and verify) the index before the model loads, so a missing index fails fast.
    let index = Index::open(&dir)?;
    let mut embedder = load_embedder(global)?;
    index.check_model(embedder.info(), embedder.dims())?;
    let question = embed_question(&mut embedder, &args.question)?;
    let cwd = std::env::current_dir().unwrap_or_default();
    let base = absolute(index.base(), &cwd);
    for scored in top_k(index.vectors(), &question, args.top) {
        let passage = index.passage(scored.row);
        let path = display_path(&base.join(&passage.path), &cwd);
        let hit = Hit {
            path: &path,
            start_line: passage.first_line,
            end_line: passage.last_line,
            score: scored.score,
            text: passage.text,
        };
        printer.print(&hit)?;
    }
    Ok(())
}

/// Searches the text piped on stdin: chunk, embed, rank, print; nothing is written.
fn query_stdin(args: &QueryArgs, global: &GlobalArgs, printer: &mut Printer<impl std::io::Write>) -> Result<()> {
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes).context("reading stdin")?;
    let mut embedder = load_embedder(global)?;
    let document = source::from_bytes(PathBuf::from("<stdin>"), &bytes, false)
        .map_err(|reason| anyhow::anyhow!("<stdin>: {reason}"))?;
    let passages = Chunker::new(embedder.tokenizer().clone()).split(&document).context("<stdin>")?;
    let texts: Vec<&str> = passages.iter().map(|p| p.text.as_str()).collect();
    let vectors = embedder.embed_all(&texts, STDIN_BATCH)?;
    let question = embed_question(&mut embedder, &args.question)?;
    for scored in top_k(&vectors, &question, args.top) {
        let passage = &passages[scored.row];
        let hit = Hit {
            path: Path::new("<stdin>"),
            start_line: passage.first_line,
            end_line: passage.last_line,
            score: scored.score,
            text: &passage.text,
        };
        printer.print(&hit)?;
    }
    Ok(())
}

fn embed_question(embedder: &mut Embedder, question: &str) -> Result<Vec<f32>> {
    Ok(embedder.embed(&[question])?)
}

fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| cwd.join(path))
}

/// `path` relative to `cwd` when that is shorter to read (`docs/a.md`, `../notes/b.md`), else as is.
fn display_path(path: &Path, cwd: &Path) -> PathBuf {
    relative_to(path, cwd).unwrap_or_else(|| path.to_path_buf())
}

fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let (path, base): (Vec<Component>, Vec<Component>) = (path.components().collect(), base.components().collect());
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    if common <= 1 && base.len() > 1 {
        return None; // nothing in common but the root: the absolute path reads better
    }
    let ups = base.len() - common;
    let mut relative: PathBuf = std::iter::repeat_n(Component::ParentDir, ups).collect();
    relative.extend(&path[common..]);
    Some(relative)
}
