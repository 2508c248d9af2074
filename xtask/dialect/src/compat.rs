//! Compatibility of a doc with a released spec: every change between the two, each tied to the
//! doc's line and marked breaking (a client built against the release can fail) or compatible.
//!
//! The rules are [`RULES`], anchored on oasdiff's breaking-change checks (the id each one
//! follows is named); `docs/compat.md` lists the same table with the reasons, and a test keeps
//! the two equal. Schemas are compared after [`normalize`], so only what changes what is valid
//! counts: descriptions, examples and component names do not.

use std::collections::{BTreeSet, HashMap};

use serde_json::{json, Value};

use crate::contract::{
    auth_of, error_code_rows, error_codes_heading, error_codes_of, format_range, needs, normalize, operations_of,
    security_schemes_of,
};
use crate::model::{Doc, Operation, Section, Table};

/// One kind of change.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub breaking: bool,
    /// The oasdiff check it follows (`—` where oasdiff has none: the error-code table).
    pub oasdiff: &'static str,
}

const fn rule(id: &'static str, breaking: bool, oasdiff: &'static str) -> Rule {
    Rule { id, breaking, oasdiff }
}

/// Every rule, in the order of `docs/compat.md`.
pub const RULES: &[Rule] = &[
    rule("operation-removed", true, "api-removed-without-deprecation"),
    rule("operation-moved", true, "api-path-removed-without-deprecation"),
    rule("operation-added", false, "endpoint-added"),
    rule("request-field-added-required", true, "new-required-request-property"),
    rule("request-field-added-optional", false, "new-optional-request-property"),
    rule("request-field-removed", false, "request-property-removed"),
    rule("request-field-became-required", true, "request-property-became-required"),
    rule("request-field-became-optional", false, "request-property-became-optional"),
    rule("request-type-changed", true, "request-property-type-changed"),
    rule("request-range-narrowed", true, "request-property-max-decreased"),
    rule("request-range-widened", false, "request-property-max-increased"),
    rule("request-enum-value-removed", true, "request-property-enum-value-removed"),
    rule("request-enum-value-added", false, "request-property-enum-value-added"),
    rule("request-became-not-nullable", true, "request-property-became-not-nullable"),
    rule("request-became-nullable", false, "request-property-became-nullable"),
    rule("request-default-changed", false, "request-parameter-default-value-changed"),
    rule("request-body-type-changed", true, "request-body-media-type-removed"),
    rule("response-field-removed", true, "response-required-property-removed"),
    rule("response-field-added", false, "response-required-property-added"),
    rule("response-field-became-optional", true, "response-property-became-optional"),
    rule("response-field-became-required", false, "response-property-became-required"),
    rule("response-type-changed", true, "response-property-type-changed"),
    rule("response-range-widened", true, "response-property-max-increased"),
    rule("response-range-narrowed", false, "response-property-max-decreased"),
    rule("response-enum-value-added", true, "response-property-enum-value-added"),
    rule("response-enum-value-removed", false, "response-property-enum-value-removed"),
    rule("response-became-nullable", true, "response-property-became-nullable"),
    rule("response-became-not-nullable", false, "response-property-became-not-nullable"),
    rule("error-code-removed", true, "—"),
    rule("error-code-changed", true, "—"),
    rule("error-code-added", false, "—"),
    rule("session-newly-required", true, "api-security-added"),
    rule("session-no-longer-required", false, "api-security-removed"),
    rule("credential-removed", true, "api-security-scheme-removed"),
    rule("credential-added", false, "api-security-scheme-added"),
];

fn find(id: &str) -> &'static Rule {
    RULES.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("no compat rule `{id}`"))
}

/// One change: the doc's line, its rule, and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub line: usize,
    pub rule: &'static Rule,
    pub detail: String,
}

impl Change {
    pub fn breaking(&self) -> bool {
        self.rule.breaking
    }
}

