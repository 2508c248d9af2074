//! The back-end's HTTP interface, apart from its implementation.
//!
//! `openapi/backend-api.md` (the doc) and `openapi/backend-api.server.toml` (what the server adds
//! to it) → `cargo xtask openapi` → [`generated`]: the `#[dropshot::api_description]` trait
//! [`BackendApi`] with one method per doc operation, its request and response types, the doc's
//! credentials and [`ErrorCode`]s. Never edited by hand: a change to the doc changes the trait, and
//! the server stops compiling until its implementation follows.
//!
//! Written here by hand: the one error type [`ApiError`], the extractors the trait uses
//! ([`LazyBody`], [`LazyQuery`], [`FormBody`]), [`Reply`], and the operations outside the doc
//! ([`ExtensionApi`]). [`api_description`] serves both traits as one API.
//!
//! This crate builds without the database layer, so the server's OpenAPI document can be printed
//! ([`openapi_json`]) and compared with the doc's spec cheaply. The implementation lives in the
//! `server` crate.

mod error;
mod extensions;
mod extract;
mod form;
// Written by the generator in rustfmt's layout; rustfmt must not rewrite it behind `--check`.
#[rustfmt::skip]
pub mod generated;
mod reply;
mod spec;

pub use error::{routing_error, ApiError};
pub use extensions::*;
pub use extract::{LazyBody, LazyQuery};
pub use form::FormBody;
pub use generated::*;
pub use reply::Reply;
pub use spec::{Spec, EXTENSION_TAG};

use dropshot::{ApiDescription, ApiDescriptionBuildErrors, StubContext};

/// The header that carries the session token, in requests and in the login response (a
/// credential of the doc's `## 认证方式`).
pub const AUTH_TOKEN_HEADER: &str = "x-auth-token";
/// The cookie that carries the session token, unless the server's `cookie_name` names another.
pub const SESSION_COOKIE: &str = "backend_session";

/// The API the server serves: the doc's operations ([`BackendApi`]) and the extensions
/// ([`ExtensionApi`]), implemented by one type.
pub fn api_description<T>() -> Result<ApiDescription<<T as BackendApi>::Context>, ApiDescriptionBuildErrors>
where
    T: BackendApi + ExtensionApi<Context = <T as BackendApi>::Context>,
{
    let mut api = backend_api_mod::api_description::<T>()?;
    api.merge(extension_api_mod::api_description::<T>()?)?;
    Ok(api)
}

/// [`api_description`] without an implementation: what the spec is built from.
pub fn stub_api_description() -> Result<ApiDescription<StubContext>, ApiDescriptionBuildErrors> {
    let mut api = backend_api_mod::stub_api_description()?;
    api.merge(extension_api_mod::stub_api_description()?)?;
    Ok(api)
}

/// The server's OpenAPI document (`server openapi` prints it; `cargo xtask contract` compares it
/// with the doc's), with what dropshot's endpoints cannot declare added from the doc's tables:
/// the session's credentials, needed by every operation but [`PUBLIC_OPERATIONS`] and the
/// extensions, and the error codes.
pub fn openapi_json() -> serde_json::Value {
    let api = stub_api_description().expect("the API traits describe a valid API");
    let error_codes: Vec<(i64, &str, u16)> = ErrorCode::ALL.iter().map(|c| (c.code(), c.name(), c.status())).collect();
    let spec = Spec {
        title: TITLE,
        version: VERSION,
        credentials: CREDENTIALS,
        public: PUBLIC_OPERATIONS,
        error_codes: &error_codes,
    };
    spec.of(&api)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_travels_where_the_doc_says() {
        assert!(CREDENTIALS.contains(&(AUTH_TOKEN_HEADER, "header")), "{CREDENTIALS:?}");
        assert!(CREDENTIALS.contains(&(SESSION_COOKIE, "cookie")), "{CREDENTIALS:?}");
    }
}
