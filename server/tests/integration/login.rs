//! `POST /login`: credentials, cookie and header, failed-login lockout, disabled users.

use std::time::Duration;

use server_harness::{expect_error, expect_ok, header, on_both_databases, DbKind};

use crate::TestServer;

on_both_databases!(
    login_returns_the_user_and_one_token_as_cookie_and_header,
    cookie_is_secure_when_the_public_url_is_https,
    wrong_password_and_unknown_user_get_the_same_answer,
    sixth_failure_is_refused_even_with_the_right_password_until_the_window_ends,
    a_successful_login_resets_the_failure_count,
    disabled_user_loses_sessions_and_cannot_log_in,
    password_change_revokes_sessions,
    first_start_creates_admin_once,
    instances_share_sessions_and_failed_login_counts,
    concurrent_failures_are_all_counted,
);

async fn login_returns_the_user_and_one_token_as_cookie_and_header(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    s.add_user_with("alice", "alice-password", 3, 1 << 40).await;
    let response = s.login("alice", "alice-password").await;
    let token = header(&response, "x-auth-token");
    let cookie = header(&response, "set-cookie");
    let body = expect_ok(response).await;
    assert_eq!(body["msg"], "ok");
    assert_eq!(body["data"]["name"], "alice");
    assert_eq!(body["data"]["role"], 3);
    assert_eq!(body["data"]["perm"], 1u64 << 40);
    assert!(body["data"]["uid"].as_i64().unwrap() > 0);

    assert!(token.len() >= 43, "at least 256 bits: {token}");
    assert!(cookie.starts_with(&format!("backend_session={token};")), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.split("; ").any(|f| f == flag), "{flag} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");

    // The token works from the header and from the cookie.
    let hola = expect_ok(s.hola(&token).await).await;
    assert_eq!(hola["msg"], "hola! amigo!");
    let by_cookie = s
        .client
        .get(s.url("hola"))
        .header("cookie", format!("theme=dark; backend_session={token}"))
        .send()
        .await
        .unwrap();
    expect_ok(by_cookie).await;
    // The header comes first: a bad header is not rescued by a good cookie.
    let both = s
        .client
        .get(s.url("hola"))
        .header("x-auth-token", "not-a-token")
        .header("cookie", format!("backend_session={token}"))
        .send()
        .await
        .unwrap();
    expect_error(both, 401, 10103).await;
    // Without any token: unauthorized, not expired.
    expect_error(s.client.get(s.url("hola")).send().await.unwrap(), 401, 10101).await;
}

async fn cookie_is_secure_when_the_public_url_is_https(db: DbKind) {
    let s = TestServer::start(db, |c| {
        c.public_url = "https://admin.example.com".parse().unwrap();
        c.cookie_name = "sid".into();
    })
    .await;
    s.add_user("alice", "alice-password").await;
    let response = s.login("alice", "alice-password").await;
    let cookie = header(&response, "set-cookie");
    assert!(cookie.starts_with("sid="), "{cookie}");
    assert!(cookie.split("; ").any(|f| f == "Secure"), "{cookie}");
}

async fn wrong_password_and_unknown_user_get_the_same_answer(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    s.add_user("alice", "alice-password").await;
    let wrong = expect_error(s.login("alice", "wrong-password").await, 401, 10106).await;
    let unknown = expect_error(s.login("nobody", "alice-password").await, 401, 10106).await;
    assert_eq!(wrong, unknown);
    let empty =
        expect_error(s.client.post(s.url("login")).json(&serde_json::json!({})).send().await.unwrap(), 401, 10106)
            .await;
    assert_eq!(empty, wrong);
    // Names no user can have fail the same way (never a 500, e.g. for a NUL PostgreSQL refuses).
    for name in ["nul\u{0}name", &"x".repeat(5000), "two words"] {
        assert_eq!(expect_error(s.login(name, "alice-password").await, 401, 10106).await, wrong);
    }
    let nul_password = expect_error(s.login("alice", "alice\u{0}password").await, 401, 10106);
    assert_eq!(nul_password.await, wrong);
}