/// Parses and converts the doc (`file`, its text `doc_text`) and lists its changes since `base`.
pub fn check(doc_text: &str, file: &str, base: &Value) -> Result<(Doc, Vec<Change>), crate::diag::Diagnostics> {
    let mut diags = crate::diag::Diagnostics::new(file);
    let doc = crate::parse::parse(doc_text, &mut diags);
    let spec = crate::to_spec::to_spec(&doc, "", &mut diags);
    let spec = diags.finish(spec)?;
    let changes = compare(base, &doc, &spec);
    Ok((doc, changes))
}

/// The changes from `base` (a released spec) to `current` (what `doc` converts to), by line.
pub fn compare(base: &Value, doc: &Doc, current: &Value) -> Vec<Change> {
    let mut c = Compat { base, doc, current, out: Vec::new() };
    c.operations();
    c.error_codes();
    c.credentials();
    c.out.sort_by(|a, b| (a.line, a.rule.id, &a.detail).cmp(&(b.line, b.rule.id, &b.detail)));
    c.out
}

/// The major part of a `MAJOR.MINOR.PATCH` version.
pub fn major(version: &str) -> Option<u64> {
    version.split('.').next()?.parse().ok()
}

/// A version as numbers, to order releases (`1.10.0` after `1.9.0`).
pub fn version_key(version: &str) -> Option<(u64, u64, u64)> {
    let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
    let key = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(key)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

impl Side {
    fn pick(self, request: &'static str, response: &'static str) -> &'static Rule {
        find(match self {
            Side::Request => request,
            Side::Response => response,
        })
    }
}

struct Compat<'a> {
    base: &'a Value,
    doc: &'a Doc,
    current: &'a Value,
    out: Vec<Change>,
}

/// Where a schema sits: the operation's tables (for field lines) and the line to fall back to.
struct Place<'a> {
    route: String,
    tables: &'a [Table],
    fallback: usize,
}

impl Place<'_> {
    /// The line of the field at `path`, following named types through the operation's tables;
    /// for a field that is not there (removed), the line of the table it was in.
    fn line(&self, path: &[String]) -> usize {
        let Some(mut table) = self.tables.first() else { return self.fallback };
        let mut line = table.line;
        for seg in path.iter().filter(|s| *s != "[]" && *s != "{}") {
            let Some(field) = table.fields.iter().find(|f| &f.name == seg) else { return table.line };
            line = field.line;
            let named = crate::gotype::parse(&field.go_type).ok().and_then(|t| t.named().map(str::to_string));
            if let Some(t) = named.and_then(|n| self.tables.iter().find(|t| t.name.as_deref() == Some(n.as_str()))) {
                table = t;
            }
        }
        line
    }

    fn at(&self, what: &str, path: &[String]) -> String {
        if path.is_empty() {
            return format!("{}: {what}", self.route);
        }
        // `items[].status`: a step into items or map values follows its field without a dot.
        let mut shown = String::new();
        for seg in path {
            if !shown.is_empty() && seg != "[]" && seg != "{}" {
                shown.push('.');
            }
            shown.push_str(seg);
        }
        format!("{}: {what} `{shown}`", self.route)
    }
}

impl<'a> Compat<'a> {
    fn change(&mut self, line: usize, rule: &'static Rule, detail: String) {
        self.out.push(Change { line, rule, detail });
    }

