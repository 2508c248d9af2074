//! The contract check: does the server's own OpenAPI document say what the doc says?
//!
//! Both specs are compared structurally, after `$ref`s are resolved and what only restates
//! something else is dropped (`allOf` around one schema, bounds a format implies, `nullable:
//! false`, descriptions). Every difference is tied to the line of the doc it concerns (the
//! operation, the table row of the field, the error-code row), so a failure points at the doc.

use std::collections::{BTreeSet, HashMap};

use serde_json::{json, Map, Value};

use crate::model::{Doc, Operation, Section, Table};
use crate::to_spec::METHODS;

/// A tag that marks a server operation as an extension the doc does not describe (e.g. serving
/// uploaded files); the check lets it be.
pub const EXTENSION_TAG: &str = "extension";

/// One disagreement: the doc's line, what the doc says, what the server says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub line: usize,
    pub doc: String,
    pub server: String,
}

/// Parses and converts the doc at `file` (its text `doc_text`), then compares `server_spec` with it.
/// A doc that does not convert is reported as its diagnostics.
pub fn check(doc_text: &str, file: &str, server_spec: &Value) -> Result<Vec<Difference>, crate::diag::Diagnostics> {
    let mut diags = crate::diag::Diagnostics::new(file);
    let doc = crate::parse::parse(doc_text, &mut diags);
    let doc_spec = crate::to_spec::to_spec(&doc, "", &mut diags);
    let doc_spec = diags.finish(doc_spec)?;
    Ok(compare(&doc, &doc_spec, server_spec))
}

/// Compares the server's spec with the doc's. `doc` is the parsed doc (for line numbers) and
/// `doc_spec` what it converts to.
pub fn compare(doc: &Doc, doc_spec: &Value, server_spec: &Value) -> Vec<Difference> {
    let mut c = Checker { doc, doc_spec, server_spec, out: Vec::new() };
    c.operations();
    c.components();
    c.error_codes();
    c.security();
    c.out.sort_by_key(|d| d.line);
    c.out
}

struct Checker<'a> {
    doc: &'a Doc,
    doc_spec: &'a Value,
    server_spec: &'a Value,
    out: Vec<Difference>,
}

pub(crate) fn operations_of(spec: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for m in METHODS {
            if let Some(op) = item.get(m.to_ascii_lowercase()) {
                ops.push((m.to_string(), path.clone(), op));
            }
        }
    }
    ops
}

impl<'a> Checker<'a> {
    fn differ(&mut self, line: usize, doc: impl Into<String>, server: impl Into<String>) {
        self.out.push(Difference { line, doc: doc.into(), server: server.into() });
    }

    fn operations(&mut self) {
        let server: HashMap<(String, String), &Value> =
            operations_of(self.server_spec).into_iter().map(|(m, p, o)| ((m, p), o)).collect();
        let doc_ops: Vec<&Operation> = self.doc.operations().collect();
        for op in &doc_ops {
            let key = (op.method.value.to_ascii_uppercase(), op.path.value.clone());
            let spec_op = &self.doc_spec["paths"][&key.1][key.0.to_ascii_lowercase()];
            let id = spec_op["operationId"].as_str().unwrap_or("");
            let route = format!("{} {}", key.0, key.1);
            let Some(server_op) = server.get(&key) else {
                self.differ(op.line, format!("{route} ({id})"), "no such operation");
                continue;
            };
            let server_id = server_op["operationId"].as_str().unwrap_or("");
            if server_id != id {
                self.differ(op.line, format!("{route}: operationId `{id}`"), format!("operationId `{server_id}`"));
            }
            self.parameters(op, &route, spec_op, server_op);
            self.request_body(op, &route, spec_op, server_op);
            self.response(op, &route, spec_op, server_op);
            self.errors(op, &route, server_op);
        }
        let line = doc_ops.first().map_or(1, |o| o.line);
        for (m, p, o) in operations_of(self.server_spec) {
            let in_doc = doc_ops.iter().any(|op| op.method.value.eq_ignore_ascii_case(&m) && op.path.value == p);
            let extension = o["tags"].as_array().is_some_and(|t| t.iter().any(|t| t == EXTENSION_TAG));
            if !in_doc && !extension {
                let id = o["operationId"].as_str().unwrap_or("");
                self.differ(
                    line,
                    format!("no operation {m} {p}"),
                    format!("{m} {p} ({id}), not tagged `{EXTENSION_TAG}`"),
                );
            }
        }
    }

