//! Many instances: two `server` processes on one database and one upload folder behave as one
//! server — a session from one works on the other, logout on one is refused on the other, failed
//! logins count across both (even arriving at once), tasks and uploads are shared; twelve share
//! ten PostgreSQL connections through a transaction pooler; and an instance PostgreSQL has no
//! connection left for says so, naming the settings.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use server_harness::{expect_error, expect_ok, header, on_both_databases, DbKind};

use crate::TestServer;

on_both_databases!(two_processes_on_one_database_are_one_server);

async fn two_processes_on_one_database_are_one_server(db: DbKind) {
    let a = TestServer::start(db, |c| c.db_pool_size = 8).await;
    let b = a.another_instance().await;
    for name in ["alice", "bob"] {
        a.add_user(name, &format!("{name}-password")).await;
    }
    let client = reqwest::Client::new();
    let login = |s: &TestServer, name: &str, password: &str| {
        client.post(s.url("login")).json(&json!({"name": name, "password": password})).send()
    };

    // Log in on A, work on B and A in turn.
    let response = login(&a, "alice", "alice-password").await.unwrap();
    let token = header(&response, "x-auth-token");
    expect_ok(response).await;
    let call = |s: &TestServer, method: reqwest::Method, path: &str| {
        client.request(method, s.url(path)).header("x-auth-token", &token)
    };
    use reqwest::Method as M;
    expect_ok(call(&b, M::POST, "task").json(&json!({"type": "image", "input": "made on B"})).send().await.unwrap())
        .await;
    let list = expect_ok(call(&a, M::GET, "tasks").query(&[("limit", "10")]).send().await.unwrap()).await;
    assert_eq!(list["total"], 1, "{list}");
    let id = list["items"][0]["id"].as_i64().unwrap();
    expect_ok(call(&a, M::PUT, "task").json(&json!({"id": id, "note": "noted on A"})).send().await.unwrap()).await;
    expect_ok(call(&b, M::PUT, "task/status").json(&json!({"id": id, "status": 2})).send().await.unwrap()).await;
    let detail = expect_ok(call(&b, M::GET, "task").query(&[("id", id)]).send().await.unwrap()).await;
    assert_eq!(
        (&detail["data"]["input"], &detail["data"]["note"], &detail["data"]["status"]),
        (&Value::from("made on B"), &Value::from("noted on A"), &Value::from(2)),
        "{detail}"
    );
    // A transition refused on A after a change made on B: the state is shared, not cached.
    expect_error(
        call(&a, M::PUT, "task/status").json(&json!({"id": id, "status": 0})).send().await.unwrap(),
        409,
        10121,
    )
    .await;

    // Uploads: stored by A in the shared folder, served by B; the same bytes on B give the same name.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..4096u32).map(|i| (i * 7 % 251) as u8));
    let upload = |s: &TestServer| {
        let part = Part::bytes(png.clone()).file_name("x.png");
        call(s, M::POST, "upload").multipart(Form::new().part("file", part)).send()
    };
    let stored = expect_ok(upload(&a).await.unwrap()).await;
    let uri = stored["uri"].as_str().unwrap().to_owned();
    let served = client.get(format!("{}{uri}", b.base)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(header_of(&served, "content-type"), "image/png");
    assert_eq!(served.bytes().await.unwrap().as_ref(), png.as_slice());
    assert_eq!(expect_ok(upload(&b).await.unwrap()).await["uri"], uri.as_str());

    // Log out on B: refused on A and on B.
    expect_ok(call(&b, M::POST, "logout").send().await.unwrap()).await;
    expect_error(call(&a, M::GET, "hola").send().await.unwrap(), 401, 10103).await;
    expect_error(
        call(&a, M::POST, "task").json(&json!({"type": "image", "input": "x"})).send().await.unwrap(),
        401,
        10103,
    )
    .await;
    expect_error(call(&b, M::GET, "hola").send().await.unwrap(), 401, 10103).await;

    // Failed logins of bob arriving at once on both: exactly five are counted as 401, the rest
    // are refused, and then the right password is refused on either.
    let attempts = (0..12).map(|i| login(if i % 2 == 0 { &a } else { &b }, "bob", "wrong-password"));
    let statuses: Vec<u16> =
        futures_util::future::join_all(attempts).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    let count = |s: u16| statuses.iter().filter(|&&x| x == s).count();
    assert_eq!((count(401), count(429)), (5, 7), "{statuses:?}");
    for s in [&a, &b] {
        expect_error(login(s, "bob", "bob-password").await.unwrap(), 429, 10200).await;
    }
    // Alice is not affected by bob's lockout.
    expect_ok(login(&b, "alice", "alice-password").await.unwrap()).await;
}

fn header_of(response: &reqwest::Response, name: &str) -> String {
    response.headers()[name].to_str().unwrap().to_owned()
}

/// Many instances within a connection budget: 12 instances, each with the default pool (16 + 1
/// connections), through one PgBouncer in transaction mode whose pool to PostgreSQL is 10
/// connections, on a PostgreSQL with `max_connections = 30` — 204 client connections on 10.
/// Writers on every instance at once: every acknowledged write is stored exactly once, the
/// totals are exact, PostgreSQL never sees more than the pooler's 10, and every instance stays
/// ready.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twelve_instances_share_ten_postgresql_connections_through_a_pooler() {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
    use std::sync::Arc;

    use server_harness::pgbouncer::{self, Bouncer, Pooling};
    use server_harness::{pg, through_transaction_pooler};

    if !pgbouncer::available() {
        return;
    }
    const INSTANCES: usize = 12;
    const WRITES: usize = 15;
    let (cluster, bouncer, url) = tokio::task::block_in_place(|| {
        let bin = pg::bin_dir().unwrap();
        let settings = ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=30"];
        let cluster = pg::Cluster::start(&bin, &settings).unwrap();
        let bouncer = Bouncer::start(&cluster, Pooling { pool_size: 10, max_clients: 1000 }).unwrap();
        let url = bouncer.create_database(&cluster).unwrap();
        (cluster, bouncer, url)
    });
    let database = pg::database_of(&url).to_owned();
    let first = TestServer::start_on(&url, |c| {
        through_transaction_pooler(c);
        c.db_pool_size = 16;
    })
    .await;
    let mut instances = vec![first];
    for _ in 1..INSTANCES {
        let next = instances[0].another_instance().await;
        instances.push(next);
    }
    // Two writers an instance, each its own user, logged in on the instance it writes through.
    let mut writers = Vec::new();
    for (i, instance) in instances.iter().enumerate() {
        for w in 0..2 {
            let name = format!("w{i}x{w}");
            let id = instances[0].add_user(&name, "writer-password").await;
            writers.push((i, id, instance.token(&name, "writer-password").await));
        }
    }

    // PostgreSQL's sessions for the database, sampled while the writers run.
    let most_backends = Arc::new(AtomicI64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (most, done) = (most_backends.clone(), done.clone());
        let sql = format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'");
        let port = cluster.port;
        let psql = pg::bin_dir().unwrap().join("psql");
        tokio::task::spawn_blocking(move || {
            while !done.load(Ordering::Relaxed) {
                let out = std::process::Command::new(&psql)
                    .args(["-X", "-A", "-t", "-h", "127.0.0.1", "-U", "postgres", "-p", &port.to_string()])
                    .args(["-d", "postgres", "-c", &sql])
                    .output()
                    .unwrap();
                let n: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0);
                most.fetch_max(n, Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        })
    };
    // Every instance's readiness, asked in turn while the writers run.
    let readiness = {
        let done = done.clone();
        let client = reqwest::Client::new();
        let urls: Vec<String> = instances.iter().map(|s| format!("{}/readyz", s.base)).collect();
        tokio::spawn(async move {
            let mut asked = 0;
            while !done.load(Ordering::Relaxed) {
                for (i, url) in urls.iter().enumerate() {
                    let status = client.get(url).send().await.unwrap().status();
                    assert_eq!(status, 200, "instance {i} was not ready under load");
                    asked += 1;
                }
            }
            asked
        })
    };
    let tasks: Vec<_> = writers
        .iter()
        .map(|(i, _, token)| {
            let (client, url, token, i) = (instances[*i].client.clone(), instances[*i].url("task"), token.clone(), *i);
            tokio::spawn(async move {
                let mut acked = Vec::new();
                for n in 0..WRITES {
                    let tag = format!("i{i}-{token:.8}-{n}");
                    let response =
                        client.post(&url).header("x-auth-token", &token).json(&json!({"type": "image", "input": tag}));
                    let response = response.send().await.unwrap();
                    let status = response.status().as_u16();
                    let body: Value = response.json().await.unwrap();
                    assert_eq!(status, 200, "instance {i}: {body}");
                    acked.push(tag);
                }
                acked
            })
        })
        .collect();
    let mut acked_by_writer = Vec::new();
    for task in tasks {
        acked_by_writer.push(task.await.unwrap());
    }
    done.store(true, Ordering::Relaxed);
    sampler.await.unwrap();
    let readiness_asked = readiness.await.unwrap();
    assert!(readiness_asked >= INSTANCES, "readiness was asked while the writers ran");

    let stored = instances[0].stored();
    for ((i, user_id, token), acked) in writers.iter().zip(&acked_by_writer) {
        let mut copies: BTreeMap<String, usize> = BTreeMap::new();
        for task in stored.tasks_of(*user_id).await {
            *copies.entry(task.input).or_default() += 1;
        }
        for tag in acked {
            assert_eq!(copies.get(tag), Some(&1), "instance {i}: {tag} stored {:?} times", copies.get(tag));
        }
        assert_eq!(copies.len(), acked.len(), "instance {i}: stored what was not acknowledged");
        // Every instance counts the same total, and it is the rows' count.
        for instance in &instances {
            let list = expect_ok(
                instance.client.get(instance.url("tasks?limit=0")).header("x-auth-token", token).send().await.unwrap(),
            )
            .await;
            assert_eq!(list["total"], json!(WRITES), "instance {i}'s writer, as another instance counts");
        }
        assert_eq!(stored.counted_tasks_of(*user_id).await, WRITES as i64, "task_counts of instance {i}'s writer");
    }
    for (i, instance) in instances.iter().enumerate() {
        let ready = instance.client.get(format!("{}/readyz", instance.base)).send().await.unwrap();
        assert_eq!(ready.status(), 200, "instance {i} is not ready");
    }
    let most = most_backends.load(Ordering::Relaxed);
    assert!(most <= 10, "PostgreSQL saw {most} sessions of the database; the pooler's pool is 10");
    eprintln!(
        "{INSTANCES} instances, {} writes through PgBouncer; at most {most} PostgreSQL sessions",
        INSTANCES * 2 * WRITES
    );
    drop(instances);
    drop(bouncer);
}

/// An instance that asks PostgreSQL for more connections than it has left: its requests wait for
/// one or answer 503 / 10205 (never a 500), and the log says, at start, how many connections the
/// instance opens, and, when PostgreSQL refuses one, which settings to change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_out_of_connections_is_503_and_the_log_names_the_settings() {
    use server_harness::pg;

    if !pg::available() {
        return;
    }
    let (cluster, url) = tokio::task::block_in_place(|| {
        let bin = pg::bin_dir().unwrap();
        let settings = ["fsync=off", "synchronous_commit=off", "max_connections=6"];
        let cluster = pg::Cluster::start(&bin, &settings).unwrap();
        let url = cluster.create_database().unwrap();
        (cluster, url)
    });
    let s = TestServer::start_on(&url, |c| {
        c.db_pool_size = 16;
        c.db_timeout_secs = 2;
        c.log_level = slog::Level::Info;
    })
    .await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    let creates: Vec<_> = (0..24)
        .map(|n| {
            let request = s.client.post(s.url("task")).header("x-auth-token", &token);
            request.json(&json!({"type": "image", "input": format!("t{n}")})).send()
        })
        .collect();
    let mut refused = 0;
    for response in futures_util::future::join_all(creates).await {
        let response = response.unwrap();
        match response.status().as_u16() {
            200 => {}
            503 => {
                expect_error(response, 503, 10205).await;
                refused += 1;
            }
            other => panic!("{other}: {}", response.text().await.unwrap()),
        }
    }
    let log = s.process().log();
    let said = |needle: &str| log.iter().any(|l| l.contains(needle));
    assert!(said("opening at most 17 connections to PostgreSQL"), "{log:#?}");
    let refusal = log.iter().find(|l| l.contains("could not open a database connection"));
    let refusal = refusal.unwrap_or_else(|| panic!("no refused connection logged ({refused} answered 503): {log:#?}"));
    for setting in ["max_connections", "db_pool_size", "db_read_connections", "db_pooler"] {
        assert!(refusal.contains(setting), "the refusal does not name {setting}: {refusal}");
    }
    eprintln!("{refused} of 24 creates answered 503; the log: {refusal}");
    drop(s);
    drop(cluster);
}
