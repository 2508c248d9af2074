//! Every query, one file per resource, written once as plain diesel code.
//!
//! This folder is compiled twice: as `db::sqlite::queries` (from `sqlite.rs`) and as
//! `db::postgres::queries` (from `postgres.rs`), each re-exported as `db::sqlite::tasks` and so
//! on. Below, `Conn`, `Shared`, `transaction` and `pipeline2`/`pipeline3` are that backend's, so
//! a query file imports them — and the other query files it calls — from `super`: in `tasks.rs`,
//! `use super::{oplog, Conn}` is this backend's operation log and connection type. The handlers
//! run a query with `db!(pool, tasks::create(…))`, which picks the pool's backend.
//!
//! # Adding a query
//!
//! 1. Write it in the file of its resource, taking `conn: &mut Conn` — or `conn: Shared<'_>` if
//!    it may run beside other statements (4.) — and returning `QueryResult<T>`. Rows it returns
//!    that a handler reads go in `db/rows.rs`. A write is one statement or one transaction: on
//!    SQLite, one that found the database locked by another process is run again whole
//!    (`sqlite/writer.rs`), so a failed attempt must have changed nothing. A write that changes
//!    something appends its operation-log row with `oplog::append` inside the same transaction.
//!    A transaction is `transaction(conn, async |conn| …)`, not diesel's `conn.transaction`: on
//!    PostgreSQL it sends `BEGIN` with the first statements, a round trip fewer
//!    (`postgres::transaction`); return `Err(RollbackTransaction)` to undo statements sent before
//!    their outcome was known (`tasks::change_and_log`).
//! 2. Filter on indexed columns only. PostgreSQL runs every prepared statement on its generic
//!    plan (`postgres::establish`) and SQLite keeps the plan a statement was prepared with
//!    (`sqlite_plans.rs`): no value gets a plan of its own, so an unindexed filter is a scan on
//!    every call.
//! 3. Keep it a cached prepared statement. diesel refuses to cache UPDATEs, upserts and inserts
//!    of an `Insertable` struct: wrap those in `cached::CacheBySql`. A read on a hot path whose
//!    type alone names its statement (no `IN (…)` list) runs with `SqlOnce::load(query, conn)` or
//!    `SqlOnce::get_result(query, conn)` (`cached::SqlOnce`), so that its SQL text is built once
//!    rather than on every call.
//! 4. Pick the connection. Anything that writes: `db!(write: pool, module::query(…))` — on
//!    SQLite the one writer connection, writes queued in order (`sqlite::Writer`); on
//!    PostgreSQL a pooled one. A read in a transaction: `db!(pool, module::query(…))`, a pooled
//!    connection. A read outside any transaction may go through the connections many requests
//!    share: `db!(shared: pool, module::query(…))` (PostgreSQL's `postgres::SharedConns`; a
//!    pooled one on SQLite). Statements that do not need each other's
//!    results go out together with `pipeline2`/`pipeline3`: one round trip on PostgreSQL.
//! 5. Test it through the endpoint that uses it, on both databases (`server/tests/integration`).
//!    `round_trips.rs` there counts round trips; `db/statements.rs` checks caching and plans.
//! 6. If an endpoint the benchmark measures sends it, the benchmark's limits send it too
//!    (`xtask/tools/src/bench/scripts.rs`, `sqlite_limit.rs`): `cargo test` fails, naming the
//!    endpoint and both statements, until they follow (`bench/sql_drift.rs`).

pub use super::{pipeline2, pipeline3, transaction, Conn, Shared};

pub mod health;
pub mod oplog;
pub mod sessions;
pub mod tasks;
pub mod users;