    fn parameters(&mut self, op: &Operation, route: &str, doc_op: &Value, server_op: &Value) {
        let params = |o: &Value| -> Vec<(String, Value)> {
            o["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| (p["name"].as_str().unwrap_or("").to_string(), p.clone()))
                .collect()
        };
        let (doc_params, server_params) = (params(doc_op), params(server_op));
        for (name, d) in &doc_params {
            let line = field_line(op.request.first(), &op.request, &[name.as_str()]).unwrap_or(op.line);
            let what = format!("{route}: query parameter `{name}`");
            let Some((_, s)) = server_params.iter().find(|(n, _)| n == name) else {
                self.differ(line, what, "no such parameter");
                continue;
            };
            for key in ["in", "required"] {
                let (dv, sv) = (&d[key], &s[key]);
                if normal_bool_or(dv, key) != normal_bool_or(sv, key) {
                    self.differ(line, format!("{what}: {key} {dv}"), format!("{key} {sv}"));
                }
            }
            let ds = normalize(&d["schema"], self.doc_spec, true);
            let ss = normalize(&s["schema"], self.server_spec, true);
            self.schemas(&what, &ds, &ss, &[], &|_| line);
        }
        for (name, s) in &server_params {
            if !doc_params.iter().any(|(n, _)| n == name) {
                let line = op.request.first().map_or(op.line, |t| t.line);
                self.differ(line, format!("{route}: no parameter `{name}`"), format!("{} parameter `{name}`", s["in"]));
            }
        }
    }

    fn request_body(&mut self, op: &Operation, route: &str, doc_op: &Value, server_op: &Value) {
        let body = |o: &Value| {
            o["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.iter().next())
                .map(|(m, v)| (m.clone(), v["schema"].clone()))
        };
        let line = op.request.first().map_or(op.line, |t| t.line);
        match (body(doc_op), body(server_op)) {
            (None, None) => {}
            (Some((m, _)), None) => self.differ(line, format!("{route}: a {m} body"), "no body"),
            (None, Some((m, _))) => self.differ(op.line, format!("{route}: no body"), format!("a {m} body")),
            (Some((dm, ds)), Some((sm, ss))) => {
                if dm != sm {
                    self.differ(line, format!("{route}: a {dm} body"), format!("a {sm} body"));
                    return;
                }
                let ds = normalize(&ds, self.doc_spec, false);
                let ss = normalize(&ss, self.server_spec, false);
                let what = format!("{route}: request body");
                self.schemas(&what, &ds, &ss, &[], &|path| {
                    field_line(op.request.first(), &op.request, path).unwrap_or(line)
                });
            }
        }
    }

    fn response(&mut self, op: &Operation, route: &str, doc_op: &Value, server_op: &Value) {
        let ok = |o: &Value| -> Option<Value> {
            o["responses"]
                .as_object()?
                .iter()
                .find(|(s, _)| s.starts_with('2'))
                .map(|(_, r)| r["content"]["application/json"]["schema"].clone())
        };
        let line = op.response.first().map_or(op.line, |t| t.line);
        let (Some(ds), Some(ss)) = (ok(doc_op), ok(server_op)) else {
            self.differ(line, format!("{route}: a JSON 2xx response"), "no JSON 2xx response");
            return;
        };
        let ds = normalize(&ds, self.doc_spec, false);
        let ss = normalize(&ss, self.server_spec, false);
        let what = format!("{route}: response");
        self.schemas(&what, &ds, &ss, &[], &|path| field_line(op.response.first(), &op.response, path).unwrap_or(line));
    }

    /// Every operation answers errors with the envelope on 4XX and 5XX.
    fn errors(&mut self, op: &Operation, route: &str, server_op: &Value) {
        let envelope = normalize(&json!({"$ref": "#/components/schemas/Error"}), self.doc_spec, false);
        for status in ["4XX", "5XX"] {
            let r = &server_op["responses"][status];
            let r = resolve_response(r, self.server_spec);
            let schema = &r["content"]["application/json"]["schema"];
            if schema.is_null() {
                self.differ(
                    op.line,
                    format!("{route}: {status} answers the error envelope"),
                    format!("no {status} response"),
                );
                continue;
            }
            let got = normalize(schema, self.server_spec, false);
            if got != envelope {
                self.differ(op.line, format!("{route}: {status} answers {}", brief(&envelope)), brief(&got));
            }
        }
    }

    /// Reports each way `server` differs from `doc`; `line` finds the doc line for a field path.
    fn schemas(&mut self, what: &str, doc: &Value, server: &Value, path: &[&str], line: &dyn Fn(&[&str]) -> usize) {
        let here = line(path);
        let at = if path.is_empty() { what.to_string() } else { format!("{what}: field `{}`", path.join(".")) };
        for key in ["type", "format", "minimum", "maximum", "enum", "nullable", "default"] {
            let (d, s) = (doc.get(key), server.get(key));
            if d != s {
                let show = |v: Option<&Value>| v.map_or_else(|| format!("no {key}"), |v| format!("{key} {v}"));
                self.differ(here, format!("{at}: {}", show(d)), show(s));
            }
        }
        if let (Some(d), Some(s)) = (doc.get("items"), server.get("items")) {
            let mut p = path.to_vec();
            p.push("[]");
            self.schemas(what, d, s, &p, line);
        }
        if let (Some(d), Some(s)) = (doc.get("additionalProperties"), server.get("additionalProperties")) {
            if d.is_object() && s.is_object() {
                let mut p = path.to_vec();
                p.push("{}");
                self.schemas(what, d, s, &p, line);
            }
        }
        let empty = Map::new();
        let dp = doc.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let sp = server.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let required = |s: &Value, k: &str| s["required"].as_array().is_some_and(|r| r.iter().any(|x| x == k));
        for (k, d) in dp {
            let mut p = path.to_vec();
            p.push(k);
            let Some(s) = sp.get(k) else {
                self.differ(line(&p), format!("{at}: field `{k}`"), "no such field");
                continue;
            };
            if required(doc, k) != required(server, k) {
                let r = |b: bool| if b { "required" } else { "optional" };
                self.differ(line(&p), format!("{at}: field `{k}` {}", r(required(doc, k))), r(required(server, k)));
            }
            self.schemas(what, d, s, &p, line);
        }
        for k in sp.keys().filter(|k| !dp.contains_key(*k)) {
            self.differ(here, format!("{at}: no field `{k}`"), format!("field `{k}`"));
        }
    }

    /// The doc's named types must exist under the same names in the server's components.
    fn components(&mut self) {
        let server = self.server_spec["components"]["schemas"].as_object();
        for (name, schema) in self.doc_spec["components"]["schemas"].as_object().into_iter().flatten() {
            if server.is_some_and(|s| s.contains_key(name)) {
                continue;
            }
            let go_name = schema["x-go-name"].as_str().unwrap_or(name);
            let line = self.table_line(go_name).unwrap_or(1);
            self.differ(line, format!("component schema `{name}` ({go_name})"), "no component of that name");
        }
    }

    fn table_line(&self, go_name: &str) -> Option<usize> {
        self.doc
            .operations()
            .flat_map(|op| op.request.iter().chain(&op.response))
            .find(|t| t.name.as_deref() == Some(go_name))
            .map(|t| t.line)
    }

    /// `## 认证方式`: the same credentials, and the same operations need a session.
    fn security(&mut self) {
        let auth = auth_of(self.doc);
        let heading = auth.map_or(1, |a| a.line);
        let (doc, server) = (security_schemes_of(self.doc_spec), security_schemes_of(self.server_spec));
        for (name, d) in &doc {
            let line = auth.and_then(|a| a.credentials.iter().find(|c| &c.name == name)).map_or(heading, |c| c.line);
            match server.iter().find(|(n, _)| n == name) {
                None => self.differ(line, format!("credential `{name}` ({})", d["in"]), "no such security scheme"),
                Some((_, s)) if s != d => self.differ(line, format!("credential `{name}`: {d}"), s.to_string()),
                Some(_) => {}
            }
        }
        for (name, s) in &server {
            if !doc.iter().any(|(n, _)| n == name) {
                self.differ(heading, format!("no credential `{name}`"), format!("security scheme `{name}`: {s}"));
            }
        }
        let server_ops: HashMap<(String, String), &Value> =
            operations_of(self.server_spec).into_iter().map(|(m, p, o)| ((m, p), o)).collect();
        for op in self.doc.operations() {
            let (method, path) = (op.method.value.to_ascii_uppercase(), op.path.value.clone());
            let Some(server_op) = server_ops.get(&(method.clone(), path.clone())) else { continue };
            let doc_op = &self.doc_spec["paths"][&path][method.to_ascii_lowercase()];
            let (d, s) = (needs(self.doc_spec, doc_op), needs(self.server_spec, server_op));
            if d != s {
                self.differ(op.line, format!("{method} {path}: {}", describe(&d)), describe(&s));
            }
        }
    }

    /// `x-error-codes`: the same codes with the same names and statuses.
    fn error_codes(&mut self) {
        let rows = error_code_rows(self.doc);
        let (doc, server) = (error_codes_of(self.doc_spec), error_codes_of(self.server_spec));
        let heading = error_codes_heading(&rows);
        for (code, d) in &doc {
            let line = rows.iter().find(|(c, _)| c == code).map_or(heading, |(_, l)| *l);
            match server.iter().find(|(c, _)| c == code) {
                None => self.differ(line, format!("error code {code} {}", d["error"]), "no such error code"),
                Some((_, s)) if s != d => self.differ(line, format!("error code {code}: {d}"), s.to_string()),
                Some(_) => {}
            }
        }
        for (code, s) in &server {
            if !doc.iter().any(|(c, _)| c == code) {
                self.differ(heading, format!("no error code {code}"), format!("error code {code} {}", s["error"]));
            }
        }
    }
}

/// `## 认证方式`, if the doc has it.
pub(crate) fn auth_of(doc: &Doc) -> Option<&crate::model::Auth> {
    doc.sections.iter().find_map(|s| match s {
        Section::Auth(a) => Some(a),
        _ => None,
    })
}

/// Where a session token may travel: each security scheme's name and what identifies it.
pub(crate) fn security_schemes_of(spec: &Value) -> Vec<(String, Value)> {
    spec["components"]["securitySchemes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), json!({"type": v["type"], "in": v["in"], "name": v["name"]})))
        .collect()
}

/// The doc's error codes and the line of each.
pub(crate) fn error_code_rows(doc: &Doc) -> Vec<(i64, usize)> {
    doc.sections
        .iter()
        .filter_map(|s| match s {
            Section::ErrorCodes(c) => Some(c.iter().map(|c| (c.code, c.line))),
            Section::Group(_) | Section::Auth(_) => None,
        })
        .flatten()
        .collect()
}

/// The line of the error-code table's header (two above its first row).
pub(crate) fn error_codes_heading(rows: &[(i64, usize)]) -> usize {
    rows.first().map_or(1, |(_, l)| l.saturating_sub(2).max(1))
}

/// `x-error-codes`: each code with what clients match besides it, its name and status.
pub(crate) fn error_codes_of(spec: &Value) -> Vec<(i64, Value)> {
    spec["x-error-codes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (c["code"].as_i64().unwrap_or(0), json!({"error": c["error"], "status": c["status"]})))
        .collect()
}

fn normal_bool_or(v: &Value, key: &str) -> Value {
    match (key, v) {
        ("required", Value::Null) => json!(false),
        _ => v.clone(),
    }
}

fn resolve_response<'a>(r: &'a Value, spec: &'a Value) -> &'a Value {
    match r["$ref"].as_str().and_then(|p| p.strip_prefix("#/components/responses/")) {
        Some(name) => &spec["components"]["responses"][name],
        None => r,
    }
}

/// The doc line of the field at `path` (property names; `[]` and `{}` step into items and map
/// values), following named types through the operation's own tables.
fn field_line(first: Option<&Table>, tables: &[Table], path: &[&str]) -> Option<usize> {
    let mut table = first?;
    let mut line = None;
    for seg in path.iter().filter(|s| **s != "[]" && **s != "{}") {
        let field = table.fields.iter().find(|f| f.name == *seg)?;
        line = Some(field.line);
        let named = crate::gotype::parse(&field.go_type).ok().and_then(|t| t.named().map(str::to_string));
        if let Some(n) = named {
            if let Some(t) = tables.iter().find(|t| t.name.as_deref() == Some(n.as_str())) {
                table = t;
            }
        }
    }
    line
}

/// The meaning of a schema, in one canonical form: references resolved, one-schema `allOf`s
/// merged, and everything that does not change what is valid dropped. `with_default` keeps
/// `default` (compared for parameters, where it says what an omitted value means).
pub fn normalize(schema: &Value, spec: &Value, with_default: bool) -> Value {
    normalize_depth(schema, spec, with_default, 0)
}

fn normalize_depth(schema: &Value, spec: &Value, with_default: bool, depth: usize) -> Value {
    let Value::Object(obj) = schema else { return schema.clone() };
    if depth > 32 {
        // A recursive type: deep enough to have compared everything that differs.
        return json!({});
    }
    if let Some(name) = obj.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/")) {
        return normalize_depth(&spec["components"]["schemas"][name], spec, with_default, depth + 1);
    }
    let mut out = Map::new();
    if let Some([one]) = obj.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        if let Value::Object(inner) = normalize_depth(one, spec, with_default, depth + 1) {
            out.extend(inner);
        }
    }
    // `anyOf: [schema, null]` (the dialect's nullable `$ref`) says what schemars' `allOf: [schema]`
    // with `nullable: true` says.
    if let Some(one) = crate::gotype::nullable_of(schema) {
        if let Value::Object(inner) = normalize_depth(one, spec, with_default, depth + 1) {
            out.extend(inner);
        }
        out.insert("nullable".into(), json!(true));
    }
    for (k, v) in obj {
        let v = match k.as_str() {
            "type" | "format" | "enum" => v.clone(),
            "default" if with_default => v.clone(),
            "minimum" | "maximum" => v.as_f64().map_or(v.clone(), |f| json!(f)),
            "nullable" if v == &json!(true) => v.clone(),
            "items" | "additionalProperties" => normalize_depth(v, spec, with_default, depth + 1),
            "properties" => Value::Object(
                v.as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, s)| (k.clone(), normalize_depth(s, spec, with_default, depth + 1)))
                    .collect(),
            ),
            "required" => {
                let set: BTreeSet<String> =
                    v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect();
                json!(set)
            }
            _ => continue,
        };
        out.insert(k.clone(), v);
    }
    if let Some(Value::Array(values)) = out.get_mut("enum") {
        for v in values.iter_mut() {
            if let Some(f) = v.as_f64().filter(|_| v.is_number()) {
                *v = json!(f);
            }
        }
    }
    if out.get("additionalProperties") == Some(&json!(true)) {
        out.remove("additionalProperties");
    }
    strip_implied_bounds(&mut out);
    Value::Object(out)
}

