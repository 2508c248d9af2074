//! Tasks: ownership, validation, the status machine (also under concurrent requests), deletes,
//! the list and its total, and the operation log.

use reqwest::{Method, Response};
use serde_json::{json, Value};
use server_harness::{expect_error, expect_ok, on_both_databases, DbKind};

use crate::TestServer;

on_both_databases!(
    a_created_task_reads_back_in_detail_and_in_the_list,
    tasks_of_others_answer_like_missing_ones,
    create_refuses_bad_fields_naming_them,
    update_leaves_zero_values_as_they_are,
    every_status_transition_allowed_and_refused,
    status_outside_the_enum_is_refused,
    racing_status_changes_have_exactly_one_winner,
    delete_takes_own_ids_and_ignores_the_rest,
    a_deleted_tasks_id_is_never_given_again,
    list_pages_newest_first_with_exact_edges,
    total_follows_creates_and_deletes,
    writes_are_logged_and_no_ops_are_not,
    checks_come_in_order,
    a_user_with_100k_tasks_lists_through_the_index,
);

/// A user story helper: one logged-in user.
pub struct User {
    pub id: i64,
    pub token: String,
}

/// What a logged-in user does with tasks, as steps on a test server.
pub(crate) trait UserSteps {
    /// Adds the user `name` (password `NAME-password`) and logs them in.
    async fn user(&self, name: &str) -> User;
    /// A request with `user`'s session and a JSON body.
    async fn send(&self, user: &User, method: Method, path: &str, body: Value) -> Response;
    /// A GET with `user`'s session and a raw query string.
    async fn get(&self, user: &User, path_and_query: &str) -> Response;
    /// Creates a task of type image with this input; returns its id (the newest in the list).
    async fn create_task(&self, user: &User, input: &str) -> i64;
    async fn task(&self, user: &User, id: i64) -> Value;
    async fn set_status(&self, user: &User, id: i64, status: u8) -> Response;
    async fn list(&self, user: &User, query: &str) -> Value;
    /// `(endpoint, operation)` of the user's operation-log rows, oldest first, after logging in.
    async fn ops(&self, user: &User) -> Vec<(String, String, Value)>;
}

impl UserSteps for TestServer {
    async fn user(&self, name: &str) -> User {
        let password = format!("{name}-password");
        let id = self.add_user(name, &password).await;
        let token = self.token(name, &password).await;
        User { id, token }
    }

