//! SQLite: its connections, their set-up and migrations, and the queries compiled for it.

use std::time::Duration;

use anyhow::Context as _;
use diesel::result::QueryResult;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection as _, SimpleAsyncConnection as _};
use diesel_migrations::{embed_migrations, EmbeddedMigrations};

use super::{sqlite_plans, Pool, PoolOptions};

// The queries, compiled for this backend; `postgres.rs` compiles the same folder for the other
// (on purpose, hence `duplicate_mod`: see `queries/mod.rs`).
#[path = "queries/mod.rs"]
#[allow(clippy::duplicate_mod)]
mod queries;
// Every query module, as `db::<backend>::<resource>`.
pub use queries::*;

/// A SQLite connection (diesel's synchronous one, run on tokio's blocking threads).
pub type Conn = SyncConnectionWrapper<diesel::SqliteConnection>;
/// What a statement that may run beside others takes. SQLite runs in-process: there is no round
/// trip to share, so it is the connection itself and [`pipeline2`] runs one statement after the
/// other.
pub type Shared<'a> = &'a mut Conn;
pub type Manager = AsyncDieselConnectionManager<Conn>;

pub(super) const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Runs `a` then `b` on `conn`: PostgreSQL's pipelining has nothing to save here.
pub async fn pipeline2<A, B>(
    conn: &mut Conn,
    a: impl AsyncFnOnce(&mut Conn) -> QueryResult<A>,
    b: impl AsyncFnOnce(&mut Conn) -> QueryResult<B>,
) -> QueryResult<(A, B)> {
    let a = a(&mut *conn).await?;
    let b = b(&mut *conn).await?;
    Ok((a, b))
}

/// Runs `a`, `b`, then `c` on `conn`.
pub async fn pipeline3<A, B, C>(
    conn: &mut Conn,
    a: impl AsyncFnOnce(&mut Conn) -> QueryResult<A>,
    b: impl AsyncFnOnce(&mut Conn) -> QueryResult<B>,
    c: impl AsyncFnOnce(&mut Conn) -> QueryResult<C>,
) -> QueryResult<(A, B, C)> {
    let a = a(&mut *conn).await?;
    let b = b(&mut *conn).await?;
    let c = c(&mut *conn).await?;
    Ok((a, b, c))
}

/// The file path of a `sqlite://PATH` URL.
fn path_of(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

/// Opens a connection the way every SQLite connection of the server is opened.
async fn establish(path: &str, busy_timeout: Duration) -> diesel::ConnectionResult<Conn> {
    sqlite_plans::enable_for_new_connections();
    let mut conn = Conn::establish(path).await?;
    // busy_timeout first: setting the journal mode needs a lock, and another connection (a
    // second instance, its background sweep) may be writing at that moment.
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA foreign_keys = ON;",
        busy_timeout.as_millis()
    ))
    .await
    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

/// The pool for `url` (its file's folder created); connections open on first use.
pub(super) fn connect(url: &str, options: &PoolOptions) -> anyhow::Result<Pool> {
    create_folder(url)?;
    let busy_timeout = options.sqlite_busy_timeout;
    let mut config = ManagerConfig::default();
    config.custom_setup = Box::new(move |url| Box::pin(establish(path_of(url), busy_timeout)));
    Ok(Pool::Sqlite(super::pool_builder(options).build_unchecked(Manager::new_with_config(url, config))))
}

/// A connection of its own, for the migration harness.
pub(super) async fn migration_connection(url: &str, options: &PoolOptions) -> anyhow::Result<Conn> {
    create_folder(url)?;
    establish(path_of(url), options.sqlite_busy_timeout).await.with_context(|| format!("opening {url}"))
}

/// A consistent copy of the database at `url` into the new file `out` (SQLite's `VACUUM INTO`:
/// one read transaction, so writers go on and the copy is as of its start); its size in bytes.
pub async fn backup(url: &str, options: &PoolOptions, out: &std::path::Path) -> anyhow::Result<u64> {
    anyhow::ensure!(!out.exists(), "{} exists: a backup never overwrites a file", out.display());
    let target = out.to_str().with_context(|| format!("{}: not a UTF-8 path", out.display()))?;
    let mut conn =
        establish(path_of(url), options.sqlite_busy_timeout).await.with_context(|| format!("opening {url}"))?;
    conn.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))
        .await
        .with_context(|| format!("copying {url} into {}", out.display()))?;
    Ok(std::fs::metadata(out)?.len())
}

fn create_folder(url: &str) -> anyhow::Result<()> {
    if let Some(dir) = std::path::Path::new(path_of(url)).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(())
}
