//! The database going away answers 503 / 10205 within a bounded time, and the server recovers by
//! itself when the database is back (no restart).

use std::time::{Duration, Instant};

use crate::common::{expect_error, expect_ok, pg, postgres_available, TestDb, TestServer};

/// PostgreSQL stopped under a running server (its own cluster, so other tests are not affected).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_down_is_503_and_the_server_recovers() {
    if !postgres_available() {
        return;
    }
    let cluster = pg::Cluster::start(&pg::bin_dir().unwrap());
    let url = cluster.create_database().await;
    let s = TestServer::start_on(TestDb::at(url), |c| {
        c.db_timeout_secs = 1;
        c.last_seen_interval_secs = 0;
    })
    .await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    expect_ok(s.hola(&token).await).await;

    tokio::task::block_in_place(|| cluster.stop());
    for _ in 0..3 {
        let start = Instant::now();
        let body = expect_error(s.hola(&token).await, 503, 10205).await;
        assert!(start.elapsed() < Duration::from_secs(5), "took {:?}", start.elapsed());
        assert!(!body["msg"].as_str().unwrap().contains("postgres"), "{body}");
    }
    expect_error(s.login("alice", "alice-password").await, 503, 10205).await;

    tokio::task::block_in_place(|| cluster.start_again());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let response = s.hola(&token).await;
        if response.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "not recovered: {:?}", response.text().await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Fully back: sessions survived, logins work.
    expect_ok(s.hola(&token).await).await;
    s.token("alice", "alice-password").await;
}

/// SQLite locked by another writer for longer than the busy timeout: 503, then fine again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_locked_is_503_and_the_server_recovers() {
    use diesel::connection::SimpleConnection as _;
    use diesel::Connection as _;

    let s = TestServer::start(crate::common::DbKind::Sqlite, |c| c.sqlite_busy_timeout_ms = 300).await;
    s.add_user("alice", "alice-password").await;
    let path = s.db.url.strip_prefix("sqlite://").unwrap().to_owned();
    let mut other = diesel::SqliteConnection::establish(&path).unwrap();
    other.batch_execute("BEGIN EXCLUSIVE").unwrap();
    let start = Instant::now();
    expect_error(s.login("alice", "alice-password").await, 503, 10205).await;
    assert!(start.elapsed() < Duration::from_secs(5), "took {:?}", start.elapsed());
    other.batch_execute("COMMIT").unwrap();
    s.token("alice", "alice-password").await;
}
