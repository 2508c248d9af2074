//! Contract tests: the client generated from the doc (`generated/`) drives the live server on
//! SQLite and on PostgreSQL through every operation, happy paths and error paths, and every raw
//! response body is validated against the doc's JSON schema for that operation and status.
//! (The structural comparison of the two specs is `cargo xtask contract`.)

#[path = "../integration/common/mod.rs"]
#[allow(dead_code)]
mod common;
mod recorder;
mod schema;

use std::collections::BTreeSet;

use common::{on_both_databases, DbKind, TestServer};
use generated::{types, Client, Error};
use recorder::Recorder;

on_both_databases!(the_user_operations_answer_what_the_doc_says);

/// The generated client, through a recording proxy in front of `s`, keeping its session cookie.
async fn client_for(s: &TestServer) -> (Client, Recorder) {
    let proxy = Recorder::start(s.base.clone()).await;
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    (Client::new_with_client(&proxy.base, http), proxy)
}

/// The status and code of an error answer; panics on success or a transport failure.
fn refused<T: std::fmt::Debug>(result: Result<T, Error<types::Error>>) -> (u16, i64) {
    match result {
        Err(Error::ErrorResponse(e)) => (e.status().as_u16(), e.code),
        other => panic!("expected an error envelope, got {other:?}"),
    }
}

fn login_body(name: &str, password: &str) -> types::builder::PostLoginBody {
    types::PostLoginBody::builder().name(name.to_string()).password(password.to_string())
}

async fn the_user_operations_answer_what_the_doc_says(db: DbKind) {
    let s = TestServer::start(db, |c| c.login_max_failures = 2).await;
    s.add_user("alice", "alice-password").await;
    let (client, proxy) = client_for(&s).await;

    assert_eq!(refused(client.get_hola().send().await), (401, 10101));
    assert_eq!(refused(client.post_login().body(login_body("alice", "wrong")).send().await), (401, 10106));
    let login = client.post_login().body(login_body("alice", "alice-password")).send().await.unwrap();
    assert_eq!((login.code, login.data.name.as_str()), (0, "alice"));
    assert!(login.data.uid > 0);
    let hola = client.get_hola().send().await.unwrap();
    assert_eq!(hola.code, 0);
    assert_eq!(client.post_logout().send().await.unwrap().code, 0);
    assert_eq!(refused(client.get_hola().send().await).0, 401);

    // A body the client would never send, through the same proxy: 400 with the envelope.
    let raw = reqwest::Client::new()
        .post(format!("{}/backend/api/v1/login", proxy.base))
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

    let exchanges = proxy.exchanges();
    let spec = schema::doc_spec();
    let violations = schema::violations(&spec, &exchanges);
    assert!(violations.is_empty(), "responses that contradict the doc:\n{}", violations.join("\n"));
    let answered: BTreeSet<(String, u16)> =
        exchanges.iter().filter_map(|x| Some((schema::operation(&spec, &x.method, &x.path)?.1, x.status))).collect();
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
