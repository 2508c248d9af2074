//! Client mistakes get the `{code,msg,error}` envelope with a 4xx status, never a 500.

use server_harness::{expect_error, expect_ok, on_both_databases, DbKind};

use crate::TestServer;

on_both_databases!(unparseable_json_is_a_400_envelope_naming_the_problem, bodies_over_the_limit_are_413,);

async fn post_login_raw(s: &TestServer, body: &str) -> reqwest::Response {
    s.client.post(s.url("login")).header("content-type", "application/json").body(body.to_owned()).send().await.unwrap()
}

async fn unparseable_json_is_a_400_envelope_naming_the_problem(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    let body = expect_error(post_login_raw(&s, r#"{"name": "alice", "pass"#).await, 400, 10102).await;
    assert!(body["msg"].as_str().unwrap().contains("JSON"), "{body}");
    let body = expect_error(post_login_raw(&s, r#"{"name": 42}"#).await, 400, 10102).await;
    let msg = body["msg"].as_str().unwrap();
    assert!(msg.contains("name") && msg.contains("expected a string"), "{body}");
    expect_error(post_login_raw(&s, "").await, 400, 10102).await;
    expect_error(post_login_raw(&s, "null").await, 400, 10102).await;
}

async fn bodies_over_the_limit_are_413(db: DbKind) {
    let s = TestServer::start(db, |c| c.request_body_max_bytes = 1024).await;
    let big = format!(r#"{{"name": "{}", "password": "x"}}"#, "a".repeat(2000));
    let body = expect_error(post_login_raw(&s, &big).await, 413, 10110).await;
    assert!(body["msg"].as_str().unwrap().contains("1024"), "{body}");
}

/// No route for the request — an unknown path, or a known path with another method — answers
/// the envelope (dropshot's router refuses such requests before any handler; see
/// `server/vendor/dropshot/PATCH.md`), with `Allow` on a 405.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_and_wrong_methods_answer_the_envelope() {
    let s = TestServer::start(DbKind::Sqlite, |_| {}).await;
    for path in ["/nothing/here", "/backend/api/v1/no-such-operation", "/backend/api/v2/hola", "/"] {
        let response = s.client.get(format!("{}{path}", s.base)).send().await.unwrap();
        let body = expect_error(response, 404, 10109).await;
        assert!(body["msg"].as_str().unwrap().contains(path), "{path}: {body}");
    }
    let response = s.client.delete(s.url("hola")).send().await.unwrap();
    let allow: Vec<String> =
        response.headers().get_all("allow").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    assert_eq!(allow, ["GET"]);
    let body = expect_error(response, 405, 10112).await;
    assert!(body["msg"].as_str().unwrap().contains("DELETE /backend/api/v1/hola"), "{body}");
    // A path with several methods lists them all.
    let response = s.client.patch(s.url("task")).send().await.unwrap();
    let mut allow: Vec<String> =
        response.headers().get_all("allow").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    allow.sort();
    assert_eq!(allow, ["DELETE", "GET", "POST", "PUT"]);
    expect_error(response, 405, 10112).await;
}

/// A body of another content type than the operation takes is 415 / 10111, once the session
/// has been checked (401 first).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_of_another_content_type_is_415() {
    let s = TestServer::start(DbKind::Sqlite, |_| {}).await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "application/xml"] {
        let login = s.client.post(s.url("login")).header("content-type", content_type).body("name=alice");
        let body = expect_error(login.send().await.unwrap(), 415, 10111).await;
        assert!(body["msg"].as_str().unwrap().contains("application/json"), "{content_type}: {body}");
        let create = s.client.post(s.url("task")).header("content-type", content_type).body("x");
        expect_error(create.try_clone().unwrap().send().await.unwrap(), 401, 10101).await;
        expect_error(create.header("x-auth-token", &token).send().await.unwrap(), 415, 10111).await;
    }
    let upload = s.client.post(s.url("upload")).header("x-auth-token", &token).header("content-type", "image/png");
    let body = expect_error(upload.body(b"\x89PNG".to_vec()).send().await.unwrap(), 415, 10111).await;
    assert!(body["msg"].as_str().unwrap().contains("multipart/form-data"), "{body}");
}

/// The operations of the API description with a JSON request body: (operationId, method, URL path).
fn json_body_operations() -> Vec<(String, reqwest::Method, String)> {
    let spec = backend_api::openapi_json();
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["requestBody"]["content"]["application/json"].is_null() {
                continue;
            }
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            found.push((op["operationId"].as_str().unwrap().to_owned(), method, path.clone()));
        }
    }
    let ids: Vec<&str> = found.iter().map(|(id, ..)| id.as_str()).collect();
    for id in ["post_login", "post_task", "put_task", "put_task_status", "delete_task"] {
        assert!(ids.contains(&id), "{id} has no JSON body in the spec: {ids:?}");
    }
    found
}

/// Regression (found by schemathesis): serde's derived `Deserialize` takes a struct from an
/// array of its fields, so `DELETE /task` with the body `[]` answered 200. Every JSON body must be
/// an object: anything else is 400 / 10102, on every operation, with a valid session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_body_must_be_an_object() {
    let s = TestServer::start(DbKind::Sqlite, |_| {}).await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    for (id, method, path) in json_body_operations() {
        for body in ["[]", "[1]", r#"["alice", "alice-password"]"#, "[[1, 2]]", "null", "1", "true", r#""x""#] {
            let response = s
                .client
                .request(method.clone(), format!("{}{path}", s.base))
                .header("x-auth-token", &token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let got = expect_error(response, 400, 10102).await;
            assert!(got["msg"].as_str().unwrap().contains("invalid type"), "{id} {body}: {got}");
        }
    }
    // Nothing of it was applied: no task, and the session still works (no logout happened).
    expect_ok(s.hola(&token).await).await;
}

/// Every JSON endpoint answers a body over its limit (`request_body_max_bytes`, or its own, e.g.
/// `post_task`'s 512 KiB) with the 413 envelope, with and without a session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_body_over_the_limit_is_413() {
    let s = TestServer::start(DbKind::Sqlite, |c| c.request_body_max_bytes = 4096).await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    let big = format!(r#"{{"note": "{}"}}"#, "n".repeat(backend_api::POST_TASK_BODY_MAX_BYTES + 1));
    for (id, method, path) in json_body_operations() {
        for token in [Some(&token), None] {
            let mut request = s
                .client
                .request(method.clone(), format!("{}{path}", s.base))
                .header("content-type", "application/json")
                .body(big.clone());
            if let Some(t) = token {
                request = request.header("x-auth-token", t);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            // Without a session the 401 may come first (authentication is checked before the body).
            if token.is_none() && status == 401 {
                continue;
            }
            let body = expect_error(response, 413, 10110).await;
            let limit =
                if id == "post_task" { backend_api::POST_TASK_BODY_MAX_BYTES.to_string() } else { "4096".into() };
            assert!(body["msg"].as_str().unwrap().contains(&limit), "{id}: {body}");
        }
    }
}
