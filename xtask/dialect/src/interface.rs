//! The server's interface to a doc's operations, as Rust source (`cargo xtask openapi` writes the
//! project's into `server/api/src/generated.rs`): a `#[dropshot::api_description]` trait with one
//! method per operation, named by its operationId, the request and response types whose schemas,
//! as dropshot derives them, say what the doc's spec says, and the doc-wide tables dropshot
//! cannot declare (who needs a session, the error codes) — so that `cargo xtask contract` finds
//! nothing to report. What the doc cannot say comes from its [`overlay`], written by hand.
//!
//! Generated from the converted spec (operationIds, component names, which fields are required,
//! defaults, enums) — the same `parse` and `to_spec` as `markdown_to_spec` — with the parsed doc
//! for the lines of the [`Gap`]s: what dropshot cannot say, left out and reported.

mod endpoint;
pub mod overlay;
mod rust;
mod types;

use std::fmt;

use serde_json::Value;

use crate::diag::Diagnostics;
use crate::model::{Doc, Operation, Section, Table};
use crate::to_spec::METHODS;
use overlay::{DocOperation, Overlay};

/// What to generate from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The doc's text, and its name as diagnostics and the header show it
    /// (`openapi/backend-api.md`).
    pub doc: (&'a str, &'a str),
    /// The overlay's text and name, if the doc has one.
    pub overlay: Option<(&'a str, &'a str)>,
    /// The command that makes the output, for its header.
    pub command: &'a str,
    /// The trait's name (see [`trait_name`]).
    pub trait_name: &'a str,
}

/// Something of the doc the module cannot say, at the doc's line: `cargo xtask contract` reports
/// a difference there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Interface {
    /// The module's text.
    pub source: String,
    pub gaps: Vec<Gap>,
}

#[derive(Debug, Clone)]
pub enum Error {
    /// The doc does not convert.
    Doc(Diagnostics),
    /// The overlay does not parse, or names what the doc does not have.
    Overlay(Diagnostics),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Doc(d) => write!(f, "{d}{} does not convert; fix it first", d.file),
            Error::Overlay(d) => write!(f, "{d}{}: nothing written", d.file),
        }
    }
}

impl std::error::Error for Error {}

/// An operation of the converted spec.
pub struct SpecOp<'s> {
    pub id: String,
    /// Upper case, as dropshot's `method =` takes it.
    pub method: String,
    pub path: String,
    pub value: &'s Value,
}

/// The trait's name for a doc file's stem: `backend-api` → `BackendApi`, `types` → `TypesApi`.
pub fn trait_name(stem: &str) -> String {
    let name = rust::pascal(stem);
    if name.ends_with("Api") {
        name
    } else {
        format!("{name}Api")
    }
}

/// The module dropshot's `api_description` macro makes for a trait, which holds its
/// `stub_api_description`: `BackendApi` → `backend_api_mod`.
pub fn trait_module(trait_name: &str) -> String {
    format!("{}_mod", rust::snake(trait_name))
}

/// The overlay's file name beside a doc's: `backend-api.md` → `backend-api.server.toml`.
pub fn overlay_file_name(doc_file_name: &str) -> String {
    let stem = doc_file_name.strip_suffix(".md").unwrap_or(doc_file_name);
    format!("{stem}.server.toml")
}

