// Generated from openapi/backend-api.md and openapi/backend-api.server.toml by `cargo xtask openapi`.
// The server's interface to the doc's operations: a dropshot API trait, the types of its requests and
// responses, and the doc's tables. Do not edit by hand: change the doc (or what the server adds to it,
// beside it) and run the command again. Left to write: the trait's implementation; see docs/interface.md.

use crate::{ApiError, FormBody, LazyBody, LazyQuery, Reply};
use dropshot::{HttpResponseHeaders, HttpResponseOk, RequestContext};
use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, NumberValidation, Schema, SchemaObject, SubschemaValidation};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The doc's title (the spec's `info.title`).
pub const TITLE: &str = "后台API文档";
/// The doc's version (`版本`, raised by `cargo xtask release`; the spec's `info.version`).
pub const VERSION: &str = "1.0.0";
/// Where a session token may travel (the doc's `## 认证方式`): its name, and `header`, `cookie`
/// or `query`. dropshot's endpoints cannot declare security: the server's spec adds it from here.
pub const CREDENTIALS: &[(&str, &str)] = &[("x-auth-token", "header"), ("backend_session", "cookie")];
/// The doc's operations anyone may call; given credentials, every other one needs a session.
pub const PUBLIC_OPERATIONS: &[&str] = &["post_login"];

/// The largest request body `post_task` accepts, in bytes.
pub const POST_TASK_BODY_MAX_BYTES: usize = 524288;

/// The operations of openapi/backend-api.md, one method each, named by its operationId.
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
    // Needs no session (the doc's 无需认证).
    #[endpoint { method = POST, path = "/backend/api/v1/login", tags = ["用户"] }]
    async fn post_login(
        rqctx: RequestContext<Self::Context>,
        body: LazyBody<PostLoginRequest>,
    ) -> Result<Reply<HttpResponseHeaders<HttpResponseOk<PostLoginResponse>, PostLoginHeaders>>, ApiError>;

    /// 登出
    ///
    /// 登出
    #[endpoint { method = POST, path = "/backend/api/v1/logout", tags = ["用户"] }]
    async fn post_logout(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseHeaders<HttpResponseOk<Envelope>, PostLogoutHeaders>, ApiError>;

    /// 新增任务
    ///
    /// 新增任务
    #[endpoint {
        method = POST,
        path = "/backend/api/v1/task",
        tags = ["任务"],
        request_body_max_bytes = POST_TASK_BODY_MAX_BYTES,
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
    async fn post_upload(
        rqctx: RequestContext<Self::Context>,
        body: FormBody<PostUploadForm>,
    ) -> Result<Reply<HttpResponseOk<PostUploadResponse>>, ApiError>;
}

/// The bare response envelope: `code` 0, `msg`, `error` "".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Envelope {
    pub code: i64,
    pub msg: String,
    pub error: String,
}

/// Request body of `post_login`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PostLoginRequest {
    pub name: String,
    pub password: String,
}

impl std::fmt::Debug for PostLoginRequest {
    // Never prints `password`, not even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostLoginRequest").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Response body of `post_login`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PostLoginResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub data: LoginData,
}

/// Headers of `post_login`'s success response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct PostLoginHeaders {
    /// The session cookie (`HttpOnly; SameSite=Lax; Path=/`, `Secure` over https).
    #[serde(rename = "set-cookie")]
    pub set_cookie: String,
    /// The same session token, for clients that send it back in the `x-auth-token` header.
    #[serde(rename = "x-auth-token")]
    pub x_auth_token: String,
}

/// Headers of `post_logout`'s success response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct PostLogoutHeaders {
    /// Clears the session cookie (`Max-Age=0`).
    #[serde(rename = "set-cookie")]
    pub set_cookie: String,
}

/// Request body of `post_task`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PostTaskRequest {
    /// 任务类型
    #[serde(rename = "type", skip_serializing_if = "is_zero")]
    #[schemars(schema_with = "type_schema")]
    pub type_: String,
    /// 任务优先级
    #[schemars(range(min = -128, max = 127))]
    pub priority: i8,
    /// 任务输入
    pub input: String,
    /// 备注
    pub note: String,
}

/// Query of `get_task`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GetTaskQuery {
    #[schemars(schema_with = "query_zero_default::<i64>")]
    pub id: i64,
}

/// Response body of `get_task`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GetTaskResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub data: TaskDetail,
}

/// Request body of `put_task`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PutTaskRequest {
    pub id: i64,
    /// 备注
    pub note: String,
    /// 任务优先级
    #[schemars(range(min = -128, max = 127))]
    pub priority: i8,
}

