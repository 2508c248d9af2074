//! Integration tests: real HTTP servers on ephemeral loopback ports, over real SQLite files and a
//! real throwaway PostgreSQL cluster. Each storage or endpoint test runs on both databases
//! (`sqlite::…` and `postgres::…`, see `common::on_both_databases!`).
//!
//! Run: `cargo test --workspace`. PostgreSQL is started by the tests themselves (`common/pg.rs`):
//! `initdb`/`pg_ctl` from `$PG_BIN`, else `/usr/lib/postgresql/<newest>/bin`, else `PATH`; as
//! root they run as the `postgres` user. Without PostgreSQL the `postgres::…` tests print
//! "PostgreSQL not installed: PostgreSQL tests skipped" and pass — unless `CI` is set, where they
//! fail. `TEST_LOG=1` shows the servers' warnings.

mod common;

mod availability;
mod cli;
mod crash;
mod errors;
mod instances;
mod login;
mod migrations;
mod parsing_fuzz;
mod round_trips;
mod security;
mod sessions;
mod tasks;
mod upload;
