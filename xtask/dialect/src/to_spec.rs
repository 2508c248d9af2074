//! [`Doc`] → OpenAPI 3.0.3, as a `serde_json::Value` whose key order is the order written here.
//!
//! Everything OpenAPI has no field for is kept in an `x-` extension so that [`super::from_spec`]
//! can rebuild the same [`Doc`]. Extensions are written only where the spec alone would not say
//! it (e.g. `x-go-type` only where the schema's plain Go spelling is not the one written), so the
//! common case reads like ordinary OpenAPI. The extensions:
//!
//! | where | key | what |
//! |---|---|---|
//! | top level | `x-generated` | which command made the spec, for whoever would edit it: an extension, so that the API's readers (`/docs`) do not see it |
//! | top level | `x-error-codes` | the `## 错误码列表` rows: `code`, `error`, `status`, `description` |
//! | top level | `x-error-codes-position` | how many groups precede that section, when it is not last |
//! | top level | `x-security-position` | how many sections precede `## 认证方式`, when it is not first |
//! | operation | `x-order` | its position in the document |
//! | operation | `x-permission` | `所需权限`; `null` for `无` |
//! | operation | `x-request-format` | `请求格式`, when no parameter says it |
//! | operation | `x-request-types`, `x-response-types` | the `pkg.Type` tables under each section, in order |
//! | operation | `x-request-example` | `请求示例` of an operation without a body |
//! | media type / operation | `x-example-text`, `x-request-example-text` | an example's text, when re-printing the JSON would not give it back — or when the `example` had to differ from it (below) |
//!
//! `## 认证方式` becomes OpenAPI's own fields: each credential an `apiKey` scheme in
//! `components.securitySchemes` (named as the header or cookie), the top-level `security` lists
//! them as alternatives, and each operation under `#### 无需认证:` has `"security": []`.
//!
//! An example is emitted as an `example` only in a form its schema accepts: the generator writes
//! zero values (`"type": ""`) where an enum has no such value, and those are replaced by the
//! enum's first value in the `example`, the text as written kept in `x-example-text`.
//! | schema | `x-go-type` | the Go type as written, when not the schema's plain spelling |
//! | schema | `x-enum-labels` | the labels of `枚举类型[value:label …]`, in `enum` order |
//! | schema / error code | `x-note` | the note as written, when not its canonical form |
//! | component | `x-go-name` | the `pkg.Type` it was written as |

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::gotype::{self, GoType};
use super::jsonschema::{self as js, Checker, Strictness};
use super::model::*;
use crate::diag::{did_you_mean, Diagnostics};

/// The name of the error envelope's component schema; the server's error type carries it too.
pub const ERROR_SCHEMA: &str = "Error";

/// The methods the dialect knows.
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];
/// The request formats the dialect knows.
pub const FORMATS: [&str; 3] = ["query", "json", "form-data"];

const ENUM_MARK: &str = "枚举类型[";

/// How the line under `#### 请求方式:` is written, for the messages about it.
pub fn method_line() -> String {
    format!("a line `- GET` (one of {})", METHODS.join(", "))
}

pub fn to_spec(doc: &Doc, note: &str, diags: &mut Diagnostics) -> Value {
    let ops: Vec<(&str, &Operation)> =
        doc.groups().flat_map(|g| g.operations.iter().map(move |op| (g.name.as_str(), op))).collect();

    let mut groups: HashMap<&str, usize> = HashMap::new();
    for s in &doc.sections {
        if let Section::Group(g) = s {
            if let Some(first) = groups.insert(&g.name, g.line) {
                diags.error(g.line, format!("group `## {}` is already defined on line {first}", g.name));
            }
        }
    }
    let types = collect_types(&ops, diags);
    let auth = auth_section(doc);
    let ids = operation_ids(&ops, diags);

    let mut components = Map::new();
    for t in &types.list {
        components.insert(t.component.clone(), types.component_schema(t, diags));
    }
    components.insert(ERROR_SCHEMA.into(), envelope_schema());

    let mut paths = Map::new();
    for (order, ((group, op), id)) in ops.iter().zip(&ids).enumerate() {
        let method = op.method.value.to_ascii_lowercase();
        let mut operation = types.operation(op, group, id, order, diags);
        if auth.is_some_and(|a| a.public.iter().any(|p| same_route(&p.value, op))) {
            operation["security"] = json!([]);
        }
        let item = paths.entry(op.path.value.clone()).or_insert_with(|| json!({}));
        item[method] = operation;
    }

    let mut spec = json!({
        "openapi": "3.0.3",
        "info": {"title": doc.title, "version": doc.version.as_ref().map_or(UNSTATED_VERSION, |v| v.value.as_str())},
        // What a spec without `servers` means (OpenAPI 3.0.3: "a Server Object with a url value of
        // /"), said explicitly: each deployment serves its own copy, so there is no host to name.
        "servers": [{"url": "/"}],
        "tags": doc.groups().map(|g| json!({"name": g.name})).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "schemas": components,
            "responses": {
                "Error": {
                    "description": "Error",
                    "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{ERROR_SCHEMA}")}}}
                }
            }
        },
    });
    if doc.version.is_none() {
        spec["info"][UNSTATED_MARKER] = json!(true);
    }
    error_codes(doc, &mut spec, diags);
    if let Some(auth) = auth {
        security(doc, auth, &ops, &mut spec, diags);
    }
    check_examples(&ops, &spec, diags);
    examples_within_their_enums(&mut spec);
    if !note.is_empty() {
        spec["x-generated"] = json!(note);
    }
    spec
}