/// Request body of `put_task_status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PutTaskStatusRequest {
    pub id: i64,
    /// 任务状态
    #[schemars(schema_with = "status_schema")]
    pub status: u8,
}

/// Request body of `delete_task`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DeleteTaskRequest {
    pub ids: Option<Vec<i64>>,
}

/// Query of `get_tasks`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GetTasksQuery {
    #[schemars(schema_with = "query_zero_default::<i64>")]
    pub offset: i64,
    #[schemars(schema_with = "query_zero_default::<i64>")]
    pub limit: i64,
}

/// Response body of `get_tasks`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GetTasksResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub total: i64,
    #[schemars(schema_with = "present::<Option<Vec<TaskItem>>>")]
    pub items: Option<Vec<TaskItem>>,
}

/// The parts of `post_upload`'s form-data body, for its schema: the handler reads them from the body's
/// stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PostUploadForm {
    #[serde(skip_serializing_if = "is_zero")]
    pub file: FormFile,
}

/// Response body of `post_upload`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PostUploadResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub uri: String,
    pub full_uri: String,
}

/// `backend.LoginData` in the doc.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoginData {
    pub uid: i64,
    pub name: String,
    #[schemars(range(min = 0, max = 4294967295.0))]
    pub role: u32,
    pub perm: u64,
}

/// `backend.TaskDetail` in the doc.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskDetail {
    pub id: i64,
    /// 任务状态
    #[schemars(schema_with = "status_schema")]
    pub status: u8,
    /// 任务类型
    #[serde(rename = "type")]
    #[schemars(schema_with = "type_schema")]
    pub type_: String,
    /// 任务优先级
    #[schemars(range(min = -128, max = 127))]
    pub priority: i8,
    /// 任务输入
    pub input: String,
    /// 任务结果
    pub result: String,
    /// 备注
    pub note: String,
}

/// `backend.TaskItem` in the doc.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskItem {
    pub id: i64,
    /// 任务状态
    #[schemars(schema_with = "status_schema")]
    pub status: u8,
    /// 任务类型
    #[serde(rename = "type")]
    #[schemars(schema_with = "type_schema")]
    pub type_: String,
    /// 任务优先级
    #[schemars(range(min = -128, max = 127))]
    pub priority: i8,
    /// 备注
    pub note: String,
    /// 用户信息
    pub user: UidName,
}

/// `backend.UidName` in the doc.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UidName {
    /// 用户名
    pub uid: i64,
    /// 用户名
    pub name: String,
}

/// The values of `type` (任务类型): image 图片, video 视频.
pub const TYPE_VALUES: [&str; 2] = ["image", "video"];

/// The values of `status` (任务状态): 0 等待, 2 处理中, 1 完成, 3 取消.
pub const STATUS_VALUES: [u8; 4] = [0, 2, 1, 3];

/// The schema of `type`: string restricted to the doc's enum.
fn type_schema(_: &mut SchemaGenerator) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        enum_values: Some(TYPE_VALUES.iter().map(|&v| v.into()).collect()),
        ..Default::default()
    }
    .into()
}

/// The schema of `status`: uint8 restricted to the doc's enum.
fn status_schema(_: &mut SchemaGenerator) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::Integer.into()),
        format: Some("uint8".to_owned()),
        number: Some(Box::new(NumberValidation { minimum: Some(0.0), maximum: Some(255.0), ..Default::default() })),
        enum_values: Some(STATUS_VALUES.iter().map(|&v| v.into()).collect()),
        ..Default::default()
    }
    .into()
}

/// The schema of `T` for a field that is always present, `null` or not: schemars lists a field
/// declared with `schema_with` as required, even when it is an `Option`.
fn present<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// The schema of a query parameter of type `T` whose default is Go's zero value, `T::default()`.
fn query_zero_default<T: JsonSchema + Default + Serialize>(generator: &mut SchemaGenerator) -> Schema {
    let mut inner = generator.subschema_for::<T>().into_object();
    inner.metadata().default = serde_json::to_value(T::default()).ok();
    query_parameter(inner)
}

/// A query parameter's schema as dropshot keeps it: dropshot drops the metadata (and so the
/// `default`) of each query parameter's schema, except inside a lone `allOf` around it.
fn query_parameter(inner: SchemaObject) -> Schema {
    let all_of = SubschemaValidation { all_of: Some(vec![inner.into()]), ..Default::default() };
    SchemaObject { subschemas: Some(Box::new(all_of)), ..Default::default() }.into()
}

