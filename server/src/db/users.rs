//! Queries on `users`.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::schema::{sessions, users};

/// A user row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub password_hash: String,
    pub role: i64,
    /// The doc's uint64, as its bit pattern: see [`User::perm`].
    #[diesel(column_name = perm)]
    pub perm_bits: i64,
    pub disabled: bool,
    pub created_at: i64,
}

impl User {
    pub fn perm(&self) -> u64 {
        self.perm_bits as u64
    }

    pub fn role(&self) -> u32 {
        u32::try_from(self.role).unwrap_or(0)
    }
}

/// A user to add.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: i64,
    pub perm: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

super::queries! {
    pub async fn count(conn: &mut Conn) -> QueryResult<i64> {
        users::table.count().get_result(conn).await
    }

    /// Adds a user; a taken name fails with a unique violation.
    pub async fn insert(conn: &mut Conn, user: &NewUser<'_>) -> QueryResult<i64> {
        diesel::insert_into(users::table)
            .values(user)
            .returning(users::id)
            .get_result(conn)
            .await
    }

    pub async fn find_by_name(conn: &mut Conn, name: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::name.eq(name))
            .select(User::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn list(conn: &mut Conn) -> QueryResult<Vec<User>> {
        users::table.order(users::id).select(User::as_select()).load(conn).await
    }

    /// Sets a user's password hash and revokes all their sessions. False when no such user.
    pub async fn set_password(
        conn: &mut Conn,
        name: &str,
        password_hash: &str,
        now: i64,
    ) -> QueryResult<bool> {
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
                let id: Option<i64> = diesel::update(users::table.filter(users::name.eq(name)))
                    .set((users::password_hash.eq(password_hash), users::updated_at.eq(now)))
                    .returning(users::id)
                    .get_result(conn)
                    .await
                    .optional()?;
                let Some(id) = id else { return Ok(false) };
                diesel::delete(sessions::table.filter(sessions::user_id.eq(id)))
                    .execute(conn)
                    .await?;
                Ok(true)
        })
        .await
    }

    /// Disables a user and revokes all their sessions. False when no such user.
    pub async fn disable(conn: &mut Conn, name: &str, now: i64) -> QueryResult<bool> {
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
                let id: Option<i64> = diesel::update(users::table.filter(users::name.eq(name)))
                    .set((users::disabled.eq(true), users::updated_at.eq(now)))
                    .returning(users::id)
                    .get_result(conn)
                    .await
                    .optional()?;
                let Some(id) = id else { return Ok(false) };
                diesel::delete(sessions::table.filter(sessions::user_id.eq(id)))
                    .execute(conn)
                    .await?;
                Ok(true)
        })
        .await
    }
}
