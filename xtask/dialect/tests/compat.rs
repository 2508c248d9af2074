//! `doc_dialect::compat`: one edit of the project's doc per rule, each reported once, with its
//! rule and the doc's line; the rules the dialect cannot express (request fields are always
//! optional, response fields always present) are shown on edited specs instead.

use doc_dialect::compat::{self, Change, RULES};
use serde_json::Value;

const DOC: &str = include_str!("../../../openapi/backend-api.md");
const FILE: &str = "openapi/backend-api.md";

fn spec(text: &str) -> Value {
    doc_dialect::markdown_to_spec(text, FILE, "").unwrap_or_else(|d| panic!("{d}"))
}

/// `DOC` with each `(old, new)` replaced once (each `old` must be there).
fn edited(edits: &[(&str, &str)]) -> String {
    edits.iter().fold(DOC.to_owned(), |text, (old, new)| {
        assert!(text.contains(old), "`{old}` is not in the doc");
        text.replacen(old, new, 1)
    })
}

/// The line of the first line containing `then` after the first containing `after`.
fn line_of(text: &str, after: &str, then: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| l.contains(after)).unwrap_or_else(|| panic!("no `{after}`"));
    lines.iter().skip(start).position(|l| l.contains(then)).unwrap_or_else(|| panic!("no `{then}` after `{after}`"))
        + start
        + 1
}

/// The changes from the doc as it is to the doc edited.
fn changes_to(text: &str) -> Vec<Change> {
    compat::check(text, FILE, &spec(DOC)).unwrap_or_else(|d| panic!("{d}")).1
}

#[track_caller]
fn the_one(changes: &[Change], rule: &str, line: usize) -> String {
    assert_eq!(changes.len(), 1, "one change expected: {changes:#?}");
    assert_eq!((changes[0].rule.id, changes[0].line), (rule, line), "{changes:#?}");
    assert_eq!(changes[0].breaking(), RULES.iter().find(|r| r.id == rule).unwrap().breaking);
    changes[0].detail.clone()
}

#[test]
fn the_doc_has_no_change_against_itself() {
    assert_eq!(changes_to(DOC), vec![]);
}