    async fn send(&self, user: &User, method: Method, path: &str, body: Value) -> Response {
        self.client
            .request(method, self.url(path))
            .header("x-auth-token", &user.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, user: &User, path_and_query: &str) -> Response {
        self.client.get(self.url(path_and_query)).header("x-auth-token", &user.token).send().await.unwrap()
    }

    async fn create_task(&self, user: &User, input: &str) -> i64 {
        let body = json!({ "type": "image", "priority": 1, "input": input, "note": "" });
        expect_ok(self.send(user, Method::POST, "task", body).await).await;
        let list = expect_ok(self.get(user, "tasks?limit=1").await).await;
        list["items"][0]["id"].as_i64().unwrap()
    }

    async fn task(&self, user: &User, id: i64) -> Value {
        expect_ok(self.get(user, &format!("task?id={id}")).await).await["data"].clone()
    }

    async fn set_status(&self, user: &User, id: i64, status: u8) -> Response {
        let body = json!({ "id": id, "status": status });
        self.send(user, Method::PUT, "task/status", body).await
    }

    async fn list(&self, user: &User, query: &str) -> Value {
        expect_ok(self.get(user, &format!("tasks?{query}")).await).await
    }

    async fn ops(&self, user: &User) -> Vec<(String, String, Value)> {
        self.stored()
            .ops_of(user.id)
            .await
            .into_iter()
            .filter(|o| o.endpoint != "post_login")
            .map(|o| (o.endpoint, o.operation, serde_json::from_str(&o.request).unwrap()))
            .collect()
    }
}

fn msg(body: &Value) -> &str {
    body["msg"].as_str().unwrap()
}

async fn a_created_task_reads_back_in_detail_and_in_the_list(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.user("alice").await;
    let body = json!({ "type": "video", "priority": -128, "input": "in.mp4", "note": "n" });
    let created = expect_ok(s.send(&alice, Method::POST, "task", body).await).await;
    assert_eq!(created, json!({ "code": 0, "msg": "ok", "error": "" }));
    let list = s.list(&alice, "limit=10").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    assert_eq!(
        list,
        json!({
            "code": 0, "msg": "ok", "error": "", "total": 1,
            "items": [{
                "id": id, "status": 0, "type": "video", "priority": -128, "note": "n",
                "user": { "uid": alice.id, "name": "alice" },
            }],
        })
    );
    let detail = expect_ok(s.get(&alice, &format!("task?id={id}")).await).await;
    assert_eq!(
        detail["data"],
        json!({
            "id": id, "status": 0, "type": "video", "priority": -128,
            "input": "in.mp4", "result": "", "note": "n",
        })
    );
    // Omitted fields are their zero values; priority 127 is the top of int8.
    let body = json!({ "type": "image", "input": "x", "priority": 127 });
    expect_ok(s.send(&alice, Method::POST, "task", body).await).await;
    let newest = &s.list(&alice, "limit=1").await["items"][0];
    assert_eq!((&newest["note"], &newest["priority"]), (&json!(""), &json!(127)));
}

async fn tasks_of_others_answer_like_missing_ones(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let id = s.create_task(&alice, "alice's").await;
    let missing = id + 1000;

    // Each endpoint answers bob for alice's task exactly as for a task that does not exist.
    for (task, expect) in [(id, format!("task {id} not found")), (missing, format!("task {missing} not found"))] {
        let get = expect_error(s.get(&bob, &format!("task?id={task}")).await, 404, 10109).await;
        assert_eq!(msg(&get), expect);
        let put = json!({ "id": task, "note": "mine now", "priority": 5 });
        let put = expect_error(s.send(&bob, Method::PUT, "task", put).await, 404, 10109).await;
        assert_eq!(msg(&put), expect);
        let status = expect_error(s.set_status(&bob, task, 3).await, 404, 10109).await;
        assert_eq!(msg(&status), expect);
    }
    let delete = json!({ "ids": [id] });
    expect_ok(s.send(&bob, Method::DELETE, "task", delete).await).await;
    assert_eq!(
        s.list(&bob, "limit=100").await,
        json!({ "code": 0, "msg": "ok", "error": "", "total": 0, "items": [] })
    );

    // Alice's task is untouched, and bob's attempts left no trace.
    let task = s.task(&alice, id).await;
    assert_eq!((&task["note"], &task["priority"], &task["status"]), (&json!(""), &json!(1), &json!(0)));
    assert_eq!(s.list(&alice, "limit=100").await["total"], 1);
    assert!(s.ops(&bob).await.is_empty());

    // And the other way round: bob's tasks are his.
    let bobs = s.create_task(&bob, "bob's").await;
    expect_error(s.get(&alice, &format!("task?id={bobs}")).await, 404, 10109).await;
    let items = &s.list(&alice, "limit=100").await["items"];
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["user"], json!({ "uid": alice.id, "name": "alice" }));
}

async fn create_refuses_bad_fields_naming_them(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.user("alice").await;
    let long_input = "i".repeat(64 * 1024 + 1);
    let long_note = "n".repeat(4 * 1024 + 1);
    let cases = [
        (json!({ "input": "x" }), "type: required"),
        (json!({ "type": "", "input": "x" }), "type: required"),
        (json!({ "type": "audio", "input": "x" }), "type \"audio\": expected one of image, video"),
        (json!({ "type": "image" }), "input: must not be empty"),
        (json!({ "type": "image", "input": "" }), "input: must not be empty"),
        (json!({ "type": "image", "input": long_input }), "input: 65537 bytes, at most 65536 (64 KiB)"),
        (json!({ "type": "image", "input": "x", "note": long_note }), "note: 4097 bytes, at most 4096 (4 KiB)"),
        (json!({ "type": "image", "input": "a\u{0}b" }), "input: must not contain NUL"),
        (
            json!({ "type": "image", "input": "x", "priority": 128 }),
            "priority: invalid value: integer `128`, expected i8",
        ),
        (
            json!({ "type": "image", "input": "x", "priority": -129 }),
            "priority: invalid value: integer `-129`, expected i8",
        ),
        (json!({ "type": "image", "input": "x", "priority": "high" }), "priority: invalid type"),
        (json!({ "type": 1, "input": "x" }), "type: invalid type"),
    ];
    for (body, expected) in cases {
        let answer = expect_error(s.send(&alice, Method::POST, "task", body.clone()).await, 400, 10102).await;
        assert!(msg(&answer).contains(expected), "{body}: {answer}");
    }
    // Input at its cap is fine.
    let body = json!({ "type": "image", "input": "i".repeat(64 * 1024) });
    expect_ok(s.send(&alice, Method::POST, "task", body).await).await;
    assert_eq!(s.list(&alice, "").await["total"], 1);
}

