//! Uploads: a round trip per image format, sniffing (a disguised text file), the size limit as a
//! client still sending sees it, a hostile file name, the served files (with their `ETag` and
//! 304), and the server's memory under 32 uploads at once — each on the local folder (SQLite and
//! PostgreSQL) and in an S3 bucket (moto; `server_harness::on_both_stores!`).

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use server_harness::s3::{test_bucket, Bucket};
use server_harness::{expect_error, expect_ok, on_both_stores, use_bucket, DbKind, StoreKind};
use sha2::Digest as _;

use crate::tasks::{User, UserSteps as _};
use crate::TestServer;

on_both_stores!(
    uploads_round_trip_with_their_content_type,
    a_disguised_text_file_is_415,
    an_oversized_upload_is_413_for_a_client_still_sending,
    a_hostile_file_name_changes_nothing_outside_the_upload_dir,
    upload_needs_a_session_and_the_field_file,
    peak_memory_at_32_concurrent_10_mib_uploads,
);

/// The key prefix of the S3 variants: objects are `uploads/v1/<name>`.
const PREFIX: &str = "uploads/v1";

/// Where a test's uploads are kept, as the test reads them itself: the folder's files, or the
/// bucket's names under [`PREFIX`] together with any file left in the spool folder (a temporary
/// file left behind shows up either way).
pub enum Kept {
    Folder(PathBuf),
    Bucket { bucket: Bucket, spool: PathBuf },
}

impl Kept {
    pub fn names(&self) -> Vec<String> {
        match self {
            Kept::Folder(dir) => files(dir),
            Kept::Bucket { bucket, spool } => {
                let mut names: Vec<String> = bucket.names(PREFIX).unwrap().into_iter().map(|(n, _)| n).collect();
                names.extend(files(spool));
                names.sort();
                names
            }
        }
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        match self {
            Kept::Folder(dir) => std::fs::read(dir.join(name)).unwrap(),
            Kept::Bucket { bucket, .. } => bucket.read(PREFIX, name).unwrap().unwrap_or_else(|| panic!("no {name}")),
        }
    }
}

/// A server whose uploads go to a fresh folder inside `root` (`root/uploads`), or to a fresh
/// bucket (that folder then only spools uploads while they arrive).
async fn server(db: DbKind, store: StoreKind, root: &Path, max_bytes: u64) -> (TestServer, Kept) {
    let dir = root.join("uploads");
    let bucket = (store == StoreKind::S3).then(|| tokio::task::block_in_place(test_bucket));
    let s = TestServer::start(db, |c| {
        c.upload_dir = dir.display().to_string();
        c.upload_max_bytes = max_bytes;
        c.public_url = "https://img.example.test/".parse().unwrap();
        if let Some(bucket) = &bucket {
            use_bucket(c, bucket, PREFIX, &bucket.moto().endpoint());
        }
    })
    .await;
    let kept = match bucket {
        None => Kept::Folder(dir),
        Some(bucket) => Kept::Bucket { bucket, spool: dir },
    };
    (s, kept)
}

/// Image-looking bytes: the format's magic number, then `n` pseudo-random bytes.
fn image(magic: &[u8], n: usize) -> Vec<u8> {
    image_seeded(magic, n, 0x2545_f491)
}

/// [`image`] with other pseudo-random bytes for each `seed`.
pub fn image_seeded(magic: &[u8], n: usize, seed: u32) -> Vec<u8> {
    let mut bytes = magic.to_vec();
    let mut x = seed.max(1);
    bytes.extend((0..n).map(|_| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x as u8
    }));
    bytes
}

pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

