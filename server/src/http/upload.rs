//! `post_upload` and the serving of stored uploads (`get_upload`, outside the doc).
//!
//! An upload is the multipart field `file`, at most `upload_max_bytes` (→ 413). Its type is
//! sniffed from its first bytes — PNG, JPEG, GIF or WebP, else 415; the client's file name and
//! content type are ignored. While it arrives its SHA-256 is computed and it is spooled (in
//! memory when small, else into a temporary file in `upload_dir`); then the store
//! (`crate::uploads`: the local folder or an S3 bucket) keeps it as `<sha256 hex>.<extension>`,
//! visible under that name only once whole. The same image uploaded twice is stored once.
//! Temporary names never match the served-name pattern.
//!
//! `get_upload` streams a stored file from the store with its type, `Cache-Control: immutable`
//! and its hash as `ETag`, and answers a matching `If-None-Match` with 304.
//!
//! Refusals answer at once with `Connection: close` (a `backend_api::Reply`) while a
//! background task keeps reading and discarding what the client still sends, up to
//! [`DRAIN_MAX_BYTES`] or [`DRAIN_MAX_TIME`]: closing a socket with unread data makes the kernel
//! send a reset, which can destroy the 413 before the client reads it.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use backend_api::{ApiError, ErrorCode, FormBody, PostUploadForm, PostUploadResponse, Reply, UploadPath};
use dropshot::HttpResponseOk;
use futures_util::{StreamExt as _, TryStreamExt as _};
use http_body_util::{BodyDataStream, BodyExt as _};
use sha2::Digest as _;

use super::{authenticate, db_failure, Ctx};
use crate::auth::hex;
use crate::db::db;
use crate::db::rows::NewOp;
use crate::uploads::StoreError;

/// After a refusal, how much more of the body is read and discarded before closing.
pub const DRAIN_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// After a refusal, how long the rest of the body is read and discarded before closing.
pub const DRAIN_MAX_TIME: Duration = Duration::from_secs(10);
/// Room for the multipart framing and small fields besides the file.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// A test on a file's first bytes.
type Magic = fn(&[u8]) -> bool;

/// The image formats accepted: extension, content type, and a test on the first bytes.
const FORMATS: &[(&str, &str, Magic)] = &[
    ("png", "image/png", |b| b.starts_with(b"\x89PNG\r\n\x1a\n")),
    ("jpg", "image/jpeg", |b| b.starts_with(&[0xff, 0xd8, 0xff])),
    ("gif", "image/gif", |b| b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a")),
    ("webp", "image/webp", |b| b.len() >= 12 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP"),
];
/// Bytes needed to tell the formats apart.
const SNIFF_BYTES: usize = 12;

/// The format of an image from its first bytes: (extension, content type).
pub fn sniff(head: &[u8]) -> Option<(&'static str, &'static str)> {
    FORMATS.iter().find(|(_, _, test)| test(head)).map(|&(ext, mime, _)| (ext, mime))
}

/// The content type of a stored file's name, when the name is one the server can have written:
/// 64 lowercase hex digits, a dot, the extension of a supported format. Anything else (a path,
/// `..`, a temporary file) is not a stored upload.
pub fn stored_content_type(name: &str) -> Option<&'static str> {
    let (hash, ext) = name.split_once('.')?;
    if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    FORMATS.iter().find(|(e, _, _)| *e == ext).map(|&(_, mime, _)| mime)
}

type Stream = BodyDataStream<dropshot::Body>;

pub async fn post_upload(rqctx: Ctx, body: FormBody<PostUploadForm>) -> Reply<HttpResponseOk<PostUploadResponse>> {
    let mut stream = body.body.into_data_stream();
    let result = upload(&rqctx, body.content_type.as_deref(), &mut stream).await;
    if result.is_err() {
        // The client may still be sending: read the rest in the background so that it receives
        // the refusal (sent now, with Connection: close) instead of a reset.
        tokio::spawn(drain(stream));
    }
    Reply(result.map(HttpResponseOk).map_err(ApiError::closing))
}

async fn drain(mut stream: Stream) {
    let deadline = tokio::time::Instant::now() + DRAIN_MAX_TIME;
    let mut read = 0u64;
    while read < DRAIN_MAX_BYTES {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(chunk))) => read += chunk.len() as u64,
            _ => break,
        }
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, format!("file: larger than the upload limit of {limit} bytes"))
}

