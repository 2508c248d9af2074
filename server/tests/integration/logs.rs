//! The JSON log as an operator's tools read it: every line one JSON object with no key twice, no
//! line per connection at info, and each request named by the proxy's `x-request-id` when it
//! sends a usable one.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use server_harness::{expect_ok, DbKind};

use crate::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_line_is_json_with_no_key_twice_and_no_line_per_connection() {
    let mut s = TestServer::start(DbKind::Sqlite, |c| {
        c.log_format = server::config::LogFormat::Json;
        c.log_level = "info".parse().unwrap();
    })
    .await;
    s.add_user("alice", "alice-password").await;
    let token = s.token("alice", "alice-password").await;
    for _ in 0..3 {
        // A new connection each time.
        let client = reqwest::Client::new();
        expect_ok(client.get(s.url("hola")).header("x-auth-token", &token).send().await.unwrap()).await;
    }
    s.stop().await;
    let log = s.process().log();
    assert!(log.len() >= 5, "{log:#?}");
    for line in &log {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        serde_json::from_str::<NoKeyTwice>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_ne!(value["msg"], "accepted connection", "a line per connection at info: {line}");
    }
    assert!(log.iter().any(|l| l.contains("\"request completed\"")), "{log:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_id_from_the_client_is_kept_or_replaced() {
    let mut s = TestServer::start(DbKind::Sqlite, |c| {
        c.log_format = server::config::LogFormat::Json;
        c.log_level = "info".parse().unwrap();
    })
    .await;
    let hola = |id: &str| s.client.get(s.url("hola")).header("x-request-id", id.to_owned()).send();
    let kept = "proxy-7f3a:trace=42";
    let response = hola(kept).await.unwrap();
    assert_eq!(response.headers()["x-request-id"], kept);
    for refused in [&"x".repeat(65), "has space", "naïve"] {
        let response = hola(refused).await.unwrap();
        let given = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(given != refused && given.len() == 36, "{refused:?} is replaced by a generated id: {given}");
    }
    let response = s.client.get(s.url("hola")).send().await.unwrap();
    assert_eq!(response.headers()["x-request-id"].len(), 36, "none sent: one generated");
    s.stop().await;
    let logged = s.process().log().iter().any(|l| {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        v["msg"] == "request completed" && v["req_id"] == kept && v["response_code"] == 401
    });
    assert!(logged, "the request is logged under the client's id: {:#?}", s.process().log());
}

/// Any JSON value, refused if an object in it has a key twice (which `serde_json::Value` would
/// silently collapse).
struct NoKeyTwice;

impl<'de> Deserialize<'de> for NoKeyTwice {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoKeyTwiceVisitor)
    }
}

struct NoKeyTwiceVisitor;

impl<'de> Visitor<'de> for NoKeyTwiceVisitor {
    type Value = NoKeyTwice;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NoKeyTwice, A::Error> {
        let mut keys = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !keys.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!("the key `{key}` twice")));
            }
            map.next_value::<NoKeyTwice>()?;
        }
        Ok(NoKeyTwice)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NoKeyTwice, A::Error> {
        while seq.next_element::<NoKeyTwice>()?.is_some() {}
        Ok(NoKeyTwice)
    }

    fn visit_bool<E>(self, _: bool) -> Result<NoKeyTwice, E> {
        Ok(NoKeyTwice)
    }
    fn visit_i64<E>(self, _: i64) -> Result<NoKeyTwice, E> {
        Ok(NoKeyTwice)
    }
    fn visit_u64<E>(self, _: u64) -> Result<NoKeyTwice, E> {
        Ok(NoKeyTwice)
    }
    fn visit_f64<E>(self, _: f64) -> Result<NoKeyTwice, E> {
        Ok(NoKeyTwice)
    }
    fn visit_str<E>(self, _: &str) -> Result<NoKeyTwice, E> {
        Ok(NoKeyTwice)
    }
    fn visit_unit<E>(self) -> Result<NoKeyTwice, E> {
        Ok(NoKeyTwice)
    }
}
