//! A malformed doc makes `cargo xtask openapi` fail, listing every problem as `FILE:LINE: message`
//! in one run, and writing nothing.

use std::path::PathBuf;
use std::process::Command;

/// A small valid doc; each test breaks it in one or more places. Line numbers are 1-based.
const DOC: &str = "# 测试

## 组

### 新增

新增一个

#### 请求URL:
- /api/item

#### 请求方式:
- POST

#### 请求格式:
- json

#### 所需权限:
- 无

#### 请求参数:



|字段名|类型|备注|
|---|---|---|
|name|string||
|level|int8|枚举类型[0:低 1:高]|


#### 请求示例:

```
{
  \"name\": \"\",
  \"level\": 0
}
```

#### 返回参数:



|字段名|类型|备注|
|---|---|---|
|code|int||
|data|pkg.Item||


pkg.Item

|字段名|类型|备注|
|---|---|---|
|id|int64||


#### 返回示例:

```
{
  \"code\": 0,
  \"data\": {
    \"id\": 1
  }
}
```


------


";

struct Run {
    ok: bool,
    stderr: String,
    wrote: bool,
}

/// Converts `doc` from a temp dir; reports the outcome and whether an output file appeared.
fn convert(doc: &str) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let md = dir.join("doc.md");
    std::fs::write(&md, doc).unwrap();
    let out = dir.join("doc.json");
    let o = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["openapi", "--doc", "doc.md", "--out", "doc.json"])
        .current_dir(dir)
        .output()
        .unwrap();
    let run =
        Run { ok: o.status.success(), stderr: String::from_utf8_lossy(&o.stderr).into_owned(), wrote: out.exists() };
    let leftovers: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| *p != md && *p != out).collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
    run
}

/// Asserts the conversion failed, wrote nothing, and reported exactly these `LINE: message` parts.
fn assert_errors(doc: &str, expected: &[(usize, &str)]) {
    let run = convert(doc);
    assert!(!run.ok, "conversion should fail");
    assert!(!run.wrote, "nothing may be written when the doc has errors");
    let lines: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("doc.md:")).collect();
    assert_eq!(lines.len(), expected.len(), "problems reported:\n{}", run.stderr);
    for ((line, message), got) in expected.iter().zip(&lines) {
        let prefix = format!("doc.md:{line}: ");
        assert!(got.starts_with(&prefix) && got.contains(message), "expected `{prefix}…{message}…`, got `{got}`");
    }
    assert!(run.stderr.contains("nothing written"), "{}", run.stderr);
}

#[test]
fn the_base_doc_is_valid() {
    let run = convert(DOC);
    assert!(run.ok && run.wrote, "{}", run.stderr);
}

#[test]
fn missing_method() {
    assert_errors(&DOC.replace("#### 请求方式:\n- POST\n", ""), &[(5, "has no `#### 请求方式:`")]);
}

#[test]
fn unknown_type_and_undefined_reference() {
    let doc = DOC.replace("|name|string||", "|name|strng||").replace("|data|pkg.Item||", "|data|pkg.Thing||");
    assert_errors(
        &doc,
        &[(27, "field `name`: unknown type `strng`"), (47, "type `pkg.Thing` is not defined by any table")],
    );
}

/// The one problem `doc` has: asserts there is exactly one, at `line`, and returns its message.
fn the_one_error(doc: &str, line: usize) -> String {
    let run = convert(doc);
    assert!(!run.ok && !run.wrote, "conversion should fail and write nothing");
    let lines: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("doc.md:")).collect();
    assert_eq!(lines.len(), 1, "problems reported:\n{}", run.stderr);
    let prefix = format!("doc.md:{line}: ");
    lines[0].strip_prefix(&prefix).unwrap_or_else(|| panic!("expected `{prefix}…`, got `{}`", lines[0])).to_string()
}

#[test]
fn an_unknown_type_lists_the_accepted_spellings_and_the_closest_one() {
    let with_type = |t: &str| DOC.replace("|name|string||", &format!("|name|{t}||"));
    let m = the_one_error(&with_type("int23"), 27);
    assert!(m.starts_with("field `name`: unknown type `int23`; did you mean `int32`? (accepted: "), "{m}");
    for spelling in ["bool, string", "float64", "time.Time", "interface{}", "表单文件", "uint64", "uintptr", "[]T"]
    {
        assert!(m.contains(spelling), "`{spelling}` missing from: {m}");
    }
    assert!(m.contains("[N]T, *T, map[K]T") && m.contains("pkg.Type"), "{m}");
    let m = the_one_error(&with_type("strnig"), 27);
    assert!(m.starts_with("field `name`: unknown type `strnig`; did you mean `string`?"), "{m}");
    // Inside a slice, the part that is wrong is named, and the whole cell too.
    let m = the_one_error(&with_type("[]uint65"), 27);
    assert!(m.starts_with("field `name`: unknown type `uint65` in `[]uint65`; did you mean `uint64`?"), "{m}");
    // Nothing close: no guess, the accepted spellings still listed.
    let m = the_one_error(&with_type("decimal"), 27);
    assert!(m.starts_with("field `name`: unknown type `decimal` (accepted: "), "{m}");
}

