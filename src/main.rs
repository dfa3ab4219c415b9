//! The `sqa` binary: parse arguments, run a command, map the outcome to an exit status.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use commands::Outcome;

fn main() -> ExitCode {
    sqa::trace::start();
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(Outcome::Found) => ExitCode::SUCCESS,
        Ok(Outcome::NothingFound) => ExitCode::from(1),
        Ok(Outcome::Interrupted) => ExitCode::from(130),
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sqa: {}", one_line(&error));
            ExitCode::from(2)
        }
    }
}

/// `sqa query … | head -1`: the reader has what it wanted.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes on one line, so scripts can rely on one line per error.
fn one_line(error: &anyhow::Error) -> String {
    format!("{error:#}").replace('\n', " ")
}
