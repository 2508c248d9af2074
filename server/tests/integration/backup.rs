//! `server backup --out FILE` copies a SQLite database in use, consistently: restored, the copy
//! holds every write acknowledged before the backup began, and each of its tasks whole (its
//! operation-log row and its count with it).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use server_harness::{expect_ok, DbKind};

use crate::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_every_acknowledged_write() {
    let s = TestServer::start(DbKind::Sqlite, |_| {}).await;
    let uid = s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (client, url, token) = (s.client.clone(), s.url("task"), token.clone());
            let (acked, stop) = (acked.clone(), stop.clone());
            tokio::spawn(async move {
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let input = format!("w{w}-{n}");
                    let body = serde_json::json!({"type": "image", "input": input});
                    let response = client.post(&url).header("x-auth-token", &token).json(&body).send().await.unwrap();
                    expect_ok(response).await;
                    acked.lock().unwrap().insert(input);
                }
            })
        })
        .collect();
    while acked.lock().unwrap().len() < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let before: BTreeSet<String> = acked.lock().unwrap().clone();
    let out = s.cli(&["backup", "--out", copy.to_str().unwrap()], "").await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("backed up"), "{out:?}");
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    // A second backup to the same file is refused: a backup never overwrites.
    let mut again = s.process().launch().command(["backup", "--out", copy.to_str().unwrap()]);
    let again = tokio::task::block_in_place(|| again.output()).unwrap();
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("never overwrites"));

    // Restored: a server on the copy.
    let restored = TestServer::start_on(&format!("sqlite://{}", copy.display()), |_| {}).await;
    let stored = restored.stored();
    let inputs: BTreeSet<String> = stored.tasks_of(uid).await.into_iter().map(|t| t.input).collect();
    let lost: Vec<_> = before.difference(&inputs).collect();
    assert!(lost.is_empty(), "acknowledged before the backup, missing from it: {lost:?}");
    let logged = stored.ops_of(uid).await.into_iter().filter(|o| o.endpoint == "post_task").count();
    assert_eq!(logged, inputs.len(), "one operation-log row per task in the copy");
    assert_eq!(stored.counted_tasks_of(uid).await, inputs.len() as i64, "the count agrees with the tasks");
    let token = restored.token("alice", "alice-password").await;
    let list = restored.client.get(restored.url("tasks?limit=1")).header("x-auth-token", &token).send().await.unwrap();
    assert_eq!(expect_ok(list).await["total"], inputs.len());
}
