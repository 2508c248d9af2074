//! Queries on `users`. Compiled once per backend (`db::sqlite::users`, `db::postgres::users`).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{transaction, Conn};
use crate::db::rows::{NewUser, User, UserChange};
use crate::db::schema::{sessions, users};

pub async fn count(conn: &mut Conn) -> QueryResult<i64> {
    users::table.count().get_result(conn).await
}

/// Adds a user; a taken name fails with a unique violation.
pub async fn insert(conn: &mut Conn, user: &NewUser<'_>) -> QueryResult<i64> {
    diesel::insert_into(users::table).values(user).returning(users::id).get_result(conn).await
}

pub async fn find_by_name(conn: &mut Conn, name: &str) -> QueryResult<Option<User>> {
    users::table.filter(users::name.eq(name)).select(User::as_select()).first(conn).await.optional()
}

pub async fn list(conn: &mut Conn) -> QueryResult<Vec<User>> {
    users::table.order(users::id).select(User::as_select()).load(conn).await
}

/// Changes the user `name` as `change` says and revokes all their sessions, in one transaction
/// (a new password or a disabled account must not leave a session behind). False when no such
/// user.
pub async fn change_and_revoke(conn: &mut Conn, name: &str, change: &UserChange<'_>) -> QueryResult<bool> {
    transaction(conn, async |mut conn| {
        let id: Option<i64> = diesel::update(users::table.filter(users::name.eq(name)))
            .set(change)
            .returning(users::id)
            .get_result(&mut conn)
            .await
            .optional()?;
        let Some(id) = id else { return Ok(false) };
        diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(&mut conn).await?;
        Ok(true)
    })
    .await
}