/// Whether a request field holds Go's zero value: where its enum does not allow that value, the
/// schema must not give it as the default, and schemars gives none for a value it would skip.
fn is_zero<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// A file part of a form-data body (`表单文件`): its bytes are read from the body's stream, so
/// this type only gives the part's schema, a binary string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFile;

impl JsonSchema for FormFile {
    fn schema_name() -> String {
        "FormFile".to_owned()
    }

    // Inline, as the doc's spec has it.
    fn is_referenceable() -> bool {
        false
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            format: Some("binary".to_owned()),
            ..Default::default()
        }
        .into()
    }
}

/// The doc's error codes (`## 错误码列表`), one a row: the code clients match on, the name sent as
/// `error` and the HTTP status answered with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// anything unexpected (logged with the request id)
    InternalServerError,
    /// no session token on an endpoint that needs one
    Unauthorized,
    /// unparseable JSON or query, wrong type, out-of-range integer, unknown enum value, empty `input`, too many ids
    InvalidRequest,
    /// token unknown, revoked, idle too long or past its lifetime
    SessionExpired,
    /// a unique value already exists (e.g. user name, from the CLI)
    DuplicatedEntry,
    /// login failed — same answer for unknown name and wrong password
    UserOrPasswordIncorrect,
    /// task does not exist or belongs to someone else (no existence leak); no such path or stored file
    NotFound,
    /// body or upload over its limit
    PayloadTooLarge,
    /// upload is not a supported image, or the body's Content-Type is not the operation's
    UnsupportedMediaType,
    /// the path takes other methods (listed in the Allow header)
    MethodNotAllowed,
    /// status transition not allowed
    InvalidStatus,
    /// `limit` above the maximum (the old service reused 10121 here)
    OverMaxLimit,
    /// too many logins (failed ones for this name from this address, too many from this address, or every password check busy); Retry-After says when to try again
    ReachMaxLoginLimit,
    /// database unreachable; the server recovers by itself when it returns
    ServiceUnavailable,
}

impl ErrorCode {
    /// Every code, in the doc's order.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::InternalServerError,
        ErrorCode::Unauthorized,
        ErrorCode::InvalidRequest,
        ErrorCode::SessionExpired,
        ErrorCode::DuplicatedEntry,
        ErrorCode::UserOrPasswordIncorrect,
        ErrorCode::NotFound,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::MethodNotAllowed,
        ErrorCode::InvalidStatus,
        ErrorCode::OverMaxLimit,
        ErrorCode::ReachMaxLoginLimit,
        ErrorCode::ServiceUnavailable,
    ];

    /// The numeric code (`code`).
    pub const fn code(self) -> i64 {
        match self {
            ErrorCode::InternalServerError => 10100,
            ErrorCode::Unauthorized => 10101,
            ErrorCode::InvalidRequest => 10102,
            ErrorCode::SessionExpired => 10103,
            ErrorCode::DuplicatedEntry => 10104,
            ErrorCode::UserOrPasswordIncorrect => 10106,
            ErrorCode::NotFound => 10109,
            ErrorCode::PayloadTooLarge => 10110,
            ErrorCode::UnsupportedMediaType => 10111,
            ErrorCode::MethodNotAllowed => 10112,
            ErrorCode::InvalidStatus => 10121,
            ErrorCode::OverMaxLimit => 10122,
            ErrorCode::ReachMaxLoginLimit => 10200,
            ErrorCode::ServiceUnavailable => 10205,
        }
    }

    /// The snake_case name sent as `error`.
    pub const fn name(self) -> &'static str {
        match self {
            ErrorCode::InternalServerError => "internal_server_error",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::DuplicatedEntry => "duplicated_entry",
            ErrorCode::UserOrPasswordIncorrect => "user_or_password_incorrect",
            ErrorCode::NotFound => "not_found",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::InvalidStatus => "invalid_status",
            ErrorCode::OverMaxLimit => "over_max_limit",
            ErrorCode::ReachMaxLoginLimit => "reach_max_login_limit",
            ErrorCode::ServiceUnavailable => "service_unavailable",
        }
    }

    /// The HTTP status answered with this code.
    pub const fn status(self) -> u16 {
        match self {
            ErrorCode::InternalServerError => 500,
            ErrorCode::Unauthorized => 401,
            ErrorCode::InvalidRequest => 400,
            ErrorCode::SessionExpired => 401,
            ErrorCode::DuplicatedEntry => 409,
            ErrorCode::UserOrPasswordIncorrect => 401,
            ErrorCode::NotFound => 404,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::InvalidStatus => 409,
            ErrorCode::OverMaxLimit => 400,
            ErrorCode::ReachMaxLoginLimit => 429,
            ErrorCode::ServiceUnavailable => 503,
        }
    }
}
