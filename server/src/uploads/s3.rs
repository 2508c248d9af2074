//! The S3 store: objects `PREFIX/<sha256>.<ext>` in one bucket of any S3-compatible service,
//! through Apache Arrow's `object_store` (its signing, retries and multipart uploads).
//!
//! An upload of at most [`PART_SIZE`] is one PUT, which S3 makes visible whole or not at all. A
//! larger one (spooled to a temporary file while it arrived) is a multipart upload of parts of
//! [`PART_SIZE`] read from that file one at a time, visible only once completed; if a part or the
//! completion fails it is aborted, and a server killed meanwhile leaves at most an incomplete
//! multipart upload (never an object), which a bucket lifecycle rule removes (`docs/deploy.md`).
//!
//! Every request is bounded by `upload_store_timeout_secs` (connecting, each attempt, and the
//! retries together), so an unreachable or hung store answers the client 503 within that bound,
//! and nothing needs restarting when it is back.

use std::path::{Path as FsPath, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::list::{PaginatedListOptions, PaginatedListStore as _};
use object_store::path::Path as Key;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientOptions, ObjectStore as _, ObjectStoreExt as _, PutMultipartOptions,
    PutOptions, PutPayload, RetryConfig,
};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

use super::{Object, S3Settings, Spool, Spooled, StoreError};

/// The size of a multipart upload's parts, and the largest upload sent as one PUT: S3's smallest
/// part (every part but the last must have at least 5 MiB), so that at most this much of an
/// upload is in memory at a time.
pub const PART_SIZE: usize = 5 * 1024 * 1024;

pub struct S3 {
    store: AmazonS3,
    bucket: String,
    /// Empty, or the keys' prefix without a trailing `/`.
    prefix: String,
    endpoint: String,
    timeout: Duration,
    spool_dir: PathBuf,
}