/// The doc's `## 认证方式`, if any (a second one is reported by the parser).
fn auth_section(doc: &Doc) -> Option<&Auth> {
    doc.sections.iter().find_map(|s| match s {
        Section::Auth(a) => Some(a),
        _ => None,
    })
}

/// Whether `METHOD /path` (as written under `#### 无需认证:`) names `op`.
fn same_route(written: &str, op: &Operation) -> bool {
    written.split_once(' ').is_some_and(|(m, p)| m.eq_ignore_ascii_case(&op.method.value) && p.trim() == op.path.value)
}

/// `## 认证方式` → `components.securitySchemes`, the top-level `security`, and where the section
/// stands. The public operations' `"security": []` is set with each operation.
fn security(doc: &Doc, auth: &Auth, ops: &[(&str, &Operation)], spec: &mut Value, diags: &mut Diagnostics) {
    let mut schemes = Map::new();
    for c in &auth.credentials {
        let mut scheme = json!({"type": "apiKey", "in": c.location, "name": c.name});
        if !c.note.is_empty() {
            scheme["description"] = json!(c.note);
        }
        if schemes.insert(c.name.clone(), scheme).is_some() {
            diags.error(c.line, format!("credential `{}` is listed twice", c.name));
        }
    }
    let mut last = 0;
    for p in &auth.public {
        match ops.iter().position(|(_, op)| same_route(&p.value, op)) {
            None => {
                diags.error(p.line, format!("`{}` is not an operation of this doc (expected `METHOD /path`)", p.value))
            }
            Some(i) if i < last || (i == last && p.line != auth.public[0].line) => diags.error(
                p.line,
                format!(
                    "`{}`: list the operations under `{PUBLIC_HEADING}` once each, in the order of the document",
                    p.value
                ),
            ),
            Some(i) => last = i,
        }
    }
    // `security` after `paths`, `securitySchemes` after `responses`: where readers look for them.
    let alternatives: Vec<Value> = auth.credentials.iter().map(|c| json!({ c.name.clone(): [] })).collect();
    insert_after(spec, "tags", "security", Value::Array(alternatives));
    insert_after(&mut spec["components"], "responses", "securitySchemes", Value::Object(schemes));
    let position = doc.sections.iter().position(|s| matches!(s, Section::Auth(_))).unwrap_or(0);
    if position != 0 {
        spec["x-security-position"] = json!(position);
    }
}

/// Inserts `key: value` into the object `target` right after `after` (at the end without it).
fn insert_after(target: &mut Value, after: &str, key: &str, value: Value) {
    let Some(object) = target.as_object_mut() else { return };
    let mut rebuilt = Map::new();
    for (k, v) in std::mem::take(object) {
        let here = k == after;
        rebuilt.insert(k, v);
        if here {
            rebuilt.insert(key.to_string(), value.clone());
        }
    }
    rebuilt.entry(key.to_string()).or_insert(value);
    *object = rebuilt;
}

/// Replaces, in every request and response `example`, a zero value the schema's enum does not
/// hold by the enum's first value, keeping the text as written in `x-example-text`: standard
/// tools take an `example` its own schema refuses for an error.
fn examples_within_their_enums(spec: &mut Value) {
    let components = spec["components"]["schemas"].clone();
    let Some(paths) = spec["paths"].as_object_mut() else { return };
    for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|item| item.values_mut()) {
        let mut media: Vec<&mut Value> = Vec::new();
        let Some(op) = op.as_object_mut() else { continue };
        for (key, part) in op.iter_mut() {
            let contents: Vec<&mut Value> = match key.as_str() {
                "requestBody" => part.get_mut("content").into_iter().collect(),
                "responses" => part
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|r| r.values_mut())
                    .filter_map(|r| r.get_mut("content"))
                    .collect(),
                _ => Vec::new(),
            };
            for content in contents {
                media.extend(content.as_object_mut().into_iter().flat_map(|c| c.values_mut()));
            }
        }
        for m in media {
            let Some(example) = m.get("example").cloned() else { continue };
            let mut fixed = example.clone();
            if within_enums(&mut fixed, &m["schema"], &components) {
                if m.get("x-example-text").is_none() {
                    m["x-example-text"] = json!(pretty(&example));
                }
                m["example"] = fixed;
            }
        }
    }
}

/// Puts each zero value of `value` that its schema's enum does not hold to the enum's first
/// value; whether anything changed.
fn within_enums(value: &mut Value, schema: &Value, components: &Value) -> bool {
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        return within_enums(value, &components[name], components);
    }
    if let Some([only]) = schema["allOf"].as_array().map(Vec::as_slice) {
        return within_enums(value, only, components);
    }
    if let Some(allowed) = schema["enum"].as_array() {
        let zero = matches!(value, Value::String(s) if s.is_empty())
            || value.as_f64() == Some(0.0)
            || *value == Value::Bool(false);
        if zero && !allowed.contains(value) {
            if let Some(first) = allowed.first() {
                *value = first.clone();
                return true;
            }
        }
        return false;
    }
    let mut changed = false;
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                if let Some(s) = schema["properties"].get(name) {
                    changed |= within_enums(field, s, components);
                }
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                changed |= within_enums(item, &schema["items"], components);
            }
        }
        _ => {}
    }
    changed
}

