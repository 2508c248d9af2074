//! Client mistakes get the `{code,msg,error}` envelope with a 4xx status, never a 500.

use crate::common::{expect_error, expect_ok, on_both_databases, DbKind, TestServer};

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
    let wrong_type =
        s.client.post(s.url("login")).header("content-type", "text/plain").body("name=alice").send().await.unwrap();
    let status = wrong_type.status().as_u16();
    assert!((400..500).contains(&status), "{status}");
}

async fn bodies_over_the_limit_are_413(db: DbKind) {
    let s = TestServer::start(db, |c| c.request_body_max_bytes = 1024).await;
    let big = format!(r#"{{"name": "{}", "password": "x"}}"#, "a".repeat(2000));
    let body = expect_error(post_login_raw(&s, &big).await, 413, 10110).await;
    assert!(body["msg"].as_str().unwrap().contains("1024"), "{body}");
}

/// Walks every operation of the API description: each one except `post_login` answers a request
/// without a session token with 401 / 10101 (authentication is checked first).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_but_login_needs_a_session() {
    let s = TestServer::start(DbKind::Sqlite, |_| {}).await;
    let spec = backend_api::openapi_json();
    let mut checked = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            // Stored uploads are served without a session (an extension outside the doc).
            let extension = op["tags"].as_array().is_some_and(|t| t.contains(&"extension".into()));
            if id == "post_login" || extension {
                continue;
            }
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut request = s.client.request(method, format!("{}{path}", s.base));
            if !op["requestBody"].is_null() {
                request = request.json(&serde_json::json!({}));
            }
            let body = expect_error(request.send().await.unwrap(), 401, 10101).await;
            assert!(body["msg"].as_str().unwrap().contains("x-auth-token"), "{id}: {body}");
            checked.push(id.to_owned());
        }
    }
    for id in [
        "get_hola",
        "post_logout",
        "post_task",
        "get_task",
        "put_task",
        "put_task_status",
        "delete_task",
        "get_tasks",
        "post_upload",
    ] {
        assert!(checked.contains(&id.to_owned()), "{id} not walked");
    }
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
    let big = format!(r#"{{"note": "{}"}}"#, "n".repeat(backend_api::TASK_BODY_MAX_BYTES + 1));
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
            let limit = if id == "post_task" { backend_api::TASK_BODY_MAX_BYTES.to_string() } else { "4096".into() };
            assert!(body["msg"].as_str().unwrap().contains(&limit), "{id}: {body}");
        }
    }
}
