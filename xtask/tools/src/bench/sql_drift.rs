//! The bench's SQL cannot drift from the server's. For every endpoint the bench measures, the
//! statements the server sends — the real server, through `server-harness`, on a throwaway
//! PostgreSQL cluster that logs every statement — are compared, in order and with their `BEGIN`
//! and `COMMIT`, with what the endpoint's pgbench script sends (pgbench run on the same
//! database, seen in the same log) and with what the SQLite limit runs (one transaction, each
//! statement seen by diesel's instrumentation), all in [`normal_form`]. The server's round trips
//! to PostgreSQL are compared with the script's too: a script sends together (`\startpipeline`)
//! what the server sends together.
//!
//! The server's own statements on SQLite are not captured: SQLite runs inside the server's
//! process, out of sight of anything outside it. They are the same diesel queries as on
//! PostgreSQL, in SQLite's spelling, which [`in_sqlite_terms`] accounts for.

mod normal_form;
mod postgres_log;
mod round_trips;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context as _, Result};
use diesel::connection::InstrumentationEvent;
use diesel::connection::SimpleConnection as _;
use diesel::{Connection as _, RunQueryDsl as _};
use server_harness::http::Request;
use server_harness::pg::{self, Cluster};
use server_harness::{unix_ms, Launch, ServerProcess};

use super::scripts::{self, ENDPOINTS};
use super::sqlite_limit;
use normal_form::{in_sqlite_terms, normal_form};
use round_trips::RoundTrips;

const PASSWORD: &str = "bench-password-0123456789";
/// The bench user's seeded tasks, all of status 0: each round of requests changes one and
/// deletes another, pgbench and the SQLite limit use the rest.
const TASKS: i64 = 8;
/// The login user's seeded sessions: as many as a user keeps (`sessions_per_user`), so that every
/// login revokes the oldest, as it does once a bench run is under way.
const LOGIN_SESSIONS: i64 = 10;

/// The statements of each endpoint, as sent.
type Sent = BTreeMap<&'static str, Vec<String>>;

/// What PostgreSQL saw of each endpoint from one party: its statements and its round trips.
#[derive(Default)]
struct Seen {
    statements: Sent,
    round_trips: BTreeMap<&'static str, u64>,
}

#[test]
fn the_limits_run_the_statements_the_server_sends() {
    if !pg::available() {
        return;
    }
    let differences = differences().unwrap_or_else(|e| panic!("{e:#}"));
    assert!(
        differences.is_empty(),
        "the bench measures other SQL than the server sends:\n\n{}",
        differences.join("\n\n")
    );
}

/// Every endpoint whose limit sends other statements than the server, with both lists.
fn differences() -> Result<Vec<String>> {
    let binary = crate::build_server(false)?;
    let settings = [&pg::TEST_SETTINGS[..], &["log_statement=all"]].concat();
    let cluster = Cluster::start(&pg::bin_dir().context("PostgreSQL's binaries")?, &settings)?;
    let (server, pgbench) = on_postgres(&binary, &cluster)?;
    let sqlite = sqlite_limit_sends(&binary)?;
    let mut differences = Vec::new();
    let pgbench_script = "its pgbench script (xtask/tools/src/bench/scripts.rs)";
    let limit = "the SQLite limit (xtask/tools/src/bench/sqlite_limit.rs)";
    for endpoint in ENDPOINTS {
        let sent = &server.statements[endpoint];
        if sent.is_empty() {
            differences.push(format!("{endpoint}: no statement of the server's in PostgreSQL's log"));
            continue;
        }
        differences.extend(compare(endpoint, sent, pgbench_script, &pgbench.statements[endpoint], &normal_form));
        let (trips, script_trips) = (server.round_trips[endpoint], pgbench.round_trips[endpoint]);
        if trips != script_trips {
            differences.push(format!(
                "{endpoint}: the server makes {trips} round trips to PostgreSQL, {pgbench_script} {script_trips}: \
                 it must send together (\\startpipeline … \\endpipeline) what the server sends together"
            ));
        }
        let sqlite_form = |sql: &str| in_sqlite_terms(&normal_form(sql));
        differences.extend(compare(endpoint, sent, limit, &sqlite[endpoint], &sqlite_form));
    }
    Ok(differences)
}

