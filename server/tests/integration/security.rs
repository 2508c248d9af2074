//! Security: what the server writes to its log, at every level it can be asked for, never holds a
//! password or a session token (nor the token's stored hash).

use serde_json::json;
use sha2::Digest as _;

use crate::common::process::ServerProcess;
use crate::common::{new_database, on_both_databases, DbKind};

on_both_databases!(passwords_and_tokens_never_reach_the_log);

async fn passwords_and_tokens_never_reach_the_log(db: DbKind) {
    let database = new_database(db).await;
    let uploads = tempfile::tempdir().unwrap();
    // Debug level: the most the server can be asked to say short of trace.
    let server = ServerProcess::start(&database.url, uploads.path(), &[("BACKEND_LOG_LEVEL", "debug")]);
    let admin_password = server.admin_password().expect("first start prints the admin password");
    let client = reqwest::Client::new();
    let wrong_password = "Wr0ng-But-Distinctive-Passw0rd";

    let login =
        |password: &str| client.post(server.url("login")).json(&json!({"name": "admin", "password": password})).send();
    assert_eq!(login(wrong_password).await.unwrap().status(), 401);
    let response = login(&admin_password).await.unwrap();
    assert_eq!(response.status(), 200);
    let token = crate::common::header(&response, "x-auth-token");

    // The token used every way a client can send it, valid and not.
    let hola = |h: (&str, String)| client.get(server.url("hola")).header(h.0, h.1).send();
    assert_eq!(hola(("x-auth-token", token.clone())).await.unwrap().status(), 200);
    assert_eq!(hola(("cookie", format!("backend_session={token}"))).await.unwrap().status(), 200);
    let forged = format!("{token}x");
    assert_eq!(hola(("x-auth-token", forged.clone())).await.unwrap().status(), 401);
    let created = client
        .post(server.url("task"))
        .header("x-auth-token", &token)
        .json(&json!({"type": "image", "input": "i", "note": "n"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    // A malformed login body that carries the password.
    let malformed = client
        .post(server.url("login"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"name": "admin", "password": "{admin_password}", "#))
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let logout = client.post(server.url("logout")).header("x-auth-token", &token).send().await.unwrap();
    assert_eq!(logout.status(), 200);

    let token_hash: String = sha2::Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    // Give the asynchronous log drain a moment, then read everything it wrote.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let log = server.log();
    assert!(log.iter().filter(|l| l.contains("request completed")).count() >= 8, "the log has the requests: {log:#?}");
    for secret in [admin_password.as_str(), wrong_password, &token, &forged[..20], &token_hash] {
        let leaks: Vec<_> = log.iter().filter(|l| l.contains(secret)).collect();
        assert!(leaks.is_empty(), "{secret:?} is in the log: {leaks:#?}");
    }
}
