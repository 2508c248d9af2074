//! Client mistakes get the `{code,msg,error}` envelope with a 4xx status, never a 500.

use crate::common::{expect_error, on_both_databases, DbKind, TestServer};

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
