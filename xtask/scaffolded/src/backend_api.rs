// Generated from openapi/backend-api.md by `cargo xtask scaffold --all --doc openapi/backend-api.md --out xtask/scaffolded/src/backend_api.rs`.
// The server's side of the doc's operations: a dropshot API trait and the types of its requests and
// responses. Do not edit by hand: change the doc and run the command again. Left to write: the
// trait's implementation (the handlers) and the queries; see docs/scaffold.md.

use backend_api::{ApiError, LazyBody, LazyQuery, Reply, UploadBody};
use dropshot::{HttpResponseOk, RequestContext};
use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, NumberValidation, Schema, SchemaObject, SubschemaValidation};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a session token may travel (the doc's `## 认证方式`): its name, and `header`, `cookie`
/// or `query`. dropshot's endpoints cannot declare security: the server's spec adds it from here.
pub const CREDENTIALS: &[(&str, &str)] = &[("x-auth-token", "header"), ("backend_session", "cookie")];
/// The operations anyone may call; given credentials, every other one needs a session.
pub const PUBLIC_OPERATIONS: &[&str] = &["post_login"];
/// The doc's error codes (`## 错误码列表`): code, name, HTTP status.
pub const ERROR_CODES: &[(i64, &str, Option<u16>)] = &[
    (10100, "internal_server_error", Some(500)),
    (10101, "unauthorized", Some(401)),
    (10102, "invalid_request", Some(400)),
    (10103, "session_expired", Some(401)),
    (10104, "duplicated_entry", Some(409)),
    (10106, "user_or_password_incorrect", Some(401)),
    (10109, "not_found", Some(404)),
    (10110, "payload_too_large", Some(413)),
    (10111, "unsupported_media_type", Some(415)),
    (10112, "method_not_allowed", Some(405)),
    (10121, "invalid_status", Some(409)),
    (10122, "over_max_limit", Some(400)),
    (10200, "reach_max_login_limit", Some(429)),
    (10205, "service_unavailable", Some(503)),
];

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
    // Needs no session (the doc's 无需认证): list it among the public operations.
    #[endpoint { method = POST, path = "/backend/api/v1/login", tags = ["用户"] }]
    async fn post_login(
        rqctx: RequestContext<Self::Context>,
        body: LazyBody<PostLoginRequest>,
    ) -> Result<HttpResponseOk<PostLoginResponse>, ApiError>;

    /// 登出
    ///
    /// 登出
    #[endpoint { method = POST, path = "/backend/api/v1/logout", tags = ["用户"] }]
    async fn post_logout(rqctx: RequestContext<Self::Context>) -> Result<HttpResponseOk<Envelope>, ApiError>;

    /// 新增任务
    ///
    /// 新增任务
    #[endpoint { method = POST, path = "/backend/api/v1/task", tags = ["任务"] }]
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
    // A multipart/form-data body, streamed to the handler as `post_upload`'s is; its parts:
    // `file` (file).
    #[endpoint { method = POST, path = "/backend/api/v1/upload", tags = ["其它"] }]
    async fn post_upload(
        rqctx: RequestContext<Self::Context>,
        body: UploadBody,
    ) -> Result<Reply<HttpResponseOk<PostUploadResponse>>, ApiError>;
}

/// The bare response envelope: `code` 0, `msg`, `error` "".
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Envelope {
    pub code: i64,
    pub msg: String,
    pub error: String,
}

/// Request body of `post_login`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PostLoginRequest {
    pub name: String,
    pub password: String,
}

/// Response body of `post_login`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct PostLoginResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub data: LoginData,
}

/// Request body of `post_task`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GetTaskQuery {
    #[schemars(schema_with = "query_zero_default::<i64>")]
    pub id: i64,
}

/// Response body of `get_task`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct GetTaskResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub data: TaskDetail,
}

/// Request body of `put_task`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PutTaskStatusRequest {
    pub id: i64,
    /// 任务状态
    #[schemars(schema_with = "status_schema")]
    pub status: u8,
}

/// Request body of `delete_task`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DeleteTaskRequest {
    pub ids: Option<Vec<i64>>,
}

/// Query of `get_tasks`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GetTasksQuery {
    #[schemars(schema_with = "query_zero_default::<i64>")]
    pub offset: i64,
    #[schemars(schema_with = "query_zero_default::<i64>")]
    pub limit: i64,
}

/// Response body of `get_tasks`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct GetTasksResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub total: i64,
    #[schemars(schema_with = "present::<Option<Vec<TaskItem>>>")]
    pub items: Option<Vec<TaskItem>>,
}

/// Response body of `post_upload`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct PostUploadResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub uri: String,
    pub full_uri: String,
}

/// `backend.LoginData` in the doc.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct LoginData {
    pub uid: i64,
    pub name: String,
    #[schemars(range(min = 0, max = 4294967295.0))]
    pub role: u32,
    pub perm: u64,
}

/// `backend.TaskDetail` in the doc.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
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
