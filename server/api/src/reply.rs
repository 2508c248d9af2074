//! [`Reply`]: an operation's answer that is its success type or an error envelope with headers
//! the envelope alone cannot carry — `Retry-After` on a 429, `Connection: close` on an upload
//! refused while its body may still be arriving.
//!
//! dropshot renders a handler's error from its body and status only; an operation that needs such
//! headers (`error_headers` in what the server adds to the doc) returns `Reply<T>`, whose spec is
//! `T`'s (plus the `4XX`/`5XX` envelope as always). And the success envelope.

use dropshot::{ApiEndpointResponse, Body, HttpError, HttpResponse};

use crate::{ApiError, Envelope};

impl Envelope {
    /// The success envelope with the given message ("ok" for most operations).
    pub fn ok(msg: &str) -> Self {
        Envelope { code: 0, msg: msg.to_owned(), error: String::new() }
    }
}

/// `T`, or the envelope of an [`ApiError`] with its status and headers.
#[derive(Debug)]
pub struct Reply<T>(pub Result<T, ApiError>);

impl<T: HttpResponse> HttpResponse for Reply<T> {
    fn to_result(self) -> Result<http::Response<Body>, HttpError> {
        match self.0 {
            Ok(ok) => ok.to_result(),
            Err(e) => {
                let json = serde_json::to_string(&e).map_err(|e| HttpError::for_internal_error(e.to_string()))?;
                let mut response = http::Response::builder()
                    .status(e.http_status())
                    .header(http::header::CONTENT_TYPE, "application/json");
                if let Some(secs) = e.retry_after_secs() {
                    response = response.header(http::header::RETRY_AFTER, secs);
                }
                if e.closes_connection() {
                    response = response.header(http::header::CONNECTION, "close");
                }
                Ok(response.body(json.into())?)
            }
        }
    }

    fn response_metadata() -> ApiEndpointResponse {
        T::response_metadata()
    }

    fn status_code(&self) -> http::StatusCode {
        match &self.0 {
            Ok(ok) => ok.status_code(),
            Err(e) => http::StatusCode::from_u16(e.http_status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}
