//! The one connection every write of this process goes through, one write at a time, in the
//! order they asked (tokio's mutex is fair).
//!
//! Why one: SQLite lets one connection write at a time. With every pooled connection writing, a
//! write that found the lock taken slept in SQLite's busy handler, retrying at growing intervals
//! in no order, and the slowest writes took many times longer (`docs/performance.md`). Queued
//! here, a write waits only for the writes before it. Reads stay on the pool and, in WAL mode,
//! never wait for a write.
//!
//! Why inline: the writer's statements run on the runtime thread of the request that writes,
//! because a write is SQLite's work in the page cache (`synchronous = NORMAL` in WAL mode,
//! checkpoints on a thread of their own) and a hand-off to a blocking thread costs more than
//! that work (`docs/performance.md`). That holds only while its statements never wait for a
//! lock, so the writer's connection has a busy timeout of zero: when another process (the CLI, a
//! second instance) holds the database's write lock, a statement fails at once with
//! `SQLITE_BUSY`, the write changes nothing, and `db!(write: …)` runs it again ([`Turn`]) after
//! a pause spent asleep on the runtime, not on its thread, up to `sqlite_busy_timeout_ms` in all.
//! This module alone makes a [`Runner`] that runs inline, and only for that connection.
//!
//! What is left on the thread besides SQLite's own work: the first write after a checkpoint
//! copied the whole WAL starts it afresh and syncs its new header (`walFrames` in SQLite's
//! `wal.c`), at most once per checkpoint.

use std::time::Duration;

use diesel::result::QueryResult;

use super::{open_inline, Conn, Retry};
use crate::db::DbError;

pub struct Writer {
    conn: tokio::sync::Mutex<Option<Conn>>,
    path: String,
    /// How long a write keeps trying while another process holds the write lock.
    busy_timeout: Duration,
    /// How long a write waits for its turn before it is refused (503), like a pool checkout.
    wait: Duration,
}

impl Writer {
    /// The writer of the database file at `path`; its connection opens on first use.
    pub(super) fn new(path: &str, busy_timeout: Duration, wait: Duration) -> Writer {
        Writer { conn: tokio::sync::Mutex::new(None), path: path.to_owned(), busy_timeout, wait }
    }

    pub(super) fn path(&self) -> &str {
        &self.path
    }

    /// How long a statement keeps trying while another connection holds a lock it needs
    /// (`sqlite_busy_timeout_ms`).
    pub fn busy_timeout(&self) -> Duration {
        self.busy_timeout
    }

    /// This write's turn on the writer connection, once the writes queued before it are done:
    /// `db!(write: …)` runs the write with `Turn::conn` and hands its result to
    /// `Turn::settle`, again until that says it is settled.
    pub async fn turn(&self) -> Result<Turn<'_>, DbError> {
        let guard = tokio::time::timeout(self.wait, self.conn.lock())
            .await
            .map_err(|_| DbError::Unavailable("timed out waiting for the writer connection".to_owned()))?;
        Ok(Turn { writer: self, guard, retry: Retry::new(self.busy_timeout) })
    }

    /// Opens the writer's connection (`open_inline`).
    async fn open(&self) -> Result<Conn, DbError> {
        open_inline(&self.path, self.busy_timeout)
            .await
            .map_err(|e| DbError::Unavailable(format!("opening the writer connection: {e}")))
    }
}

/// One write's hold on the writer connection (the writes queued behind it wait until it is
/// dropped).
///
/// While another process holds the database's write lock, the write fails at once having
/// changed nothing (every write is one statement or one transaction, rolled back when it fails)
/// and is run again after a pause, until it succeeds or `sqlite_busy_timeout_ms` has passed since
/// its turn began; the writes queued behind it wait meanwhile, as they would behind SQLite's busy
/// handler.
pub struct Turn<'a> {
    writer: &'a Writer,
    guard: tokio::sync::MutexGuard<'a, Option<Conn>>,
    retry: Retry,
}

