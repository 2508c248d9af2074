//! The benchmark's run: seeding, the server through `server-harness`, wrk, pgbench and the
//! L_work loops, row by row.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use server_harness::http::Request;
use server_harness::pg::{self, Cluster};
use server_harness::pgbouncer::Bouncer;
use server_harness::{unix_ms, Launch, ServerProcess};
use xtask::root;

use super::bare;
use super::cpu;
use super::flood;
use super::pooler;
use super::report::{self, Memory, Row};
use super::s3;
use super::scripts::{self, ENDPOINTS};
use super::sqlite_limit;

const CONCURRENCY: [u32; 3] = [1, 8, 32];
const PASSWORD: &str = "bench-password-0123456789";
/// The bench user's own tasks (detail, update, list).
const OWN_TASKS: i64 = 100_000;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

fn check_interrupted() -> Result<()> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        bail!("interrupted: stopping (the database and server are being removed)");
    }
    Ok(())
}

pub fn run(quick: bool, only: Option<String>) -> Result<()> {
    let endpoints: Vec<&'static str> = match &only {
        None => ENDPOINTS.to_vec(),
        Some(list) => {
            let wanted: Vec<&str> = list.split(',').map(str::trim).collect();
            if let Some(bad) = wanted.iter().find(|w| !ENDPOINTS.contains(w)) {
                bail!("--only: unknown endpoint {bad:?}; the endpoints are {}", ENDPOINTS.join(", "));
            }
            ENDPOINTS.iter().copied().filter(|e| wanted.contains(e)).collect()
        }
    };
    if cfg!(debug_assertions) {
        bail!("the benchmark measures release builds: run it as `cargo xtask bench`, which builds one");
    }
    // Before this process's first SQLite connection (the seeding): SQLite's L_db runs on SQLite
    // configured as the server configures it.
    server::db::sqlite::configure_sqlite();
    let server_bin = crate::build_server(true)?;
    if Command::new("wrk").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
        bail!("wrk is not installed: `apt-get install wrk` (Debian's package), then run again");
    }
    let Some(pg_bin) = pg::bin_dir() else {
        bail!("PostgreSQL is not installed: `apt-get install postgresql` (initdb, pg_ctl, pgbench), then run again");
    };
    // SAFETY: installs a handler that only stores to an atomic.
    unsafe { libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t) };

    let secs = if quick { 1 } else { 5 };
    // Fresh ids per status/delete run: a block each, larger than a run can use.
    let block: i64 = if quick { 30_000 } else { 120_000 };
    let out_dir = root().join("target/bench");
    std::fs::create_dir_all(&out_dir)?;
    let work = tempfile::Builder::new().prefix("backend-bench-").tempdir()?;
    let plan = Plan { secs, block, work: work.path().to_owned(), server_bin, endpoints };

    let started = Instant::now();
    let mut rows = Vec::new();
    let mut rss = Vec::new();
    let mut http_limits = std::collections::HashMap::new();
    {
        println!("PostgreSQL: starting a throwaway cluster ({})", pg_bin.display());
        // TLS on for the `postgres+tls` rows; every other row (and its pgbench) uses none.
        let (cert, key) = self_signed_certificate()?;
        let tls = pg::Tls { cert_pem: &cert, key_pem: &key, hostssl_only: false };
        let cluster = Cluster::start_tls(&pg_bin, &["max_connections=200"], &tls)?;
        cluster.psql("postgres", "CREATE DATABASE bench")?;
        let url = format!("{}?sslmode=disable", cluster.url("bench"));
        let db = Db::Pg(&cluster);
        let (r, m) = run_database(&plan, &db, &url, &mut http_limits)?;
        rows.extend(r);
        rss.push(m);
    }
    check_interrupted()?;
    {
        let path = plan.work.join("bench.db");
        let url = format!("sqlite://{}", path.display());
        let (r, m) = run_database(&plan, &Db::Sqlite(&path), &url, &mut http_limits)?;
        rows.extend(r);
        rss.push(m);
    }
    let machine = report::machine();
    report::print(&rows, &rss, &machine);
    report::write(&out_dir, &rows, &rss, &machine, quick)?;
    println!(
        "\n{} rows in {:.0} s; wrote target/bench/results.json, summary.md, chart.svg",
        rows.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

struct Plan {
    secs: u32,
    block: i64,
    work: PathBuf,
    server_bin: PathBuf,
    endpoints: Vec<&'static str>,
}

enum Db<'a> {
    Pg(&'a Cluster),
    Sqlite(&'a Path),
}

impl Db<'_> {
    /// The PostgreSQL cluster's data dir, whose processes' CPU a run counts.
    fn postgres_dir(&self) -> Option<PathBuf> {
        match self {
            Db::Pg(cluster) => Some(cluster.data_dir()),
            Db::Sqlite(_) => None,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Db::Pg(_) => "postgres",
            Db::Sqlite(_) => "sqlite",
        }
    }

    fn exec(&self, sql: &str) -> Result<()> {
        match self {
            Db::Pg(c) => c.psql("bench", sql).map(|_| ()),
            Db::Sqlite(path) => {
                use diesel::connection::SimpleConnection as _;
                use diesel::Connection as _;
                let mut conn = diesel::sqlite::SqliteConnection::establish(&path.display().to_string())?;
                conn.batch_execute(sql)?;
                Ok(())
            }
        }
    }

    fn query_text(&self, sql: &str) -> Result<String> {
        match self {
            Db::Pg(c) => c.psql("bench", sql),
            Db::Sqlite(path) => {
                use diesel::sql_types::Text;
                use diesel::{Connection as _, RunQueryDsl as _};
                #[derive(diesel::QueryableByName)]
                struct V {
                    #[diesel(sql_type = Text)]
                    v: String,
                }
                let mut conn = diesel::sqlite::SqliteConnection::establish(&path.display().to_string())?;
                let v: V = diesel::sql_query(format!("SELECT ({sql}) AS v")).get_result(&mut conn)?;
                Ok(v.v)
            }
        }
    }

    fn query_i64(&self, sql: &str) -> Result<i64> {
        let text = self.query_text(&format!("SELECT CAST(({sql}) AS TEXT)"))?;
        text.trim().parse().with_context(|| format!("{sql}: {text:?} is not a number"))
    }
}

fn run_database(plan: &Plan, db: &Db, url: &str, http_limits: &mut HttpLimits) -> Result<(Vec<Row>, Memory)> {
    let name = db.name();
    // wrk is the trusted proxy: the login rows and the flood from many addresses name their
    // client in X-Forwarded-For (`flood.rs`).
    let launch = Launch::new(&plan.server_bin)
        .database(url)
        .upload_dir(plan.work.join(format!("uploads-{name}")))
        .setting("trusted_proxies", "127.0.0.1");
    launch.add_user("bench", PASSWORD)?;
    launch.add_user("login", PASSWORD)?;
    let t = Instant::now();
    seed(db, fresh_runs(db) * plan.block)?;
    let bench_uid = db.query_i64("SELECT id FROM users WHERE name = 'bench'")?;
    let login_uid = db.query_i64("SELECT id FROM users WHERE name = 'login'")?;
    let lo = db.query_i64(&format!("SELECT min(id) FROM tasks WHERE user_id = {bench_uid}"))?;
    let hi = lo + OWN_TASKS - 1;
    let next_block = hi + 1;
    println!("{name}: seeded in {:.1} s", t.elapsed().as_secs_f64());
    check_interrupted()?;

    // At the default log level, as deployed: one line per request.
    let server = launch.start()?;
    let token = server.login("bench", PASSWORD)?;
    let token_hash = db
        .query_text(&format!("SELECT token_hash FROM sessions WHERE user_id = {bench_uid} ORDER BY id DESC LIMIT 1"))?;

    // Capture the real server's answer to each endpoint: the bare server repeats those bytes.
    let png = scripts::png();
    let mut answers = bare::Answers::new();
    for &endpoint in &plan.endpoints {
        let cx = scripts::Ctx { token: &token, login_password: PASSWORD, lo, hi, base: 0, threads: 1, png: &png };
        let (method, path, body, ctype) = scripts::sample(endpoint, &cx);
        let answer = Request::new(method, &path)
            .header("x-auth-token", &token)
            .header("content-type", ctype)
            .body(&body)
            .send(server.addr)?;
        if answer.status != 200 {
            bail!("{name}: {endpoint} ({method} {path}) answered HTTP {}: {}", answer.status, answer.text());
        }
        let path_only = path.split('?').next().unwrap_or(&path).to_string();
        answers.insert((method.to_string(), path_only), answer.body.into());
    }
    if plan.endpoints.contains(&"upload") {
        // The S3 rows also fetch the image `upload` stored: the bare server answers that too.
        let cx = scripts::Ctx { token: &token, login_password: PASSWORD, lo, hi, base: 0, threads: 1, png: &png };
        let (method, path, _, _) = scripts::sample("fetch", &cx);
        let answer = Request::new(method, &path).send(server.addr)?;
        answers.insert((method.to_string(), path), answer.body.into());
    }
    // At rest: the server keeps a login's argon2 memory for 2 s after the last one
    // (`server/src/auth/checks.rs`), for the next login.
    std::thread::sleep(Duration::from_secs(3));
    let rest_kib = proc_status(server.pid(), "VmRSS")?;
    let pooled = match db {
        Db::Pg(cluster) if plan.endpoints.iter().any(|e| pooler::ENDPOINTS.contains(e)) => {
            pooler::start(cluster, "bench", &launch, &server)?
        }
        _ => None,
    };
    let bare = if http_limits.is_empty() { Some(bare::start(answers)?) } else { None };

    let mut run = Run {
        plan,
        db,
        token: &token,
        token_hash: &token_hash,
        bench_uid,
        login_uid,
        lo,
        hi,
        next_block,
        png: &png,
        bare: bare.as_ref(),
        http_limits,
    };
    let mut rows = Vec::new();
    for &endpoint in &plan.endpoints {
        for &c in &CONCURRENCY {
            rows.push(run.row(name, &server, endpoint, c, Route::Direct("disable"))?);
        }
        // Through PgBouncer right after the direct rows: the two measured as close together in
        // time as they can be, on the machine's load of the moment.
        if let Some(pooled) = pooled.as_ref().filter(|_| pooler::ENDPOINTS.contains(&endpoint)) {
            for &c in &pooler::CONCURRENCY {
                rows.push(run.row(pooler::NAME, &pooled.server, endpoint, c, Route::Pooler(&pooled.bouncer))?);
            }
        }
    }
    drop(pooled);
    let plain = rows.iter().find(|r| r.db == name && r.endpoint == "hola" && r.concurrency == flood::CONNECTIONS);
    if let Some(plain) = plain {
        let plain = plain.rps;
        for flood in [flood::Flood::OneAddress, flood::Flood::ManyAddresses] {
            rows.push(run.under_flood(name, server.addr.port(), flood, plain)?);
        }
    }
    let peak_kib = proc_status(server.pid(), "VmHWM")?;
    drop(server);
    if let Db::Pg(cluster) = db {
        // The same reads through a server that reaches PostgreSQL over TLS (and pgbench too),
        // and through one that records metrics: what each costs, next to the rows above.
        let tls = launch.clone().database(format!("{}?sslmode=require", cluster.url("bench")));
        let metrics = launch.clone().setting("metrics_bind", "127.0.0.1:0");
        for (variant, launch, endpoints, sslmode) in [
            ("postgres+tls", tls, ["detail", "list"], "require"),
            ("postgres+metrics", metrics, ["hola", "detail"], "disable"),
        ] {
            let server = launch.start()?;
            for endpoint in endpoints.into_iter().filter(|e| plan.endpoints.contains(e)) {
                for &c in &CONCURRENCY {
                    rows.push(run.row(variant, &server, endpoint, c, Route::Direct(sslmode))?);
                }
            }
        }
        // Uploads kept in S3 (moto on loopback): upload, then fetch what it stored.
        if plan.endpoints.contains(&"upload") {
            match s3::Store::start()? {
                None => println!("moto is not installed (pip install 'moto[server]'): no postgres+s3 rows"),
                Some(store) => {
                    let server = store.configure(launch.clone()).start()?;
                    for endpoint in ["upload", "fetch"] {
                        for &c in &CONCURRENCY {
                            rows.push(run.store_row("postgres+s3", server.addr.port(), endpoint, c, &store)?);
                        }
                    }
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(launch.upload_path());
    Ok((rows, Memory { db: name, rest_kib, peak_kib }))
}

/// How many of `db`'s runs use a block of fresh ids of their own: the server's and the limit's,
/// of every row of an endpoint that consumes ids ([`scripts::consumes_ids`]). Whether or not
/// those rows run, so that the seeded data never depends on `--only` or on what is installed.
fn fresh_runs(db: &Db) -> i64 {
    let runs: usize = ENDPOINTS
        .iter()
        .filter(|e| scripts::consumes_ids(e))
        .map(|e| {
            let pooled = matches!(db, Db::Pg(_)) && pooler::ENDPOINTS.contains(e);
            2 * (CONCURRENCY.len() + if pooled { pooler::CONCURRENCY.len() } else { 0 })
        })
        .sum();
    runs as i64
}

/// How a row's pgbench reaches PostgreSQL: as that row's server does.
#[derive(Clone, Copy)]
enum Route<'a> {
    /// Straight to the cluster over libpq's `sslmode`, each statement prepared once per connection
    /// (`-M prepared`), as the server's statement cache does.
    Direct(&'a str),
    /// Through a PgBouncer in transaction mode, each statement sent as the unnamed statement,
    /// parsed and bound every time (`-M extended`), as `db_pooler = "transaction"` sends it.
    Pooler(&'a Bouncer),
}

impl Route<'_> {
    /// The PgBouncer's process, whose CPU a run through it counts.
    fn pooler_pid(self) -> Option<u32> {
        match self {
            Route::Direct(_) => None,
            Route::Pooler(bouncer) => bouncer.pid(),
        }
    }
}

/// L_http and where its run's CPU went, by endpoint and connections: measured once, on the
/// first database's run.
type HttpLimits = std::collections::HashMap<(String, u32), (f64, Option<cpu::Split>)>;

/// What every row of one database's run measures with, and the fresh ids handed out so far.
struct Run<'a> {
    plan: &'a Plan,
    db: &'a Db<'a>,
    token: &'a str,
    token_hash: &'a str,
    bench_uid: i64,
    login_uid: i64,
    lo: i64,
    hi: i64,
    next_block: i64,
    png: &'a [u8],
    bare: Option<&'a bare::Bare>,
    http_limits: &'a mut HttpLimits,
}

impl Run<'_> {
    /// One row: `endpoint` at `c` connections on `server` (wrk), and its limits — pgbench by
    /// `route`, the bare HTTP server, the endpoint's own work — with where each run's CPU went.
    fn row(
        &mut self,
        name: &'static str,
        server: &ServerProcess,
        endpoint: &'static str,
        c: u32,
        route: Route,
    ) -> Result<Row> {
        check_interrupted()?;
        let plan = self.plan;
        let threads = c.min(2);
        let fresh = scripts::consumes_ids(endpoint);
        let mut cx = scripts::Ctx {
            token: self.token,
            login_password: PASSWORD,
            lo: self.lo,
            hi: self.hi,
            base: self.next_block,
            threads,
            png: self.png,
        };
        if fresh {
            self.next_block += plan.block;
        }
        let postgres = self.db.postgres_dir();
        let pooler = route.pooler_pid();
        let watch =
            cpu::Watch { load: cpu::Load::Child, server: Some(server.pid()), postgres: postgres.as_deref(), pooler };
        let (run, server_cpu) =
            cpu::measure(watch, || wrk(plan, server.addr.port(), endpoint, &cx, c), |r| r.requests)?;
        let ran_out = fresh && run.max_id >= cx.base + plan.block;
        let mut note = run.failures(if ran_out { "ran out of fresh ids" } else { "" });
        let db_run = match self.db {
            Db::Pg(cluster) => {
                cx.base = self.next_block;
                if fresh {
                    self.next_block += plan.block;
                }
                // The server runs `password_checks` argon2 checks at once (`auth::checks`), and a
                // login's statements follow its check: at most that many logins are in the
                // database at once. 32 pgbench clients on one user's sessions would measure lock
                // waits the server never has.
                let clients = if endpoint == "login" { c.min(password_checks()) } else { c };
                let ids = (self.bench_uid, self.login_uid, self.token_hash);
                let watch = cpu::Watch { load: cpu::Load::Child, server: None, postgres: postgres.as_deref(), pooler };
                let pgbench = || pgbench(plan, cluster, endpoint, clients, &cx, ids, route);
                let (run, cpu) = cpu::measure(watch, pgbench, |r| r.transactions)?;
                Some(DbLimit { tps: run.tps, p99_ms: run.p99_ms, cpu })
            }
            Db::Sqlite(path) => {
                cx.base = self.next_block;
                if fresh {
                    self.next_block += plan.block;
                }
                // As for pgbench: no more logins at once than the server checks passwords.
                let threads = if endpoint == "login" { c.min(password_checks()) } else { c };
                let ids = sqlite_limit::Ids {
                    uid: self.bench_uid,
                    lid: self.login_uid,
                    token_hash: self.token_hash,
                    lo: cx.lo,
                    hi: cx.hi,
                    base: cx.base,
                };
                let watch = cpu::Watch { load: cpu::Load::Threads, server: None, postgres: None, pooler: None };
                let limit = || sqlite_limit::measure(path, endpoint, threads, plan.secs, ids);
                let (run, cpu) = cpu::measure(watch, limit, |r| r.tps * f64::from(plan.secs))?;
                Some(DbLimit { tps: run.tps, p99_ms: Some(run.p99_ms), cpu })
            }
        };
        let l_db = db_run.map(|r| r.tps);
        let (l_http, l_http_cpu) = match self.bare {
            Some(b) => {
                let watch = cpu::Watch { load: cpu::Load::ChildAndThreads, server: None, postgres: None, pooler: None };
                let (r, cpu) = cpu::measure(watch, || wrk(plan, b.port, endpoint, &cx, c), |r| r.requests)?;
                let limit = (r.rps, Some(cpu));
                self.http_limits.insert((endpoint.to_string(), c), limit);
                limit
            }
            None => self.http_limits.get(&(endpoint.to_string(), c)).copied().unwrap_or((f64::NAN, None)),
        };
        if l_db == Some(0.0) {
            note = format!("pgbench completed no transaction {note}");
        }
        // Work of the endpoint's own that neither limit above does.
        let l_work = match endpoint {
            "upload" => Some(file_limit(plan, self.png, c)?),
            "login" => Some(argon2_limit(plan, c)?),
            _ => None,
        };
        let limit = l_db.filter(|&d| d > 0.0).map(|d| 1.0 / (1.0 / d + 1.0 / l_http + l_work.map_or(0.0, |w| 1.0 / w)));
        let row = Row {
            l_db,
            l_db_p99_ms: db_run.and_then(|r| r.p99_ms),
            cpu: Some(server_cpu),
            l_db_cpu: db_run.map(|r| r.cpu),
            l_http_cpu,
            l_http,
            l_work,
            limit_rps: limit,
            ratio: limit.map(|l| run.rps / l),
            ..run.row(endpoint, name, c, note)
        };
        report::print_row(&row);
        Ok(row)
    }
}
impl Run<'_> {
    /// One row of a server whose uploads are in S3: `endpoint` (upload, or fetch of what upload
    /// stored) at `c` connections (wrk), and its limits — the upload's statements (pgbench, as in
    /// [`Run::row`]), the bare HTTP server, and the store alone (`s3.rs`: bare puts or gets).
    fn store_row(
        &mut self,
        name: &'static str,
        port: u16,
        endpoint: &'static str,
        c: u32,
        store: &s3::Store,
    ) -> Result<Row> {
        check_interrupted()?;
        let plan = self.plan;
        let cx = scripts::Ctx {
            token: self.token,
            login_password: PASSWORD,
            lo: self.lo,
            hi: self.hi,
            base: self.next_block,
            threads: c.min(2),
            png: self.png,
        };
        let run = wrk(plan, port, endpoint, &cx, c)?;
        let note = run.failures("");
        let db_run = match (self.db, endpoint) {
            (Db::Pg(cluster), "upload") => {
                let ids = (self.bench_uid, self.login_uid, self.token_hash);
                Some(pgbench(plan, cluster, endpoint, c, &cx, ids, Route::Direct("disable"))?)
            }
            _ => None,
        };
        let l_db = db_run.as_ref().map(|r| r.tps);
        let l_http = match self.bare {
            Some(b) => wrk(plan, b.port, endpoint, &cx, c)?.rps,
            None => f64::NAN,
        };
        let l_work = store.limit(plan.secs, endpoint, self.png, c)?;
        // A fetch does no database work: its limit is HTTP's and the store's.
        let limit = 1.0 / (l_db.map_or(0.0, |d| 1.0 / d) + 1.0 / l_http + 1.0 / l_work);
        let row = Row {
            l_db,
            l_db_p99_ms: db_run.and_then(|r| r.p99_ms),
            l_http,
            l_work: Some(l_work),
            limit_rps: Some(limit),
            ratio: Some(run.rps / limit),
            ..run.row(endpoint, name, c, note)
        };
        report::print_row(&row);
        Ok(row)
    }

    /// hola at [`flood::CONNECTIONS`] connections while as many flood the login beside it; `plain`
    /// is hola's rate without the flood, measured earlier in the same run.
    fn under_flood(&mut self, name: &'static str, port: u16, flood: flood::Flood, plain: f64) -> Result<Row> {
        check_interrupted()?;
        let plan = self.plan;
        let flooding = flood::start(&plan.work, plan.secs, port, flood)?;
        // The flood is under way before the measurement starts, and outlasts it.
        std::thread::sleep(flood::LEAD);
        let cx = scripts::Ctx {
            token: self.token,
            login_password: PASSWORD,
            lo: self.lo,
            hi: self.hi,
            base: self.next_block,
            threads: 2,
            png: self.png,
        };
        let run = wrk(plan, port, "hola", &cx, flood::CONNECTIONS)?;
        let flooded = flooding.finish()?;
        let mut note = format!(
            "{:.0} % of plain hola ({plain:.0}); logins {:.0}/s: {} 401, {} 429, {} other",
            100.0 * run.rps / plain,
            flooded.rps,
            flooded.unauthorized,
            flooded.refused,
            flooded.other
        );
        if run.non2xx + run.socket_errors > 0 {
            note = format!("{} non-2xx, {} socket errors; {note}", run.non2xx, run.socket_errors);
        }
        let row = run.row(flood.row_name(), name, flood::CONNECTIONS, note);
        report::print_row(&row);
        Ok(row)
    }
}

/// 100 users (bench, login and 98 others) with 100k tasks spread over them, the bench user's
/// own 100k tasks followed by `pools` fresh ones for status changes and deletes, and live
/// sessions; every user's task count set from the rows. One statement each: seconds.
fn seed(db: &Db, pools: i64) -> Result<()> {
    let now = unix_ms();
    let (series, head) = match db {
        Db::Pg(_) => ("generate_series(1, {N}) AS s(i)", ""),
        Db::Sqlite(_) => ("s", "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {N}) "),
    };
    let from = |n: i64| series.replace("{N}", &n.to_string());
    let with = |n: i64| head.replace("{N}", &n.to_string());
    let hash = "(SELECT password_hash FROM users WHERE name = 'bench')";
    let md5 = match db {
        Db::Pg(_) => "md5(i::text) || md5((i + 1)::text)",
        Db::Sqlite(_) => "hex(randomblob(32))",
    };
    let sql = format!(
        "{w98}INSERT INTO users (name, password_hash, created_at, updated_at) SELECT 'user' || i, {hash}, {now}, {now} FROM {f98};\n\
         {w100k}INSERT INTO tasks (user_id, type, status, priority, input, note, created_at, updated_at) \
           SELECT (SELECT min(id) FROM users WHERE name LIKE 'user%') + i % 98, 'image', i % 4, i % 10, \
           'https://example.com/in/' || i || '.png', 'seeded', {now}, {now} FROM {f100k};\n\
         {wown}INSERT INTO tasks (user_id, type, status, priority, input, note, created_at, updated_at) \
           SELECT (SELECT id FROM users WHERE name = 'bench'), CASE WHEN i % 2 = 0 THEN 'image' ELSE 'video' END, 0, i % 10, \
           'https://example.com/in/' || i || '.png', 'seeded', {now}, {now} FROM {fown};\n\
         {w1000}INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at) \
           SELECT (SELECT min(id) FROM users WHERE name LIKE 'user%') + i % 98, {md5}, {now}, {now} FROM {f1000};\n\
         INSERT INTO task_counts (user_id, shard, tasks) SELECT user_id, 0, count(*) FROM tasks GROUP BY user_id;\n\
         ANALYZE;\n",
        w98 = with(98),
        f98 = from(98),
        w100k = with(100_000),
        f100k = from(100_000),
        wown = with(OWN_TASKS + pools),
        fown = from(OWN_TASKS + pools),
        w1000 = with(1000),
        f1000 = from(1000),
    );
    db.exec(&sql)?;
    if let Db::Pg(_) = db {
        // Hint bits and the visibility map set, everything on disk: the runs then measure the
        // statements, not the first touch of freshly loaded pages.
        db.exec("VACUUM (FREEZE, ANALYZE)")?;
        db.exec("CHECKPOINT")?;
    }
    Ok(())
}

fn proc_status(pid: u32, key: &str) -> Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':')?.trim().strip_suffix("kB")?.trim().parse().ok())
        .with_context(|| format!("{key} in /proc/{pid}/status"))
}

