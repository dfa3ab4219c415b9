//! sqa: semantic search over local files.
//!
//! The engine follows the data flow, one module per stage:
//!
//! ```text
//! paths / stdin ─► source ─► chunk ─► model ─► store ─► search ─► output
//!                  (files →   (text →   (passages  (index    (ranked   (human,
//!                   documents) passages) → vectors)  on disk)  hits)     JSON lines)
//! ```
//!
//! [`search`] ranks by meaning (dense vectors), by words (BM25 over the store's `lexical.bin`), or both fused
//! (the default); [`eval`] measures that ranking on BEIR-style datasets for `sqa eval`.
//! [`indexer`] drives the first four stages for `sqa index`; the binary (`src/main.rs`, `src/cli.rs`)
//! only parses arguments, calls into this crate and maps errors to exit codes.

pub mod chunk;
pub mod indexer;
pub mod model;
pub mod output;
pub mod parallel;
pub mod search;
pub mod source;
pub mod store;
pub mod dirs;
pub mod eval;
pub mod trace;
