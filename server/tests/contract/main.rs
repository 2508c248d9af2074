//! Contract tests: the client generated from the doc (`generated/`) drives the live server on
//! SQLite and on PostgreSQL through every operation, happy paths and error paths, and every raw
//! response body is validated against the doc's JSON schema for that operation and status.
//! (The structural comparison of the two specs is `cargo xtask contract`.)

mod deploy;
mod recorder;
mod schema;

use std::collections::BTreeSet;

use backend_client::{types, Client, Error};
use server_harness::{on_both_databases, DbKind};

use recorder::Recorder;

/// The server these tests run: this package's `server` binary, configured through its `Config`
/// (the test context, `TestServer` and the rest, is the harness's, shared with the integration
/// tests).
pub struct Backend;

impl server_harness::ServerUnderTest for Backend {
    type Config = server::config::Config;
    const BINARY: &'static str = env!("CARGO_BIN_EXE_server");
}

pub type TestServer = server_harness::TestServer<Backend>;

on_both_databases!(the_user_operations_answer_what_the_doc_says, every_operation_answers_what_the_doc_says);

/// Where the generated clients connect: a recording proxy in front of the server, whose every
/// body is then checked against the doc, or a TLS front (nginx, `deploy.rs`), trusting its CA.
pub struct Front {
    pub base: String,
    pub recorder: Option<Recorder>,
    pub ca: Option<reqwest::Certificate>,
}

impl Front {
    async fn recording(s: &TestServer) -> Front {
        let recorder = Recorder::start(s.base.clone()).await;
        Front { base: recorder.base.clone(), recorder: Some(recorder), ca: None }
    }

    /// An HTTP client for this front, with a cookie store (the session) or without one.
    pub fn http(&self, cookies: bool) -> reqwest::Client {
        let mut builder = reqwest::Client::builder().cookie_store(cookies);
        if let Some(ca) = &self.ca {
            builder = builder.add_root_certificate(ca.clone());
        }
        builder.build().unwrap()
    }

    /// The generated client, keeping its session cookie.
    fn client(&self) -> Client {
        Client::new_with_client(&self.base, self.http(true))
    }

    /// The (operationId, status) pairs answered, every body checked against the doc; `None`
    /// through a front that records nothing.
    fn check_bodies(&self) -> Option<BTreeSet<(String, u16)>> {
        self.recorder.as_ref().map(check_bodies)
    }
}

/// The status and code of an error answer; panics on success or a transport failure.
fn refused<T: std::fmt::Debug>(result: Result<T, Error<types::Error>>) -> (u16, i64) {
    match result {
        Err(Error::ErrorResponse(e)) => (e.status().as_u16(), e.code),
        other => panic!("expected an error envelope, got {other:?}"),
    }
}

/// Validates every recorded body against the doc; returns the (operationId, status) pairs seen.
fn check_bodies(proxy: &Recorder) -> BTreeSet<(String, u16)> {
    let exchanges = proxy.exchanges();
    let spec = schema::doc_spec();
    let violations = schema::violations(&spec, &exchanges);
    assert!(violations.is_empty(), "responses that contradict the doc:\n{}", violations.join("\n"));
    exchanges.iter().filter_map(|x| Some((schema::operation(&spec, &x.method, &x.path)?.1, x.status))).collect()
}

fn login_body(name: &str, password: &str) -> types::builder::PostLoginBody {
    types::PostLoginBody::builder().name(name.to_string()).password(password.to_string())
}

async fn the_user_operations_answer_what_the_doc_says(db: DbKind) {
    let s = TestServer::start(db, |c| c.login_max_failures = 2).await;
    user_operations(&s, &Front::recording(&s).await).await;
}

async fn every_operation_answers_what_the_doc_says(db: DbKind) {
    let s = TestServer::start(db, |c| c.upload_max_bytes = 64 * 1024).await;
    every_operation(&s, &Front::recording(&s).await, 64 * 1024).await;
}

/// hola, login, logout and their refusals, on a server with `login_max_failures` 2.
pub async fn user_operations(s: &TestServer, front: &Front) {
    s.add_user("alice", "alice-password").await;
    let client = front.client();

    assert_eq!(refused(client.get_hola().send().await), (401, 10101));
    assert_eq!(refused(client.post_login().body(login_body("alice", "wrong")).send().await), (401, 10106));
    let login = client.post_login().body(login_body("alice", "alice-password")).send().await.unwrap();
    assert_eq!((login.code, login.data.name.as_str()), (0, "alice"));
    assert!(login.data.uid > 0);
    let hola = client.get_hola().send().await.unwrap();
    assert_eq!(hola.code, 0);
    assert_eq!(client.post_logout().send().await.unwrap().code, 0);
    assert_eq!(refused(client.get_hola().send().await).0, 401);

    // A body the client would never send, through the same front: 400 with the envelope.
    let raw = front
        .http(false)
        .post(format!("{}/backend/api/v1/login", front.base))
        .header("content-type", "application/json")
        .body("{\"name\": 1")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    // Too many failures for one name: 429, even with the right password.
    for _ in 0..2 {
        refused(client.post_login().body(login_body("bob", "nope")).send().await);
    }
    s.add_user("bob", "bob-password").await;
    assert_eq!(refused(client.post_login().body(login_body("bob", "bob-password")).send().await), (429, 10200));

    let Some(answered) = front.check_bodies() else { return };
    for (id, status) in [
        ("get_hola", 200),
        ("get_hola", 401),
        ("post_login", 200),
        ("post_login", 400),
        ("post_login", 401),
        ("post_login", 429),
        ("post_logout", 200),
    ] {
        assert!(answered.contains(&(id.to_string(), status)), "{id} never answered {status}: {answered:?}");
    }
}

