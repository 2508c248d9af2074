//! SQLite: its connections, their set-up and migrations, and the queries compiled for it.

use std::time::Duration;

use anyhow::Context as _;
use diesel::result::QueryResult;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection as _, SimpleAsyncConnection as _};
use diesel_migrations::{embed_migrations, EmbeddedMigrations};

use super::{sqlite_plans, Pool, PoolOptions};

mod failures;
mod writer;
pub use failures::{failure, is_locked};
pub use writer::Writer;

// The queries, compiled for this backend; `postgres.rs` compiles the same folder for the other
// (on purpose, hence `duplicate_mod`: see `queries/mod.rs`).
#[path = "queries/mod.rs"]
#[allow(clippy::duplicate_mod)]
mod queries;
// Every query module, as `db::<backend>::<resource>`.
pub use queries::*;

/// A SQLite connection: diesel's synchronous one, its statements run on tokio's blocking threads
/// (pooled connections) or where the caller is (the writer's: [`Writer`]).
pub type Conn = SyncConnectionWrapper<diesel::SqliteConnection, Runner>;

/// Where a connection's statements run. Only [`Writer`] makes one that runs them inline, on a
/// connection whose statements never wait for a lock.
pub struct Runner(Place);

enum Place {
    /// Each statement on tokio's blocking pool: the pooled connections, used from async tasks.
    Blocking,
    /// Each statement on the calling thread, a runtime worker: the writer's connection.
    Inline,
}

impl diesel_async::sync_connection_wrapper::SpawnBlocking for Runner {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> futures_util::future::BoxFuture<'a, Result<R, Box<dyn std::error::Error + Send + Sync + 'static>>>
    where
        R: Send + 'static,
    {
        use futures_util::FutureExt as _;
        match self.0 {
            Place::Blocking => tokio::task::spawn_blocking(task).map(|r| r.map_err(Box::from)).boxed(),
            Place::Inline => futures_util::future::ready(Ok(task())).boxed(),
        }
    }

    fn get_runtime() -> Self {
        Runner(Place::Blocking)
    }
}

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

/// Runs `body` in a transaction, committed if it succeeds, rolled back if it fails (whose error
/// is then the one returned): diesel's `transaction`, written out because its bound on the
/// closure's future cannot be stated for a closure passed in.
pub async fn transaction<T>(conn: &mut Conn, body: impl AsyncFnOnce(&mut Conn) -> QueryResult<T>) -> QueryResult<T> {
    use diesel_async::{AsyncConnection, TransactionManager as _};
    type Manager = <Conn as AsyncConnection>::TransactionManager;
    Manager::begin_transaction(conn).await?;
    match body(&mut *conn).await {
        Ok(value) => Manager::commit_transaction(conn).await.map(|()| value),
        Err(e) => match Manager::rollback_transaction(conn).await {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback),
        },
    }
}

/// The file path of a `sqlite://PATH` URL.
fn path_of(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

/// Opens a connection the way every SQLite connection of the server is opened.
async fn establish(path: &str, busy_timeout: Duration) -> diesel::ConnectionResult<Conn> {
    sqlite_plans::enable_for_new_connections();
    let conn = Conn::establish(path).await?;
    configure(conn, busy_timeout).await
}

/// The server's pragmas on a new connection.
async fn configure(mut conn: Conn, busy_timeout: Duration) -> diesel::ConnectionResult<Conn> {
    conn.batch_execute(&pragmas(busy_timeout)).await.map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

/// The pragmas every connection of the server starts with.
fn pragmas(busy_timeout: Duration) -> String {
    // busy_timeout first: setting the journal mode needs a lock, and another connection (a
    // second instance, its background sweep) may be writing at that moment.
    // wal_autocheckpoint = 0: the committing connection would otherwise copy the WAL into the
    // database, fsyncs included, inside whichever write crossed 1000 pages — and every write
    // queued behind it would wait (`start_checkpoints` does it beside the writes instead).
    // cache_size = 512 KiB, not 2 MiB: every pooled connection keeps a page cache of its own,
    // which any other connection's commit empties, and the OS caches the file anyway; at the
    // default the caches were most of the server's memory.
    format!(
        "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -512;",
        busy_timeout.as_millis()
    )
}

/// The pool for `url` (its file's folder created), and its writer; connections open on first
/// use.
pub(super) fn connect(url: &str, options: &PoolOptions) -> anyhow::Result<Pool> {
    create_folder(url)?;
    let busy_timeout = options.sqlite_busy_timeout;
    let mut config = ManagerConfig::default();
    config.custom_setup = Box::new(move |url| Box::pin(establish(path_of(url), busy_timeout)));
    let pool = super::pool_builder(options).build_unchecked(Manager::new_with_config(url, config));
    let writer = std::sync::Arc::new(Writer::new(path_of(url), busy_timeout, options.connection_timeout));
    start_checkpoints(&writer, busy_timeout);
    Ok(Pool::Sqlite(pool, writer))
}

/// How often the WAL is copied into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Copies the WAL into the database every [`CHECKPOINT_EVERY`], on a thread and a connection of
/// its own, until the pool's writer is dropped. A PASSIVE checkpoint takes no lock a writer or a
/// reader waits for: its fsyncs happen beside the writes, not inside one. (The server's
/// connections run none themselves: `wal_autocheckpoint = 0`.)
fn start_checkpoints(writer: &std::sync::Arc<Writer>, busy_timeout: Duration) {
    let (weak, path) = (std::sync::Arc::downgrade(writer), writer.path().to_owned());
    let run = move || {
        use diesel::connection::SimpleConnection as _;
        let mut conn: Option<diesel::SqliteConnection> = None;
        while weak.strong_count() > 0 {
            std::thread::sleep(CHECKPOINT_EVERY);
            if conn.is_none() {
                // Not before the server made the file (opening it would create an empty one).
                if !std::path::Path::new(&path).exists() {
                    continue;
                }
                let Ok(mut c) = <diesel::SqliteConnection as diesel::Connection>::establish(&path) else { continue };
                if c.batch_execute(&format!("PRAGMA busy_timeout = {}", busy_timeout.as_millis())).is_ok() {
                    conn = Some(c);
                }
            }
            if let Some(c) = conn.as_mut() {
                if c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)").is_err() {
                    conn = None;
                }
            }
        }
    };
    // Failing to start a thread leaves checkpoints to SQLite's next connection without the
    // pragma (the CLI's, a restart's recovery): the WAL only grows meanwhile.
    let _ = std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(run);
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
