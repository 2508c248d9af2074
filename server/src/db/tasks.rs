//! Queries on `tasks`. Every query is scoped to the caller — their user id, or, for the reads sent
//! with the session lookup (`*_with_session`, `*_of_token`), their session token's user: a task of
//! someone else is, to each of them, a task that does not exist. The user-id reads (`find`, `list`)
//! serve the tests' checks of what is stored.
//!
//! The number of tasks a user owns is the sum of their rows in `task_counts`, kept in the same
//! transaction as every insert and delete, so the list's `total` reads at most
//! [`COUNT_SHARDS`] small rows instead of a `count(*)` over the user's tasks. It lives apart from
//! `users` (the user's row is read by every request) and is split in shards so that a user's
//! concurrent writes do not all wait for one row lock (the migration `task_counts` has the
//! measurements). Status changes are one conditional `UPDATE … WHERE status IN (allowed
//! sources)`: two racing requests can never both pass from the same status, on either backend
//! (PostgreSQL re-checks the condition on the row it locked; SQLite has one writer at a time).

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::cached::{CacheBySql, SqlOnce};
use super::oplog::NewOp;
use super::schema::{task_counts, tasks};
use super::sessions::{user_of_token, with_user_of_token, Session};
use super::users::User;

/// A task in full.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tasks)]
pub struct Task {
    pub id: i64,
    pub type_: String,
    pub status: i16,
    pub priority: i16,
    pub input: String,
    pub result: String,
    pub note: String,
}

/// A task as the list shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tasks)]
pub struct TaskRow {
    pub id: i64,
    pub type_: String,
    pub status: i16,
    pub priority: i16,
    pub note: String,
}

/// A task to create (status 0, empty result).
#[derive(Debug, Insertable)]
#[diesel(table_name = tasks)]
pub struct NewTask<'a> {
    pub user_id: i64,
    pub type_: &'a str,
    pub status: i16,
    pub priority: i16,
    pub input: &'a str,
    pub note: &'a str,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The statuses a task may move to `status` from (besides `status` itself, a no-op).
pub fn allowed_sources(status: i16) -> &'static [i16] {
    match status {
        2 => &[0],
        1 | 3 => &[0, 2],
        _ => &[],
    }
}

/// What a status change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Changed,
    /// The task already had that status: nothing written.
    Unchanged,
    NotFound,
    /// The task's current status cannot move to the requested one.
    Refused {
        from: i16,
    },
}

/// What an update of note and priority did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Updated {
    Changed,
    /// Nothing to change (zero values, or the values it already had): nothing written.
    Unchanged,
    NotFound,
}

/// How many rows a user's task count is split into.
pub const COUNT_SHARDS: i16 = 16;

/// The task count of the user in the query's `users` row, as a column: `(SELECT
/// COALESCE(CAST(SUM(tasks) AS BIGINT), 0) FROM task_counts WHERE user_id = users.id)`. Selected
/// with the session lookup, it saves the list page a statement of its own (measured: server CPU
/// per page 55–58 → 48–50 µs, 15.0–15.9k → 17.0–17.6k pages/s). Written out because diesel builds
/// no subquery that refers to the outer query, and its `sum` of a BIGINT is NUMERIC on PostgreSQL.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
pub struct TaskCountOfUser;

impl diesel::Expression for TaskCountOfUser {
    type SqlType = diesel::sql_types::BigInt;
}

impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for TaskCountOfUser
where
    task_counts::table: diesel::query_builder::QueryFragment<DB>,
    task_counts::tasks: diesel::query_builder::QueryFragment<DB>,
    task_counts::user_id: diesel::query_builder::QueryFragment<DB>,
    super::schema::users::id: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()> {
        use super::schema::users;
        // The schema's own table and columns: a rename is a compile error here too.
        out.push_sql("(SELECT COALESCE(CAST(SUM(");
        task_counts::tasks.walk_ast(out.reborrow())?;
        out.push_sql(") AS BIGINT), 0) FROM ");
        task_counts::table.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        task_counts::user_id.walk_ast(out.reborrow())?;
        out.push_sql(" = ");
        users::id.walk_ast(out.reborrow())?;
        out.push_sql(")");
        Ok(())
    }
}

// Wherever `users.id` can be selected, so can this (it refers to nothing else of the query).
impl<QS> diesel::AppearsOnTable<QS> for TaskCountOfUser where super::schema::users::id: diesel::AppearsOnTable<QS> {}
impl<QS> diesel::SelectableExpression<QS> for TaskCountOfUser where
    super::schema::users::id: diesel::SelectableExpression<QS>
{
}
impl diesel::expression::ValidGrouping<()> for TaskCountOfUser {
    type IsAggregate = diesel::expression::is_aggregate::No;
}