async fn update_leaves_zero_values_as_they_are(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.user("alice").await;
    let id = s.create_task(&alice, "x").await;
    let put = |body: Value| s.send(&alice, Method::PUT, "task", body);

    expect_ok(put(json!({ "id": id, "note": "first" })).await).await;
    let t = s.task(&alice, id).await;
    assert_eq!((&t["note"], &t["priority"]), (&json!("first"), &json!(1)));

    expect_ok(put(json!({ "id": id, "priority": -7 })).await).await;
    let t = s.task(&alice, id).await;
    assert_eq!((&t["note"], &t["priority"]), (&json!("first"), &json!(-7)));

    expect_ok(put(json!({ "id": id, "note": "", "priority": 0 })).await).await;
    expect_ok(put(json!({ "id": id })).await).await;
    expect_ok(put(json!({ "id": id, "note": "first", "priority": -7 })).await).await;
    let t = s.task(&alice, id).await;
    assert_eq!((&t["note"], &t["priority"]), (&json!("first"), &json!(-7)));

    expect_ok(put(json!({ "id": id, "note": "second", "priority": 100 })).await).await;
    let t = s.task(&alice, id).await;
    assert_eq!(
        (&t["note"], &t["priority"], &t["status"], &t["input"]),
        (&json!("second"), &json!(100), &json!(0), &json!("x"))
    );

    let body = expect_error(put(json!({ "id": id, "note": "n".repeat(4097) })).await, 400, 10102).await;
    assert!(msg(&body).starts_with("note: 4097 bytes"), "{body}");
    let body = expect_error(put(json!({ "id": id, "priority": 300 })).await, 400, 10102).await;
    assert!(msg(&body).contains("priority"), "{body}");
    expect_error(put(json!({ "note": "no id" })).await, 404, 10109).await;

    // Three changes, three rows; the no-ops (zero values, same values) wrote none.
    let updates: Vec<Value> = s.ops(&alice).await.into_iter().filter(|o| o.0 == "put_task").map(|o| o.2).collect();
    assert_eq!(
        updates,
        [
            json!({ "id": id, "note": "first", "priority": 0 }),
            json!({ "id": id, "note": "", "priority": -7 }),
            json!({ "id": id, "note": "second", "priority": 100 }),
        ]
    );
}

/// Brings a new task to `status` by an allowed path.
async fn task_with_status(s: &TestServer, user: &User, status: u8) -> i64 {
    let id = s.create_task(user, "x").await;
    match status {
        0 => {}
        _ => {
            expect_ok(s.set_status(user, id, status).await).await;
        }
    }
    assert_eq!(s.task(user, id).await["status"], status);
    id
}

async fn every_status_transition_allowed_and_refused(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.user("alice").await;
    let allowed = [(0, 2), (0, 1), (0, 3), (2, 1), (2, 3)];
    for from in [0u8, 2, 1, 3] {
        for to in [0u8, 2, 1, 3] {
            let id = task_with_status(&s, &alice, from).await;
            let ops_before = s.ops(&alice).await.len();
            let answer = s.set_status(&alice, id, to).await;
            let ops_after;
            if allowed.contains(&(from, to)) {
                expect_ok(answer).await;
                assert_eq!(s.task(&alice, id).await["status"], to, "{from}→{to}");
                ops_after = ops_before + 1;
            } else if from == to {
                expect_ok(answer).await;
                assert_eq!(s.task(&alice, id).await["status"], from, "{from}→{to}");
                ops_after = ops_before;
            } else {
                let body = expect_error(answer, 409, 10121).await;
                assert!(
                    msg(&body).contains(&format!("status {from} (")) && msg(&body).contains(&format!("to {to} (")),
                    "{from}→{to}: {body}"
                );
                assert_eq!(s.task(&alice, id).await["status"], from, "{from}→{to}");
                ops_after = ops_before;
            }
            assert_eq!(s.ops(&alice).await.len(), ops_after, "{from}→{to}");
        }
    }
    let last = s.ops(&alice).await.pop().unwrap();
    assert_eq!((last.0.as_str(), last.1.as_str()), ("put_task_status", "status"));
}

