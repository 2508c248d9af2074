//! Storage: one pool over SQLite or PostgreSQL, chosen once from the database URL.
//!
//! # Where things are
//!
//! - `queries/` — every query, written once as plain diesel code, one file per resource. The
//!   folder is compiled twice, as `sqlite::queries` and `postgres::queries`; how, and the rules
//!   for adding a query, are in `queries/mod.rs`.
//! - `rows.rs` — the rows and outcomes that queries hand to the handlers (one type for both
//!   backends). `schema.rs` — the tables, as diesel sees them. `cached.rs` — the statement-cache
//!   wrappers. `sqlite.rs`, `postgres.rs` — each backend's connections, set-up and migrations
//!   (`sqlite/writer.rs`: the connection every SQLite write goes through).
//! - [`db!`] runs a query on the pool's backend: `db!(pool, tasks::create(&task, &op))`.
//!
//! # Failures
//!
//! [`DbError::Unavailable`] when no connection can be had within the pool's timeout, a
//! connection dies under a query, or SQLite stays locked by another process past the busy timeout
//! (→ 503 / 10205); [`DbError::Duplicate`] for a unique constraint; anything else is
//! [`DbError::Query`] (→ 500, logged). Told apart by the error's kind, never its message
//! (`sqlite/failures.rs`, `postgres/failures.rs`). bb8 does not test connections
//! on checkout (a `SELECT 1` per request would double the statements): a connection whose query
//! failed because the database went away reports itself broken and bb8 drops it, so the server
//! recovers by itself once the database answers again.

mod cached;
pub mod migrations;
pub mod postgres;
pub mod rows;
pub mod schema;
pub mod sqlite;
mod sqlite_plans;
#[cfg(test)]
mod statements;

use std::time::Duration;

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// `db!(pool, module::function(args…))`: checks a connection out of `pool` and runs the query
/// function of the pool's backend on it (`sqlite::<module>::<function>` or
/// `postgres::<module>::<function>`). Evaluates to `Result<T, DbError>`, the error sorted by the
/// backend (`sqlite::failure`, `postgres::outcome`). On SQLite it runs again while another
/// connection holds a lock it needs (`sqlite::Retry`): the arguments are evaluated for each
/// attempt.
///
/// `db!(shared: pool, module::function(args…))`: on PostgreSQL, runs it on one of the
/// connections many requests use at once (the function takes a `Shared` connection) — for
/// statements outside transactions only. On SQLite, a pooled connection as above.
///
/// `db!(write: pool, module::function(args…))`: every query that writes. On SQLite, it runs on
/// the one writer connection, queued behind the writes before it, and again while another
/// process holds the database's write lock (`sqlite::Writer::turn`): the arguments are
/// evaluated for each attempt. On PostgreSQL, a pooled connection as above.
macro_rules! db {
    (write: $pool:expr, $module:ident :: $function:ident ( $($arg:expr),* $(,)? )) => {
        match $pool {
            $crate::db::Pool::Sqlite(_, writer) => match writer.turn().await {
                Ok(mut turn) => loop {
                    let result = match turn.conn().await {
                        Ok(conn) => $crate::db::sqlite::$module::$function(conn, $($arg),*).await,
                        Err(e) => break Err(e),
                    };
                    if let Some(outcome) = turn.settle(result).await {
                        break outcome;
                    }
                },
                Err(e) => Err(e),
            },
            $crate::db::Pool::Postgres(..) => $crate::db::db!($pool, $module::$function($($arg),*)),
        }
    };
    ($pool:expr, $module:ident :: $function:ident ( $($arg:expr),* $(,)? )) => {
        match $pool {
            $crate::db::Pool::Sqlite(pool, writer) => {
                let mut retry = $crate::db::sqlite::Retry::new(writer.busy_timeout());
                loop {
                    let result = match pool.get().await {
                        Ok(mut conn) => $crate::db::sqlite::$module::$function(&mut *conn, $($arg),*).await,
                        Err(e) => break Err($crate::db::DbError::from(e)),
                    };
                    if let Some(outcome) = retry.settle(result).await {
                        break outcome;
                    }
                }
            }
            $crate::db::Pool::Postgres(pool, _) => match $crate::db::postgres::checkout_live(pool).await {
                Ok(mut conn) => {
                    let result = $crate::db::postgres::$module::$function(&mut *conn, $($arg),*).await;
                    $crate::db::postgres::outcome(result, &*conn).await
                }
                Err(e) => Err(e),
            },
        }
    };
    (shared: $pool:expr, $module:ident :: $function:ident ( $($arg:expr),* $(,)? )) => {
        match $pool {
            $crate::db::Pool::Sqlite(..) => $crate::db::db!($pool, $module::$function($($arg),*)),
            $crate::db::Pool::Postgres(_, shared) => match shared.get().await {
                Ok(conn) => {
                    let result = $crate::db::postgres::$module::$function(&*conn, $($arg),*).await;
                    let result = $crate::db::postgres::outcome(result, &*conn).await;
                    if let Err($crate::db::DbError::Unavailable(_)) = &result {
                        shared.forget(&conn);
                    }
                    result
                }
                Err(e) => Err(e),
            },
        }
    };
}
pub(crate) use db;

