//! L_db for SQLite: what pgbench is for PostgreSQL. Each endpoint's statements — the pgbench
//! script's, in SQLite's spelling, in the same transactions — run against the benchmark's own
//! database file by as many threads as connections, each with a connection of its own opened
//! with the server's pragmas, and no HTTP. Prepared statements are cached per connection, as the
//! server's are. A write transaction starts with `BEGIN IMMEDIATE` (SQLite's advice for writers:
//! it takes the write lock first, so a waiting writer is queued by the busy handler instead of
//! failing half-way).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use diesel::connection::SimpleConnection as _;
use diesel::sql_types::{BigInt, Integer, Nullable, SmallInt, Text};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection as _, QueryableByName, RunQueryDsl as _};

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
fn open(path: &str) -> Result<SqliteConnection> {
    let mut conn = SqliteConnection::establish(path)?;
    conn.batch_execute(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -512;",
    )?;
    Ok(conn)
}

const AUTH: &str = "SELECT s.id, s.user_id, s.created_at, s.last_seen_at, u.id AS uid, u.name, u.password_hash, \
     u.role, u.perm, u.disabled, u.created_at AS ucreated FROM sessions s INNER JOIN users u ON s.user_id = u.id \
     WHERE s.token_hash = ? LIMIT 1";
const AUTH_WITH_COUNT: &str = "SELECT s.id, s.user_id, s.created_at, s.last_seen_at, u.id AS uid, u.name, \
     u.password_hash, u.role, u.perm, u.disabled, u.created_at AS ucreated, \
     (SELECT COALESCE(CAST(SUM(tasks) AS BIGINT), 0) FROM task_counts WHERE task_counts.user_id = u.id) AS total \
     FROM sessions s INNER JOIN users u ON s.user_id = u.id WHERE s.token_hash = ? LIMIT 1";
const USER_OF_TOKEN: &str = "(SELECT user_id FROM sessions WHERE token_hash = ?)";
const OPLOG: &str = "INSERT INTO op_log (user_id, endpoint, operation, request, created_at) \
     VALUES (?, 'bench', 'bench', '{\"id\":1}', ?)";
const COUNT: &str = "INSERT INTO task_counts (user_id, shard, tasks) VALUES (?, ?, ?) \
     ON CONFLICT (user_id, shard) DO UPDATE SET tasks = task_counts.tasks + excluded.tasks";

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
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
#[allow(dead_code)]
struct TaskRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = SmallInt)]
    status: i16,
    #[diesel(sql_type = Nullable<Text>)]
    note: Option<String>,
}

fn now() -> i64 {
    server_harness::unix_ms()
}

/// One transaction of `endpoint` (what one request makes the database do).
fn run(conn: &mut SqliteConnection, endpoint: &str, ids: &Ids, fresh: i64, n: i64) -> diesel::QueryResult<()> {
    let now = now();
    let auth = |conn: &mut SqliteConnection| -> diesel::QueryResult<Session> {
        diesel::sql_query(AUTH).bind::<Text, _>(ids.token_hash).get_result(conn)
    };
    let oplog = |conn: &mut SqliteConnection, uid: i64| {
        diesel::sql_query(OPLOG).bind::<BigInt, _>(uid).bind::<BigInt, _>(now).execute(conn)
    };
    let count = |conn: &mut SqliteConnection, delta: i64| {
        diesel::sql_query(COUNT)
            .bind::<BigInt, _>(ids.uid)
            .bind::<Integer, _>((n % 16) as i32)
            .bind::<BigInt, _>(delta)
            .execute(conn)
    };
    let write = |conn: &mut SqliteConnection, f: &mut dyn FnMut(&mut SqliteConnection) -> diesel::QueryResult<()>| {
        conn.immediate_transaction(|c| f(c))
    };
    let random_id = ids.lo + (n * 7919 + fresh).rem_euclid(ids.hi - ids.lo + 1);
    match endpoint {
        "hola" => auth(conn).map(drop),
        "login" => {
            diesel::sql_query(
                "SELECT failures AS id FROM login_failures WHERE name = 'login' AND address IN ('10.0.0.1', '*') AND first_failed_at > ?",
            )
            .bind::<BigInt, _>(now)
            .load::<Id>(conn)?;
            diesel::sql_query("SELECT id, id AS user_id, name, password_hash FROM users WHERE name = 'login' LIMIT 1")
                .get_result::<Session>(conn)?;
            write(conn, &mut |c| {
                diesel::sql_query(
                    "INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at) VALUES (?, hex(randomblob(32)), ?, ?) RETURNING id",
                )
                .bind::<BigInt, _>(ids.lid)
                .bind::<BigInt, _>(now)
                .bind::<BigInt, _>(now)
                .get_result::<Id>(c)?;
                diesel::sql_query("DELETE FROM sessions WHERE user_id = ? AND (last_seen_at <= ? OR created_at <= ?)")
                    .bind::<BigInt, _>(ids.lid)
                    .bind::<BigInt, _>(now - 900_000)
                    .bind::<BigInt, _>(now - 604_800_000)
                    .execute(c)?;
                let surplus: Vec<Id> = diesel::sql_query(
                    "SELECT id FROM sessions WHERE user_id = ? ORDER BY id DESC LIMIT 1000 OFFSET 10",
                )
                .bind::<BigInt, _>(ids.lid)
                .load(c)?;
                for s in surplus {
                    diesel::sql_query("DELETE FROM sessions WHERE id = ?").bind::<BigInt, _>(s.id).execute(c)?;
                }
                diesel::sql_query("DELETE FROM login_failures WHERE name = 'login' AND address = '10.0.0.1'")
                    .execute(c)?;
                oplog(c, ids.lid).map(drop)
            })
        }
        "create" => {
            auth(conn)?;
            write(conn, &mut |c| {
                diesel::sql_query(
                    "INSERT INTO tasks (user_id, type, status, priority, input, note, created_at, updated_at) VALUES \
                     (?, 'image', 0, 1, 'https://example.com/images/photo-0001.png', 'bench', ?, ?) RETURNING id",
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
                "SELECT id, type AS kind, status, note FROM tasks WHERE id = ? AND user_id = {USER_OF_TOKEN} LIMIT 1"
            ))
            .bind::<BigInt, _>(random_id)
            .bind::<Text, _>(ids.token_hash)
            .load::<TaskRow>(conn)
            .map(drop)
        }
        "list" => {
            diesel::sql_query(AUTH_WITH_COUNT).bind::<Text, _>(ids.token_hash).get_result::<Session>(conn)?;
            diesel::sql_query(format!(
                "SELECT id, type AS kind, status, note FROM tasks WHERE user_id = {USER_OF_TOKEN} ORDER BY id DESC LIMIT ? OFFSET ?"
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
                    "UPDATE tasks SET note = coalesce(?, note), priority = coalesce(?, priority), updated_at = ? \
                     WHERE id = ? AND user_id = ? AND (note <> coalesce(?, note) OR priority <> coalesce(?, priority))",
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
                    "UPDATE tasks SET status = 2, updated_at = ? WHERE id = ? AND user_id = ? AND status IN (0)",
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
                diesel::sql_query("DELETE FROM tasks WHERE user_id = ? AND id IN (?)")
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
