//! The one error type of the API.
//!
//! Every error the server answers — from a handler, from dropshot when it cannot parse a body or
//! a query string, or from dropshot's router when no route matches ([`routing_error`]) — is the
//! envelope `{code, msg, error}` with the HTTP status of its code. The codes are the doc's
//! `## 错误码列表`, generated as [`ErrorCode`].

use dropshot::{ErrorStatusCode, HttpError, HttpResponseError};
use schemars::JsonSchema;
use serde::Serialize;

use crate::ErrorCode;

impl ErrorCode {
    /// Looks a code up by its number.
    pub fn from_code(code: i64) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.code() == code)
    }
}

/// An error answer: `{code, msg, error}` with the status of its code.
///
/// `msg` says what was wrong for the client; it never carries SQL or a stack trace (those go to
/// the log with the request id). Named `Error` in the OpenAPI document.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename = "Error")]
pub struct ApiError {
    pub code: i64,
    pub msg: String,
    pub error: String,
    #[serde(skip)]
    status: u16,
    /// `Retry-After`, in seconds (sent by operations that answer a [`crate::Reply`]).
    #[serde(skip)]
    retry_after: Option<u64>,
    /// `Connection: close` (likewise).
    #[serde(skip)]
    close: bool,
}

impl ApiError {
    /// An error with the given code and a message for the client.
    pub fn new(code: ErrorCode, msg: impl Into<String>) -> Self {
        ApiError {
            code: code.code(),
            msg: msg.into(),
            error: code.name().to_owned(),
            status: code.status(),
            retry_after: None,
            close: false,
        }
    }

    /// Says when to try again (`Retry-After`, at least 1 s).
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs.max(1));
        self
    }

    /// Asks that the connection be closed after this answer.
    pub fn closing(mut self) -> Self {
        self.close = true;
        self
    }

    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after
    }

    pub fn closes_connection(&self) -> bool {
        self.close
    }

    pub fn invalid_request(msg: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidRequest, msg)
    }

    /// An unexpected failure: the client learns only that it happened; log the cause yourself.
    pub fn internal() -> Self {
        ApiError::new(ErrorCode::InternalServerError, "internal server error; see the server log")
    }

    pub fn unavailable() -> Self {
        ApiError::new(ErrorCode::ServiceUnavailable, "the database is unreachable; try again shortly")
    }

    /// The code, when it is one of the table's (always, for errors built by this crate).
    pub fn error_code(&self) -> Option<ErrorCode> {
        ErrorCode::from_code(self.code)
    }

    /// The HTTP status this error is answered with.
    pub fn http_status(&self) -> u16 {
        self.status
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.error, self.code, self.msg)
    }
}

impl std::error::Error for ApiError {}

impl HttpResponseError for ApiError {
    fn status_code(&self) -> ErrorStatusCode {
        ErrorStatusCode::from_u16(self.status).unwrap_or(ErrorStatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Errors dropshot raises itself (unparseable body or query, body too large, …) become envelopes.
impl From<HttpError> for ApiError {
    fn from(e: HttpError) -> Self {
        let mut status = e.status_code.as_u16();
        // dropshot reports an over-long body as a 400 with this message.
        if status == 400 && e.external_message.starts_with("request body exceeded maximum size") {
            status = 413;
        }
        let code = match status {
            400 => ErrorCode::InvalidRequest,
            401 => ErrorCode::Unauthorized,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            503 => ErrorCode::ServiceUnavailable,
            500..=599 => return ApiError::internal(),
            // Any other client error (406, 411, …): the client's mistake, with dropshot's status.
            _ => {
                let mut err = ApiError::invalid_request(e.external_message);
                err.status = status;
                return err;
            }
        };
        ApiError::new(code, e.external_message)
    }
}

/// The answer to a request no route takes, which dropshot's router refuses before any handler
/// runs (`dropshot::ServerBuilder::error_renderer`): the envelope with a message that names the
/// method and path — 404 / 10109 for an unknown path, 405 / 10112 with the router's `Allow`
/// headers for a known path and another method.
pub fn routing_error(e: HttpError, method: &http::Method, uri: &http::Uri) -> http::Response<dropshot::Body> {
    let path = uri.path();
    let allowed: Vec<String> = e
        .headers
        .as_deref()
        .map(|h| h.get_all(http::header::ALLOW).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect())
        .unwrap_or_default();
    let error = match e.status_code.as_u16() {
        404 => ApiError::new(ErrorCode::NotFound, format!("no such path: {path} (the API reference is at /docs)")),
        405 => ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!("{method} {path}: method not allowed; {path} takes {}", allowed.join(", ")),
        ),
        _ => ApiError::from(e),
    };
    let mut response =
        http::Response::builder().status(error.http_status()).header(http::header::CONTENT_TYPE, "application/json");
    for method in &allowed {
        response = response.header(http::header::ALLOW, method);
    }
    let body = serde_json::to_vec(&error).expect("the envelope serialises");
    response.body(dropshot::Body::from(body)).expect("a valid response")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_statuses_are_errors() {
        for (i, a) in ErrorCode::ALL.iter().enumerate() {
            assert!((400..600).contains(&a.status()), "{a:?}");
            for b in &ErrorCode::ALL[i + 1..] {
                assert_ne!(a.code(), b.code());
                assert_ne!(a.name(), b.name());
            }
        }
    }

    #[test]
    fn dropshot_parse_errors_keep_their_message() {
        let e = ApiError::from(HttpError::for_bad_request(
            None,
            "unable to parse JSON body: invalid type: integer `1`, expected a string".into(),
        ));
        assert_eq!((e.code, e.error.as_str(), e.http_status()), (10102, "invalid_request", 400));
        assert!(e.msg.contains("expected a string"), "{}", e.msg);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json.as_object().unwrap().len(), 3, "{json}");
    }

    #[test]
    fn over_long_bodies_are_413() {
        let e =
            ApiError::from(HttpError::for_bad_request(None, "request body exceeded maximum size of 1024 bytes".into()));
        assert_eq!((e.code, e.http_status()), (10110, 413));
        assert!(e.msg.contains("1024"));
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let e = ApiError::from(HttpError::for_internal_error("SELECT * FROM users failed".into()));
        assert_eq!((e.code, e.http_status()), (10100, 500));
        assert!(!e.msg.contains("SELECT"));
    }
}
