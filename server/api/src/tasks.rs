//! Types of the task operations (`post_task` … `get_tasks`), named as the doc names them.
//!
//! Request fields are optional with their Go zero value as `default`, like every request field of
//! the doc — except `type`, whose zero value "" is not one of its enum's values: it is optional in
//! the schema (no `default`) and an omitted or empty `type` is refused by the server.
//! Response fields are always present. The doc's integer enum `status` (`[0, 2, 1, 3]`) and
//! string enum `type` (`["image", "video"]`) are plain `u8`/`String` in Rust with the enum in
//! their schema; the server validates them.

use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, Metadata, NumberValidation, Schema, SchemaObject, SubschemaValidation};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Largest body `post_task` accepts: room for an `input` at its cap (64 KiB) even when every
/// character of it is JSON-escaped, plus the other fields.
pub const TASK_BODY_MAX_BYTES: usize = 512 * 1024;

/// Task statuses, in the doc's order: 0 waiting, 2 processing, 1 done, 3 cancelled.
pub const TASK_STATUSES: [u8; 4] = [0, 2, 1, 3];

/// Task types.
pub const TASK_TYPES: [&str; 2] = ["image", "video"];

/// The schema of `status`: uint8 restricted to the doc's enum.
fn status_schema(_: &mut SchemaGenerator) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::Integer.into()),
        format: Some("uint8".to_owned()),
        number: Some(Box::new(NumberValidation { minimum: Some(0.0), maximum: Some(255.0), ..Default::default() })),
        enum_values: Some(TASK_STATUSES.iter().map(|&s| s.into()).collect()),
        ..Default::default()
    }
    .into()
}

/// The schema of `type`: a string restricted to the doc's enum.
fn type_schema(_: &mut SchemaGenerator) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        enum_values: Some(TASK_TYPES.iter().map(|&t| t.into()).collect()),
        ..Default::default()
    }
    .into()
}

/// The schema of `items`: an array of `TaskItem`, required but nullable (a Go slice).
fn task_items_schema(gen: &mut SchemaGenerator) -> Schema {
    let mut schema = gen.subschema_for::<Vec<TaskItem>>().into_object();
    schema.extensions.insert("nullable".to_owned(), serde_json::Value::Bool(true));
    schema.into()
}

/// The schema of an int64 query parameter whose default is 0.
///
/// dropshot drops the metadata (and so the `default`) of each query parameter's schema, except
/// when the schema is a lone `allOf` around the real one: then it keeps the inner schema whole.
fn query_int64_default_zero(_: &mut SchemaGenerator) -> Schema {
    let inner = SchemaObject {
        instance_type: Some(InstanceType::Integer.into()),
        format: Some("int64".to_owned()),
        metadata: Some(Box::new(Metadata { default: Some(0.into()), ..Default::default() })),
        ..Default::default()
    };
    SchemaObject {
        subschemas: Some(Box::new(SubschemaValidation { all_of: Some(vec![inner.into()]), ..Default::default() })),
        ..Default::default()
    }
    .into()
}

/// Request body of `post_task`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PostTaskRequest {
    /// 任务类型
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
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
    #[schemars(schema_with = "query_int64_default_zero")]
    pub id: i64,
}

/// Response body of `get_task`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GetTaskResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub data: TaskDetail,
}

/// A task in full (`backend.TaskDetail` in the doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

/// Request body of `put_task`: a zero value leaves the field as it is.
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

/// Request body of `delete_task`: `{}`, `{"ids": null}` and `{"ids": []}` delete nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DeleteTaskRequest {
    pub ids: Option<Vec<i64>>,
}

/// Query of `get_tasks`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GetTasksQuery {
    #[schemars(schema_with = "query_int64_default_zero")]
    pub offset: i64,
    #[schemars(schema_with = "query_int64_default_zero")]
    pub limit: i64,
}

/// Response body of `get_tasks`: the caller's task count and one page of their tasks, newest
/// first. `items` is always an array (empty when `limit` is 0 or the page is past the end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct GetTasksResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub total: i64,
    #[schemars(schema_with = "task_items_schema")]
    pub items: Vec<TaskItem>,
}

/// A task in a list (`backend.TaskItem` in the doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

/// A user's id and name (`backend.UidName` in the doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UidName {
    /// 用户名
    pub uid: i64,
    /// 用户名
    pub name: String,
}
