//! L_db for SQLite: what pgbench is for PostgreSQL. Each endpoint's statements — the server's,
//! as diesel spells them on SQLite, in the same transactions — run against the benchmark's own
//! database file by as many threads as connections, each with a connection of its own opened
//! with the server's pragmas, on SQLite configured as the server configures it
//! (`server::db::sqlite::configure_sqlite`, called as the bench starts), and no HTTP. Unlike the
//! server's, each statement is prepared for each execution (diesel never caches a `sql_query`):
//! this understates what SQLite can do. A write transaction starts with `BEGIN IMMEDIATE`
//! (SQLite's advice for writers: it takes the write lock first, so a waiting writer is queued by
//! the busy handler instead of failing half-way).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use diesel::connection::SimpleConnection as _;
use diesel::sql_types::{BigInt, Nullable, SmallInt, Text};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection as _, QueryResult, QueryableByName, RunQueryDsl as _};

/// What every statement needs: the bench user's and the login user's ids, the session's token
/// hash, the bench user's task ids, and the block of fresh ids this run may consume.
#[derive(Clone, Copy)]
pub struct Ids<'a> {
    pub uid: i64,
    pub lid: i64,
    pub token_hash: &'a str,
    pub lo: i64,
    pub hi: i64,
    pub base: i64,
}

/// Transactions per second and their p99 latency.
pub struct SqliteRun {
    pub tps: f64,
    pub p99_ms: f64,
}

/// `endpoint`'s statements on `threads` connections to the database at `path`, for `secs`.
pub fn measure(path: &Path, endpoint: &str, threads: u32, secs: u32, ids: Ids) -> Result<SqliteRun> {
    let stop = AtomicBool::new(false);
    let path = path.to_str().context("the database path is not UTF-8")?;
    let per_thread: Vec<Result<Vec<Duration>>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let stop = &stop;
                s.spawn(move || -> Result<Vec<Duration>> {
                    let mut conn = open(path)?;
                    let mut latencies = Vec::new();
                    let mut n: i64 = 0;
                    while !stop.load(Ordering::Relaxed) {
                        // Fresh ids as pgbench hands them out: thread t takes base + t + n·threads.
                        let fresh = ids.base + i64::from(t) + n * i64::from(threads);
                        let started = Instant::now();
                        run(&mut conn, endpoint, &ids, fresh, n).with_context(|| format!("{endpoint} on SQLite"))?;
                        latencies.push(started.elapsed());
                        n += 1;
                    }
                    Ok(latencies)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs(u64::from(secs)));
        stop.store(true, Ordering::Relaxed);
        workers.into_iter().map(|w| w.join().expect("a measuring thread panicked")).collect()
    });
    let mut all = Vec::new();
    for latencies in per_thread {
        all.extend(latencies?);
    }
    all.sort();
    let p99 = all.get(all.len() * 99 / 100).copied().unwrap_or_default();
    Ok(SqliteRun { tps: all.len() as f64 / f64::from(secs), p99_ms: p99.as_secs_f64() * 1000.0 })
}

/// A connection as the server opens one (`server/src/db/sqlite.rs`).
pub(super) fn open(path: &str) -> Result<SqliteConnection> {
    let mut conn = SqliteConnection::establish(path)?;
    conn.batch_execute(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -512;",
    )?;
    Ok(conn)
}

// The server's statements as diesel spells them on SQLite, its quotes left out: the test in
// `sql_drift.rs` compares what `run` sends with what the server sends, so a change to a query in
// `server/src/db/queries/` fails it until this file follows. Where the server binds a value,
// this has a `?` or a literal (values are not compared).

/// The session lookup of every authenticated request (`sessions::find_by_token`).
const AUTH: &str = "SELECT sessions.id, sessions.user_id, sessions.created_at, sessions.last_seen_at, users.id, \
     users.name, users.password_hash, users.role, users.perm, users.disabled, users.created_at \
     FROM (sessions INNER JOIN users ON (sessions.user_id = users.id)) WHERE (sessions.token_hash = ?) LIMIT 1";
/// The list's session lookup, with the user's task count (`tasks::TaskCountOfUser`).
const AUTH_WITH_COUNT: &str = "SELECT sessions.id, sessions.user_id, sessions.created_at, sessions.last_seen_at, \
     users.id, users.name, users.password_hash, users.role, users.perm, users.disabled, users.created_at, \
     (SELECT COALESCE(CAST(SUM(task_counts.tasks) AS BIGINT), 0) FROM task_counts WHERE task_counts.user_id = users.id) \
     FROM (sessions INNER JOIN users ON (sessions.user_id = users.id)) WHERE (sessions.token_hash = ?) LIMIT 1";
