//! The `sqa` binary: parse arguments, run a command, map the outcome to an exit status.

mod cli;
mod commands;

use std::io::Write;

use clap::Parser;

use commands::Outcome;

/// Rust's allocations (tokenizer, chunking, ranking) through mimalloc: glibc grows a spawned thread's heap one
/// page per `mprotect` call, about 1,000 of them while tokenizer.json loads beside the model (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    sqa::trace::start();
    quiet_runtime();
    let cli = cli::Cli::parse();
    let code = match commands::run(cli) {
        Ok(Outcome::Found) => 0,
        Ok(Outcome::NothingFound) => 1,
        Ok(Outcome::Interrupted) => 130,
        Err(error) if is_broken_pipe(&error) => 0,
        Err(error) => {
            eprintln!("sqa: {}", one_line(&error));
            2
        }
    };
    exit_now(code)
}

/// Ends the process once stdout is flushed, skipping the C library's exit handlers: every file is written
/// and closed by now, and ONNX Runtime's static destructors alone took 7 ms of each query (measured).
fn exit_now(code: i32) -> ! {
    let _ = std::io::stdout().flush();
    // SAFETY: _exit only ends the process; nothing needs to run after this point.
    unsafe { libc::_exit(code) }
}

/// ONNX Runtime's Linux builds carry telemetry whose SQLite store under `~/.cache/Microsoft/DeveloperTools` is
/// opened and synced to disk at start and exit unless this variable is set before the library loads (about
/// 10 ms of every query, measured); its events are switched off too (see `sqa::model::load_runtime`). A local
/// search tool writes nothing outside its own directories.
fn quiet_runtime() {
    if std::env::var_os("ORT_DISABLE_TELEMETRY").is_none() {
        // Before any other thread starts, so no concurrent reader of the environment exists yet.
        std::env::set_var("ORT_DISABLE_TELEMETRY", "1");
    }
}

/// `sqa query … | head -1`: the reader has what it wanted.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes on one line, so scripts can rely on one line per error. A cause that its
/// error's message already ends with (`path: reason`, then `reason`) is said once.
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line.replace('\n', " ")
}
