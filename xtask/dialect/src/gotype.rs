//! Go types as the dialect spells them, and their JSON schemas as Go's `encoding/json` marshals them.

use serde_json::{json, Value};

use crate::diag::did_you_mean;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoType {
    Bool,
    String,
    Int(IntKind),
    Float32,
    Float64,
    /// `time.Time`: RFC 3339 text.
    Time,
    /// `interface{}` / `any`: any JSON value, `null` when nil.
    Any,
    /// `表单文件`: a multipart file part.
    File,
    /// `[]T`: nil marshals as `null`; `[]byte` marshals as base64 text.
    Slice(Box<GoType>),
    /// `[N]T`: exactly N items, never `null`.
    Array(u64, Box<GoType>),
    Ptr(Box<GoType>),
    /// `map[K]V` with a string or integer key: a JSON object.
    Map(Box<GoType>),
    /// `pkg.Type`: a struct described by a table of its own.
    Named(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntKind {
    /// The format schemars writes for the matching Rust type.
    pub format: &'static str,
    pub signed: bool,
    pub bits: u32,
}

const INTS: [(&str, IntKind); 13] = [
    ("int", IntKind { format: "int64", signed: true, bits: 64 }),
    ("int8", IntKind { format: "int8", signed: true, bits: 8 }),
    ("int16", IntKind { format: "int16", signed: true, bits: 16 }),
    ("int32", IntKind { format: "int32", signed: true, bits: 32 }),
    ("rune", IntKind { format: "int32", signed: true, bits: 32 }),
    ("int64", IntKind { format: "int64", signed: true, bits: 64 }),
    ("uint", IntKind { format: "uint64", signed: false, bits: 64 }),
    ("uint8", IntKind { format: "uint8", signed: false, bits: 8 }),
    ("byte", IntKind { format: "uint8", signed: false, bits: 8 }),
    ("uint16", IntKind { format: "uint16", signed: false, bits: 16 }),
    ("uint32", IntKind { format: "uint32", signed: false, bits: 32 }),
    ("uint64", IntKind { format: "uint64", signed: false, bits: 64 }),
    ("uintptr", IntKind { format: "uint64", signed: false, bits: 64 }),
];

/// The other types spelled by one name: [`parse`] looks them up here, and messages list them.
static SCALARS: [(&str, GoType); 9] = [
    ("bool", GoType::Bool),
    ("string", GoType::String),
    ("float32", GoType::Float32),
    ("float64", GoType::Float64),
    ("time.Time", GoType::Time),
    ("interface{}", GoType::Any),
    ("interface {}", GoType::Any),
    ("any", GoType::Any),
    ("表单文件", GoType::File),
];

/// Every type spelled by one name, in the order messages list them.
pub fn names<'a>() -> impl Iterator<Item = &'a str> {
    SCALARS.iter().map(|(n, _)| -> &'a str { n }).chain(INTS.iter().map(|(n, _)| -> &'a str { n }))
}

/// Every spelling [`parse`] takes, for messages: the names, then the forms built from them.
pub fn accepted() -> String {
    let names: Vec<&str> = names().collect();
    format!(
        "accepted: {}, and []T, [N]T, *T, map[K]T with K string or an integer, pkg.Type or Type with a table of its own",
        names.join(", ")
    )
}

impl IntKind {
    /// The bounds worth writing: those of 8-, 16- and 32-bit types, and 0 for unsigned ones.
    /// 64-bit bounds are implied by the format (and u64's maximum is outside i64).
    pub fn bounds(self) -> (Option<i64>, Option<i64>) {
        match (self.signed, self.bits) {
            (true, 64) => (None, None),
            (false, 64) => (Some(0), None),
            (true, b) => (Some(-(1i64 << (b - 1))), Some((1i64 << (b - 1)) - 1)),
            (false, b) => (Some(0), Some((1i64 << b) - 1)),
        }
    }

    pub fn contains(self, v: i128) -> bool {
        let (lo, hi) = match (self.signed, self.bits) {
            (true, b) => (-(1i128 << (b - 1)), (1i128 << (b - 1)) - 1),
            (false, b) => (0, (1i128 << b) - 1),
        };
        (lo..=hi).contains(&v)
    }
}

pub fn parse(s: &str) -> Result<GoType, String> {
    parse_part(s, s.trim())
}

/// [`parse`] of `s`, a part of the cell `whole`: a message names the part that is wrong, and
/// the cell it is in.
fn parse_part(s: &str, whole: &str) -> Result<GoType, String> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix("[]") {
        return Ok(GoType::Slice(Box::new(parse_part(rest, whole)?)));
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (n, elem) = rest.split_once(']').ok_or_else(|| unknown(s, whole))?;
        let n: u64 = n.trim().parse().map_err(|_| format!("array length `{n}` in `{s}` is not a number"))?;
        return Ok(GoType::Array(n, Box::new(parse_part(elem, whole)?)));
    }
    if let Some(rest) = s.strip_prefix('*') {
        return Ok(GoType::Ptr(Box::new(parse_part(rest, whole)?)));
    }
    if let Some(rest) = s.strip_prefix("map[") {
        let (key, value) = rest.split_once(']').ok_or_else(|| unknown(s, whole))?;
        match parse_part(key, whole)? {
            GoType::String | GoType::Int(_) => {}
            _ => return Err(format!("map key type `{key}` cannot be a JSON object key (use string or an integer)")),
        }
        return Ok(GoType::Map(Box::new(parse_part(value, whole)?)));
    }
    if let Some((_, t)) = SCALARS.iter().find(|(name, _)| *name == s) {
        return Ok(t.clone());
    }
    if let Some((_, kind)) = INTS.iter().find(|(name, _)| *name == s) {
        return Ok(GoType::Int(*kind));
    }
    if is_type_name(s) {
        return Ok(GoType::Named(s.to_string()));
    }
    Err(unknown(s, whole))
}

