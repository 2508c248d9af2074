//! The operation log: one row per successful write, in the write's transaction.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::cached::CacheBySql;
use super::schema::op_log;

/// An operation-log row to append. `request` is the request's JSON, never with a password.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = op_log)]
pub struct NewOp {
    pub user_id: i64,
    pub endpoint: &'static str,
    pub operation: &'static str,
    pub request: String,
    pub created_at: i64,
}

/// A row of the operation log.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = op_log)]
pub struct Op {
    pub id: i64,
    pub user_id: i64,
    pub endpoint: String,
    pub operation: String,
    pub request: String,
    pub created_at: i64,
}

super::queries! {
    /// Appends a row; call it inside the transaction of the write it records.
    pub async fn append(mut conn: Shared<'_>, op: &NewOp) -> QueryResult<()> {
        CacheBySql(diesel::insert_into(op_log::table).values(op)).execute(&mut conn).await.map(|_| ())
    }

    /// A user's operations, oldest first.
    pub async fn of_user(conn: &mut Conn, user_id: i64) -> QueryResult<Vec<Op>> {
        op_log::table
            .filter(op_log::user_id.eq(user_id))
            .order(op_log::id)
            .select(Op::as_select())
            .load(conn)
            .await
    }
}