impl S3 {
    pub fn open(
        bucket: &str,
        prefix: &str,
        settings: &S3Settings,
        timeout: Duration,
        spool_dir: &FsPath,
    ) -> anyhow::Result<S3> {
        let described = describe(bucket, prefix, &settings.endpoint);
        // Static keys only: without them object_store would ask the cloud's instance metadata
        // service, a host this server should not reach by surprise.
        anyhow::ensure!(
            !settings.access_key_id.is_empty() && !settings.secret_access_key.is_empty(),
            "{described}: no credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or s3_access_key_id and \
             s3_secret_access_key)"
        );
        let endpoint = settings.endpoint.trim_end_matches('/');
        anyhow::ensure!(
            endpoint.is_empty() || endpoint.starts_with("http://") || endpoint.starts_with("https://"),
            "s3_endpoint {endpoint:?}: expected http://HOST[:PORT] or https://HOST[:PORT]"
        );
        let region = if settings.region.is_empty() { "us-east-1" } else { &settings.region };
        let client = ClientOptions::new()
            // A plain-HTTP endpoint is an S3 server on the same host or network, said on purpose.
            .with_allow_http(endpoint.starts_with("http://"))
            .with_connect_timeout(timeout)
            .with_timeout(timeout);
        // A few quick retries of what failed on the way (a reset connection, a 5xx), all within
        // the one timeout: the client's wait is bounded by it, not by object_store's 3 minutes.
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(50),
                max_backoff: Duration::from_millis(500),
                base: 2.0,
            },
            max_retries: 3,
            retry_timeout: timeout,
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key)
            .with_client_options(client)
            .with_retry(retry);
        if !endpoint.is_empty() {
            // Path-style requests (`ENDPOINT/BUCKET/KEY`, object_store's default with an
            // endpoint): what S3-compatible servers all take.
            builder = builder.with_endpoint(endpoint);
        }
        if !settings.session_token.is_empty() {
            builder = builder.with_token(&settings.session_token);
        }
        let store = builder.build().map_err(|e| anyhow::anyhow!("{described}: {e}"))?;
        Ok(S3 {
            store,
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            endpoint: endpoint.to_owned(),
            timeout,
            spool_dir: spool_dir.to_owned(),
        })
    }

    pub fn describe(&self) -> String {
        describe(&self.bucket, &self.prefix, &self.endpoint)
    }

    pub fn spool_dir(&self) -> &FsPath {
        &self.spool_dir
    }

    fn key(&self, name: &str) -> Key {
        match self.prefix.as_str() {
            "" => Key::from(name),
            prefix => Key::from(format!("{prefix}/{name}")),
        }
    }

    /// One request, within the timeout; its failure as the client sees it (503), with the cause
    /// (never a secret: object_store's errors name the request, not its signature).
    async fn bounded<T>(
        &self,
        what: &str,
        request: impl std::future::Future<Output = object_store::Result<T>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout, request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.unavailable(what, Some(e))),
            Err(_) => Err(self.unavailable(what, None)),
        }
    }

    /// `what` failed for a reason of the stream's.
    fn unavailable_because(&self, what: &str, cause: &str) -> StoreError {
        StoreError::Unavailable(format!("{what} in {}: {}", self.describe(), short(cause)))
    }

    /// `what` failed with `error`, or had no answer within the timeout.
    fn unavailable(&self, what: &str, error: Option<object_store::Error>) -> StoreError {
        StoreError::Unavailable(match error {
            Some(e) => format!("{what} in {}: {}", self.describe(), short(&e.to_string())),
            None => format!("{what} in {}: no answer within {} ms", self.describe(), self.timeout.as_millis()),
        })
    }

    /// A listing of at most one key under the prefix: it needs the bucket to exist, the
    /// credentials to be accepted and `s3:ListBucket`, and costs the store next to nothing.
    pub async fn check(&self) -> Result<(), String> {
        let described = self.describe();
        self.readiness().await.map_err(|why| match why {
            Unready::Missing => format!("{described}: the bucket {:?} does not exist", self.bucket),
            Unready::Refused(cause) => {
                format!("{described}: the credentials were refused or may not list the bucket ({cause})")
            }
            Unready::Unreachable(cause) => format!("{described}: unreachable ({cause})"),
        })
    }

    /// [`S3::check`]'s listing, and why it failed.
    async fn readiness(&self) -> Result<(), Unready> {
        let options = PaginatedListOptions { max_keys: Some(1), ..Default::default() };
        let prefix = (!self.prefix.is_empty()).then(|| format!("{}/", self.prefix));
        match tokio::time::timeout(self.timeout, self.store.list_paginated(prefix.as_deref(), options)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(Unready::of(&e)),
            Err(_) => Err(Unready::Unreachable(format!("no answer within {} ms", self.timeout.as_millis()))),
        }
    }

    pub async fn put(&self, name: &str, content_type: &'static str, spool: Spool) -> Result<(), StoreError> {
        let key = self.key(name);
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type.into());
        let (_, size, data) = spool.into_parts();
        let mut file = match data {
            Spooled::Memory(bytes) => return self.put_once(&key, Bytes::from(bytes), attributes).await,
            Spooled::File { file, temp } => (file, temp),
        };
        file.0.rewind().await.map_err(|e| StoreError::Failed("reading a temporary file", e))?;
        if size <= PART_SIZE as u64 {
            let bytes = read_part(&mut file.0, size as usize).await?;
            return self.put_once(&key, bytes, attributes).await;
        }
        let options = PutMultipartOptions { attributes, ..Default::default() };
        let mut upload =
            self.bounded("starting a multipart upload", self.store.put_multipart_opts(&key, options)).await?;
        let mut sent = 0u64;
        let outcome: Result<(), StoreError> = async {
            while sent < size {
                let len = (size - sent).min(PART_SIZE as u64) as usize;
                let part = read_part(&mut file.0, len).await?;
                self.bounded("uploading a part", upload.put_part(PutPayload::from(part))).await?;
                sent += len as u64;
            }
            self.bounded("completing a multipart upload", upload.complete()).await.map(drop)
        }
        .await;
        if outcome.is_err() {
            // Not completed, so not visible; aborting frees the parts (if the store is away, the
            // bucket's lifecycle rule does it later).
            let _ = self.bounded("aborting a multipart upload", upload.abort()).await;
        }
        outcome
    }

    async fn put_once(&self, key: &Key, bytes: Bytes, attributes: Attributes) -> Result<(), StoreError> {
        let options = PutOptions { attributes, ..Default::default() };
        self.bounded("storing an upload", self.store.put_opts(key, PutPayload::from(bytes), options)).await.map(drop)
    }

    pub async fn get(&self, name: &str) -> Result<Option<super::Object>, StoreError> {
        let what = "reading an upload";
        let result = match tokio::time::timeout(self.timeout, self.store.get(&self.key(name))).await {
            Ok(Ok(result)) => result,
            Ok(Err(object_store::Error::NotFound { .. })) => return Ok(None),
            Ok(Err(e)) => return Err(self.unavailable(what, Some(e))),
            Err(_) => return Err(self.unavailable(what, None)),
        };
        let size = result.meta.size;
        // A store that stops sending half-way ends the response (the client sees it cut short,
        // never a different file): each chunk must come within the timeout.
        let timeout = self.timeout;
        let body = result.into_stream().map_err(std::io::Error::other);
        let body = futures_util::stream::unfold(Some(body), move |body| async move {
            let mut body = body?;
            match tokio::time::timeout(timeout, body.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(body))),
                Ok(None) => None,
                Err(_) => Some((Err(std::io::Error::other("the upload store stopped sending")), None)),
            }
        });
        let failure = |e: std::io::Error| self.unavailable_because(what, &e.to_string());
        Object::first_chunk_read(size, body.boxed(), failure).await.map(Some)
    }

    pub async fn exists(&self, name: &str) -> Result<bool, StoreError> {
        let what = "looking an upload up";
        match tokio::time::timeout(self.timeout, self.store.head(&self.key(name))).await {
            Ok(Ok(_)) => Ok(true),
            Ok(Err(object_store::Error::NotFound { .. })) => Ok(false),
            Ok(Err(e)) => Err(self.unavailable(what, Some(e))),
            Err(_) => Err(self.unavailable(what, None)),
        }
    }
}

