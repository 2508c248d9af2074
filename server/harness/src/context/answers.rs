//! Checks of the API's answers every suite makes: the envelope of a success and of an error.

use reqwest::{Response, StatusCode};
use serde_json::Value;

/// The value of header `name`; panics if it is missing.
pub fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header in {response:?}"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// Asserts `response` is the error envelope with this status and code; returns its body.
pub async fn expect_error(response: Response, status: u16, code: i64) -> Value {
    let got = response.status().as_u16();
    let body: Value = response.json().await.expect("an error body is JSON");
    assert_eq!((got, &body["code"]), (status, &Value::from(code)), "body: {body}");
    let name = backend_api::ErrorCode::from_code(code).unwrap().name();
    assert_eq!(body["error"], name, "body: {body}");
    assert!(body["msg"].as_str().is_some_and(|m| !m.is_empty()), "body: {body}");
    assert_eq!(body.as_object().unwrap().len(), 3, "only code, msg, error: {body}");
    body
}

/// Asserts `response` is a 200 envelope with `code` 0; returns its body.
pub async fn expect_ok(response: Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(status, StatusCode::OK, "body: {body}");
    assert_eq!((&body["code"], &body["error"]), (&Value::from(0), &Value::from("")), "{body}");
    body
}
