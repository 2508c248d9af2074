//! The database going away answers 503 / 10205 within a bounded time, and the server recovers by
//! itself when the database is back (no restart).

use std::time::{Duration, Instant};

use server_harness::{expect_error, expect_ok, pg, pgbouncer, through_transaction_pooler};

use crate::TestServer;

/// PostgreSQL stopped under a running server (its own cluster, so other tests are not affected).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_down_is_503_and_the_server_recovers() {
    if !pg::available() {
        return;
    }
    let (cluster, url) = tokio::task::block_in_place(|| {
        let cluster = pg::test_cluster();
        let url = cluster.create_database().unwrap();
        (cluster, url)
    });
    let s = TestServer::start_on(&url, |c| {
        c.db_timeout_secs = 1;
        c.last_seen_interval_secs = 0;
    })
    .await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    expect_ok(s.hola(&token).await).await;

    tokio::task::block_in_place(|| cluster.stop().unwrap());
    for _ in 0..3 {
        let start = Instant::now();
        let body = expect_error(s.hola(&token).await, 503, 10205).await;
        assert!(start.elapsed() < Duration::from_secs(5), "took {:?}", start.elapsed());
        assert!(!body["msg"].as_str().unwrap().contains("postgres"), "{body}");
    }
    expect_error(s.login("alice", "alice-password").await, 503, 10205).await;

    tokio::task::block_in_place(|| cluster.start_again().unwrap());
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

    let s = TestServer::start(server_harness::DbKind::Sqlite, |c| c.sqlite_busy_timeout_ms = 300).await;
    s.add_user("alice", "alice-password").await;
    let path = s.database_url().strip_prefix("sqlite://").unwrap().to_owned();
    let mut other = diesel::SqliteConnection::establish(&path).unwrap();
    other.batch_execute("BEGIN EXCLUSIVE").unwrap();
    let start = Instant::now();
    expect_error(s.login("alice", "alice-password").await, 503, 10205).await;
    assert!(start.elapsed() < Duration::from_secs(5), "took {:?}", start.elapsed());
    other.batch_execute("COMMIT").unwrap();
    s.token("alice", "alice-password").await;
}

/// PostgreSQL stopped and started again under a write load (writers creating tasks, readers
/// listing): while it is down every request answers 200 (it finished before) or 503 / 10205, each
/// within a bound; once it is back the server serves again by itself; and every acknowledged
/// create is in the database, with its operation-log row, and nothing that was not attempted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_under_load_loses_nothing_acknowledged() {
    if pg::available() {
        outage_under_load(Outage::postgres()).await;
    }
}

/// The same through a PgBouncer in transaction mode, the PgBouncer restarted under the load
/// (stopped as `systemctl restart` stops it, SIGINT, and started again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pgbouncer_restarted_under_load_loses_nothing_acknowledged() {
    if pgbouncer::available() {
        outage_under_load(Outage::pgbouncer()).await;
    }
}

/// What goes away under the load, and comes back: a cluster of the test's own, or a PgBouncer of
/// its own in front of one.
enum Outage {
    Postgres(pg::Cluster),
    PgBouncer(pg::Cluster, pgbouncer::Bouncer),
}

impl Outage {
    fn postgres() -> Outage {
        tokio::task::block_in_place(|| Outage::Postgres(pg::test_cluster()))
    }

    fn pgbouncer() -> Outage {
        tokio::task::block_in_place(|| {
            let cluster = pg::test_cluster();
            let bouncer = pgbouncer::Bouncer::start(&cluster, pgbouncer::Pooling::default()).unwrap();
            Outage::PgBouncer(cluster, bouncer)
        })
    }

    /// A fresh database, as the server reaches it.
    fn database(&self) -> String {
        tokio::task::block_in_place(|| match self {
            Outage::Postgres(cluster) => cluster.create_database().unwrap(),
            Outage::PgBouncer(cluster, bouncer) => bouncer.create_database(cluster).unwrap(),
        })
    }

