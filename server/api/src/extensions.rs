//! The operations the server adds to the doc's, written here by hand: serving stored uploads, the
//! spec and its reference page, and the health checks. Each is tagged `extension` (the contract
//! check lets it be) and needs no session. [`crate::api_description`] serves them with the doc's.

use dropshot::{Body, HttpResponseOk, Path, RequestContext};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::{ApiError, Envelope};

/// The operations outside the doc.
#[dropshot::api_description]
pub trait ExtensionApi {
    type Context: Send + Sync + 'static;

    /// A stored upload, served back without a session
    ///
    /// Outside the doc (tagged `extension`): the file an upload's `uri` names, with the content
    /// type of its image format. Only names of the content-hash form (64 hex digits, a dot and
    /// a supported extension) are looked up; any other name is 404.
    #[endpoint { method = GET, path = "/uploads/{name}", tags = ["extension"] }]
    async fn get_upload(
        rqctx: RequestContext<Self::Context>,
        path: Path<UploadPath>,
    ) -> Result<http::Response<Body>, ApiError>;

    /// Liveness
    ///
    /// Outside the doc (tagged `extension`): 200 while the process answers requests. It touches
    /// no database: a restart would not bring the database back.
    #[endpoint { method = GET, path = "/healthz", tags = ["extension"] }]
    async fn get_healthz(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Envelope>, ApiError>;

    /// Readiness
    ///
    /// Outside the doc (tagged `extension`): 200 when a round trip to the database succeeds
    /// within `db_timeout_secs` and its schema has this server's newest migration; otherwise 503
    /// / 10205 saying which. For load balancers: send traffic only to instances that answer 200.
    #[endpoint { method = GET, path = "/readyz", tags = ["extension"] }]
    async fn get_readyz(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Envelope>, ApiError>;

    /// The API's OpenAPI document
    ///
    /// Outside the doc (tagged `extension`): `openapi/backend-api.json` as committed, byte for
    /// byte — the spec the doc converts to, which this server is checked against.
    #[endpoint { method = GET, path = "/openapi.json", tags = ["extension"] }]
    async fn get_openapi(rqctx: RequestContext<Self::Context>) -> Result<http::Response<Body>, ApiError>;

    /// The API reference
    ///
    /// Outside the doc (tagged `extension`): a browsable reference of `/openapi.json` (Swagger
    /// UI, served from the binary), where one can log in and then try every operation.
    #[endpoint { method = GET, path = "/docs", tags = ["extension"] }]
    async fn get_docs(rqctx: RequestContext<Self::Context>) -> Result<http::Response<Body>, ApiError>;

    /// A file of the API reference page
    ///
    /// Outside the doc (tagged `extension`): the scripts, styles and icon `/docs` loads.
    #[endpoint { method = GET, path = "/docs/{file}", tags = ["extension"] }]
    async fn get_docs_file(
        rqctx: RequestContext<Self::Context>,
        path: Path<DocsFilePath>,
    ) -> Result<http::Response<Body>, ApiError>;
}

/// Path of `get_upload`: a stored file's name.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct UploadPath {
    pub name: String,
}

/// The name of a file of the API reference page (`GET /docs/{file}`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DocsFilePath {
    pub file: String,
}
