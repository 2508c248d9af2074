//! The server's spec: errors are the envelope, never a `default` response.

#[test]
fn the_spec_names_the_error_envelope_error_and_has_no_default_response() {
    let spec = backend_api::openapi_json();
    let error = &spec["components"]["schemas"]["Error"];
    assert_eq!(error["required"], serde_json::json!(["code", "error", "msg"]), "{error}");
    assert_eq!(error["properties"]["code"]["format"], "int64");
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // Extensions outside the doc (serving stored uploads) answer raw bodies.
            if op["tags"].as_array().is_some_and(|t| t.contains(&backend_api::EXTENSION_TAG.into())) {
                continue;
            }
            let responses = op["responses"].as_object().unwrap();
            assert!(!responses.contains_key("default"), "{method} {path}");
            assert!(responses.contains_key("4XX") && responses.contains_key("5XX"), "{method} {path}");
        }
    }
}
