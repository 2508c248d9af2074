//! The server's side of a doc's operations, as Rust source (`cargo xtask scaffold`): a
//! `#[dropshot::api_description]` trait with one method per operation, named by its operationId,
//! and the request and response types whose schemas, as dropshot derives them, say what the doc's
//! spec says — so that `cargo xtask contract` finds nothing to report. With every operation, also
//! the doc-wide tables dropshot cannot declare: who needs a session, and the error codes.
//!
//! Generated from the converted spec (operationIds, component names, which fields are required,
//! defaults, enums) — the same `parse` and `to_spec` as `markdown_to_spec` — with the parsed doc
//! for the lines of the [`Gap`]s: what dropshot cannot say, left out and reported.

mod endpoint;
mod rust;
mod types;

use std::fmt;

use serde_json::Value;

use crate::diag::Diagnostics;
use crate::model::{Doc, Operation, Table};
use crate::to_spec::METHODS;

/// Which operations to scaffold.
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    /// Every operation, with the doc-wide `CREDENTIALS`, `PUBLIC_OPERATIONS` and `ERROR_CODES`.
    All,
    /// These operationIds (in the doc's order, whatever the order given).
    Only(&'a [String]),
}

#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// The doc as the header names it (`openapi/backend-api.md`).
    pub doc_name: &'a str,
    /// The command that makes the output, for its header.
    pub command: &'a str,
    /// The trait's name (see [`trait_name`]).
    pub trait_name: &'a str,
    pub selection: Selection<'a>,
}

/// Something of the doc the module cannot say, at the doc's line: `cargo xtask contract` reports
/// a difference there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Scaffold {
    /// The module's text.
    pub source: String,
    pub gaps: Vec<Gap>,
}

