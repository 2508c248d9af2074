//! Each recorded response body against the doc's JSON schema for its operation and status,
//! with a JSON-schema validator (the doc's spec, `nullable` rewritten into JSON Schema's form,
//! extra properties refused).

use doc_dialect::jsonschema::{convert_components, to_json_schema, Checker, Strictness};
use serde_json::Value;

use crate::recorder::Exchange;

/// Live responses are held to the doc exactly: no invented fields, no zero value outside an enum.
const LIVE: Strictness = Strictness { no_extra_properties: true, zero_values_in_enums: false };

pub fn doc_spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/backend-api.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The doc's operation answering `method path`: its spec object and operationId.
pub fn operation<'a>(spec: &'a Value, method: &str, path: &str) -> Option<(&'a Value, String)> {
    let op = &spec["paths"][path][method.to_ascii_lowercase()];
    op.get("operationId").map(|id| (op, id.as_str().unwrap_or_default().to_string()))
}

/// What is wrong with each exchange that belongs to a doc operation; exchanges outside the doc
/// (e.g. the served upload files, an extension) are not the doc's to judge.
pub fn violations(spec: &Value, exchanges: &[Exchange]) -> Vec<String> {
    let components = convert_components(&spec["components"]["schemas"], LIVE);
    let mut out = Vec::new();
    for x in exchanges {
        let Some((op, id)) = operation(spec, &x.method, &x.path) else { continue };
        let schema = if (200..300).contains(&x.status) {
            op["responses"]["200"]["content"]["application/json"]["schema"].clone()
        } else if (400..600).contains(&x.status) {
            spec["components"]["responses"]["Error"]["content"]["application/json"]["schema"].clone()
        } else {
            out.push(format!("{id} answered {}, which the doc does not describe", x.status));
            continue;
        };
        if !x.content_type.starts_with("application/json") {
            out.push(format!("{id} {}: content type `{}`, not JSON", x.status, x.content_type));
            continue;
        }
        let value: Value = match serde_json::from_slice(&x.body) {
            Ok(v) => v,
            Err(e) => {
                out.push(format!("{id} {}: body is not JSON ({e}): {:?}", x.status, x.body));
                continue;
            }
        };
        let checker = Checker::new(&to_json_schema(&schema, LIVE), &components).unwrap();
        for f in checker.check(&value) {
            out.push(format!("{id} {} at `{}`: {} — body {value}", x.status, f.pointer, f.message));
        }
    }
    out
}