pub async fn upload(s: &TestServer, user: &User, bytes: Vec<u8>, file_name: &str, mime: &str) -> reqwest::Response {
    let part = Part::bytes(bytes).file_name(file_name.to_owned()).mime_str(mime).unwrap();
    s.client
        .post(s.url("upload"))
        .header("x-auth-token", &user.token)
        .multipart(Form::new().text("note", "ignored").part("file", part))
        .send()
        .await
        .unwrap()
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

async fn uploads_round_trip_with_their_content_type(db: DbKind, store: StoreKind) {
    let root = tempfile::tempdir().unwrap();
    let (s, kept) = server(db, store, root.path(), 10 * 1024 * 1024).await;
    let alice = s.user("alice").await;
    let cases: [(&[u8], &str, &str); 4] = [
        (PNG, "png", "image/png"),
        (&[0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1], "jpg", "image/jpeg"),
        (b"GIF89a\x10\x00\x10\x00\x80\x00", "gif", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp", "image/webp"),
    ];
    // Above 256 KiB an upload is streamed into its file; below, gathered in memory first. Above
    // 5 MiB, S3 gets it as a multipart upload.
    for (magic, ext, mime) in cases {
        for size in [300_000, 2_000] {
            let bytes = image(magic, size);
            // The client's name and type are not what decides.
            let body =
                expect_ok(upload(&s, &alice, bytes.clone(), "photo.bin", "application/octet-stream").await).await;
            let name = format!("{}.{ext}", sha256_hex(&bytes));
            assert_eq!(
                body,
                json!({
                    "code": 0, "msg": "ok", "error": "",
                    "uri": format!("/uploads/{name}"),
                    "full_uri": format!("https://img.example.test/uploads/{name}"),
                })
            );
            // Served back without a session, byte for byte, with the sniffed type.
            let served = s.client.get(format!("{}/uploads/{name}", s.base)).send().await.unwrap();
            assert_eq!(served.status(), 200);
            assert_eq!(served.headers()["content-type"], mime);
            assert_eq!(served.headers()["x-content-type-options"], "nosniff");
            assert_eq!(served.headers()["cache-control"], "public, max-age=31536000, immutable");
            let etag = format!("\"{}\"", sha256_hex(&bytes));
            assert_eq!(served.headers()["etag"], etag.as_str());
            assert_eq!(served.bytes().await.unwrap().as_ref(), bytes.as_slice());
            assert_eq!(kept.read(&name), bytes, "stored byte for byte");
            // A cache that has it asks again with its tag: 304, no body.
            for tag in [etag.clone(), format!("W/{etag}"), format!("\"other\", {etag}"), "*".to_owned()] {
                let again = s
                    .client
                    .get(format!("{}/uploads/{name}", s.base))
                    .header("if-none-match", tag)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(again.status(), 304);
                assert_eq!(again.headers()["etag"], etag.as_str());
                assert!(again.bytes().await.unwrap().is_empty());
            }
            let other =
                s.client.get(format!("{}/uploads/{name}", s.base)).header("if-none-match", "\"x\"").send().await;
            assert_eq!(other.unwrap().status(), 200);
        }
    }
    // A multipart upload to S3 (over 5 MiB), the same through the local folder.
    let large = image(PNG, 6 * 1024 * 1024 + 7);
    let body = expect_ok(upload(&s, &alice, large.clone(), "large.png", "image/png").await).await;
    let name = format!("{}.png", sha256_hex(&large));
    assert_eq!(body["uri"], format!("/uploads/{name}"));
    let served = s.client.get(format!("{}/uploads/{name}", s.base)).send().await.unwrap();
    assert_eq!(served.headers()["content-length"], large.len().to_string().as_str());
    assert_eq!(served.bytes().await.unwrap().as_ref(), large.as_slice());
    // The same image again is the same file.
    let bytes = image(PNG, 300_000);
    let again = expect_ok(upload(&s, &alice, bytes.clone(), "again.png", "image/png").await).await;
    assert_eq!(again["uri"], format!("/uploads/{}.png", sha256_hex(&bytes)));
    let stored = kept.names();
    assert_eq!(stored.len(), 9, "no temporary files left: {stored:?}");

    let ops = s.ops(&alice).await;
    assert_eq!(ops.len(), 10);
    assert!(ops.iter().all(|o| (o.0.as_str(), o.1.as_str()) == ("post_upload", "upload")));
    assert_eq!(
        ops[0].2,
        json!({ "file": "photo.bin", "size": PNG.len() + 300_000, "stored": format!("{}.png", sha256_hex(&image(PNG, 300_000))) })
    );

    // Names that are not content hashes are not looked up.
    for path in [
        format!("/uploads/{}.png", "0".repeat(64)),
        "/uploads/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/uploads/.upload-0011223344556677.tmp".to_owned(),
        format!("/uploads/{}", sha256_hex(&bytes)),
    ] {
        let r = s.client.get(format!("{}{path}", s.base)).send().await.unwrap();
        expect_error(r, 404, 10109).await;
    }
    // A tag for a name never stored is no reason for 304.
    let missing = format!("{}/uploads/{}.png", s.base, "1".repeat(64));
    let r = s.client.get(missing).header("if-none-match", format!("\"{}\"", "1".repeat(64))).send().await.unwrap();
    expect_error(r, 404, 10109).await;
}

async fn a_disguised_text_file_is_415(db: DbKind, store: StoreKind) {
    let root = tempfile::tempdir().unwrap();
    let (s, kept) = server(db, store, root.path(), 1024 * 1024).await;
    let alice = s.user("alice").await;
    let text = b"#!/bin/sh\necho this is not a picture\n".repeat(1000);
    let body = expect_error(upload(&s, &alice, text, "cat.png", "image/png").await, 415, 10111).await;
    assert!(body["msg"].as_str().unwrap().contains("PNG, JPEG, GIF or WebP"), "{body}");
    // Too short to be anything, and a WAV in a RIFF container.
    expect_error(upload(&s, &alice, b"\x89PN".to_vec(), "x.png", "image/png").await, 415, 10111).await;
    let wav = image(b"RIFF\x24\x00\x00\x00WAVEfmt ", 1000);
    expect_error(upload(&s, &alice, wav, "x.webp", "image/webp").await, 415, 10111).await;
    expect_error(upload(&s, &alice, Vec::new(), "x.png", "image/png").await, 400, 10102).await;
    assert_eq!(kept.names(), Vec::<String>::new());
    assert!(s.ops(&alice).await.is_empty());
}

/// A raw HTTP/1.1 client that sends a 32 MiB upload to a 1 MiB limit without waiting for an
/// answer, as a browser does: it must read the 413 envelope (with `Connection: close`), and its
/// writes must all succeed (no reset while it is still sending).
async fn an_oversized_upload_is_413_for_a_client_still_sending(db: DbKind, store: StoreKind) {
    let root = tempfile::tempdir().unwrap();
    let (s, kept) = server(db, store, root.path(), 1024 * 1024).await;
    let alice = s.user("alice").await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    let boundary = "XBOUNDARYX";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    // Far more than the kernel buffers on loopback: without the server's draining, the client's
    // writes fail with a reset once the server closes.
    body.extend(PNG);
    body.resize(body.len() + 32 * 1024 * 1024, 0);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let head = format!(
        "POST /backend/api/v1/upload HTTP/1.1\r\nHost: {addr}\r\nx-auth-token: {}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        alice.token,
        body.len()
    );
    let (status, headers, answer, sent) = tokio::task::spawn_blocking(move || {
        let stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut writer = stream.try_clone().unwrap();
        // The sender stops after 4 MiB (past the limit) until the answer has begun: a server
        // that waited for the whole body would never answer, and the test fails on the wait
        // instead of on which thread the scheduler ran first.
        let (answer_began, wait_for_answer) = std::sync::mpsc::channel::<()>();
        let sender = std::thread::spawn(move || -> Result<usize, String> {
            let (first, rest) = body.split_at(4 * 1024 * 1024);
            writer.write_all(head.as_bytes()).map_err(|e| format!("sending the head: {e}"))?;
            writer.write_all(first).map_err(|e| format!("sending the first 4 MiB: {e}"))?;
            wait_for_answer
                .recv_timeout(Duration::from_secs(20))
                .map_err(|_| "no answer while the client was still sending".to_owned())?;
            let mut sent = first.len();
            for chunk in rest.chunks(64 * 1024) {
                writer.write_all(chunk).map_err(|e| format!("after {sent} bytes: {e}"))?;
                sent += chunk.len();
            }
            Ok(sent)
        });
        let mut reader = stream;
        let mut response = Vec::new();
        // Read until the server closes: the answer is complete when it does.
        let mut buf = [0u8; 8192];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let _ = answer_began.send(());
                    response.extend_from_slice(&buf[..n]);
                }
                Err(e) => panic!("reading the answer: {e} (got {:?})", String::from_utf8_lossy(&response)),
            }
        }
        let sent = sender.join().unwrap();
        let text = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").expect("a complete answer");
        let status = head.split(' ').nth(1).unwrap().to_owned();
        (status, head.to_ascii_lowercase(), body.to_owned(), sent)
    })
    .await
    .unwrap();
    assert_eq!(status, "413", "{headers}");
    assert!(headers.contains("connection: close"), "{headers}");
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!((&answer["code"], &answer["error"]), (&json!(10110), &json!("payload_too_large")));
    assert!(answer["msg"].as_str().unwrap().contains("1048576"), "{answer}");
    // Every byte written without a reset, the rest of them after the 413 had arrived.
    let sent = sent.unwrap_or_else(|e| panic!("{e}"));
    assert!(sent > 32 * 1024 * 1024);
    assert_eq!(kept.names(), Vec::<String>::new(), "nothing stored");
    assert!(s.ops(&alice).await.is_empty());

    // Just under the limit is fine, through an ordinary client.
    let fits = image(PNG, 1024 * 1024 - PNG.len());
    expect_ok(upload(&s, &alice, fits, "fits.png", "image/png").await).await;
    let over = image(PNG, 1024 * 1024 - PNG.len() + 1);
    expect_error(upload(&s, &alice, over, "over.png", "image/png").await, 413, 10110).await;
}