#[derive(Debug, Clone)]
pub enum Error {
    /// The doc does not convert.
    Doc(Diagnostics),
    /// Operations the doc does not have, and those it has.
    Unknown { unknown: Vec<String>, known: Vec<String> },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Doc(d) => write!(f, "{d}{} does not convert; fix it first", d.file),
            Error::Unknown { unknown, known } => {
                let quoted = |ids: &[String]| ids.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ");
                write!(f, "no operation {} in the doc; its operationIds: {}", quoted(unknown), quoted(known))
            }
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

/// The doc's operationIds, in its order.
pub fn operation_ids(doc_text: &str, file: &str) -> Result<Vec<String>, Error> {
    let (_, spec) = convert(doc_text, file)?;
    Ok(operations(&spec).into_iter().map(|o| o.id).collect())
}

/// The module for the selected operations of the doc `doc_text` (named `file` in diagnostics).
pub fn scaffold(doc_text: &str, file: &str, options: &Options) -> Result<Scaffold, Error> {
    let (doc, spec) = convert(doc_text, file)?;
    let ops = operations(&spec);
    let selected: Vec<&SpecOp> = match options.selection {
        Selection::All => ops.iter().collect(),
        Selection::Only(ids) => {
            let unknown: Vec<String> = ids.iter().filter(|i| !ops.iter().any(|o| &o.id == *i)).cloned().collect();
            if !unknown.is_empty() {
                return Err(Error::Unknown { unknown, known: ops.iter().map(|o| o.id.clone()).collect() });
            }
            ops.iter().filter(|o| ids.contains(&o.id)).collect()
        }
    };

    let doc_ops: Vec<&Operation> = doc.operations().collect();
    let mut reserved = RESERVED.to_vec();
    reserved.push(options.trait_name);
    let mut module = types::Module::new(&spec, &reserved);
    let mut methods = Vec::new();
    let mut gaps = Vec::new();
    for op in &selected {
        let doc_op =
            doc_ops.iter().find(|d| d.method.value.eq_ignore_ascii_case(&op.method) && d.path.value == op.path);
        let first = doc_op.and_then(|d| d.request.first());
        let lines = endpoint::DocLines {
            op: doc_op.map_or(1, |d| d.line),
            request_table: first.map(|t| t.line),
            request_rows: first.into_iter().flat_map(|t| &t.fields).map(|f| (f.name.as_str(), f.line)).collect(),
        };
        let (text, op_gaps) = endpoint::method(&mut module, op, &lines);
        methods.push(text);
        gaps.extend(op_gaps.into_iter().map(|(line, message)| Gap { line, message }));
    }
    module.write_components();
    for (go_name, left) in std::mem::take(&mut module.component_gaps) {
        let line = table_row(&doc_ops, &go_name, &left.field);
        gaps.push(Gap { line, message: format!("{go_name}: field `{}` is left out: {}", left.field, left.reason) });
    }
    gaps.sort_by_key(|g| g.line);

    let doc_wide = matches!(options.selection, Selection::All).then(|| doc_wide_constants(&spec, &ops));
    let items = module.items();
    let mut source = header(options);
    for line in module.imports() {
        source.push_str(&line);
        source.push('\n');
    }
    source.push('\n');
    if let Some(constants) = doc_wide {
        source.push_str(&constants);
        source.push('\n');
    }
    source.push_str(&format!(
        "/// The operations of {}, one method each, named by its operationId.\n\
         #[dropshot::api_description]\npub trait {} {{\n    type Context: Send + Sync + 'static;\n",
        options.doc_name, options.trait_name
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
    Ok(Scaffold { source, gaps })
}

/// Names the module's own items must not take: its imports and the prelude's types.
const RESERVED: &[&str] = &[
    "ApiError",
    "LazyBody",
    "LazyQuery",
    "Reply",
    "UploadBody",
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

/// The line of a named type's row, in the first table of that type.
fn table_row(ops: &[&Operation], go_name: &str, field: &str) -> usize {
    let table: Option<&Table> =
        ops.iter().flat_map(|o| o.request.iter().chain(&o.response)).find(|t| t.name.as_deref() == Some(go_name));
    table.map_or(1, |t| t.fields.iter().find(|f| f.name == field).map_or(t.line, |f| f.line))
}

fn header(options: &Options) -> String {
    format!(
        "// Generated from {} by `{}`.\n\
         // The server's side of the doc's operations: a dropshot API trait and the types of its requests and\n\
         // responses. Do not edit by hand: change the doc and run the command again. Left to write: the\n\
         // trait's implementation (the handlers) and the queries; see docs/scaffold.md.\n\n",
        options.doc_name, options.command
    )
}

/// `CREDENTIALS`, `PUBLIC_OPERATIONS` and `ERROR_CODES`: what the doc says of every operation,
/// which dropshot's endpoints cannot declare; the server's spec adds it from these.
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
    let codes: Vec<String> = spec["x-error-codes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let status = c["status"].as_u64().map_or("None".to_string(), |s| format!("Some({s})"));
            format!("({}, {}, {status})", c["code"], rust::str_lit(c["error"].as_str().unwrap_or("")))
        })
        .collect();
    [
        const_list(
            "Where a session token may travel (the doc's `## 认证方式`): its name, and `header`, `cookie`\n\
             /// or `query`. dropshot's endpoints cannot declare security: the server's spec adds it from here.",
            "CREDENTIALS: &[(&str, &str)]",
            &credentials,
        ),
        const_list(
            "The operations anyone may call; given credentials, every other one needs a session.",
            "PUBLIC_OPERATIONS: &[&str]",
            &public,
        ),
        const_list(
            "The doc's error codes (`## 错误码列表`): code, name, HTTP status.",
            "ERROR_CODES: &[(i64, &str, Option<u16>)]",
            &codes,
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

    fn run(text: &str, selection: Selection) -> Result<Scaffold, Error> {
        let options = Options { doc_name: "t.md", command: "cargo xtask scaffold", trait_name: "TApi", selection };
        scaffold(text, "t.md", &options)
    }

    #[test]
    fn trait_names_end_in_api() {
        assert_eq!(trait_name("backend-api"), "BackendApi");
        assert_eq!(trait_name("types"), "TypesApi");
    }

    #[test]
    fn what_dropshot_cannot_take_is_left_out_and_reported_at_its_line() {
        let rows: &[(&str, &str, &str)] = &[("ids", "[]int64", ""), ("at", "time.Time", "")];
        let text = doc(&[("/v1/a/{id}", "GET", "query", &[("", rows)], ENVELOPE)]);
        let out = run(&text, Selection::All).unwrap();
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
        let out = run(&doc(&[("/v1/a", "POST", "json", request, response)]), Selection::All).unwrap();
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
    fn a_selection_is_in_the_docs_order_without_the_doc_wide_tables() {
        let text = doc(&[("/v1/a", "GET", "query", &[], ENVELOPE), ("/v1/b", "DELETE", "json", &[], ENVELOPE)]);
        let ids = ["delete_b".to_string(), "get_a".to_string()];
        let s = run(&text, Selection::Only(&ids)).unwrap().source;
        assert!(s.find("fn get_a(").unwrap() < s.find("fn delete_b(").unwrap());
        assert_eq!(s.matches("pub struct Envelope {").count(), 1);
        assert!(!s.contains("ERROR_CODES") && run(&text, Selection::All).unwrap().source.contains("ERROR_CODES"));
        assert!(s.starts_with("// Generated from t.md by `cargo xtask scaffold`."));

        let unknown = ["get_c".to_string()];
        let e = run(&text, Selection::Only(&unknown)).unwrap_err().to_string();
        assert_eq!(e, "no operation `get_c` in the doc; its operationIds: `get_a`, `delete_b`");
    }
}
