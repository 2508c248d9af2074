//! What readiness asks of the database. Compiled once per backend (`db::sqlite::health`,
//! `db::postgres::health`).

use diesel::sql_types::{Nullable, Text};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;

use super::Conn;

#[derive(QueryableByName)]
struct Latest {
    #[diesel(sql_type = Nullable<Text>)]
    version: Option<String>,
}

/// The version of the newest migration applied (diesel's own table), if any: one round trip.
pub async fn latest_migration(conn: &mut Conn) -> diesel::QueryResult<Option<String>> {
    let latest: Latest =
        diesel::sql_query("SELECT MAX(version) AS version FROM __diesel_schema_migrations").get_result(conn).await?;
    Ok(latest.version)
}
