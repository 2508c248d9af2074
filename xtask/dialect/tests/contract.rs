//! The contract check must be able to fail: a copy of the doc is changed the ways a careless edit
//! would change it, and checked against a "server" that says what the original doc says (the
//! original's own spec). Each change must be reported, naming the line of the doc it is on.

use doc_dialect::contract::{check, Difference};
use serde_json::Value;

fn doc() -> String {
    // The project's own doc: the richest real document of the dialect.
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/backend-api.md")).unwrap()
}

/// A server that says exactly what the unchanged doc says, error codes included.
fn faithful_server() -> Value {
    doc_dialect::markdown_to_spec(&doc(), "doc", "").unwrap()
}

fn differences(changed: &str) -> Vec<Difference> {
    check(changed, "openapi/backend-api.md", &faithful_server()).unwrap_or_else(|d| panic!("{d}"))
}

/// The 1-based line of the `n`th (0-based) occurrence of `needle` in the doc.
fn line_of(text: &str, needle: &str, n: usize) -> usize {
    let at = text.match_indices(needle).nth(n).unwrap_or_else(|| panic!("`{needle}` #{n} not in the doc")).0;
    text[..at].matches('\n').count() + 1
}

/// Replaces the `n`th occurrence of `from`.
fn replace_nth(text: &str, from: &str, to: &str, n: usize) -> String {
    let at = text.match_indices(from).nth(n).unwrap().0;
    format!("{}{}{}", &text[..at], to, &text[at + from.len()..])
}

#[track_caller]
fn assert_reported(diffs: &[Difference], line: usize, doc_says: &str, server_says: &str) {
    assert!(
        diffs.iter().any(|d| d.line == line && d.doc.contains(doc_says) && d.server.contains(server_says)),
        "expected a difference on line {line} ({doc_says} — {server_says}), got:\n{diffs:#?}"
    );
}

#[test]
fn the_doc_agrees_with_itself() {
    assert_eq!(differences(&doc()), vec![]);
}

#[test]
fn a_changed_field_type_is_reported_on_its_row() {
    let doc = doc();
    // The first `priority` row is POST /task's request.
    let line = line_of(&doc, "|priority|int8|", 0);
    let diffs = differences(&replace_nth(&doc, "|priority|int8|", "|priority|int16|", 0));
    assert_reported(
        &diffs,
        line,
        "POST /backend/api/v1/task: request body: field `priority`: format \"int16\"",
        "format \"int8\"",
    );
    // A response field's type, inside a named type.
    let line = line_of(&doc, "|role|uint32||", 0);
    let diffs = differences(&replace_nth(&doc, "|role|uint32||", "|role|uint16||", 0));
    assert_reported(&diffs, line, "field `data.role`: format \"uint16\"", "format \"uint32\"");
}

#[test]
fn a_dropped_field_is_reported_on_its_table() {
    let doc = doc();
    let row = "|password|string||\n";
    let table = line_of(&doc, "|字段名|类型|备注|", 1); // login's request table
                                                        // The example must lose it too, or the doc itself would not convert.
    let changed =
        doc.replacen(row, "", 1).replacen("  \"name\": \"\",\n  \"password\": \"\"\n", "  \"name\": \"\"\n", 1);
    let diffs = differences(&changed);
    assert_reported(&diffs, table, "no field `password`", "field `password`");
}

#[test]
fn a_changed_enum_is_reported_on_its_row() {
    let doc = doc();
    let note = "任务类型 枚举类型[image:图片 video:视频]";
    let line = line_of(&doc, note, 0);
    let diffs = differences(&replace_nth(&doc, note, "任务类型 枚举类型[image:图片 video:视频 audio:音频]", 0));
    assert_reported(&diffs, line, "field `type`: enum [\"image\",\"video\",\"audio\"]", "enum [\"image\",\"video\"]");
}

#[test]
fn an_added_endpoint_is_reported_on_its_heading() {
    let doc = doc();
    let start = doc.find("### 登出").unwrap();
    let end = start + doc[start..].find("------\n").unwrap() + "------\n".len();
    let copy =
        doc[start..end].replace("### 登出", "### 刷新").replace("/backend/api/v1/logout", "/backend/api/v1/refresh");
    let changed = format!("{}{}{}", &doc[..end], copy, &doc[end..]);
    let line = line_of(&changed, "### 刷新", 0);
    let diffs = differences(&changed);
    assert_eq!(diffs.len(), 1, "{diffs:#?}");
    assert_reported(&diffs, line, "POST /backend/api/v1/refresh (post_refresh)", "no such operation");
}

#[test]
fn an_error_code_the_server_does_not_know_is_reported_on_its_row() {
    let doc = doc();
    let row = "|10205|service_unavailable|HTTP 503:";
    let line = line_of(&doc, row, 0);
    let diffs = differences(&doc.replacen(row, "|10205|service_unavailable|HTTP 502:", 1));
    assert_reported(&diffs, line, "error code 10205", "\"status\":503");
}

#[test]
fn a_nullable_or_optional_change_is_reported() {
    let doc = doc();
    // `int64` → `*int64` deep inside a list item: now nullable.
    let line = line_of(&doc, "|uid|int64|用户名|", 0);
    let diffs = differences(&doc.replacen("|uid|int64|用户名|", "|uid|*int64|用户名|", 1));
    assert_reported(&diffs, line, "field `items.[].user.uid`: nullable true", "no nullable");
}

#[test]
fn every_difference_is_reported_in_one_run() {
    let doc = doc();
    let changed =
        replace_nth(&doc, "|priority|int8|", "|priority|int16|", 0).replacen("|perm|uint64||", "|perm|int64||", 1);
    let diffs = differences(&changed);
    assert!(diffs.len() >= 2, "{diffs:#?}");
}

#[test]
fn who_needs_a_session_is_part_of_the_contract() {
    let doc = doc();
    // hola made public in the doc: reported on its operation.
    let changed =
        doc.replacen("- POST /backend/api/v1/login\n", "- GET /backend/api/v1/hola\n- POST /backend/api/v1/login\n", 1);
    let hola = line_of(&changed, "### 测试登录", 0);
    let diffs = differences(&changed);
    assert_reported(&diffs, hola, "GET /backend/api/v1/hola: no session needed", "a session needed");
    // A credential renamed: reported on its row.
    let row = line_of(&doc, "|backend_session|cookie|", 0);
    let diffs = differences(&doc.replacen("|backend_session|cookie|", "|sid|cookie|", 1));
    assert_reported(&diffs, row, "credential `sid`", "no such security scheme");
}
