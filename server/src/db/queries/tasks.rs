//! Queries on `tasks` and `task_counts`. Compiled once per backend (`db::sqlite::tasks`,
//! `db::postgres::tasks`).
//!
//! Every query is scoped to the caller — their user id, or, for the reads sent with the session
//! lookup (`*_with_session`, `*_of_token`), their session token's user: a task of someone else
//! is, to each of them, a task that does not exist.
//!
//! The number of tasks a user owns is the sum of their rows in `task_counts`, kept in the same
//! transaction as every insert and delete, so the list's `total` reads at most [`COUNT_SHARDS`]
//! small rows instead of a `count(*)` over the user's tasks. It lives apart from `users` (the
//! user's row is read by every request, and a hot counter's dead row versions slowed them all)
//! and is split in shards so that a user's concurrent writes do not all wait for one row lock.
//! Status changes are one conditional `UPDATE … WHERE status IN (allowed sources)`: two racing
//! requests can never both pass from the same status, on either backend (PostgreSQL re-checks
//! the condition on the row it locked; SQLite has one writer at a time).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::sessions::{find_by_token, user_of_token, with_user_of_token};
use super::{oplog, pipeline2, pipeline3, transaction, Conn, Shared};
use crate::db::cached::{CacheBySql, SqlOnce};
use crate::db::rows::{NewOp, NewTask, Session, StatusChange, Task, TaskRow, Updated, User};
use crate::db::schema::{task_counts, tasks, users};

/// How many rows a user's task count is split into.
pub const COUNT_SHARDS: i16 = 16;

/// The statuses a task may move to `status` from (besides `status` itself, a no-op).
pub fn allowed_sources(status: i16) -> &'static [i16] {
    match status {
        2 => &[0],
        1 | 3 => &[0, 2],
        _ => &[],
    }
}

/// Creates a task, counts it in `task_counts` and logs the operation; returns its id.
pub async fn create(conn: &mut Conn, task: &NewTask<'_>, op: &NewOp) -> QueryResult<i64> {
    transaction(conn, async |conn| {
        // None of the three needs another's result: sent together (with the `BEGIN`), one
        // round trip.
        let (id, (), ()) = pipeline3(
            conn,
            async |c| insert(c, task).await,
            async |c| oplog::append(c, op).await,
            async |c| add_to_count(c, task.user_id, 1).await,
        )
        .await?;
        Ok(id)
    })
    .await
}

/// Inserts a task; its id.
async fn insert(mut conn: Shared<'_>, task: &NewTask<'_>) -> QueryResult<i64> {
    CacheBySql(diesel::insert_into(tasks::table).values(task).returning(tasks::id)).get_result(&mut conn).await
}

/// Sets the note and/or the priority (`None` leaves a field as it is) of the caller's task `id`,
/// logging the operation when something changed.
pub async fn update(
    conn: &mut Conn,
    user_id: i64,
    id: i64,
    note: Option<&str>,
    priority: Option<i16>,
    op: &NewOp,
) -> QueryResult<Updated> {
    if note.is_some() || priority.is_some() {
        // `None` keeps a field's value: `coalesce(NULL, note)` is `note`. Only rows the update
        // changes match, so an update to the values a task already has is a no-op, logs nothing.
        let new_note = coalesce::<diesel::sql_types::Text, _, _>(note, tasks::note);
        let new_priority = coalesce::<diesel::sql_types::SmallInt, _, _>(priority, tasks::priority);
        let changed = change_and_log(
            conn,
            async |mut c| {
                CacheBySql(
                    diesel::update(
                        own_task(user_id, id).filter(tasks::note.ne(new_note).or(tasks::priority.ne(new_priority))),
                    )
                    .set((
                        tasks::note.eq(new_note),
                        tasks::priority.eq(new_priority),
                        tasks::updated_at.eq(op.created_at),
                    )),
                )
                .execute(&mut c)
                .await
            },
            op,
        )
        .await?;
        if changed {
            return Ok(Updated::Changed);
        }
    }
    // Nothing changed, or nothing to change: still a 404 for a task the caller does not have.
    let exists: Option<i64> = own_task(user_id, id).select(tasks::id).first(conn).await.optional()?;
    Ok(if exists.is_some() { Updated::Unchanged } else { Updated::NotFound })
}