/// Why the store cannot serve, from a failed listing.
#[derive(Debug)]
enum Unready {
    /// The bucket does not exist.
    Missing,
    /// The store refused the credentials, or does not let them list the bucket.
    Refused(String),
    /// No answer, or one that says neither: the store, or the way to it, is down.
    Unreachable(String),
}

/// S3's error codes for credentials it refuses or that may not do what was asked.
const REFUSED: [&str; 6] = [
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
];

impl Unready {
    /// Sorted by object_store's error variant, or as a failure on the way to the store (its
    /// transport error), or else by the error code S3 answered with.
    ///
    /// object_store 0.14 reports a listing the store refused as `Error::Generic` (`ListRequest`
    /// in its `aws/client.rs`), never `NotFound` or `PermissionDenied`: those come from
    /// `RetryError::error`, which listings do not go through. The answer's status and body are
    /// kept in that `RetryError` (`status()`, `body()` in its `client/retry.rs`), whose module
    /// `object_store::client::retry` is crate-private (`client/mod.rs`): it cannot be named to
    /// downcast to, and the crate's own classifier of it (`classify_http_failure` in `retry.rs`)
    /// is private. So the code S3 answered with (`<Code>` of its XML error body: S3's API, not
    /// object_store's wording) is read from the error's text, the one fallback.
    fn of(e: &object_store::Error) -> Unready {
        let text = e.to_string();
        if transport_failure(e) {
            return Unready::Unreachable(short(&text));
        }
        let code = element(&text, "Code").unwrap_or_default();
        match e {
            object_store::Error::NotFound { .. } => Unready::Missing,
            object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
                Unready::Refused(short(&text))
            }
            _ if code == "NoSuchBucket" => Unready::Missing,
            _ if REFUSED.contains(&code.as_str()) => Unready::Refused(short(&text)),
            _ => Unready::Unreachable(short(&text)),
        }
    }
}

