//! SQLite's query planner stability guarantee (QPSG), on for every SQLite connection the process
//! opens.
//!
//! Why: without it SQLite marks a prepared statement "expired" whenever a parameter whose value
//! could change the plan is re-bound — `LIMIT ?` (every `.first()`, every page), and with STAT4
//! (which the bundled build enables) any `?` compared with an indexed column once `ANALYZE` has
//! run. diesel binds every parameter on every execution, so such a statement was parsed and
//! planned afresh each time despite the statement cache, a large share of the server's CPU
//! (`docs/performance.md`). With the guarantee a
//! statement keeps the plan it was prepared with; ours are index lookups and pages along an index,
//! whose plan does not depend on the values.
//!
//! diesel gives no access to the raw connection handle, so the setting is applied by an SQLite
//! "auto extension": a callback SQLite runs for each connection as it opens.

use std::ffi::{c_char, c_int};
use std::sync::Once;

use libsqlite3_sys as ffi;

/// Registers the callback (once per process); call before opening connections.
pub fn enable_for_new_connections() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: `enable_qpsg` has the entry-point signature SQLite calls, and registering an auto
        // extension has no other precondition.
        let rc = unsafe { ffi::sqlite3_auto_extension(Some(enable_qpsg)) };
        assert_eq!(rc, ffi::SQLITE_OK, "registering SQLite's auto extension");
    });
}

unsafe extern "C" fn enable_qpsg(
    db: *mut ffi::sqlite3,
    _error: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: SQLite passes the connection being opened; the option takes (int, int*), and a null
    // int* means "do not report the new value".
    unsafe { ffi::sqlite3_db_config(db, ffi::SQLITE_DBCONFIG_ENABLE_QPSG, 1 as c_int, std::ptr::null_mut::<c_int>()) }
}

#[cfg(test)]
mod tests {
    use std::ffi::CString;

    use super::*;

    /// Runs `SELECT value FROM t WHERE id > ?1 LIMIT ?2` five times with new values and returns
    /// how often SQLite re-prepared it.
    unsafe fn reprepares_of_a_limit_statement() -> c_int {
        let mut db = std::ptr::null_mut();
        let name = CString::new(":memory:").unwrap();
        assert_eq!(unsafe { ffi::sqlite3_open(name.as_ptr(), &mut db) }, ffi::SQLITE_OK);
        let setup = CString::new(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, value TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b');",
        )
        .unwrap();
        assert_eq!(
            unsafe { ffi::sqlite3_exec(db, setup.as_ptr(), None, std::ptr::null_mut(), std::ptr::null_mut()) },
            ffi::SQLITE_OK
        );
        let sql = CString::new("SELECT value FROM t WHERE id > ?1 LIMIT ?2").unwrap();
        let mut stmt = std::ptr::null_mut();
        assert_eq!(
            unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) },
            ffi::SQLITE_OK
        );
        for i in 0..5 {
            unsafe {
                ffi::sqlite3_bind_int64(stmt, 1, i % 2);
                ffi::sqlite3_bind_int64(stmt, 2, 1 + i);
                assert_eq!(ffi::sqlite3_step(stmt), ffi::SQLITE_ROW);
                ffi::sqlite3_reset(stmt);
            }
        }
        let reprepares = unsafe { ffi::sqlite3_stmt_status(stmt, ffi::SQLITE_STMTSTATUS_REPREPARE, 0) };
        unsafe {
            ffi::sqlite3_finalize(stmt);
            ffi::sqlite3_close(db);
        }
        reprepares
    }

    #[test]
    fn a_statement_is_not_prepared_again_for_new_parameter_values() {
        enable_for_new_connections();
        // SAFETY: plain use of SQLite's C API on a connection and statement this function owns.
        assert_eq!(unsafe { reprepares_of_a_limit_statement() }, 0);
    }
}