/// The token's user as reads that go out with the session lookup name it (`sessions::user_of_token`).
const USER_OF_TOKEN: &str = "(SELECT sessions.user_id FROM sessions WHERE (sessions.token_hash = ?) LIMIT 1)";
/// `oplog::append`.
const OPLOG: &str = "INSERT INTO op_log (user_id, endpoint, operation, request, created_at) \
     VALUES (?, 'bench', 'bench', '{\"id\":1}', ?)";
/// `tasks::add_to_count`.
const COUNT: &str = "INSERT INTO task_counts (user_id, shard, tasks) VALUES (?, ?, ?) \
     ON CONFLICT (user_id, shard) DO UPDATE SET tasks = (task_counts.tasks + ?)";

#[derive(QueryableByName)]
#[allow(dead_code)] // read as the server reads them; the values are not needed
struct Session {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    password_hash: String,
}

#[derive(QueryableByName)]
#[allow(dead_code)]
struct User {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    password_hash: String,
}

#[derive(QueryableByName)]
#[allow(dead_code)]
struct Failures {
    #[diesel(sql_type = Text)]
    address: String,
    #[diesel(sql_type = BigInt)]
    failures: i64,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
#[allow(dead_code)]
struct TaskRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text, column_name = "type")]
    kind: String,
    #[diesel(sql_type = SmallInt)]
    status: i16,
    #[diesel(sql_type = Nullable<Text>)]
    note: Option<String>,
}

fn now() -> i64 {
    server_harness::unix_ms()
}

/// A new session's token hash, as long as the server's (hex SHA-256) and unique: each fresh id
/// is handed out once per run, and runs start at different times.
fn token_hash(now: i64, fresh: i64) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(format!("{now}-{fresh}")).iter().map(|b| format!("{b:02x}")).collect()
}

