//! PostgreSQL: its connections (pooled, and shared by reads), their set-up and migrations, and the
//! queries compiled for it.

mod failures;
mod shared;
pub mod tls;

use anyhow::Context as _;
use diesel::result::QueryResult;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use std::sync::Arc;

use diesel_async::{AsyncConnection as _, AsyncPgConnection, SimpleAsyncConnection as _};
use diesel_migrations::{embed_migrations, EmbeddedMigrations};

pub use failures::outcome;
pub use shared::SharedConns;
use tls::Connector;

use super::{DbError, Pool, PoolOptions};

// The queries, compiled for this backend; `sqlite.rs` compiles the same folder for the other
// (on purpose, hence `duplicate_mod`: see `queries/mod.rs`).
#[path = "queries/mod.rs"]
#[allow(clippy::duplicate_mod)]
mod queries;
// Every query module, as `db::<backend>::<resource>`.
pub use queries::*;

pub type Conn = AsyncPgConnection;
/// What a statement that may run beside others takes: a shared reference, so that several
/// statements can be in flight on one connection at once ([`pipeline2`]).
pub type Shared<'a> = &'a Conn;
pub type Manager = AsyncDieselConnectionManager<Conn>;

pub(super) const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs two query functions with all their statements in flight at once: one round trip instead
/// of one each (tokio-postgres writes the queued statements together and PostgreSQL runs and
/// answers them in order). For statements that don't need each other's results. Inside a
/// transaction a failing one aborts the rest, its error is the one returned, and the transaction
/// rolls back.
pub async fn pipeline2<A, B>(
    conn: &Conn,
    a: impl AsyncFnOnce(&Conn) -> QueryResult<A>,
    b: impl AsyncFnOnce(&Conn) -> QueryResult<B>,
) -> QueryResult<(A, B)> {
    futures_util::try_join!(a(conn), b(conn))
}

/// [`pipeline2`] for three.
pub async fn pipeline3<A, B, C>(
    conn: &Conn,
    a: impl AsyncFnOnce(&Conn) -> QueryResult<A>,
    b: impl AsyncFnOnce(&Conn) -> QueryResult<B>,
    c: impl AsyncFnOnce(&Conn) -> QueryResult<C>,
) -> QueryResult<(A, B, C)> {
    futures_util::try_join!(a(conn), b(conn), c(conn))
}

