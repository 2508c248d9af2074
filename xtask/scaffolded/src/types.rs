// Generated from xtask/tests/golden/types.md by `cargo xtask scaffold --all --doc xtask/tests/golden/types.md --out xtask/scaffolded/src/types.rs`.
// The server's side of the doc's operations: a dropshot API trait and the types of its requests and
// responses. Do not edit by hand: change the doc and run the command again. Left to write: the
// trait's implementation (the handlers) and the queries; see docs/scaffold.md.

use backend_api::{ApiError, LazyBody, LazyQuery, Reply, UploadBody};
use dropshot::{HttpResponseOk, RequestContext};
use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, Metadata, NumberValidation, Schema, SchemaObject, SubschemaValidation};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a session token may travel (the doc's `## 认证方式`): its name, and `header`, `cookie`
/// or `query`. dropshot's endpoints cannot declare security: the server's spec adds it from here.
pub const CREDENTIALS: &[(&str, &str)] = &[("token", "header"), ("session", "cookie"), ("access_token", "query")];
/// The operations anyone may call; given credentials, every other one needs a session.
pub const PUBLIC_OPERATIONS: &[&str] = &[];
/// The doc's error codes (`## 错误码列表`): code, name, HTTP status.
pub const ERROR_CODES: &[(i64, &str, Option<u16>)] = &[];

/// The operations of xtask/tests/golden/types.md, one method each, named by its operationId.
#[dropshot::api_description]
pub trait TypesApi {
    type Context: Send + Sync + 'static;

    /// 全部类型
    ///
    /// 返回每一种 Go 类型
    #[endpoint { method = GET, path = "/api/v2/shop/everything", tags = ["商店"] }]
    async fn get_shop_everything(
        rqctx: RequestContext<Self::Context>,
        query: LazyQuery<GetShopEverythingQuery>,
    ) -> Result<HttpResponseOk<GetShopEverythingResponse>, ApiError>;

    /// 修改商品
    ///
    /// 部分更新，PATCH
    // 所需权限 shop:write: the doc's permission, for the handler to check.
    #[endpoint { method = PATCH, path = "/api/v2/shop/item", tags = ["商店"] }]
    async fn patch_shop_item(
        rqctx: RequestContext<Self::Context>,
        body: LazyBody<PatchShopItemRequest>,
    ) -> Result<HttpResponseOk<PatchShopItemResponse>, ApiError>;

    /// 上传附件
    // A multipart/form-data body, streamed to the handler as `post_upload`'s is; its parts:
    // `file` (file, 文件), `title` (string, 标题), `public` (boolean).
    #[endpoint { method = POST, path = "/api/v2/files", tags = ["文件"] }]
    async fn post_files(
        rqctx: RequestContext<Self::Context>,
        body: UploadBody,
    ) -> Result<Reply<HttpResponseOk<PostFilesResponse>>, ApiError>;

    /// 删除附件
    ///
    /// 删除多个
    #[endpoint { method = DELETE, path = "/api/v2/files", tags = ["文件"] }]
    async fn delete_files(
        rqctx: RequestContext<Self::Context>,
        body: LazyBody<DeleteFilesRequest>,
    ) -> Result<HttpResponseOk<Envelope>, ApiError>;
}

/// Query of `get_shop_everything`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GetShopEverythingQuery {
    #[schemars(schema_with = "query_zero_default::<i64>")]
    pub id: i64,
    /// 种类
    #[schemars(schema_with = "kind_query_schema")]
    pub kind: String,
    #[schemars(schema_with = "level_query_schema")]
    pub level: i8,
}

/// Response body of `get_shop_everything`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct GetShopEverythingResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub data: Everything,
}

/// Request body of `patch_shop_item`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PatchShopItemRequest {
    pub id: i64,
    /// 新值
    pub item: Option<Item>,
    pub labels: Option<Vec<String>>,
}

/// Response body of `patch_shop_item`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct PatchShopItemResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub item: Item,
}

/// Response body of `post_files`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct PostFilesResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    pub uri: String,
}

/// Request body of `delete_files`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DeleteFilesRequest {
    pub ids: Option<Vec<i64>>,
}

/// The bare response envelope: `code` 0, `msg`, `error` "".
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Envelope {
    pub code: i64,
    pub msg: String,
    pub error: String,
}

