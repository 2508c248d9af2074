//! Crash safety: the `server` binary killed with SIGKILL in the middle of a write load loses no
//! acknowledged write, half-applies no unacknowledged one, keeps the operation log in step with
//! the tasks, and never leaves a half-written upload under a served name.
//!
//! Each worker is one user doing, one request at a time, create → update → status 2 → status 1 →
//! (every other task) delete, recording each answer. Each task is known by its unique `input`.
//! When the server is killed, each worker has at most one request whose outcome it does not know
//! (sent, no answer): that one may or may not have happened, but wholly or not at all. After a
//! restart on the same database the test replays the acknowledged requests into the state they
//! must have produced and compares it, and the operation log, with what the database holds.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use server_harness::{on_both_databases, DbKind};
use sha2::Digest as _;

use crate::TestServer;

on_both_databases!(sigkill_under_write_load_loses_no_acknowledged_write);

const WORKERS: usize = 6;
const PASSWORD: &str = "crash-test-password";
/// Acknowledged writes before the kill (then a random few milliseconds more).
const ACKS_BEFORE_KILL: usize = 150;

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Create { tag: String },
    Update { tag: String, note: String },
    Status { tag: String, status: i64 },
    Delete { tag: String },
}

impl Op {
    fn endpoint(&self) -> &'static str {
        match self {
            Op::Create { .. } => "post_task",
            Op::Update { .. } => "put_task",
            Op::Status { .. } => "put_task_status",
            Op::Delete { .. } => "delete_task",
        }
    }
    fn tag(&self) -> &str {
        match self {
            Op::Create { tag } | Op::Update { tag, .. } | Op::Status { tag, .. } | Op::Delete { tag } => tag,
        }
    }
}

/// A task's state as the API shows it: note, status, priority.
type State = (String, i64, i64);

/// What one worker saw: acknowledged operations in order, at most one unanswered one, and the
/// id of each task it created (learnt from the list, newest first).
#[derive(Debug, Default)]
struct Record {
    acked: Vec<Op>,
    unknown: Option<Op>,
    ids: BTreeMap<String, i64>,
}

/// Applies `op` to the model.
fn apply(model: &mut BTreeMap<String, State>, op: &Op) {
    match op {
        Op::Create { tag } => {
            model.insert(tag.clone(), (tag.clone(), 0, 1));
        }
        Op::Update { tag, note } => {
            let t = model.get_mut(tag).expect("updated after its creation");
            t.0 = note.clone();
            t.2 = 5;
        }
        Op::Status { tag, status } => model.get_mut(tag).expect("changed after its creation").1 = *status,
        Op::Delete { tag } => {
            model.remove(tag);
        }
    }
}

/// One user's load, until the server stops answering (or a bound, so it always ends).
async fn worker(base: String, token: String, w: usize, acks: Arc<AtomicUsize>) -> Record {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let url = |p: &str| format!("{base}/backend/api/v1/{p}");
    let mut record = Record::default();
    for n in 0..5_000 {
        let tag = format!("w{w}-t{n}");
        let mut steps = vec![
            Op::Create { tag: tag.clone() },
            Op::Update { tag: tag.clone(), note: format!("{tag}-updated") },
            Op::Status { tag: tag.clone(), status: 2 },
            Op::Status { tag: tag.clone(), status: 1 },
        ];
        if n % 2 == 0 {
            steps.push(Op::Delete { tag: tag.clone() });
        }
        for op in steps {
            let id = record.ids.get(&tag).copied().unwrap_or(0);
            let request = match &op {
                Op::Create { tag } => {
                    client.post(url("task")).json(&json!({"type": "image", "input": tag, "note": tag, "priority": 1}))
                }
                Op::Update { note, .. } => {
                    client.put(url("task")).json(&json!({"id": id, "note": note, "priority": 5}))
                }
                Op::Status { status, .. } => client.put(url("task/status")).json(&json!({"id": id, "status": status})),
                Op::Delete { .. } => client.delete(url("task")).json(&json!({"ids": [id]})),
            };
            match request.header("x-auth-token", &token).send().await {
                Ok(response) => {
                    let status = response.status();
                    let body = response.text().await;
                    match body {
                        Ok(body) => {
                            assert_eq!(status, 200, "{op:?}: {body}");
                            record.acked.push(op.clone());
                            acks.fetch_add(1, Ordering::Relaxed);
                        }
                        // The status line arrived, the body did not: not an acknowledgement.
                        Err(_) => {
                            record.unknown = Some(op);
                            return record;
                        }
                    }
                }
                Err(_) => {
                    record.unknown = Some(op);
                    return record;
                }
            }
            if matches!(op, Op::Create { .. }) {
                // The newest task of this user (one worker per user) is the one just created.
                let listed = client.get(url("tasks")).query(&[("limit", "1")]).header("x-auth-token", &token).send();
                let Ok(Ok(body)) = (match listed.await {
                    Ok(r) => Ok(r.json::<Value>().await),
                    Err(e) => Err(e),
                }) else {
                    return record;
                };
                let item = &body["items"][0];
                assert_eq!(item["note"], tag.as_str(), "{body}");
                record.ids.insert(tag.clone(), item["id"].as_i64().unwrap());
            }
        }
    }
    record
}