async fn a_hostile_file_name_changes_nothing_outside_the_upload_dir(db: DbKind, store: StoreKind) {
    let root = tempfile::tempdir().unwrap();
    let (s, kept) = server(db, store, root.path(), 1024 * 1024).await;
    let alice = s.user("alice").await;
    let before = files(root.path());
    let bytes = image(PNG, 1000);
    for name in ["../../etc/passwd.png", "../escape.png", "/tmp/abs.png", "..", "a/../../b.png"] {
        let body = expect_ok(upload(&s, &alice, bytes.clone(), name, "image/png").await).await;
        assert_eq!(body["uri"], format!("/uploads/{}.png", sha256_hex(&bytes)));
    }
    assert_eq!(files(root.path()), before, "nothing new beside the upload dir");
    assert_eq!(kept.names(), [format!("{}.png", sha256_hex(&bytes))]);
    assert!(!root.path().join("escape.png").exists());
    assert!(!Path::new("/tmp/abs.png").exists());
    assert_eq!(kept.read(&format!("{}.png", sha256_hex(&bytes))), bytes);
}

async fn upload_needs_a_session_and_the_field_file(db: DbKind, store: StoreKind) {
    let root = tempfile::tempdir().unwrap();
    let (s, kept) = server(db, store, root.path(), 1024 * 1024).await;
    let alice = s.user("alice").await;
    let part = Part::bytes(image(PNG, 100)).file_name("x.png");
    let anonymous = s.client.post(s.url("upload")).multipart(Form::new().part("file", part)).send().await.unwrap();
    expect_error(anonymous, 401, 10101).await;
    let part = Part::bytes(image(PNG, 100)).file_name("x.png");
    let wrong_field = s
        .client
        .post(s.url("upload"))
        .header("x-auth-token", &alice.token)
        .multipart(Form::new().part("image", part))
        .send()
        .await
        .unwrap();
    let body = expect_error(wrong_field, 400, 10102).await;
    assert!(body["msg"].as_str().unwrap().contains("`file`"), "{body}");
    let not_multipart = s
        .client
        .post(s.url("upload"))
        .header("x-auth-token", &alice.token)
        .json(&json!({ "file": "x" }))
        .send()
        .await
        .unwrap();
    let body = expect_error(not_multipart, 415, 10111).await;
    assert!(body["msg"].as_str().unwrap().contains("multipart/form-data"), "{body}");
    // Fields besides `file` are small.
    let part = Part::bytes(image(PNG, 100)).file_name("x.png");
    let form = Form::new().text("comment", "c".repeat(100 * 1024)).part("file", part);
    let big_field =
        s.client.post(s.url("upload")).header("x-auth-token", &alice.token).multipart(form).send().await.unwrap();
    let body = expect_error(big_field, 413, 10110).await;
    assert!(body["msg"].as_str().unwrap().starts_with("field \"comment\""), "{body}");
    assert_eq!(kept.names(), Vec::<String>::new());
}