async fn status_outside_the_enum_is_refused(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.user("alice").await;
    let id = s.create_task(&alice, "x").await;
    for status in [json!(4), json!(255)] {
        let body = json!({ "id": id, "status": status });
        let answer = expect_error(s.send(&alice, Method::PUT, "task/status", body).await, 400, 10102).await;
        assert!(msg(&answer).starts_with(&format!("status {status}: expected one of 0")), "{answer}");
    }
    for status in [json!(256), json!(-1), json!("done")] {
        let body = json!({ "id": id, "status": status });
        let answer = expect_error(s.send(&alice, Method::PUT, "task/status", body).await, 400, 10102).await;
        assert!(msg(&answer).contains("status: invalid"), "{answer}");
    }
    // Shape before existence: a bad status for a missing task is a 400.
    let body = json!({ "id": id + 1, "status": 9 });
    expect_error(s.send(&alice, Method::PUT, "task/status", body).await, 400, 10102).await;
    assert_eq!(s.task(&alice, id).await["status"], 0);
}

async fn racing_status_changes_have_exactly_one_winner(db: DbKind) {
    let s = TestServer::start(db, |c| c.db_pool_size = 8).await;
    let alice = s.user("alice").await;
    for round in 0..3 {
        let id = s.create_task(&alice, &format!("race {round}")).await;
        let ops_before = s.ops(&alice).await.len();
        // 24 requests at once: 12 want done (1), 12 want cancelled (3).
        let requests = (0..24).map(|i| {
            let target = if i % 2 == 0 { 1u8 } else { 3 };
            let s = &s;
            let alice = &alice;
            async move { (target, s.set_status(alice, id, target).await.status().as_u16()) }
        });
        let answers = futures_util::future::join_all(requests).await;
        let fin = s.task(&alice, id).await["status"].as_u64().unwrap() as u8;
        assert!(fin == 1 || fin == 3, "final status {fin}");
        for (target, status) in &answers {
            let expected = if *target == fin { 200 } else { 409 };
            assert_eq!(*status, expected, "target {target}, final {fin}: {answers:?}");
        }
        let ops = s.ops(&alice).await;
        assert_eq!(ops.len(), ops_before + 1, "one status row: {ops:?}");
        assert_eq!(ops.last().unwrap().2, json!({ "id": id, "status": fin }));
    }
    // 0→2 racing 0→1: either 2 won (then 2→1 is allowed too) or 1 won (then 0→2 is refused).
    let id = s.create_task(&alice, "race 2").await;
    let (a, b) = tokio::join!(s.set_status(&alice, id, 2), s.set_status(&alice, id, 1));
    let (a, b) = (a.status().as_u16(), b.status().as_u16());
    assert_eq!(s.task(&alice, id).await["status"], 1);
    assert!((a, b) == (200, 200) || (a, b) == (409, 200), "{a} {b}");
}

/// Deleting the newest task must not free its id: a client (and the operation log) holding it
/// would then name another task. (SQLite reused max(id) + 1 before its tasks table had
/// AUTOINCREMENT; the crash test caught it as a log naming the wrong task.)
async fn a_deleted_tasks_id_is_never_given_again(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.user("alice").await;
    let mut seen = std::collections::BTreeSet::new();
    for round in 0..3 {
        let id = s.create_task(&alice, &format!("newest {round}")).await;
        assert!(seen.insert(id), "id {id} was given out again");
        expect_ok(s.send(&alice, Method::DELETE, "task", json!({ "ids": [id] })).await).await;
        expect_error(s.get(&alice, &format!("task?id={id}")).await, 404, 10109).await;
    }
}

