//! Storage: one pool over SQLite or PostgreSQL, chosen once from the database URL.
//!
//! Each query is written once, in the file of its resource (`users.rs`, `sessions.rs`, …), inside
//! [`queries!`], which compiles it for both backends (`users::sqlite::f`, `users::postgres::f`)
//! against the concrete connection type; [`db!`] picks the one that matches the pool. That keeps
//! the queries as plain diesel code (no `where` clause per statement, as a function generic over
//! `C: AsyncConnection` would need) while guaranteeing both backends run the same text.
//!
//! Errors: [`DbError::Unavailable`] when no connection can be had within the pool's timeout or a
//! connection dies under a query (→ 503 / 10205); anything else is [`DbError::Query`] (→ 500,
//! logged). bb8 does not test connections on checkout (a `SELECT 1` per request doubles the
//! statements); a connection whose query failed because the database went away reports itself
//! broken (`is_broken`) and bb8 drops it instead of returning it to the pool, so the server recovers
//! by itself once the database answers again: the next checkout opens a fresh connection. A
//! connection closed while it sat idle in the pool is skipped at checkout ([`checkout_live`]), so
//! the first request after an outage does not answer 503 with it.

pub mod cached;
pub mod oplog;
pub mod schema;
pub mod sessions;
pub mod shared;
mod sqlite_plans;
pub mod tasks;
pub mod users;

use std::time::Duration;

use anyhow::Context as _;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sqlite::SqliteConnection;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub type SqliteConn = SyncConnectionWrapper<SqliteConnection>;
pub type PgConn = AsyncPgConnection;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Compiles the query functions inside it once per backend: `mod sqlite` and `mod postgres`,
/// each with `Conn` bound to that backend's connection type, `Shared` to a connection several
/// statements can be in flight on (see [`pipeline_postgres!`]), `oplog` naming the same backend's
/// operation-log queries (so a write appends its row with `oplog::append`), `session_queries` its
/// session queries and `pipeline!` its way of running independent statements together.
macro_rules! queries {
    ($($item:item)*) => {
        pub mod sqlite {
            #![allow(unused_imports)]
            use super::*;
            use $crate::db::oplog::sqlite as oplog;
            use $crate::db::sessions::sqlite as session_queries;
            use $crate::db::pipeline_sqlite as pipeline;
            pub type Conn = $crate::db::SqliteConn;
            pub type Shared<'a> = &'a mut $crate::db::SqliteConn;
            $($item)*
        }
        pub mod postgres {
            #![allow(unused_imports)]
            use super::*;
            use $crate::db::oplog::postgres as oplog;
            use $crate::db::sessions::postgres as session_queries;
            use $crate::db::pipeline_postgres as pipeline;
            pub type Conn = $crate::db::PgConn;
            pub type Shared<'a> = &'a $crate::db::PgConn;
            $($item)*
        }
    };
}
pub(crate) use queries;

/// `pipeline!(conn; f(a), g(b, c))` on PostgreSQL: runs the query functions (each taking a
/// [`Shared`](sessions::postgres::Shared) connection first) with all their statements in flight
/// at once — one round trip instead of one each (tokio-postgres writes the queued statements
/// together and PostgreSQL runs and answers them in order). Evaluates to `QueryResult<(F, G)>`.
/// For statements that don't need each other's results; inside a transaction a failing one
/// aborts the rest, its error is the one returned, and the transaction rolls back.
macro_rules! pipeline_postgres {
    ($conn:expr; $($($f:ident)::+ ( $($arg:expr),* $(,)? )),+ $(,)?) => {{
        let shared: &$crate::db::PgConn = &*$conn;
        futures_util::try_join!($($($f)::+(shared, $($arg),*)),+)
    }};
}
pub(crate) use pipeline_postgres;

/// [`pipeline_postgres!`] on SQLite: one statement after the other (SQLite runs in-process, there
/// is no round trip to save).
macro_rules! pipeline_sqlite {
    ($conn:expr; $($($f:ident)::+ ( $($arg:expr),* $(,)? )),+ $(,)?) => {{
        let conn: &mut $crate::db::SqliteConn = &mut *$conn;
        Ok::<_, diesel::result::Error>(($($($f)::+(&mut *conn, $($arg),*).await?,)+))
    }};
}
pub(crate) use pipeline_sqlite;