async fn sixth_failure_is_refused_even_with_the_right_password_until_the_window_ends(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    s.add_user("alice", "alice-password").await;
    s.add_user("bob", "bob-password").await;
    for attempt in 1..=5 {
        let body = expect_error(s.login("alice", "wrong").await, 401, 10106).await;
        assert_eq!(body["msg"], "user name or password incorrect", "attempt {attempt}");
    }
    expect_error(s.login("alice", "alice-password").await, 429, 10200).await;
    expect_error(s.login("alice", "wrong").await, 429, 10200).await;
    // Other names are not affected.
    s.token("bob", "bob-password").await;
    // Refused attempts do not extend the window: 15 minutes (the default) from the first
    // failure, the right password works again.
    s.advance_clock(Duration::from_secs(14 * 60));
    expect_error(s.login("alice", "alice-password").await, 429, 10200).await;
    s.advance_clock(Duration::from_secs(60));
    s.token("alice", "alice-password").await;
}

async fn a_successful_login_resets_the_failure_count(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    s.add_user("alice", "alice-password").await;
    for _ in 0..4 {
        expect_error(s.login("alice", "wrong").await, 401, 10106).await;
    }
    s.token("alice", "alice-password").await;
    for _ in 0..5 {
        expect_error(s.login("alice", "wrong").await, 401, 10106).await;
    }
    expect_error(s.login("alice", "alice-password").await, 429, 10200).await;
}

async fn disabled_user_loses_sessions_and_cannot_log_in(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    s.add_user("alice", "alice-password").await;
    s.add_user("bob", "bob-password").await;
    let alice = s.token("alice", "alice-password").await;
    let bob = s.token("bob", "bob-password").await;
    s.cli(&["user", "disable", "alice"], "").await;
    expect_error(s.hola(&alice).await, 401, 10103).await;
    expect_error(s.login("alice", "alice-password").await, 401, 10106).await;
    expect_ok(s.hola(&bob).await).await;
}

async fn password_change_revokes_sessions(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    s.add_user("alice", "alice-password").await;
    let old = s.token("alice", "alice-password").await;
    s.cli(&["user", "passwd", "alice"], "new-password\n").await;
    expect_error(s.hola(&old).await, 401, 10103).await;
    expect_error(s.login("alice", "alice-password").await, 401, 10106).await;
    let new = s.token("alice", "new-password").await;
    expect_ok(s.hola(&new).await).await;
}

async fn first_start_creates_admin_once(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let password = s.admin_password.clone().expect("a first start creates admin");
    s.token("admin", &password).await;
    let again = s.restart().await;
    assert_eq!(again.admin_password, None, "admin is created only when there is no user");
    again.token("admin", &password).await;
}

/// Sessions and failed-login counts live in the database: two server instances see the same.
async fn instances_share_sessions_and_failed_login_counts(db: DbKind) {
    let a = TestServer::start(db, |_| {}).await;
    let b = a.another_instance().await;
    a.add_user("alice", "alice-password").await;
    let token = a.token("alice", "alice-password").await;
    expect_ok(b.hola(&token).await).await;
    expect_ok(b.logout(&token).await).await;
    expect_error(a.hola(&token).await, 401, 10103).await;
    for i in 0..5 {
        let server = if i % 2 == 0 { &a } else { &b };
        expect_error(server.login("alice", "wrong").await, 401, 10106).await;
    }
    expect_error(a.login("alice", "alice-password").await, 429, 10200).await;
    expect_error(b.login("alice", "alice-password").await, 429, 10200).await;
}

/// Failed logins arriving at once are all counted: exactly five get 401, the rest 429.
async fn concurrent_failures_are_all_counted(db: DbKind) {
    let s = TestServer::start(db, |c| c.db_pool_size = 8).await;
    s.add_user("alice", "alice-password").await;
    let attempts = (0..12).map(|_| s.login("alice", "wrong-password"));
    let statuses: Vec<u16> =
        futures_util::future::join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    let unauthorized = statuses.iter().filter(|&&st| st == 401).count();
    let refused = statuses.iter().filter(|&&st| st == 429).count();
    assert_eq!((unauthorized, refused), (5, 7), "{statuses:?}");
}
