//! The back-end's HTTP interface, apart from its implementation.
//!
//! `openapi/backend-api.md` (the doc) → `openapi/backend-api.json` (the spec) → this crate: the
//! `#[dropshot::api_description]` trait [`BackendApi`], its request and response types (named as
//! the doc names them) and the one error type [`ApiError`] with the error-code table [`ErrorCode`].
//!
//! This crate builds without the database layer, so the server's OpenAPI document can be printed
//! (`backend_api_mod::stub_api_description()`) and compared with the doc's spec cheaply. The
//! implementation lives in the `server` crate.

mod error;
mod extract;
mod reply;
mod tasks;
mod upload;

pub use error::{routing_error, ApiError, ErrorCode};
pub use extract::{LazyBody, LazyQuery};
pub use reply::Reply;
pub use tasks::*;
pub use upload::*;

use dropshot::{Body, HttpResponseHeaders, HttpResponseOk, Path, RequestContext};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The header that carries the session token, in requests and in the login response.
pub const AUTH_TOKEN_HEADER: &str = "x-auth-token";
/// The cookie that carries the session token, unless the server's `cookie_name` names another.
pub const SESSION_COOKIE: &str = "backend_session";
/// The operations anyone may call. Every other one needs a session — the `x-auth-token` header,
/// else the session cookie — and answers 401 without one; [`openapi_json`] says so in the
/// spec, and the contract tests call each of them without a session.
pub const PUBLIC_OPERATIONS: &[&str] =
    &["post_login", "get_upload", "get_openapi", "get_docs", "get_docs_file", "get_healthz", "get_readyz"];

/// The back-end API: every operation of the doc, named by its operationId.
#[dropshot::api_description]
pub trait BackendApi {
    type Context: Send + Sync + 'static;

    /// 测试登录
    ///
    /// 测试是否正常登录
    #[endpoint { method = GET, path = "/backend/api/v1/hola", tags = ["用户"] }]
    async fn get_hola(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Envelope>, ApiError>;

    /// 登录
    ///
    /// 后台登录
    #[endpoint { method = POST, path = "/backend/api/v1/login", tags = ["用户"] }]
    async fn post_login(
        rqctx: RequestContext<Self::Context>,
        body: LazyBody<LoginRequest>,
    ) -> Result<LoginReply, ApiError>;

    /// 登出
    ///
    /// 登出
    #[endpoint { method = POST, path = "/backend/api/v1/logout", tags = ["用户"] }]
    async fn post_logout(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseHeaders<HttpResponseOk<Envelope>, LogoutHeaders>, ApiError>;

    /// 新增任务
    ///
    /// 新增任务
    #[endpoint {
        method = POST,
        path = "/backend/api/v1/task",
        tags = ["任务"],
        request_body_max_bytes = TASK_BODY_MAX_BYTES,
    }]
    async fn post_task(
        rqctx: RequestContext<Self::Context>,
        body: LazyBody<PostTaskRequest>,
    ) -> Result<HttpResponseOk<Envelope>, ApiError>;

    /// 任务详情
    ///
    /// 任务详情
    #[endpoint { method = GET, path = "/backend/api/v1/task", tags = ["任务"] }]
    async fn get_task(
        rqctx: RequestContext<Self::Context>,
        query: LazyQuery<GetTaskQuery>,
    ) -> Result<HttpResponseOk<GetTaskResponse>, ApiError>;

    /// 更新任务信息
    ///
    /// 更新任务信息
    #[endpoint { method = PUT, path = "/backend/api/v1/task", tags = ["任务"] }]
    async fn put_task(
        rqctx: RequestContext<Self::Context>,
        body: LazyBody<PutTaskRequest>,
    ) -> Result<HttpResponseOk<Envelope>, ApiError>;

    /// 更新任务状态
    ///
    /// 更新任务状态
    #[endpoint { method = PUT, path = "/backend/api/v1/task/status", tags = ["任务"] }]
    async fn put_task_status(
        rqctx: RequestContext<Self::Context>,
        body: LazyBody<PutTaskStatusRequest>,
    ) -> Result<HttpResponseOk<Envelope>, ApiError>;

