//! `SQA_TRACE=1`: milliseconds since start-up at named points, on stderr, to see where a command's time goes
//! (benches/speed.sh and profiling; silent otherwise).

use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Option<Instant>> = OnceLock::new();

/// Starts the clock; call first thing in `main`.
pub fn start() {
    START.get_or_init(|| std::env::var_os("SQA_TRACE").filter(|v| !v.is_empty() && v != "0").map(|_| Instant::now()));
}

/// Prints `label` and the time since [`start`], if tracing is on.
pub fn mark(label: &str) {
    if let Some(Some(start)) = START.get() {
        eprintln!("sqa trace {:7.2} ms  {label}", start.elapsed().as_secs_f64() * 1000.0);
    }
}