struct WrkRun {
    /// Successful (2xx) requests per second.
    rps: f64,
    /// Every request answered, refusals too: what the run's CPU was spent on.
    requests: f64,
    p50_us: u64,
    p99_us: u64,
    non2xx: u64,
    socket_errors: u64,
    max_id: i64,
}

impl WrkRun {
    /// `note`, or what went wrong in the run instead of or before it.
    fn failures(&self, note: &str) -> String {
        let note = if self.rps == 0.0 { "no request completed (timeouts)" } else { note };
        if self.non2xx + self.socket_errors > 0 {
            format!("{} non-2xx, {} socket errors {note}", self.non2xx, self.socket_errors)
        } else {
            note.to_owned()
        }
    }

    /// This run as a row of the table, without limits.
    fn row(&self, endpoint: &str, db: &'static str, concurrency: u32, note: String) -> Row {
        Row {
            endpoint: endpoint.to_owned(),
            db,
            concurrency,
            rps: self.rps,
            p50_ms: self.p50_us as f64 / 1000.0,
            p99_ms: self.p99_us as f64 / 1000.0,
            l_db: None,
            l_db_p99_ms: None,
            cpu: None,
            l_db_cpu: None,
            l_http_cpu: None,
            l_http: f64::NAN,
            l_work: None,
            limit_rps: None,
            ratio: None,
            note,
        }
    }
}

