//! Queries on `sessions` and `login_failures`. Compiled once per backend
//! (`db::sqlite::sessions`, `db::postgres::sessions`).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{oplog, pipeline2, transaction, Conn, Shared};
use crate::db::cached::{CacheBySql, SqlOnce};
use crate::db::rows::{FailureCounts, Limits, LoginFailures, NewOp, Session, User};
use crate::db::schema::{login_failures, sessions, users};

/// The user id of the session of a token hash, as a scalar subquery (`NULL` for none): reads
/// that run in the same round trip as the session lookup are scoped by it, since they cannot wait
/// for its answer; their rows are used only once the session has been checked. Scalar, not
/// `IN (…)`: PostgreSQL then computes it once and pages along `tasks_user_id_id`; as a semi-join
/// it walked the primary key backwards and filtered, a full scan for a user without tasks.
#[diesel::dsl::auto_type]
pub fn user_of_token<'a>(token_hash: &'a str) -> _ {
    sessions::table.filter(sessions::token_hash.eq(token_hash)).select(sessions::user_id).single_value()
}

/// The session of a token hash joined with its user: the lookup of every authenticated request
/// (each caller selects what it needs).
#[diesel::dsl::auto_type]
pub fn with_user_of_token<'a>(token_hash: &'a str) -> _ {
    sessions::table.inner_join(users::table).filter(sessions::token_hash.eq(token_hash))
}

/// Sessions last used at or before `idle_before` or created at or before `created_before`: expired
/// (the login's clean-up of its user's sessions and the background sweep of everyone's).
#[diesel::dsl::auto_type]
pub fn expired(idle_before: i64, created_before: i64) -> _ {
    sessions::last_seen_at.le(idle_before).or(sessions::created_at.le(created_before))
}

/// Opens a session for a successful login: inserts it, drops the user's expired sessions,
/// revokes their oldest sessions beyond `limits.max_per_user`, forgets the name's failed
/// logins from this `address` (not those from elsewhere, which still slow the name down) and
/// logs the operation, all in one transaction.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    conn: &mut Conn,
    user_id: i64,
    name: &str,
    address: &str,
    token_hash: &str,
    limits: &Limits,
    op: &NewOp,
) -> QueryResult<i64> {
    transaction(conn, async |mut conn| {
        let now = op.created_at;
        let id: i64 = diesel::insert_into(sessions::table)
            .values((
                sessions::user_id.eq(user_id),
                sessions::token_hash.eq(token_hash),
                sessions::created_at.eq(now),
                sessions::last_seen_at.eq(now),
            ))
            .returning(sessions::id)
            .get_result(&mut conn)
            .await?;
        diesel::delete(
            sessions::table
                .filter(sessions::user_id.eq(user_id))
                .filter(expired(now - limits.idle_ms, now - limits.lifetime_ms)),
        )
        .execute(&mut conn)
        .await?;
        let surplus: Vec<i64> = sessions::table
            .filter(sessions::user_id.eq(user_id))
            .order(sessions::id.desc())
            .select(sessions::id)
            .offset(limits.max_per_user)
            .limit(1000)
            .load(&mut conn)
            .await?;
        if !surplus.is_empty() {
            diesel::delete(sessions::table.filter(sessions::id.eq_any(surplus))).execute(&mut conn).await?;
        }
        diesel::delete(login_failures::table.find((name, address))).execute(&mut conn).await?;
        oplog::append(conn, op).await?;
        Ok(id)
    })
    .await
}

/// The session of a token hash, with its user. On a [`Shared`] connection: reads run it in
/// the same round trip as their own statements (`pipeline2`).
pub async fn find_by_token(mut conn: Shared<'_>, token_hash: &str) -> QueryResult<Option<(Session, User)>> {
    let query = with_user_of_token(token_hash).select((Session::as_select(), User::as_select())).limit(1);
    SqlOnce::get_result(query, &mut conn).await.optional()
}