/// Settings of the pool (from the configuration).
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    /// PostgreSQL only: connections outside the pool that many requests read through at once.
    pub read_connections: u32,
    /// How long a request waits for a connection before answering 503.
    pub connection_timeout: Duration,
    /// SQLite only: how long a statement waits for a lock held by another connection.
    pub sqlite_busy_timeout: Duration,
    /// PostgreSQL only: libpq's `sslmode` and `sslrootcert`, unless the URL gives its own
    /// (`postgres::tls`).
    pub sslmode: postgres::tls::SslMode,
    pub sslrootcert: String,
    /// PostgreSQL only: what stands between the server and the database.
    pub pooler: postgres::Pooler,
    /// Where a connection that could not be opened is logged (the server's log); a request
    /// waiting for it only learns that none came in time.
    pub log: Option<slog::Logger>,
}

/// The connection pool, over one of the two backends.
#[derive(Clone)]
pub enum Pool {
    /// The pool (reads), and the connection every write goes through ([`sqlite::Writer`]).
    Sqlite(bb8::Pool<sqlite::Manager>, std::sync::Arc<sqlite::Writer>),
    /// The pool, and the connections reads share ([`postgres::SharedConns`]).
    Postgres(bb8::Pool<postgres::Manager>, std::sync::Arc<postgres::SharedConns>),
}

impl Pool {
    /// The pool for `url` (creating the SQLite file's folder). It connects on first use, and
    /// does not migrate: see [`migrations`].
    pub fn connect(url: &DatabaseUrl, options: &PoolOptions) -> anyhow::Result<Pool> {
        match url.backend {
            Backend::Sqlite => sqlite::connect(&url.url, options),
            Backend::Postgres => postgres::connect(&url.url, options),
        }
    }

    /// A consistent copy of the database at `url` into the new file `out`; its size. SQLite
    /// only: a PostgreSQL database is copied with its own tools (`pg_dump`, docs/deploy.md).
    pub async fn backup(url: &DatabaseUrl, options: &PoolOptions, out: &std::path::Path) -> anyhow::Result<u64> {
        match url.backend {
            Backend::Sqlite => sqlite::backup(&url.url, options, out).await,
            Backend::Postgres => anyhow::bail!(
                "`server backup` copies a SQLite database; for PostgreSQL use its own tools: \
                 pg_dump --format=custom --file {} '<the database URL>' (docs/deploy.md)",
                out.display()
            ),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(..) => Backend::Sqlite,
            Pool::Postgres(..) => Backend::Postgres,
        }
    }
}

/// A bb8 pool with the server's settings.
fn pool_builder<M: bb8::ManageConnection>(options: &PoolOptions) -> bb8::Builder<M>
where
    M::Error: std::fmt::Display,
{
    let builder = bb8::Pool::builder()
        .max_size(options.max_size)
        .connection_timeout(options.connection_timeout)
        .test_on_check_out(false);
    match &options.log {
        Some(log) => builder.error_sink(Box::new(LogConnectErrors(log.clone()))),
        None => builder,
    }
}

/// Logs each connection the pool could not open, with its cause (PostgreSQL's refusal says which
/// settings to change): bb8 answers the request that waited for it only with a timeout.
#[derive(Debug, Clone)]
struct LogConnectErrors(slog::Logger);

impl<E: std::fmt::Display> bb8::ErrorSink<E> for LogConnectErrors {
    fn sink(&self, error: E) {
        slog::warn!(self.0, "could not open a database connection"; "cause" => %error);
    }

    fn boxed_clone(&self) -> Box<dyn bb8::ErrorSink<E>> {
        Box::new(self.clone())
    }
}

/// What went wrong talking to the database.
#[derive(Debug)]
pub enum DbError {
    /// No connection within the timeout, or the connection died: the database is unreachable.
    Unavailable(String),
    /// A unique constraint refused the write.
    Duplicate(String),
    /// Any other failure of a query.
    Query(DieselError),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Unavailable(m) => write!(f, "database unavailable: {m}"),
            DbError::Duplicate(m) => write!(f, "duplicate entry: {m}"),
            DbError::Query(e) => write!(f, "query failed: {e}"),
        }
    }
}

impl std::error::Error for DbError {}

impl DbError {
    /// `e`, sorted by diesel's kind of it alone; each backend refines what that cannot tell
    /// (`sqlite::failure`, `postgres::outcome`).
    fn of_kind(e: DieselError) -> DbError {
        match &e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                DbError::Duplicate(info.message().to_owned())
            }
            // diesel-async's kinds for a tokio-postgres error without a SQLSTATE (the connection
            // closed, an I/O error) and for SQLite's blocking thread failing to run a statement.
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => DbError::Unavailable(info.message().to_owned()),
            _ => DbError::Query(e),
        }
    }
}

impl<E: std::fmt::Display> From<bb8::RunError<E>> for DbError {
    fn from(e: bb8::RunError<E>) -> Self {
        match e {
            bb8::RunError::TimedOut => DbError::Unavailable("timed out waiting for a connection".to_owned()),
            bb8::RunError::User(e) => DbError::Unavailable(e.to_string()),
        }
    }
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database URL, and the backend it names: the setting `database`, read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

impl DatabaseUrl {
    /// `sqlite://PATH`, or `postgres://…` (also `postgresql://…`).
    pub fn parse(url: &str) -> anyhow::Result<DatabaseUrl> {
        let backend = if url.starts_with("sqlite://") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            anyhow::bail!("database URL {url:?}: expected sqlite://PATH or postgres://…")
        };
        Ok(DatabaseUrl { url: url.to_owned(), backend })
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = anyhow::Error;

    fn from_str(url: &str) -> anyhow::Result<DatabaseUrl> {
        DatabaseUrl::parse(url)
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}