/// The message for a spelling nothing accepts: the part, the cell, the name likely meant, and
/// every spelling there is, so that the author need not look the dialect up.
fn unknown(part: &str, whole: &str) -> String {
    let within = if part == whole { String::new() } else { format!(" in `{whole}`") };
    format!("unknown type `{part}`{within}{} ({})", did_you_mean(part, names()), accepted())
}

/// `pkg.Type`, or an exported `Type` of the document's own package.
fn is_type_name(s: &str) -> bool {
    let ident = |p: &str| {
        let mut cs = p.chars();
        matches!(cs.next(), Some(c) if c.is_alphabetic() || c == '_') && cs.all(|c| c.is_alphanumeric() || c == '_')
    };
    match s.split_once('.') {
        Some((pkg, name)) => ident(pkg) && ident(name),
        None => ident(s) && s.starts_with(|c: char| c.is_uppercase()),
    }
}

impl GoType {
    /// Whether Go can marshal this as `null`.
    pub fn nullable(&self) -> bool {
        matches!(self, GoType::Slice(_) | GoType::Ptr(_) | GoType::Map(_) | GoType::Any)
    }

    /// Every `pkg.Type` this type mentions.
    pub fn named(&self) -> Option<&str> {
        match self {
            GoType::Named(n) => Some(n),
            GoType::Slice(t) | GoType::Array(_, t) | GoType::Ptr(t) | GoType::Map(t) => t.named(),
            _ => None,
        }
    }

    /// The zero value Go gives a request field the client left out, as JSON; `None` for a struct
    /// or file, whose zero value is not one JSON literal worth writing as a default.
    pub fn zero(&self) -> Option<Value> {
        Some(match self {
            GoType::Bool => json!(false),
            GoType::String => json!(""),
            GoType::Int(_) => json!(0),
            GoType::Float32 | GoType::Float64 => json!(0.0),
            GoType::Time => json!(ZERO_TIME),
            GoType::Any | GoType::Slice(_) | GoType::Ptr(_) | GoType::Map(_) => Value::Null,
            GoType::File | GoType::Array(..) | GoType::Named(_) => return None,
        })
    }