/// `db!(pool, users::find_by_name(name))`: checks a connection out of `pool` and runs the query
/// of the pool's backend on it. Evaluates to `Result<T, DbError>`.
///
/// `db!(shared: pool, sessions::find_by_token(hash))`: on PostgreSQL, runs the query on one of the
/// connections many requests use at once ([`shared`]; the query takes a `Shared` connection) — for
/// statements outside transactions only. On SQLite, a pooled connection as above.
#[macro_export]
macro_rules! db {
    ($pool:expr, $module:ident :: $function:ident ( $($arg:expr),* $(,)? )) => {
        match $pool {
            $crate::db::Pool::Sqlite(pool) => match pool.get().await {
                Ok(mut conn) => $crate::db::$module::sqlite::$function(&mut *conn, $($arg),*)
                    .await
                    .map_err($crate::db::DbError::from),
                Err(e) => Err($crate::db::DbError::from(e)),
            },
            $crate::db::Pool::Postgres(pool, _) => match $crate::db::checkout_live(pool).await {
                Ok(mut conn) => $crate::db::$module::postgres::$function(&mut *conn, $($arg),*)
                    .await
                    .map_err($crate::db::DbError::from),
                Err(e) => Err(e),
            },
        }
    };
    (shared: $pool:expr, $module:ident :: $function:ident ( $($arg:expr),* $(,)? )) => {
        match $pool {
            $crate::db::Pool::Sqlite(_) => $crate::db!($pool, $module::$function($($arg),*)),
            $crate::db::Pool::Postgres(_, shared) => match shared.get().await {
                Ok(conn) => {
                    let result = $crate::db::$module::postgres::$function(&*conn, $($arg),*)
                        .await
                        .map_err($crate::db::DbError::from);
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

/// A pooled PostgreSQL connection not known to be dead. One that PostgreSQL closed while it sat
/// in the pool (a restart, a cut network) is handed back instead — bb8 then sees it broken and
/// drops it — rather than to a request that would answer 503 with it. No round trip: it only asks
/// whether the connection's task has ended. Gives up after as many tries as the pool holds.
pub async fn checkout_live(
    pool: &bb8::Pool<AsyncDieselConnectionManager<PgConn>>,
) -> Result<bb8::PooledConnection<'_, AsyncDieselConnectionManager<PgConn>>, DbError> {
    use diesel_async::pooled_connection::PoolableConnection as _;
    let mut conn = pool.get().await?;
    if conn.is_broken() {
        // Rare (after an outage): only then read the pool's state.
        for _ in 0..pool.state().connections {
            drop(conn);
            conn = pool.get().await?;
            if !conn.is_broken() {
                break;
            }
        }
    }
    Ok(conn)
}

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
}

/// The connection pool, over one of the two backends.
#[derive(Clone)]
pub enum Pool {
    Sqlite(bb8::Pool<AsyncDieselConnectionManager<SqliteConn>>),
    /// The pool, and the connections reads share ([`shared`]).
    Postgres(bb8::Pool<AsyncDieselConnectionManager<PgConn>>, std::sync::Arc<shared::SharedConns>),
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

impl From<DieselError> for DbError {
    fn from(e: DieselError) -> Self {
        match &e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                DbError::Duplicate(info.message().to_owned())
            }
            // diesel-async's PostgreSQL connection reports I/O failures (no SQLSTATE) this way.
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => DbError::Unavailable(info.message().to_owned()),
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) if is_unavailable_message(info.message()) => {
                DbError::Unavailable(info.message().to_owned())
            }
            _ => DbError::Query(e),
        }
    }
}

/// Messages of errors that mean "the database is not there" rather than "this query is wrong":
/// a connection closed under a query (PostgreSQL restarting or stopped) and SQLite's lock
/// timeouts.
fn is_unavailable_message(message: &str) -> bool {
    const MARKERS: &[&str] = &[
        "connection closed",
        "terminating connection",
        "the database system is shutting down",
        "the database system is starting up",
        "database is locked",
        "database is busy",
        "error communicating with database",
        "unexpected EOF",
        "broken pipe",
        "connection reset",
    ];
    let lower = message.to_ascii_lowercase();
    MARKERS.iter().any(|m| lower.contains(&m.to_ascii_lowercase()))
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

impl Backend {
    pub fn of_url(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("sqlite://") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!("database URL {url:?}: expected sqlite://PATH or postgres://…")
        }
    }
}

/// The PostgreSQL URL with TCP timeouts added unless the URL sets its own: without them a
/// connection to a host that vanished (no RST, e.g. a network partition) hangs its request until
/// the kernel gives up, minutes later. `tcp_user_timeout` bounds unacknowledged writes, the
/// keepalives bound a silent wait for an answer; the pool then drops the dead connection.
fn postgres_url(url: &str) -> String {
    const DEFAULTS: &[(&str, &str)] = &[
        ("tcp_user_timeout", "10"),
        ("keepalives_idle", "10"),
        ("keepalives_interval", "5"),
        ("keepalives_retries", "3"),
    ];
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let present = |key: &str| query.split('&').any(|kv| kv.split('=').next() == Some(key));
    let mut out = url.to_owned();
    for (key, value) in DEFAULTS {
        if !present(key) {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(&format!("{key}={value}"));
        }
    }
    out
}

/// Opens a PostgreSQL connection that plans each prepared statement once.
///
/// Why: with PostgreSQL's default `plan_cache_mode = auto`, a prepared statement is planned again
/// with its values on every execution until a generic plan looks no costlier than those. A
/// `LIMIT $n` is unknown to the generic plan, which then assumes a tenth of the rows: the list
/// page's generic plan never qualified (cost 2,605 against 65) and every page was planned afresh.
/// Measured (user with 460k tasks, 32 connections): the shared connection's backend spent ~158 µs
/// of CPU per page, saturating its core at ~7k pages/s; with generic plans ~57 µs and ~14k/s.
/// Every statement here finds its rows through an index on the columns it filters on, so the
/// values change no plan.
pub async fn establish_postgres(url: &str) -> diesel::ConnectionResult<PgConn> {
    let mut conn = PgConn::establish(url).await?;
    match conn.batch_execute("SET plan_cache_mode = force_generic_plan").await {
        Ok(()) => Ok(conn),
        // PostgreSQL before 12 has no such setting: it plans as it always did there.
        Err(DieselError::DatabaseError(_, info)) if info.message().contains("unrecognized configuration parameter") => {
            Ok(conn)
        }
        Err(e) => Err(diesel::ConnectionError::CouldntSetupConfiguration(e)),
    }
}

/// The file path of a `sqlite://PATH` URL.
fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

fn sqlite_setup(
    busy_timeout: Duration,
) -> impl Fn(&str) -> futures_util::future::BoxFuture<'_, diesel::ConnectionResult<SqliteConn>> + Send + Sync + 'static
{
    move |url: &str| {
        let path = sqlite_path(url).to_owned();
        sqlite_plans::enable_for_new_connections();
        Box::pin(async move {
            let mut conn = SqliteConn::establish(&path).await?;
            // busy_timeout first: setting the journal mode needs a lock, and another connection
            // (a second instance, its background sweep) may be writing at that moment.
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA foreign_keys = ON;",
                busy_timeout.as_millis()
            ))
            .await
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    }
}

impl Pool {
    /// Opens the pool for `url` (creating the SQLite file's folder) and applies the migrations.
    pub async fn connect(url: &str, options: &PoolOptions) -> anyhow::Result<Pool> {
        let pool = match Backend::of_url(url)? {
            Backend::Sqlite => {
                let path = std::path::Path::new(sqlite_path(url));
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                }
                let mut config = ManagerConfig::default();
                config.custom_setup = Box::new(sqlite_setup(options.sqlite_busy_timeout));
                let manager = AsyncDieselConnectionManager::new_with_config(url, config);
                Pool::Sqlite(builder(options).build_unchecked(manager))
            }
            Backend::Postgres => {
                let pg_url = postgres_url(url);
                let shared =
                    shared::SharedConns::new(pg_url.clone(), options.read_connections, options.connection_timeout);
                let mut config = ManagerConfig::default();
                config.custom_setup = Box::new(|url| Box::pin(establish_postgres(url)));
                let manager = AsyncDieselConnectionManager::<PgConn>::new_with_config(pg_url, config);
                Pool::Postgres(builder(options).build_unchecked(manager), std::sync::Arc::new(shared))
            }
        };
        pool.migrate(url, options).await?;
        Ok(pool)
    }

    /// Applies the pending migrations of this backend, on a connection of its own.
    async fn migrate(&self, url: &str, options: &PoolOptions) -> anyhow::Result<()> {
        let applied = match self {
            Pool::Sqlite(_) => {
                let conn =
                    sqlite_setup(options.sqlite_busy_timeout)(url).await.with_context(|| format!("opening {url}"))?;
                run_migrations(conn, SQLITE_MIGRATIONS).await?
            }
            Pool::Postgres(..) => {
                let conn = PgConn::establish(&postgres_url(url)).await.context("connecting to PostgreSQL")?;
                run_migrations(conn, POSTGRES_MIGRATIONS).await?
            }
        };
        let _ = applied;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(..) => Backend::Postgres,
        }
    }
}