/// The `{code, msg, error}` body every error answers with.
fn envelope_schema() -> Value {
    json!({
        "description": "The error envelope: `code` from `x-error-codes`, `error` its name, `msg` what was wrong.",
        "type": "object",
        "properties": {
            "code": {"type": "integer", "format": "int64"},
            "msg": {"type": "string"},
            "error": {"type": "string"}
        },
        "required": ["code", "msg", "error"]
    })
}

/// `method` + the path segments after the longest common prefix of all the doc's paths.
fn operation_ids(ops: &[(&str, &Operation)], diags: &mut Diagnostics) -> Vec<String> {
    let split = |p: &str| p.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect::<Vec<_>>();
    let paths: Vec<Vec<String>> = ops.iter().map(|(_, op)| split(&op.path.value)).collect();
    let mut common = paths.first().map_or(0, Vec::len);
    for p in &paths {
        common = common.min(p.iter().zip(&paths[0]).take_while(|(a, b)| a == b).count());
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut seen_route: HashMap<(String, String), usize> = HashMap::new();
    let mut ids = Vec::new();
    for ((_, op), segs) in ops.iter().zip(&paths) {
        let rest = if segs.len() > common { &segs[common..] } else { &segs[segs.len().saturating_sub(1)..] };
        let mut id = op.method.value.to_ascii_lowercase();
        for s in rest {
            id.push('_');
            id.extend(s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }));
        }
        let route = (op.method.value.to_ascii_uppercase(), op.path.value.clone());
        if let Some(first) = seen_route.insert(route, op.line) {
            diags.error(
                op.method.line,
                format!("{} {} is already defined on line {first}", op.method.value, op.path.value),
            );
        } else if let Some(first) = seen.insert(id.clone(), op.line) {
            diags.error(op.path.line, format!("operationId `{id}` is already taken by the operation on line {first}"));
        }
        ids.push(id);
    }
    ids
}

/// A `pkg.Type` table, and the component schema it becomes.
struct NamedType<'a> {
    go_name: String,
    component: String,
    table: &'a Table,
    in_request: bool,
    in_response: bool,
}

struct Types<'a> {
    list: Vec<NamedType<'a>>,
    by_go_name: HashMap<String, usize>,
}

/// Gathers every `pkg.Type` table: one definition per name, copies checked equal, names made unique.
fn collect_types<'a>(ops: &[(&str, &'a Operation)], diags: &mut Diagnostics) -> Types<'a> {
    let mut list: Vec<NamedType<'a>> = Vec::new();
    let mut by_go_name: HashMap<String, usize> = HashMap::new();
    for (_, op) in ops {
        for (tables, is_request) in [(&op.request, true), (&op.response, false)] {
            for table in tables.iter().skip(1) {
                let Some(name) = &table.name else { continue };
                if let Err(e) = gotype::parse(name).and_then(|t| match t {
                    GoType::Named(_) => Ok(()),
                    _ => Err(format!("`{name}` is not a `pkg.Type` name")),
                }) {
                    diags.error(table.line.saturating_sub(2).max(1), e);
                    continue;
                }
                match by_go_name.get(name) {
                    Some(&i) => {
                        let first = &mut list[i];
                        first.in_request |= is_request;
                        first.in_response |= !is_request;
                        if let Some(diff) = table_difference(first.table, table) {
                            diags.error(
                                table.line,
                                format!("`{name}` differs from its table on line {}: {diff}", first.table.line),
                            );
                        }
                    }
                    None => {
                        by_go_name.insert(name.clone(), list.len());
                        list.push(NamedType {
                            go_name: name.clone(),
                            component: String::new(),
                            table,
                            in_request: is_request,
                            in_response: !is_request,
                        });
                    }
                }
            }
        }
    }
    // Component names: the type name alone where that is unique; else package + name; a number
    // settles whatever still clashes. The envelope's name is taken from the start.
    let short = |g: &str| g.rsplit('.').next().unwrap_or(g).to_string();
    let qualified = |g: &str| g.split('.').map(pascal).collect::<String>();
    let mut count: HashMap<String, usize> = HashMap::new();
    for t in &list {
        *count.entry(short(&t.go_name)).or_default() += 1;
    }
    let mut taken: std::collections::HashSet<String> = [ERROR_SCHEMA.to_string()].into();
    for t in &mut list {
        let s = short(&t.go_name);
        let mut name = if count[&s] == 1 && !taken.contains(&s) { s } else { qualified(&t.go_name) };
        let base = name.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}{n}");
            n += 1;
        }
        t.component = name;
    }
    Types { list, by_go_name }
}

fn pascal(s: &str) -> String {
    let mut cs = s.chars();
    cs.next().map(|c| c.to_uppercase().chain(cs).collect()).unwrap_or_default()
}

/// What differs between two copies of one type's table, if anything.
fn table_difference(a: &Table, b: &Table) -> Option<String> {
    let names = |t: &Table| t.fields.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
    if names(a) != names(b) {
        return Some(format!("fields [{}] here, [{}] there", names(b).join(", "), names(a).join(", ")));
    }
    a.fields.iter().zip(&b.fields).find_map(|(x, y)| {
        if x.go_type != y.go_type {
            Some(format!("field `{}` is `{}` here, `{}` there", x.name, y.go_type, x.go_type))
        } else if x.note != y.note {
            Some(format!("field `{}` has note `{}` here, `{}` there", x.name, y.note, x.note))
        } else {
            None
        }
    })
}

