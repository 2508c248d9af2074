//! The error-code table of this crate against the doc's, as the spec carries it
//! (`"x-error-codes"` in `openapi/backend-api.json`, generated from the doc's `## 错误码列表`).

use backend_api::ErrorCode;

#[test]
fn error_codes_match_the_doc() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/backend-api.json");
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}; run `cargo xtask` to generate the spec"));
    let spec: serde_json::Value = serde_json::from_str(&text).expect("the spec is JSON");
    let mut doc: Vec<(i64, String, u16)> = spec["x-error-codes"]
        .as_array()
        .unwrap_or_else(|| panic!("{path} has no \"x-error-codes\" array"))
        .iter()
        .map(|row| {
            (
                row["code"].as_i64().expect("code is an integer"),
                row["error"].as_str().expect("error is a string").to_owned(),
                u16::try_from(row["status"].as_u64().expect("status is an integer")).unwrap(),
            )
        })
        .collect();
    let mut ours: Vec<(i64, String, u16)> =
        ErrorCode::ALL.iter().map(|c| (c.code(), c.name().to_owned(), c.status())).collect();
    doc.sort();
    ours.sort();
    assert_eq!(ours, doc, "server/api/src/error.rs and the doc's 错误码列表 disagree");
}

#[test]
fn the_spec_names_the_error_envelope_error_and_has_no_default_response() {
    let spec = backend_api::openapi_json();
    let error = &spec["components"]["schemas"]["Error"];
    assert_eq!(error["required"], serde_json::json!(["code", "error", "msg"]), "{error}");
    assert_eq!(error["properties"]["code"]["format"], "int64");
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // Extensions outside the doc (serving stored uploads) answer raw bodies.
            if op["tags"].as_array().is_some_and(|t| t.contains(&"extension".into())) {
                continue;
            }
            let responses = op["responses"].as_object().unwrap();
            assert!(!responses.contains_key("default"), "{method} {path}");
            assert!(responses.contains_key("4XX") && responses.contains_key("5XX"), "{method} {path}");
        }
    }
}
