//! Reads make one round trip to PostgreSQL: the session lookup goes out together with the read's
//! own statements; writes send `BEGIN` with their first statements (`postgres::transaction`) and
//! their transaction's independent statements together (`pipeline2` and `pipeline3` in
//! `server/src/db/postgres.rs`). Seen from a TCP proxy between the server and PostgreSQL that counts how
//! often the server starts talking again after PostgreSQL answered.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use server_harness::{expect_ok, pg};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::TestServer;

/// Counts round trips: a burst of bytes from the server after PostgreSQL last spoke is one.
/// While counting, PostgreSQL's answers are held back 20 ms: statements sent together (µs apart)
/// land in one burst, statements that waited for an answer cannot.
#[derive(Default)]
struct RoundTrips {
    counting: AtomicBool,
    count: AtomicU64,
}

const CLIENT_SPOKE: u8 = 0;
const DATABASE_SPOKE: u8 = 1;

impl RoundTrips {
    /// The round trips made while `f` runs.
    async fn during<F: std::future::Future>(&self, f: F) -> (u64, F::Output) {
        self.count.store(0, Ordering::SeqCst);
        self.counting.store(true, Ordering::SeqCst);
        let out = f.await;
        self.counting.store(false, Ordering::SeqCst);
        (self.count.load(Ordering::SeqCst), out)
    }
}

/// A proxy on an ephemeral loopback port in front of `upstream` (host:port).
async fn proxy(upstream: String, trips: Arc<RoundTrips>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let database = TcpStream::connect(&upstream).await.unwrap();
            let (mut client_rx, mut client_tx) = client.into_split();
            let (mut db_rx, mut db_tx) = database.into_split();
            let last = Arc::new(AtomicU8::new(DATABASE_SPOKE));
            let (trips_up, last_up) = (trips.clone(), last.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n @ 1..) = client_rx.read(&mut buf).await {
                    if last_up.swap(CLIENT_SPOKE, Ordering::SeqCst) == DATABASE_SPOKE
                        && trips_up.counting.load(Ordering::SeqCst)
                    {
                        trips_up.count.fetch_add(1, Ordering::SeqCst);
                    }
                    if db_tx.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
            let trips = trips.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n @ 1..) = db_rx.read(&mut buf).await {
                    if trips.counting.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    last.store(DATABASE_SPOKE, Ordering::SeqCst);
                    if client_tx.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_that_can_go_together_go_in_one_round_trip() {
    if !pg::available() {
        return;
    }
    let database = tokio::task::block_in_place(pg::test_database);
    // postgres://user@127.0.0.1:PORT/db → the same database through the proxy.
    let (head, tail) = database.rsplit_once('@').unwrap();
    let (host_port, path) = tail.split_once('/').unwrap();
    let trips = Arc::new(RoundTrips::default());
    let port = proxy(host_port.to_owned(), trips.clone()).await;
    let s = TestServer::start_on(&format!("{head}@127.0.0.1:{port}/{path}"), |c| c.db_pool_size = 1).await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    for i in 0..3 {
        let body = serde_json::json!({"type": "image", "input": format!("https://example.com/{i}.png")});
        let created = s.client.post(s.url("task")).header("x-auth-token", &token).json(&body).send().await.unwrap();
        expect_ok(created).await;
    }
    let get = |path: &str| s.client.get(s.url(path)).header("x-auth-token", &token).send();
    // Counted from the second time on: the first use of a statement on a connection prepares it
    // (one statement after the other). One pooled connection and one shared (reads), so one
    // warm-up of each statement suffices.
    for path in ["hola", "tasks?offset=0&limit=2", "task?id=1"] {
        get(path).await.unwrap();
    }
    let delete = |id: i64| {
        s.client.delete(s.url("task")).header("x-auth-token", &token).json(&serde_json::json!({"ids": [id]})).send()
    };
    expect_ok(delete(i64::MAX).await.unwrap()).await;
    let put = |path: &str, body: serde_json::Value| {
        s.client.put(s.url(path)).header("x-auth-token", &token).json(&body).send()
    };
    expect_ok(put("task", serde_json::json!({"id": 1, "note": "warm"})).await.unwrap()).await;
    expect_ok(put("task/status", serde_json::json!({"id": 1, "status": 2})).await.unwrap()).await;

    let (hola, response) = trips.during(get("hola")).await;
    expect_ok(response.unwrap()).await;
    assert_eq!(hola, 1, "hola: the session lookup");

    let (list, response) = trips.during(get("tasks?offset=0&limit=2")).await;
    let body = expect_ok(response.unwrap()).await;
    assert_eq!((body["total"].as_i64(), body["items"].as_array().map(Vec::len)), (Some(3), Some(2)), "{body}");
    assert_eq!(list, 1, "list: session (with the count) and page together");

    let id = body["items"][0]["id"].as_i64().unwrap();
    let (detail, response) = trips.during(get(&format!("task?id={id}"))).await;
    let body = expect_ok(response.unwrap()).await;
    assert_eq!(body["data"]["id"].as_i64(), Some(id), "{body}");
    assert_eq!(detail, 1, "detail: session and task together");

    let (update, response) = trips.during(put("task", serde_json::json!({"id": id, "note": "n"}))).await;
    expect_ok(response.unwrap()).await;
    assert_eq!(update, 3, "update: session; BEGIN, the update and the log together; COMMIT");
    let (status, response) = trips.during(put("task/status", serde_json::json!({"id": id, "status": 2}))).await;
    expect_ok(response.unwrap()).await;
    assert_eq!(status, 3, "status: session; BEGIN, the update and the log together; COMMIT");
    let body = expect_ok(get("tasks?offset=0&limit=3").await.unwrap()).await;
    assert_eq!(
        (body["items"][0]["note"].as_str(), body["items"][0]["status"].as_i64()),
        (Some("n"), Some(2)),
        "{body}"
    );

    let body = serde_json::json!({"type": "video", "input": "https://example.com/4.mp4"});
    let (create, response) =
        trips.during(s.client.post(s.url("task")).header("x-auth-token", &token).json(&body).send()).await;
    expect_ok(response.unwrap()).await;
    assert_eq!(create, 3, "create: session; BEGIN, task, log and count together; COMMIT");

    let body = expect_ok(get("tasks?offset=0&limit=1").await.unwrap()).await;
    assert_eq!((body["total"].as_i64(), body["items"][0]["type"].as_str()), (Some(4), Some("video")), "{body}");
    let (deleted, response) = trips.during(delete(body["items"][0]["id"].as_i64().unwrap())).await;
    expect_ok(response.unwrap()).await;
    assert_eq!(deleted, 4, "delete: session; BEGIN and the task; log and count together; COMMIT");
    let body = expect_ok(get("tasks?offset=0&limit=1").await.unwrap()).await;
    assert_eq!(body["total"].as_i64(), Some(3), "{body}");
}