/// Uploads distinct images until the server stops answering; returns the acknowledged ones'
/// (stored name, bytes).
async fn uploader(base: String, token: String) -> Vec<(String, Vec<u8>)> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let mut stored = Vec::new();
    for n in 0u32..2_000 {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let mut x = 0x9e37_79b9_u32 ^ n.wrapping_mul(0x85eb_ca6b);
        bytes.extend((0..512 * 1024).map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        }));
        let part = reqwest::multipart::Part::bytes(bytes.clone()).file_name("a.png");
        let sent = client
            .post(format!("{base}/backend/api/v1/upload"))
            .header("x-auth-token", &token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await;
        let Ok(response) = sent else { return stored };
        let Ok(body) = response.json::<Value>().await else { return stored };
        let uri = body["uri"].as_str().unwrap_or_else(|| panic!("{body}"));
        stored.push((uri.rsplit('/').next().unwrap().to_owned(), bytes));
    }
    stored
}

async fn login(base: &str, name: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{base}/backend/api/v1/login"))
        .json(&json!({"name": name, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "login of {name}");
    server_harness::header(&response, "x-auth-token")
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Every file under a served name holds exactly the bytes its name is the hash of.
fn check_upload_folder(dir: &Path) -> usize {
    let mut served = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with(".upload-") {
            continue; // a temporary file: never served
        }
        let bytes = std::fs::read(dir.join(&name)).unwrap();
        let (hash, _) = name.split_once('.').unwrap();
        assert_eq!(sha256_hex(&bytes), hash, "{name} holds other bytes than its name says ({} bytes)", bytes.len());
        served += 1;
    }
    served
}

async fn sigkill_under_write_load_loses_no_acknowledged_write(db: DbKind) {
    let mut first = TestServer::start(db, |c| c.db_pool_size = 8).await;
    let uploads = first.process().launch().upload_path().to_owned();
    let mut user_ids = Vec::new();
    for w in 0..=WORKERS {
        user_ids.push(first.add_user(&format!("user{w}"), PASSWORD).await);
    }
    let mut tokens = Vec::new();
    for w in 0..=WORKERS {
        tokens.push(login(&first.base, &format!("user{w}")).await);
    }

    let acks = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> =
        (0..WORKERS).map(|w| tokio::spawn(worker(first.base.clone(), tokens[w].clone(), w, acks.clone()))).collect();
    let uploads_task = tokio::spawn(uploader(first.base.clone(), tokens[WORKERS].clone()));
    let deadline = Instant::now() + Duration::from_secs(60);
    while acks.load(Ordering::Relaxed) < ACKS_BEFORE_KILL {
        assert!(Instant::now() < deadline, "only {} writes acknowledged in 60 s", acks.load(Ordering::Relaxed));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(u64::from(rand::random::<u8>() % 50))).await;
    tokio::task::block_in_place(|| first.process_mut().kill9());

    let mut records = Vec::new();
    for w in workers {
        records.push(w.await.unwrap());
    }
    let acked_uploads = uploads_task.await.unwrap();
    let acknowledged: usize = records.iter().map(|r| r.acked.len()).sum();
    let unknown = records.iter().filter(|r| r.unknown.is_some()).count();
    eprintln!(
        "{db:?}: killed after {acknowledged} acknowledged writes, {unknown} unanswered, {} uploads",
        acked_uploads.len()
    );
    assert!(acknowledged >= ACKS_BEFORE_KILL);

    // Uploads: no served name holds a partial file, and every acknowledged upload is whole.
    check_upload_folder(&uploads);
    for (name, bytes) in &acked_uploads {
        assert_eq!(&std::fs::read(uploads.join(name)).unwrap(), bytes, "acknowledged upload {name}");
    }

    // Restart on the same database and folder: it serves, the old sessions still work.
    let second = TestServer::from_launch(first.process().launch().clone()).await;
    let client = reqwest::Client::new();
    let hola = client.get(second.url("hola")).header("x-auth-token", &tokens[0]).send().await.unwrap();
    assert_eq!(hola.status(), 200);
    if let Some((name, bytes)) = acked_uploads.first() {
        let served = client.get(format!("{}/uploads/{name}", second.base)).send().await.unwrap();
        assert_eq!(served.status(), 200);
        assert_eq!(&served.bytes().await.unwrap()[..], &bytes[..]);
    }

    for (w, record) in records.iter().enumerate() {
        verify_user(user_ids[w], record, &second, &tokens[w]).await;
    }
}

/// The user's tasks and operation log agree with what the worker was told.
async fn verify_user(user_id: i64, record: &Record, server: &TestServer, token: &str) {
    // What the database holds: tag → state, and the id of each.
    let stored = server.stored();
    let rows = stored.tasks_of(user_id).await;
    let total = stored.counted_tasks_of(user_id).await;
    assert_eq!(total, rows.len() as i64, "task_counts agrees with the tasks");
    let mut actual = BTreeMap::new();
    let mut ids = record.ids.clone();
    for task in &rows {
        assert!(task.input.starts_with('w'), "a task nobody created: {task:?}");
        actual.insert(task.input.clone(), (task.note.clone(), i64::from(task.status), i64::from(task.priority)));
        ids.insert(task.input.clone(), task.id);
    }

    // What it must hold: the acknowledged operations, and the unanswered one wholly or not at all.
    let mut model = BTreeMap::new();
    for op in &record.acked {
        apply(&mut model, op);
    }
    let mut applied = Vec::new();
    if let Some(op) = &record.unknown {
        let mut with = model.clone();
        apply(&mut with, op);
        if actual == with && actual != model {
            applied.push(op.clone());
            model = with;
        }
    }
    assert_eq!(
        actual, model,
        "user {user_id}: the tasks differ from the acknowledged writes (unanswered: {:?})",
        record.unknown
    );

    // The operation log: exactly the acknowledged writes (and the unanswered one if it happened), in order.
    let expected: Vec<(String, String)> =
        record.acked.iter().chain(&applied).map(|op| (op.endpoint().to_owned(), op.tag().to_owned())).collect();
    let id_to_tag: BTreeMap<i64, String> = ids.iter().map(|(t, id)| (*id, t.clone())).collect();
    let logged: Vec<(String, String)> = stored
        .ops_of(user_id)
        .await
        .into_iter()
        .filter(|op| op.endpoint != "post_login")
        .map(|op| {
            let request: Value = serde_json::from_str(&op.request).unwrap();
            let tag = match op.endpoint.as_str() {
                "post_task" => request["input"].as_str().unwrap().to_owned(),
                "delete_task" => id_to_tag[&request["ids"][0].as_i64().unwrap()].clone(),
                _ => id_to_tag.get(&request["id"].as_i64().unwrap()).cloned().unwrap_or_default(),
            };
            (op.endpoint, tag)
        })
        .collect();
    assert_eq!(logged, expected, "user {user_id}: the operation log differs from the acknowledged writes");

    // And the restarted server shows the same through the API.
    let listed: Value = reqwest::Client::new()
        .get(server.url("tasks"))
        .query(&[("limit", "1")])
        .header("x-auth-token", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], total, "{listed}");
}