    /// The JSON schema (OpenAPI 3.0 dialect) of the marshalled value. `component` maps a
    /// `pkg.Type` to its component schema name.
    pub fn schema(&self, component: &dyn Fn(&str) -> String) -> Value {
        match self {
            GoType::Bool => json!({"type": "boolean"}),
            GoType::String => json!({"type": "string"}),
            GoType::Int(k) => {
                let mut s = json!({"type": "integer", "format": k.format});
                let (lo, hi) = k.bounds();
                if let Some(lo) = lo {
                    s["minimum"] = json!(lo);
                }
                if let Some(hi) = hi {
                    s["maximum"] = json!(hi);
                }
                s
            }
            GoType::Float32 => json!({"type": "number", "format": "float"}),
            GoType::Float64 => json!({"type": "number", "format": "double"}),
            GoType::Time => json!({"type": "string", "format": "date-time"}),
            // No type: any value, `null` included (OpenAPI 3.0's `nullable` needs a `type`).
            GoType::Any => json!({}),
            GoType::File => json!({"type": "string", "format": "binary"}),
            GoType::Slice(t) if matches!(**t, GoType::Int(IntKind { format: "uint8", .. })) => {
                json!({"type": "string", "format": "byte", "nullable": true})
            }
            GoType::Slice(t) => {
                json!({"type": "array", "items": t.schema(component), "nullable": true})
            }
            GoType::Array(n, t) => {
                json!({"type": "array", "items": t.schema(component), "minItems": n, "maxItems": n})
            }
            GoType::Map(t) => {
                json!({"type": "object", "additionalProperties": t.schema(component), "nullable": true})
            }
            GoType::Named(n) => json!({"$ref": format!("#/components/schemas/{}", component(n))}),
            GoType::Ptr(t) => {
                let inner = t.schema(component);
                if t.nullable() {
                    inner
                } else if inner.get("$ref").is_some() {
                    // A $ref takes no siblings in OpenAPI 3.0, and `nullable` adds `null` only
                    // beside a `type` (and not past the `$ref`'s own `type: object`): the struct,
                    // or the one schema that holds `null` alone.
                    json!({"anyOf": [inner, null_only()]})
                } else {
                    let mut s = inner;
                    s["nullable"] = json!(true);
                    s
                }
            }
        }
    }
}

/// The schema of `null` alone, in OpenAPI 3.0's terms (it has no `null` type): the alternative
/// that makes a `$ref` nullable.
pub fn null_only() -> Value {
    json!({"type": "object", "nullable": true, "enum": [null]})
}

/// The schema `s` makes nullable, if `s` is `anyOf: [schema, null_only()]`.
pub fn nullable_of(s: &Value) -> Option<&Value> {
    match s.get("anyOf").and_then(Value::as_array).map(Vec::as_slice) {
        Some([one, null]) if *null == null_only() => Some(one),
        _ => None,
    }
}