/// Drops `minimum`/`maximum` that only restate what an integer `format` implies (schemars writes
/// `minimum: 0.0` for unsigned types; the doc writes no 64-bit bounds).
fn strip_implied_bounds(schema: &mut Map<String, Value>) {
    let Some(format) = schema.get("format").and_then(Value::as_str) else { return };
    let Some((lo, hi)) = format_range(format) else { return };
    for (key, bound) in [("minimum", lo), ("maximum", hi)] {
        if schema.get(key).and_then(Value::as_f64) == Some(bound) {
            schema.remove(key);
        }
    }
}

/// The values an integer `format` holds.
pub(crate) fn format_range(format: &str) -> Option<(f64, f64)> {
    Some(match format {
        "int8" => (-128.0, 127.0),
        "int16" => (-32768.0, 32767.0),
        "int32" => (-2147483648.0, 2147483647.0),
        "int64" => (i64::MIN as f64, i64::MAX as f64),
        "uint8" => (0.0, 255.0),
        "uint16" => (0.0, 65535.0),
        "uint32" => (0.0, 4294967295.0),
        "uint64" => (0.0, u64::MAX as f64),
        _ => return None,
    })
}

/// A short description of an envelope-like schema for messages.
fn brief(schema: &Value) -> String {
    let props: Vec<String> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}: {}", v["type"].as_str().unwrap_or("?")))
        .collect();
    format!("{{{}}}", props.join(", "))
}