/// Whether a field is read from a request (optional, zero by default) or written in a response
/// (always present).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Request,
    Response,
    Both,
}

impl Types<'_> {
    fn component_of(&self, go_name: &str) -> String {
        self.by_go_name.get(go_name).map_or_else(|| go_name.to_string(), |&i| self.list[i].component.clone())
    }

    fn component_schema(&self, t: &NamedType, diags: &mut Diagnostics) -> Value {
        let role = match (t.in_request, t.in_response) {
            (true, true) => Role::Both,
            (true, false) => Role::Request,
            _ => Role::Response,
        };
        let mut schema = self.object_schema(t.table, role, diags);
        schema["x-go-name"] = json!(t.go_name);
        schema
    }

    /// `{type: object, properties, required}` for a table's rows.
    fn object_schema(&self, table: &Table, role: Role, diags: &mut Diagnostics) -> Value {
        let mut props = Map::new();
        let mut required = Vec::new();
        for f in &table.fields {
            if props.contains_key(&f.name) {
                diags.error(f.line, format!("field `{}` appears twice in one table", f.name));
                continue;
            }
            // A field whose type is wrong was reported; an open schema keeps it from being
            // reported again by every example that uses it.
            let schema = self.field_schema(f, role, diags).unwrap_or_else(|| json!({}));
            props.insert(f.name.clone(), schema);
            if role != Role::Request {
                required.push(json!(f.name));
            }
        }
        let mut schema = json!({"type": "object", "properties": props});
        if !required.is_empty() {
            schema["required"] = Value::Array(required);
        }
        schema
    }

    fn field_schema(&self, f: &Field, role: Role, diags: &mut Diagnostics) -> Option<Value> {
        let ty = match gotype::parse(&f.go_type) {
            Ok(t) => t,
            Err(e) => {
                diags.error(f.line, format!("field `{}`: {e}", f.name));
                return None;
            }
        };
        if let Some(name) = ty.named() {
            if !self.by_go_name.contains_key(name) {
                diags.error(f.line, format!("field `{}`: {}", f.name, self.undefined(name)));
                return None;
            }
        }
        let mut schema = ty.schema(&|n| self.component_of(n));
        let plain = gotype::spelling_of(&schema, &|c| self.go_name_of(c));

        let (description, values) = match parse_note(&f.note, &ty) {
            Ok(n) => n,
            Err(e) => {
                diags.error(f.line, format!("field `{}`: {e}", f.name));
                return None;
            }
        };
        let wrap_ref = |schema: Value| {
            if schema.get("$ref").is_some() {
                json!({"allOf": [schema]})
            } else {
                schema
            }
        };
        if !description.is_empty() {
            schema = wrap_ref(schema);
            schema["description"] = json!(description);
        }
        let mut zero_ok = true;
        if let Some(values) = &values {
            let zero = ty.zero();
            zero_ok = values.iter().any(|(v, _)| Some(v) == zero.as_ref());
            schema["enum"] = Value::Array(values.iter().map(|(v, _)| v.clone()).collect());
            schema["x-enum-labels"] = Value::Array(values.iter().map(|(_, l)| json!(l)).collect());
        }
        if role != Role::Response && zero_ok {
            if let Some(zero) = ty.zero() {
                schema = wrap_ref(schema);
                schema["default"] = zero;
            }
        }
        if plain != f.go_type {
            schema["x-go-type"] = json!(f.go_type);
        }
        if render_note(&description, values.as_deref()) != f.note {
            schema["x-note"] = json!(f.note);
        }
        Some(schema)
    }

    /// The message for a `pkg.Type` no table defines: the type the doc does define, or the
    /// one-name type (`Int64` for `int64`), that it most likely meant, and what is accepted.
    fn undefined(&self, name: &str) -> String {
        let defined = self.list.iter().map(|t| t.go_name.as_str());
        let hint = did_you_mean(name, defined.chain(gotype::names()));
        format!("type `{name}` is not defined by any table{hint} ({})", gotype::accepted())
    }

    fn go_name_of(&self, component: &str) -> String {
        self.list.iter().find(|t| t.component == component).map_or_else(|| component.to_string(), |t| t.go_name.clone())
    }

    fn operation(&self, op: &Operation, group: &str, id: &str, order: usize, diags: &mut Diagnostics) -> Value {
        let mut o = json!({"tags": [group], "summary": op.summary});
        if !op.description.is_empty() {
            o["description"] = json!(op.description);
        }
        o["operationId"] = json!(id);

        let method = op.method.value.to_ascii_uppercase();
        if !METHODS.contains(&method.as_str()) {
            diags.error(op.method.line, format!("unknown 请求方式 `{}`: expected {}", op.method.value, method_line()));
        }
        if !op.path.value.starts_with('/') {
            diags.error(op.path.line, format!("请求URL `{}` must start with `/`", op.path.value));
        }
        let format = op.format.value.as_str();
        if !FORMATS.contains(&format) {
            diags
                .error(op.format.line, format!("unknown 请求格式 `{format}` (expected one of {})", FORMATS.join(", ")));
        }
        let request = op.request.first().filter(|t| !t.fields.is_empty());
        let mut body_media: Option<&'static str> = None;
        match (request, format) {
            (None, _) => o["x-request-format"] = json!(format),
            (Some(table), "query") => {
                let params: Vec<Value> = table
                    .fields
                    .iter()
                    .filter_map(|f| {
                        let mut schema = self.field_schema(f, Role::Request, diags)?;
                        let mut p = json!({"in": "query", "name": f.name});
                        if let Some(d) = schema.as_object_mut().and_then(|s| s.remove("description")) {
                            p["description"] = d;
                        }
                        p["required"] = json!(false);
                        p["schema"] = schema;
                        Some(p)
                    })
                    .collect();
                o["parameters"] = Value::Array(params);
            }
            (Some(table), _) => {
                let media = if format == "form-data" { "multipart/form-data" } else { "application/json" };
                body_media = Some(media);
                let schema = self.object_schema(table, Role::Request, diags);
                o["requestBody"] = json!({"content": {media: {"schema": schema}}, "required": true});
            }
        }
        if format != "form-data" {
            for f in op.request.first().into_iter().flat_map(|t| &t.fields) {
                if f.go_type.trim() == "表单文件" {
                    diags.error(
                        f.line,
                        format!("field `{}`: a 表单文件 needs 请求格式 `form-data`, not `{format}`", f.name),
                    );
                }
            }
        }
        if let Some(ex) = &op.request_example {
            if let Some(value) = parse_example(ex, "请求示例", diags) {
                let text = (pretty(&value) != ex.text).then(|| json!(ex.text));
                match body_media {
                    Some(media) => {
                        let m = &mut o["requestBody"]["content"][media];
                        m["example"] = value;
                        if let Some(t) = text {
                            m["x-example-text"] = t;
                        }
                    }
                    None => {
                        o["x-request-example"] = value;
                        if let Some(t) = text {
                            o["x-request-example-text"] = t;
                        }
                    }
                }
            }
        }

        let mut ok = json!({"description": "successful operation"});
        if let Some(table) = op.response.first() {
            let mut media = json!({"schema": self.object_schema(table, Role::Response, diags)});
            if let Some(ex) = &op.response_example {
                if let Some(value) = parse_example(ex, "返回示例", diags) {
                    if pretty(&value) != ex.text {
                        media["x-example-text"] = json!(ex.text);
                    }
                    media["example"] = value;
                }
            }
            ok["content"] = json!({"application/json": media});
        }
        o["responses"] = json!({
            "200": ok,
            "4XX": {"$ref": "#/components/responses/Error"},
            "5XX": {"$ref": "#/components/responses/Error"},
        });
        o["x-order"] = json!(order);
        o["x-permission"] = if op.permission == "无" { Value::Null } else { json!(op.permission) };
        for (key, tables) in [("x-request-types", &op.request), ("x-response-types", &op.response)] {
            let names: Vec<Value> = tables.iter().skip(1).filter_map(|t| t.name.as_ref()).map(|n| json!(n)).collect();
            if !names.is_empty() {
                o[key] = Value::Array(names);
            }
        }
        o
    }
}

