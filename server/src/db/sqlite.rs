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

/// A SQLite connection: diesel's synchronous one, its statements run where the caller is (the
/// server's: the pooled readers and the [`Writer`]) or on tokio's blocking threads (the
/// migrations', the backup's).
pub type Conn = SyncConnectionWrapper<diesel::SqliteConnection, Runner>;

/// Where a connection's statements run. Only [`open_inline`] makes one that runs them inline,
/// on a connection whose statements never wait for a lock.
pub struct Runner(Place);

enum Place {
    /// Each statement on tokio's blocking pool: connections that may wait for a lock.
    Blocking,
    /// Each statement on the calling thread, a runtime worker: a connection with a busy timeout
    /// of zero, whose statements are SQLite's work in memory and the page cache.
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

/// Sets SQLite up for this process, once, before its first connection: its memory statistics
/// off (`SQLITE_CONFIG_MEMSTATUS`), and the planner stability guarantee on for every connection
/// ([`sqlite_plans`]).
///
/// Why the statistics: with them on (the bundled build's default) every allocation SQLite makes
/// — each value of each row read — takes one mutex for the whole process, and the runtime's
/// threads reading at once queued on it (`docs/performance.md`). Nothing here reads them.
pub fn configure_sqlite() {
    static CONFIGURE: std::sync::Once = std::sync::Once::new();
    CONFIGURE.call_once(|| {
        // SAFETY: an option that takes one int. The server opens every connection after this;
        // in a process that opened one before (a test's own), SQLite refuses it (SQLITE_MISUSE)
        // and nothing changes.
        unsafe { libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int) };
    });
    sqlite_plans::enable_for_new_connections();
}

/// Opens a connection whose statements run inline, on the runtime thread that runs them: the
/// server's readers and its writer.
///
/// Why: a statement here is SQLite's work in memory and the page cache, and a hop to a blocking
/// thread and back for each one cost more than that work (`docs/performance.md`). That holds only
/// while no statement waits for a lock, so its busy timeout is zero: a statement that meets
/// another connection's lock fails at once having done nothing, and is run again after a pause
/// spent asleep on the runtime ([`Retry`]). Its set-up, which may wait for a lock as any
/// connection's does (setting WAL mode), runs on a blocking thread first.
pub(super) async fn open_inline(path: &str, busy_timeout: Duration) -> Result<Conn, String> {
    let path = path.to_owned();
    let conn = tokio::task::spawn_blocking(move || {
        use diesel::connection::SimpleConnection as _;
        configure_sqlite();
        let mut conn = <diesel::SqliteConnection as diesel::Connection>::establish(&path).map_err(|e| e.to_string())?;
        conn.batch_execute(&pragmas(busy_timeout)).map_err(|e| e.to_string())?;
        conn.batch_execute("PRAGMA busy_timeout = 0").map_err(|e| e.to_string())?;
        Ok::<_, String>(conn)
    })
    .await
    .map_err(|e| e.to_string())??;
    Ok(Conn::with_runtime(conn, Runner(Place::Inline)))
}

/// A statement's attempts while another connection holds a lock it needs: it is run again after
/// a pause, until it succeeds or `sqlite_busy_timeout_ms` has passed since the first. Safe to run
/// again: a failed statement changed nothing, and every write is one statement or one
/// transaction, rolled back when it fails. A write meets another process's write lock; a read,
/// in WAL mode, only a connection recovering the WAL after a crash.
pub struct Retry {
    busy_timeout: Duration,
    started: std::time::Instant,
    attempts: usize,
}

/// The pauses between attempts: SQLite's own busy handler's (`sqliteDefaultBusyCallback`), the
/// last one repeated.
const PAUSES_MS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

impl Retry {
    pub fn new(busy_timeout: Duration) -> Retry {
        Retry { busy_timeout, started: std::time::Instant::now(), attempts: 0 }
    }

    /// The outcome of the attempt whose `result` this is, its error sorted ([`failure`]); or
    /// `None` after a pause, when it is to run again.
    pub async fn settle<T>(&mut self, result: QueryResult<T>) -> Option<Result<T, super::DbError>> {
        let e = match result {
            Ok(value) => return Some(Ok(value)),
            Err(e) => e,
        };
        let left = self.busy_timeout.saturating_sub(self.started.elapsed());
        if is_locked(&e) && !left.is_zero() {
            let pause = PAUSES_MS[self.attempts.min(PAUSES_MS.len() - 1)];
            self.attempts += 1;
            tokio::time::sleep(Duration::from_millis(pause).min(left)).await;
            return None;
        }
        Some(Err(failure(e)))
    }
}

/// Opens a connection the way every SQLite connection of the server is opened.
async fn establish(path: &str, busy_timeout: Duration) -> diesel::ConnectionResult<Conn> {
    configure_sqlite();
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
    // The readers: their statements run inline, like the writer's.
    config.custom_setup = Box::new(move |url| {
        let path = path_of(url).to_owned();
        Box::pin(async move { open_inline(&path, busy_timeout).await.map_err(diesel::ConnectionError::BadConnection) })
    });
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
