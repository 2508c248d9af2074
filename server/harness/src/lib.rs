//! The one way to run the server from outside — for the server's integration and contract tests
//! and for `cargo xtask fuzz-api`, `soak` and `bench`.
//!
//! - With the feature `test-context`, what every test suite starts from: [`TestServer`],
//!   [`on_both_databases!`], [`on_both_stores!`], [`expect_ok`], [`expect_error`], [`Stored`].
//! - [`Launch`] → [`ServerProcess`]: the `server` binary on a free loopback port (it binds port
//!   0 and prints the address it got, so no port is raced for), with its SQLite database, upload
//!   folder, configuration and log in a temporary folder; started once it says it listens;
//!   SIGTERM, then SIGKILL, when dropped. [`Launch::add_user`] runs `server user add`.
//! - [`pg`]: throwaway PostgreSQL clusters, and a fresh database per test; [`pgbouncer`]: a
//!   throwaway PgBouncer in transaction mode in front of one.
//! - [`s3`]: a throwaway S3-compatible server (moto), a fresh bucket per test, and a proxy that
//!   takes it away.
//! - [`http`]: a minimal blocking HTTP client, for tools without an async runtime.
//! - [`group`]: a process that starts processes of its own (nginx, node and its browser) in a
//!   process group of its own, stopped as its program wants, then killed whole: nothing the
//!   harness starts outlives it.

#[cfg(feature = "test-context")]
mod context;
pub mod group;
pub mod http;
pub mod nginx;
pub mod pg;
pub mod pgbouncer;
mod process;
pub mod s3;

#[cfg(feature = "test-context")]
pub use context::*;
pub use process::{Launch, ServerProcess};

/// Now in Unix milliseconds, the server's unit of time: for rows a tool writes itself.
pub fn unix_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}