async fn delete_takes_own_ids_and_ignores_the_rest(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let mine = [s.create_task(&alice, "a").await, s.create_task(&alice, "b").await, s.create_task(&alice, "c").await];
    let bobs = s.create_task(&bob, "bob's").await;

    for nothing in [json!({}), json!({ "ids": null }), json!({ "ids": [] })] {
        expect_ok(s.send(&alice, Method::DELETE, "task", nothing).await).await;
    }
    assert_eq!(s.list(&alice, "").await["total"], 3);
    assert!(s.ops(&alice).await.iter().all(|o| o.0 != "delete_task"));

    // No body at all is malformed.
    let no_body = s.client.delete(s.url("task")).header("x-auth-token", &alice.token).send().await.unwrap();
    expect_error(no_body, 400, 10102).await;
    let too_many: Vec<i64> = (1..=1001).collect();
    let body = expect_error(s.send(&alice, Method::DELETE, "task", json!({ "ids": too_many })).await, 400, 10102).await;
    assert_eq!(msg(&body), "ids: 1001 ids, at most 1000 per request");
    let at_cap: Vec<i64> = (1_000_000..1_001_000).collect();
    expect_ok(s.send(&alice, Method::DELETE, "task", json!({ "ids": at_cap })).await).await;

    let body = json!({ "ids": [mine[0], mine[2], bobs, 999_999, mine[0]] });
    expect_ok(s.send(&alice, Method::DELETE, "task", body).await).await;
    let list = s.list(&alice, "limit=10").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], mine[1]);
    expect_error(s.get(&alice, &format!("task?id={}", mine[0])).await, 404, 10109).await;
    assert_eq!(s.list(&bob, "limit=10").await["total"], 1);
    s.task(&bob, bobs).await;
    let deletes: Vec<_> = s.ops(&alice).await.into_iter().filter(|o| o.0 == "delete_task").collect();
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(deletes[0].2, json!({ "ids": [mine[0], mine[2], bobs, 999_999, mine[0]] }));
}

async fn list_pages_newest_first_with_exact_edges(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.user("alice").await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(s.create_task(&alice, &format!("t{i}")).await);
    }
    ids.reverse(); // newest first
    let page = |list: &Value| -> Vec<i64> {
        list["items"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect()
    };
    for query in ["", "limit=0", "offset=3&limit=0", "offset=100"] {
        let list = s.list(&alice, query).await;
        assert_eq!((&list["total"], &list["items"]), (&json!(7), &json!([])), "{query}");
    }
    assert_eq!(page(&s.list(&alice, "limit=3").await), ids[..3]);
    assert_eq!(page(&s.list(&alice, "offset=3&limit=3").await), ids[3..6]);
    assert_eq!(page(&s.list(&alice, "offset=6&limit=3").await), ids[6..]);
    assert_eq!(page(&s.list(&alice, "offset=7&limit=3").await), Vec::<i64>::new());
    assert_eq!(page(&s.list(&alice, "offset=1000000&limit=100").await), Vec::<i64>::new());
    assert_eq!(page(&s.list(&alice, "limit=100").await), ids);
    assert_eq!(s.list(&alice, "offset=6&limit=100").await["total"], 7);

    let body = expect_error(s.get(&alice, "tasks?limit=101").await, 400, 10122).await;
    assert_eq!(msg(&body), "limit 101: at most 100");
    let body = expect_error(s.get(&alice, "tasks?limit=-1").await, 400, 10102).await;
    assert_eq!(msg(&body), "limit -1: must not be negative");
    let body = expect_error(s.get(&alice, "tasks?offset=-1&limit=5").await, 400, 10102).await;
    assert_eq!(msg(&body), "offset -1: must not be negative");
    let body = expect_error(s.get(&alice, "tasks?offset=x").await, 400, 10102).await;
    assert!(msg(&body).contains("offset"), "{body}");
    let body = expect_error(s.get(&alice, "tasks?limit=99999999999999999999").await, 400, 10102).await;
    assert!(msg(&body).contains("limit"), "{body}");
    let body = expect_error(s.get(&alice, "task?id=abc").await, 400, 10102).await;
    assert!(msg(&body).contains("id"), "{body}");
    expect_error(s.get(&alice, "task").await, 404, 10109).await;
}