/// Whether `e` failed on the way to the store (connecting, sending, a timeout), before any
/// answer: object_store's `HttpError`, somewhere in its chain of causes.
fn transport_failure(e: &object_store::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<object_store::client::HttpError>().is_some() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// `len` bytes of the spooled file, from where it was left: one part, in one buffer.
async fn read_part(file: &mut tokio::fs::File, len: usize) -> Result<Bytes, StoreError> {
    let mut buf = vec![0u8; len];
    file.read_exact(&mut buf).await.map_err(|e| StoreError::Failed("reading a temporary file", e))?;
    Ok(Bytes::from(buf))
}

/// `s3://BUCKET/PREFIX at ENDPOINT`, for messages.
fn describe(bucket: &str, prefix: &str, endpoint: &str) -> String {
    let endpoint = if endpoint.is_empty() { "AWS" } else { endpoint };
    match prefix {
        "" => format!("s3://{bucket} at {endpoint}"),
        prefix => format!("s3://{bucket}/{prefix} at {endpoint}"),
    }
}

/// The text of the first `<name>…</name>` in an S3 error body.
fn element(text: &str, name: &str) -> Option<String> {
    let (_, rest) = text.split_once(&format!("<{name}>"))?;
    Some(rest.split_once(&format!("</{name}>"))?.0.trim().to_owned())
}

/// An error in one line of at most 300 characters: S3's error bodies are XML documents, of which
/// the code and message say it all.
fn short(text: &str) -> String {
    let head = text.split("<?xml").next().unwrap_or_default().trim_end().trim_end_matches(':');
    let line = match (element(text, "Code"), element(text, "Message")) {
        (Some(code), Some(message)) => format!("{head}: {code}: {message}"),
        (Some(code), None) => format!("{head}: {code}"),
        _ => head.lines().next().unwrap_or_default().to_owned(),
    };
    line.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    //! Each reason a store is not ready, from a real S3 server (moto, `server_harness::s3`);
    //! without moto they say so and pass, except under CI.

    use std::sync::Arc;

    use server_harness::s3::{self as moto, Bucket, Moto, Proxy};

    use super::*;

    /// The store of `bucket` at `endpoint`, with the keys moto's tests use.
    fn store(bucket: &str, endpoint: &str) -> S3 {
        let settings = S3Settings {
            endpoint: endpoint.to_owned(),
            region: moto::REGION.to_owned(),
            access_key_id: moto::ACCESS_KEY_ID.to_owned(),
            secret_access_key: moto::SECRET_ACCESS_KEY.to_owned(),
            session_token: String::new(),
        };
        S3::open(bucket, "p", &settings, Duration::from_secs(2), &std::env::temp_dir()).unwrap()
    }

    /// A fresh bucket in the moto server the process's tests share; `None` without moto.
    async fn shared_bucket() -> Option<Bucket> {
        if !moto::available() {
            return None;
        }
        Some(tokio::task::spawn_blocking(moto::test_bucket).await.unwrap())
    }

    #[tokio::test]
    async fn a_bucket_that_does_not_exist_is_missing() {
        let Some(bucket) = shared_bucket().await else { return };
        let endpoint = bucket.moto().endpoint();
        assert!(store(&bucket.name, &endpoint).readiness().await.is_ok());
        let missing = store(&format!("{}-not-made", bucket.name), &endpoint).readiness().await;
        assert!(matches!(missing, Err(Unready::Missing)), "{missing:?}");
    }

    #[tokio::test]
    async fn keys_the_store_refuses_are_refused() {
        if !moto::available() {
            return;
        }
        // A server of its own: from now on it refuses every key, as S3 refuses unknown ones.
        let bucket = tokio::task::spawn_blocking(|| {
            let moto = Arc::new(Moto::start().unwrap_or_else(|e| panic!("{e:#}")));
            let bucket = Bucket::create(moto.clone()).unwrap();
            moto.require_credentials().unwrap();
            bucket
        })
        .await
        .unwrap();
        let refused = store(&bucket.name, &bucket.moto().endpoint()).readiness().await;
        assert!(matches!(refused, Err(Unready::Refused(_))), "{refused:?}");
    }

    #[tokio::test]
    async fn a_store_that_closes_or_refuses_connections_is_unreachable() {
        let Some(bucket) = shared_bucket().await else { return };
        let proxy = Proxy::start(bucket.moto().addr()).unwrap();
        let through = store(&bucket.name, &proxy.endpoint());
        assert!(through.readiness().await.is_ok());
        proxy.down();
        let closed = through.readiness().await;
        assert!(matches!(closed, Err(Unready::Unreachable(_))), "{closed:?}");
        // A port nothing listens on (the proxy's, once it is gone).
        let endpoint = proxy.endpoint();
        drop(proxy);
        let refused = store(&bucket.name, &endpoint).readiness().await;
        assert!(matches!(refused, Err(Unready::Unreachable(_))), "{refused:?}");
    }
}
