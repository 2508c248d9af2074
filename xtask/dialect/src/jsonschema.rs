//! OpenAPI 3.0 schemas → JSON Schema, and validation of JSON values against them.
//!
//! OpenAPI 3.0 marks `null` with `nullable: true`, which JSON Schema does not know; a validator
//! would read `{"type": "array", "nullable": true}` as "never null". [`to_json_schema`] rewrites
//! that into JSON Schema's own form before the `jsonschema` crate sees it.

use serde_json::{json, Map, Value};

/// How strictly a converted schema judges a value.
#[derive(Debug, Clone, Copy)]
pub struct Strictness {
    /// Refuse properties a table does not list (an example must not invent fields).
    pub no_extra_properties: bool,
    /// Accept the Go zero value of an enum's type even where the enum does not list it: the
    /// generator dumps zero-valued structs as examples (`"type": ""`).
    pub zero_values_in_enums: bool,
}

/// Converts one OpenAPI schema (and everything below it) to JSON Schema 2020-12.
pub fn to_json_schema(schema: &Value, how: Strictness) -> Value {
    let Value::Object(obj) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in obj {
        let value = match key.as_str() {
            "properties" => Value::Object(
                value
                    .as_object()
                    .map(|props| props.iter().map(|(k, v)| (k.clone(), to_json_schema(v, how))).collect())
                    .unwrap_or_default(),
            ),
            "items" | "additionalProperties" | "not" => to_json_schema(value, how),
            "allOf" | "anyOf" | "oneOf" => {
                Value::Array(value.as_array().into_iter().flatten().map(|s| to_json_schema(s, how)).collect())
            }
            "$ref" => value.clone(),
            // Annotations and extensions mean nothing to a validator.
            "nullable" | "example" | "discriminator" | "xml" | "externalDocs" | "deprecated" => continue,
            k if k.starts_with("x-") => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    if how.zero_values_in_enums {
        let zero = match obj.get("type").and_then(Value::as_str) {
            Some("string") => Some(json!("")),
            Some("integer") | Some("number") => Some(json!(0)),
            Some("boolean") => Some(json!(false)),
            _ => None,
        };
        if let (Some(zero), Some(Value::Array(values))) = (zero, out.get_mut("enum")) {
            if !values.iter().any(|v| v == &zero || v.as_f64().is_some_and(|f| f == 0.0) && zero == json!(0)) {
                values.push(zero);
            }
        }
    }
    if how.no_extra_properties && out.contains_key("properties") && !out.contains_key("additionalProperties") {
        out.insert("additionalProperties".into(), json!(false));
    }
    if obj.get("nullable").and_then(Value::as_bool) == Some(true) {
        if let Some(Value::Array(values)) = out.get_mut("enum") {
            if !values.contains(&Value::Null) {
                values.push(Value::Null);
            }
        }
        // One built of other schemas (`allOf: [$ref]`) takes `null` as an alternative: the
        // schemas it is built of would refuse it.
        if out.contains_key("allOf") || out.contains_key("$ref") || out.contains_key("anyOf") {
            return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
        }
        // A nullable schema without a type already takes anything, `null` included.
        if let Some(Value::String(t)) = out.get("type").cloned() {
            out.insert("type".into(), json!([t, "null"]));
        }
    }
    Value::Object(out)
}

/// A schema ready to validate values, with the component schemas it may refer to.
pub struct Checker {
    validator: jsonschema::Validator,
}

/// One way a value fails its schema: where in the value, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// JSON pointer into the value (`/data/role`).
    pub pointer: String,
    pub message: String,
}

impl Checker {
    /// `components` are the spec's `components.schemas`, already converted with [`to_json_schema`];
    /// references of the form `#/components/schemas/X` resolve against them.
    pub fn new(schema: &Value, components: &Value) -> Result<Checker, String> {
        let mut root = match schema {
            Value::Object(o) => o.clone(),
            other => return Err(format!("not a schema: {other}")),
        };
        root.insert("components".into(), json!({ "schemas": components }));
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .map_err(|e| e.to_string())?;
        Ok(Checker { validator })
    }

    pub fn check(&self, value: &Value) -> Vec<Failure> {
        self.validator
            .iter_errors(value)
            .map(|e| Failure { pointer: e.instance_path().to_string(), message: e.to_string() })
            .collect()
    }
}

/// Converts every schema of a `components.schemas` map.
pub fn convert_components(schemas: &Value, how: Strictness) -> Value {
    Value::Object(
        schemas
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), to_json_schema(v, how))).collect())
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: Strictness = Strictness { no_extra_properties: true, zero_values_in_enums: false };

    #[test]
    fn nullable_becomes_a_null_type() {
        assert_eq!(
            to_json_schema(&json!({"type": "array", "items": {"type": "string"}, "nullable": true}), STRICT),
            json!({"type": ["array", "null"], "items": {"type": "string"}})
        );
        assert_eq!(
            to_json_schema(&json!({"allOf": [{"$ref": "#/components/schemas/X"}], "nullable": true}), STRICT),
            json!({"anyOf": [{"allOf": [{"$ref": "#/components/schemas/X"}]}, {"type": "null"}]})
        );
        assert_eq!(
            to_json_schema(&crate::gotype::null_only(), STRICT),
            json!({"type": ["object", "null"], "enum": [null]})
        );
        assert_eq!(to_json_schema(&json!({"nullable": true, "x-go-type": "interface{}"}), STRICT), json!({}));
    }

    #[test]
    fn checker_reports_pointer_and_resolves_components() {
        let components = convert_components(
            &json!({"X": {"type": "object", "properties": {"n": {"type": "integer", "format": "int8", "maximum": 127}}, "required": ["n"]}}),
            STRICT,
        );
        let schema = to_json_schema(
            &json!({"type": "object", "properties": {"x": {"$ref": "#/components/schemas/X"}}, "required": ["x"]}),
            STRICT,
        );
        let checker = Checker::new(&schema, &components).unwrap();
        assert!(checker.check(&json!({"x": {"n": 1}})).is_empty());
        let failures = checker.check(&json!({"x": {"n": 300}}));
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].pointer, "/x/n");
        assert!(!checker.check(&json!({"x": {"n": 1}, "extra": 1})).is_empty());
        assert!(!checker.check(&json!({})).is_empty());
    }

    #[test]
    fn zero_values_pass_enums_only_when_asked() {
        let schema = json!({"type": "string", "enum": ["image", "video"]});
        let lenient = Strictness { no_extra_properties: true, zero_values_in_enums: true };
        let ok = Checker::new(&to_json_schema(&schema, lenient), &json!({})).unwrap();
        assert!(ok.check(&json!("")).is_empty());
        assert!(!ok.check(&json!("audio")).is_empty());
        let strict = Checker::new(&to_json_schema(&schema, STRICT), &json!({})).unwrap();
        assert!(!strict.check(&json!("")).is_empty());
    }
}
