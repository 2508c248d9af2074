//! The OpenAPI document of an API description, completed with what dropshot's endpoints cannot
//! declare: who needs a session, and the error codes. Built the same way for the server
//! ([`crate::openapi_json`]) and for any doc's generated interface (`cargo xtask interface
//! --build`), so that `doc_dialect::contract` compares like with like.

use dropshot::{ApiDescription, ServerContext};
use serde_json::{json, Value};

/// The tag of the operations outside the doc (`doc_dialect::contract::EXTENSION_TAG`).
pub const EXTENSION_TAG: &str = "extension";

/// What a generated interface says beside its trait (its `TITLE`, `VERSION`, `CREDENTIALS`,
/// `PUBLIC_OPERATIONS` and `ErrorCode`s).
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    pub title: &'a str,
    pub version: &'a str,
    /// Where a session token may travel: its name, and `header`, `cookie` or `query`.
    pub credentials: &'a [(&'a str, &'a str)],
    /// The doc's operations that need no session.
    pub public: &'a [&'a str],
    /// Each error code: code, name, HTTP status.
    pub error_codes: &'a [(i64, &'a str, u16)],
}

impl Spec<'_> {
    /// The document of `api`: each credential a security scheme, needed by every operation but
    /// the public ones and the extensions (tagged `extension`, which all need no session); the
    /// error codes as `x-error-codes`, as the doc's spec has them.
    pub fn of<C: ServerContext>(&self, api: &ApiDescription<C>) -> Value {
        let version = dropshot::semver::Version::parse(self.version).unwrap_or(dropshot::semver::Version::new(1, 0, 0));
        let mut spec = api.openapi(self.title, version).json().expect("the OpenAPI document serialises");
        if !self.credentials.is_empty() {
            spec["security"] = self.credentials.iter().map(|(name, _)| json!({ *name: [] })).collect();
            spec["components"]["securitySchemes"] = self
                .credentials
                .iter()
                .map(|(name, at)| (name.to_string(), json!({"type": "apiKey", "in": at, "name": name})))
                .collect::<serde_json::Map<_, _>>()
                .into();
            for item in spec["paths"].as_object_mut().into_iter().flat_map(|paths| paths.values_mut()) {
                for op in item.as_object_mut().into_iter().flat_map(|item| item.values_mut()) {
                    let public = op["operationId"].as_str().is_some_and(|id| self.public.contains(&id));
                    let extension = op["tags"].as_array().is_some_and(|t| t.iter().any(|t| t == EXTENSION_TAG));
                    if public || extension {
                        op["security"] = json!([]);
                    }
                }
            }
        }
        spec["x-error-codes"] = self
            .error_codes
            .iter()
            .map(|(code, error, status)| json!({"code": code, "error": error, "status": status}))
            .collect();
        spec
    }
}