impl Turn<'_> {
    /// The writer connection, opened if it is not.
    pub async fn conn(&mut self) -> Result<&mut Conn, DbError> {
        if self.guard.is_none() {
            *self.guard = Some(self.writer.open().await?);
        }
        Ok(self.guard.as_mut().expect("opened above"))
    }

    /// The outcome of the write whose `result` this is, its error sorted ([`super::failure`]); or
    /// `None` after a pause, when the write is to run again.
    pub async fn settle<T>(&mut self, result: QueryResult<T>) -> Option<Result<T, DbError>> {
        let outcome = self.retry.settle(result).await?;
        if outcome.is_err() {
            if let Some(conn) = self.guard.as_mut() {
                if diesel_async::pooled_connection::PoolableConnection::is_broken(conn) {
                    // Left inside a transaction: the next write gets a fresh connection.
                    *self.guard = None;
                }
            }
        }
        Some(outcome)
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection as _;
    use diesel::Connection as _;
    use diesel_migrations::MigrationHarness as _;

    use super::*;
    use crate::db::rows::{NewUser, UserChange};
    use crate::db::{db, Pool};

    /// The server's pool on a new, migrated database file in `dir`, whose statements keep trying
    /// for `busy_timeout`, and another process's connection to the file (as the CLI's would be).
    fn pool_and_other(dir: &tempfile::TempDir, busy_timeout: Duration) -> (Pool, diesel::SqliteConnection) {
        let path = dir.path().join("db.sqlite").to_str().unwrap().to_owned();
        let mut other = diesel::SqliteConnection::establish(&path).unwrap();
        other.batch_execute("PRAGMA journal_mode = WAL").unwrap();
        other.run_pending_migrations(super::super::MIGRATIONS).unwrap();
        let options = crate::db::PoolOptions {
            max_size: 2,
            read_connections: 1,
            connection_timeout: Duration::from_secs(30),
            sqlite_busy_timeout: busy_timeout,
            sslmode: crate::db::postgres::tls::SslMode::Disable,
            sslrootcert: String::new(),
            pooler: crate::db::postgres::Pooler::None,
            log: None,
        };
        (super::super::connect(&path, &options).unwrap(), other)
    }

    fn user(name: &'static str) -> NewUser<'static> {
        NewUser { name, password_hash: "-", role: 0, perm: 0, created_at: 0, updated_at: 0 }
    }

    /// On a runtime of one thread: were the write waiting on that thread, nothing else would run
    /// until it gave up.
    #[tokio::test(flavor = "current_thread")]
    async fn a_write_waiting_for_another_process_leaves_the_runtime_free_and_reads_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let (pool, mut other) = pool_and_other(&dir, Duration::from_secs(60));
        other.batch_execute("BEGIN IMMEDIATE").unwrap();
        let writing = tokio::spawn({
            let pool = pool.clone();
            async move { db!(write: &pool, users::insert(&user("alice"))) }
        });
        // Lets the write try, find the lock taken and wait.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(db!(&pool, users::count()).unwrap(), 0, "a read meanwhile");
        assert!(!writing.is_finished(), "the write waits for the lock, it has not given up");
        other.batch_execute("COMMIT").unwrap();
        writing.await.unwrap().unwrap();
        assert_eq!(db!(&pool, users::count()).unwrap(), 1);
    }

    /// A transaction that met the lock was rolled back, and runs again whole.
    #[tokio::test(flavor = "current_thread")]
    async fn a_transaction_that_met_the_lock_goes_through_once_it_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let (pool, mut other) = pool_and_other(&dir, Duration::from_secs(60));
        db!(write: &pool, users::insert(&user("alice"))).unwrap();
        other.batch_execute("BEGIN IMMEDIATE").unwrap();
        let changing = tokio::spawn({
            let pool = pool.clone();
            async move {
                let change = UserChange { password_hash: Some("new"), disabled: None, updated_at: 1 };
                db!(write: &pool, users::change_and_revoke("alice", &change))
            }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!changing.is_finished(), "the write waits for the lock");
        other.batch_execute("COMMIT").unwrap();
        assert!(changing.await.unwrap().unwrap(), "alice was changed");
        let alice = db!(&pool, users::find_by_name("alice")).unwrap().unwrap();
        assert_eq!(alice.password_hash, "new");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_lock_held_past_the_busy_timeout_is_unavailable_and_the_write_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (pool, mut other) = pool_and_other(&dir, Duration::from_millis(300));
        other.batch_execute("BEGIN IMMEDIATE").unwrap();
        let refused = db!(write: &pool, users::insert(&user("alice")));
        assert!(matches!(refused, Err(DbError::Unavailable(_))), "{refused:?}");
        other.batch_execute("COMMIT").unwrap();
        assert_eq!(db!(&pool, users::count()).unwrap(), 0);
        db!(write: &pool, users::insert(&user("alice"))).unwrap();
        assert_eq!(db!(&pool, users::count()).unwrap(), 1);
    }
}