async fn run_migrations<C>(conn: C, migrations: EmbeddedMigrations) -> anyhow::Result<usize>
where
    C: AsyncConnection + 'static,
    AsyncMigrationHarness<C>: MigrationHarness<C::Backend>,
{
    let mut harness = AsyncMigrationHarness::new(conn);
    let applied =
        harness.run_pending_migrations(migrations).map_err(|e| anyhow::anyhow!("applying migrations: {e}"))?;
    Ok(applied.len())
}

fn builder<M: bb8::ManageConnection>(options: &PoolOptions) -> bb8::Builder<M> {
    bb8::Pool::builder()
        .max_size(options.max_size)
        .connection_timeout(options.connection_timeout)
        .test_on_check_out(false)
}

/// Now, in Unix milliseconds: the unit of every time column.
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_get_tcp_timeouts_unless_they_set_them() {
        assert_eq!(
            postgres_url("postgres://u@h/db"),
            "postgres://u@h/db?tcp_user_timeout=10&keepalives_idle=10&keepalives_interval=5\
             &keepalives_retries=3"
        );
        let own = postgres_url("postgres://u@h/db?tcp_user_timeout=3&sslmode=disable");
        assert!(own.starts_with("postgres://u@h/db?tcp_user_timeout=3&sslmode=disable&keep"));
        assert_eq!(own.matches("tcp_user_timeout").count(), 1);
    }
}
