//! Prometheus metrics, on their own address only: requests by operation and status, latency
//! histograms, requests in flight, the pool, database errors, logins and uploads.

use reqwest::multipart::{Form, Part};
use server_harness::{expect_error, expect_ok, DbKind};

use crate::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_the_server_does_on_their_own_address() {
    let s = TestServer::start(DbKind::Sqlite, |c| c.metrics_bind = Some("127.0.0.1:0".parse().unwrap())).await;
    let metrics = s.process().metrics_addr().expect("the server says where its metrics are");
    assert_ne!(metrics.port(), s.process().addr.port());
    // Not on the API's address.
    expect_error(s.client.get(format!("{}/metrics", s.base)).send().await.unwrap(), 404, 10109).await;

    s.add_user("alice", "alice-password").await;
    expect_error(s.login("alice", "wrong-password").await, 401, 10106).await;
    let token = s.token("alice", "alice-password").await;
    for _ in 0..3 {
        expect_ok(s.hola(&token).await).await;
    }
    expect_error(s.client.get(s.url("hola")).send().await.unwrap(), 401, 10101).await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR0123456789".to_vec();
    let upload = Form::new().part("file", Part::bytes(png.clone()).file_name("a.png"));
    expect_ok(s.client.post(s.url("upload")).header("x-auth-token", &token).multipart(upload).send().await.unwrap())
        .await;

    let text = s.client.get(format!("http://{metrics}/metrics")).send().await.unwrap().text().await.unwrap();
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {series} in:\n{text}"))
    };
    assert_eq!(value(r#"http_requests_total{operation="get_hola",status="200"}"#), 3.0);
    assert_eq!(value(r#"http_requests_total{operation="get_hola",status="401"}"#), 1.0);
    assert_eq!(value(r#"http_requests_total{operation="post_login",status="401"}"#), 1.0);
    assert_eq!(value(r#"http_request_duration_seconds_count{operation="get_hola"}"#), 4.0);
    assert!(text.contains(r#"http_request_duration_seconds_bucket{operation="get_hola",le="0.001"}"#), "{text}");
    assert_eq!(value(r#"http_requests_in_flight{operation="get_hola"}"#), 0.0);
    assert_eq!(value(r#"logins_total{result="failed"}"#), 1.0);
    assert_eq!(value(r#"logins_total{result="ok"}"#), 1.0);
    assert_eq!(value("uploads_total"), 1.0);
    assert_eq!(value("upload_bytes_total"), png.len() as f64);
    assert!(text.contains("# TYPE db_pool_connections gauge") || text.contains("db_pool_connections{"), "{text}");
}