/// Splits a 备注 cell into its description and, for `枚举类型[…]`, the enum's values and labels.
#[allow(clippy::type_complexity)]
fn parse_note(note: &str, ty: &GoType) -> Result<(String, Option<Vec<(Value, String)>>), String> {
    let Some(start) = note.find(ENUM_MARK) else {
        return Ok((note.trim().to_string(), None));
    };
    let description = note[..start].trim().to_string();
    let inner = &note[start + ENUM_MARK.len()..];
    let end = inner.find(']').ok_or_else(|| format!("`{ENUM_MARK}` is not closed with `]`"))?;
    let items: Vec<(&str, &str)> = inner[..end]
        .split_whitespace()
        .map(|item| item.split_once([':', '：']).ok_or_else(|| format!("enum item `{item}` is not `value:label`")))
        .collect::<Result<_, _>>()?;
    if items.is_empty() {
        return Err("empty enum".into());
    }
    let base = match ty {
        GoType::Ptr(t) => t,
        t => t,
    };
    // The generator writes `value:label`; it also knows `label:value`. The side that parses as
    // the field's type (for strings: the side that reads as an identifier) is the value.
    let parse_value = |s: &str| -> Result<Value, String> {
        match base {
            GoType::Int(k) => {
                let v: i128 = s.parse().map_err(|_| format!("enum value `{s}` is not an integer"))?;
                if !k.contains(v) {
                    return Err(format!("enum value `{s}` does not fit `{}`", k.format));
                }
                Ok(json!(v as i64))
            }
            GoType::Float32 | GoType::Float64 => {
                s.parse::<f64>().map(|f| json!(f)).map_err(|_| format!("enum value `{s}` is not a number"))
            }
            GoType::Bool => s.parse::<bool>().map(|b| json!(b)).map_err(|_| format!("enum value `{s}` is not a bool")),
            GoType::String => Ok(json!(s)),
            _ => Err("an enum needs a string, integer, number or bool field".into()),
        }
    };
    let ident = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    let swapped = match base {
        GoType::String => !items.iter().all(|(v, _)| ident(v)) && items.iter().all(|(_, l)| ident(l)),
        _ => items.iter().any(|(v, _)| parse_value(v).is_err()) && items.iter().all(|(_, l)| parse_value(l).is_ok()),
    };
    let mut values = Vec::new();
    for (a, b) in items {
        let (v, l) = if swapped { (b, a) } else { (a, b) };
        let v = parse_value(v)?;
        if values.iter().any(|(x, _)| x == &v) {
            return Err(format!("enum value {v} is listed twice"));
        }
        values.push((v, l.to_string()));
    }
    Ok((description, Some(values)))
}