super::queries! {
    /// Creates a task, counts it in `task_counts` and logs the operation; returns its id.
    pub async fn create(conn: &mut Conn, task: &NewTask<'_>, op: &NewOp) -> QueryResult<i64> {
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            // None of the three needs another's result: sent together, one round trip.
            let (id, (), ()) = pipeline!(conn; insert(task), oplog::append(op), add_to_count(task.user_id, 1))?;
            Ok(id)
        })
        .await
    }

    /// Inserts a task; its id.
    async fn insert(mut conn: Shared<'_>, task: &NewTask<'_>) -> QueryResult<i64> {
        CacheBySql(diesel::insert_into(tasks::table).values(task).returning(tasks::id)).get_result(&mut conn).await
    }

    /// The caller's task `id`, if any.
    pub async fn find(conn: &mut Conn, user_id: i64, id: i64) -> QueryResult<Option<Task>> {
        tasks::table
            .filter(tasks::id.eq(id))
            .filter(tasks::user_id.eq(user_id))
            .select(Task::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Sets the note and/or the priority (`None` leaves a field as it is) of the caller's task
    /// `id`, logging the operation when something changed.
    pub async fn update(
        conn: &mut Conn,
        user_id: i64,
        id: i64,
        note: Option<&str>,
        priority: Option<i16>,
        op: &NewOp,
    ) -> QueryResult<Updated> {
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            let target = tasks::table.filter(tasks::id.eq(id)).filter(tasks::user_id.eq(user_id));
            let changes = (
                note.map(|n| tasks::note.eq(n)),
                priority.map(|p| tasks::priority.eq(p)),
                tasks::updated_at.eq(op.created_at),
            );
            // Only rows that the update changes: an update to the values a task already has
            // is a no-op and logs nothing.
            let changed = match (note, priority) {
                (Some(n), Some(p)) => {
                    CacheBySql(diesel::update(target.filter(tasks::note.ne(n).or(tasks::priority.ne(p))))
                        .set(changes))
                        .execute(conn)
                        .await?
                }
                (Some(n), None) => {
                    CacheBySql(diesel::update(target.filter(tasks::note.ne(n)))
                        .set(changes))
                        .execute(conn)
                        .await?
                }
                (None, Some(p)) => {
                    CacheBySql(diesel::update(target.filter(tasks::priority.ne(p)))
                        .set(changes))
                        .execute(conn)
                        .await?
                }
                (None, None) => 0,
            };
            if changed > 0 {
                oplog::append(conn, op).await?;
                return Ok(Updated::Changed);
            }
            let exists: Option<i64> = target.select(tasks::id).first(conn).await.optional()?;
            Ok(if exists.is_some() { Updated::Unchanged } else { Updated::NotFound })
        })
        .await
    }

    /// Moves the caller's task `id` to `status` if the status machine allows it from the status
    /// it has at that moment (one conditional UPDATE), logging the operation.
    pub async fn set_status(
        conn: &mut Conn,
        user_id: i64,
        id: i64,
        status: i16,
        op: &NewOp,
    ) -> QueryResult<StatusChange> {
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            let target = tasks::table.filter(tasks::id.eq(id)).filter(tasks::user_id.eq(user_id));
            let sources = allowed_sources(status);
            let changed = if sources.is_empty() {
                0
            } else {
                CacheBySql(
                    diesel::update(target.filter(tasks::status.eq_any(sources)))
                        .set((tasks::status.eq(status), tasks::updated_at.eq(op.created_at))),
                )
                .execute(conn)
                .await?
            };
            if changed > 0 {
                oplog::append(conn, op).await?;
                return Ok(StatusChange::Changed);
            }
            let current: Option<i16> =
                target.select(tasks::status).first(conn).await.optional()?;
            Ok(match current {
                None => StatusChange::NotFound,
                Some(s) if s == status => StatusChange::Unchanged,
                Some(from) => StatusChange::Refused { from },
            })
        })
        .await
    }

    /// Deletes the caller's tasks among `ids` (others are ignored), uncounts them and logs the
    /// operation when any was deleted; returns how many were.
    pub async fn delete(
        conn: &mut Conn,
        user_id: i64,
        ids: &[i64],
        op: &NewOp,
    ) -> QueryResult<usize> {
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            let deleted = diesel::delete(
                tasks::table.filter(tasks::user_id.eq(user_id)).filter(tasks::id.eq_any(ids)),
            )
            .execute(conn)
            .await?;
            if deleted > 0 {
                let n = i64::try_from(deleted).unwrap_or(i64::MAX);
                pipeline!(conn; oplog::append(op), add_to_count(user_id, -n))?;
            }
            Ok(deleted)
        })
        .await
    }

    /// Adds `n` to the user's task count, in one shard picked at random (a first write to a
    /// shard makes its row). Called last in a transaction: the shard's row stays locked until
    /// the commit, and only writes that picked the same shard wait for it.
    pub async fn add_to_count(mut conn: Shared<'_>, user_id: i64, n: i64) -> QueryResult<()> {
        let shard = rand::random_range(0..COUNT_SHARDS);
        CacheBySql(
            diesel::insert_into(task_counts::table)
                .values((task_counts::user_id.eq(user_id), task_counts::shard.eq(shard), task_counts::tasks.eq(n)))
                .on_conflict((task_counts::user_id, task_counts::shard))
                .do_update()
                .set(task_counts::tasks.eq(task_counts::tasks + n)),
        )
        .execute(&mut conn)
        .await?;
        Ok(())
    }

    /// How many tasks the user owns: the sum of their count shards (one index range, no scan
    /// of their tasks).
    pub async fn count(conn: &mut Conn, user_id: i64) -> QueryResult<i64> {
        let shards: Vec<i64> = task_counts::table
            .filter(task_counts::user_id.eq(user_id))
            .select(task_counts::tasks)
            .load(conn)
            .await?;
        Ok(shards.iter().sum())
    }

    /// One page of the caller's tasks, newest first (index `tasks_user_id_id`).
    pub async fn page(
        conn: &mut Conn,
        user_id: i64,
        offset: i64,
        limit: i64,
    ) -> QueryResult<Vec<TaskRow>> {
        tasks::table
            .filter(tasks::user_id.eq(user_id))
            .order(tasks::id.desc())
            .offset(offset)
            .limit(limit)
            .select(TaskRow::as_select())
            .load(conn)
            .await
    }

    /// The list: the caller's task count and, unless `limit` is 0, one page (newest first), on
    /// one connection.
    pub async fn list(
        conn: &mut Conn,
        user_id: i64,
        offset: i64,
        limit: i64,
    ) -> QueryResult<(i64, Vec<TaskRow>)> {
        let total = count(conn, user_id).await?;
        let items = if limit > 0 && offset < total {
            page(conn, user_id, offset, limit).await?
        } else {
            Vec::new()
        };
        Ok((total, items))
    }

    /// The real count of the user's tasks (`count(*)`): tests check `task_counts` against it.
    pub async fn count_rows(conn: &mut Conn, user_id: i64) -> QueryResult<i64> {
        tasks::table.filter(tasks::user_id.eq(user_id)).count().get_result(conn).await
    }

    /// The detail: the session of `token_hash` with its user, and that user's task `id`, in one
    /// round trip. The caller checks the session before using the task.
    pub async fn find_with_session(
        conn: Shared<'_>,
        token_hash: &str,
        id: i64,
    ) -> QueryResult<(Option<(Session, User)>, Option<Task>)> {
        pipeline!(conn; session_queries::find_by_token(token_hash), find_of_token(token_hash, id))
    }

    /// Task `id` of the user of the session `token_hash`, if any.
    pub async fn find_of_token(mut conn: Shared<'_>, token_hash: &str, id: i64) -> QueryResult<Option<Task>> {
        SqlOnce(
            tasks::table
                .filter(tasks::id.eq(id))
                .filter(tasks::user_id.nullable().eq(user_of_token(token_hash)))
                .select(Task::as_select())
                .limit(1),
        )
        .get_result(&mut conn)
        .await
        .optional()
    }

    /// The list: the session of `token_hash` with its user, that user's task count and one page
    /// of their tasks (newest first), in one round trip. The caller checks the session before
    /// using the rest.
    pub async fn list_with_session(
        conn: Shared<'_>,
        token_hash: &str,
        offset: i64,
        limit: i64,
    ) -> QueryResult<(Option<(Session, User)>, i64, Vec<TaskRow>)> {
        let (found, rows) =
            pipeline!(conn; session_with_count(token_hash), page_of_token(token_hash, offset, limit))?;
        Ok(match found {
            Some((session, user, total)) => (Some((session, user)), total, rows),
            None => (None, 0, rows),
        })
    }

    /// The session of `token_hash` with its user and that user's task count, in one statement.
    pub async fn session_with_count(
        mut conn: Shared<'_>,
        token_hash: &str,
    ) -> QueryResult<Option<(Session, User, i64)>> {
        SqlOnce(
            with_user_of_token(token_hash)
                .select((Session::as_select(), User::as_select(), TaskCountOfUser))
                .limit(1),
        )
        .get_result(&mut conn)
        .await
        .optional()
    }

    /// One page of the tasks of the user of the session `token_hash`, newest first (index
    /// `tasks_user_id_id`).
    pub async fn page_of_token(
        mut conn: Shared<'_>,
        token_hash: &str,
        offset: i64,
        limit: i64,
    ) -> QueryResult<Vec<TaskRow>> {
        SqlOnce(
            tasks::table
                .filter(tasks::user_id.nullable().eq(user_of_token(token_hash)))
                .order(tasks::id.desc())
                .offset(offset)
                .limit(limit)
                .select(TaskRow::as_select()),
        )
        .load(&mut conn)
        .await
    }
}