/// What the server sends for each endpoint, and what the endpoint's pgbench script sends, as
/// the cluster logged them, with their round trips through a proxy in front of it.
fn on_postgres(binary: &Path, cluster: &Cluster) -> Result<(Seen, Seen)> {
    let url = cluster.create_database()?;
    let database = url.rsplit('/').next().context("the database's name")?;
    let proxy = RoundTrips::start(cluster.port)?;
    // A session's last use is written at most once a minute, which a slow run could reach: not
    // what a request of the benchmark sends.
    let launch = Launch::new(binary)
        .database(format!("postgres://postgres@127.0.0.1:{}/{database}", proxy.port))
        .setting("last_seen_interval_secs", 3600);
    let uid = launch.add_user("bench", PASSWORD)?;
    let lid = launch.add_user("login", PASSWORD)?;
    cluster.psql(database, &seed(uid, lid))?;
    let first: i64 = cluster.psql(database, &format!("SELECT min(id) FROM tasks WHERE user_id = {uid}"))?.parse()?;

    let server = launch.start()?;
    let token = server.login("bench", PASSWORD)?;
    let png = scripts::png();
    let mut by_server = Seen::default();
    // The first round opens the server's connections and prepares its statements; the second
    // is what a run measures.
    for round in 0..2 {
        let own = first + 2 * round;
        let cx = scripts::Ctx {
            token: &token,
            login_password: PASSWORD,
            lo: own,
            hi: own,
            base: own + 1,
            threads: 1,
            png: &png,
        };
        for endpoint in ENDPOINTS {
            let from = cluster.log().len();
            let (trips, sent) = proxy.during(|| send(&server, endpoint, &cx));
            sent?;
            by_server.statements.insert(endpoint, postgres_log::statements(&cluster.log()[from..]));
            by_server.round_trips.insert(endpoint, trips);
        }
    }
    drop(server);

    let token_hash = cluster
        .psql(database, &format!("SELECT token_hash FROM sessions WHERE user_id = {uid} ORDER BY id DESC LIMIT 1"))?;
    let vars = scripts::PgbenchVars {
        token_hash: &token_hash,
        uid,
        lid,
        lo: first,
        hi: first + TASKS - 1,
        base: first + 4,
        clients: 1,
    };
    let work = tempfile::tempdir()?;
    let mut by_pgbench = Seen::default();
    for endpoint in ENDPOINTS {
        let script = work.path().join(format!("{endpoint}.sql"));
        std::fs::write(&script, scripts::pgbench(endpoint))?;
        let pgbench = |transactions: u32| pgbench(cluster, proxy.port, database, &script, &vars, transactions);
        let from = cluster.log().len();
        let (once, ran) = proxy.during(|| pgbench(1));
        ran.with_context(|| format!("pgbench on {endpoint}'s script"))?;
        by_pgbench.statements.insert(endpoint, postgres_log::statements(&cluster.log()[from..]));
        // pgbench prepares a script's statements in its first transaction, and connects: the
        // second transaction alone is what a run repeats.
        let (twice, ran) = proxy.during(|| pgbench(2));
        ran.with_context(|| format!("pgbench on {endpoint}'s script"))?;
        by_pgbench.round_trips.insert(endpoint, twice - once);
    }
    Ok((by_server, by_pgbench))
}