    fn operations(&mut self) {
        let current: HashMap<(String, String), &Value> =
            operations_of(self.current).into_iter().map(|(m, p, o)| ((m, p), o)).collect();
        let doc_ops: Vec<&Operation> = self.doc.operations().collect();
        let line_of = |m: &str, p: &str| {
            doc_ops.iter().find(|o| o.method.value.eq_ignore_ascii_case(m) && o.path.value == p).copied()
        };
        let mut matched = BTreeSet::new();
        for (m, p, base_op) in operations_of(self.base) {
            let id = base_op["operationId"].as_str().unwrap_or("");
            let route = format!("{m} {p}");
            if let (Some(cur_op), Some(op)) = (current.get(&(m.clone(), p.clone())), line_of(&m, &p)) {
                matched.insert((m.clone(), p.clone()));
                self.operation(op, route, base_op, cur_op);
                continue;
            }
            // The same operationId elsewhere: its method or path changed.
            let moved =
                operations_of(self.current).into_iter().find(|(_, _, o)| o["operationId"] == id && !id.is_empty());
            if let Some((cm, cp, _)) = moved {
                let line = line_of(&cm, &cp).map_or(1, |o| o.line);
                matched.insert((cm.clone(), cp.clone()));
                self.change(line, find("operation-moved"), format!("{route} ({id}) is now {cm} {cp}"));
                continue;
            }
            let tag = base_op["tags"][0].as_str().unwrap_or("");
            let line = self.group_line(tag);
            self.change(line, find("operation-removed"), format!("{route} ({id}) removed"));
        }
        for op in &doc_ops {
            let key = (op.method.value.to_ascii_uppercase(), op.path.value.clone());
            if !matched.contains(&key) {
                let id = current.get(&key).and_then(|o| o["operationId"].as_str()).unwrap_or("");
                self.change(op.line, find("operation-added"), format!("{} {} ({id}) added", key.0, key.1));
            }
        }
    }

    /// The line of the group (tag) an operation was in, else the title's.
    fn group_line(&self, tag: &str) -> usize {
        self.doc
            .sections
            .iter()
            .find_map(|s| match s {
                Section::Group(g) if g.name == tag => Some(g.line),
                _ => None,
            })
            .unwrap_or(1)
    }

    fn operation(&mut self, op: &Operation, route: String, base_op: &Value, cur_op: &Value) {
        let request = Place { route: route.clone(), tables: &op.request, fallback: table_or(&op.request, op.line) };
        let response = Place { route: route.clone(), tables: &op.response, fallback: table_or(&op.response, op.line) };
        self.parameters(&request, base_op, cur_op);
        self.request_body(&request, base_op, cur_op);
        let ok = |o: &Value| -> Option<Value> {
            o["responses"]
                .as_object()?
                .iter()
                .find(|(s, _)| s.starts_with('2'))
                .map(|(_, r)| r["content"]["application/json"]["schema"].clone())
                .filter(|s| !s.is_null())
        };
        if let (Some(b), Some(c)) = (ok(base_op), ok(cur_op)) {
            let (b, c) = (normalize(&b, self.base, false), normalize(&c, self.current, false));
            self.schema(Side::Response, &response, &b, &c, &mut Vec::new());
        }
        let (b, c) = (needs(self.base, base_op), needs(self.current, cur_op));
        if b.is_empty() && !c.is_empty() {
            self.change(op.line, find("session-newly-required"), format!("{route}: now needs a session"));
        } else if !b.is_empty() && c.is_empty() {
            self.change(op.line, find("session-no-longer-required"), format!("{route}: no longer needs a session"));
        }
    }