/// The credentials an operation accepts, any one of which it needs (empty: it needs none): its own
/// `security`, else the spec's.
pub(crate) fn needs(spec: &Value, op: &Value) -> BTreeSet<String> {
    let security = op.get("security").unwrap_or(&spec["security"]);
    security.as_array().into_iter().flatten().filter_map(Value::as_object).flat_map(|alt| alt.keys().cloned()).collect()
}

fn describe(needs: &BTreeSet<String>) -> String {
    if needs.is_empty() {
        "no session needed".to_string()
    } else {
        format!("a session needed (any of {})", needs.iter().cloned().collect::<Vec<_>>().join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizing_drops_what_restates_and_resolves_references() {
        let spec = json!({"components": {"schemas": {"X": {"type": "object", "description": "d",
            "properties": {"n": {"type": "integer", "format": "uint8", "minimum": 0.0, "maximum": 255}}, "required": ["n"]}}}});
        let a = normalize(&json!({"allOf": [{"$ref": "#/components/schemas/X"}], "description": "x"}), &spec, false);
        let b = normalize(
            &json!({"type": "object", "properties": {"n": {"type": "integer", "format": "uint8"}}, "required": ["n"]}),
            &spec,
            false,
        );
        assert_eq!(a, b);
        assert_ne!(a, normalize(&json!({"$ref": "#/components/schemas/X", "nullable": true}), &json!({}), false));
        let bounded = normalize(&json!({"type": "integer", "format": "int8", "minimum": 0}), &spec, false);
        assert_eq!(bounded["minimum"], json!(0.0), "a bound the format does not imply is kept");
    }
}
