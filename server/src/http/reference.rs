//! `get_openapi`, `get_docs`, `get_docs_file`: the API's spec and a browsable reference of it,
//! served from the binary — public, and working on a machine with no internet.
//!
//! The spec is `openapi/backend-api.json` as committed (embedded at build time), byte for byte.
//! The page is Swagger UI (its files unpacked by `build.rs` from the pinned crate
//! `utoipa-swagger-ui-vendored`), started by `reference/reference.js` on that spec: a person can
//! log in from it and then try every operation with the session.

use backend_api::{ApiError, DocsFilePath, ErrorCode};
use dropshot::Body;

use super::Ctx;

const SPEC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/backend-api.json"));
const PAGE: &str = include_str!("reference/index.html");

/// The page's files: name, content type, bytes.
const FILES: [(&str, &str, &[u8]); 5] = [
    ("reference.js", "text/javascript; charset=utf-8", include_bytes!("reference/reference.js")),
    (
        "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(env!("OUT_DIR"), "/swagger-ui/swagger-ui-bundle.js")),
    ),
    (
        "swagger-ui.css",
        "text/css; charset=utf-8",
        include_bytes!(concat!(env!("OUT_DIR"), "/swagger-ui/swagger-ui.css")),
    ),
    ("favicon-32x32.png", "image/png", include_bytes!(concat!(env!("OUT_DIR"), "/swagger-ui/favicon-32x32.png"))),
    // Swagger UI's licence (Apache-2.0), beside the copy of it that is served.
    ("LICENSE", "text/plain; charset=utf-8", include_bytes!(concat!(env!("OUT_DIR"), "/swagger-ui/LICENSE"))),
];

pub async fn get_openapi(_rqctx: Ctx) -> Result<http::Response<Body>, ApiError> {
    Ok(response("application/json", "no-cache", SPEC.as_bytes()))
}

pub async fn get_docs(_rqctx: Ctx) -> Result<http::Response<Body>, ApiError> {
    Ok(response("text/html; charset=utf-8", "no-cache", PAGE.as_bytes()))
}

pub async fn get_docs_file(_rqctx: Ctx, path: DocsFilePath) -> Result<http::Response<Body>, ApiError> {
    match FILES.iter().find(|(name, _, _)| *name == path.file) {
        // Revalidated hourly: a new release of the server may bring new files under these names.
        Some((_, content_type, bytes)) => Ok(response(content_type, "public, max-age=3600", bytes)),
        None => Err(ApiError::new(ErrorCode::NotFound, format!("no file {:?} in the API reference", path.file))),
    }
}

fn response(content_type: &str, cache: &str, bytes: &'static [u8]) -> http::Response<Body> {
    http::Response::builder()
        .header(http::header::CONTENT_TYPE, content_type)
        .header(http::header::CACHE_CONTROL, cache)
        .header("x-content-type-options", "nosniff")
        .body(Body::with_content(bytes))
        .expect("a valid response")
}