/// The module for every operation of the doc.
pub fn generate(inputs: &Inputs) -> Result<Interface, Error> {
    let (doc_text, file) = inputs.doc;
    let (doc, spec) = convert(doc_text, file)?;
    let ops = operations(&spec);
    let overlay = match inputs.overlay {
        Some((text, name)) => {
            let known: Vec<DocOperation> = ops.iter().map(doc_operation).collect();
            Overlay::parse(text, name, &known).map_err(Error::Overlay)?
        }
        None => Overlay::default(),
    };

    let doc_ops: Vec<&Operation> = doc.operations().collect();
    let mut reserved = RESERVED.to_vec();
    reserved.push(inputs.trait_name);
    let mut module = types::Module::new(&spec, &reserved);
    let mut methods = Vec::new();
    let mut gaps = Vec::new();
    for op in &ops {
        let doc_op =
            doc_ops.iter().find(|d| d.method.value.eq_ignore_ascii_case(&op.method) && d.path.value == op.path);
        let first = doc_op.and_then(|d| d.request.first());
        let lines = endpoint::DocLines {
            op: doc_op.map_or(1, |d| d.line),
            request_table: first.map(|t| t.line),
            request_rows: first.into_iter().flat_map(|t| &t.fields).map(|f| (f.name.as_str(), f.line)).collect(),
        };
        let added = overlay.operation(&op.id).cloned().unwrap_or_default();
        let (text, op_gaps) = endpoint::method(&mut module, op, &lines, &overlay.extractors, &added);
        methods.push(text);
        gaps.extend(op_gaps.into_iter().map(|(line, message)| Gap { line, message }));
    }
    module.write_components();
    for (go_name, left) in std::mem::take(&mut module.component_gaps) {
        let line = table_row(&doc_ops, &go_name, &left.field);
        gaps.push(Gap { line, message: format!("{go_name}: field `{}` is left out: {}", left.field, left.reason) });
    }
    let (error_codes, code_gaps) = error_codes(&spec, &doc);
    gaps.extend(code_gaps);
    gaps.sort_by_key(|g| g.line);

    let constants = doc_wide_constants(&spec, &ops);
    let items = module.items();
    let mut source = header(inputs);
    for line in module.imports() {
        source.push_str(&line);
        source.push('\n');
    }
    source.push('\n');
    source.push_str(&constants);
    for limit in module.take_constants() {
        source.push('\n');
        source.push_str(&limit);
    }
    source.push_str(&format!(
        "\n/// The operations of {}, one method each, named by its operationId.\n\
         #[dropshot::api_description]\npub trait {} {{\n    type Context: Send + Sync + 'static;\n",
        file, inputs.trait_name
    ));
    for m in &methods {
        source.push('\n');
        source.push_str(m);
    }
    source.push_str("}\n");
    for item in items {
        source.push('\n');
        source.push_str(&item);
    }
    source.push('\n');
    source.push_str(&error_codes);
    Ok(Interface { source, gaps })
}

/// Names the module's own items must not take: its imports and the prelude's types.
const RESERVED: &[&str] = &[
    "ApiError",
    "ErrorCode",
    "FormBody",
    "LazyBody",
    "LazyQuery",
    "Reply",
    "HttpResponseHeaders",
    "HttpResponseOk",
    "HttpResponseUpdatedNoContent",
    "RequestContext",
    "Path",
    "JsonSchema",
    "Serialize",
    "Deserialize",
    "SchemaGenerator",
    "InstanceType",
    "Metadata",
    "NumberValidation",
    "Schema",
    "SchemaObject",
    "SubschemaValidation",
    "BTreeMap",
    "Box",
    "Default",
    "Option",
    "Result",
    "Self",
    "String",
    "Vec",
];

fn convert(doc_text: &str, file: &str) -> Result<(Doc, Value), Error> {
    let mut diags = Diagnostics::new(file);
    let doc = crate::parse::parse(doc_text, &mut diags);
    let spec = crate::to_spec::to_spec(&doc, "", &mut diags);
    let spec = diags.finish(spec).map_err(Error::Doc)?;
    Ok((doc, spec))
}

/// The spec's operations in the doc's order.
fn operations(spec: &Value) -> Vec<SpecOp<'_>> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for m in METHODS {
            if let Some(value) = item.get(m.to_ascii_lowercase()) {
                let id = value["operationId"].as_str().unwrap_or_default().to_string();
                ops.push((value["x-order"].as_u64(), SpecOp { id, method: m.to_string(), path: path.clone(), value }));
            }
        }
    }
    ops.sort_by_key(|(order, _)| *order);
    ops.into_iter().map(|(_, op)| op).collect()
}