/// Each edit of the doc, the rule it is caught by, and where: `(after, then)` finds the line.
#[test]
fn every_rule_the_dialect_can_express_is_caught_at_its_line() {
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, (&'a str, &'a str));
    let logout = DOC.find("### 登出").unwrap();
    let logout_end = logout + DOC[logout..].find("------").unwrap() + "------\n".len();
    let without_logout = format!("{}{}", &DOC[..logout], &DOC[logout_end..]);
    let cases: Vec<Case> = vec![
        // Operations.
        ("operation-added", vec![("## 任务\n\n", "## 任务\n\n### 健康\n\n健康\n\n#### 请求URL:\n- /backend/api/v1/ping\n\n#### 请求方式:\n- GET\n\n#### 请求格式:\n- query\n\n#### 所需权限:\n- 无\n\n#### 请求参数:\n\n#### 请求示例:\n\n#### 返回参数:\n\n|字段名|类型|备注|\n|---|---|---|\n|code|int||\n\n#### 返回示例:\n\n------\n")], ("## 任务", "### 健康")),
        // Request fields (post_task's table).
        ("request-field-added-optional", vec![("|note|string|备注|\n\n\n#### 请求示例:\n\n```\n{\n  \"type\"", "|note|string|备注|\n|tag|string|标签|\n\n\n#### 请求示例:\n\n```\n{\n  \"type\"")], ("### 新增任务", "|tag|")),
        ("request-field-removed", vec![("|input|string|任务输入|\n|note|string|备注|\n\n\n#### 请求示例:\n\n```\n{\n  \"type\": \"\",\n  \"priority\": 0,\n  \"input\": \"\",\n  \"note\": \"\"", "|input|string|任务输入|\n\n\n#### 请求示例:\n\n```\n{\n  \"type\": \"\",\n  \"priority\": 0,\n  \"input\": \"\"")], ("### 新增任务", "|字段名|")),
        ("request-type-changed", vec![("|input|string|任务输入|\n|note|string|备注|\n\n\n#### 请求示例:\n\n```\n{\n  \"type\": \"\",\n  \"priority\": 0,\n  \"input\": \"\"", "|input|int64|任务输入|\n|note|string|备注|\n\n\n#### 请求示例:\n\n```\n{\n  \"type\": \"\",\n  \"priority\": 0,\n  \"input\": 0")], ("### 新增任务", "|input|")),
        ("request-range-narrowed", vec![("|priority|int8|任务优先级|\n|input|", "|priority|uint8|任务优先级|\n|input|")], ("### 新增任务", "|priority|")),
        ("request-range-widened", vec![("|priority|int8|任务优先级|\n|input|", "|priority|int16|任务优先级|\n|input|")], ("### 新增任务", "|priority|")),
        ("request-enum-value-removed", vec![("|type|string|任务类型 枚举类型[image:图片 video:视频]|\n|priority|int8|任务优先级|\n|input|", "|type|string|任务类型 枚举类型[image:图片]|\n|priority|int8|任务优先级|\n|input|")], ("### 新增任务", "|type|")),
        ("request-enum-value-added", vec![("|type|string|任务类型 枚举类型[image:图片 video:视频]|\n|priority|int8|任务优先级|\n|input|", "|type|string|任务类型 枚举类型[image:图片 video:视频 audio:音频]|\n|priority|int8|任务优先级|\n|input|")], ("### 新增任务", "|type|")),
        // Response fields (get_task's backend.TaskDetail).
        ("response-field-added", vec![("|note|string|备注|\n\n\n#### 返回示例:\n\n```\n{\n  \"code\": 0,\n  \"msg\": \"\",\n  \"error\": \"\",\n  \"data\": {\n    \"id\": 0,", "|note|string|备注|\n|created_at|int64|创建时间|\n\n\n#### 返回示例:\n\n```\n{\n  \"code\": 0,\n  \"msg\": \"\",\n  \"error\": \"\",\n  \"data\": {\n    \"created_at\": 0,\n    \"id\": 0,")], ("|data|backend.TaskDetail|", "|created_at|")),
        ("response-field-removed", vec![("|result|string|任务结果|\n", ""), ("    \"result\": \"\",\n", "")], ("|data|backend.TaskDetail|", "|字段名|")),
        ("response-type-changed", vec![("|result|string|任务结果|\n", "|result|int64|任务结果|\n"), ("    \"result\": \"\",\n", "    \"result\": 0,\n")], ("|data|backend.TaskDetail|", "|result|")),
        ("response-range-widened", vec![("|id|int64||\n|status|uint8|任务状态 枚举类型[0:等待 2:处理中 1:完成 3:取消]|\n|type|string|任务类型 枚举类型[image:图片 video:视频]|\n|priority|int8|任务优先级|\n|input|", "|id|int64||\n|status|uint8|任务状态 枚举类型[0:等待 2:处理中 1:完成 3:取消]|\n|type|string|任务类型 枚举类型[image:图片 video:视频]|\n|priority|int16|任务优先级|\n|input|")], ("|data|backend.TaskDetail|", "|priority|")),
        ("response-range-narrowed", vec![("backend.TaskDetail\n\n|字段名|类型|备注|\n|---|---|---|\n|id|int64||", "backend.TaskDetail\n\n|字段名|类型|备注|\n|---|---|---|\n|id|int32||")], ("|data|backend.TaskDetail|", "|id|")),
        ("response-enum-value-added", vec![("|id|int64||\n|status|uint8|任务状态 枚举类型[0:等待 2:处理中 1:完成 3:取消]|\n|type|string|任务类型 枚举类型[image:图片 video:视频]|\n|priority|int8|任务优先级|\n|input|", "|id|int64||\n|status|uint8|任务状态 枚举类型[0:等待 2:处理中 1:完成 3:取消 4:失败]|\n|type|string|任务类型 枚举类型[image:图片 video:视频]|\n|priority|int8|任务优先级|\n|input|")], ("|data|backend.TaskDetail|", "|status|")),
        ("response-enum-value-removed", vec![("|id|int64||\n|status|uint8|任务状态 枚举类型[0:等待 2:处理中 1:完成 3:取消]|\n|type|string|任务类型 枚举类型[image:图片 video:视频]|\n|priority|int8|任务优先级|\n|input|", "|id|int64||\n|status|uint8|任务状态 枚举类型[0:等待 2:处理中 1:完成]|\n|type|string|任务类型 枚举类型[image:图片 video:视频]|\n|priority|int8|任务优先级|\n|input|")], ("|data|backend.TaskDetail|", "|status|")),
        ("response-became-nullable", vec![("|result|string|任务结果|\n", "|result|*string|任务结果|\n")], ("|data|backend.TaskDetail|", "|result|")),
        // The error-code table.
        ("error-code-added", vec![("|10122|over_max_limit|", "|10123|too_many_tasks|HTTP 409: too many tasks|\n|10122|over_max_limit|")], ("## 错误码列表", "|10123|")),
        ("error-code-changed", vec![("|10122|over_max_limit|HTTP 400:", "|10122|over_max_limit|HTTP 422:")], ("## 错误码列表", "|10122|")),
        ("error-code-removed", vec![("|10112|method_not_allowed|HTTP 405: the path takes other methods (listed in the Allow header)|\n", "")], ("## 错误码列表", "|错误码|")),
        // Sessions.
        ("session-newly-required", vec![("#### 无需认证:\n- POST /backend/api/v1/login\n", "")], ("### 登录", "### 登录")),
        ("session-no-longer-required", vec![("#### 无需认证:\n- POST /backend/api/v1/login\n", "#### 无需认证:\n- GET /backend/api/v1/hola\n- POST /backend/api/v1/login\n")], ("### 测试登录", "### 测试登录")),
        ("credential-added", vec![("|backend_session|cookie|", "|token|query|会话令牌，放在查询参数里|\n|backend_session|cookie|")], ("## 认证方式", "|token|")),
        ("credential-removed", vec![("|backend_session|cookie|登录接口设置的会话 Cookie（HttpOnly），与令牌相同|\n", "")], ("## 认证方式", "## 认证方式")),
    ];
    for (rule, edits, (after, then)) in cases {
        let text = edited(&edits);
        let detail = the_one(&changes_to(&text), rule, line_of(&text, after, then));
        assert!(!detail.is_empty(), "{rule}");
    }
    // A removed operation: at its group's heading.
    let detail =
        the_one(&changes_to(&without_logout), "operation-removed", line_of(&without_logout, "## 用户", "## 用户"));
    assert!(detail.contains("POST /backend/api/v1/logout (post_logout)"), "{detail}");
}

