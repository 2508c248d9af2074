//! Types of `post_upload` and of the served files (`get_upload`).
//!
//! The upload's body is read by the server as a stream ([`UploadBody`] hands it over untouched,
//! after the session check), and its refusals ([`UploadReply`]) carry `Connection: close`: a
//! client still sending an oversized file must receive the 413, so the server answers at once and
//! keeps reading (and discarding) the rest of the body, within a bound, before closing.

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, ApiEndpointResponse, Body, ExclusiveExtractor, ExtractorMetadata, HttpError,
    HttpResponse, HttpResponseOk, RequestContext, ServerContext, TypedBody,
};
use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, ObjectValidation, Schema, SchemaObject};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ApiError;

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
/// with its status and `Connection: close` (the rest of the body may still be arriving).
#[derive(Debug)]
pub struct UploadReply(pub Result<UploadResponse, ApiError>);

impl HttpResponse for UploadReply {
    fn to_result(self) -> Result<http::Response<Body>, HttpError> {
        match self.0 {
            Ok(ok) => HttpResponseOk(ok).to_result(),
            Err(e) => {
                let json = serde_json::to_string(&e).map_err(|e| HttpError::for_internal_error(e.to_string()))?;
                Ok(http::Response::builder()
                    .status(e.http_status())
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .header(http::header::CONNECTION, "close")
                    .body(json.into())?)
            }
        }
    }

    fn response_metadata() -> ApiEndpointResponse {
        HttpResponseOk::<UploadResponse>::response_metadata()
    }

    fn status_code(&self) -> http::StatusCode {
        match &self.0 {
            Ok(_) => http::StatusCode::OK,
            Err(e) => http::StatusCode::from_u16(e.http_status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

/// Path of `get_upload`: a stored file's name.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UploadPath {
    pub name: String,
}
