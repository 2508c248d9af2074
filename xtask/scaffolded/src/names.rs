// Generated from xtask/tests/golden/names.md by `cargo xtask scaffold --all --doc xtask/tests/golden/names.md --out xtask/scaffolded/src/names.rs`.
// The server's side of the doc's operations: a dropshot API trait and the types of its requests and
// responses. Do not edit by hand: change the doc and run the command again. Left to write: the
// trait's implementation (the handlers) and the queries; see docs/scaffold.md.

use backend_api::{ApiError, LazyQuery};
use dropshot::{HttpResponseOk, RequestContext};
use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, Metadata, NumberValidation, Schema, SchemaObject, SubschemaValidation};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a session token may travel (the doc's `## 认证方式`): its name, and `header`, `cookie`
/// or `query`. dropshot's endpoints cannot declare security: the server's spec adds it from here.
pub const CREDENTIALS: &[(&str, &str)] = &[("x-auth-token", "header"), ("sid", "cookie")];
/// The operations anyone may call; given credentials, every other one needs a session.
pub const PUBLIC_OPERATIONS: &[&str] = &["get_beta_items"];
/// The doc's error codes (`## 错误码列表`): code, name, HTTP status.
pub const ERROR_CODES: &[(i64, &str, Option<u16>)] = &[(1, "bad", Some(400)), (2, "gone", None)];

/// The operations of xtask/tests/golden/names.md, one method each, named by its operationId.
#[dropshot::api_description]
pub trait NamesApi {
    type Context: Send + Sync + 'static;

    /// 甲列表
    #[endpoint { method = GET, path = "/v1/alpha/items", tags = ["甲"] }]
    async fn get_alpha_items(
        rqctx: RequestContext<Self::Context>,
        query: LazyQuery<GetAlphaItemsQuery>,
    ) -> Result<HttpResponseOk<GetAlphaItemsResponse>, ApiError>;

    /// 乙列表
    // Needs no session (the doc's 无需认证): list it among the public operations.
    #[endpoint { method = GET, path = "/v1/beta/items", tags = ["乙"] }]
    async fn get_beta_items(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<GetBetaItemsResponse>, ApiError>;
}

/// Query of `get_alpha_items`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GetAlphaItemsQuery {
    // `ids` is left out: its type `[]int64` is not a scalar, and dropshot takes only scalar query parameters (`validate_named_parameters`); read it from `rqctx.request.uri().query()`.
    /// 状态
    #[schemars(schema_with = "state_query_schema")]
    pub state: u8,
}

/// Response body of `get_alpha_items`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct GetAlphaItemsResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    #[schemars(schema_with = "present::<Option<Vec<AlphaItem>>>")]
    pub items: Option<Vec<AlphaItem>>,
    pub err: AlphaError,
}

/// Response body of `get_beta_items`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct GetBetaItemsResponse {
    pub code: i64,
    pub msg: String,
    pub error: String,
    #[schemars(schema_with = "present::<Option<Vec<BetaItem>>>")]
    pub items: Option<Vec<BetaItem>>,
}

/// `alpha.Item` in the doc.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct AlphaItem {
    pub id: i64,
}

/// `alpha.Error` in the doc.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct AlphaError {
    pub reason: String,
}

/// `beta.Item` in the doc.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct BetaItem {
    pub name: String,
    #[schemars(schema_with = "present::<Option<Vec<String>>>")]
    pub tags: Option<Vec<String>>,
}

/// The values of `state` (状态): 0 新, 1 旧.
pub const STATE_VALUES: [u8; 2] = [0, 1];

/// The schema of the query parameter `state`: uint8 restricted to the doc's enum.
fn state_query_schema(_: &mut SchemaGenerator) -> Schema {
    query_parameter(SchemaObject {
        metadata: Some(Box::new(Metadata { default: Some(0.into()), ..Default::default() })),
        instance_type: Some(InstanceType::Integer.into()),
        format: Some("uint8".to_owned()),
        number: Some(Box::new(NumberValidation { minimum: Some(0.0), maximum: Some(255.0), ..Default::default() })),
        enum_values: Some(STATE_VALUES.iter().map(|&v| v.into()).collect()),
        ..Default::default()
    })
}

/// The schema of `T` for a field that is always present, `null` or not: schemars lists a field
/// declared with `schema_with` as required, even when it is an `Option`.
fn present<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A query parameter's schema as dropshot keeps it: dropshot drops the metadata (and so the
/// `default`) of each query parameter's schema, except inside a lone `allOf` around it.
fn query_parameter(inner: SchemaObject) -> Schema {
    let all_of = SubschemaValidation { all_of: Some(vec![inner.into()]), ..Default::default() };
    SchemaObject { subschemas: Some(Box::new(all_of)), ..Default::default() }.into()
}