/// Runs `change` and appends `op` to the operation log, sent together in one transaction, which
/// is kept only if `change` changed a row (the log row is rolled back with a change that did not
/// happen); returns whether it did. Waiting for the change's answer before sending the log row
/// would be one more round trip on PostgreSQL.
async fn change_and_log(
    conn: &mut Conn,
    change: impl AsyncFnOnce(Shared<'_>) -> QueryResult<usize>,
    op: &NewOp,
) -> QueryResult<bool> {
    let kept = transaction(conn, async |conn| {
        let (changed, ()) = pipeline2(conn, change, async |c| oplog::append(c, op).await).await?;
        if changed == 0 {
            return Err(diesel::result::Error::RollbackTransaction);
        }
        Ok(())
    })
    .await;
    match kept {
        Ok(()) => Ok(true),
        Err(diesel::result::Error::RollbackTransaction) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The caller's task `id`: a task of someone else is not theirs to see or change.
#[diesel::dsl::auto_type]
fn own_task(user_id: i64, id: i64) -> _ {
    tasks::table.filter(tasks::id.eq(id)).filter(tasks::user_id.eq(user_id))
}

#[diesel::declare_sql_function]
extern "SQL" {
    /// SQL's `coalesce(x, y)`: `x` unless it is NULL, else `y`.
    fn coalesce<ST: diesel::sql_types::SingleValue>(x: diesel::sql_types::Nullable<ST>, y: ST) -> ST;
}

/// Moves the caller's task `id` to `status` if the status machine allows it from the status it
/// has at that moment (one conditional UPDATE), logging the operation.
pub async fn set_status(conn: &mut Conn, user_id: i64, id: i64, status: i16, op: &NewOp) -> QueryResult<StatusChange> {
    let target = own_task(user_id, id);
    let sources = allowed_sources(status);
    if !sources.is_empty() {
        let changed = change_and_log(
            conn,
            async |mut c| {
                CacheBySql(
                    diesel::update(target.filter(tasks::status.eq_any(sources)))
                        .set((tasks::status.eq(status), tasks::updated_at.eq(op.created_at))),
                )
                .execute(&mut c)
                .await
            },
            op,
        )
        .await?;
        if changed {
            return Ok(StatusChange::Changed);
        }
    }
    let current: Option<i16> = target.select(tasks::status).first(conn).await.optional()?;
    Ok(match current {
        None => StatusChange::NotFound,
        Some(s) if s == status => StatusChange::Unchanged,
        Some(from) => StatusChange::Refused { from },
    })
}

/// Deletes the caller's tasks among `ids` (others are ignored), uncounts them and logs the
/// operation when any was deleted; returns how many were.
pub async fn delete(conn: &mut Conn, user_id: i64, ids: &[i64], op: &NewOp) -> QueryResult<usize> {
    transaction(conn, async |mut conn| {
        let deleted = diesel::delete(tasks::table.filter(tasks::user_id.eq(user_id)).filter(tasks::id.eq_any(ids)))
            .execute(&mut conn)
            .await?;
        if deleted > 0 {
            let n = i64::try_from(deleted).unwrap_or(i64::MAX);
            pipeline2(conn, async |c| oplog::append(c, op).await, async |c| add_to_count(c, user_id, -n).await).await?;
        }
        Ok(deleted)
    })
    .await
}

/// Adds `n` to the user's task count, in one shard picked at random (a first write to a shard
/// makes its row). Called last in a transaction: the shard's row stays locked until the commit,
/// and only writes that picked the same shard wait for it.
async fn add_to_count(mut conn: Shared<'_>, user_id: i64, n: i64) -> QueryResult<()> {
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

/// The detail: the session of `token_hash` with its user, and that user's task `id`, in one
/// round trip. The caller checks the session before using the task.
pub async fn find_with_session(
    conn: Shared<'_>,
    token_hash: &str,
    id: i64,
) -> QueryResult<(Option<(Session, User)>, Option<Task>)> {
    pipeline2(conn, async |c| find_by_token(c, token_hash).await, async |c| find_of_token(c, token_hash, id).await)
        .await
}

/// Task `id` of the user of the session `token_hash`, if any.
async fn find_of_token(mut conn: Shared<'_>, token_hash: &str, id: i64) -> QueryResult<Option<Task>> {
    SqlOnce::get_result(
        tasks::table
            .filter(tasks::id.eq(id))
            .filter(tasks::user_id.nullable().eq(user_of_token(token_hash)))
            .select(Task::as_select())
            .limit(1),
        &mut conn,
    )
    .await
    .optional()
}

/// The list: the session of `token_hash` with its user, that user's task count and one page of
/// their tasks (newest first), in one round trip. The caller checks the session before using the
/// rest.
pub async fn list_with_session(
    conn: Shared<'_>,
    token_hash: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<(Option<(Session, User)>, i64, Vec<TaskRow>)> {
    let (found, rows) = pipeline2(
        conn,
        async |c| session_with_count(c, token_hash).await,
        async |c| page_of_token(c, token_hash, offset, limit).await,
    )
    .await?;
    Ok(match found {
        Some((session, user, total)) => (Some((session, user)), total, rows),
        None => (None, 0, rows),
    })
}

/// The session of `token_hash` with its user and that user's task count, in one statement (one
/// statement fewer per list page than reading the count on its own).
async fn session_with_count(mut conn: Shared<'_>, token_hash: &str) -> QueryResult<Option<(Session, User, i64)>> {
    let query =
        with_user_of_token(token_hash).select((Session::as_select(), User::as_select(), TaskCountOfUser)).limit(1);
    SqlOnce::get_result(query, &mut conn).await.optional()
}

/// One page of the tasks of the user of the session `token_hash`, newest first (index
/// `tasks_user_id_id`).
async fn page_of_token(mut conn: Shared<'_>, token_hash: &str, offset: i64, limit: i64) -> QueryResult<Vec<TaskRow>> {
    SqlOnce::load(
        tasks::table
            .filter(tasks::user_id.nullable().eq(user_of_token(token_hash)))
            .order(tasks::id.desc())
            .offset(offset)
            .limit(limit)
            .select(TaskRow::as_select()),
        &mut conn,
    )
    .await
}

/// The task count of the user in the query's `users` row, as a column: `(SELECT
/// COALESCE(CAST(SUM(tasks) AS BIGINT), 0) FROM task_counts WHERE user_id = users.id)`. Written
/// out because diesel builds no subquery that refers to the outer query, and its `sum` of a
/// BIGINT is NUMERIC on PostgreSQL.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
struct TaskCountOfUser;

impl diesel::Expression for TaskCountOfUser {
    type SqlType = diesel::sql_types::BigInt;
}

impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for TaskCountOfUser
where
    task_counts::table: diesel::query_builder::QueryFragment<DB>,
    task_counts::tasks: diesel::query_builder::QueryFragment<DB>,
    task_counts::user_id: diesel::query_builder::QueryFragment<DB>,
    users::id: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()> {
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
impl<QS> diesel::AppearsOnTable<QS> for TaskCountOfUser where users::id: diesel::AppearsOnTable<QS> {}
impl<QS> diesel::SelectableExpression<QS> for TaskCountOfUser where users::id: diesel::SelectableExpression<QS> {}
impl diesel::expression::ValidGrouping<()> for TaskCountOfUser {
    type IsAggregate = diesel::expression::is_aggregate::No;
}
