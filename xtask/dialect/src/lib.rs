//! The markdown dialect of the API doc, both ways: markdown → OpenAPI ([`markdown_to_spec`]) and
//! OpenAPI → markdown ([`spec_to_markdown`]), through the [`model::Doc`] they share; and the
//! structural comparison of a server's spec with a doc ([`contract`]).
//!
//! A light crate on purpose (serde_json and a JSON-schema validator): the doc author's commands
//! (`cargo xtask openapi`, `markdown`) build it without the server's stack.

pub mod compat;
pub mod contract;
pub mod diag;
pub mod from_spec;
pub mod gotype;
pub mod interface;
pub mod jsonschema;
pub mod model;
pub mod parse;
pub mod render;
pub mod to_spec;

use serde_json::Value;

use crate::diag::Diagnostics;

/// Converts a document; `file` names it in diagnostics, `note` (which command made the spec) goes
/// into `x-generated`.
pub fn markdown_to_spec(text: &str, file: &str, note: &str) -> Result<Value, Diagnostics> {
    let mut diags = Diagnostics::new(file);
    let doc = parse::parse(text, &mut diags);
    let spec = to_spec::to_spec(&doc, note, &mut diags);
    diags.finish(spec)
}

/// Renders a spec made by [`markdown_to_spec`] back into the dialect.
pub fn spec_to_markdown(spec: &Value) -> Result<String, String> {
    from_spec::from_spec(spec).map(|doc| render::render(&doc))
}

/// The spec as committed: pretty JSON with a trailing newline.
pub fn spec_text(spec: &Value) -> String {
    let mut s = serde_json::to_string_pretty(spec).expect("a JSON value always serializes");
    s.push('\n');
    s
}