/// What the overlay may refer to of an operation.
fn doc_operation<'s>(op: &'s SpecOp) -> DocOperation<'s> {
    let body = op.value["requestBody"]["content"].as_object().and_then(|c| c.values().next());
    let body_fields = body.map(|media| {
        media["schema"]["properties"].as_object().into_iter().flatten().map(|(k, _)| k.as_str()).collect()
    });
    DocOperation { id: &op.id, body_fields }
}

/// The line of a named type's row, in the first table of that type.
fn table_row(ops: &[&Operation], go_name: &str, field: &str) -> usize {
    let table: Option<&Table> =
        ops.iter().flat_map(|o| o.request.iter().chain(&o.response)).find(|t| t.name.as_deref() == Some(go_name));
    table.map_or(1, |t| t.fields.iter().find(|f| f.name == field).map_or(t.line, |f| f.line))
}

fn header(inputs: &Inputs) -> String {
    let from = match inputs.overlay {
        Some((_, overlay)) => format!("{} and {overlay}", inputs.doc.1),
        None => inputs.doc.1.to_string(),
    };
    format!(
        "// Generated from {from} by `{}`.\n\
         // The server's interface to the doc's operations: a dropshot API trait, the types of its requests and\n\
         // responses, and the doc's tables. Do not edit by hand: change the doc (or what the server adds to it,\n\
         // beside it) and run the command again. Left to write: the trait's implementation; see docs/interface.md.\n\n",
        inputs.command
    )
}

