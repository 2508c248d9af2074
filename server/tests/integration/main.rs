//! Integration tests: the `server` binary, started for each test through `server-harness` on a
//! free loopback port, over a real SQLite file or a fresh database in a throwaway PostgreSQL
//! cluster. Each storage or endpoint test runs on both databases (`sqlite::…` and `postgres::…`,
//! see `server_harness::on_both_databases!`).
//!
//! Run: `cargo test --workspace`. PostgreSQL is started by the tests themselves
//! (`server_harness::pg`): `initdb`/`pg_ctl` from `$PG_BIN`, else
//! `/usr/lib/postgresql/<newest>/bin`, else `PATH`; as root they run as the `postgres` user.
//! Without PostgreSQL the `postgres::…` tests print "PostgreSQL not installed: PostgreSQL test
//! skipped" and pass — unless `CI` is set, where they fail. A failing test prints the end of its
//! server's log.

mod availability;
mod backup;
mod cli;
mod crash;
mod errors;
mod health;
mod instances;
mod login;
mod login_limits;
mod logs;
mod metrics;
mod migrations;
mod parsing_fuzz;
mod reference;
mod round_trips;
mod security;
mod sessions;
mod tasks;
mod tls;
mod upload;
mod upload_store;

/// The server these tests run: this package's `server` binary, configured through its `Config`
/// (the test context, `TestServer` and the rest, is the harness's, shared with the contract
/// tests).
pub struct Backend;

impl server_harness::ServerUnderTest for Backend {
    type Config = server::config::Config;
    const BINARY: &'static str = env!("CARGO_BIN_EXE_server");
}

pub type TestServer = server_harness::TestServer<Backend>;
