//! What the doc cannot say about the server's side of its operations, written by hand in one
//! TOML file beside the doc (`backend-api.md` → `backend-api.server.toml`) and read by the
//! generator: the extractors every operation reads its request with, and per operation a body
//! limit, response headers, whether its errors carry headers, and request fields never to print.
//!
//! A file of its own rather than marks in the doc: the doc is the Go generator's output, kept
//! byte for byte through md → json → md, and what it describes is the API its clients see; these
//! are the server's choices about that API. Every key is checked: an unknown key, an operation the
//! doc does not have, or a field its request does not have is an error at its line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{did_you_mean, Diagnostics};

/// The file, parsed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    #[serde(default)]
    pub extractors: Extractors,
    #[serde(default)]
    operations: BTreeMap<Spanned<String>, Operation>,
}

/// The extractor types of the generated trait's parameters, by the doc's request format (`请求格式`):
/// a name is a type of the crate the interface is generated into (`LazyBody` → `crate::LazyBody`),
/// a path (`dropshot::TypedBody`) is taken as it is. Each is generic over the request's type.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extractors {
    /// A `json` body.
    #[serde(default = "default_json")]
    pub json: String,
    /// Query parameters (a `query` operation's, and any operation's `GET` parameters).
    #[serde(default = "default_query")]
    pub query: String,
    /// A `form-data` body.
    #[serde(default = "default_form_data", rename = "form-data")]
    pub form_data: String,
}

fn default_json() -> String {
    "LazyBody".into()
}
fn default_query() -> String {
    "LazyQuery".into()
}
fn default_form_data() -> String {
    "FormBody".into()
}

impl Default for Extractors {
    fn default() -> Self {
        Extractors { json: default_json(), query: default_query(), form_data: default_form_data() }
    }
}

/// What one operation adds to the doc.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// The largest request body it accepts, in bytes (else the server's default).
    pub request_body_max_bytes: Option<u64>,
    /// Headers of its success response, in order.
    #[serde(default)]
    pub response_headers: Vec<Header>,
    /// Whether its errors may carry headers (`Retry-After`, `Connection: close`): its answer is a
    /// `Reply<…>`.
    #[serde(default)]
    pub error_headers: bool,
    /// Request fields whose values its request type's `Debug` never prints.
    #[serde(default)]
    pub redact: Vec<Spanned<String>>,
}

/// A response header: its name, as sent, and what it carries.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub name: Spanned<String>,
    pub description: String,
}

/// An operation of the doc, as the overlay needs to know it.
pub struct DocOperation<'a> {
    pub id: &'a str,
    /// Its request body's fields, if it has a body.
    pub body_fields: Option<Vec<&'a str>>,
}

impl Overlay {
    /// Parses the file `file` (its text `text`) and checks it against the doc's operations.
    pub fn parse(text: &str, file: &str, ops: &[DocOperation]) -> Result<Overlay, Diagnostics> {
        let mut diags = Diagnostics::new(file);
        let line = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let overlay: Overlay = match toml::from_str(text) {
            Ok(o) => o,
            Err(e) => {
                let at = e.span().map_or(1, |s| line(s.start));
                diags.error(at, e.message().trim_end().to_string());
                return Err(diags);
            }
        };
        for (id, op) in &overlay.operations {
            let Some(doc_op) = ops.iter().find(|o| o.id == id.get_ref()) else {
                let hint = did_you_mean(id.get_ref(), ops.iter().map(|o| o.id));
                diags.error(line(id.span().start), format!("no operation `{}` in the doc{hint}", id.get_ref()));
                continue;
            };
            let fields = doc_op.body_fields.as_deref();
            if op.request_body_max_bytes.is_some() && fields.is_none() {
                diags.error(line(id.span().start), format!("`{id}` has no request body to limit", id = id.get_ref()));
            }
            for field in &op.redact {
                if !fields.unwrap_or_default().contains(&field.get_ref().as_str()) {
                    let hint = did_you_mean(field.get_ref(), fields.unwrap_or_default().iter().copied());
                    let message =
                        format!("redact: `{}` has no request field `{}`{hint}", id.get_ref(), field.get_ref());
                    diags.error(line(field.span().start), message);
                }
            }
            for (i, header) in op.response_headers.iter().enumerate() {
                let name = header.name.get_ref();
                let at = line(header.name.span().start);
                let token = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
                if name.is_empty() || !name.chars().all(token) {
                    diags.error(
                        at,
                        format!("response header `{name}`: write a header name in lower case (`set-cookie`)"),
                    );
                }
                if op.response_headers[..i].iter().any(|h| h.name.get_ref() == name) {
                    diags.error(at, format!("response header `{name}` is listed twice"));
                }
            }
        }
        diags.finish(overlay)
    }

    /// What the file says of one operation (nothing, if it does not name it).
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|(k, _)| k.get_ref() == id).map(|(_, op)| op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops() -> Vec<DocOperation<'static>> {
        vec![
            DocOperation { id: "post_login", body_fields: Some(vec!["name", "password"]) },
            DocOperation { id: "get_hola", body_fields: None },
        ]
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        let o = Overlay::parse("", "o.toml", &ops()).unwrap();
        assert_eq!(o.extractors.json, "LazyBody");
        assert!(o.operation("post_login").is_none());
    }

    #[test]
    fn operations_are_read() {
        let text = "[extractors]\njson = \"dropshot::TypedBody\"\n\n[operations.post_login]\n\
                    request_body_max_bytes = 4096\nerror_headers = true\nredact = [\"password\"]\n\
                    response_headers = [{ name = \"x-auth-token\", description = \"the token\" }]\n";
        let o = Overlay::parse(text, "o.toml", &ops()).unwrap();
        assert_eq!((o.extractors.json.as_str(), o.extractors.query.as_str()), ("dropshot::TypedBody", "LazyQuery"));
        let op = o.operation("post_login").unwrap();
        assert_eq!(op.request_body_max_bytes, Some(4096));
        assert!(op.error_headers);
        assert_eq!(op.redact[0].get_ref(), "password");
        assert_eq!(op.response_headers[0].name.get_ref(), "x-auth-token");
    }

    #[test]
    fn mistakes_are_reported_at_their_lines() {
        let text = "[operations.post_logn]\nerror_headers = true\n\n[operations.get_hola]\n\
                    request_body_max_bytes = 1\nredact = [\"pasword\"]\n\
                    response_headers = [{ name = \"Set-Cookie\", description = \"\" }]\n";
        let e = Overlay::parse(text, "o.toml", &ops()).unwrap_err().to_string();
        assert_eq!(
            e,
            "o.toml:1: no operation `post_logn` in the doc; did you mean `post_login`?\n\
             o.toml:4: `get_hola` has no request body to limit\n\
             o.toml:6: redact: `get_hola` has no request field `pasword`\n\
             o.toml:7: response header `Set-Cookie`: write a header name in lower case (`set-cookie`)\n"
        );
        let e = Overlay::parse("[operations.get_hola]\nerror_header = true\n", "o.toml", &ops()).unwrap_err();
        assert_eq!(e.items[0].line, 2, "{e}");
        assert!(e.items[0].message.contains("error_header"), "{e}");
    }
}