/// One transaction of `endpoint` (what one request makes the database do), `fresh` the fresh id
/// it may consume and `n` how many came before it on this connection.
pub(super) fn run(conn: &mut SqliteConnection, endpoint: &str, ids: &Ids, fresh: i64, n: i64) -> QueryResult<()> {
    let now = now();
    let auth = |conn: &mut SqliteConnection| -> QueryResult<Session> {
        diesel::sql_query(AUTH).bind::<Text, _>(ids.token_hash).get_result(conn)
    };
    let oplog = |conn: &mut SqliteConnection, uid: i64| {
        diesel::sql_query(OPLOG).bind::<BigInt, _>(uid).bind::<BigInt, _>(now).execute(conn)
    };
    let count = |conn: &mut SqliteConnection, delta: i64| {
        diesel::sql_query(COUNT)
            .bind::<BigInt, _>(ids.uid)
            .bind::<SmallInt, _>((n % 16) as i16)
            .bind::<BigInt, _>(delta)
            .bind::<BigInt, _>(delta)
            .execute(conn)
    };
    let write = |conn: &mut SqliteConnection, f: &mut dyn FnMut(&mut SqliteConnection) -> QueryResult<()>| {
        conn.immediate_transaction(|c| f(c))
    };
    let random_id = ids.lo + (n * 7919 + fresh).rem_euclid(ids.hi - ids.lo + 1);
    match endpoint {
        "hola" => auth(conn).map(drop),
        "login" => {
            diesel::sql_query(
                "SELECT login_failures.address, login_failures.failures, login_failures.first_failed_at \
                 FROM login_failures WHERE (((login_failures.name = 'login') \
                 AND (login_failures.address IN ('10.0.0.1', '*'))) AND (login_failures.first_failed_at > ?))",
            )
            .bind::<BigInt, _>(now)
            .load::<Failures>(conn)?;
            diesel::sql_query(
                "SELECT users.id, users.name, users.password_hash, users.role, users.perm, users.disabled, \
                 users.created_at FROM users WHERE (users.name = 'login') LIMIT 1",
            )
            .get_result::<User>(conn)?;
            write(conn, &mut |c| {
                diesel::sql_query(
                    "INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?) \
                     RETURNING sessions.id",
                )
                .bind::<BigInt, _>(ids.lid)
                .bind::<Text, _>(token_hash(now, fresh))
                .bind::<BigInt, _>(now)
                .bind::<BigInt, _>(now)
                .get_result::<Id>(c)?;
                diesel::sql_query(
                    "DELETE FROM sessions WHERE ((sessions.user_id = ?) AND ((sessions.last_seen_at <= ?) \
                     OR (sessions.created_at <= ?)))",
                )
                .bind::<BigInt, _>(ids.lid)
                .bind::<BigInt, _>(now - 900_000)
                .bind::<BigInt, _>(now - 604_800_000)
                .execute(c)?;
                let surplus: Vec<Id> = diesel::sql_query(
                    "SELECT sessions.id FROM sessions WHERE (sessions.user_id = ?) ORDER BY sessions.id DESC \
                     LIMIT 1000 OFFSET 10",
                )
                .bind::<BigInt, _>(ids.lid)
                .load(c)?;
                // As the server: one statement for all of them, none when there are none.
                if !surplus.is_empty() {
                    let list: Vec<String> = surplus.iter().map(|s| s.id.to_string()).collect();
                    diesel::sql_query(format!("DELETE FROM sessions WHERE (sessions.id IN ({}))", list.join(", ")))
                        .execute(c)?;
                }
                diesel::sql_query(
                    "DELETE FROM login_failures WHERE ((login_failures.name = 'login') \
                     AND (login_failures.address = '10.0.0.1'))",
                )
                .execute(c)?;
                oplog(c, ids.lid).map(drop)
            })
        }
        "create" => {
            auth(conn)?;
            write(conn, &mut |c| {
                diesel::sql_query(
                    "INSERT INTO tasks (user_id, type, status, priority, input, note, created_at, updated_at) VALUES \
                     (?, 'image', 0, 1, 'https://example.com/images/photo-0001.png', 'bench', ?, ?) RETURNING tasks.id",
                )
                .bind::<BigInt, _>(ids.uid)
                .bind::<BigInt, _>(now)
                .bind::<BigInt, _>(now)
                .get_result::<Id>(c)?;
                oplog(c, ids.uid)?;
                count(c, 1).map(drop)
            })
        }
        "detail" => {
            auth(conn)?;
            diesel::sql_query(format!(
                "SELECT tasks.id, tasks.type, tasks.status, tasks.priority, tasks.input, tasks.result, tasks.note \
                 FROM tasks WHERE ((tasks.id = ?) AND (tasks.user_id = {USER_OF_TOKEN})) LIMIT 1"
            ))
            .bind::<BigInt, _>(random_id)
            .bind::<Text, _>(ids.token_hash)
            .load::<TaskRow>(conn)
            .map(drop)
        }
        "list" => {
            diesel::sql_query(AUTH_WITH_COUNT).bind::<Text, _>(ids.token_hash).get_result::<Session>(conn)?;
            diesel::sql_query(format!(
                "SELECT tasks.id, tasks.type, tasks.status, tasks.priority, tasks.note FROM tasks \
                 WHERE (tasks.user_id = {USER_OF_TOKEN}) ORDER BY tasks.id DESC LIMIT ? OFFSET ?"
            ))
            .bind::<Text, _>(ids.token_hash)
            .bind::<BigInt, _>(20)
            .bind::<BigInt, _>(0)
            .load::<TaskRow>(conn)
            .map(drop)
        }
        "update" => {
            auth(conn)?;
            write(conn, &mut |c| {
                diesel::sql_query(
                    "UPDATE tasks SET note = coalesce(?, tasks.note), priority = coalesce(?, tasks.priority), \
                     updated_at = ? WHERE (((tasks.id = ?) AND (tasks.user_id = ?)) \
                     AND ((tasks.note != coalesce(?, tasks.note)) OR (tasks.priority != coalesce(?, tasks.priority))))",
                )
                .bind::<Nullable<Text>, _>(Some(format!("n{n}")))
                .bind::<Nullable<SmallInt>, _>(None::<i16>)
                .bind::<BigInt, _>(now)
                .bind::<BigInt, _>(random_id)
                .bind::<BigInt, _>(ids.uid)
                .bind::<Nullable<Text>, _>(Some(format!("n{n}")))
                .bind::<Nullable<SmallInt>, _>(None::<i16>)
                .execute(c)?;
                oplog(c, ids.uid).map(drop)
            })
        }
        "status" => {
            auth(conn)?;
            write(conn, &mut |c| {
                diesel::sql_query(
                    "UPDATE tasks SET status = 2, updated_at = ? WHERE (((tasks.id = ?) AND (tasks.user_id = ?)) \
                     AND (tasks.status IN (0)))",
                )
                .bind::<BigInt, _>(now)
                .bind::<BigInt, _>(fresh)
                .bind::<BigInt, _>(ids.uid)
                .execute(c)?;
                oplog(c, ids.uid).map(drop)
            })
        }
        "delete" => {
            auth(conn)?;
            write(conn, &mut |c| {
                diesel::sql_query("DELETE FROM tasks WHERE ((tasks.user_id = ?) AND (tasks.id IN (?)))")
                    .bind::<BigInt, _>(ids.uid)
                    .bind::<BigInt, _>(fresh)
                    .execute(c)?;
                oplog(c, ids.uid)?;
                count(c, -1).map(drop)
            })
        }
        "upload" => {
            auth(conn)?;
            oplog(conn, ids.uid).map(drop)
        }
        other => unreachable!("no SQLite statements for {other}"),
    }
}