/// The note a description and enum are written as, in the generator's canonical form.
pub fn render_note(description: &str, values: Option<&[(Value, String)]>) -> String {
    let Some(values) = values else {
        return description.to_string();
    };
    let items: Vec<String> = values
        .iter()
        .map(|(v, l)| match v {
            Value::String(s) => format!("{s}:{l}"),
            v => format!("{v}:{l}"),
        })
        .collect();
    let list = format!("{ENUM_MARK}{}]", items.join(" "));
    if description.is_empty() {
        list
    } else {
        format!("{description} {list}")
    }
}

/// Pretty JSON the way the Go generator's `json.MarshalIndent(v, "", "  ")` writes it.
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn parse_example(ex: &Example, section: &str, diags: &mut Diagnostics) -> Option<Value> {
    match serde_json::from_str::<Value>(&ex.text) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.error(ex.line + e.line().max(1) - 1, format!("{section} is not valid JSON: {e}"));
            None
        }
    }
}

/// `## 错误码列表` → `x-error-codes`.
fn error_codes(doc: &Doc, spec: &mut Value, diags: &mut Diagnostics) {
    let mut groups_before = 0;
    let mut found = false;
    for (i, section) in doc.sections.iter().enumerate() {
        let codes = match section {
            Section::Group(_) => {
                groups_before += 1;
                continue;
            }
            Section::ErrorCodes(codes) => codes,
            Section::Auth(_) => continue,
        };
        if found {
            let line = codes.first().map_or(1, |c| c.line);
            diags.error(line, format!("a second `## {ERROR_CODES_HEADING}` section"));
            continue;
        }
        found = true;
        let mut seen = HashMap::new();
        let mut list = Vec::new();
        for c in codes {
            if let Some(first) = seen.insert(c.code, c.line) {
                diags.error(c.line, format!("error code {} is already listed on line {first}", c.code));
            }
            let (status, description) = split_status(&c.note);
            let mut entry = json!({"code": c.code, "error": c.name});
            if let Some(s) = status {
                if !(400..=599).contains(&s) {
                    diags.error(c.line, format!("HTTP status {s} of error {} is not a 4xx or 5xx status", c.code));
                }
                entry["status"] = json!(s);
            }
            entry["description"] = json!(description);
            if render_status_note(status, &description) != c.note {
                entry["x-note"] = json!(c.note);
            }
            list.push(entry);
        }
        spec["x-error-codes"] = Value::Array(list);
        if i + 1 != doc.sections.len() {
            spec["x-error-codes-position"] = json!(groups_before);
        }
    }
}

/// `HTTP 401: text` → (401, "text").
fn split_status(note: &str) -> (Option<u16>, String) {
    let parsed = note.strip_prefix("HTTP ").and_then(|rest| {
        let (code, text) = rest.split_once([':', '：'])?;
        Some((code.trim().parse::<u16>().ok()?, text.trim().to_string()))
    });
    match parsed {
        Some((s, text)) => (Some(s), text),
        None => (None, note.trim().to_string()),
    }
}

pub fn render_status_note(status: Option<u16>, description: &str) -> String {
    match status {
        Some(s) if description.is_empty() => format!("HTTP {s}:"),
        Some(s) => format!("HTTP {s}: {description}"),
        None => description.to_string(),
    }
}

/// Every example must say what its table says: validated with a JSON-schema validator against
/// the schema it illustrates.
fn check_examples(ops: &[(&str, &Operation)], spec: &Value, diags: &mut Diagnostics) {
    // Zero values pass enums: the generator dumps zero-valued structs as examples.
    let how = Strictness { no_extra_properties: true, zero_values_in_enums: true };
    let components = js::convert_components(&spec["components"]["schemas"], how);
    for (_, op) in ops {
        let o = &spec["paths"][&op.path.value][op.method.value.to_ascii_lowercase()];
        if let Some(ex) = &op.request_example {
            let (schema, value) = match o.get("requestBody") {
                Some(body) => {
                    let media = body["content"].as_object().and_then(|c| c.values().next());
                    (media.map(|m| m["schema"].clone()), media.and_then(|m| m.get("example")))
                }
                None => (Some(parameters_schema(o)), o.get("x-request-example")),
            };
            if let (Some(schema), Some(value)) = (schema, value) {
                check_one(&schema, &components, value, ex, "请求示例", how, diags);
            }
        }
        if let Some(ex) = &op.response_example {
            let media = &o["responses"]["200"]["content"]["application/json"];
            if let Some(value) = media.get("example") {
                check_one(&media["schema"], &components, value, ex, "返回示例", how, diags);
            }
        }
    }
}

/// The query parameters of an operation as one object schema, for checking its 请求示例.
fn parameters_schema(op: &Value) -> Value {
    let props: Map<String, Value> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["name"].as_str()?.to_string(), p["schema"].clone())))
        .collect();
    json!({"type": "object", "properties": props})
}

