//! The `server` binary: user commands (password on stdin), migrate, openapi, and serve with a
//! first-start admin, JSON logs and graceful shutdown on SIGTERM.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::common::{expect_error, expect_ok, new_database, on_both_databases, DbKind, TestDb, TestServer};

on_both_databases!(user_commands_add_list_passwd_disable, migrate_applies_and_is_idempotent);

/// `server --database URL ARGS…` with `stdin` as its standard input.
fn server(database: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--database")
        .arg(database)
        .args(args)
        .env_remove("BACKEND_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn user_commands_add_list_passwd_disable(db: DbKind) {
    let database = new_database(db).await;
    let url = database.url.clone();
    let run = move |args: &'static [&'static str], stdin: &'static str| {
        let url = url.clone();
        async move { tokio::task::spawn_blocking(move || server(&url, args, stdin)).await.unwrap() }
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

    let s = TestServer::start_on(TestDb::at(database.url.clone()), |_| {}).await;
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
    drop(database);
}

async fn migrate_applies_and_is_idempotent(db: DbKind) {
    let database = new_database(db).await;
    let url = database.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        let first = server(&url, &["migrate"], "");
        let second = server(&url, &["migrate"], "");
        assert!(first.status.success() && second.status.success(), "{}", stderr(&second));
        server(&url, &["user", "list"], "")
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn openapi_prints_the_trait_spec() {
    let out = server("sqlite:///nonexistent/never-opened.db", &["openapi"], "");
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
            "get_hola",
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
    let out = server("mysql://x", &["migrate"], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("sqlite://"), "{}", stderr(&out));
}

/// `server serve` as an operator runs it: first start prints the admin password once, JSON logs
/// by environment variable (one line per request with the user id, no secrets), SIGTERM stops it
/// cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_admin_password_logs_json_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("db/backend.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--database", &database, "serve", "--bind", "127.0.0.1:0", "--upload-dir"])
        .arg(dir.path().join("uploads"))
        .env("BACKEND_LOG_FORMAT", "json")
        .env_remove("BACKEND_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let password = line
        .trim()
        .strip_prefix("created user admin with password: ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();

    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let err = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for l in err.lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let mut logs = Vec::new();
    let address = loop {
        let l = rx.recv_timeout(Duration::from_secs(30)).expect("a listening line");
        let v: serde_json::Value = serde_json::from_str(&l).unwrap_or_else(|e| panic!("{e}: {l}"));
        logs.push(v.clone());
        if v["msg"] == "listening" && v["address"].is_string() {
            break v["address"].as_str().unwrap().to_owned();
        }
    };
    let client = reqwest::Client::new();
    let base = format!("http://{address}/backend/api/v1");
    let login = client
        .post(format!("{base}/login"))
        .json(&serde_json::json!({"name": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    let token = crate::common::header(&login, "x-auth-token");
    let uid = expect_ok(login).await["data"]["uid"].as_i64().unwrap();
    let hola = client.get(format!("{base}/hola")).header("x-auth-token", &token).send().await;
    expect_ok(hola.unwrap()).await;

    // SAFETY: kill with a valid pid of our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = tokio::task::block_in_place(|| child.wait()).unwrap();
    assert!(status.success(), "{status}");
    logs.extend(rx.try_iter().map(|l| serde_json::from_str(&l).unwrap()));

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
    // The password is printed once only.
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert!(!rest.contains(&password), "{rest}");
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
