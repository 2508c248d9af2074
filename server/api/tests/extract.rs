//! `LazyBody` / `LazyQuery`: same OpenAPI description as `TypedBody` / `Query`, but a malformed
//! body or query reaches the handler, so it can answer 401 for a missing session first.

use backend_api::{ApiError, Envelope, ErrorCode, LazyBody, LazyQuery};
use dropshot::{endpoint, ApiDescription, HttpResponseOk, Query, RequestContext, TypedBody};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct Thing {
    #[allow(dead_code)]
    count: u8,
}

fn check_token(rqctx: &RequestContext<()>) -> Result<(), ApiError> {
    match rqctx.request.headers().get("x-auth-token") {
        Some(_) => Ok(()),
        None => Err(ApiError::new(ErrorCode::Unauthorized, "no token")),
    }
}

#[endpoint { method = POST, path = "/lazy" }]
async fn lazy(
    rqctx: RequestContext<()>,
    query: LazyQuery<Thing>,
    body: LazyBody<Thing>,
) -> Result<HttpResponseOk<Envelope>, ApiError> {
    check_token(&rqctx)?;
    query.parse()?;
    body.parse()?;
    Ok(HttpResponseOk(Envelope::ok("ok")))
}

#[endpoint { method = POST, path = "/eager" }]
async fn eager(
    _rqctx: RequestContext<()>,
    _query: Query<Thing>,
    _body: TypedBody<Thing>,
) -> Result<HttpResponseOk<Envelope>, ApiError> {
    Ok(HttpResponseOk(Envelope::ok("ok")))
}

fn api() -> ApiDescription<()> {
    let mut api = ApiDescription::new();
    api.register(lazy).unwrap();
    api.register(eager).unwrap();
    api
}

#[test]
fn lazy_extractors_describe_the_same_request() {
    let spec = api().openapi("t", dropshot::semver::Version::new(1, 0, 0)).json().unwrap();
    let (l, e) = (&spec["paths"]["/lazy"]["post"], &spec["paths"]["/eager"]["post"]);
    assert_eq!(l["parameters"], e["parameters"]);
    assert_eq!(l["requestBody"], e["requestBody"]);
    assert!(!l["requestBody"].is_null());
}

#[tokio::test]
async fn authentication_is_checked_before_the_shape_of_the_request() {
    let log = slog::Logger::root(slog::Discard, slog::o!());
    let config = dropshot::ConfigDropshot { bind_address: "127.0.0.1:0".parse().unwrap(), ..Default::default() };
    let server = dropshot::ServerBuilder::new(api(), (), log).config(config).start().unwrap();
    let url = format!("http://{}/lazy", server.local_addr());
    let client = reqwest::Client::new();
    let send = |query: &'static str, body: &'static str, token: bool| {
        let mut request = client.post(format!("{url}{query}")).header("content-type", "application/json").body(body);
        if token {
            request = request.header("x-auth-token", "t");
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap();
            (status, body["code"].as_i64().unwrap(), body["msg"].as_str().unwrap().to_owned())
        }
    };
    assert_eq!(send("?count=1", "{\"count\": 1", false).await.0, 401);
    assert_eq!(send("?count=x", "{\"count\": 1}", false).await.0, 401);
    let (status, code, msg) = send("?count=1", "{\"count\": 300}", true).await;
    assert_eq!((status, code), (400, 10102));
    assert!(msg.contains("count"), "{msg}");
    let (status, code, msg) = send("?count=-1", "{\"count\": 1}", true).await;
    assert_eq!((status, code), (400, 10102));
    assert!(msg.contains("count"), "{msg}");
    assert_eq!(send("?count=1", "{\"count\": 1}", true).await.0, 200);
    server.close().await.unwrap();
}