    fn take_down(&mut self) {
        tokio::task::block_in_place(|| match self {
            Outage::Postgres(cluster) => cluster.stop().unwrap(),
            Outage::PgBouncer(_, bouncer) => bouncer.stop().unwrap(),
        })
    }

    fn bring_back(&mut self) {
        tokio::task::block_in_place(|| match self {
            Outage::Postgres(cluster) => cluster.start_again().unwrap(),
            Outage::PgBouncer(_, bouncer) => bouncer.start_again().unwrap(),
        })
    }
}

async fn outage_under_load(mut outage: Outage) {
    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    const WRITERS: usize = 4;
    let url = outage.database();
    let pooled = matches!(outage, Outage::PgBouncer(..));
    let s = TestServer::start_on(&url, |c| {
        c.db_timeout_secs = 1;
        c.db_pool_size = 8;
        if pooled {
            through_transaction_pooler(c);
        }
    })
    .await;
    let mut users = Vec::new();
    for w in 0..WRITERS {
        let name = format!("writer{w}");
        let id = s.add_user(&name, "writer-password").await;
        users.push((id, s.token(&name, "writer-password").await));
    }

    let stop = Arc::new(AtomicBool::new(false));
    let down = Arc::new(AtomicBool::new(false));
    // Each writer: (acknowledged tags, attempted tags, slowest answer while down, answers while down).
    let writers: Vec<_> = users
        .iter()
        .enumerate()
        .map(|(w, (_, token))| {
            let (client, url, token) = (s.client.clone(), s.url("task"), token.clone());
            let (stop, down) = (stop.clone(), down.clone());
            tokio::spawn(async move {
                let (mut acked, mut attempted) = (BTreeSet::new(), BTreeSet::new());
                let (mut slowest_down, mut answered_down) = (Duration::ZERO, 0);
                for n in 0..100_000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let tag = format!("w{w}-{n}");
                    attempted.insert(tag.clone());
                    let started = Instant::now();
                    let response = client
                        .post(&url)
                        .header("x-auth-token", &token)
                        .json(&serde_json::json!({"type": "video", "input": tag}))
                        .timeout(Duration::from_secs(30))
                        .send()
                        .await
                        .expect("the server answers, database or not");
                    let status = response.status().as_u16();
                    let body: serde_json::Value = response.json().await.unwrap();
                    let took = started.elapsed();
                    match status {
                        200 => {
                            acked.insert(tag);
                        }
                        503 => assert_eq!(body["code"], 10205, "{body}"),
                        _ => panic!("{status}: {body}"),
                    }
                    if down.load(Ordering::Relaxed) {
                        slowest_down = slowest_down.max(took);
                        answered_down += 1;
                        // Not a busy loop against a dead database.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
                (acked, attempted, slowest_down, answered_down)
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(700)).await;
    down.store(true, Ordering::Relaxed);
    outage.take_down();
    // Down for 3 s: the writers keep asking, readers too.
    let down_since = Instant::now();
    let token = &users[0].1;
    while down_since.elapsed() < Duration::from_secs(3) {
        let started = Instant::now();
        expect_error(s.client.get(s.url("tasks")).header("x-auth-token", token).send().await.unwrap(), 503, 10205)
            .await;
        assert!(started.elapsed() < Duration::from_secs(5), "a read took {:?} while down", started.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    outage.bring_back();
    let restarted = Instant::now();
    let recovered = loop {
        if s.hola(token).await.status() == 200 {
            break restarted.elapsed();
        }
        assert!(restarted.elapsed() < Duration::from_secs(20), "not recovered 20 s after the database came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    down.store(false, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(700)).await;
    stop.store(true, Ordering::Relaxed);

    let mut slowest = Duration::ZERO;
    let (mut answered_down, mut total_acked) = (0, 0);
    for (w, writer) in writers.into_iter().enumerate() {
        let (acked, attempted, slowest_down, n_down) = writer.await.unwrap();
        slowest = slowest.max(slowest_down);
        answered_down += n_down;
        total_acked += acked.len();
        let user_id = users[w].0;
        let stored: BTreeSet<String> = s.stored().tasks_of(user_id).await.into_iter().map(|t| t.input).collect();
        let lost: Vec<_> = acked.difference(&stored).collect();
        assert!(lost.is_empty(), "writer {w}: acknowledged, then lost: {lost:?}");
        let unknown: Vec<_> = stored.difference(&attempted).collect();
        assert!(unknown.is_empty(), "writer {w}: never attempted: {unknown:?}");
        let logged = s.stored().ops_of(user_id).await.into_iter().filter(|op| op.endpoint == "post_task").count();
        assert_eq!(logged, stored.len(), "writer {w}: one create in the operation log per task");
    }
    eprintln!(
        "outage under load: {total_acked} creates acknowledged; {answered_down} answers while down, \
         the slowest in {slowest:?}; served again {recovered:?} after the database was back"
    );
    assert!(answered_down > 0, "the writers were asking while the database was down");
    assert!(slowest < Duration::from_secs(5), "an answer took {slowest:?} while the database was down");
}

/// A database host that goes silent — its connections cut, new ones accepted and never answered
/// (a partition, a hung host) — answers 503 / 10205 to every request within about the connection
/// timeout, also to many at once waiting for the same connection to open; once it answers again,
/// so does the server, from the first request on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_database_is_503_within_the_timeout_for_every_request() {
    use std::sync::Arc;
    use tokio::net::{TcpListener, TcpStream};

    if !pg::available() {
        return;
    }
    let database = tokio::task::block_in_place(pg::test_database);
    let (head, tail) = database.rsplit_once('@').unwrap();
    let (upstream, path) = tail.split_once('/').unwrap();
    let (upstream, path) = (upstream.to_owned(), path.to_owned());
    // The proxy: while `silent`, every forwarded connection is closed and new ones are held open
    // without a byte of answer.
    let (silent, _) = tokio::sync::watch::channel(false);
    let silent = Arc::new(silent);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let proxy_silent = silent.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut client, _)) = listener.accept().await {
            if *proxy_silent.borrow() {
                held.push(client);
                continue;
            }
            let mut goes_silent = proxy_silent.subscribe();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let mut database = TcpStream::connect(&upstream).await.unwrap();
                tokio::select! {
                    _ = goes_silent.wait_for(|s| *s) => {}
                    _ = tokio::io::copy_bidirectional(&mut client, &mut database) => {}
                }
            });
        }
    });
    let s = TestServer::start_on(&format!("{head}@127.0.0.1:{port}/{path}"), |c| {
        c.db_timeout_secs = 1;
        c.db_pool_size = 2;
    })
    .await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    expect_ok(s.hola(&token).await).await;

    silent.send_replace(true);
    let start = Instant::now();
    let requests: Vec<_> = (0..8)
        .map(|_| {
            let (client, url, token) = (s.client.clone(), s.url("hola"), token.clone());
            tokio::spawn(async move { client.get(url).header("x-auth-token", token).send().await.unwrap() })
        })
        .collect();
    for request in requests {
        expect_error(request.await.unwrap(), 503, 10205).await;
    }
    assert!(start.elapsed() < Duration::from_secs(4), "8 requests at once took {:?}", start.elapsed());
    let start = Instant::now();
    let body = serde_json::json!({"type": "image", "input": "https://example.com/a.png"});
    let create = s.client.post(s.url("task")).header("x-auth-token", &token).json(&body).send().await.unwrap();
    expect_error(create, 503, 10205).await;
    assert!(start.elapsed() < Duration::from_secs(4), "a create took {:?}", start.elapsed());

    // Back: the very first read and write serve again. The connections cut while silent are not
    // handed to them: the shared one was forgotten, and a pooled one PostgreSQL's side closed is
    // skipped at checkout (`db::checkout_live`).
    silent.send_replace(false);
    expect_ok(s.hola(&token).await).await;
    let create = s.client.post(s.url("task")).header("x-auth-token", &token).json(&body).send().await.unwrap();
    expect_ok(create).await;
}
