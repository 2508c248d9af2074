// Generated from xtask/tests/golden/single.md by `cargo xtask scaffold --all --doc xtask/tests/golden/single.md --out xtask/scaffolded/src/single.rs`.
// The server's side of the doc's operations: a dropshot API trait and the types of its requests and
// responses. Do not edit by hand: change the doc and run the command again. Left to write: the
// trait's implementation (the handlers) and the queries; see docs/scaffold.md.

use backend_api::{ApiError, LazyBody};
use dropshot::{HttpResponseOk, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a session token may travel (the doc's `## 认证方式`): its name, and `header`, `cookie`
/// or `query`. dropshot's endpoints cannot declare security: the server's spec adds it from here.
pub const CREDENTIALS: &[(&str, &str)] = &[("X-Api-Key", "header")];
/// The operations anyone may call; given credentials, every other one needs a session.
pub const PUBLIC_OPERATIONS: &[&str] = &["get_health"];
/// The doc's error codes (`## 错误码列表`): code, name, HTTP status.
pub const ERROR_CODES: &[(i64, &str, Option<u16>)] = &[];

/// The operations of xtask/tests/golden/single.md, one method each, named by its operationId.
#[dropshot::api_description]
pub trait SingleApi {
    type Context: Send + Sync + 'static;

    /// 探活
    ///
    /// 服务是否存活
    ///
    /// 第二段说明
    // Needs no session (the doc's 无需认证): list it among the public operations.
    #[endpoint { method = GET, path = "/health", tags = ["健康"] }]
    async fn get_health(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Envelope>, ApiError>;

    /// 上报
    #[endpoint { method = POST, path = "/health", tags = ["健康"] }]
    async fn post_health(
        rqctx: RequestContext<Self::Context>,
        body: LazyBody<PostHealthRequest>,
    ) -> Result<HttpResponseOk<Envelope>, ApiError>;
}

/// The bare response envelope: `code` 0, `msg`, `error` "".
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Envelope {
    pub code: i64,
    pub msg: String,
    pub error: String,
}

/// Request body of `post_health`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PostHealthRequest {
    pub ok: bool,
}
