//! Golden tests: each doc under `tests/golden/` (and the project's own doc) converts to exactly
//! the committed spec beside it, and that spec renders back to exactly the doc.
//!
//! To change a golden spec on purpose: `cargo xtask openapi --doc xtask/tests/golden/NAME.md`.

use std::path::Path;
use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).current_dir(xtask::root()).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The docs, as paths relative to the workspace root (the spec's note names them that way).
fn docs() -> Vec<String> {
    let dir = xtask::root().join("xtask/tests/golden");
    let mut docs: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("xtask/tests/golden/{n}"))
        .collect();
    docs.sort();
    assert!(docs.len() >= 3, "golden docs missing: {docs:?}");
    docs
}

#[test]
fn each_golden_doc_converts_to_its_committed_spec() {
    for doc in docs() {
        let o = xtask(&["openapi", "--doc", &doc, "--check"]);
        assert!(o.status.success(), "{doc}: {}", stderr(&o));
    }
    let o = xtask(&["openapi", "--check"]);
    assert!(o.status.success(), "openapi/backend-api.md: {}", stderr(&o));
}

#[test]
fn each_spec_renders_back_to_its_doc_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    for doc in docs().into_iter().chain(["openapi/backend-api.md".to_string()]) {
        let spec = doc.replace(".md", ".json");
        let out = tmp.path().join(Path::new(&doc).file_name().unwrap());
        let o = xtask(&["markdown", "--spec", &spec, "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{spec}: {}", stderr(&o));
        let original = std::fs::read_to_string(xtask::root().join(&doc)).unwrap();
        let rendered = std::fs::read_to_string(&out).unwrap();
        if original != rendered {
            let line = original.lines().zip(rendered.lines()).position(|(a, b)| a != b).map_or(0, |i| i + 1);
            panic!("{doc}: the round trip differs first at line {line}");
        }
    }
}

#[test]
fn the_golden_docs_use_what_the_project_doc_does_not() {
    // Guards the purpose of the golden set: if a doc is trimmed, a rule loses its test.
    let all: String = docs().iter().map(|d| std::fs::read_to_string(xtask::root().join(d)).unwrap()).collect();
    for needle in [
        "|bool|",
        "|int8|",
        "|int16|",
        "|int32|",
        "|uint|",
        "|uint16|",
        "|float32|",
        "|float64|",
        "|byte|",
        "|[][]shop.Item|",
        "|*shop.User|",
        "|map[string]string|",
        "|time.Time|",
        "|interface{}|",
        "|[]byte|",
        "|表单文件|",
        "- PATCH",
        "- form-data",
        "-1:低",
        "枚举类型[图片:image",
        "alpha.Item",
        "beta.Item",
        "alpha.Error",
        "## 错误码列表",
    ] {
        assert!(all.contains(needle), "no golden doc uses {needle}");
    }
}

#[test]
fn golden_specs_show_the_rules_they_exist_for() {
    let read = |n: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(xtask::root().join("xtask/tests/golden").join(n)).unwrap())
            .unwrap()
    };
    let names = read("names.json");
    let schemas: Vec<&str> = names["components"]["schemas"].as_object().unwrap().keys().map(|k| k.as_str()).collect();
    // Two packages share `Item`; `alpha.Error` would clash with the envelope.
    assert_eq!(schemas, ["AlphaItem", "AlphaError", "BetaItem", "Error"]);
    assert_eq!(names["x-error-codes-position"], 1);
    assert_eq!(
        names["x-error-codes"][1],
        serde_json::json!({"code": 2, "error": "gone", "description": "没有状态的说明"})
    );

    let single = read("single.json");
    let ids: Vec<&str> =
        single["paths"]["/health"].as_object().unwrap().values().map(|o| o["operationId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["get_health", "post_health"]);

    let types = read("types.json");
    let upload = &types["paths"]["/api/v2/files"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"];
    assert_eq!(
        upload["properties"]["file"],
        serde_json::json!({"type": "string", "format": "binary", "description": "文件"})
    );
    assert_eq!(upload["properties"]["title"]["type"], "string");
    assert_eq!(types["paths"]["/api/v2/shop/item"]["patch"]["x-permission"], "shop:write");
}
