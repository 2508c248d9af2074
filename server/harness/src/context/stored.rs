//! What the database holds, read with the tests' own SQL rather than the server's queries: a
//! test checks the server's work against rows it reads for itself.

use diesel::sql_types::{BigInt, SmallInt, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl as _, SimpleAsyncConnection as _};

type SqliteConn = diesel_async::sync_connection_wrapper::SyncConnectionWrapper<diesel::SqliteConnection>;

/// An operation-log row.
#[derive(Debug, Clone, QueryableByName)]
pub struct Op {
    #[diesel(sql_type = Text)]
    pub endpoint: String,
    #[diesel(sql_type = Text)]
    pub operation: String,
    #[diesel(sql_type = Text)]
    pub request: String,
}

/// A task row.
#[derive(Debug, Clone, QueryableByName)]
pub struct StoredTask {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub input: String,
    #[diesel(sql_type = Text)]
    pub note: String,
    #[diesel(sql_type = SmallInt)]
    pub status: i16,
    #[diesel(sql_type = SmallInt)]
    pub priority: i16,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The database at a URL, SQLite or PostgreSQL (a connection per question).
pub struct Stored {
    url: String,
}

impl Stored {
    pub fn new(url: &str) -> Stored {
        Stored { url: url.to_owned() }
    }

    /// The rows `sql` selects (the same text on both databases).
    pub async fn rows<T>(&self, sql: &str) -> Vec<T>
    where
        T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + Send + 'static,
    {
        match self.url.strip_prefix("sqlite://") {
            Some(path) => {
                let mut conn = SqliteConn::establish(path).await.unwrap();
                conn.batch_execute("PRAGMA busy_timeout = 5000").await.unwrap();
                diesel::sql_query(sql).load(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            None => {
                let mut conn = AsyncPgConnection::establish(&self.url).await.unwrap();
                diesel::sql_query(sql).load(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        }
    }

    /// Runs statements that return nothing (e.g. seeding rows).
    pub async fn execute(&self, sql: &str) {
        match self.url.strip_prefix("sqlite://") {
            Some(path) => {
                let mut conn = SqliteConn::establish(path).await.unwrap();
                conn.batch_execute("PRAGMA busy_timeout = 5000").await.unwrap();
                conn.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            None => {
                let mut conn = AsyncPgConnection::establish(&self.url).await.unwrap();
                conn.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        !self.url.starts_with("sqlite://")
    }

    /// The number `sql` selects as `n`.
    pub async fn count(&self, sql: &str) -> i64 {
        self.rows::<Count>(sql).await.into_iter().next().map_or(0, |c| c.n)
    }

    /// The user's operation-log rows, oldest first.
    pub async fn ops_of(&self, user_id: i64) -> Vec<Op> {
        self.rows(&format!("SELECT endpoint, operation, request FROM op_log WHERE user_id = {user_id} ORDER BY id"))
            .await
    }

    /// The user's tasks, by id.
    pub async fn tasks_of(&self, user_id: i64) -> Vec<StoredTask> {
        self.rows(&format!("SELECT id, input, note, status, priority FROM tasks WHERE user_id = {user_id} ORDER BY id"))
            .await
    }

    /// How many sessions the user has, live or not.
    pub async fn sessions_of(&self, user_id: i64) -> i64 {
        self.count(&format!("SELECT count(*) AS n FROM sessions WHERE user_id = {user_id}")).await
    }

    /// The user's task count as the list reports it: the sum of their count shards.
    pub async fn counted_tasks_of(&self, user_id: i64) -> i64 {
        self.count(&format!(
            "SELECT CAST(COALESCE(SUM(tasks), 0) AS BIGINT) AS n FROM task_counts WHERE user_id = {user_id}"
        ))
        .await
    }
}