/// `shop.Everything` in the doc.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Everything {
    /// 布尔
    pub flag: bool,
    pub name: String,
    pub count: i64,
    #[schemars(range(min = -128, max = 127))]
    pub tiny: i8,
    #[schemars(range(min = -32768, max = 32767))]
    pub small: i16,
    #[schemars(range(min = -2147483648, max = 2147483647))]
    pub mid: i32,
    pub big: i64,
    pub ucount: u64,
    #[schemars(range(min = 0, max = 255))]
    pub ubyte: u8,
    #[schemars(range(min = 0, max = 65535))]
    pub ushort: u16,
    #[schemars(range(min = 0, max = 4294967295.0))]
    pub uint: u32,
    pub ubig: u64,
    pub ratio: f32,
    pub score: f64,
    #[schemars(range(min = 0, max = 255))]
    pub raw: u8,
    #[schemars(schema_with = "present::<Option<Vec<String>>>")]
    pub tags: Option<Vec<String>>,
    /// 矩阵
    #[schemars(schema_with = "present::<Option<Vec<Option<Vec<i32>>>>>")]
    pub grid: Option<Vec<Option<Vec<i32>>>>,
    /// 可为空
    #[schemars(schema_with = "present::<Option<User>>")]
    pub owner: Option<User>,
    #[schemars(schema_with = "present::<Option<BTreeMap<String, String>>>")]
    pub attrs: Option<BTreeMap<String, String>>,
    #[schemars(schema_with = "present::<Option<BTreeMap<String, Option<Vec<i64>>>>>")]
    pub counts: Option<BTreeMap<String, Option<Vec<i64>>>>,
    /// 创建时间
    pub created: DateTime,
    /// 任意值
    pub extra: serde_json::Value,
    /// base64
    #[schemars(schema_with = "present::<Option<Base64>>")]
    pub blob: Option<Base64>,
    /// 等级
    #[schemars(schema_with = "level_schema")]
    pub level: i8,
    #[schemars(schema_with = "kind_schema")]
    pub kind: String,
    /// 货架
    #[schemars(schema_with = "present::<Option<Vec<Option<Vec<Item>>>>>")]
    pub shelves: Option<Vec<Option<Vec<Item>>>>,
    pub main: Item,
    #[schemars(schema_with = "present::<Option<i64>>")]
    pub maybe: Option<i64>,
}

/// `shop.Item` in the doc.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Item {
    /// 编号
    pub sku: String,
    pub price: f64,
    pub user: User,
}

/// `shop.User` in the doc.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct User {
    pub uid: i64,
    /// 昵称
    pub nick: String,
}

/// The values of `kind` (种类): image 图片, video 视频.
pub const KIND_VALUES: [&str; 2] = ["image", "video"];

/// The values of `level`: -1 低, 0 中, 1 高.
pub const LEVEL_VALUES: [i8; 3] = [-1, 0, 1];

/// The schema of the query parameter `kind`: string restricted to the doc's enum.
fn kind_query_schema(_: &mut SchemaGenerator) -> Schema {
    query_parameter(SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        enum_values: Some(KIND_VALUES.iter().map(|&v| v.into()).collect()),
        ..Default::default()
    })
}

/// The schema of the query parameter `level`: int8 restricted to the doc's enum.
fn level_query_schema(_: &mut SchemaGenerator) -> Schema {
    query_parameter(SchemaObject {
        metadata: Some(Box::new(Metadata { default: Some(0.into()), ..Default::default() })),
        instance_type: Some(InstanceType::Integer.into()),
        format: Some("int8".to_owned()),
        number: Some(Box::new(NumberValidation { minimum: Some(-128.0), maximum: Some(127.0), ..Default::default() })),
        enum_values: Some(LEVEL_VALUES.iter().map(|&v| v.into()).collect()),
        ..Default::default()
    })
}

/// The schema of `level`: int8 restricted to the doc's enum.
fn level_schema(_: &mut SchemaGenerator) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::Integer.into()),
        format: Some("int8".to_owned()),
        number: Some(Box::new(NumberValidation { minimum: Some(-128.0), maximum: Some(127.0), ..Default::default() })),
        enum_values: Some(LEVEL_VALUES.iter().map(|&v| v.into()).collect()),
        ..Default::default()
    }
    .into()
}

/// The schema of `kind`: string restricted to the doc's enum.
fn kind_schema(_: &mut SchemaGenerator) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        enum_values: Some(KIND_VALUES.iter().map(|&v| v.into()).collect()),
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

/// A Go `time.Time`: RFC 3339 text; Go's zero time when a request leaves it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DateTime(pub String);

impl Default for DateTime {
    fn default() -> Self {
        DateTime("0001-01-01T00:00:00Z".to_owned())
    }
}

impl JsonSchema for DateTime {
    fn schema_name() -> String {
        "DateTime".to_owned()
    }

    // Inline, as the doc's spec has it.
    fn is_referenceable() -> bool {
        false
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            format: Some("date-time".to_owned()),
            ..Default::default()
        }
        .into()
    }
}

/// A Go `[]byte`: base64 text (a nil slice is the `None` around it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Base64(pub String);

impl JsonSchema for Base64 {
    fn schema_name() -> String {
        "Base64".to_owned()
    }

    // Inline, as the doc's spec has it.
    fn is_referenceable() -> bool {
        false
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            format: Some("byte".to_owned()),
            ..Default::default()
        }
        .into()
    }
}
