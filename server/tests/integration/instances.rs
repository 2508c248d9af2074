//! Many instances: two `server` processes on one database and one upload folder behave as one
//! server — a session from one works on the other, logout on one is refused on the other, failed
//! logins count across both (even arriving at once), tasks and uploads are shared.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use server_harness::{expect_error, expect_ok, header, on_both_databases, DbKind};

use crate::TestServer;

on_both_databases!(two_processes_on_one_database_are_one_server);

async fn two_processes_on_one_database_are_one_server(db: DbKind) {
    let a = TestServer::start(db, |c| c.db_pool_size = 8).await;
    let b = a.another_instance().await;
    for name in ["alice", "bob"] {
        a.add_user(name, &format!("{name}-password")).await;
    }
    let client = reqwest::Client::new();
    let login = |s: &TestServer, name: &str, password: &str| {
        client.post(s.url("login")).json(&json!({"name": name, "password": password})).send()
    };

    // Log in on A, work on B and A in turn.
    let response = login(&a, "alice", "alice-password").await.unwrap();
    let token = header(&response, "x-auth-token");
    expect_ok(response).await;
    let call = |s: &TestServer, method: reqwest::Method, path: &str| {
        client.request(method, s.url(path)).header("x-auth-token", &token)
    };
    use reqwest::Method as M;
    expect_ok(call(&b, M::POST, "task").json(&json!({"type": "image", "input": "made on B"})).send().await.unwrap())
        .await;
    let list = expect_ok(call(&a, M::GET, "tasks").query(&[("limit", "10")]).send().await.unwrap()).await;
    assert_eq!(list["total"], 1, "{list}");
    let id = list["items"][0]["id"].as_i64().unwrap();
    expect_ok(call(&a, M::PUT, "task").json(&json!({"id": id, "note": "noted on A"})).send().await.unwrap()).await;
    expect_ok(call(&b, M::PUT, "task/status").json(&json!({"id": id, "status": 2})).send().await.unwrap()).await;
    let detail = expect_ok(call(&b, M::GET, "task").query(&[("id", id)]).send().await.unwrap()).await;
    assert_eq!(
        (&detail["data"]["input"], &detail["data"]["note"], &detail["data"]["status"]),
        (&Value::from("made on B"), &Value::from("noted on A"), &Value::from(2)),
        "{detail}"
    );
    // A transition refused on A after a change made on B: the state is shared, not cached.
    expect_error(
        call(&a, M::PUT, "task/status").json(&json!({"id": id, "status": 0})).send().await.unwrap(),
        409,
        10121,
    )
    .await;

    // Uploads: stored by A in the shared folder, served by B; the same bytes on B give the same name.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..4096u32).map(|i| (i * 7 % 251) as u8));
    let upload = |s: &TestServer| {
        let part = Part::bytes(png.clone()).file_name("x.png");
        call(s, M::POST, "upload").multipart(Form::new().part("file", part)).send()
    };
    let stored = expect_ok(upload(&a).await.unwrap()).await;
    let uri = stored["uri"].as_str().unwrap().to_owned();
    let served = client.get(format!("{}{uri}", b.base)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(header_of(&served, "content-type"), "image/png");
    assert_eq!(served.bytes().await.unwrap().as_ref(), png.as_slice());
    assert_eq!(expect_ok(upload(&b).await.unwrap()).await["uri"], uri.as_str());

    // Log out on B: refused on A and on B.
    expect_ok(call(&b, M::POST, "logout").send().await.unwrap()).await;
    expect_error(call(&a, M::GET, "hola").send().await.unwrap(), 401, 10103).await;
    expect_error(
        call(&a, M::POST, "task").json(&json!({"type": "image", "input": "x"})).send().await.unwrap(),
        401,
        10103,
    )
    .await;
    expect_error(call(&b, M::GET, "hola").send().await.unwrap(), 401, 10103).await;

    // Failed logins of bob arriving at once on both: exactly five are counted as 401, the rest
    // are refused, and then the right password is refused on either.
    let attempts = (0..12).map(|i| login(if i % 2 == 0 { &a } else { &b }, "bob", "wrong-password"));
    let statuses: Vec<u16> =
        futures_util::future::join_all(attempts).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    let count = |s: u16| statuses.iter().filter(|&&x| x == s).count();
    assert_eq!((count(401), count(429)), (5, 7), "{statuses:?}");
    for s in [&a, &b] {
        expect_error(login(s, "bob", "bob-password").await.unwrap(), 429, 10200).await;
    }
    // Alice is not affected by bob's lockout.
    expect_ok(login(&b, "alice", "alice-password").await.unwrap()).await;
}

fn header_of(response: &reqwest::Response, name: &str) -> String {
    response.headers()[name].to_str().unwrap().to_owned()
}
