//! One trait method per operation, declared as `server/api` declares its own: the doc comment
//! dropshot reads as the summary and description, `#[endpoint { … }]`, the project's extractors
//! (`LazyBody`, `LazyQuery`, `UploadBody`) and `Result<…, ApiError>`.

use serde_json::{json, Value};

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
pub fn method(module: &mut Module, op: &SpecOp, lines: &DocLines) -> (String, Vec<(usize, String)>) {
    let o = op.value;
    let id = &op.id;
    let pascal = rust::pascal(id);
    let mut gaps = Vec::new();
    let mut params = vec!["rqctx: RequestContext<Self::Context>".to_string()];
    let mut notes = Vec::new();
    module.import("dropshot::RequestContext");
    module.import("backend_api::ApiError");

    let path_vars: Vec<&str> =
        op.path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
    if !path_vars.is_empty() {
        let name = module.claim(&format!("{pascal}Path"));
        let string = json!({"type": "string"});
        let fields: Vec<FieldIn> =
            path_vars.iter().map(|v| FieldIn { name: v, schema: &string, description: None }).collect();
        module.write_struct(&name, &format!("Path of `{id}`."), &fields, Place::Required, None);
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
        let left_out = module.write_struct(&name, &format!("Query of `{id}`."), &fields, Place::Query, None);
        gaps.extend(left_out.iter().map(|g| (lines.row(&g.field), gap_text(id, "query parameter", g))));
        module.import("backend_api::LazyQuery");
        params.push(format!("query: LazyQuery<{name}>"));
    }

    let body = o["requestBody"]["content"].as_object().and_then(|c| c.iter().next());
    let multipart = body.is_some_and(|(media, _)| media.starts_with("multipart/"));
    match body {
        Some((_, media)) if multipart => {
            notes.push(form_note(&media["schema"]));
            module.import("backend_api::UploadBody");
            params.push("body: UploadBody".into());
        }
        Some((_, media)) => {
            let name = module.claim(&format!("{pascal}Request"));
            let fields = fields_of(&media["schema"]);
            let left_out =
                module.write_struct(&name, &format!("Request body of `{id}`."), &fields, Place::Optional, None);
            gaps.extend(left_out.iter().map(|g| (lines.row(&g.field), gap_text(id, "field", g))));
            module.import("backend_api::LazyBody");
            params.push(format!("body: LazyBody<{name}>"));
        }
        None => {}
    }

    let ok = ok_response(o);
    let answer = match ok {
        Some(schema) => {
            let name = response_type(module, id, &pascal, schema);
            module.import("dropshot::HttpResponseOk");
            if multipart {
                // As `post_upload`: a refusal may come while the body is still arriving, and a
                // `Reply` can close the connection.
                module.import("backend_api::Reply");
                format!("Reply<HttpResponseOk<{name}>>")
            } else {
                format!("HttpResponseOk<{name}>")
            }
        }
        None => {
            notes.push("// The doc gives no response body; dropshot's bodiless success is a 204.".into());
            module.import("dropshot::HttpResponseUpdatedNoContent");
            "HttpResponseUpdatedNoContent".into()
        }
    };

    if let Some(permission) = o["x-permission"].as_str() {
        notes.push(format!("// 所需权限 {permission}: the doc's permission, for the handler to check."));
    }
    if o["security"] == json!([]) {
        notes.push("// Needs no session (the doc's 无需认证): list it among the public operations.".into());
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
    let operation_id =
        if method_name == *id { String::new() } else { format!(", operation_id = {}", rust::str_lit(id)) };
    out.push_str(&format!(
        "    #[endpoint {{ method = {}, path = {}, tags = [{}]{operation_id} }}]\n",
        op.method,
        rust::str_lit(&op.path),
        rust::str_lit(tag)
    ));
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
        module.write_struct(&name, about, &fields_of(schema), Place::Required, None);
        module.set_envelope(&name);
        return name;
    }
    let name = module.claim(&format!("{pascal}Response"));
    module.write_struct(&name, &format!("Response body of `{id}`."), &fields_of(schema), Place::Required, None);
    name
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

/// A comment naming the parts of a form-data body, which the handler reads from the stream.
fn form_note(schema: &Value) -> String {
    let parts: Vec<String> = fields_of(schema)
        .iter()
        .map(|f| {
            let kind = match (f.schema["type"].as_str(), f.schema["format"].as_str()) {
                (_, Some("binary")) => "file".to_string(),
                (Some(t), _) => t.to_string(),
                _ => "value".to_string(),
            };
            match f.schema["description"].as_str() {
                Some(d) => format!("`{}` ({kind}, {d})", f.name),
                None => format!("`{}` ({kind})", f.name),
            }
        })
        .collect();
    let head = "// A multipart/form-data body, streamed to the handler as `post_upload`'s is";
    if parts.is_empty() {
        format!("{head}.")
    } else {
        format!("{head}; its parts:\n// {}.", parts.join(", "))
    }
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