/// A PNG as far as sniffing goes: the signature and an IHDR chunk header, then `n` bytes.
pub fn png(n: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend((0..n).map(|i| (i % 251) as u8));
    bytes
}

/// Every operation, happy and error paths, on a server whose uploads take at most
/// `upload_limit` bytes.
pub async fn every_operation(s: &TestServer, front: &Front, upload_limit: usize) {
    s.add_user("alice", "alice-password").await;
    s.add_user("bob", "bob-password").await;
    let alice = front.client();
    let bob = front.client();
    let anonymous = Client::new_with_client(&front.base, front.http(false));

    // Without a session, every operation but login is refused first.
    assert_eq!(refused(anonymous.get_tasks().send().await), (401, 10101));
    assert_eq!(refused(anonymous.post_upload("a.png", png(10)).await), (401, 10101));
    alice.post_login().body(login_body("alice", "alice-password")).send().await.unwrap();
    bob.post_login().body(login_body("bob", "bob-password")).send().await.unwrap();
    assert_eq!(alice.get_hola().send().await.unwrap().code, 0);

    // Create, then find it in the list (the doc's create answers no id).
    let task = || {
        types::PostTaskBody::builder()
            .type_(Some(types::PostTaskBodyType::Image))
            .input("render this".to_string())
            .note("first".to_string())
            .priority(3)
    };
    assert_eq!(alice.post_task().body(task()).send().await.unwrap().code, 0);
    assert_eq!(alice.post_task().body(task().note("second".to_string())).send().await.unwrap().code, 0);
    assert_eq!(refused(alice.post_task().body(task().input(String::new())).send().await), (400, 10102));
    let page = alice.get_tasks().limit(10).send().await.unwrap();
    assert_eq!(page.total, 2);
    let items = page.into_inner().items.unwrap();
    assert_eq!(items[0].note, "second", "newest first");
    let id = items[1].id;
    assert_eq!(alice.get_tasks().limit(0).send().await.unwrap().into_inner().items.unwrap_or_default().len(), 0);
    assert_eq!(refused(alice.get_tasks().limit(101).send().await), (400, 10122));

    let detail = alice.get_task().id(id).send().await.unwrap().into_inner().data;
    assert_eq!(
        (detail.input.as_str(), detail.note.as_str(), detail.priority, *detail.status),
        ("render this", "first", 3, 0)
    );
    assert_eq!(refused(bob.get_task().id(id).send().await), (404, 10109), "someone else's task is missing");

    // Update: a zero value leaves the field as it is.
    let update = types::PutTaskBody::builder().id(id).note("changed".to_string());
    assert_eq!(alice.put_task().body(update).send().await.unwrap().code, 0);
    let detail = alice.get_task().id(id).send().await.unwrap().into_inner().data;
    assert_eq!((detail.note.as_str(), detail.priority), ("changed", 3));
    assert_eq!(
        refused(bob.put_task().body(types::PutTaskBody::builder().id(id).note("x".to_string())).send().await),
        (404, 10109)
    );

    // Status: 0 → 2 is allowed, 2 → 0 is not.
    let status = |to: u8| {
        types::PutTaskStatusBody::builder().id(id).status(types::PutTaskStatusBodyStatus::try_from(to).unwrap())
    };
    assert_eq!(alice.put_task_status().body(status(2)).send().await.unwrap().code, 0);
    assert_eq!(refused(alice.put_task_status().body(status(0)).send().await), (409, 10121));
    let detail = alice.get_task().id(id).send().await.unwrap().into_inner().data;
    assert_eq!(*detail.status, 2);

    // Delete: bob's attempt is ignored, alice's removes it.
    let delete = || types::DeleteTaskBody::builder().ids(Some(vec![id]));
    assert_eq!(bob.delete_task().body(delete()).send().await.unwrap().code, 0);
    assert_eq!(alice.get_tasks().send().await.unwrap().total, 2);
    assert_eq!(alice.delete_task().body(delete()).send().await.unwrap().code, 0);
    assert_eq!(refused(alice.get_task().id(id).send().await), (404, 10109));
    assert_eq!(alice.get_tasks().send().await.unwrap().total, 1);

    // Upload: stored, served back byte for byte; not an image → 415; too large → 413.
    let bytes = png(1000);
    let uploaded = alice.post_upload("picture.png", bytes.clone()).await.unwrap().into_inner();
    assert!(uploaded.uri.starts_with("/uploads/") && uploaded.uri.ends_with(".png"), "{}", uploaded.uri);
    assert!(uploaded.full_uri.ends_with(&uploaded.uri));
    let served = front.http(false).get(format!("{}{}", front.base, uploaded.uri)).send().await.unwrap();
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().as_ref(), bytes.as_slice());
    assert_eq!(refused(alice.post_upload("picture.png", b"just text".to_vec()).await), (415, 10111));
    assert_eq!(refused(alice.post_upload("big.png", png(upload_limit + 1)).await), (413, 10110));

    assert_eq!(alice.post_logout().send().await.unwrap().code, 0);
    // Logout cleared the cookie: the client no longer sends a token at all.
    assert_eq!(refused(alice.get_tasks().send().await), (401, 10101));

    let Some(answered) = front.check_bodies() else { return };
    let spec = schema::doc_spec();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            let id = op["operationId"].as_str().unwrap();
            assert!(answered.contains(&(id.to_string(), 200)), "{id} ({path}) was never answered 200: {answered:?}");
        }
    }
    let statuses: BTreeSet<u16> = answered.iter().map(|(_, s)| *s).collect();
    for status in [400, 401, 404, 409, 413, 415] {
        assert!(statuses.contains(&status), "no operation answered {status}: {answered:?}");
    }
}