async fn total_follows_creates_and_deletes(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let check = |expected: i64| {
        let s = &s;
        let alice = &alice;
        async move {
            assert_eq!(s.list(alice, "limit=0").await["total"], expected);
            let rows = s.stored().count(&format!("SELECT count(*) AS n FROM tasks WHERE user_id = {}", alice.id)).await;
            assert_eq!(rows, expected, "task_counts matches the rows");
        }
    };
    check(0).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(s.create_task(&alice, &format!("t{i}")).await);
        check(i + 1).await;
    }
    s.create_task(&bob, "bob's").await;
    check(5).await;
    expect_ok(s.send(&alice, Method::DELETE, "task", json!({ "ids": [ids[0], ids[1]] })).await).await;
    check(3).await;
    // Deleting again, and deleting ids that are not hers, changes nothing.
    expect_ok(s.send(&alice, Method::DELETE, "task", json!({ "ids": [ids[0], ids[1], ids[4] + 1] })).await).await;
    check(3).await;
    // Concurrent creates and deletes keep the count exact.
    let creates = (0..10).map(|i| {
        let s = &s;
        let alice = &alice;
        async move {
            let body = json!({ "type": "image", "input": format!("c{i}") });
            expect_ok(s.send(alice, Method::POST, "task", body).await).await;
        }
    });
    let deletes = ids[2..].iter().map(|&id| {
        let s = &s;
        let alice = &alice;
        async move {
            expect_ok(s.send(alice, Method::DELETE, "task", json!({ "ids": [id] })).await).await;
        }
    });
    tokio::join!(futures_util::future::join_all(creates), futures_util::future::join_all(deletes));
    check(10).await;
    assert_eq!(s.list(&bob, "").await["total"], 1);
}

async fn writes_are_logged_and_no_ops_are_not(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.user("alice").await;
    let create = json!({ "type": "image", "priority": 3, "input": "in", "note": "n" });
    expect_ok(s.send(&alice, Method::POST, "task", create.clone()).await).await;
    let id = s.list(&alice, "limit=1").await["items"][0]["id"].as_i64().unwrap();
    expect_ok(s.send(&alice, Method::PUT, "task", json!({ "id": id, "note": "m" })).await).await;
    expect_ok(s.set_status(&alice, id, 2).await).await;
    expect_ok(s.set_status(&alice, id, 2).await).await; // same status: no row
    expect_ok(s.send(&alice, Method::PUT, "task", json!({ "id": id })).await).await; // nothing to change
    expect_ok(s.send(&alice, Method::DELETE, "task", json!({ "ids": [id + 1] })).await).await; // nothing deleted
    expect_ok(s.send(&alice, Method::DELETE, "task", json!({ "ids": [id] })).await).await;
    // Refused and failed requests write nothing either.
    expect_error(s.set_status(&alice, id, 1).await, 404, 10109).await;
    expect_error(s.send(&alice, Method::POST, "task", json!({ "type": "x", "input": "y" })).await, 400, 10102).await;

    let ops = s.ops(&alice).await;
    let summary: Vec<(&str, &str)> = ops.iter().map(|o| (o.0.as_str(), o.1.as_str())).collect();
    assert_eq!(
        summary,
        [("post_task", "create"), ("put_task", "update"), ("put_task_status", "status"), ("delete_task", "delete"),]
    );
    assert_eq!(ops[0].2, create);
    assert_eq!(ops[1].2, json!({ "id": id, "note": "m", "priority": 0 }));
    assert_eq!(ops[2].2, json!({ "id": id, "status": 2 }));
    assert_eq!(ops[3].2, json!({ "ids": [id] }));
}

async fn checks_come_in_order(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.user("alice").await;
    // 401 before 400: no session and a malformed body / query.
    for (method, path) in
        [(Method::POST, "task"), (Method::PUT, "task"), (Method::PUT, "task/status"), (Method::DELETE, "task")]
    {
        let r = s
            .client
            .request(method, s.url(path))
            .header("content-type", "application/json")
            .body("{oops")
            .send()
            .await
            .unwrap();
        expect_error(r, 401, 10101).await;
    }
    expect_error(s.client.get(s.url("tasks?limit=-5")).send().await.unwrap(), 401, 10101).await;
    expect_error(
        s.client.get(s.url("task?id=x")).header("x-auth-token", "not-a-session").send().await.unwrap(),
        401,
        10103,
    )
    .await;
    // 400 before 404: a bad note for a missing task.
    let body = json!({ "id": 424242, "note": "n".repeat(5000) });
    expect_error(s.send(&alice, Method::PUT, "task", body).await, 400, 10102).await;
    // 404 before 409: a refused transition on a missing task.
    expect_error(s.set_status(&alice, 424242, 0).await, 404, 10109).await;
    let bad_json = s
        .client
        .post(s.url("task"))
        .header("x-auth-token", &alice.token)
        .header("content-type", "application/json")
        .body("{\"type\": \"image\",")
        .send()
        .await
        .unwrap();
    let body = expect_error(bad_json, 400, 10102).await;
    assert!(msg(&body).contains("JSON"), "{body}");
}

