//! One trait method per operation: the doc comment dropshot reads as the summary and
//! description, `#[endpoint { … }]`, the overlay's extractors (by default `LazyBody`, `LazyQuery`,
//! `FormBody`) and `Result<…, ApiError>`, with what the overlay adds to the operation (a body
//! limit, response headers, a `Reply` for errors with headers).

use serde_json::{json, Value};

use super::overlay::{self, Extractors};
use super::rust;
use super::types::{fields_of, FieldIn, LeftOut, Module, Place};
use super::SpecOp;

/// What a method needs of the doc besides the spec: where its rows are, for the gaps.
pub struct DocLines<'a> {
    /// The operation's heading.
    pub op: usize,
    /// The first 请求参数 table's heading, and its rows by field name.
    pub request_table: Option<usize>,
    pub request_rows: Vec<(&'a str, usize)>,
}

impl DocLines<'_> {
    fn row(&self, field: &str) -> usize {
        self.request_rows.iter().find(|(n, _)| *n == field).map_or(self.op, |(_, l)| *l)
    }
}

/// The method's text (indented for the trait body), and the gaps it leaves, at their doc lines.
pub fn method(
    module: &mut Module,
    op: &SpecOp,
    lines: &DocLines,
    extractors: &Extractors,
    added: &overlay::Operation,
) -> (String, Vec<(usize, String)>) {
    let o = op.value;
    let id = &op.id;
    let pascal = rust::pascal(id);
    let mut gaps = Vec::new();
    let mut params = vec!["rqctx: RequestContext<Self::Context>".to_string()];
    let mut notes = Vec::new();
    let mut attributes = Vec::new();
    module.import("dropshot::RequestContext");
    module.import("crate::ApiError");

    let path_vars: Vec<&str> =
        op.path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
    if !path_vars.is_empty() {
        let name = module.claim(&format!("{pascal}Path"));
        let string = json!({"type": "string"});
        let fields: Vec<FieldIn> =
            path_vars.iter().map(|v| FieldIn { name: v, schema: &string, description: None }).collect();
        module.write_struct(&name, &format!("Path of `{id}`."), &fields, Place::Required, None, &[]);
        module.import("dropshot::Path");
        params.push(format!("path: Path<{name}>"));
        let line = lines.request_table.unwrap_or(lines.op);
        for v in path_vars {
            gaps.push((line, format!("{id}: path parameter `{v}`: the dialect cannot declare one, dropshot must")));
        }
    }

    if let Some(list) = o["parameters"].as_array() {
        let name = module.claim(&format!("{pascal}Query"));
        let fields: Vec<FieldIn> = list
            .iter()
            .map(|p| FieldIn {
                name: p["name"].as_str().unwrap_or(""),
                schema: &p["schema"],
                description: p["description"].as_str(),
            })
            .collect();
        let left_out = module.write_struct(&name, &format!("Query of `{id}`."), &fields, Place::Query, None, &[]);
        gaps.extend(left_out.iter().map(|g| (lines.row(&g.field), gap_text(id, "query parameter", g))));
        let extractor = extractor(module, &extractors.query);
        params.push(format!("query: {extractor}<{name}>"));
    }

    let body = o["requestBody"]["content"].as_object().and_then(|c| c.iter().next());
    let multipart = body.is_some_and(|(media, _)| media.starts_with("multipart/"));
    let redact: Vec<String> = added.redact.iter().map(|f| f.get_ref().clone()).collect();
    match body {
        Some((_, media)) if multipart => {
            let name = module.claim(&format!("{pascal}Form"));
            let about = format!(
                "The parts of `{id}`'s form-data body, for its schema: the handler reads them from the body's\n\
                 /// stream."
            );
            let fields = fields_of(&media["schema"]);
            let left_out = module.write_struct(&name, &about, &fields, Place::Form, None, &redact);
            gaps.extend(left_out.iter().map(|g| (lines.row(&g.field), gap_text(id, "part", g))));
            let extractor = extractor(module, &extractors.form_data);
            params.push(format!("body: {extractor}<{name}>"));
        }
        Some((_, media)) => {
            let name = module.claim(&format!("{pascal}Request"));
            let fields = fields_of(&media["schema"]);
            let about = format!("Request body of `{id}`.");
            let left_out = module.write_struct(&name, &about, &fields, Place::Optional, None, &redact);
            gaps.extend(left_out.iter().map(|g| (lines.row(&g.field), gap_text(id, "field", g))));
            let extractor = extractor(module, &extractors.json);
            params.push(format!("body: {extractor}<{name}>"));
        }
        None => {}
    }
    if let Some(max) = added.request_body_max_bytes {
        let name = format!("{}_BODY_MAX_BYTES", rust::upper_snake(id));
        let about = format!("The largest request body `{id}` accepts, in bytes.");
        module.add_constant(format!("/// {about}\npub const {name}: usize = {max};\n"));
        attributes.push(format!("request_body_max_bytes = {name}"));
    }

    let ok = ok_response(o);
    let mut answer = match ok {
        Some(schema) => {
            let name = response_type(module, id, &pascal, schema);
            module.import("dropshot::HttpResponseOk");
            format!("HttpResponseOk<{name}>")
        }
        None => {
            notes.push("// The doc gives no response body; dropshot's bodiless success is a 204.".into());
            module.import("dropshot::HttpResponseUpdatedNoContent");
            "HttpResponseUpdatedNoContent".into()
        }
    };
    if !added.response_headers.is_empty() {
        let name = module.claim(&format!("{pascal}Headers"));
        module.write_headers(&name, &format!("Headers of `{id}`'s success response."), &added.response_headers);
        module.import("dropshot::HttpResponseHeaders");
        answer = format!("HttpResponseHeaders<{answer}, {name}>");
    }
    if added.error_headers {
        module.import("crate::Reply");
        answer = format!("Reply<{answer}>");
    }

    if let Some(permission) = o["x-permission"].as_str() {
        notes.push(format!("// 所需权限 {permission}: the doc's permission, for the handler to check."));
    }
    if o["security"] == json!([]) {
        notes.push("// Needs no session (the doc's 无需认证).".into());
    }

    let mut out = String::new();
    for line in doc_comment(o["summary"].as_str().unwrap_or(id), o["description"].as_str().unwrap_or("")) {
        out.push_str(&format!("    {line}\n"));
    }
    for note in notes {
        for line in note.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    let tag = o["tags"][0].as_str().unwrap_or("default");
    // The method is named by its operationId, unless that is no snake-case name (a path's `{id}`
    // makes `get__id_`): then `operation_id` says it.
    let method_name = rust::snake(id);
    let mut fields = vec![
        format!("method = {}", op.method),
        format!("path = {}", rust::str_lit(&op.path)),
        format!("tags = [{}]", rust::str_lit(tag)),
    ];
    if method_name != *id {
        fields.push(format!("operation_id = {}", rust::str_lit(id)));
    }
    fields.extend(attributes);
    let one_line = format!("    #[endpoint {{ {} }}]", fields.join(", "));
    if one_line.chars().count() <= 120 {
        out.push_str(&one_line);
        out.push('\n');
    } else {
        out.push_str("    #[endpoint {\n");
        for f in &fields {
            out.push_str(&format!("        {f},\n"));
        }
        out.push_str("    }]\n");
    }
    let ret = format!("Result<{answer}, ApiError>");
    let one_line = format!("    async fn {method_name}({}) -> {ret};", params.join(", "));
    if one_line.chars().count() <= 120 {
        out.push_str(&one_line);
        out.push('\n');
    } else {
        out.push_str(&format!("    async fn {method_name}(\n"));
        for p in &params {
            out.push_str(&format!("        {p},\n"));
        }
        out.push_str(&format!("    ) -> {ret};\n"));
    }
    (out, gaps)
}

fn gap_text(id: &str, what: &str, g: &LeftOut) -> String {
    format!("{id}: {what} `{}` is left out: {}", g.field, g.reason)
}

/// The schema of the operation's 2xx JSON body.
fn ok_response(o: &Value) -> Option<&Value> {
    let (_, r) = o["responses"].as_object()?.iter().find(|(status, _)| status.starts_with('2'))?;
    r["content"]["application/json"].get("schema")
}

/// The response's type: the shared `Envelope` where the doc's table is the bare envelope, else
/// `<Operation>Response`.
fn response_type(module: &mut Module, id: &str, pascal: &str, schema: &Value) -> String {
    let envelope = json!({
        "type": "object",
        "properties": {
            "code": {"type": "integer", "format": "int64", "x-go-type": "int"},
            "msg": {"type": "string"},
            "error": {"type": "string"}
        },
        "required": ["code", "msg", "error"]
    });
    if *schema == envelope {
        if let Some(name) = module.envelope() {
            return name;
        }
        let name = module.claim("Envelope");
        let about = "The bare response envelope: `code` 0, `msg`, `error` \"\".";
        module.write_struct(&name, about, &fields_of(schema), Place::Required, None, &[]);
        module.set_envelope(&name);
        return name;
    }
    let name = module.claim(&format!("{pascal}Response"));
    module.write_struct(&name, &format!("Response body of `{id}`."), &fields_of(schema), Place::Required, None, &[]);
    name
}

/// The extractor's name in the module: `LazyBody` is the crate's (`crate::LazyBody`), a path
/// (`dropshot::TypedBody`) is imported as written.
fn extractor(module: &mut Module, given: &str) -> String {
    let path = if given.contains("::") { given.to_string() } else { format!("crate::{given}") };
    module.import(&path);
    path.rsplit("::").next().unwrap_or(given).to_string()
}

/// The `///` lines dropshot reads back as exactly `summary` and `description`: the summary, a
/// blank line, then the description's lines (dropshot joins a paragraph's lines with spaces, and
/// keeps blank lines as paragraph breaks).
fn doc_comment(summary: &str, description: &str) -> Vec<String> {
    let mut lines = vec![format!("/// {summary}")];
    if !description.is_empty() {
        lines.push("///".into());
        lines.extend(description.lines().map(|l| if l.is_empty() { "///".into() } else { format!("/// {l}") }));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_comments_keep_paragraphs() {
        assert_eq!(doc_comment("探活", ""), ["/// 探活"]);
        assert_eq!(doc_comment("探活", "a\n\nb"), ["/// 探活", "///", "/// a", "///", "/// b"]);
    }
}