fn check_one(
    schema: &Value,
    components: &Value,
    value: &Value,
    ex: &Example,
    section: &str,
    how: Strictness,
    diags: &mut Diagnostics,
) {
    let checker = match Checker::new(&js::to_json_schema(schema, how), components) {
        Ok(c) => c,
        Err(e) => {
            diags.error(ex.line, format!("{section}: cannot build a validator for its schema: {e}"));
            return;
        }
    };
    for failure in checker.check(value) {
        let line = line_of_pointer(&ex.text, &failure.pointer) + ex.line;
        let at = if failure.pointer.is_empty() { String::new() } else { format!(" at `{}`", failure.pointer) };
        diags.error(line, format!("{section} does not match its table{at}: {}", failure.message));
    }
}

/// The 0-based line of `text` (pretty JSON) that holds the value at a JSON pointer: each object
/// key is looked for after the line of the one before it.
fn line_of_pointer(text: &str, pointer: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let mut at = 0;
    for seg in pointer.split('/').skip(1) {
        if seg.parse::<usize>().is_ok() {
            continue;
        }
        let key = format!("\"{}\"", seg.replace("~1", "/").replace("~0", "~"));
        if let Some(i) = lines.iter().skip(at).position(|l| l.contains(&key)) {
            at += i;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_with_enums() {
        let (d, v) = parse_note("任务类型 枚举类型[image:图片 video:视频]", &GoType::String).unwrap();
        assert_eq!(d, "任务类型");
        assert_eq!(v.unwrap(), vec![(json!("image"), "图片".to_string()), (json!("video"), "视频".to_string())]);

        let int8 = gotype::parse("int8").unwrap();
        let (_, v) = parse_note("枚举类型[0:等待 2:处理中 -1:失败]", &int8).unwrap();
        assert_eq!(v.unwrap().iter().map(|(v, _)| v.clone()).collect::<Vec<_>>(), vec![json!(0), json!(2), json!(-1)]);
        // The other spelling, `label:value`.
        let (_, v) = parse_note("枚举类型[等待:0 完成:1]", &int8).unwrap();
        assert_eq!(v.unwrap()[1], (json!(1), "完成".to_string()));
        let (_, v) = parse_note("枚举类型[图片:image 视频:video]", &GoType::String).unwrap();
        assert_eq!(v.unwrap()[0], (json!("image"), "图片".to_string()));

        assert!(parse_note("枚举类型[300:x]", &int8).unwrap_err().contains("does not fit"));
        assert!(parse_note("枚举类型[a:b", &GoType::String).unwrap_err().contains("not closed"));
        assert!(parse_note("枚举类型[ab]", &GoType::String).unwrap_err().contains("not `value:label`"));
        assert!(parse_note("枚举类型[a:b a:c]", &GoType::String).unwrap_err().contains("twice"));
    }

    #[test]
    fn canonical_notes() {
        let v = vec![(json!(0), "等待".to_string()), (json!("x"), "y".to_string())];
        assert_eq!(render_note("状态", Some(&v)), "状态 枚举类型[0:等待 x:y]");
        assert_eq!(render_note("", Some(&v)), "枚举类型[0:等待 x:y]");
        assert_eq!(split_status("HTTP 401: no token"), (Some(401), "no token".to_string()));
        assert_eq!(split_status("plain"), (None, "plain".to_string()));
        assert_eq!(render_status_note(Some(401), "no token"), "HTTP 401: no token");
    }

    #[test]
    fn pointer_lines() {
        let text = "{\n  \"code\": 0,\n  \"data\": {\n    \"code\": 1\n  }\n}";
        assert_eq!(line_of_pointer(text, "/data/code"), 3);
        assert_eq!(line_of_pointer(text, "/code"), 1);
        assert_eq!(line_of_pointer(text, ""), 0);
    }

    /// A doc with one operation per `(method, path, format, request rows)`; every response is the
    /// envelope plus `data` of type `pkg.D` (`|n|int8||`).
    type Row<'a> = (&'a str, &'a str, &'a str);

    fn doc(ops: &[(&str, &str, &str, &[Row])]) -> String {
        let mut t = String::from("# T\n\n## G\n\n");
        for (method, path, format, rows) in ops {
            t += &format!("### op\n\n#### 请求URL:\n- {path}\n\n#### 请求方式:\n- {method}\n\n#### 请求格式:\n- {format}\n\n#### 所需权限:\n- 无\n\n#### 请求参数:\n\n");
            if !rows.is_empty() {
                t += "|字段名|类型|备注|\n|---|---|---|\n";
                for (n, ty, note) in rows.iter() {
                    t += &format!("|{n}|{ty}|{note}|\n");
                }
            }
            t += "\n#### 返回参数:\n\n|字段名|类型|备注|\n|---|---|---|\n|code|int||\n|data|*pkg.D||\n\npkg.D\n\n|字段名|类型|备注|\n|---|---|---|\n|n|int8||\n\n------\n";
        }
        t
    }

    fn convert(text: &str) -> Value {
        crate::markdown_to_spec(text, "t.md", "note").unwrap_or_else(|d| panic!("{d}"))
    }

    #[test]
    fn the_auth_section_says_who_needs_a_session_and_a_doc_without_it_says_nothing() {
        let ops = doc(&[("POST", "/login", "json", &[]), ("GET", "/me", "query", &[])]);
        let without = convert(&ops);
        assert!(without.get("security").is_none() && without["components"].get("securitySchemes").is_none());
        assert!(without["paths"]["/login"]["post"].get("security").is_none());

        let auth = "## 认证方式\n\n|参数名|位置|备注|\n|---|---|---|\n|tok|header|令牌|\n|sid|cookie||\n\n\
                    #### 无需认证:\n- POST /login\n\n\n";
        let with = convert(&ops.replacen("## G", &format!("{auth}## G"), 1));
        assert_eq!(with["security"], json!([{"tok": []}, {"sid": []}]));
        assert_eq!(
            with["components"]["securitySchemes"],
            json!({"tok": {"type": "apiKey", "in": "header", "name": "tok", "description": "令牌"},
                   "sid": {"type": "apiKey", "in": "cookie", "name": "sid"}})
        );
        assert_eq!(with["paths"]["/login"]["post"]["security"], json!([]));
        assert!(with["paths"]["/me"]["get"].get("security").is_none(), "the spec's security applies");
        assert!(with.get("x-security-position").is_none(), "first section: no position written");
        // Anywhere else in the doc, its place is kept for the way back.
        let last = convert(&format!("{ops}{auth}"));
        assert_eq!(last["x-security-position"], 1);
    }

    #[test]
    fn operation_ids_follow_the_paths_after_their_common_prefix() {
        let spec = convert(&doc(&[
            ("GET", "/api/v1/hola", "query", &[]),
            ("PUT", "/api/v1/task/status", "json", &[]),
            ("DELETE", "/api/v1/user-group/{id}", "json", &[]),
        ]));
        let ids: Vec<&str> = ["/api/v1/hola", "/api/v1/task/status", "/api/v1/user-group/{id}"]
            .iter()
            .flat_map(|p| spec["paths"][p].as_object().unwrap().values())
            .map(|o| o["operationId"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["get_hola", "put_task_status", "delete_user_group__id_"]);
        // A path that is the common prefix itself keeps its last segment, like a doc with one path.
        let spec = convert(&doc(&[("GET", "/api/v1", "query", &[]), ("GET", "/api/v1/x", "query", &[])]));
        assert_eq!(spec["paths"]["/api/v1"]["get"]["operationId"], "get_v1");
        assert_eq!(spec["paths"]["/api/v1/x"]["get"]["operationId"], "get_x");
    }

    #[test]
    fn request_fields_are_optional_with_their_zero_value_as_default() {
        let rows: &[Row] = &[
            ("name", "string", "名字"),
            ("kind", "string", "枚举类型[image:图片 video:视频]"),
            ("state", "uint8", "枚举类型[0:等待 1:完成]"),
            ("ids", "[]int64", ""),
            ("at", "time.Time", ""),
        ];
        let spec = convert(&doc(&[("POST", "/a", "json", rows)]));
        let schema = &spec["paths"]["/a"]["post"]["requestBody"]["content"]["application/json"]["schema"];
        assert!(schema.get("required").is_none(), "{schema}");
        let p = &schema["properties"];
        assert_eq!(p["name"], json!({"type": "string", "description": "名字", "default": ""}));
        assert!(p["kind"].get("default").is_none(), "\"\" is not one of the enum's values");
        assert_eq!(p["state"]["default"], json!(0));
        assert_eq!(p["ids"]["default"], Value::Null);
        assert_eq!(p["at"]["default"], json!("0001-01-01T00:00:00Z"));
        assert_eq!(spec["paths"]["/a"]["post"]["requestBody"]["required"], json!(true));
    }

    #[test]
    fn query_fields_become_optional_query_parameters() {
        let rows: &[Row] = &[("offset", "int", "起点"), ("limit", "int32", "")];
        let spec = convert(&doc(&[("GET", "/a", "query", rows)]));
        let params = &spec["paths"]["/a"]["get"]["parameters"];
        assert_eq!(
            params[0],
            json!({"in": "query", "name": "offset", "description": "起点", "required": false,
                   "schema": {"type": "integer", "format": "int64", "default": 0, "x-go-type": "int"}})
        );
        assert_eq!(params[1]["schema"]["maximum"], json!(2147483647));
    }

    #[test]
    fn response_fields_are_required_and_nil_able_ones_nullable() {
        let spec = convert(&doc(&[("GET", "/a", "query", &[])]));
        let schema = &spec["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(schema["required"], json!(["code", "data"]));
        assert_eq!(
            schema["properties"]["data"],
            json!({"anyOf": [{"$ref": "#/components/schemas/D"}, gotype::null_only()]})
        );
        assert_eq!(spec["components"]["schemas"]["D"]["required"], json!(["n"]));
        assert_eq!(spec["components"]["schemas"]["D"]["x-go-name"], "pkg.D");
    }

    #[test]
    fn what_openapi_cannot_say_goes_into_extensions_only_when_needed() {
        let spec = convert(&doc(&[("POST", "/a", "json", &[]), ("POST", "/b", "json", &[("x", "int64", "")])]));
        let (a, b) = (&spec["paths"]["/a"]["post"], &spec["paths"]["/b"]["post"]);
        assert_eq!(a["x-request-format"], "json", "no parameter says the format");
        assert!(b.get("x-request-format").is_none(), "the body says it");
        assert_eq!((a["x-order"].clone(), b["x-order"].clone()), (json!(0), json!(1)));
        assert_eq!(a["x-permission"], Value::Null);
        assert_eq!(a["x-response-types"], json!(["pkg.D"]));
        assert_eq!(a["responses"]["4XX"], json!({"$ref": "#/components/responses/Error"}));
        assert!(a["responses"].get("default").is_none(), "progenitor panics on a default response");
    }
}
