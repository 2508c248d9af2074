//! Uploads in an S3 bucket (moto, `server_harness::s3`) as a shared, remote store: two instances
//! on one PostgreSQL and one bucket are one store; the store refusing or hung under load answers
//! 503 / 10205 within the timeout and the server recovers by itself, nothing half-visible; a
//! SIGKILL in the middle of a multipart upload leaves no object; a missing bucket or refused
//! credentials stop the start with a clear message and make `/readyz` not ready. The same upload
//! tests as the local folder's run on S3 too (`upload::s3::*`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use server_harness::s3::{self, Bucket, Moto, Proxy};
use server_harness::{expect_error, expect_ok, pg, use_bucket, DbKind};

use crate::tasks::UserSteps as _;
use crate::upload::{image_seeded, sha256_hex, upload, PNG};
use crate::TestServer;

/// A moto server of the test's own (to pause, lock or slow down), and a bucket in it.
fn own_bucket() -> (Arc<Moto>, Bucket) {
    let moto = Arc::new(Moto::start().unwrap_or_else(|e| panic!("{e:#}")));
    let bucket = Bucket::create(moto.clone()).unwrap();
    (moto, bucket)
}

/// Every object under `prefix` holds exactly the bytes its name is the hash of: nothing partial
/// is ever visible. Returns how many there are.
fn check_bucket(bucket: &Bucket, prefix: &str) -> usize {
    let names = bucket.names(prefix).unwrap();
    for (name, size) in &names {
        let bytes = bucket.read(prefix, name).unwrap().unwrap();
        assert_eq!(bytes.len() as u64, *size);
        let (hash, _) = name.split_once('.').unwrap();
        assert_eq!(sha256_hex(&bytes), hash, "{name} holds other bytes than its name says ({size} bytes)");
    }
    names.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_and_one_bucket_share_uploads() {
    if !pg::available() || !s3::available() {
        return;
    }
    let (database, bucket) = tokio::task::block_in_place(|| (pg::test_database(), s3::test_bucket()));
    // A has the bucket in its configuration file.
    let a = TestServer::start_on(&database, |c| use_bucket(c, &bucket, "shared", &bucket.moto().endpoint())).await;
    // B, as if on another machine (an upload folder of its own), reaches the bucket through the
    // standard AWS variables.
    let b = TestServer::launch_on(&database, |c| c.upload_store = bucket.url("shared").parse().unwrap())
        .var("AWS_ENDPOINT_URL", bucket.moto().endpoint())
        .var("AWS_REGION", s3::REGION)
        .var("AWS_ACCESS_KEY_ID", s3::ACCESS_KEY_ID)
        .var("AWS_SECRET_ACCESS_KEY", s3::SECRET_ACCESS_KEY);
    let b = TestServer::from_launch(b).await;
    let alice = a.user("alice").await;

    // Uploaded on one (a small one, and a multipart one), served by the other.
    let small = image_seeded(PNG, 300_000, 1);
    let large = image_seeded(PNG, 6 * 1024 * 1024, 2);
    for (bytes, to, from) in [(&small, &a, &b), (&large, &b, &a)] {
        let body = expect_ok(upload(to, &alice, bytes.clone(), "x.png", "image/png").await).await;
        let name = format!("{}.png", sha256_hex(bytes));
        assert_eq!(body["uri"], format!("/uploads/{name}"));
        let served = from.client.get(format!("{}/uploads/{name}", from.base)).send().await.unwrap();
        assert_eq!(served.status(), 200);
        assert_eq!(served.headers()["etag"], format!("\"{}\"", sha256_hex(bytes)).as_str());
        assert_eq!(served.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }
    // The same image through the other instance is the same object.
    let again = expect_ok(upload(&b, &alice, small.clone(), "again.png", "image/png").await).await;
    assert_eq!(again["uri"], format!("/uploads/{}.png", sha256_hex(&small)));
    assert_eq!(tokio::task::block_in_place(|| check_bucket(&bucket, "shared")), 2);
    for s in [&a, &b] {
        expect_ok(s.client.get(format!("{}/readyz", s.base)).send().await.unwrap()).await;
    }
}

/// What one uploader saw.
#[derive(Default)]
struct Seen {
    /// Acknowledged uploads: (name, bytes).
    acked: Vec<(String, Vec<u8>)>,
    /// 503s, and the slowest answer to an upload sent while the store was away.
    refused: usize,
    slowest_away: Duration,
}

/// The store away twice under an upload load: first refusing every connection (a proxy closing
/// them), then hung (moto stopped with SIGSTOP: connections accepted, never answered). Meanwhile
/// every upload and fetch answers 200 (done before) or 503 / 10205 within the bound, `/readyz` is
/// not ready; after each the server serves again by itself. No object is ever partial, and
/// every acknowledged upload is stored whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_refusing_or_hung_under_load_is_503_within_the_bound_then_recovers() {
    const UPLOADERS: u32 = 4;
    const TIMEOUT_SECS: u64 = 1;
    /// An upload sent while the store is away fails at its first request to the store, within
    /// the timeout (a multipart one may then spend as long on the abort); the rest is slack for a
    /// machine busy with other work.
    const BOUND: Duration = Duration::from_secs(2 * TIMEOUT_SECS + 2);
    if !s3::available() {
        return;
    }
    let (moto, bucket) = tokio::task::block_in_place(own_bucket);
    let proxy = Proxy::start(moto.addr()).unwrap();
    let s = TestServer::start(DbKind::Sqlite, |c| {
        use_bucket(c, &bucket, "load", &proxy.endpoint());
        c.upload_store_timeout_secs = TIMEOUT_SECS;
    })
    .await;
    let alice = Arc::new(s.user("alice").await);
    let s = Arc::new(s);
    let (stop, away) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let uploaders: Vec<_> = (0..UPLOADERS)
        .map(|u| {
            let (s, alice, stop, away) = (s.clone(), alice.clone(), stop.clone(), away.clone());
            tokio::spawn(async move {
                let mut seen = Seen::default();
                for n in 0..10_000u32 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    // Every fourth a multipart one.
                    let size = if n % 4 == 3 { 5 * 1024 * 1024 + 1 } else { 200_000 };
                    let bytes = image_seeded(PNG, size, 1 + u * 100_000 + n);
                    let was_away = away.load(Ordering::Relaxed);
                    let started = Instant::now();
                    let response = upload(&s, &alice, bytes.clone(), "a.png", "image/png").await;
                    let (status, took) = (response.status().as_u16(), started.elapsed());
                    let body: Value = response.json().await.unwrap();
                    match status {
                        200 => {
                            let name = body["uri"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
                            // What was acknowledged is served, store permitting. A store that goes
                            // away while the file streams cuts the body short: the client sees a
                            // body shorter than its Content-Length (an error), never other bytes.
                            let away_before = away.load(Ordering::Relaxed);
                            let served = s.client.get(format!("{}/uploads/{name}", s.base)).send().await.unwrap();
                            match served.status().as_u16() {
                                200 => match served.bytes().await {
                                    Ok(got) => assert_eq!(got.as_ref(), bytes.as_slice()),
                                    Err(e) => assert!(
                                        away_before || away.load(Ordering::Relaxed),
                                        "fetching {name} failed with the store there: {e}"
                                    ),
                                },
                                503 => assert_eq!(served.json::<Value>().await.unwrap()["code"], 10205),
                                other => panic!("fetching {name}: {other}"),
                            }
                            seen.acked.push((name, bytes));
                        }
                        503 => {
                            assert_eq!(body["code"], 10205, "{body}");
                            seen.refused += 1;
                        }
                        _ => panic!("{status}: {body}"),
                    }
                    // Sent while the store was away: its first request to the store fails within
                    // the timeout. (One in flight when the outage began may have had its earlier
                    // requests answered first.)
                    if was_away {
                        seen.slowest_away = seen.slowest_away.max(took);
                    }
                    if was_away || away.load(Ordering::Relaxed) {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
                seen
            })
        })
        .collect();

    let ready = |s: Arc<TestServer>| async move { s.client.get(format!("{}/readyz", s.base)).send().await.unwrap() };
    let wait_until_served = |s: Arc<TestServer>| async move {
        let from = Instant::now();
        loop {
            let r = s.client.get(format!("{}/readyz", s.base)).send().await.unwrap();
            if r.status() == 200 {
                return from.elapsed();
            }
            assert!(from.elapsed() < Duration::from_secs(20), "not ready 20 s after the store came back");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut recovered = Vec::new();
    for outage in ["refusing", "hung"] {
        away.store(true, Ordering::Relaxed);
        match outage {
            "refusing" => proxy.down(),
            _ => moto.pause(),
        }
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(3) {
            let asked = Instant::now();
            let body = expect_error(ready(s.clone()).await, 503, 10205).await;
            assert!(asked.elapsed() < BOUND, "/readyz took {:?} while the store was {outage}", asked.elapsed());
            assert!(body["msg"].as_str().unwrap().contains(&bucket.name), "{body}");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        match outage {
            "refusing" => proxy.up(),
            _ => moto.resume(),
        }
        recovered.push(wait_until_served(s.clone()).await);
        away.store(false, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    stop.store(true, Ordering::Relaxed);

    let (mut acked, mut refused, mut slowest) = (Vec::new(), 0, Duration::ZERO);
    for uploader in uploaders {
        let seen = uploader.await.unwrap();
        acked.extend(seen.acked);
        refused += seen.refused;
        slowest = slowest.max(seen.slowest_away);
    }
    eprintln!(
        "store outages under load: {} uploads acknowledged, {refused} answered 503, the slowest answer while away \
         {slowest:?}; ready again {recovered:?} after the store was back",
        acked.len()
    );
    assert!(refused > 0, "the uploaders were sending while the store was away");
    assert!(slowest < BOUND, "an answer took {slowest:?} while the store was away (bound {BOUND:?})");
    let stored = tokio::task::block_in_place(|| check_bucket(&bucket, "load"));
    for (name, bytes) in &acked {
        assert_eq!(&tokio::task::block_in_place(|| bucket.read("load", name)).unwrap().unwrap(), bytes, "{name}");
    }
    assert!(stored >= acked.len());
    // Served again, from the first request on.
    let (name, bytes) = acked.last().unwrap();
    let served = s.client.get(format!("{}/uploads/{name}", s.base)).send().await.unwrap();
    assert_eq!(served.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

/// A server killed (SIGKILL) while a multipart upload's parts are on their way leaves an
/// incomplete multipart upload, which S3 never shows, and no object; started again, it serves
/// no such name, and the same image uploaded again is stored whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_mid_upload_leaves_no_object() {
    if !s3::available() {
        return;
    }
    let (moto, bucket) = tokio::task::block_in_place(own_bucket);
    let proxy = Proxy::start(moto.addr()).unwrap();
    // Slow towards the store: a 5 MiB part takes about 2.5 s, long enough to be killed in.
    proxy.limit_upload(2 * 1024 * 1024);
    let mut s = TestServer::start(DbKind::Sqlite, |c| {
        use_bucket(c, &bucket, "kill", &proxy.endpoint());
        c.upload_store_timeout_secs = 30;
    })
    .await;
    let alice = s.user("alice").await;
    let bytes = image_seeded(PNG, 10 * 1024 * 1024 - PNG.len(), 77);
    let name = format!("{}.png", sha256_hex(&bytes));
    let part = reqwest::multipart::Part::bytes(bytes.clone()).file_name("big.png");
    let sending = tokio::spawn(
        s.client
            .post(s.url("upload"))
            .header("x-auth-token", &alice.token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::task::block_in_place(|| moto.multipart_uploads(&bucket.name)).unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no multipart upload began within 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    tokio::task::block_in_place(|| s.process_mut().kill9());
    assert!(sending.await.unwrap().is_err(), "the upload was not acknowledged");

    let (names, pending) =
        tokio::task::block_in_place(|| (bucket.names("kill").unwrap(), moto.multipart_uploads(&bucket.name).unwrap()));
    assert_eq!(names, [], "no object, whole or partial");
    assert_eq!(pending, [format!("kill/{name}")], "at most the incomplete multipart upload, never shown");

    proxy.limit_upload(0);
    let s = TestServer::from_launch(s.process().launch().clone()).await;
    let missing = s.client.get(format!("{}/uploads/{name}", s.base)).send().await.unwrap();
    expect_error(missing, 404, 10109).await;
    expect_ok(upload(&s, &alice, bytes.clone(), "big.png", "image/png").await).await;
    let served = s.client.get(format!("{}/uploads/{name}", s.base)).send().await.unwrap();
    assert_eq!(served.bytes().await.unwrap().as_ref(), bytes.as_slice());
    assert_eq!(tokio::task::block_in_place(|| check_bucket(&bucket, "kill")), 1);
}

/// A bucket that does not exist, or keys the store refuses, stop the server at start with a
/// message that names the bucket and the endpoint (never the secret); keys refused while it runs
/// make `/readyz` not ready and uploads 503.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_bucket_or_refused_credentials_stop_the_start_and_fail_readyz() {
    if !s3::available() {
        return;
    }
    let (moto, bucket) = tokio::task::block_in_place(own_bucket);
    let endpoint = moto.endpoint();
    let refused_start = |launch: server_harness::Launch| {
        let e = tokio::task::block_in_place(|| launch.start()).map(drop).expect_err("the start is refused");
        format!("{e:#}")
    };

    let missing = TestServer::launch(DbKind::Sqlite, |c| {
        use_bucket(c, &bucket, "p", &endpoint);
        c.upload_store = "s3://no-such-bucket/p".parse().unwrap();
    });
    let message = refused_start(missing);
    assert!(message.contains("s3://no-such-bucket/p at ") && message.contains(&endpoint), "{message}");
    assert!(message.contains("the bucket \"no-such-bucket\" does not exist"), "{message}");
    assert!(!message.contains(s3::SECRET_ACCESS_KEY), "{message}");

    let s = TestServer::start(DbKind::Sqlite, |c| use_bucket(c, &bucket, "p", &endpoint)).await;
    let alice = s.user("alice").await;
    expect_ok(s.client.get(format!("{}/readyz", s.base)).send().await.unwrap()).await;
    tokio::task::block_in_place(|| moto.require_credentials()).unwrap();
    let body = expect_error(s.client.get(format!("{}/readyz", s.base)).send().await.unwrap(), 503, 10205).await;
    let msg = body["msg"].as_str().unwrap();
    assert!(msg.contains(&bucket.name) && msg.contains("credentials were refused"), "{body}");
    expect_error(upload(&s, &alice, image_seeded(PNG, 1000, 5), "x.png", "image/png").await, 503, 10205).await;

    let message = refused_start(s.process().launch().clone());
    assert!(message.contains(&bucket.name) && message.contains(&endpoint), "{message}");
    assert!(message.contains("credentials were refused"), "{message}");
    assert!(!message.contains(s3::SECRET_ACCESS_KEY), "{message}");
    let log = s.process().log().join("\n");
    assert!(!log.contains(s3::SECRET_ACCESS_KEY), "the secret in the log");
}