fn wrk(plan: &Plan, port: u16, endpoint: &str, cx: &scripts::Ctx, connections: u32) -> Result<WrkRun> {
    let script = plan.work.join(format!("{endpoint}.lua"));
    std::fs::write(&script, scripts::lua(endpoint, cx))?;
    let out = Command::new("wrk")
        .args(["-t", &cx.threads.to_string(), "-c", &connections.to_string()])
        .args(["-d", &format!("{}s", plan.secs), "--timeout", "10s", "-s"])
        .arg(&script)
        .arg(format!("http://127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .output()
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find_map(|l| l.strip_prefix("BENCH ")).with_context(|| {
        format!("wrk on {endpoint} printed no result:\n{text}\n{}", String::from_utf8_lossy(&out.stderr))
    })?;
    let v: Vec<i64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    if v.len() != 7 {
        bail!("wrk's result line is malformed: {line}");
    }
    // Answered requests that did what was asked: a refusal (a login beyond the password-check
    // queue: 429) is noted, not counted as throughput.
    let requests = (v[0] - v[4]).max(0) as f64;
    let duration = (v[1] as f64 / 1e6).max(1e-6);
    Ok(WrkRun {
        rps: requests / duration,
        requests: v[0].max(0) as f64,
        p50_us: v[2] as u64,
        p99_us: v[3] as u64,
        non2xx: v[4] as u64,
        socket_errors: v[5] as u64,
        max_id: v[6],
    })
}

/// pgbench running `endpoint`'s statements by `route`; `ids` are the bench user's, the login
/// user's and the bench session's token hash.
fn pgbench(
    plan: &Plan,
    cluster: &Cluster,
    endpoint: &str,
    clients: u32,
    cx: &scripts::Ctx,
    (uid, lid, token_hash): (i64, i64, &str),
    route: Route,
) -> Result<PgbenchRun> {
    let (port, protocol, sslmode) = match route {
        Route::Direct(sslmode) => (cluster.port, "prepared", sslmode),
        Route::Pooler(bouncer) => (bouncer.port, "extended", "disable"),
    };
    let script = plan.work.join(format!("{endpoint}.sql"));
    // A tenth of the transactions logged with their latency: enough for a p99, little work for
    // pgbench.
    let log_prefix = format!("pgbench-{endpoint}-{clients}");
    std::fs::write(&script, scripts::pgbench(endpoint))?;
    let vars = scripts::PgbenchVars { token_hash, uid, lid, lo: cx.lo, hi: cx.hi, base: cx.base, clients };
    let mut cmd = Command::new(cluster.pgbench());
    cmd.args(["-n", "-M", protocol, "-c", &clients.to_string(), "-j", &cx.threads.to_string()])
        .args(["-T", &plan.secs.to_string(), "-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .args(["-l", "--sampling-rate=0.1", &format!("--log-prefix={log_prefix}")])
        .args(vars.args(unix_ms()))
        .env("PGSSLMODE", sslmode)
        .current_dir(&plan.work)
        .arg("-f")
        .arg(&script);
    let out = cmd.arg("bench").stdin(Stdio::null()).output().context("running pgbench")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("pgbench on {endpoint} failed:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    }
    let p99_ms = logged_p99_ms(&plan.work, &log_prefix)?;
    if text.contains("number of transactions actually processed: 0/") || text.contains("processed: 0\n") {
        return Ok(PgbenchRun { tps: 0.0, p99_ms, transactions: 0.0 }); // every client waited on locks for the whole run
    }
    let transactions = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("number of transactions actually processed: ")?.split('/').next()?.trim().parse().ok()
        })
        .with_context(|| format!("no transaction count in pgbench's output:\n{text}"))?;
    let tps = text
        .lines()
        .find_map(|l| l.strip_prefix("tps = ")?.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("no tps in pgbench's output:\n{text}"))?;
    Ok(PgbenchRun { tps, p99_ms, transactions })
}

/// L_db's run, on either database: its rate, its p99 and where its CPU went.
#[derive(Clone, Copy)]
struct DbLimit {
    tps: f64,
    p99_ms: Option<f64>,
    cpu: cpu::Split,
}

struct PgbenchRun {
    tps: f64,
    /// pgbench's own p99 latency per transaction, from its log.
    p99_ms: Option<f64>,
    transactions: f64,
}

/// The p99 of the latencies in pgbench's transaction logs `dir/prefix.*` (one file per thread;
/// the third field of a line is the transaction's time in µs), which it removes.
fn logged_p99_ms(dir: &Path, prefix: &str) -> Result<Option<f64>> {
    let file_start = format!("{prefix}.");
    let mut latencies_us: Vec<u64> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !name.starts_with(&file_start) {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        latencies_us.extend(text.lines().filter_map(|l| l.split_whitespace().nth(2)?.parse::<u64>().ok()));
        std::fs::remove_file(&path)?;
    }
    if latencies_us.is_empty() {
        return Ok(None);
    }
    latencies_us.sort_unstable();
    let at = (latencies_us.len() * 99).div_ceil(100).saturating_sub(1);
    Ok(Some(latencies_us[at] as f64 / 1000.0))
}

/// How many times per second `threads` threads together can do `op` (given the thread's number
/// and how many it has done) for the run's duration: the L_work measurements.
fn ops_per_second(
    plan: &Plan,
    threads: u32,
    op: impl Fn(u32, u64) -> std::io::Result<()> + Sync,
) -> std::io::Result<f64> {
    let deadline = Instant::now() + Duration::from_secs(u64::from(plan.secs));
    let started = Instant::now();
    let done: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let op = &op;
                scope.spawn(move || -> std::io::Result<u64> {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        op(t, n)?;
                        n += 1;
                    }
                    Ok(n)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("an L_work thread panicked")).sum::<std::io::Result<u64>>()
    })?;
    Ok(done as f64 / started.elapsed().as_secs_f64())
}

/// L_work of upload: what its file work alone can do at `clients` concurrency, per second — the
/// steps of the server's small-upload path (`server/src/http/upload.rs`, `store_bytes`): a new
/// temporary file in the upload folder's file system, the bytes written, fsync, rename onto the
/// content-addressed name (the same name each time, as the benchmark uploads one image).
fn file_limit(plan: &Plan, bytes: &[u8], clients: u32) -> Result<f64> {
    let dir = plan.work.join("file-limit");
    std::fs::create_dir_all(&dir)?;
    let target = dir.join("stored.png");
    let rate = ops_per_second(plan, clients, |t, n| {
        let temp = dir.join(format!(".upload-{t}-{n}.tmp"));
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, &target)
    })?;
    std::fs::remove_dir_all(&dir)?;
    Ok(rate)
}

