//! Fuzzing the request-parsing paths of the live server with proptest: malformed JSON bodies,
//! query strings, multipart bodies and upload paths (traversal attempts included), sent as raw
//! bytes over TCP so that nothing normalises them on the way. Whatever arrives, the server answers
//! a status below 500, within a bound, never serves a file outside its upload folder, and keeps
//! serving afterwards. Failing cases are shrunk by proptest to a minimal request.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use server_harness::{expect_ok, DbKind};

use crate::TestServer;

/// Sends `head` (request line and headers, without the blank line) and `body` raw; the status.
fn send_raw(addr: &str, head: &str, body: &[u8]) -> Result<(u16, Vec<u8>), TestCaseError> {
    let mut stream = TcpStream::connect(addr).map_err(|e| TestCaseError::fail(format!("connect: {e}")))?;
    stream.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut request =
        format!("{head}\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n\r\n", body.len()).into_bytes();
    request.extend_from_slice(body);
    // The server may answer (and close) before reading it all: a failed write is not a failure.
    let _ = stream.write_all(&request);
    let mut response = Vec::new();
    if let Err(e) = stream.read_to_end(&mut response) {
        if response.is_empty() {
            return Err(TestCaseError::fail(format!("no answer within 15 s ({e}) to {head:?}")));
        }
    }
    let text = String::from_utf8_lossy(&response);
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| TestCaseError::fail(format!("not an HTTP response to {head:?}: {text:?}")))?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.as_bytes().to_vec()).unwrap_or_default();
    Ok((status, body))
}

/// Below 500 (a client mistake is never the server's error).
fn check(status: u16, body: &[u8], what: &str) -> Result<(), TestCaseError> {
    prop_assert!(status < 500, "{what}: {status} {}", String::from_utf8_lossy(body));
    Ok(())
}

/// JSON-looking text: fragments of valid bodies, brackets, numbers at the edges, odd characters.
fn json_text() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("null".to_owned()),
        Just("\"id\"".to_owned()),
        Just("\"ids\"".to_owned()),
        Just("\"type\"".to_owned()),
        Just("\"image\"".to_owned()),
        Just("\"input\"".to_owned()),
        Just("\"note\"".to_owned()),
        Just("\"priority\"".to_owned()),
        Just("\"status\"".to_owned()),
        Just("\"name\"".to_owned()),
        Just("\"password\"".to_owned()),
        Just("9223372036854775808".to_owned()),
        Just("-9223372036854775809".to_owned()),
        Just("1e400".to_owned()),
        Just("-0".to_owned()),
        Just("\"\\u0000\"".to_owned()),
        Just("\"\\ud800\"".to_owned()),
        (-300i64..300).prop_map(|n| n.to_string()),
        "\"[^\"\\\\]{0,8}\"",
    ];
    prop_oneof![
        prop::collection::vec(token, 0..24).prop_map(|t| t.concat().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// Query strings: the lists' and detail's parameters with odd values, encodings and repeats.
fn query_text() -> impl Strategy<Value = String> {
    let key = prop_oneof![Just("id"), Just("offset"), Just("limit"), Just("x"), Just(""), Just("%FF"), Just("id[]")];
    let value = prop_oneof![
        Just("".to_owned()),
        Just("-1".to_owned()),
        Just("9223372036854775807".to_owned()),
        Just("9223372036854775808".to_owned()),
        Just("%00".to_owned()),
        Just("%ZZ".to_owned()),
        Just("1%2C2".to_owned()),
        Just("+1".to_owned()),
        Just("1.5".to_owned()),
        "[a-zA-Z0-9%&=+;._-]{0,12}",
    ];
    prop::collection::vec((key, value, any::<bool>()), 0..6).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v, eq)| if eq { format!("{k}={v}") } else { k.to_owned() })
            .collect::<Vec<_>>()
            .join("&")
    })
}

/// A multipart body: parts with odd headers, names and contents, possibly cut short.
fn multipart() -> impl Strategy<Value = (String, Vec<u8>)> {
    let boundary = prop_oneof![Just("b0undary".to_owned()), "[a-zA-Z0-9'()+_,./:=? -]{0,75}"];
    let part = (
        prop_oneof![Just("file"), Just("image"), Just(""), Just("fi\"le"), Just("file\r\nX: y")],
        prop_oneof![Just(None), Just(Some("a.png")), Just(Some("../../x.png")), Just(Some(""))],
        prop_oneof![
            Just(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
            Just(b"GIF89a".to_vec()),
            prop::collection::vec(any::<u8>(), 0..48)
        ],
    );
    (boundary, prop::collection::vec(part, 0..3), any::<bool>(), 0usize..400).prop_map(
        |(boundary, parts, close, cut)| {
            let mut body = Vec::new();
            for (name, file_name, content) in parts {
                body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"").bytes());
                if let Some(f) = file_name {
                    body.extend(format!("; filename=\"{f}\"").bytes());
                }
                body.extend(b"\r\nContent-Type: image/png\r\n\r\n");
                body.extend(content);
                body.extend(b"\r\n");
            }
            if close {
                body.extend(format!("--{boundary}--\r\n").bytes());
            } else {
                body.truncate(body.len().saturating_sub(cut));
            }
            (boundary, body)
        },
    )
}