/// 32 clients each send a different 10 MiB image at once: every upload is stored, and the
/// server's peak resident memory shows each is held at most once, a part at a time (the local
/// folder: 256 KiB, then a file; S3: parts of 5 MiB read from that file), never whole per store
/// call. The peak is printed for `docs/performance.md`.
async fn peak_memory_at_32_concurrent_10_mib_uploads(db: DbKind, store: StoreKind) {
    const CLIENTS: u32 = 32;
    const SIZE: usize = 10 * 1024 * 1024;
    let root = tempfile::tempdir().unwrap();
    let (s, kept) = server(db, store, root.path(), SIZE as u64).await;
    let alice = s.user("alice").await;
    let before = s.process().peak_memory_kib().unwrap();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().unwrap();
    let uploads: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let bytes = image_seeded(PNG, SIZE - PNG.len(), 7 + n);
            let name = format!("{}.png", sha256_hex(&bytes));
            let part = Part::bytes(bytes).file_name("big.png");
            let request = client.post(s.url("upload")).header("x-auth-token", &alice.token);
            (name, tokio::spawn(request.multipart(Form::new().part("file", part)).send()))
        })
        .collect();
    let mut names = Vec::new();
    for (name, sent) in uploads {
        let body = expect_ok(sent.await.unwrap().unwrap()).await;
        assert_eq!(body["uri"], format!("/uploads/{name}"));
        names.push(name);
    }
    let peak = s.process().peak_memory_kib().unwrap();
    names.sort();
    assert_eq!(kept.names(), names, "every upload stored, no temporary file left");
    eprintln!(
        "{store:?} store: peak RSS {} MiB at {CLIENTS} concurrent 10 MiB uploads ({} MiB before them)",
        peak / 1024,
        before / 1024
    );
    // Held whole once per upload would be 320 MiB more; per store call, more again.
    let bound_mib = match store {
        StoreKind::Local => 64,
        StoreKind::S3 => 64 + u64::from(CLIENTS) * 5,
    };
    assert!((peak - before) / 1024 < bound_mib, "peak RSS grew by {} MiB (bound {bound_mib})", (peak - before) / 1024);
}