fn multipart_error(limit: u64, e: multer::Error) -> ApiError {
    match e {
        multer::Error::FieldSizeExceeded { field_name, .. } if field_name.as_deref() != Some("file") => ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "field {:?}: larger than {MULTIPART_OVERHEAD} bytes (only `file` may be large)",
                field_name.unwrap_or_default()
            ),
        ),
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => too_large(limit),
        e => ApiError::invalid_request(format!("unable to parse multipart body: {e}")),
    }
}

async fn upload(rqctx: &Ctx, content_type: Option<&str>, stream: &mut Stream) -> Result<PostUploadResponse, ApiError> {
    let caller = authenticate(rqctx).await?;
    let config = &rqctx.context().config;
    let limit = config.upload_max_bytes;
    let multipart =
        content_type.is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!(
                "Content-Type {:?}: an upload is a multipart/form-data body carrying the field `file`",
                content_type.unwrap_or("")
            ),
        ));
    }
    let boundary = content_type.and_then(|ct| multer::parse_boundary(ct).ok()).ok_or_else(|| {
        ApiError::invalid_request("expected a multipart/form-data body (with a boundary) carrying the field `file`")
    })?;
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(limit.saturating_add(MULTIPART_OVERHEAD))
            .per_field(MULTIPART_OVERHEAD)
            .for_field("file", limit),
    );
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut stored = None;
    while let Some(mut field) = multipart.next_field().await.map_err(|e| multipart_error(limit, e))? {
        if field.name() == Some("file") && stored.is_none() {
            let client_name = field.file_name().unwrap_or_default().to_owned();
            let (name, size) = store(rqctx, &mut field, limit).await?;
            stored = Some((name, size, client_name));
        } else {
            // Other fields (and a second `file`) are read past and ignored.
            while field.chunk().await.map_err(|e| multipart_error(limit, e))?.is_some() {}
        }
    }
    let Some((name, size, client_name)) = stored else {
        return Err(ApiError::invalid_request("file: missing; send the image as the multipart field `file`"));
    };

    let op = NewOp {
        user_id: caller.user_id,
        endpoint: "post_upload",
        operation: "upload",
        request: serde_json::json!({ "file": client_name, "size": size, "stored": name }).to_string(),
        created_at: rqctx.context().clock.now_ms(),
    };
    db!(write: &rqctx.context().pool, oplog::append(&op)).map_err(|e| db_failure(&rqctx.log, e))?;
    crate::metrics::upload(size);
    let uri = format!("{}{name}", config.upload_url_prefix);
    let full_uri = format!("{}{uri}", config.public_url.base());
    Ok(PostUploadResponse { code: 0, msg: "ok".to_owned(), error: String::new(), uri, full_uri })
}

/// A store failure as the client sees it: 503 when the store is unreachable or refuses (it may be
/// back soon), else a 500 whose cause goes to the log only.
fn store_failure(log: &slog::Logger, e: StoreError) -> ApiError {
    match e {
        StoreError::Unavailable(cause) => {
            slog::warn!(log, "upload store unavailable"; "cause" => cause);
            ApiError::new(ErrorCode::ServiceUnavailable, "the upload store is unavailable; try again shortly")
        }
        StoreError::Failed(step, e) => {
            slog::error!(log, "upload storage failed"; "step" => step, "cause" => %e);
            ApiError::internal()
        }
    }
}

/// Receives the field, checking its size and type as it goes, and stores it under its
/// content-addressed name; returns the name and the size.
async fn store(rqctx: &Ctx, field: &mut multer::Field<'_>, limit: u64) -> Result<(String, u64), ApiError> {
    let uploads = &rqctx.context().uploads;
    let mut hasher = sha2::Sha256::new();
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut format = None;
    let mut spool = uploads.spool();
    let unsupported = || {
        ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "file: not a supported image (PNG, JPEG, GIF or WebP, recognised by its content)",
        )
    };
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(limit, e))? {
        if spool.size() + chunk.len() as u64 > limit {
            return Err(too_large(limit));
        }
        if format.is_none() {
            let take = (SNIFF_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
            if head.len() == SNIFF_BYTES {
                format = Some(sniff(&head).ok_or_else(unsupported)?);
            }
        }
        hasher.update(&chunk);
        spool.write(&chunk).await.map_err(|e| store_failure(&rqctx.log, e))?;
    }
    let size = spool.size();
    if size == 0 {
        return Err(ApiError::invalid_request("file: empty"));
    }
    let (ext, mime) = match format {
        Some(f) => f,
        None => sniff(&head).ok_or_else(unsupported)?,
    };
    let name = format!("{}.{ext}", hex(&hasher.finalize()));
    uploads.put(&name, mime, spool).await.map_err(|e| store_failure(&rqctx.log, e))?;
    Ok((name, size))
}

