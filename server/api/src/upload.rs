//! Types of `post_upload` and of the served files (`get_upload`).
//!
//! The upload's body is read by the server as a stream ([`UploadBody`] hands it over untouched,
//! after the session check), and its refusals ([`UploadReply`]) carry `Connection: close`: a
//! client still sending an oversized file must receive the 413, so the server answers at once and
//! keeps reading (and discarding) the rest of the body, within a bound, before closing.

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, Body, ExclusiveExtractor, ExtractorMetadata, HttpError, HttpResponseOk, RequestContext,
    ServerContext, TypedBody,
};
use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, ObjectValidation, Schema, SchemaObject};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The multipart form of `post_upload`: one file field, `file`. Only its schema is used (the
/// body is streamed, see [`UploadBody`]).
#[derive(Debug, Deserialize)]
pub struct UploadForm {}

impl JsonSchema for UploadForm {
    fn schema_name() -> String {
        "UploadForm".to_owned()
    }

    // Inline, as the doc's spec has it.
    fn is_referenceable() -> bool {
        false
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let file = SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            format: Some("binary".to_owned()),
            ..Default::default()
        };
        SchemaObject {
            instance_type: Some(InstanceType::Object.into()),
            object: Some(Box::new(ObjectValidation {
                properties: [("file".to_owned(), file.into())].into_iter().collect(),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

/// The raw `multipart/form-data` body of `post_upload` and its `Content-Type`, read by the
/// handler after it has checked the session (so 401 comes before any complaint about the body).
#[derive(Debug)]
pub struct UploadBody {
    pub content_type: Option<String>,
    pub body: Body,
}

#[async_trait]
impl ExclusiveExtractor for UploadBody {
    async fn from_request<Context: ServerContext>(
        _rqctx: &RequestContext<Context>,
        request: hyper::Request<Body>,
    ) -> Result<Self, HttpError> {
        let (parts, body) = request.into_parts();
        let content_type =
            parts.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(UploadBody { content_type, body })
    }

    fn metadata(_: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <TypedBody<UploadForm> as ExclusiveExtractor>::metadata(ApiEndpointBodyContentType::MultipartFormData)
    }
}

/// Response body of `post_upload`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UploadResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    /// The stored file's URL path: the configured prefix (default `/uploads/`) + its name.
    pub uri: String,
    /// The public base URL + `uri`.
    pub full_uri: String,
}

/// What `post_upload` answers: the 200 [`UploadResponse`], or a refusal — the `Error` envelope
/// with its status and `Connection: close` ([`ApiError::closing`]: the rest of the body may still
/// be arriving).
pub type UploadReply = crate::Reply<HttpResponseOk<UploadResponse>>;

/// Path of `get_upload`: a stored file's name.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UploadPath {
    pub name: String,
}
