//! What a failed statement on a PostgreSQL connection says: the database went away, or the
//! statement failed.

use std::time::Duration;

use diesel::result::{DatabaseErrorKind, Error as DieselError, QueryResult};
use diesel_async::SimpleAsyncConnection as _;

use super::Conn;
use crate::db::DbError;

/// `result` of a query function's statements on `conn`, its error sorted: by diesel's kind
/// (`DbError::of_kind`), and an error of no particular kind by whether `conn` survived it —
/// `Unavailable` if the connection died with it.
///
/// Why not by SQLSTATE: diesel-async 0.9 keeps a tokio-postgres error's SQLSTATE only as one of
/// eight kinds and drops it otherwise (`from_tokio_postgres_error` in its `pg/error_helper.rs`:
/// the rest is `DatabaseErrorKind::Unknown`, its `DbError` in a private wrapper that shows the
/// message, never the code). The codes that mean "the database went away" under a statement —
/// 57P01 admin_shutdown (a stop, `pg_terminate_backend`), 57P02 crash_shutdown — are FATAL:
/// PostgreSQL closes the connection after sending them, which `answers` finds out. Connecting
/// (53300 too_many_connections, 57P03 cannot_connect_now) fails in the pool's checkout, which is
/// `Unavailable` whatever the cause.
pub async fn outcome<T>(result: QueryResult<T>, conn: &Conn) -> Result<T, DbError> {
    let e = match result {
        Ok(value) => return Ok(value),
        Err(e) => DbError::of_kind(e),
    };
    match e {
        DbError::Query(e @ DieselError::DatabaseError(DatabaseErrorKind::Unknown, _)) => {
            if answers(conn).await {
                Err(DbError::Query(e))
            } else {
                Err(DbError::Unavailable(format!("the connection closed after: {e}")))
            }
        }
        e => Err(e),
    }
}

/// How long `answers` waits for an empty statement's answer.
const ANSWER_WAIT: Duration = Duration::from_secs(1);

/// Whether `conn` still answers: an empty statement, one round trip (only after a failure). A
/// connection PostgreSQL closed fails it deterministically: the request is refused if
/// tokio-postgres saw the end already, or answered by it once it reads it.
async fn answers(conn: &Conn) -> bool {
    let mut conn = conn;
    matches!(tokio::time::timeout(ANSWER_WAIT, conn.batch_execute("")).await, Ok(Ok(())))
}

#[cfg(test)]
mod tests {
    //! Each kind of failure from a real PostgreSQL (`server_harness::pg`); without it they say so
    //! and pass, except under CI.

    use std::sync::Arc;

    use diesel::sql_types::{BigInt, Integer};
    use diesel::QueryableByName;
    use diesel_async::{AsyncConnection as _, RunQueryDsl as _};
    use server_harness::pg;

    use super::*;

    #[derive(QueryableByName)]
    struct Number {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    async fn connect(url: &str) -> Conn {
        Conn::establish(url).await.unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
    }

    /// A fresh database in the process's shared cluster; `None` without PostgreSQL.
    async fn database() -> Option<String> {
        if !pg::available() {
            return None;
        }
        Some(tokio::task::spawn_blocking(pg::test_database).await.unwrap())
    }