#[test]
fn an_undefined_named_type_suggests_a_close_type_or_spelling() {
    // `Int64` reads as a type of the doc's own package; it differs from `int64` in case only.
    let m = the_one_error(&DOC.replace("|name|string||", "|name|Int64||"), 27);
    assert!(m.starts_with("field `name`: type `Int64` is not defined by any table; did you mean `int64`?"), "{m}");
    assert!(m.contains("(accepted: bool, string"), "{m}");
    let m = the_one_error(&DOC.replace("|data|pkg.Item||", "|data|pkg.Iten||"), 47);
    assert!(
        m.starts_with("field `data`: type `pkg.Iten` is not defined by any table; did you mean `pkg.Item`?"),
        "{m}"
    );
    let m = the_one_error(&DOC.replace("|data|pkg.Item||", "|data|[]backend.Unknown||"), 47);
    assert!(m.starts_with("field `data`: type `backend.Unknown` is not defined by any table (accepted: "), "{m}");
}

#[test]
fn a_method_heading_without_its_method_line() {
    // Nothing under the heading: one problem, at the heading, which is there.
    let m = the_one_error(&DOC.replace("#### 请求方式:\n- POST\n", "#### 请求方式:\n"), 12);
    assert_eq!(
        m,
        "`#### 请求方式:` has no method: expected a line `- GET` (one of GET, POST, PUT, DELETE, PATCH) under it"
    );
    // A line that is not an item: one problem, at that line.
    let m = the_one_error(&DOC.replace("- POST\n", "POST\n"), 13);
    assert_eq!(
        m,
        "expected the method as a line `- GET` (one of GET, POST, PUT, DELETE, PATCH) under `#### 请求方式:`, found `POST`"
    );
    // An item that is not a method.
    let m = the_one_error(&DOC.replace("- POST\n", "- FETCH\n"), 13);
    assert_eq!(m, "unknown 请求方式 `FETCH`: expected a line `- GET` (one of GET, POST, PUT, DELETE, PATCH)");
    // No heading at all: that is what is said, once, at the operation.
    assert_eq!(
        the_one_error(&DOC.replace("#### 请求方式:\n- POST\n", ""), 5),
        "operation `新增` has no `#### 请求方式:`"
    );
}

#[test]
fn row_with_the_wrong_number_of_cells() {
    assert_errors(&DOC.replace("|id|int64||", "|id|int64|"), &[(54, "table row has 2 cells, expected 3")]);
}

#[test]
fn example_that_does_not_parse() {
    assert_errors(&DOC.replace("  \"level\": 0\n", "  \"level\": 0,\n"), &[(37, "请求示例 is not valid JSON")]);
}

#[test]
fn examples_that_contradict_their_tables() {
    let doc = DOC
        .replace("  \"level\": 0\n", "  \"level\": 5\n") // not in the enum
        .replace("    \"id\": 1\n", "    \"id\": \"1\"\n"); // a string for an int64
    assert_errors(
        &doc,
        &[
            (36, "请求示例 does not match its table at `/level`"),
            (63, "返回示例 does not match its table at `/data/id`"),
        ],
    );
    // A field the table does not list, and a response field left out.
    let doc =
        DOC.replace("  \"name\": \"\",\n", "  \"name\": \"\",\n  \"nmae\": \"\",\n").replace("  \"code\": 0,\n", "");
    let run = convert(&doc);
    assert!(!run.ok && !run.wrote);
    assert!(run.stderr.contains("doc.md:34: 请求示例 does not match its table"), "{}", run.stderr);
    assert!(run.stderr.contains("nmae"), "{}", run.stderr);
    assert!(
        run.stderr.contains("返回示例 does not match its table") && run.stderr.contains("\"code\""),
        "{}",
        run.stderr
    );
}

#[test]
fn out_of_range_integer_in_an_example() {
    let doc = DOC
        .replace("  \"level\": 0\n", "  \"level\": 300\n")
        .replace("|level|int8|枚举类型[0:低 1:高]|", "|level|int8||");
    assert_errors(&doc, &[(36, "请求示例 does not match its table at `/level`")]);
}