/// How many password checks the server runs at once by default (`password_checks = 0`): half the
/// cores, at least one.
fn password_checks() -> u32 {
    (std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(1)) / 2).max(1)
}

/// L_work of login: argon2id checks of the password (the crate's default parameters, as the
/// server hashes) per second, from as many threads as the server runs checks on, each reusing its
/// working memory as the server's do (`server/src/auth/checks.rs`).
fn argon2_limit(plan: &Plan, clients: u32) -> Result<f64> {
    use argon2::password_hash::PasswordHasher as _;
    let argon2 = argon2::Argon2::default();
    let hash =
        argon2.hash_password(PASSWORD.as_bytes()).map_err(|e| anyhow::anyhow!("hashing the bench password: {e}"))?;
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        bail!("argon2 gave a hash without salt or output")
    };
    let threads = clients.min(password_checks());
    let memory: Vec<_> = (0..threads)
        .map(|_| Mutex::new(vec![argon2::Block::default(); argon2::Params::default().block_count()]))
        .collect();
    Ok(ops_per_second(plan, threads, |t, _| {
        let mut out = vec![0u8; expected.len()];
        let mut memory = memory[t as usize].lock().expect("one thread per memory");
        argon2
            .hash_password_into_with_memory(PASSWORD.as_bytes(), salt.as_ref(), &mut out, &mut memory[..])
            .expect("argon2 checks the bench password");
        assert_eq!(out, expected.as_bytes());
        Ok(())
    })?)
}

/// A self-signed certificate and its key (PEM) for the benchmark's cluster: `sslmode=require`
/// encrypts without checking who answers.
fn self_signed_certificate() -> Result<(String, String)> {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
    Ok((certified.cert.pem(), certified.signing_key.serialize_pem()))
}