/// Runs `body` in a transaction whose `BEGIN` goes out together with `body`'s first statements
/// (one round trip fewer than awaiting it on its own, as diesel's `transaction` does), then
/// `COMMIT`s, or `ROLLBACK`s when `body` fails, whose error is then the one returned.
///
/// `BEGIN` is sent before anything of `body` (it is written to the connection when first polled,
/// and polled first), and PostgreSQL runs a connection's statements in the order they arrive.
/// A `BEGIN` on an idle connection fails only when the connection does, and then so does every
/// statement behind it. The connection counts as inside a transaction from before `BEGIN` is sent
/// until `COMMIT` or `ROLLBACK` is answered: if the request is dropped in between, or they fail,
/// the pool sees it broken and closes it, so no connection goes back to the pool with a
/// transaction open.
pub async fn transaction<T>(conn: &mut Conn, body: impl AsyncFnOnce(Shared<'_>) -> QueryResult<T>) -> QueryResult<T> {
    use diesel::connection::TransactionDepthChange;
    use diesel_async::{AnsiTransactionManager, TransactionManager as _};
    let depth = |conn: &mut Conn, change| {
        AnsiTransactionManager::transaction_manager_status_mut(conn)
            .transaction_state()?
            .change_transaction_depth(change)
    };
    depth(conn, TransactionDepthChange::IncreaseDepth)?;
    let result = {
        let shared: &Conn = conn;
        let begin = async {
            let mut c = shared;
            c.batch_execute("BEGIN").await
        };
        // Both run to the end: `body`'s statements are already on their way.
        match futures_util::join!(begin, body(shared)) {
            (Ok(()), result) => result,
            (Err(e), _) => Err(e),
        }
    };
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    if let Err(e) = conn.batch_execute(end).await {
        // The depth stays up: the pool closes this connection. `body`'s error says more.
        return Err(result.err().unwrap_or(e));
    }
    depth(conn, TransactionDepthChange::DecreaseDepth)?;
    result
}

/// A pooled connection not known to be dead. One that PostgreSQL closed while it sat in the pool
/// (a restart, a cut network) is handed back instead — bb8 then sees it broken and drops it —
/// rather than to a request that would answer 503 with it. No round trip: it only asks whether
/// the connection's task has ended. Gives up after as many tries as the pool holds.
pub async fn checkout_live(pool: &bb8::Pool<Manager>) -> Result<bb8::PooledConnection<'_, Manager>, DbError> {
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

/// The URL with TCP timeouts added unless it sets its own: without them a connection to a host
/// that vanished (no RST, e.g. a network partition) hangs its request until the kernel gives up,
/// minutes later. `tcp_user_timeout` bounds unacknowledged writes, the keepalives bound a silent
/// wait for an answer; the pool then drops the dead connection.
fn with_tcp_timeouts(url: &str) -> String {
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

/// What stands between the server and PostgreSQL (`db_pooler`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pooler {
    /// Nothing: each connection is a PostgreSQL session of its own.
    #[default]
    None,
    /// A pooler that lends a PostgreSQL session for one transaction at a time (PgBouncer's
    /// `pool_mode = transaction`): nothing a connection leaves on its session outlives the
    /// transaction, nor reaches the next one.
    Transaction,
}

impl Pooler {
    pub fn parse(text: &str) -> anyhow::Result<Pooler> {
        match text {
            "none" => Ok(Pooler::None),
            "transaction" => Ok(Pooler::Transaction),
            other => anyhow::bail!("db_pooler {other:?}: expected none or transaction"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Pooler::None => "none",
            Pooler::Transaction => "transaction",
        }
    }
}

impl std::fmt::Display for Pooler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Opens a connection (TLS as the connector says) set up for what stands before PostgreSQL.
///
/// Directly, it plans each prepared statement once. Why: with PostgreSQL's default
/// `plan_cache_mode = auto`, a prepared statement is planned again with its values on every
/// execution until a generic plan looks no costlier than those. A `LIMIT $n` is unknown to the
/// generic plan, which then assumes a tenth of the rows: the list page's generic plan never
/// qualified and every page was planned afresh. Every statement here finds its rows through an
/// index on the columns it filters on, so the values change no plan.
///
/// Through a transaction pooler, a named statement or a session setting would stay on whichever
/// PostgreSQL session ran it: every statement goes as the unnamed statement instead, parsed and
/// run in one message (the statement cache off, and the vendored diesel-async's addition), and
/// no setting is made. There is no plan to keep anyway: each statement is planned as it runs.
pub async fn establish(connector: &Connector, pooler: Pooler) -> diesel::ConnectionResult<Conn> {
    let mut conn = connector.connect().await?;
    match pooler {
        Pooler::Transaction => conn.set_prepared_statement_cache_size(diesel::connection::CacheSize::Disabled),
        // Set only where the setting exists: PostgreSQL before 12 has none, and plans as it
        // always did there.
        Pooler::None => conn
            .batch_execute(
                "SELECT set_config(name, 'force_generic_plan', false) FROM pg_settings \
                 WHERE name = 'plan_cache_mode'",
            )
            .await
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?,
    }
    Ok(conn)
}

/// How to reach the database at `url` with the pool's TLS settings.
fn connector(url: &str, options: &PoolOptions) -> anyhow::Result<Arc<Connector>> {
    Ok(Arc::new(Connector::new(&with_tcp_timeouts(url), options.sslmode, &options.sslrootcert)?))
}

/// The pool and the shared read connections for `url`; connections open on first use.
pub(super) fn connect(url: &str, options: &PoolOptions) -> anyhow::Result<Pool> {
    let connector = connector(url, options)?;
    let pooler = options.pooler;
    let shared = SharedConns::new(connector.clone(), pooler, options.read_connections, options.connection_timeout);
    let mut config = ManagerConfig::default();
    // The manager's URL is unused: every connection is the connector's.
    config.custom_setup = Box::new(move |_url| {
        let connector = connector.clone();
        Box::pin(async move { establish(&connector, pooler).await })
    });
    let pool = super::pool_builder(options).build_unchecked(Manager::new_with_config(url, config));
    Ok(Pool::Postgres(pool, Arc::new(shared)))
}

/// A connection of its own, for the migration harness: the first the server opens, so the one
/// that says, at start, when the database cannot be reached as configured (e.g. its `sslmode`).
pub(super) async fn migration_connection(url: &str, options: &PoolOptions) -> anyhow::Result<Conn> {
    // The connector's errors name the sslmode they were made with.
    let mut conn = connector(url, options)?.connect().await.context("connecting to PostgreSQL")?;
    if options.pooler == Pooler::Transaction {
        // Migrations run their statements as the pool does (see `establish`).
        conn.set_prepared_statement_cache_size(diesel::connection::CacheSize::Disabled);
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::sql_types::Integer;
    use diesel_async::pooled_connection::PoolableConnection as _;
    use diesel_async::RunQueryDsl as _;

    /// A connection to a database of its own with an empty table `t (id)`, and a second
    /// connection to it; `None` without PostgreSQL.
    async fn two_connections() -> Option<(Conn, Conn)> {
        if !server_harness::pg::available() {
            return None;
        }
        let url = tokio::task::spawn_blocking(server_harness::pg::test_database).await.unwrap();
        let connector = Connector::new(&url, tls::SslMode::Disable, "").unwrap();
        let mut conn = establish(&connector, Pooler::None).await.unwrap();
        conn.batch_execute("CREATE TABLE t (id int PRIMARY KEY)").await.unwrap();
        Some((conn, establish(&connector, Pooler::None).await.unwrap()))
    }

    /// A cached prepared statement, as the server's writes are (`CacheBySql`).
    async fn insert(mut conn: Shared<'_>, id: i32) -> QueryResult<usize> {
        let insert = diesel::sql_query("INSERT INTO t VALUES ($1)").bind::<Integer, _>(id);
        crate::db::cached::CacheBySql(insert).execute(&mut conn).await
    }

    async fn ids(conn: &mut Conn) -> Vec<i32> {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = Integer)]
            id: i32,
        }
        let rows: Vec<Id> = diesel::sql_query("SELECT id FROM t ORDER BY id").load(conn).await.unwrap();
        rows.into_iter().map(|r| r.id).collect()
    }

    /// The statement sent with `BEGIN` is inside the transaction: a later failure takes it back
    /// too. (Prepared beforehand, it goes out at once, as it does in a warm pool.)
    #[tokio::test]
    async fn a_failing_statement_rolls_back_everything_sent_with_begin() {
        let Some((mut conn, mut other)) = two_connections().await else { return };
        insert(&conn, 0).await.unwrap();
        let failed = transaction(&mut conn, async |c| {
            insert(c, 1).await?;
            insert(c, 1).await
        })
        .await;
        assert!(
            matches!(
                failed,
                Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
            ),
            "{failed:?}"
        );
        assert_eq!(ids(&mut other).await, vec![0]);
        assert!(!conn.is_broken(), "rolled back: the connection goes back to the pool");
        transaction(&mut conn, async |c| {
            pipeline2(c, async |c| insert(c, 2).await, async |c| insert(c, 3).await).await
        })
        .await
        .unwrap();
        assert_eq!(ids(&mut other).await, vec![0, 2, 3]);
        assert!(!conn.is_broken());
    }

    /// A request dropped while its transaction is open leaves a connection the pool closes: never
    /// one that goes back with the transaction open (its row locks held, its writes pending).
    #[tokio::test]
    async fn a_transaction_dropped_midway_is_never_reused() {
        let Some((mut conn, mut other)) = two_connections().await else { return };
        let open = transaction(&mut conn, async |c| {
            insert(c, 4).await?;
            std::future::pending::<QueryResult<()>>().await
        });
        assert!(tokio::time::timeout(std::time::Duration::from_millis(300), open).await.is_err());
        assert!(conn.is_broken(), "dropped inside a transaction: the pool must not hand it out again");
        assert_eq!(ids(&mut other).await, Vec::<i32>::new(), "nothing committed");
    }

    #[test]
    fn urls_get_tcp_timeouts_unless_they_set_them() {
        assert_eq!(
            with_tcp_timeouts("postgres://u@h/db"),
            "postgres://u@h/db?tcp_user_timeout=10&keepalives_idle=10&keepalives_interval=5\
             &keepalives_retries=3"
        );
        let own = with_tcp_timeouts("postgres://u@h/db?tcp_user_timeout=3&sslmode=disable");
        assert!(own.starts_with("postgres://u@h/db?tcp_user_timeout=3&sslmode=disable&keep"));
        assert_eq!(own.matches("tcp_user_timeout").count(), 1);
    }
}