/// The rules a doc of the dialect cannot trigger, on a spec edited by hand as the base.
#[test]
fn rules_beyond_the_dialect_are_caught_on_specs() {
    let (doc, current) = {
        let mut diags = doc_dialect::diag::Diagnostics::new(FILE);
        let doc = doc_dialect::parse::parse(DOC, &mut diags);
        let spec = doc_dialect::to_spec::to_spec(&doc, "", &mut diags);
        (doc, diags.finish(spec).unwrap())
    };
    let login_line = line_of(DOC, "### 登录", "|name|");
    let body = "/paths/~1backend~1api~1v1~1login/post/requestBody/content/application~1json/schema";
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit, usize)> = vec![
        // The release required `name`; the doc's is optional.
        (
            "request-field-became-optional",
            Box::new(|v: &mut Value| v.pointer_mut(body).unwrap()["required"] = serde_json::json!(["name"])),
            login_line,
        ),
        // The release took `null` for `name`; the doc's does not.
        (
            "request-became-not-nullable",
            Box::new(|v: &mut Value| v.pointer_mut(body).unwrap()["properties"]["name"]["nullable"] = true.into()),
            login_line,
        ),
        // The release's default for `name` was another.
        (
            "request-default-changed",
            Box::new(|v: &mut Value| {
                let p = "/paths/~1backend~1api~1v1~1tasks/get/parameters/1/schema/default";
                *v.pointer_mut(p).unwrap() = 20.into();
            }),
            line_of(DOC, "### 任务列表", "|limit|"),
        ),
        // The release took a form; the doc a JSON body.
        (
            "request-body-type-changed",
            Box::new(|v: &mut Value| {
                let content = v.pointer_mut("/paths/~1backend~1api~1v1~1login/post/requestBody/content").unwrap();
                let schema = content["application/json"].clone();
                *content = serde_json::json!({ "application/x-www-form-urlencoded": schema });
            }),
            line_of(DOC, "### 登录", "|字段名|"),
        ),
        // A response field that was optional in the release is always present now (compatible).
        (
            "response-field-became-required",
            Box::new(|v: &mut Value| {
                let r = &mut v["components"]["schemas"]["LoginData"]["required"];
                r.as_array_mut().unwrap().retain(|f| f != "uid");
            }),
            line_of(DOC, "backend.LoginData", "|uid|"),
        ),
    ];
    for (rule, edit, line) in cases {
        let mut base = current.clone();
        edit(&mut base);
        the_one(&compat::compare(&base, &doc, &current), rule, line);
    }
    // And the other way: the release is the doc, the current spec edited.
    let mut required = current.clone();
    required.pointer_mut(body).unwrap()["required"] = serde_json::json!(["name"]);
    let mut without_name = current.clone();
    without_name.pointer_mut(body).unwrap()["properties"].as_object_mut().unwrap().remove("name");
    the_one(&compat::compare(&without_name, &doc, &required), "request-field-added-required", login_line);
    the_one(&compat::compare(&current, &doc, &required), "request-field-became-required", login_line);
    let mut narrowed = current.clone();
    narrowed["components"]["schemas"]["LoginData"]["required"].as_array_mut().unwrap().retain(|f| f != "uid");
    the_one(
        &compat::compare(&current, &doc, &narrowed),
        "response-field-became-optional",
        line_of(DOC, "backend.LoginData", "|uid|"),
    );
    let mut not_null = current.clone();
    not_null["components"]["schemas"]["LoginData"]["properties"]["name"]["nullable"] = true.into();
    the_one(
        &compat::compare(&not_null, &doc, &current),
        "response-became-not-nullable",
        line_of(DOC, "backend.LoginData", "|name|"),
    );
    let mut nullable_request = current.clone();
    nullable_request.pointer_mut(body).unwrap()["properties"]["name"]["nullable"] = true.into();
    the_one(&compat::compare(&current, &doc, &nullable_request), "request-became-nullable", login_line);
    // An operation with the same operationId on another path: moved.
    let mut moved = current.clone();
    let paths = moved["paths"].as_object_mut().unwrap();
    let hola = paths.remove("/backend/api/v1/hola").unwrap();
    paths.insert("/backend/api/v1/hello".into(), hola);
    let change = the_one(
        &compat::compare(&moved, &doc, &current),
        "operation-moved",
        line_of(DOC, "### 测试登录", "### 测试登录"),
    );
    assert!(change.contains("GET /backend/api/v1/hello (get_hola) is now GET /backend/api/v1/hola"), "{change}");
}