/// `TITLE`, `VERSION`, `CREDENTIALS` and `PUBLIC_OPERATIONS`: what the doc says of every operation, which dropshot's
/// endpoints cannot declare; the server's spec adds it from these.
fn doc_wide_constants(spec: &Value, ops: &[SpecOp]) -> String {
    let credentials: Vec<String> = spec["components"]["securitySchemes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, s)| format!("({}, {})", rust::str_lit(name), rust::str_lit(s["in"].as_str().unwrap_or(""))))
        .collect();
    let public: Vec<String> = ops
        .iter()
        .filter(|o| o.value["security"].as_array().is_some_and(Vec::is_empty))
        .map(|o| rust::str_lit(&o.id))
        .collect();
    let info = format!(
        "/// The doc's title (the spec's `info.title`).\npub const TITLE: &str = {};\n\
         /// The doc's version (`版本`, raised by `cargo xtask release`; the spec's `info.version`).\n\
         pub const VERSION: &str = {};\n",
        rust::str_lit(spec["info"]["title"].as_str().unwrap_or_default()),
        rust::str_lit(spec["info"]["version"].as_str().unwrap_or_default()),
    );
    [
        info,
        const_list(
            "Where a session token may travel (the doc's `## 认证方式`): its name, and `header`, `cookie`\n\
             /// or `query`. dropshot's endpoints cannot declare security: the server's spec adds it from here.",
            "CREDENTIALS: &[(&str, &str)]",
            &credentials,
        ),
        const_list(
            "The doc's operations anyone may call; given credentials, every other one needs a session.",
            "PUBLIC_OPERATIONS: &[&str]",
            &public,
        ),
    ]
    .concat()
}

/// `pub const NAME: T = &[…];` on one line when it fits in 120 columns, else one item a line.
fn const_list(about: &str, declaration: &str, items: &[String]) -> String {
    let one = format!("pub const {declaration} = &[{}];", items.join(", "));
    if one.chars().count() <= 120 {
        format!("/// {about}\n{one}\n")
    } else {
        let lines: String = items.iter().map(|i| format!("    {i},\n")).collect();
        format!("/// {about}\npub const {declaration} = &[\n{lines}];\n")
    }
}

/// The enum `ErrorCode` of the doc's `## 错误码列表`, one variant a row; and a gap for each row
/// without an HTTP status (the server answers it with 500, the doc says none).
fn error_codes(spec: &Value, doc: &Doc) -> (String, Vec<Gap>) {
    let rows: Vec<&Value> = spec["x-error-codes"].as_array().into_iter().flatten().collect();
    let lines: Vec<(i64, usize)> = doc
        .sections
        .iter()
        .filter_map(|s| match s {
            Section::ErrorCodes(rows) => Some(rows),
            _ => None,
        })
        .flat_map(|rows| rows.iter().map(|r| (r.code, r.line)))
        .collect();
    let mut names = rust::Names::default();
    let mut gaps = Vec::new();
    let mut variants = String::new();
    let (mut all, mut codes, mut errors, mut statuses) = (Vec::new(), String::new(), String::new(), String::new());
    for row in rows {
        let code = row["code"].as_i64().unwrap_or_default();
        let error = row["error"].as_str().unwrap_or_default();
        let variant = names.claim(&rust::pascal(error));
        let status = match row["status"].as_u64() {
            Some(s) => s,
            None => {
                let line = lines.iter().find(|(c, _)| *c == code).map_or(1, |(_, l)| *l);
                let message = format!(
                    "error code {code} gives no HTTP status (`HTTP 4xx: ` in its note): the server answers it with 500"
                );
                gaps.push(Gap { line, message });
                500
            }
        };
        if let Some(d) = row["description"].as_str().filter(|d| !d.is_empty()) {
            variants.push_str(&format!("    /// {d}\n"));
        }
        variants.push_str(&format!("    {variant},\n"));
        all.push(format!("ErrorCode::{variant}"));
        codes.push_str(&format!("            ErrorCode::{variant} => {code},\n"));
        errors.push_str(&format!("            ErrorCode::{variant} => {},\n", rust::str_lit(error)));
        statuses.push_str(&format!("            ErrorCode::{variant} => {status},\n"));
    }
    let all_one = format!("    pub const ALL: &'static [ErrorCode] = &[{}];\n", all.join(", "));
    let all = if all_one.chars().count() <= 121 {
        all_one
    } else {
        let lines: String = all.iter().map(|v| format!("        {v},\n")).collect();
        format!("    pub const ALL: &'static [ErrorCode] = &[\n{lines}    ];\n")
    };
    let arms = |arms: &str| {
        if arms.is_empty() {
            "match self {}".to_string()
        } else {
            format!("match self {{\n{arms}        }}")
        }
    };
    let source = format!(
        "/// The doc's error codes (`## 错误码列表`), one a row: the code clients match on, the name sent as\n\
         /// `error` and the HTTP status answered with it.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n\
         pub enum ErrorCode {{\n{variants}}}\n\n\
         impl ErrorCode {{\n    /// Every code, in the doc's order.\n{all}\n    \
         /// The numeric code (`code`).\n    pub const fn code(self) -> i64 {{\n        {}\n    }}\n\n    \
         /// The snake_case name sent as `error`.\n    pub const fn name(self) -> &'static str {{\n        {}\n    }}\n\n    \
         /// The HTTP status answered with this code.\n    pub const fn status(self) -> u16 {{\n        {}\n    }}\n}}\n",
        arms(&codes),
        arms(&errors),
        arms(&statuses),
    );
    (source, gaps)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `### summary` … for each `(path, method, format, request tables, response tables)`; a
    /// table is `(pkg.Type or "", rows)`.
    type Tables<'a> = &'a [(&'a str, &'a [(&'a str, &'a str, &'a str)])];

    fn doc(ops: &[(&str, &str, &str, Tables, Tables)]) -> String {
        let tables = |ts: Tables| -> String {
            ts.iter()
                .map(|(name, rows)| {
                    let head = if name.is_empty() { String::new() } else { format!("\n{name}\n\n") };
                    let rows: String = rows.iter().map(|(n, t, note)| format!("|{n}|{t}|{note}|\n")).collect();
                    format!("{head}|字段名|类型|备注|\n|---|---|---|\n{rows}\n")
                })
                .collect()
        };
        let mut text = String::from("# T\n\n## G\n\n");
        for (path, method, format, request, response) in ops {
            text += &format!(
                "### op\n\nabout\n\n#### 请求URL:\n- {path}\n\n#### 请求方式:\n- {method}\n\n#### 请求格式:\n- {format}\n\n\
                 #### 所需权限:\n- 无\n\n#### 请求参数:\n\n{}\n#### 返回参数:\n\n{}\n------\n",
                tables(request),
                tables(response)
            );
        }
        text
    }

    const ENVELOPE: Tables = &[("", &[("code", "int", ""), ("msg", "string", ""), ("error", "string", "")])];

    fn run(text: &str) -> Result<Interface, Error> {
        run_with(text, None)
    }

    fn run_with(text: &str, overlay: Option<&str>) -> Result<Interface, Error> {
        let inputs = Inputs {
            doc: (text, "t.md"),
            overlay: overlay.map(|o| (o, "t.server.toml")),
            command: "cargo xtask interface",
            trait_name: "TApi",
        };
        generate(&inputs)
    }

    #[test]
    fn trait_names_end_in_api() {
        assert_eq!(trait_name("backend-api"), "BackendApi");
        assert_eq!(trait_name("types"), "TypesApi");
        assert_eq!(trait_module("BackendApi"), "backend_api_mod");
        assert_eq!(trait_module("TypesApi"), "types_api_mod");
        assert_eq!(overlay_file_name("backend-api.md"), "backend-api.server.toml");
    }

    #[test]
    fn what_dropshot_cannot_take_is_left_out_and_reported_at_its_line() {
        let rows: &[(&str, &str, &str)] = &[("ids", "[]int64", ""), ("at", "time.Time", "")];
        let text = doc(&[("/v1/a/{id}", "GET", "query", &[("", rows)], ENVELOPE)]);
        let out = run(&text).unwrap();
        let line = |needle: &str| text.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
        let gaps: Vec<(usize, bool)> = out.gaps.iter().map(|g| (g.line, g.message.contains("`ids`"))).collect();
        // The path parameter where the contract check reports it (the table), the array at its row.
        assert_eq!(gaps, [(line("|字段名|"), false), (line("|ids|"), true)], "{:?}", out.gaps);
        assert!(out.source.contains("// `ids` is left out: its type `[]int64` is not a scalar"), "{}", out.source);
        assert!(out.source.contains("schema_with = \"query_zero_default::<DateTime>\")]\n    pub at: DateTime,"));
        // `get__id_` is no snake-case name: the method is `get_id`, the operationId stays.
        assert!(out.source.contains("tags = [\"G\"], operation_id = \"get__id_\" }]\n    async fn get_id("));
        assert!(out.source.contains("path: Path<GetIdPath>,"));
    }

    #[test]
    fn fields_are_declared_by_where_they_are_used() {
        let item: &[(&str, &str, &str)] = &[("tags", "[]string", ""), ("state", "uint8", "枚举类型[1:新 2:旧]")];
        let only_in: &[(&str, &str, &str)] = &[("n", "int", "")];
        let request: Tables =
            &[("", &[("item", "p.Item", ""), ("in", "p.In", "")]), ("p.Item", item), ("p.In", only_in)];
        let response: Tables = &[("", &[("code", "int", ""), ("item", "*p.Item", "")]), ("p.Item", item)];
        let out = run(&doc(&[("/v1/a", "POST", "json", request, response)])).unwrap();
        let s = &out.source;
        assert!(out.gaps.is_empty(), "{:?}", out.gaps);
        // A type of requests and responses: every field present; one only requests use: optional.
        assert!(s.contains("JsonSchema)]\npub struct Item {"), "{s}");
        assert!(s.contains("#[serde(default)]\npub struct In {"), "{s}");
        assert!(s.contains("#[serde(default)]\npub struct PostARequest {"), "{s}");
        assert!(s.contains("schema_with = \"present::<Option<Vec<String>>>\")]\n    pub tags: Option<Vec<String>>,"));
        assert!(s.contains("schema_with = \"present::<Option<Item>>\")]\n    pub item: Option<Item>,"));
        // `in` is a keyword; the enum is one constant, its zero value no default.
        assert!(s.contains("#[serde(rename = \"in\")]\n    pub in_: In,"), "{s}");
        assert_eq!(s.matches("pub const STATE_VALUES: [u8; 2] = [1, 2];").count(), 1, "{s}");
        assert!(s.contains("    #[schemars(schema_with = \"state_schema\")]\n    pub state: u8,"), "{s}");
    }

    #[test]
    fn the_overlay_adds_limits_headers_replies_and_redactions() {
        let request: Tables = &[("", &[("name", "string", ""), ("password", "string", "")])];
        let text = doc(&[
            ("/v1/login", "POST", "json", request, ENVELOPE),
            ("/v1/file", "POST", "form-data", &[("", &[("file", "表单文件", "")])], ENVELOPE),
        ]);
        let overlay = "[extractors]\njson = \"dropshot::TypedBody\"\n\n[operations.post_login]\n\
                       request_body_max_bytes = 4096\nerror_headers = true\nredact = [\"password\"]\n\
                       response_headers = [{ name = \"x-auth-token\", description = \"The token.\" }]\n";
        let s = run_with(&text, Some(overlay)).unwrap().source;
        assert!(s.starts_with("// Generated from t.md and t.server.toml by `cargo xtask interface`."), "{s}");
        assert!(s.contains("pub const POST_LOGIN_BODY_MAX_BYTES: usize = 4096;"), "{s}");
        assert!(s.contains(", request_body_max_bytes = POST_LOGIN_BODY_MAX_BYTES }]\n"), "{s}");
        assert!(s.contains("body: TypedBody<PostLoginRequest>,"), "{s}");
        assert!(s.contains("use dropshot::{HttpResponseHeaders, HttpResponseOk, RequestContext, TypedBody};"), "{s}");
        assert!(
            s.contains(
                ") -> Result<Reply<HttpResponseHeaders<HttpResponseOk<Envelope>, PostLoginHeaders>>, ApiError>;"
            ),
            "{s}"
        );
        assert!(
            s.contains("    /// The token.\n    #[serde(rename = \"x-auth-token\")]\n    pub x_auth_token: String,"),
            "{s}"
        );
        assert!(
            s.contains("f.debug_struct(\"PostLoginRequest\").field(\"name\", &self.name).finish_non_exhaustive()"),
            "{s}"
        );
        // The form's file part, for the body's schema; the extractor hands the stream over.
        assert!(s.contains("body: FormBody<PostFileForm>"), "{s}");
        assert!(s.contains("#[serde(skip_serializing_if = \"is_zero\")]\n    pub file: FormFile,"), "{s}");

        let e = run_with(&text, Some("[operations.post_logn]\n")).unwrap_err().to_string();
        assert!(
            e.starts_with("t.server.toml:1: no operation `post_logn` in the doc; did you mean `post_login`?"),
            "{e}"
        );
    }

    #[test]
    fn the_error_codes_are_an_enum() {
        let mut text = doc(&[("/v1/a", "GET", "query", &[], ENVELOPE)]);
        text.push_str(
            "## 错误码列表\n\n|错误码|错误信息|备注|\n|---|---|---|\n|1|not_found|HTTP 404: no such thing|\n|2|odd||\n",
        );
        let out = run(&text).unwrap();
        let s = &out.source;
        assert!(s.contains("    /// no such thing\n    NotFound,\n    Odd,\n}"), "{s}");
        assert!(s.contains("ErrorCode::NotFound => 1,") && s.contains("ErrorCode::Odd => \"odd\","), "{s}");
        assert!(s.contains("ErrorCode::NotFound => 404,") && s.contains("ErrorCode::Odd => 500,"), "{s}");
        let line = text.lines().position(|l| l.starts_with("|2|")).unwrap() + 1;
        assert_eq!(out.gaps.iter().map(|g| g.line).collect::<Vec<_>>(), [line], "{:?}", out.gaps);
        // A doc without the table has the enum, empty.
        assert!(run(&doc(&[("/v1/a", "GET", "query", &[], ENVELOPE)]))
            .unwrap()
            .source
            .contains("pub enum ErrorCode {\n}"));
    }
}
