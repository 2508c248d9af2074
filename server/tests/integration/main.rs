//! Integration tests: real HTTP servers on ephemeral loopback ports, over real SQLite files and a
//! real throwaway PostgreSQL cluster. Each storage or endpoint test runs on both databases
//! (`sqlite::…` and `postgres::…`, see `common::on_both_databases!`).

mod common;

mod availability;
mod cli;
mod errors;
mod login;
mod sessions;
