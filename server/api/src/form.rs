//! [`FormBody`]: a `multipart/form-data` body handed to the handler as a stream.
//!
//! dropshot has no typed multipart extractor that fits: an upload must be read within its limit,
//! sniffed and hashed as it arrives, and only after the session check (401 before any complaint
//! about the body). So the body is handed over untouched, and the form type `F` — generated from
//! the doc's parts — only gives the spec its schema. Operations with such a body answer a
//! [`crate::Reply`]: a refusal may come while the body is still arriving, and closes the
//! connection.

use std::marker::PhantomData;

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, Body, ExclusiveExtractor, ExtractorMetadata, HttpError, RequestContext, ServerContext,
    TypedBody,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

/// The raw body of a form-data request and its `Content-Type`; `F` is the form it should hold.
#[derive(Debug)]
pub struct FormBody<F> {
    pub content_type: Option<String>,
    pub body: Body,
    form: PhantomData<fn() -> F>,
}

#[async_trait]
impl<F> ExclusiveExtractor for FormBody<F>
where
    F: JsonSchema + DeserializeOwned + Send + Sync + 'static,
{
    async fn from_request<Context: ServerContext>(
        _rqctx: &RequestContext<Context>,
        request: hyper::Request<Body>,
    ) -> Result<Self, HttpError> {
        let (parts, body) = request.into_parts();
        let content_type =
            parts.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(FormBody { content_type, body, form: PhantomData })
    }

    fn metadata(_: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <TypedBody<F> as ExclusiveExtractor>::metadata(ApiEndpointBodyContentType::MultipartFormData)
    }
}
