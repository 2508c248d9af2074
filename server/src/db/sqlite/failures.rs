//! What a failed statement on a SQLite connection says: the database was locked, or the
//! statement failed.

use libsqlite3_sys as ffi;

use crate::db::DbError;

/// What `e`, from a statement on a SQLite connection, says: `DbError::of_kind`, and
/// `Unavailable` when another connection held a lock it needed ([`is_locked`]).
pub fn failure(e: diesel::result::Error) -> DbError {
    if is_locked(&e) {
        return DbError::Unavailable(e.to_string());
    }
    DbError::of_kind(e)
}

/// Whether `e` is SQLite's `SQLITE_BUSY` or `SQLITE_LOCKED`: the database, or a table, was locked
/// by another connection for longer than the connection's busy timeout.
///
/// diesel keeps SQLite's result code only to tell four constraint violations apart (`last_error`
/// in its `sqlite/connection/stmt.rs`); any other failure is `DatabaseErrorKind::Unknown` with
/// `sqlite3_errmsg`'s text, and diesel gives no access to the raw handle, where
/// `sqlite3_extended_errcode` would say more. For these two codes that text is SQLite's own for
/// the code, `sqlite3_errstr`: it is compared with what the linked SQLite says for each code,
/// never with a copy of it.
pub fn is_locked(e: &diesel::result::Error) -> bool {
    let diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::Unknown, info) = e else {
        return false;
    };
    [ffi::SQLITE_BUSY, ffi::SQLITE_LOCKED].into_iter().any(|code| info.message() == errstr(code))
}

/// SQLite's text for the result code `code`.
fn errstr(code: std::ffi::c_int) -> &'static str {
    // SAFETY: sqlite3_errstr takes any code and returns a static NUL-terminated string.
    let text = unsafe { ffi::sqlite3_errstr(code) };
    if text.is_null() {
        return "";
    }
    // SAFETY: non-null, NUL-terminated, static.
    unsafe { std::ffi::CStr::from_ptr(text) }.to_str().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection as _;
    use diesel::{Connection as _, RunQueryDsl as _};

    use super::*;

    /// Two connections to a new database file with a table `t (id)` in WAL mode, the second one
    /// waiting for no lock.
    fn two_connections(dir: &tempfile::TempDir) -> (diesel::SqliteConnection, diesel::SqliteConnection) {
        let path = dir.path().join("db.sqlite");
        let path = path.to_str().unwrap();
        let mut first = diesel::SqliteConnection::establish(path).unwrap();
        first.batch_execute("PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY)").unwrap();
        let mut second = diesel::SqliteConnection::establish(path).unwrap();
        second.batch_execute("PRAGMA busy_timeout = 0").unwrap();
        (first, second)
    }

    fn insert(conn: &mut diesel::SqliteConnection, id: i32) -> diesel::QueryResult<()> {
        diesel::sql_query(format!("INSERT INTO t VALUES ({id})")).execute(conn).map(drop)
    }

    #[test]
    fn a_write_the_database_is_locked_against_is_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        let (mut first, mut second) = two_connections(&dir);
        first.batch_execute("BEGIN IMMEDIATE").unwrap();
        let locked = insert(&mut second, 1).unwrap_err();
        assert!(is_locked(&locked), "{locked:?}");
        assert!(matches!(failure(locked), DbError::Unavailable(_)));
        first.batch_execute("COMMIT").unwrap();
        insert(&mut second, 1).unwrap();
    }

    #[test]
    fn a_failing_statement_is_a_query_error_or_a_duplicate() {
        let dir = tempfile::tempdir().unwrap();
        let (mut first, _) = two_connections(&dir);
        insert(&mut first, 1).unwrap();
        assert!(matches!(failure(insert(&mut first, 1).unwrap_err()), DbError::Duplicate(_)));
        let missing = diesel::sql_query("SELECT * FROM no_such_table").execute(&mut first).unwrap_err();
        assert!(!is_locked(&missing));
        assert!(matches!(failure(missing), DbError::Query(_)));
    }
}
