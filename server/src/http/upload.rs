//! `post_upload` and the serving of stored uploads (`get_upload`, outside the doc).
//!
//! An upload is the multipart field `file`, at most `upload_max_bytes` (→ 413). Its type is
//! sniffed from its first bytes — PNG, JPEG, GIF or WebP, else 415; the client's file name and
//! content type are ignored. It goes into a temporary file in the upload folder (gathered in
//! memory first when small, streamed when large) while its SHA-256 is computed, is synced, then
//! renamed to `<sha256 hex>.<extension>`: a crash leaves at most a
//! temporary file, never a half file under a served name, and the same image uploaded twice is
//! stored once. Temporary names never match the served-name pattern.
//!
//! Refusals answer at once with `Connection: close` (see `backend_api::UploadReply`) while a
//! background task keeps reading and discarding what the client still sends, up to
//! [`DRAIN_MAX_BYTES`] or [`DRAIN_MAX_TIME`]: closing a socket with unread data makes the kernel
//! send a reset, which can destroy the 413 before the client reads it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use backend_api::{ApiError, ErrorCode, UploadBody, UploadPath, UploadReply, UploadResponse};
use futures_util::StreamExt as _;
use http_body_util::{BodyDataStream, BodyExt as _};
use sha2::Digest as _;
use tokio::io::AsyncWriteExt as _;

use super::{authenticate, db_failure, Ctx};
use crate::auth::hex;
use crate::db::db;
use crate::db::rows::NewOp;

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

