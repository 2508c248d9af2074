//! `ApiDescription::merge` (the vendored dropshot's addition, `server/vendor/dropshot/PATCH.md`):
//! the doc's trait and the extensions are served and described as one API.

use backend_api::{ApiError, Envelope};
use dropshot::{endpoint, ApiDescription, EndpointTagPolicy, HttpResponseOk, RequestContext, TagConfig};

#[endpoint { method = GET, path = "/a" }]
async fn a(_rqctx: RequestContext<()>) -> Result<HttpResponseOk<Envelope>, ApiError> {
    Ok(HttpResponseOk(Envelope::ok("a")))
}

#[endpoint { method = GET, path = "/b" }]
async fn b(_rqctx: RequestContext<()>) -> Result<HttpResponseOk<Envelope>, ApiError> {
    Ok(HttpResponseOk(Envelope::ok("b")))
}

fn paths(api: &ApiDescription<()>) -> Vec<String> {
    let spec = api.openapi("t", dropshot::semver::Version::new(1, 0, 0)).json().unwrap();
    spec["paths"].as_object().unwrap().keys().cloned().collect()
}

#[test]
fn merged_descriptions_describe_both() {
    let mut first = ApiDescription::new();
    first.register(a).unwrap();
    let mut second = ApiDescription::new();
    second.register(b).unwrap();
    first.merge(second).unwrap();
    assert_eq!(paths(&first), ["/a", "/b"]);
}

#[test]
fn what_the_receiving_description_refuses_is_reported() {
    // The receiving description wants exactly one tag on each endpoint; `b` has none.
    let policy = TagConfig { policy: EndpointTagPolicy::ExactlyOne, ..TagConfig::default() };
    let mut first = ApiDescription::new().tag_config(policy);
    let mut second = ApiDescription::new();
    second.register(b).unwrap();
    let errors = first.merge(second).unwrap_err().to_string();
    assert!(errors.contains("registering 'b' failed: Exactly one tag is required"), "{errors}");
    assert!(paths(&first).is_empty());
}

#[test]
fn the_servers_api_is_the_docs_operations_and_the_extensions() {
    let api = backend_api::stub_api_description().unwrap();
    let spec = api.openapi("t", dropshot::semver::Version::new(1, 0, 0)).json().unwrap();
    let ids: Vec<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    for id in ["get_hola", "post_login", "get_tasks", "post_upload", "get_upload", "get_healthz", "get_docs_file"] {
        assert!(ids.contains(&id), "{id} is not served: {ids:?}");
    }
}