/// Every operation the doc's spec says needs a session (its own `security`, else the spec's)
/// answers a request without one with 401 / 10101, whatever else is wrong with it; the ones it
/// says need none (`security: []`) do not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_that_need_a_session_refuse_requests_without_one() {
    let s = TestServer::start(DbKind::Sqlite, |_| {}).await;
    let spec = schema::doc_spec();
    let default = spec["security"].as_array().expect("the doc says who needs a session (## 认证方式)");
    assert!(!default.is_empty());
    let (mut refused, mut public) = (Vec::new(), Vec::new());
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap().to_owned();
            let needs_session = op.get("security").and_then(|s| s.as_array()).unwrap_or(default);
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut request = s.client.request(method, format!("{}{path}", s.base));
            if op["requestBody"]["content"]["application/json"].is_object() {
                request = request.json(&serde_json::json!({}));
            }
            let response = request.send().await.unwrap();
            if needs_session.is_empty() {
                // It may refuse the request for what it is (a login without a password), but
                // not for the missing session.
                let body: serde_json::Value = response.json().await.unwrap();
                assert_ne!(body["code"], 10101, "{id} needs no session, says the doc: {body}");
                public.push(id);
            } else {
                let body = server_harness::expect_error(response, 401, 10101).await;
                assert!(body["msg"].as_str().unwrap().contains("x-auth-token"), "{id}: {body}");
                refused.push(id);
            }
        }
    }
    assert_eq!(public, ["post_login"]);
    assert_eq!(refused.len(), 9, "{refused:?}");
}

/// The body check must be able to fail: extra, missing, mistyped and `null` fields are caught.
#[test]
fn bodies_that_contradict_the_doc_are_caught() {
    let spec = schema::doc_spec();
    let exchange = |status: u16, body: &str| recorder::Exchange {
        method: "POST".into(),
        path: "/backend/api/v1/login".into(),
        status,
        content_type: "application/json".into(),
        body: body.to_string().into(),
    };
    let good = r#"{"code":0,"msg":"ok","error":"","data":{"uid":1,"name":"a","role":0,"perm":0}}"#;
    assert_eq!(schema::violations(&spec, &[exchange(200, good)]), Vec::<String>::new());
    for bad in [
        r#"{"code":0,"msg":"ok","error":"","data":{"uid":1,"name":"a","role":0,"perm":0},"extra":1}"#,
        r#"{"code":0,"msg":"ok","error":"","data":{"uid":1,"name":"a","role":0}}"#,
        r#"{"code":0,"msg":"ok","error":"","data":{"uid":"1","name":"a","role":0,"perm":0}}"#,
        r#"{"code":0,"msg":"ok","error":"","data":null}"#,
        r#"{"code":0,"msg":"ok","error":"","data":{"uid":1,"name":"a","role":-1,"perm":0}}"#,
    ] {
        assert_eq!(schema::violations(&spec, &[exchange(200, bad)]).len(), 1, "{bad}");
    }
    assert_eq!(schema::violations(&spec, &[exchange(401, r#"{"code":10106,"msg":"no","error":"x"}"#)]).len(), 0);
    assert_eq!(schema::violations(&spec, &[exchange(401, r#"{"code":10106,"msg":"no"}"#)]).len(), 1);
}
