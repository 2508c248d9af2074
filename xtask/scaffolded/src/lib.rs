//! The output of `cargo xtask scaffold --all` for each golden doc (`xtask/tests/golden/*.md`)
//! and for the project's doc, committed and compiled: `tests/contract.rs` builds each module's
//! spec from its trait, as the server's is built, and compares it with its doc.
//!
//! Each module is generated (its first line names the command); `--check` (run by the tests)
//! fails when one is stale.

// Written by the scaffold in rustfmt's layout; rustfmt must not rewrite it behind `--check`.
#[rustfmt::skip]
pub mod backend_api;
#[rustfmt::skip]
pub mod names;
#[rustfmt::skip]
pub mod single;
#[rustfmt::skip]
pub mod types;
