//! `cargo xtask bench`: every endpoint of the release server, on PostgreSQL and SQLite, at 1, 8
//! and 32 connections (wrk), next to the limits measured in the same run: the database's
//! (pgbench running the endpoint's statements) and HTTP's (a bare hyper server, same wrk script).
//! Method and latest results: `docs/performance.md`.

mod bare;
mod cpu;
mod endpoints;
mod flood;
mod pooler;
mod report;
mod s3;
mod scripts;
#[cfg(test)]
mod sql_drift;
mod sqlite_limit;

pub use endpoints::run;
