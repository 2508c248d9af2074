//! The `server` binary: user commands (password on stdin), migrate, openapi, and serve with a
//! first-start admin, JSON logs and graceful shutdown on SIGTERM.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use server_harness::{expect_error, expect_ok, on_both_databases, DbKind, Launch};

use crate::TestServer;

on_both_databases!(user_commands_add_list_passwd_disable, migrate_applies_and_is_idempotent);

/// `server ARGS…` as `launch` runs it, with `stdin` as its standard input.
fn server(launch: &Launch, args: &[&str], stdin: &str) -> Output {
    let mut child =
        launch.command(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// A binary with none of the harness's settings.
fn bare(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--database")
        .arg(database)
        .args(args)
        .env_remove("BACKEND_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn user_commands_add_list_passwd_disable(db: DbKind) {
    let launch = tokio::task::block_in_place(|| TestServer::launch(db, |_| {}));
    let cli = launch.clone();
    let run = move |args: &'static [&'static str], stdin: &'static str| {
        let launch = cli.clone();
        async move { tokio::task::spawn_blocking(move || server(&launch, args, stdin)).await.unwrap() }
    };

    let out = run(&["user", "add", "alice", "--role", "3", "--perm", "7"], "alice-password\n").await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("added user alice"), "{}", stdout(&out));

    let out = run(&["user", "add", "alice"], "another-password\n").await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    let out = run(&["user", "add", "bob"], "short\n").await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("at least 8"), "{}", stderr(&out));

    let out = run(&["user", "list"], "").await;
    assert!(out.status.success(), "{}", stderr(&out));
    let line = stdout(&out).lines().find(|l| l.contains("alice")).map(str::to_owned);
    let line = line.unwrap_or_else(|| panic!("alice not listed:\n{}", stdout(&out)));
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields[1..], ["alice", "3", "7", "active"], "{line}");
    assert!(!stdout(&out).contains("bob"));

    let s = TestServer::from_launch(launch).await;
    assert_eq!(s.admin_password, None, "users exist: no admin is created");
    let body = expect_ok(s.login("alice", "alice-password").await).await;
    assert_eq!((&body["data"]["role"], &body["data"]["perm"]), (&3.into(), &7.into()));
    let token = s.token("alice", "alice-password").await;

    let out = run(&["user", "passwd", "alice"], "changed-password\n").await;
    assert!(out.status.success(), "{}", stderr(&out));
    expect_error(s.hola(&token).await, 401, 10103).await;
    expect_error(s.login("alice", "alice-password").await, 401, 10106).await;
    let token = s.token("alice", "changed-password").await;

    let out = run(&["user", "disable", "alice"], "").await;
    assert!(out.status.success(), "{}", stderr(&out));
    expect_error(s.hola(&token).await, 401, 10103).await;
    expect_error(s.login("alice", "changed-password").await, 401, 10106).await;
    let out = run(&["user", "list"], "").await;
    assert!(stdout(&out).lines().any(|l| l.contains("alice") && l.ends_with("disabled")));

    let out = run(&["user", "disable", "nobody"], "").await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no such user"), "{}", stderr(&out));
}

