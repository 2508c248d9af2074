//! Extractors that check the session before the request's shape.
//!
//! dropshot runs every extractor before the handler, so with `TypedBody`/`Query` a request with
//! no session *and* a malformed body answers 400 — but BEHAVIOUR.md orders the checks
//! authentication (401) first, then shape (400). [`LazyBody`] and [`LazyQuery`] describe exactly
//! what `TypedBody` and `Query` describe (the OpenAPI document is the same) but keep a parse
//! failure until the handler asks for the value, after authenticating:
//!
//! ```text
//! let caller = authenticate(&rqctx).await?;  // 401 first
//! let body = body.parse()?;                  // then 400 with dropshot's message
//! ```

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, ExclusiveExtractor, ExtractorMetadata, HttpError, Query, RequestContext, ServerContext,
    SharedExtractor, TypedBody,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// A JSON request body (as `TypedBody<T>`), parsed when the handler asks.
#[derive(Debug)]
pub struct LazyBody<T>(Result<T, HttpError>);

impl<T> LazyBody<T> {
    /// The body, or the 400 / 413 envelope saying what is wrong with it.
    pub fn parse(self) -> Result<T, ApiError> {
        self.0.map_err(ApiError::from)
    }
}

#[async_trait]
impl<T> ExclusiveExtractor for LazyBody<T>
where
    T: JsonSchema + DeserializeOwned + Send + Sync + 'static,
{
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
        request: hyper::Request<dropshot::Body>,
    ) -> Result<Self, HttpError> {
        let body = <TypedBody<T> as ExclusiveExtractor>::from_request(rqctx, request).await;
        Ok(LazyBody(body.map(TypedBody::into_inner)))
    }

    fn metadata(content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <TypedBody<T> as ExclusiveExtractor>::metadata(content_type)
    }
}

/// Query-string parameters (as `Query<T>`), parsed when the handler asks.
#[derive(Debug)]
pub struct LazyQuery<T>(Result<T, HttpError>);

impl<T> LazyQuery<T> {
    /// The parameters, or the 400 envelope saying what is wrong with them.
    pub fn parse(self) -> Result<T, ApiError> {
        self.0.map_err(ApiError::from)
    }
}

#[async_trait]
impl<T> SharedExtractor for LazyQuery<T>
where
    T: JsonSchema + DeserializeOwned + Send + Sync + 'static,
{
    async fn from_request<Context: ServerContext>(rqctx: &RequestContext<Context>) -> Result<Self, HttpError> {
        // Parsed like dropshot's `Query`, plus the path of the failing field in the message
        // ("offset: invalid digit found in string"), as dropshot does for JSON bodies.
        let raw = rqctx.request.uri().query().unwrap_or("");
        let parser = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
        let query = serde_path_to_error::deserialize(parser)
            .map_err(|e| HttpError::for_bad_request(None, format!("unable to parse query string: {e}")));
        Ok(LazyQuery(query))
    }

    fn metadata(content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <Query<T> as SharedExtractor>::metadata(content_type)
    }
}