/// Every rule is in `docs/compat.md`, with the same verdict and the oasdiff check it follows.
#[test]
fn the_rules_table_in_the_docs_is_the_code_s() {
    let docs = include_str!("../../../docs/compat.md");
    for r in RULES {
        let verdict = if r.breaking { "breaking" } else { "compatible" };
        let row = format!(
            "| `{}` | {verdict} | {} |",
            r.id,
            if r.oasdiff == "—" { "—".to_owned() } else { format!("`{}`", r.oasdiff) }
        );
        assert!(docs.contains(&row), "docs/compat.md has no row starting `{row}`");
    }
    let rows = docs.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(rows, RULES.len(), "docs/compat.md has rules the code does not");
}

#[test]
fn the_version_line_is_the_spec_s_version_and_must_be_three_numbers() {
    assert_eq!(spec(DOC)["info"]["version"], "1.0.0");
    let later = DOC.replacen("版本: 1.0.0", "版本: 1.4.2", 1);
    assert_eq!(spec(&later)["info"]["version"], "1.4.2");
    let line = line_of(DOC, "版本:", "版本:");
    let err =
        doc_dialect::markdown_to_spec(&DOC.replacen("版本: 1.0.0", "版本: 1.4", 1), FILE, "").unwrap_err().to_string();
    assert!(err.contains(&format!("{FILE}:{line}: version `1.4`: expected `版本: MAJOR.MINOR.PATCH`")), "{err}");
}