/// pgbench running `script` `transactions` times on one connection to `database` through `port`.
fn pgbench(
    cluster: &Cluster,
    port: u16,
    database: &str,
    script: &Path,
    vars: &scripts::PgbenchVars,
    transactions: u32,
) -> Result<()> {
    let out = Command::new(cluster.pgbench())
        .args(["-n", "-M", "prepared", "-t", &transactions.to_string(), "-h", "127.0.0.1", "-p", &port.to_string()])
        .args(["-U", "postgres"])
        .args(vars.args(unix_ms()))
        .arg("-f")
        .arg(script)
        .arg(database)
        .stdin(Stdio::null())
        .output()
        .context("running pgbench")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let all = format!("number of transactions actually processed: {transactions}/{transactions}");
    if !out.status.success() || !text.contains(&all) {
        bail!("pgbench failed:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// One request of `endpoint`, as the bench sends it; it must succeed.
fn send(server: &ServerProcess, endpoint: &str, cx: &scripts::Ctx) -> Result<()> {
    let (method, path, body, content_type) = scripts::sample(endpoint, cx);
    let answer = Request::new(method, &path)
        .header("x-auth-token", cx.token)
        .header("content-type", content_type)
        .body(&body)
        .send(server.addr)?;
    if answer.status != 200 {
        bail!("{endpoint} ({method} {path}) answered HTTP {}: {}", answer.status, answer.text());
    }
    Ok(())
}

/// What the SQLite limit runs for each endpoint: one transaction, on a database the server made.
fn sqlite_limit_sends(binary: &Path) -> Result<Sent> {
    let launch = Launch::new(binary);
    let uid = launch.add_user("bench", PASSWORD)?;
    let lid = launch.add_user("login", PASSWORD)?;
    let path = launch.database_url().strip_prefix("sqlite://").context("a SQLite database")?;
    let mut conn = sqlite_limit::open(path)?;
    let token_hash = "the-bench-session-token-hash";
    conn.batch_execute(&format!(
        "{}INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at) VALUES ({uid}, '{token_hash}', {now}, {now});",
        seed(uid, lid),
        now = unix_ms()
    ))?;
    let first: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>("(SELECT min(id) FROM tasks)"))
        .get_result(&mut conn)?;
    let ids = sqlite_limit::Ids { uid, lid, token_hash, lo: first, hi: first + TASKS - 1, base: first + 4 };

    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            // diesel shows a statement with its values after it: only the statement counts.
            let text = query.to_string();
            let statement = text.split_once(" -- binds: ").map_or(text.as_str(), |(sql, _)| sql);
            sink.lock().unwrap_or_else(|e| e.into_inner()).push(statement.to_owned());
        }
    });
    let mut sent = Sent::new();
    for endpoint in ENDPOINTS {
        sqlite_limit::run(&mut conn, endpoint, &ids, ids.base, 0).with_context(|| format!("{endpoint} on SQLite"))?;
        sent.insert(endpoint, std::mem::take(&mut *seen.lock().unwrap_or_else(|e| e.into_inner())));
    }
    Ok(sent)
}

/// The bench user's [`TASKS`] with their count, and the login user's [`LOGIN_SESSIONS`], in SQL
/// both databases take.
fn seed(uid: i64, lid: i64) -> String {
    let now = unix_ms();
    let tasks: Vec<String> = (1..=TASKS)
        .map(|i| format!("({uid}, 'image', 0, 1, 'https://example.com/in/{i}.png', 'seeded', {now}, {now})"))
        .collect();
    let sessions: Vec<String> =
        (1..=LOGIN_SESSIONS).map(|i| format!("({lid}, 'a login session {i}', {now}, {now})")).collect();
    format!(
        "INSERT INTO tasks (user_id, type, status, priority, input, note, created_at, updated_at) VALUES {};\n\
         INSERT INTO task_counts (user_id, shard, tasks) VALUES ({uid}, 0, {TASKS});\n\
         INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at) VALUES {};\n",
        tasks.join(", "),
        sessions.join(", ")
    )
}

/// `endpoint`'s statements sent by the server and by `bench`, compared in `form`: `None` when
/// they are the same, else both lists with the first difference.
fn compare(
    endpoint: &str,
    server: &[String],
    bench: &str,
    sent: &[String],
    form: &dyn Fn(&str) -> String,
) -> Option<String> {
    let first =
        (0..server.len().max(sent.len())).find(|&i| server.get(i).map(|s| form(s)) != sent.get(i).map(|s| form(s)))?;
    let list = |statements: &[String]| -> String {
        statements.iter().enumerate().map(|(i, s)| format!("    {}. {s}\n", i + 1)).collect()
    };
    let at = |statements: &[String]| statements.get(first).map_or("(nothing)".to_owned(), |s| form(s));
    Some(format!(
        "{endpoint}: {bench} differs from the server at statement {}\n  \
         the server sends:\n{}  {bench} sends:\n{}  \
         statement {} compared:\n    server: {}\n    bench:  {}",
        first + 1,
        list(server),
        list(sent),
        first + 1,
        at(server),
        at(sent)
    ))
}
