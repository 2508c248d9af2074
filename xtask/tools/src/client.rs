//! `cargo xtask client`: generates `generated/src/generated.rs` from the doc's spec with progenitor
//! (used as a library) and formats it with prettyplease.
//!
//! progenitor 0.15 refuses `multipart/form-data` request bodies, so such operations are taken out
//! of the spec it sees; their 2xx response schemas are kept as components (named
//! `<OperationId>Response` in PascalCase, as progenitor would name them), so the hand-written
//! methods in `generated/src/lib.rs` return the same generated types.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use serde_json::Value;

use xtask::codegen;

pub const OUTPUT: &str = "generated/src/generated.rs";
pub const COMMAND: &str = "cargo xtask client";

pub fn run(root: &Path, check: bool) -> Result<()> {
    let spec_path = root.join(xtask::DEFAULT_SPEC);
    let text = std::fs::read_to_string(&spec_path).with_context(|| format!("reading {}", spec_path.display()))?;
    let spec: Value = serde_json::from_str(&text).context("the spec is not JSON")?;
    let code = generate(&spec)?;
    codegen::write_or_check(&root.join(OUTPUT), &code, check, COMMAND)
}

/// The client's source text for a spec.
pub fn generate(spec: &Value) -> Result<String> {
    let (spec, removed) = without_multipart(spec);
    let api: openapiv3::OpenAPI = serde_json::from_value(spec).context("the spec is not OpenAPI 3.0")?;
    let mut settings = progenitor::GenerationSettings::new();
    settings.with_interface(progenitor::InterfaceStyle::Builder).with_tag(progenitor::TagStyle::Merged);
    let tokens = progenitor::Generator::new(&settings).generate_tokens(&api).map_err(|e| anyhow!("progenitor: {e}"))?;
    let file: syn::File = syn::parse2(tokens).context("progenitor's output does not parse")?;
    let mut out = format!(
        "// Generated from {} by `{COMMAND}`: progenitor, formatted by prettyplease.\n\
         // Do not edit by hand: change the doc, run `cargo xtask openapi`, then `{COMMAND}`.\n",
        xtask::DEFAULT_SPEC
    );
    if !removed.is_empty() {
        out.push_str(&format!(
            "// Left to generated/src/lib.rs (progenitor cannot generate multipart/form-data): {}.\n",
            removed.join(", ")
        ));
    }
    out.push('\n');
    out.push_str(&prettyplease::unparse(&file));
    Ok(out)
}

/// The spec without its multipart operations, and their operationIds. Each one's 2xx response
/// schema stays behind as a component, so its type is still generated.
fn without_multipart(spec: &Value) -> (Value, Vec<String>) {
    let mut spec = spec.clone();
    let mut removed = Vec::new();
    let mut kept_schemas = Vec::new();
    if let Some(paths) = spec["paths"].as_object_mut() {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            item.retain(|_, op| {
                let multipart = op["requestBody"]["content"].get("multipart/form-data").is_some();
                if multipart {
                    let id = op["operationId"].as_str().unwrap_or_default().to_string();
                    let ok = op["responses"].as_object().and_then(|r| r.iter().find(|(s, _)| s.starts_with('2')));
                    if let Some(schema) = ok.map(|(_, r)| r["content"]["application/json"]["schema"].clone()) {
                        kept_schemas.push((format!("{}Response", pascal(&id)), schema));
                    }
                    removed.push(id);
                }
                !multipart
            });
        }
        paths.retain(|_, item| item.as_object().is_some_and(|o| !o.is_empty()));
    }
    if let Some(schemas) = spec["components"]["schemas"].as_object_mut() {
        for (name, schema) in kept_schemas {
            schemas.insert(name, schema);
        }
    }
    (spec, removed)
}

/// `post_upload` → `PostUpload`.
fn pascal(id: &str) -> String {
    id.split('_')
        .map(|w| {
            let mut cs = w.chars();
            cs.next().map(|c| c.to_uppercase().chain(cs).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn multipart_operations_are_set_aside_with_their_response_type() {
        let spec = json!({"paths": {
            "/a": {"post": {"operationId": "post_upload",
                "requestBody": {"content": {"multipart/form-data": {"schema": {}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/b": {"get": {"operationId": "get_b", "responses": {}}}
        }, "components": {"schemas": {}}});
        let (out, removed) = without_multipart(&spec);
        assert_eq!(removed, ["post_upload"]);
        assert!(out["paths"].get("/a").is_none());
        assert!(out["paths"]["/b"]["get"].is_object());
        assert_eq!(out["components"]["schemas"]["PostUploadResponse"], json!({"type": "object"}));
    }
}