/// Whether `If-None-Match` (a list of entity tags, or `*`) names `etag`; weak tags compare too.
fn none_match(header: Option<&http::HeaderValue>, etag: &str) -> bool {
    let Some(value) = header.and_then(|v| v.to_str().ok()) else { return false };
    value.split(',').map(str::trim).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// dropshot's body must be `Sync`, and a stream of chunks from a store is only `Send`. Polling
/// takes `&mut`, so the mutex is never contended: it only lets the stream be shared by reference.
struct SyncStream<S>(std::sync::Mutex<S>);

impl<S: futures_util::Stream + Unpin> futures_util::Stream for SyncStream<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let inner = self.get_mut().0.get_mut().unwrap_or_else(|e| e.into_inner());
        Pin::new(inner).poll_next(cx)
    }
}

pub async fn get_upload(rqctx: Ctx, path: UploadPath) -> Result<http::Response<dropshot::Body>, ApiError> {
    let not_found = || ApiError::new(ErrorCode::NotFound, "no such upload");
    let content_type = stored_content_type(&path.name).ok_or_else(not_found)?;
    let uploads = &rqctx.context().uploads;
    // The name is the content's hash: what it names never changes, so the hash is its entity tag
    // and a cache may keep it for good.
    let etag = format!("\"{}\"", path.name.split('.').next().unwrap_or_default());
    let response = http::Response::builder()
        .header(http::header::ETAG, &etag)
        .header(http::header::CACHE_CONTROL, "public, max-age=31536000, immutable");
    let built = if none_match(rqctx.request.headers().get(http::header::IF_NONE_MATCH), &etag) {
        if !uploads.exists(&path.name).await.map_err(|e| store_failure(&rqctx.log, e))? {
            return Err(not_found());
        }
        response.status(http::StatusCode::NOT_MODIFIED).body(dropshot::Body::empty())
    } else {
        let object = uploads.get(&path.name).await.map_err(|e| store_failure(&rqctx.log, e))?.ok_or_else(not_found)?;
        let frames = SyncStream(std::sync::Mutex::new(object.body.map_ok(hyper::body::Frame::data)));
        response
            .status(http::StatusCode::OK)
            .header(http::header::CONTENT_TYPE, content_type)
            .header(http::header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .header(http::header::CONTENT_LENGTH, object.size)
            .body(dropshot::Body::wrap(http_body_util::StreamBody::new(frames)))
    };
    built.map_err(|e| {
        slog::error!(rqctx.log, "building a response"; "cause" => %e);
        ApiError::internal()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_sniffed_from_their_magic_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap().0, "png");
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0, 0, 0x10]).unwrap().0, "jpg");
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0\0\0").unwrap().0, "gif");
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 ").unwrap().0, "webp");
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"hello, world"), None);
    }

    #[test]
    fn if_none_match_names_the_tag_strong_or_weak_in_a_list_or_as_a_star() {
        let etag = "\"0a1b\"";
        let matches = |v: &str| none_match(Some(&http::HeaderValue::from_str(v).unwrap()), etag);
        for yes in ["\"0a1b\"", "W/\"0a1b\"", "\"x\", \"0a1b\"", "*"] {
            assert!(matches(yes), "{yes}");
        }
        for no in ["\"0a1\"", "0a1b", "\"x\"", ""] {
            assert!(!matches(no), "{no}");
        }
        assert!(!none_match(None, etag));
    }

    #[test]
    fn only_content_hash_names_are_served() {
        let hash = "a".repeat(64);
        assert_eq!(stored_content_type(&format!("{hash}.png")), Some("image/png"));
        assert_eq!(stored_content_type(&format!("{hash}.webp")), Some("image/webp"));
        for bad in [
            format!("{hash}.txt"),
            format!("{}.png", "A".repeat(64)),
            format!("{}.png", "a".repeat(63)),
            format!("../{hash}.png"),
            format!("{hash}.png.tmp"),
            ".upload-0011223344556677.tmp".to_owned(),
            "..".to_owned(),
            String::new(),
        ] {
            assert_eq!(stored_content_type(&bad), None, "{bad}");
        }
    }
}