#[derive(diesel::QueryableByName)]
struct PgPlanLine {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

#[derive(diesel::QueryableByName)]
struct SqlitePlanLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

/// 100k tasks of one user and 100k of another after them (seeded in SQL, counted in `task_counts`
/// as the server would): the page is read through the index `tasks_user_id_id` (no sort, no
/// scan), pages are newest first and `total` is exact. How fast is the benchmark's to say.
async fn a_user_with_100k_tasks_lists_through_the_index(db: DbKind) {
    const SEEDED: i64 = 100_000;
    let s = TestServer::start(db, |_| {}).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    s.create_task(&bob, "bob's").await;
    let carol = s.user("carol").await.id;
    let uid = alice.id;
    let page_sql = format!(
        "SELECT id, type, status, priority, note FROM tasks WHERE user_id = {uid} \
         ORDER BY id DESC LIMIT 100 OFFSET 0"
    );
    let stored = s.stored();
    let plan: Vec<String> = if stored.is_postgres() {
        stored
            .execute(&format!(
                "INSERT INTO tasks (user_id, type, status, priority, input, result, note, created_at, updated_at) \
                 SELECT {uid}, 'image', 0, 0, 'seed ' || g, '', '', 0, 0 FROM generate_series(1, {SEEDED}) g; \
                 INSERT INTO tasks (user_id, type, status, priority, input, result, note, created_at, updated_at) \
                 SELECT {carol}, 'image', 0, 0, 'seed ' || g, '', '', 0, 0 FROM generate_series(1, {SEEDED}) g; \
                 INSERT INTO task_counts (user_id, shard, tasks) VALUES ({uid}, 0, {SEEDED}), ({carol}, 0, {SEEDED}) \
                 ON CONFLICT (user_id, shard) DO UPDATE SET tasks = task_counts.tasks + excluded.tasks; ANALYZE tasks;"
            ))
            .await;
        let lines: Vec<PgPlanLine> = stored.rows(&format!("EXPLAIN {page_sql}")).await;
        lines.into_iter().map(|l| l.line).collect()
    } else {
        stored
            .execute(&format!(
                "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {SEEDED}) \
                 INSERT INTO tasks (user_id, type, status, priority, input, result, note, created_at, updated_at) \
                 SELECT {uid}, 'image', 0, 0, 'seed ' || n, '', '', 0, 0 FROM g; \
                 WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {SEEDED}) \
                 INSERT INTO tasks (user_id, type, status, priority, input, result, note, created_at, updated_at) \
                 SELECT {carol}, 'image', 0, 0, 'seed ' || n, '', '', 0, 0 FROM g; \
                 INSERT INTO task_counts (user_id, shard, tasks) VALUES ({uid}, 0, {SEEDED}), ({carol}, 0, {SEEDED}) \
                 ON CONFLICT (user_id, shard) DO UPDATE SET tasks = task_counts.tasks + excluded.tasks; ANALYZE;"
            ))
            .await;
        let lines: Vec<SqlitePlanLine> = stored.rows(&format!("EXPLAIN QUERY PLAN {page_sql}")).await;
        lines.into_iter().map(|l| l.detail).collect()
    };
    let plan = plan.join("\n");
    assert!(plan.contains("tasks_user_id_id"), "the page uses the index: {plan}");
    assert!(!plan.contains("TEMP B-TREE") && !plan.contains("Sort"), "no sort: {plan}");

    let newest = s.create_task(&alice, "newest").await;
    for i in 0..20 {
        let list = s.list(&alice, &format!("offset={}&limit=100", i * 100)).await;
        assert_eq!(list["total"], SEEDED + 1);
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 100);
        if i == 0 {
            assert_eq!(items[0]["id"], newest);
        }
        let ids: Vec<i64> = items.iter().map(|t| t["id"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    }
    assert_eq!(s.list(&bob, "limit=100").await["total"], 1);
}