    /// `conn`'s statement `SELECT pg_sleep(60)`, its outcome sorted; `meanwhile` runs once
    /// PostgreSQL shows the statement running (asked through `watcher`).
    async fn sleep_through(
        conn: &Conn,
        watcher: &mut Conn,
        meanwhile: impl std::future::Future<Output = ()>,
    ) -> QueryResult<()> {
        #[derive(QueryableByName)]
        struct Pid {
            #[diesel(sql_type = Integer)]
            pid: i32,
        }
        let mut shared = conn;
        let Pid { pid } = diesel::sql_query("SELECT pg_backend_pid() AS pid").get_result(&mut shared).await.unwrap();
        let sleeping = async {
            let mut shared = conn;
            diesel::sql_query("SELECT pg_sleep(60)").execute(&mut shared).await.map(drop)
        };
        let then = async {
            let running = "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1 AND state = 'active' \
                           AND query LIKE 'SELECT pg_sleep%'";
            for _ in 0..3000 {
                let found: Number =
                    diesel::sql_query(running).bind::<Integer, _>(pid).get_result(watcher).await.unwrap();
                if found.n == 1 {
                    return meanwhile.await;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("the statement never ran");
        };
        tokio::join!(sleeping, then).0
    }

    /// Asserts that `result` is an error of diesel's kind `Unknown` (a SQLSTATE diesel-async drops)
    /// and that `outcome` sorts it as the database gone.
    async fn assert_unavailable(result: QueryResult<()>, conn: &Conn) {
        assert!(matches!(result, Err(DieselError::DatabaseError(DatabaseErrorKind::Unknown, _))), "{result:?}");
        let sorted = outcome(result, conn).await;
        assert!(matches!(sorted, Err(DbError::Unavailable(_))), "{sorted:?}");
    }

    #[tokio::test]
    async fn a_backend_terminated_under_a_statement_is_unavailable() {
        let Some(url) = database().await else { return };
        let (conn, mut watcher) = (connect(&url).await, connect(&url).await);
        let mut killer = connect(&url).await;
        let result = sleep_through(&conn, &mut watcher, async {
            let terminate = "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
                             AND query LIKE 'SELECT pg_sleep%' AND pg_terminate_backend(pid)";
            let killed: Number = diesel::sql_query(terminate).get_result(&mut killer).await.unwrap();
            assert_eq!(killed.n, 1);
        })
        .await;
        assert_unavailable(result, &conn).await;
        let mut after = &conn;
        let next = diesel::sql_query("SELECT 1").execute(&mut after).await.map(drop);
        assert!(matches!(outcome(next, &conn).await, Err(DbError::Unavailable(_))), "a dead connection stays so");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cluster_stopped_under_a_statement_is_unavailable() {
        if !pg::available() {
            return;
        }
        let cluster = Arc::new(tokio::task::spawn_blocking(pg::test_cluster).await.unwrap());
        let url = tokio::task::block_in_place(|| cluster.create_database()).unwrap();
        let (conn, mut watcher) = (connect(&url).await, connect(&url).await);
        let stopping = cluster.clone();
        let result = sleep_through(&conn, &mut watcher, async move {
            tokio::task::spawn_blocking(move || stopping.stop()).await.unwrap().unwrap();
        })
        .await;
        assert_unavailable(result, &conn).await;
    }

    #[tokio::test]
    async fn a_statement_failing_on_a_live_connection_is_a_query_error_or_a_duplicate() {
        let Some(url) = database().await else { return };
        let mut conn = connect(&url).await;
        let divided = diesel::sql_query("SELECT 1 / 0").execute(&mut conn).await.map(drop);
        assert!(matches!(divided, Err(DieselError::DatabaseError(DatabaseErrorKind::Unknown, _))), "{divided:?}");
        let sorted = outcome(divided, &conn).await;
        assert!(matches!(sorted, Err(DbError::Query(_))), "{sorted:?}");

        conn.batch_execute("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)").await.unwrap();
        let twice = diesel::sql_query("INSERT INTO t VALUES (1)").execute(&mut conn).await.map(drop);
        let sorted = outcome(twice, &conn).await;
        assert!(matches!(sorted, Err(DbError::Duplicate(_))), "{sorted:?}");
        let alive = diesel::sql_query("SELECT 1").execute(&mut conn).await.map(drop);
        assert!(outcome(alive, &conn).await.is_ok(), "the connection still serves");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_database_with_no_connection_left_is_unavailable() {
        if !pg::available() {
            return;
        }
        // Three slots are kept for superusers, which the tests connect as: four in all.
        let cluster = tokio::task::spawn_blocking(|| {
            pg::Cluster::start(&pg::bin_dir().unwrap(), &["fsync=off", "max_connections=4"]).unwrap()
        })
        .await
        .unwrap();
        let url = tokio::task::block_in_place(|| cluster.create_database()).unwrap();
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(connect(&url).await);
        }
        assert!(Conn::establish(&url).await.is_err(), "a fifth connection is refused");
        let pool = bb8::Pool::builder()
            .max_size(1)
            .connection_timeout(Duration::from_secs(2))
            .build_unchecked(super::super::Manager::new(url.clone()));
        let checkout = super::super::checkout_live(&pool).await.map(drop);
        assert!(matches!(checkout, Err(DbError::Unavailable(_))), "{checkout:?}");
        drop(held.pop());
        assert!(super::super::checkout_live(&pool).await.is_ok(), "served again once a slot is free");
    }
}