pub async fn post_upload(rqctx: Ctx, body: UploadBody) -> UploadReply {
    let mut stream = body.body.into_data_stream();
    let result = upload(&rqctx, body.content_type.as_deref(), &mut stream).await;
    if result.is_err() {
        // The client may still be sending: read the rest in the background so that it receives
        // the refusal (sent now, with Connection: close) instead of a reset.
        tokio::spawn(drain(stream));
    }
    backend_api::Reply(result.map(dropshot::HttpResponseOk).map_err(ApiError::closing))
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

async fn upload(rqctx: &Ctx, content_type: Option<&str>, stream: &mut Stream) -> Result<UploadResponse, ApiError> {
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
    let dir = PathBuf::from(&config.upload_dir);
    let mut stored = None;
    while let Some(mut field) = multipart.next_field().await.map_err(|e| multipart_error(limit, e))? {
        if field.name() == Some("file") && stored.is_none() {
            let client_name = field.file_name().unwrap_or_default().to_owned();
            let (name, size) = store(&dir, &mut field, limit, &rqctx.log).await?;
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
    let full_uri = format!("{}{uri}", config.public_url.trim_end_matches('/'));
    Ok(UploadResponse { code: 0, msg: "ok".to_owned(), error: String::new(), uri, full_uri })
}

/// A temporary file in the upload folder, removed when dropped unless it was renamed.
struct TempFile {
    path: PathBuf,
    kept: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn io_failure(log: &slog::Logger, what: &str, e: std::io::Error) -> ApiError {
    slog::error!(log, "upload storage failed"; "step" => what, "cause" => %e);
    ApiError::internal()
}

/// Uploads up to this size are gathered in memory and stored by one blocking task (create,
/// write, fsync, rename): each `tokio::fs` call is a hop to the blocking pool and back, five per
/// upload when streaming. Larger ones are streamed into the temporary file as they arrive, so
/// memory stays bounded whatever `upload_max_bytes` is.
const IN_MEMORY_MAX: usize = 256 * 1024;

/// Where the bytes received so far are.
enum Spool {
    Memory(Vec<u8>),
    File { file: tokio::fs::File, temp: TempFile },
}

/// Receives the field, checking its size and type as it goes, and stores it under its
/// content-addressed name; returns the name and the size.
async fn store(
    dir: &Path,
    field: &mut multer::Field<'_>,
    limit: u64,
    log: &slog::Logger,
) -> Result<(String, u64), ApiError> {
    let mut hasher = sha2::Sha256::new();
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut format = None;
    let mut size = 0u64;
    let mut spool = Spool::Memory(Vec::new());
    let unsupported = || {
        ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "file: not a supported image (PNG, JPEG, GIF or WebP, recognised by its content)",
        )
    };
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(limit, e))? {
        size += chunk.len() as u64;
        if size > limit {
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
        spool = match spool {
            Spool::Memory(mut bytes) if bytes.len() + chunk.len() <= IN_MEMORY_MAX => {
                bytes.extend_from_slice(&chunk);
                Spool::Memory(bytes)
            }
            Spool::Memory(bytes) => {
                let (mut file, temp) = create_temp(dir, log).await?;
                for part in [&bytes[..], &chunk[..]] {
                    file.write_all(part).await.map_err(|e| io_failure(log, "writing a temporary file", e))?;
                }
                Spool::File { file, temp }
            }
            Spool::File { mut file, temp } => {
                file.write_all(&chunk).await.map_err(|e| io_failure(log, "writing a temporary file", e))?;
                Spool::File { file, temp }
            }
        };
    }
    if size == 0 {
        return Err(ApiError::invalid_request("file: empty"));
    }
    let (ext, _) = match format {
        Some(f) => f,
        None => sniff(&head).ok_or_else(unsupported)?,
    };
    let name = format!("{}.{ext}", hex(&hasher.finalize()));
    let target = dir.join(&name);
    match spool {
        Spool::Memory(bytes) => {
            let dir = dir.to_owned();
            tokio::task::spawn_blocking(move || store_bytes(&dir, &bytes, &target))
                .await
                .map_err(|e| io_failure(log, "storing an upload", std::io::Error::other(e)))?
                .map_err(|(step, e)| io_failure(log, step, e))?;
        }
        Spool::File { file, mut temp } => {
            file.sync_all().await.map_err(|e| io_failure(log, "syncing a temporary file", e))?;
            drop(file);
            tokio::fs::rename(&temp.path, &target)
                .await
                .map_err(|e| io_failure(log, "renaming a temporary file", e))?;
            temp.kept = true;
        }
    }
    Ok((name, size))
}

/// A new temporary file in the upload folder (made if missing); it never has a served name.
fn temp_path(dir: &Path) -> PathBuf {
    let mut random = [0u8; 8];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut random);
    dir.join(format!(".upload-{}.tmp", hex(&random)))
}

async fn create_temp(dir: &Path, log: &slog::Logger) -> Result<(tokio::fs::File, TempFile), ApiError> {
    tokio::fs::create_dir_all(dir).await.map_err(|e| io_failure(log, "creating the upload folder", e))?;
    let temp = TempFile { path: temp_path(dir), kept: false };
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp.path)
        .await
        .map_err(|e| io_failure(log, "creating a temporary file", e))?;
    Ok((file, temp))
}

/// The blocking half of a small upload: the same steps as the streaming path (temporary file,
/// fsync, rename), in one trip to the blocking pool. Errors name the step that failed.
fn store_bytes(dir: &Path, bytes: &[u8], target: &Path) -> Result<(), (&'static str, std::io::Error)> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir).map_err(|e| ("creating the upload folder", e))?;
    let mut temp = TempFile { path: temp_path(dir), kept: false };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp.path)
        .map_err(|e| ("creating a temporary file", e))?;
    file.write_all(bytes).map_err(|e| ("writing a temporary file", e))?;
    file.sync_all().map_err(|e| ("syncing a temporary file", e))?;
    drop(file);
    std::fs::rename(&temp.path, target).map_err(|e| ("renaming a temporary file", e))?;
    temp.kept = true;
    Ok(())
}

pub async fn get_upload(rqctx: Ctx, path: UploadPath) -> Result<http::Response<dropshot::Body>, ApiError> {
    let not_found = || ApiError::new(ErrorCode::NotFound, "no such upload");
    let content_type = stored_content_type(&path.name).ok_or_else(not_found)?;
    let file = Path::new(&rqctx.context().config.upload_dir).join(&path.name);
    let bytes = match tokio::fs::read(&file).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_found()),
        Err(e) => return Err(io_failure(&rqctx.log, "reading an upload", e)),
    };
    http::Response::builder()
        .status(http::StatusCode::OK)
        .header(http::header::CONTENT_TYPE, content_type)
        .header(http::header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        // The name is the content's hash: what it names never changes.
        .header(http::header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .body(bytes.into())
        .map_err(|e| {
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