    fn parameters(&mut self, place: &Place, base_op: &Value, cur_op: &Value) {
        let params = |o: &Value| -> Vec<(String, Value)> {
            o["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| (p["name"].as_str().unwrap_or("").to_string(), p.clone()))
                .collect()
        };
        let (base, cur) = (params(base_op), params(cur_op));
        let required = |p: &Value| p["required"] == json!(true);
        for (name, c) in &cur {
            let path = vec![name.clone()];
            let line = place.line(&path);
            let Some((_, b)) = base.iter().find(|(n, _)| n == name) else {
                let (id, what) = if required(c) {
                    ("request-field-added-required", "required parameter added")
                } else {
                    ("request-field-added-optional", "optional parameter added")
                };
                self.change(line, find(id), place.at(what, &path));
                continue;
            };
            if required(b) != required(c) {
                let (id, what) = if required(c) {
                    ("request-field-became-required", "parameter became required")
                } else {
                    ("request-field-became-optional", "parameter became optional")
                };
                self.change(line, find(id), place.at(what, &path));
            }
            let (bs, cs) = (normalize(&b["schema"], self.base, true), normalize(&c["schema"], self.current, true));
            self.schema(Side::Request, place, &bs, &cs, &mut path.clone());
        }
        for (name, _) in base.iter().filter(|(n, _)| !cur.iter().any(|(c, _)| c == n)) {
            let path = vec![name.clone()];
            self.change(place.line(&path), find("request-field-removed"), place.at("parameter removed", &path));
        }
    }

    fn request_body(&mut self, place: &Place, base_op: &Value, cur_op: &Value) {
        let body = |o: &Value| {
            o["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.iter().next())
                .map(|(m, v)| (m.clone(), v["schema"].clone()))
        };
        let empty = json!({"type": "object"});
        let (b, c) = match (body(base_op), body(cur_op)) {
            (None, None) | (Some(_), None) => return,
            // A body where there was none: each of its fields is new.
            (None, Some((cm, cs))) => ((cm.clone(), empty), (cm, cs)),
            (Some(b), Some(c)) => (b, c),
        };
        if b.0 != c.0 {
            let detail = place.at(&format!("body {} is now {}", b.0, c.0), &[]);
            self.change(place.fallback, find("request-body-type-changed"), detail);
            return;
        }
        // A file part has no JSON schema worth comparing.
        if c.0.starts_with("multipart/") {
            return;
        }
        let (bs, cs) = (normalize(&b.1, self.base, false), normalize(&c.1, self.current, false));
        self.schema(Side::Request, place, &bs, &cs, &mut Vec::new());
    }

    /// Every change from `base` to `cur`, two normalized schemas on `side`.
    fn schema(&mut self, side: Side, place: &Place, base: &Value, cur: &Value, path: &mut Vec<String>) {
        let line = place.line(path);
        if base.get("type") != cur.get("type") || !same_non_integer_format(base, cur) {
            let detail = place.at(&format!("{} is now {}", kind(base), kind(cur)), path);
            self.change(line, side.pick("request-type-changed", "response-type-changed"), detail);
            return;
        }
        self.range(side, place, base, cur, path, line);
        self.enumeration(side, place, base, cur, path, line);
        let nullable = |s: &Value| s.get("nullable") == Some(&json!(true));
        if nullable(base) != nullable(cur) {
            let (rule, what) = match (side, nullable(cur)) {
                (Side::Request, false) => ("request-became-not-nullable", "no longer takes null"),
                (Side::Request, true) => ("request-became-nullable", "now takes null"),
                (Side::Response, true) => ("response-became-nullable", "may now be null"),
                (Side::Response, false) => ("response-became-not-nullable", "is never null now"),
            };
            self.change(line, find(rule), place.at(what, path));
        }
        if side == Side::Request && base.get("default") != cur.get("default") {
            let show = |s: &Value| s.get("default").map_or("none".to_string(), Value::to_string);
            let detail = place.at(&format!("default {} is now {}", show(base), show(cur)), path);
            self.change(line, find("request-default-changed"), detail);
        }
        for (key, step) in [("items", "[]"), ("additionalProperties", "{}")] {
            if let (Some(b), Some(c)) = (base.get(key), cur.get(key)) {
                if b.is_object() && c.is_object() {
                    path.push(step.to_string());
                    self.schema(side, place, b, c, path);
                    path.pop();
                }
            }
        }
        self.properties(side, place, base, cur, path);
    }

    fn properties(&mut self, side: Side, place: &Place, base: &Value, cur: &Value, path: &mut Vec<String>) {
        let empty = serde_json::Map::new();
        let bp = base.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let cp = cur.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let required = |s: &Value, k: &str| s["required"].as_array().is_some_and(|r| r.iter().any(|x| x == k));
        for (k, c) in cp {
            path.push(k.clone());
            let line = place.line(path);
            match bp.get(k) {
                None => {
                    let (rule, what) = match (side, required(cur, k)) {
                        (Side::Request, true) => ("request-field-added-required", "required field added"),
                        (Side::Request, false) => ("request-field-added-optional", "optional field added"),
                        (Side::Response, _) => ("response-field-added", "field added"),
                    };
                    self.change(line, find(rule), place.at(what, path));
                }
                Some(b) => {
                    if required(base, k) != required(cur, k) {
                        let rule = match (side, required(cur, k)) {
                            (Side::Request, true) => "request-field-became-required",
                            (Side::Request, false) => "request-field-became-optional",
                            (Side::Response, true) => "response-field-became-required",
                            (Side::Response, false) => "response-field-became-optional",
                        };
                        let what = if required(cur, k) { "field became required" } else { "field became optional" };
                        self.change(line, find(rule), place.at(what, path));
                    }
                    self.schema(side, place, b, c, path);
                }
            }
            path.pop();
        }
        for k in bp.keys().filter(|k| !cp.contains_key(*k)) {
            path.push(k.clone());
            let rule = side.pick("request-field-removed", "response-field-removed");
            self.change(place.line(path), rule, place.at("field removed", path));
            path.pop();
        }
    }

    /// Integer formats and `minimum`/`maximum`, compared as the values they allow.
    fn range(&mut self, side: Side, place: &Place, base: &Value, cur: &Value, path: &[String], line: usize) {
        let (b, c) = (bounds(base), bounds(cur));
        if b == c {
            return;
        }
        let widened = c.0 <= b.0 && c.1 >= b.1;
        let narrowed = c.0 >= b.0 && c.1 <= b.1;
        let rule = match side {
            Side::Request if widened => "request-range-widened",
            Side::Request => "request-range-narrowed",
            Side::Response if narrowed => "response-range-narrowed",
            Side::Response => "response-range-widened",
        };
        let detail = place.at(&format!("{} is now {}", show_range(base, b), show_range(cur, c)), path);
        self.change(line, find(rule), detail);
    }

    fn enumeration(&mut self, side: Side, place: &Place, base: &Value, cur: &Value, path: &[String], line: usize) {
        let values = |s: &Value| s.get("enum").and_then(Value::as_array).cloned();
        let (b, c) = (values(base), values(cur));
        if b == c {
            return;
        }
        // Normalized integers are floats (`4.0`): shown as written in the doc.
        let show = |v: &Value| match v.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => v.to_string(),
        };
        let list = |v: &[Value]| v.iter().map(show).collect::<Vec<_>>().join(", ");
        let (removed, added) = match (&b, &c) {
            (Some(b), Some(c)) => {
                let removed: Vec<Value> = b.iter().filter(|v| !c.contains(v)).cloned().collect();
                let added: Vec<Value> = c.iter().filter(|v| !b.contains(v)).cloned().collect();
                (list(&removed), list(&added))
            }
            // No enum is any value: gaining one removes every other value, losing one adds them.
            (None, Some(c)) => (format!("any value but {}", list(c)), String::new()),
            (Some(b), None) => (String::new(), format!("any value besides {}", list(b))),
            (None, None) => return,
        };
        if !removed.is_empty() {
            let rule = side.pick("request-enum-value-removed", "response-enum-value-removed");
            self.change(line, rule, place.at(&format!("values removed ({removed}) from"), path));
        }
        if !added.is_empty() {
            let rule = side.pick("request-enum-value-added", "response-enum-value-added");
            self.change(line, rule, place.at(&format!("values added ({added}) to"), path));
        }
    }

    /// `x-error-codes`: clients match on the code, its `error` name and its status.
    fn error_codes(&mut self) {
        let rows = error_code_rows(self.doc);
        let heading = error_codes_heading(&rows);
        let (base, cur) = (error_codes_of(self.base), error_codes_of(self.current));
        for (code, b) in &base {
            match cur.iter().find(|(c, _)| c == code) {
                None => self.change(
                    heading,
                    find("error-code-removed"),
                    format!("error code {code} {} removed", b["error"]),
                ),
                Some((_, c)) if c != b => {
                    let line = rows.iter().find(|(c, _)| c == code).map_or(heading, |(_, l)| *l);
                    self.change(line, find("error-code-changed"), format!("error code {code}: {b} is now {c}"));
                }
                Some(_) => {}
            }
        }
        for (code, c) in cur.iter().filter(|(c, _)| !base.iter().any(|(b, _)| b == c)) {
            let line = rows.iter().find(|(r, _)| r == code).map_or(heading, |(_, l)| *l);
            self.change(line, find("error-code-added"), format!("error code {code} {} added", c["error"]));
        }
    }

    /// Where a session token may travel (`securitySchemes`).
    fn credentials(&mut self) {
        let auth = auth_of(self.doc);
        let heading = auth.map_or(1, |a| a.line);
        let (base, cur) = (security_schemes_of(self.base), security_schemes_of(self.current));
        for (name, b) in &base {
            match cur.iter().find(|(n, _)| n == name) {
                None => self.change(
                    heading,
                    find("credential-removed"),
                    format!("credential `{name}` ({}) removed", b["in"]),
                ),
                Some((_, c)) if c != b => {
                    let line =
                        auth.and_then(|a| a.credentials.iter().find(|c| &c.name == name)).map_or(heading, |c| c.line);
                    self.change(line, find("credential-removed"), format!("credential `{name}`: {b} is now {c}"));
                }
                Some(_) => {}
            }
        }
        for (name, c) in cur.iter().filter(|(n, _)| !base.iter().any(|(b, _)| b == n)) {
            let line = auth.and_then(|a| a.credentials.iter().find(|c| &c.name == name)).map_or(heading, |c| c.line);
            self.change(line, find("credential-added"), format!("credential `{name}` ({}) added", c["in"]));
        }
    }
}

fn table_or(tables: &[Table], line: usize) -> usize {
    tables.first().map_or(line, |t| t.line)
}

/// Formats other than the integer ones change what a value is (`date-time` to `date`).
fn same_non_integer_format(base: &Value, cur: &Value) -> bool {
    fn other(s: &Value) -> Option<&str> {
        s.get("format").and_then(Value::as_str).filter(|f| format_range(f).is_none())
    }
    other(base) == other(cur)
}

/// The values a numeric schema allows: its bounds, else its integer format's, else unbounded.
fn bounds(schema: &Value) -> (f64, f64) {
    let format = schema.get("format").and_then(Value::as_str).and_then(format_range);
    let lo = schema.get("minimum").and_then(Value::as_f64).or(format.map(|f| f.0)).unwrap_or(f64::NEG_INFINITY);
    let hi = schema.get("maximum").and_then(Value::as_f64).or(format.map(|f| f.1)).unwrap_or(f64::INFINITY);
    (lo, hi)
}

fn show_range(schema: &Value, (lo, hi): (f64, f64)) -> String {
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("number");
    let end = |v: f64| if v.is_infinite() { "∞".to_string() } else { format!("{v}") };
    format!("{format} [{}, {}]", end(lo), end(hi))
}

fn kind(schema: &Value) -> String {
    let t = schema.get("type").and_then(Value::as_str).unwrap_or("any");
    match schema.get("format").and_then(Value::as_str) {
        Some(f) => format!("{t} ({f})"),
        None => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique() {
        let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn versions_order_as_numbers() {
        assert!(version_key("1.10.0") > version_key("1.9.3"));
        assert_eq!(version_key("1.2"), None);
        assert_eq!(major("2.0.1"), Some(2));
    }
}