async fn migrate_applies_and_is_idempotent(db: DbKind) {
    let launch = tokio::task::block_in_place(|| TestServer::launch(db, |_| {}));
    let out = tokio::task::spawn_blocking(move || {
        let first = server(&launch, &["migrate"], "");
        let second = server(&launch, &["migrate"], "");
        assert!(first.status.success() && second.status.success(), "{}", stderr(&second));
        server(&launch, &["user", "list"], "")
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// With `migrate_on_start` off, the server does not touch the schema: behind, it refuses to start
/// and says to run `server migrate`, which applies and names the migrations; `--status` lists them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_under_control() {
    let launch = tokio::task::block_in_place(|| TestServer::launch(DbKind::Sqlite, |c| c.migrate_on_start = false));
    let refused = tokio::task::block_in_place(|| launch.start()).expect_err("a schema behind stops the start");
    let refused = format!("{refused:#}");
    assert!(refused.contains("run `server migrate`") && refused.contains("migrate_on_start"), "{refused}");

    // Every migration the binary carries for SQLite: the folders under migrations/sqlite.
    let total = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap().count();
    let status = stdout(&server(&launch, &["migrate", "--status"], ""));
    assert!(
        status.contains(&format!("0 applied, {total} pending")) && status.contains("pending  2026-11-25-000000_init"),
        "{status}"
    );
    let out = server(&launch, &["migrate"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let applied = stdout(&out);
    assert_eq!(applied.matches("applied  2026-").count(), total, "{applied}");
    assert!(applied.contains(&format!("{total} migration(s) applied")), "{applied}");
    let again = stdout(&server(&launch, &["migrate"], ""));
    assert!(again.contains("nothing to apply"), "{again}");
    let status = stdout(&server(&launch, &["migrate", "--status"], ""));
    assert!(
        status.contains(&format!("{total} applied, 0 pending"))
            && status.contains("applied  2026-11-26-000000_task_counts"),
        "{status}"
    );

    let s = TestServer::from_launch(launch).await;
    expect_ok(s.client.get(format!("{}/readyz", s.base)).send().await.unwrap()).await;
}

#[test]
fn openapi_prints_the_trait_spec() {
    let out = bare("sqlite:///nonexistent/never-opened.db", &["openapi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let spec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ops: Vec<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    ops.sort();
    assert_eq!(
        ops,
        [
            "delete_task",
            "get_docs",
            "get_docs_file",
            "get_healthz",
            "get_hola",
            "get_openapi",
            "get_readyz",
            "get_task",
            "get_tasks",
            "get_upload",
            "post_login",
            "post_logout",
            "post_task",
            "post_upload",
            "put_task",
            "put_task_status",
        ]
    );
}

#[test]
fn bad_configuration_is_refused_with_a_message() {
    let out = bare("mysql://x", &["migrate"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("sqlite://"), "{}", stderr(&out));
}

/// `server serve` as an operator runs it: the first start prints the admin password once, JSON
/// logs by environment variable (one line per request with the user id, no secrets), SIGTERM
/// stops it cleanly with every line written out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_admin_password_logs_json_and_stops_on_sigterm() {
    let launch = Launch::new(env!("CARGO_BIN_EXE_server")).setting("log_format", "json").setting("log_level", "info");
    let mut s = TestServer::from_launch(launch).await;
    let password = s.admin_password.clone().expect("the first start prints the admin password");
    let login = s.login("admin", &password).await;
    let token = server_harness::header(&login, "x-auth-token");
    let uid = expect_ok(login).await["data"]["uid"].as_i64().unwrap();
    expect_ok(s.hola(&token).await).await;

    s.stop().await;
    let logs: Vec<serde_json::Value> =
        s.process().log().iter().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert!(logs.iter().any(|v| v["msg"] == "listening" && v["address"].is_string()), "{logs:#?}");
    let hola_line = logs
        .iter()
        .find(|v| v["msg"] == "request completed" && v["uri"] == "/backend/api/v1/hola")
        .unwrap_or_else(|| panic!("no request line for hola: {logs:#?}"));
    assert_eq!(hola_line["user_id"], uid, "{hola_line}");
    assert_eq!(hola_line["response_code"], 200, "{hola_line}");
    for key in ["req_id", "method", "latency_us"] {
        assert!(!hola_line[key].is_null(), "{key} missing: {hola_line}");
    }
    let all = logs.iter().map(|v| v.to_string()).collect::<String>();
    assert!(!all.contains(&password), "the password was logged");
    assert!(!all.contains(&token), "the token was logged");
    let printed = s.process().stdout().join("\n");
    assert_eq!(printed.matches(&password).count(), 1, "the password is printed once: {printed}");
}

/// Flags beat `BACKEND_…` variables, which beat the config file.
#[test]
fn flags_beat_environment_beat_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    let file = dir.path().join("server.toml");
    std::fs::write(&file, format!("database = \"{}\"\n", db("from-file.db"))).unwrap();
    let migrate = |env: Option<&str>, flag: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_server"));
        c.arg("--config").arg(&file).env_remove("BACKEND_DATABASE");
        if let Some(url) = env {
            c.env("BACKEND_DATABASE", url);
        }
        if let Some(url) = flag {
            c.args(["--database", url]);
        }
        let out = c.arg("migrate").stdin(Stdio::null()).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    assert!(migrate(None, None).contains("from-file.db"));
    assert!(migrate(Some(&db("from-env.db")), None).contains("from-env.db"));
    assert!(migrate(Some(&db("from-env.db")), Some(&db("from-flag.db"))).contains("from-flag.db"));
    for name in ["from-file.db", "from-env.db", "from-flag.db"] {
        assert!(dir.path().join(name).exists(), "{name} was not created");
    }
}
