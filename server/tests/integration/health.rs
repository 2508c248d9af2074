//! Health for load balancers and orchestrators: `/healthz` answers while the process does;
//! `/readyz` only when the database answers in time and its schema is the server's.

use std::time::{Duration, Instant};

use server_harness::{expect_error, expect_ok, on_both_databases, pg, DbKind};

use crate::TestServer;

on_both_databases!(alive_and_ready_without_a_session, a_schema_behind_the_server_is_not_ready);

async fn alive_and_ready_without_a_session(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let get = |path: &str| s.client.get(format!("{}{path}", s.base)).send();
    assert_eq!(expect_ok(get("/healthz").await.unwrap()).await["msg"], "alive");
    assert_eq!(expect_ok(get("/readyz").await.unwrap()).await["msg"], "ready");
}

async fn a_schema_behind_the_server_is_not_ready(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let stored = s.stored();
    // Another instance's rollback, say: the newest migration is no longer recorded.
    stored
        .execute("DELETE FROM __diesel_schema_migrations WHERE version = (SELECT MAX(version) FROM __diesel_schema_migrations)")
        .await;
    let body = expect_error(s.client.get(format!("{}/readyz", s.base)).send().await.unwrap(), 503, 10205).await;
    assert!(body["msg"].as_str().unwrap().contains("server migrate"), "{body}");
    expect_ok(s.client.get(format!("{}/healthz", s.base)).send().await.unwrap()).await;
}

/// PostgreSQL stopped: not ready within the timeout, still alive; ready again once it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_is_down_is_not_ready_and_then_ready_again() {
    if !pg::available() {
        return;
    }
    let (cluster, url) = tokio::task::block_in_place(|| {
        let cluster = pg::test_cluster();
        let url = cluster.create_database().unwrap();
        (cluster, url)
    });
    let s = TestServer::start_on(&url, |c| c.db_timeout_secs = 1).await;
    let get = |path: &str| s.client.get(format!("{}{path}", s.base)).send();
    expect_ok(get("/readyz").await.unwrap()).await;
    tokio::task::block_in_place(|| cluster.stop().unwrap());
    let started = Instant::now();
    expect_error(get("/readyz").await.unwrap(), 503, 10205).await;
    assert!(started.elapsed() < Duration::from_secs(5), "readyz took {:?}", started.elapsed());
    expect_ok(get("/healthz").await.unwrap()).await;
    tokio::task::block_in_place(|| cluster.start_again().unwrap());
    let deadline = Instant::now() + Duration::from_secs(20);
    while get("/readyz").await.unwrap().status() != 200 {
        assert!(Instant::now() < deadline, "not ready 20 s after the database came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