/// Upload paths: traversal in every spelling, near-miss names, odd encodings.
fn upload_path(outside: String) -> impl Strategy<Value = String> {
    let dots = prop_oneof![Just(".."), Just("%2e%2e"), Just("%2E%2E"), Just(".%2e"), Just("%252e%252e"), Just("...")];
    let slash = prop_oneof![Just("/"), Just("%2f"), Just("%2F"), Just("%5c"), Just("\\"), Just("%252f")];
    let name = prop_oneof![
        Just(outside),
        Just(format!("{}.png", "a".repeat(64))),
        Just(".upload-0011223344556677.tmp".to_owned()),
        Just("etc/passwd".to_owned()),
        "[a-f0-9.%/]{0,70}",
    ];
    (prop::collection::vec((dots, slash), 0..4), name).prop_map(|(ups, name)| {
        let ups: String = ups.into_iter().map(|(d, s)| format!("{d}{s}")).collect();
        format!("/uploads/{ups}{name}")
    })
}

#[test]
fn malformed_requests_never_get_a_5xx() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let s = runtime.block_on(TestServer::start(DbKind::Sqlite, |c| c.request_body_max_bytes = 4096));
    let token = runtime.block_on(async {
        s.add_user("alice", "alice-password").await;
        s.token("alice", "alice-password").await
    });
    let addr = s.base.strip_prefix("http://").unwrap().to_owned();
    let auth = format!("x-auth-token: {token}");
    let config = Config { cases: 500, failure_persistence: None, ..Config::default() };

    let operations = [
        ("POST", "/backend/api/v1/login"),
        ("POST", "/backend/api/v1/task"),
        ("PUT", "/backend/api/v1/task"),
        ("DELETE", "/backend/api/v1/task"),
        ("PUT", "/backend/api/v1/task/status"),
    ];
    TestRunner::new(config.clone())
        .run(&(0..operations.len(), json_text()), |(op, body)| {
            let (method, path) = operations[op];
            let head = format!("{method} {path} HTTP/1.1\r\ncontent-type: application/json\r\n{auth}");
            let (status, answer) = send_raw(&addr, &head, &body)?;
            check(status, &answer, &format!("{method} {path} {:?}", String::from_utf8_lossy(&body)))
        })
        .unwrap();

    TestRunner::new(config.clone())
        .run(&(prop_oneof![Just("task"), Just("tasks")], query_text()), |(path, query)| {
            let head = format!("GET /backend/api/v1/{path}?{query} HTTP/1.1\r\n{auth}");
            let (status, answer) = send_raw(&addr, &head, b"")?;
            check(status, &answer, &format!("GET {path}?{query}"))
        })
        .unwrap();

    TestRunner::new(config.clone())
        .run(&multipart(), |(boundary, body)| {
            let head = format!(
                "POST /backend/api/v1/upload HTTP/1.1\r\ncontent-type: multipart/form-data; boundary={boundary}\r\n{auth}"
            );
            let (status, answer) = send_raw(&addr, &head, &body)?;
            check(status, &answer, &format!("upload with boundary {boundary:?}, {} bytes", body.len()))
        })
        .unwrap();

    // A file with a served-looking name next to the upload folder (its parent): never reachable.
    let upload_dir = tempfile::tempdir().unwrap().keep();
    let s2 = runtime.block_on(TestServer::start(DbKind::Sqlite, |c| {
        c.upload_dir = upload_dir.join("uploads").display().to_string();
    }));
    std::fs::create_dir_all(upload_dir.join("uploads")).unwrap();
    let outside = format!("{}.png", "b".repeat(64));
    std::fs::write(upload_dir.join(&outside), b"\x89PNG\r\n\x1a\nsecret outside the upload folder").unwrap();
    let addr2 = s2.base.strip_prefix("http://").unwrap().to_owned();
    TestRunner::new(config)
        .run(&upload_path(outside), |path| {
            let (status, answer) = send_raw(&addr2, &format!("GET {path} HTTP/1.1"), b"")?;
            check(status, &answer, &format!("GET {path}"))?;
            prop_assert_ne!(status, 200, "GET {} served {:?}", path, String::from_utf8_lossy(&answer));
            Ok(())
        })
        .unwrap();
    std::fs::remove_dir_all(&upload_dir).unwrap();

    // Still serving, as the user it was.
    runtime.block_on(async { expect_ok(s.hola(&token).await).await });
}