#[test]
fn same_method_and_path_twice() {
    let op_start = DOC.find("### 新增").unwrap();
    let op_end = DOC.find("------\n").unwrap() + "------\n".len();
    let doc = format!("{}{}{}", &DOC[..op_end], &DOC[op_start..op_end], &DOC[op_end..]);
    let second_method_line = DOC[..op_end].lines().count() + 9;
    assert_errors(&doc, &[(second_method_line, "POST /api/item is already defined on line 5")]);
}

#[test]
fn copies_of_a_type_that_differ() {
    let op_start = DOC.find("### 新增").unwrap();
    let op_end = DOC.find("------\n").unwrap() + "------\n".len();
    let second = DOC[op_start..op_end].replace("/api/item", "/api/other").replace("|id|int64||", "|id|string||");
    let doc = format!("{}{}{}", &DOC[..op_end], second, &DOC[op_end..]);
    let table_line = DOC[..op_end].lines().count() + 48;
    assert_errors(&doc, &[(table_line, "`pkg.Item` differs from its table on line 52: field `id` is `string` here")]);
}

#[test]
fn every_problem_in_one_run() {
    let doc = DOC
        .replace("- POST\n", "- FETCH\n")
        .replace("|name|string||", "|name|text||")
        .replace("|id|int64||", "|id|int64|x|y|")
        .replace("  \"id\": 1\n", "  \"id\": 1,\n");
    assert_errors(
        &doc,
        &[
            (13, "unknown 请求方式 `FETCH`"),
            (27, "unknown type `text`"),
            (54, "table row has 4 cells"),
            (64, "返回示例 is not valid JSON"),
        ],
    );
}

#[test]
fn a_failed_run_leaves_the_previous_output_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("doc.md"), DOC.replace("|id|int64||", "|id|int65||")).unwrap();
    std::fs::write(dir.join("doc.json"), "previous\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["openapi", "--doc", "doc.md"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert_eq!(std::fs::read_to_string(dir.join("doc.json")).unwrap(), "previous\n");
}

#[test]
fn check_mode_fails_on_a_stale_spec_and_names_the_command() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("doc.md"), DOC).unwrap();
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).current_dir(dir).output().unwrap();
    assert!(run(&["openapi", "--doc", "doc.md"]).status.success());
    assert!(run(&["openapi", "--doc", "doc.md", "--check"]).status.success());
    std::fs::write(dir.join("doc.md"), DOC.replace("新增一个", "新增一条")).unwrap();
    let o = run(&["openapi", "--doc", "doc.md", "--check"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("stale") && err.contains("`cargo xtask openapi --doc doc.md`"), "{err}");
    // The reverse renderer's check works the same way.
    assert!(run(&["openapi", "--doc", "doc.md"]).status.success());
    assert!(run(&["markdown", "--spec", "doc.json", "--out", "doc.md", "--check"]).status.success());
    std::fs::write(dir.join("doc.md"), DOC.replace("新增一个", "新增两个")).unwrap();
    let o = run(&["markdown", "--spec", "doc.json", "--out", "doc.md", "--check"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("cargo xtask markdown --spec doc.json --out doc.md"));
}

#[test]
fn the_same_group_twice() {
    let doc = DOC.replace("## 组\n\n### 新增", "## 组\n\n## 组\n\n### 新增");
    assert_errors(&doc, &[(5, "group `## 组` is already defined on line 3")]);
}

/// A `## 认证方式` section after the title (its heading on line 3), as the dialect writes it.
const AUTH: &str =
    "## 认证方式\n\n|参数名|位置|备注|\n|---|---|---|\n|x-token|header||\n\n#### 无需认证:\n- POST /api/item\n\n\n";

fn with_auth(section: &str) -> String {
    DOC.replacen("# 测试\n\n", &format!("# 测试\n\n{section}"), 1)
}

#[test]
fn the_auth_section_is_checked() {
    assert!(convert(&with_auth(AUTH)).ok, "the section as the dialect writes it");
    assert_errors(&with_auth(&AUTH.replace("|x-token|header||", "|x-token|body||")), &[(7, "`body` is not a 位置")]);
    assert_errors(
        &with_auth(&AUTH.replace("- POST /api/item", "- GET /api/item")),
        &[(10, "`GET /api/item` is not an operation of this doc")],
    );
    assert_errors(
        &with_auth("## 认证方式\n\n#### 无需认证:\n- POST /api/item\n\n\n"),
        &[(3, "has no `|参数名|位置|备注|` table")],
    );
    assert_errors(&with_auth(&format!("{AUTH}{AUTH}")), &[(13, "`## 认证方式` is already given on line 3")]);
}
