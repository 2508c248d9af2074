//! The operation log: one row per successful write, appended in the write's transaction.
//! Compiled once per backend (`db::sqlite::oplog`, `db::postgres::oplog`).

use diesel_async::RunQueryDsl;

use super::Shared;
use crate::db::cached::CacheBySql;
use crate::db::rows::NewOp;
use crate::db::schema::op_log;

/// Appends a row; call it inside the transaction of the write it records.
pub async fn append(mut conn: Shared<'_>, op: &NewOp) -> diesel::QueryResult<()> {
    CacheBySql(diesel::insert_into(op_log::table).values(op)).execute(&mut conn).await.map(|_| ())
}