/// Records that the session was used at `now`.
pub async fn touch(conn: &mut Conn, id: i64, now: i64) -> QueryResult<()> {
    CacheBySql(diesel::update(sessions::table.find(id)).set(sessions::last_seen_at.eq(now)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Drops an expired session.
pub async fn delete(conn: &mut Conn, id: i64) -> QueryResult<()> {
    diesel::delete(sessions::table.find(id)).execute(conn).await.map(|_| ())
}

/// Drops every session idle since `idle_before` or created before `created_before` (of users
/// who never came back: a user's own are also dropped at their next login); returns how many.
pub async fn delete_expired(conn: &mut Conn, idle_before: i64, created_before: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(expired(idle_before, created_before))).execute(conn).await
}

/// Forgets the failed logins of every name and address whose window started at or before `window_start`
/// (no check reads them again: the next failure starts a new window); returns how many.
pub async fn forget_failures(conn: &mut Conn, window_start: i64) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::first_failed_at.le(window_start))).execute(conn).await
}

/// Logout: revokes the session and logs the operation, in one transaction.
pub async fn revoke(conn: &mut Conn, id: i64, op: &NewOp) -> QueryResult<()> {
    transaction(conn, async |mut conn| {
        let deleted = diesel::delete(sessions::table.find(id)).execute(&mut conn).await?;
        if deleted > 0 {
            oplog::append(conn, op).await?;
        }
        Ok(())
    })
    .await
}

/// The `address` of the row that counts a name's failed logins from every address.
pub const EVERY_ADDRESS: &str = "*";

/// Failed logins of `name` in the window after `window_start`: from `address`, and from every
/// address (one statement: at most two rows).
pub async fn failures(conn: &mut Conn, name: &str, address: &str, window_start: i64) -> QueryResult<FailureCounts> {
    let rows: Vec<LoginFailures> = CacheBySql(
        login_failures::table
            .filter(login_failures::name.eq(name))
            .filter(login_failures::address.eq_any([address, EVERY_ADDRESS]))
            .filter(login_failures::first_failed_at.gt(window_start))
            .select(LoginFailures::as_select()),
    )
    .load(conn)
    .await?;
    let mut counts = FailureCounts::default();
    for row in rows {
        if row.address == EVERY_ADDRESS {
            counts.everywhere = row.failures;
        } else {
            counts.here = Some(row);
        }
    }
    Ok(counts)
}

/// Counts a failed login of `name` from `address`, and in the name's count over every address,
/// in one transaction; returns the count from `address`.
pub async fn record_failure(
    conn: &mut Conn,
    name: &str,
    address: &str,
    now: i64,
    window_start: i64,
) -> QueryResult<i64> {
    transaction(conn, async |conn| {
        let ((), here) = pipeline2(
            conn,
            async |c| count_failure(c, name, EVERY_ADDRESS, now, window_start).await.map(|_| ()),
            async |c| count_failure(c, name, address, now, window_start).await,
        )
        .await?;
        Ok(here)
    })
    .await
}

/// One more failure in the current window of (`name`, `address`), or the first of a new one, in
/// one statement (so concurrent failures are all counted); returns the count.
async fn count_failure(
    mut conn: Shared<'_>,
    name: &str,
    address: &str,
    now: i64,
    window_start: i64,
) -> QueryResult<i64> {
    use diesel::dsl::case_when;
    let in_window = login_failures::first_failed_at.gt(window_start);
    CacheBySql(
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::name.eq(name),
                login_failures::address.eq(address),
                login_failures::failures.eq(1),
                login_failures::first_failed_at.eq(now),
            ))
            .on_conflict((login_failures::name, login_failures::address))
            .do_update()
            .set((
                login_failures::failures.eq(case_when(in_window, login_failures::failures + 1).otherwise(1i64)),
                login_failures::first_failed_at
                    .eq(case_when(in_window, login_failures::first_failed_at).otherwise(now)),
            ))
            .returning(login_failures::failures),
    )
    .get_result(&mut conn)
    .await
}