/// Go's zero `time.Time`, as `encoding/json` writes it.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// The Go type a schema most plainly stands for: the reverse of [`GoType::schema`], used where a
/// spec carries no `x-go-type` (a converted spec only writes one where this guess would be wrong).
/// `go_name` maps a component name to its `pkg.Type`.
pub fn spelling_of(schema: &Value, go_name: &dyn Fn(&str) -> String) -> String {
    let nullable = schema.get("nullable").and_then(Value::as_bool).unwrap_or(false);
    let ptr = |t: String| if nullable { format!("*{t}") } else { t };
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return go_name(r.rsplit('/').next().unwrap_or(r));
    }
    if let Some([one]) = schema.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        return ptr(spelling_of(one, go_name));
    }
    if let Some(one) = nullable_of(schema) {
        return format!("*{}", spelling_of(one, go_name));
    }
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    match schema.get("type").and_then(Value::as_str) {
        Some("boolean") => ptr("bool".into()),
        Some("string") => match format {
            "date-time" => ptr("time.Time".into()),
            "binary" => "表单文件".into(),
            "byte" if nullable => "[]byte".into(),
            _ => ptr("string".into()),
        },
        Some("integer") => {
            let name = INTS
                .iter()
                .find(|(name, k)| k.format == format && !matches!(*name, "int" | "uint" | "rune" | "byte" | "uintptr"))
                .map_or("int64", |(name, _)| name);
            ptr(name.into())
        }
        Some("number") => ptr(if format == "float" { "float32" } else { "float64" }.into()),
        Some("array") => {
            let items = schema.get("items").map_or("interface{}".into(), |i| spelling_of(i, go_name));
            match (schema.get("minItems"), schema.get("maxItems")) {
                (Some(a), Some(b)) if a == b && !nullable => format!("[{a}]{items}"),
                _ => format!("[]{items}"),
            }
        }
        Some("object") => {
            let value = match schema.get("additionalProperties") {
                Some(v @ Value::Object(_)) => spelling_of(v, go_name),
                _ => "interface{}".into(),
            };
            format!("map[string]{value}")
        }
        _ => "interface{}".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(n: &str) -> String {
        n.rsplit('.').next().unwrap().to_string()
    }

    fn schema_of(t: &str) -> Value {
        parse(t).unwrap().schema(&component)
    }

    #[test]
    fn integers_carry_schemars_formats_and_bounds() {
        assert_eq!(schema_of("int"), json!({"type": "integer", "format": "int64"}));
        assert_eq!(schema_of("int8"), json!({"type": "integer", "format": "int8", "minimum": -128, "maximum": 127}));
        assert_eq!(schema_of("uint8"), json!({"type": "integer", "format": "uint8", "minimum": 0, "maximum": 255}));
        assert_eq!(schema_of("byte"), schema_of("uint8"));
        assert_eq!(
            schema_of("int32"),
            json!({"type": "integer", "format": "int32", "minimum": -2147483648i64, "maximum": 2147483647})
        );
        assert_eq!(schema_of("uint64"), json!({"type": "integer", "format": "uint64", "minimum": 0}));
    }

    #[test]
    fn nil_able_types_are_nullable() {
        assert_eq!(
            schema_of("[]int64"),
            json!({"type": "array", "items": {"type": "integer", "format": "int64"}, "nullable": true})
        );
        assert_eq!(schema_of("*backend.X"), json!({"anyOf": [{"$ref": "#/components/schemas/X"}, null_only()]}));
        assert_eq!(schema_of("*string"), json!({"type": "string", "nullable": true}));
        assert_eq!(schema_of("**string"), json!({"type": "string", "nullable": true}));
        assert_eq!(
            schema_of("map[string]bool"),
            json!({"type": "object", "additionalProperties": {"type": "boolean"}, "nullable": true})
        );
        assert_eq!(schema_of("interface{}"), json!({}));
        assert_eq!(schema_of("[]byte"), json!({"type": "string", "format": "byte", "nullable": true}));
        assert_eq!(
            schema_of("[][]a.B")["items"],
            json!({"type": "array", "items": {"$ref": "#/components/schemas/B"}, "nullable": true})
        );
    }

    #[test]
    fn other_types() {
        assert_eq!(schema_of("time.Time"), json!({"type": "string", "format": "date-time"}));
        assert_eq!(schema_of("表单文件"), json!({"type": "string", "format": "binary"}));
        assert_eq!(schema_of("float32"), json!({"type": "number", "format": "float"}));
        assert_eq!(schema_of("[2]bool")["minItems"], json!(2));
        assert_eq!(parse("map[int]string").unwrap(), GoType::Map(Box::new(GoType::String)));
    }

    #[test]
    fn unknown_types_are_refused() {
        assert_eq!(parse("integer").unwrap_err(), format!("unknown type `integer` ({})", accepted()));
        assert!(parse("[]strin")
            .unwrap_err()
            .starts_with("unknown type `strin` in `[]strin`; did you mean `string`? ("));
        assert!(parse("map[string]Interface{}").unwrap_err().contains("did you mean `interface{}`?"), "case only");
        assert!(parse("map[bool]int").unwrap_err().contains("map key type"));
        assert!(parse("[x]int").unwrap_err().contains("not a number"));
    }

    #[test]
    fn every_listed_name_parses_and_is_no_struct() {
        for name in names() {
            assert!(!matches!(parse(name), Ok(GoType::Named(_)) | Err(_)), "{name}");
        }
    }

    #[test]
    fn spelling_inverts_schema_for_canonical_spellings() {
        let go_name = |c: &str| format!("pkg.{c}");
        for t in [
            "bool",
            "string",
            "int8",
            "int16",
            "int32",
            "int64",
            "uint8",
            "uint16",
            "uint32",
            "uint64",
            "float32",
            "float64",
            "time.Time",
            "interface{}",
            "表单文件",
            "[]int64",
            "[][]pkg.B",
            "*pkg.B",
            "*int8",
            "map[string]pkg.B",
            "[]byte",
            "[3]string",
            "pkg.B",
        ] {
            let schema = parse(t).unwrap().schema(&|n| component(n));
            assert_eq!(spelling_of(&schema, &go_name), t, "{schema}");
        }
    }
}
