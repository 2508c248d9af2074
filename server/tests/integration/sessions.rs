//! Sessions: idle and absolute expiry, the per-user cap, logout, "last seen" writes. Time passes
//! by moving the server's clock (`TestServer::advance_clock`), with the default limits.

use std::time::Duration;

use server::housekeeping::{sweep, Swept};
use server_harness::{expect_error, expect_ok, header, on_both_databases, test_config, DbKind};

use crate::TestServer;

const MINUTE: Duration = Duration::from_secs(60);

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

/// Idle for 15 minutes (the default), a session expires; used every 5 minutes, it lives on.
async fn idle_sessions_expire_and_use_keeps_them_alive(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    // Used every 5 minutes for an hour (longer than the idle time): still alive.
    for _ in 0..12 {
        s.advance_clock(5 * MINUTE);
        expect_ok(s.hola(&token).await).await;
    }
    s.advance_clock(14 * MINUTE);
    expect_ok(s.hola(&token).await).await;
    s.advance_clock(15 * MINUTE);
    expect_error(s.hola(&token).await, 401, 10103).await;
    // Once expired, it stays expired.
    expect_error(s.hola(&token).await, 401, 10103).await;
}

/// Seven days after login (the default lifetime) a session expires, however often it is used.
async fn sessions_expire_after_their_lifetime_even_when_used(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    for _ in 0..(7 * 24 * 6 - 1) {
        s.advance_clock(10 * MINUTE);
        expect_ok(s.hola(&token).await).await;
    }
    s.advance_clock(10 * MINUTE);
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

/// Requests move "last seen" only when it is older than `last_seen_interval_secs` (default 60 s):
/// a use within that interval is not written, so the idle time still counts from the write
/// before it (the price of not writing on every request).
async fn last_seen_is_written_at_most_once_per_interval(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    s.advance_clock(Duration::from_secs(30));
    expect_ok(s.hola(&token).await).await; // 30 s after login: not written
    s.advance_clock(14 * MINUTE + Duration::from_secs(30));
    expect_error(s.hola(&token).await, 401, 10103).await; // 15 min after login, the last write
    let token = s.token("alice", "alice-password").await;
    s.advance_clock(2 * MINUTE);
    expect_ok(s.hola(&token).await).await; // 2 min after login: written
    s.advance_clock(14 * MINUTE);
    expect_ok(s.hola(&token).await).await; // 14 min after that use: alive
}

async fn login_and_logout_are_logged_without_the_password(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let uid = s.add_user("alice", "alice-password").await;
    expect_error(s.login("alice", "wrong-password").await, 401, 10106).await;
    let token = s.token("alice", "alice-password").await;
    expect_ok(s.logout(&token).await).await;
    expect_error(s.logout(&token).await, 401, 10103).await;
    let ops = s.stored().ops_of(uid).await;
    let summary: Vec<(&str, &str)> = ops.iter().map(|o| (o.endpoint.as_str(), o.operation.as_str())).collect();
    assert_eq!(summary, [("post_login", "login"), ("post_logout", "logout")]);
    let request: serde_json::Value = serde_json::from_str(&ops[0].request).unwrap();
    assert_eq!(request, serde_json::json!({ "name": "alice" }));
    assert!(ops.iter().all(|o| !o.request.contains("password")));
}

async fn expired_sessions_are_dropped_at_the_next_login(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let uid = s.add_user("alice", "alice-password").await;
    s.token("alice", "alice-password").await;
    s.token("alice", "alice-password").await;
    s.advance_clock(16 * MINUTE);
    s.token("alice", "alice-password").await;
    let left = s.stored().sessions_of(uid).await;
    assert_eq!(left, 1, "only the live session is kept");
}

/// The background sweep (`server::housekeeping`), run here at chosen times: a session goes once
/// past its idle time or its lifetime, a failed-login count once past its window — not before.
async fn expired_sessions_and_old_login_failures_are_swept(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.add_user("alice", "alice-password").await;
    let start = server::clock::Clock::system().now_ms();
    let token = s.token("alice", "alice-password").await;
    expect_error(s.login("ghost", "a guess").await, 401, 10106).await;
    let mut config: server::config::Config = test_config();
    (config.session_idle_secs, config.session_lifetime_secs, config.login_window_secs) = (100, 86_400, 200);
    let pool = server::db::Pool::connect(&s.database_url().parse().unwrap(), &config.pool_options()).unwrap();
    let swept = |at_secs: i64| sweep(&pool, &config, start + at_secs * 1000);
    let stored = s.stored();
    let sessions = || stored.sessions_of(alice);
    let ghost_failures = || async {
        stored
            .rows::<Failures>("SELECT failures FROM login_failures WHERE name = 'ghost'")
            .await
            .first()
            .map(|f| f.failures)
    };

    assert_eq!(swept(0).await.unwrap(), Swept { sessions: 0, login_failures: 0 });
    expect_ok(s.hola(&token).await).await;
    assert_eq!(swept(150).await.unwrap(), Swept { sessions: 1, login_failures: 0 });
    assert_eq!(sessions().await, 0);
    assert_eq!(ghost_failures().await, Some(1));
    expect_error(s.hola(&token).await, 401, 10103).await;
    // Two rows: the count from the client's address and the name's over every address.
    assert_eq!(swept(250).await.unwrap(), Swept { sessions: 0, login_failures: 2 });
    assert!(ghost_failures().await.is_none());

    // Past its lifetime, however recently used.
    s.token("alice", "alice-password").await;
    (config.session_idle_secs, config.session_lifetime_secs) = (86_400, 100);
    assert_eq!(sweep(&pool, &config, start + 150_000).await.unwrap().sessions, 1);
    assert_eq!(sessions().await, 0);
}

#[derive(diesel::QueryableByName)]
struct Failures {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    failures: i64,
}