    /// 删除任务
    ///
    /// 删除任务
    #[endpoint { method = DELETE, path = "/backend/api/v1/task", tags = ["任务"] }]
    async fn delete_task(
        rqctx: RequestContext<Self::Context>,
        body: LazyBody<DeleteTaskRequest>,
    ) -> Result<HttpResponseOk<Envelope>, ApiError>;

    /// 任务列表
    ///
    /// 任务列表
    #[endpoint { method = GET, path = "/backend/api/v1/tasks", tags = ["任务"] }]
    async fn get_tasks(
        rqctx: RequestContext<Self::Context>,
        query: LazyQuery<GetTasksQuery>,
    ) -> Result<HttpResponseOk<GetTasksResponse>, ApiError>;

    /// 上传图片
    ///
    /// 上传图片
    #[endpoint { method = POST, path = "/backend/api/v1/upload", tags = ["其它"] }]
    async fn post_upload(rqctx: RequestContext<Self::Context>, body: UploadBody) -> Result<UploadReply, ApiError>;

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

/// The bare response envelope: `code` 0, `msg`, `error` "".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Envelope {
    pub code: i64,
    pub msg: String,
    pub error: String,
}

impl Envelope {
    /// The success envelope with the given message ("ok" for most operations).
    pub fn ok(msg: &str) -> Self {
        Envelope { code: 0, msg: msg.to_owned(), error: String::new() }
    }
}

/// Request body of `post_login`. Omitted fields are their zero value, as in the doc.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LoginRequest {
    pub name: String,
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    // Never print a password, not even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Response body of `post_login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LoginResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub data: LoginData,
}

/// The logged-in user (`backend.LoginData` in the doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LoginData {
    pub uid: i64,
    pub name: String,
    pub role: u32,
    pub perm: u64,
}

/// Headers of a successful login: the session token, as a cookie and as `x-auth-token`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LoginHeaders {
    /// The session cookie (`HttpOnly; SameSite=Lax; Path=/`, `Secure` over https).
    #[serde(rename = "set-cookie")]
    pub set_cookie: String,
    /// The same session token, for clients that send it back in the `x-auth-token` header.
    #[serde(rename = "x-auth-token")]
    pub x_auth_token: String,
}

/// What `post_login` answers: the session, or a refusal whose 429 carries `Retry-After`.
pub type LoginReply = Reply<HttpResponseHeaders<HttpResponseOk<LoginResponse>, LoginHeaders>>;

/// Headers of a logout: the session cookie, cleared.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LogoutHeaders {
    /// Clears the session cookie (`Max-Age=0`).
    #[serde(rename = "set-cookie")]
    pub set_cookie: String,
}

/// The name of a file of the API reference page (`GET /docs/{file}`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DocsFilePath {
    pub file: String,
}

/// The OpenAPI document of this trait (`server openapi` prints it; `cargo xtask contract`
/// compares it with the doc's). dropshot's endpoints cannot declare security, so it is added
/// here: the session's two credentials, needed by every operation but [`PUBLIC_OPERATIONS`].
pub fn openapi_json() -> serde_json::Value {
    let description = backend_api_mod::stub_api_description().expect("the BackendApi trait describes a valid API");
    let mut spec = description.openapi("后台API", semver_version()).json().expect("the OpenAPI document serialises");
    spec["security"] = serde_json::json!([{ AUTH_TOKEN_HEADER: [] }, { SESSION_COOKIE: [] }]);
    spec["components"]["securitySchemes"] = serde_json::json!({
        AUTH_TOKEN_HEADER: {"type": "apiKey", "in": "header", "name": AUTH_TOKEN_HEADER},
        SESSION_COOKIE: {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
    });
    for item in spec["paths"].as_object_mut().into_iter().flat_map(|paths| paths.values_mut()) {
        for op in item.as_object_mut().into_iter().flat_map(|item| item.values_mut()) {
            if op["operationId"].as_str().is_some_and(|id| PUBLIC_OPERATIONS.contains(&id)) {
                op["security"] = serde_json::json!([]);
            }
        }
    }
    spec
}

fn semver_version() -> dropshot::semver::Version {
    dropshot::semver::Version::new(1, 0, 0)
}
