//! Security: what the server writes to its log never holds a password or a session token (nor the
//! token's stored hash); the database holds neither; and the comparisons an attacker could time
//! leak nothing useful.
//!
//! Timing-safe comparisons, as the code does them:
//! - Passwords: `auth::checks::verify_in` compares the derived hash as the `argon2` crate's
//!   `Output`, whose equality is constant-time; an unknown name is verified against a dummy hash,
//!   so it costs the same argon2 work as a wrong password
//!   ([`unknown_names_take_as_long_as_wrong_passwords`]).
//! - Tokens: never compared as strings. The request's token is hashed (SHA-256) and looked up by
//!   that hash in the database; timing the lookup could reveal at most a prefix of a *hash*,
//!   which says nothing about a token that hashes to it ([`the_database_holds_no_token_or_password`]).
//!
//! And the binary people deploy has no test seam: its clock cannot be moved from its environment
//! ([`the_deployed_binary_has_no_clock_to_move`]).

use std::path::Path;

use serde_json::json;
use server_harness::http::Request;
use server_harness::{on_both_databases, DbKind, Launch};
use sha2::Digest as _;

use crate::TestServer;

on_both_databases!(passwords_and_tokens_never_reach_the_log, the_database_holds_no_token_or_password);

async fn passwords_and_tokens_never_reach_the_log(db: DbKind) {
    // Debug level: the most the server can be asked to say short of trace.
    let mut server = TestServer::start(db, |c| c.log_level = "debug".parse().unwrap()).await;
    let admin_password = server.admin_password.clone().expect("first start prints the admin password");
    let client = reqwest::Client::new();
    let wrong_password = "Wr0ng-But-Distinctive-Passw0rd";

    let login =
        |password: &str| client.post(server.url("login")).json(&json!({"name": "admin", "password": password})).send();
    assert_eq!(login(wrong_password).await.unwrap().status(), 401);
    let response = login(&admin_password).await.unwrap();
    assert_eq!(response.status(), 200);
    let token = server_harness::header(&response, "x-auth-token");

    // The token used every way a client can send it, valid and not.
    let hola = |h: (&str, String)| client.get(server.url("hola")).header(h.0, h.1).send();
    assert_eq!(hola(("x-auth-token", token.clone())).await.unwrap().status(), 200);
    assert_eq!(hola(("cookie", format!("backend_session={token}"))).await.unwrap().status(), 200);
    let forged = format!("{token}x");
    assert_eq!(hola(("x-auth-token", forged.clone())).await.unwrap().status(), 401);
    let created = client
        .post(server.url("task"))
        .header("x-auth-token", &token)
        .json(&json!({"type": "image", "input": "i", "note": "n"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    // A malformed login body that carries the password.
    let malformed = client
        .post(server.url("login"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"name": "admin", "password": "{admin_password}", "#))
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let logout = client.post(server.url("logout")).header("x-auth-token", &token).send().await.unwrap();
    assert_eq!(logout.status(), 200);

    let token_hash: String = sha2::Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    // Stopped, it has written out every line it logged.
    server.stop().await;
    let log = server.process().log();
    assert!(log.iter().filter(|l| l.contains("request completed")).count() >= 8, "the log has the requests: {log:#?}");
    for secret in [admin_password.as_str(), wrong_password, &token, &forged[..20], &token_hash] {
        let leaks: Vec<_> = log.iter().filter(|l| l.contains(secret)).collect();
        assert!(leaks.is_empty(), "{secret:?} is in the log: {leaks:#?}");
    }
}

async fn the_database_holds_no_token_or_password(db: DbKind) {
    let s = crate::TestServer::start(db, |_| {}).await;
    s.add_user("alice", "alice-password-42").await;
    let token = s.token("alice", "alice-password-42").await;
    // The session is found by the token's hash, and only by it.
    let stored = s.stored();
    let sessions = async |token_hash: &str| -> Vec<PasswordHash> {
        let sql = format!(
            "SELECT users.password_hash FROM sessions JOIN users ON users.id = sessions.user_id \
             WHERE sessions.token_hash = '{token_hash}' AND users.name = 'alice'"
        );
        stored.rows(&sql).await
    };
    let by_hash = sessions(&sha256_hex(&token)).await;
    assert!(by_hash.len() == 1 && by_hash[0].password_hash.starts_with("$argon2id$"));
    assert!(sessions(&token).await.is_empty(), "a session is stored under its token's hash only");
    // SQLite: the bytes of the database files (main and write-ahead log) hold neither secret.
    if db == DbKind::Sqlite {
        let path = s.database_url().strip_prefix("sqlite://").unwrap().to_owned();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains(&sha256_hex(&token)), "the file is the database that holds the session");
        for secret in [token.as_str(), "alice-password-42"] {
            assert!(!text.contains(secret), "{secret:?} is stored in the database file");
        }
    }
}

#[derive(diesel::QueryableByName)]
struct PasswordHash {
    #[diesel(sql_type = diesel::sql_types::Text)]
    password_hash: String,
}

fn sha256_hex(bytes: &str) -> String {
    sha2::Sha256::digest(bytes.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Logins of an unknown name and of a known name with a wrong password cost the same argon2 work:
/// their median times are within a factor of four (they differ by orders of magnitude without the
/// dummy hash: a failed lookup takes microseconds, argon2 tens of milliseconds).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_names_take_as_long_as_wrong_passwords() {
    // 18 failed logins from one address: neither its lockout nor its bucket of logins may cut in.
    let s = crate::TestServer::start(DbKind::Sqlite, |c| {
        c.login_max_failures = 1000;
        c.login_rate_per_minute = 0;
    })
    .await;
    s.add_user("alice", "alice-password").await;
    // Taken in turns, so that both see the same load on the machine.
    let (mut unknown, mut known) = (Vec::new(), Vec::new());
    for _ in 0..9 {
        for (name, times) in [("nobody", &mut unknown), ("alice", &mut known)] {
            let started = std::time::Instant::now();
            assert_eq!(s.login(name, "wrong-password").await.status(), 401);
            times.push(started.elapsed());
        }
    }
    let median = |mut times: Vec<std::time::Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let (unknown, known) = (median(unknown), median(known));
    let ratio = unknown.as_secs_f64() / known.as_secs_f64();
    eprintln!("login medians: unknown name {unknown:?}, wrong password {known:?}");
    assert!((0.25..4.0).contains(&ratio), "unknown name {unknown:?} vs wrong password {known:?}");
}

/// The variable that moves the clock of the tests' binary, `server-with-test-clock`.
const TEST_CLOCK_FILE_VAR: &str = "BACKEND_TEST_CLOCK_FILE";

/// `server`, the binary people build and deploy, has no clock to move: the variable that moves the
/// tests' binary's clock changes nothing in its environment, and its name is not in the binary at
/// all. The tests' binary, run the same way, honours it: the test tells them apart.
///
/// `CARGO_BIN_EXE_server` is the target `cargo build --release -p server` and `cargo run -p
/// server` build, with the same features (the crate has none), in the debug profile. Which code is
/// in which binary is decided by the target, not by the profile, so this build shows what the
/// release one holds without a release build in the suite.
#[test]
fn the_deployed_binary_has_no_clock_to_move() {
    let deployed = Path::new(env!("CARGO_BIN_EXE_server"));
    let for_tests = Path::new(env!("CARGO_BIN_EXE_server-with-test-clock"));
    let holds_the_name = |binary: &Path| {
        let bytes = std::fs::read(binary).unwrap();
        String::from_utf8_lossy(&bytes).contains(TEST_CLOCK_FILE_VAR)
    };
    assert!(!holds_the_name(deployed), "{} holds {TEST_CLOCK_FILE_VAR}", deployed.display());
    assert!(holds_the_name(for_tests), "{} does not hold {TEST_CLOCK_FILE_VAR}", for_tests.display());
    assert_eq!(hola_after_moving_the_clock_file(deployed), 200, "the deployed binary moved its clock");
    assert_eq!(hola_after_moving_the_clock_file(for_tests), 401, "the tests' binary did not move its clock");
}

/// Starts `binary` with [`TEST_CLOCK_FILE_VAR`] naming a file, logs in as the first admin, writes
/// 16 minutes into the file (past the default `session_idle_secs`, 15 minutes): the status of
/// `GET /hola` with the session then.
fn hola_after_moving_the_clock_file(binary: &Path) -> u16 {
    let launch = Launch::new(binary);
    let file = launch.dir().join("clock-offset");
    std::fs::write(&file, "0").unwrap();
    let server = launch.var(TEST_CLOCK_FILE_VAR, file.display()).start().unwrap_or_else(|e| panic!("{e:#}"));
    let password = server.admin_password.clone().expect("the first start prints the admin password");
    let token = server.login("admin", &password).unwrap();
    std::fs::write(&file, (16 * 60 * 1000).to_string()).unwrap();
    let hola = Request::new("GET", "/backend/api/v1/hola").header("x-auth-token", token).send(server.addr).unwrap();
    hola.status
}
