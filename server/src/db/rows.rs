//! What queries take from and hand to the handlers: rows, rows to insert, and outcomes. One type
//! for both backends (the queries themselves are compiled once per backend).

use diesel::prelude::*;

use super::schema::{login_failures, op_log, sessions, tasks, users};

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

/// A change to a user: the fields that are `Some` are set.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChange<'a> {
    pub password_hash: Option<&'a str>,
    pub disabled: Option<bool>,
    pub updated_at: i64,
}

/// A session row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// How long sessions live and how many a user may have.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_per_user: i64,
    pub idle_ms: i64,
    pub lifetime_ms: i64,
}

/// Failed logins of one name from one address (or every address: `sessions::EVERY_ADDRESS`)
/// since `first_failed_at`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_failures)]
pub struct LoginFailures {
    pub address: String,
    pub failures: i64,
    pub first_failed_at: i64,
}

/// A name's failed logins in the current window: from the login's address (whose window may
/// have started earlier), and how many from every address.
#[derive(Debug, Clone, Default)]
pub struct FailureCounts {
    pub here: Option<LoginFailures>,
    pub everywhere: i64,
}

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

/// What an update of note and priority did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Updated {
    Changed,
    /// Nothing to change (zero values, or the values it already had): nothing written.
    Unchanged,
    NotFound,
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
