//! Sessions: idle and absolute expiry, the per-user cap, logout, "last seen" writes.

use std::time::Duration;

use server::housekeeping::{sweep, Swept};

use crate::common::{expect_error, expect_ok, header, on_both_databases, test_config, DbKind, TestServer};

on_both_databases!(
    idle_sessions_expire_and_use_keeps_them_alive,
    sessions_expire_after_their_lifetime_even_when_used,
    the_oldest_session_is_revoked_beyond_the_cap,
    logout_revokes_the_session_and_clears_the_cookie,
    last_seen_is_written_at_most_once_per_interval,
    login_and_logout_are_logged_without_the_password,
    expired_sessions_are_dropped_at_the_next_login,
    expired_sessions_and_old_login_failures_are_swept,
);

async fn idle_sessions_expire_and_use_keeps_them_alive(db: DbKind) {
    let s = TestServer::start(db, |c| {
        c.session_idle_secs = 3;
        c.last_seen_interval_secs = 0;
    })
    .await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    // Used every second for 5 s (longer than the idle time): still alive.
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        expect_ok(s.hola(&token).await).await;
    }
    tokio::time::sleep(Duration::from_millis(3300)).await;
    expect_error(s.hola(&token).await, 401, 10103).await;
    // Once expired, it stays expired.
    expect_error(s.hola(&token).await, 401, 10103).await;
}

async fn sessions_expire_after_their_lifetime_even_when_used(db: DbKind) {
    let s = TestServer::start(db, |c| {
        c.session_lifetime_secs = 3;
        c.last_seen_interval_secs = 0;
    })
    .await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_millis(2000) {
        expect_ok(s.hola(&token).await).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_millis(3300).saturating_sub(start.elapsed())).await;
    expect_error(s.hola(&token).await, 401, 10103).await;
}

async fn the_oldest_session_is_revoked_beyond_the_cap(db: DbKind) {
    let s = TestServer::start(db, |c| c.sessions_per_user = 3).await;
    s.add_user("alice", "alice-password").await;
    let mut tokens = Vec::new();
    for _ in 0..5 {
        tokens.push(s.token("alice", "alice-password").await);
    }
    for old in &tokens[..2] {
        expect_error(s.hola(old).await, 401, 10103).await;
    }
    for live in &tokens[2..] {
        expect_ok(s.hola(live).await).await;
    }
}

async fn logout_revokes_the_session_and_clears_the_cookie(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    let other = s.token("alice", "alice-password").await;
    let response = s.logout(&token).await;
    let cookie = header(&response, "set-cookie");
    let body = expect_ok(response).await;
    assert_eq!(body["msg"], "ok");
    assert!(cookie.starts_with("backend_session=;"), "{cookie}");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    expect_error(s.hola(&token).await, 401, 10103).await;
    expect_error(s.logout(&token).await, 401, 10103).await;
    // Only that session: the user's other session lives on.
    expect_ok(s.hola(&other).await).await;
    expect_error(s.client.post(s.url("logout")).send().await.unwrap(), 401, 10101).await;
}

/// With a long interval, requests do not move "last seen": a session idles out counted from its
/// login even though it was used in between (the price of not writing on every request).
async fn last_seen_is_written_at_most_once_per_interval(db: DbKind) {
    let s = TestServer::start(db, |c| {
        c.session_idle_secs = 3;
        c.last_seen_interval_secs = 3600;
    })
    .await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    expect_ok(s.hola(&token).await).await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    expect_error(s.hola(&token).await, 401, 10103).await;
}

async fn login_and_logout_are_logged_without_the_password(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let uid = s.add_user("alice", "alice-password").await;
    expect_error(s.login("alice", "wrong-password").await, 401, 10106).await;
    let token = s.token("alice", "alice-password").await;
    expect_ok(s.logout(&token).await).await;
    expect_error(s.logout(&token).await, 401, 10103).await;
    let ops = server::db!(&s.pool, oplog::of_user(uid)).unwrap();
    let summary: Vec<(&str, &str)> = ops.iter().map(|o| (o.endpoint.as_str(), o.operation.as_str())).collect();
    assert_eq!(summary, [("post_login", "login"), ("post_logout", "logout")]);
    let request: serde_json::Value = serde_json::from_str(&ops[0].request).unwrap();
    assert_eq!(request, serde_json::json!({ "name": "alice" }));
    assert!(ops.iter().all(|o| !o.request.contains("password")));
}

async fn expired_sessions_are_dropped_at_the_next_login(db: DbKind) {
    let s = TestServer::start(db, |c| c.session_idle_secs = 1).await;
    let uid = s.add_user("alice", "alice-password").await;
    s.token("alice", "alice-password").await;
    s.token("alice", "alice-password").await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    s.token("alice", "alice-password").await;
    let left = server::db!(&s.pool, sessions::count_of_user(uid)).unwrap();
    assert_eq!(left, 1, "only the live session is kept");
}

/// The background sweep (`server::housekeeping`), run here at chosen times: a session goes once
/// past its idle time or its lifetime, a failed-login count once past its window — not before.
async fn expired_sessions_and_old_login_failures_are_swept(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.add_user("alice", "alice-password").await;
    let start = server::db::now_ms();
    let token = s.token("alice", "alice-password").await;
    expect_error(s.login("ghost", "a guess").await, 401, 10106).await;
    let mut config = test_config(&s.db.url);
    (config.session_idle_secs, config.session_lifetime_secs, config.login_window_secs) = (100, 86_400, 200);
    let swept = |at_secs: i64| sweep(&s.pool, &config, start + at_secs * 1000);
    let sessions = || async { server::db!(&s.pool, sessions::count_of_user(alice)).unwrap() };
    let ghost_failures = || async { server::db!(&s.pool, sessions::failures("ghost", 0)).unwrap() };

    assert_eq!(swept(0).await.unwrap(), Swept { sessions: 0, login_failures: 0 });
    expect_ok(s.hola(&token).await).await;
    assert_eq!(swept(150).await.unwrap(), Swept { sessions: 1, login_failures: 0 });
    assert_eq!(sessions().await, 0);
    assert_eq!(ghost_failures().await.map(|f| f.failures), Some(1));
    expect_error(s.hola(&token).await, 401, 10103).await;
    assert_eq!(swept(250).await.unwrap(), Swept { sessions: 0, login_failures: 1 });
    assert!(ghost_failures().await.is_none());

    // Past its lifetime, however recently used.
    s.token("alice", "alice-password").await;
    (config.session_idle_secs, config.session_lifetime_secs) = (86_400, 100);
    assert_eq!(sweep(&s.pool, &config, start + 150_000).await.unwrap().sessions, 1);
    assert_eq!(sessions().await, 0);
}
