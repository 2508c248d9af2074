//! Where uploads are kept: the local folder `upload_dir` (the default, for one machine) or an
//! S3-compatible bucket (`upload_store = "s3://BUCKET/PREFIX"`, for any number of instances), as
//! one [`Store`], so that `http/upload.rs` does not care which.
//!
//! Both keep the same promises. A stored object is named by its content (`<sha256>.<ext>`, chosen
//! by the caller) and appears under that name only once complete: locally a temporary file is
//! synced and renamed ([`local`]); in S3 one PUT is atomic, and a multipart upload is visible only
//! once completed, an interrupted one being aborted ([`s3`]). An upload is held in memory at most
//! once: while it arrives it goes into a [`Spool`] (one buffer when small, else a temporary file in
//! `upload_dir`), which the store then reads from; no store call copies it again.
//!
//! This module uses no other module of the crate: `config` builds its [`Settings`].

pub mod local;
pub mod s3;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use tokio::io::AsyncWriteExt as _;

/// Uploads up to this size are gathered in memory; larger ones are written to a temporary file as
/// they arrive, so memory stays bounded whatever `upload_max_bytes` and however slow the client.
/// (Locally, small ones are then stored by one blocking task: each `tokio::fs` call is a hop to
/// the blocking pool and back.)
pub const IN_MEMORY_MAX: usize = 256 * 1024;

/// Why the store could not do what was asked.
#[derive(Debug)]
pub enum StoreError {
    /// The store cannot be reached, did not answer within the timeout, or refused the request
    /// (bad credentials, a missing bucket): the client gets 503 and may try again. The cause is
    /// for the log.
    Unavailable(String),
    /// A local step failed (the step, and the error): the client gets 500.
    Failed(&'static str, std::io::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Unavailable(cause) => write!(f, "the upload store is unavailable: {cause}"),
            StoreError::Failed(step, e) => write!(f, "{step}: {e}"),
        }
    }
}

/// A stored object being read: its size and its bytes, as they come.
pub struct Object {
    pub size: u64,
    pub body: BoxStream<'static, std::io::Result<Bytes>>,
}

impl Object {
    /// The object whose bytes are `body`, once its first chunk has come: a failure to read shows
    /// as the store's error (not a response cut short), and the response's head goes out with
    /// those first bytes (a small file in one write, not a head left waiting on Nagle's delay).
    pub async fn first_chunk_read(
        size: u64,
        mut body: BoxStream<'static, std::io::Result<Bytes>>,
        failure: impl FnOnce(std::io::Error) -> StoreError,
    ) -> Result<Object, StoreError> {
        use futures_util::StreamExt as _;
        let first = match body.next().await {
            Some(Err(e)) => return Err(failure(e)),
            first => first,
        };
        Ok(Object { size, body: futures_util::stream::iter(first).chain(body).boxed() })
    }
}

/// What `upload_store` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The local folder `upload_dir`.
    Local,
    /// A bucket, and the prefix of every key in it (no leading or trailing `/`; may be empty).
    S3 { bucket: String, prefix: String },
}

impl Location {
    /// `""` (the local folder) or `s3://BUCKET[/PREFIX]`.
    pub fn parse(text: &str) -> anyhow::Result<Location> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Location::Local);
        }
        let expected = "expected empty (the local folder upload_dir) or s3://BUCKET/PREFIX";
        let Some(rest) = text.strip_prefix("s3://") else {
            anyhow::bail!("upload_store {text:?}: {expected}");
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's rules for bucket names: 3 to 63 lowercase letters, digits, dots and hyphens,
        // beginning and ending with a letter or digit.
        let edge_ok = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && edge_ok(bucket.bytes().next())
            && edge_ok(bucket.bytes().last());
        anyhow::ensure!(
            bucket_ok,
            "upload_store {text:?}: the bucket name {bucket:?} is not valid (3 to 63 lowercase letters, digits, \
             '.' and '-'; {expected})"
        );
        let prefix = prefix.trim_matches('/');
        // Each segment in the characters S3 keys can carry unescaped: what is stored is exactly
        // what an operator reads in the bucket.
        let segment_ok = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        };
        anyhow::ensure!(
            prefix.is_empty() || prefix.split('/').all(segment_ok),
            "upload_store {text:?}: the prefix {prefix:?} must be path segments of letters, digits, '.', '_' and '-'"
        );
        Ok(Location::S3 { bucket: bucket.to_owned(), prefix: prefix.to_owned() })
    }
}

impl std::str::FromStr for Location {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<Location> {
        Location::parse(text)
    }
}

/// As `upload_store` is written: empty, or `s3://BUCKET/PREFIX`.
impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Local => Ok(()),
            Location::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Location::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// How to reach an S3-compatible store: the settings, else the standard `AWS_*` variables.
#[derive(Clone, Default)]
pub struct S3Settings {
    /// e.g. `http://127.0.0.1:9000`; empty: AWS itself, in `region`.
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
}

// Never the secrets, whoever prints it.
impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Everything needed to open the store.
#[derive(Debug, Clone)]
pub struct Settings {
    pub location: Location,
    /// The local store's folder, and in every case where uploads are spooled while they arrive.
    pub dir: PathBuf,
    /// How long one request to a remote store may take before the client gets 503.
    pub timeout: Duration,
    pub s3: S3Settings,
}

/// The store uploads are kept in.
pub enum Store {
    Local(local::Local),
    S3(s3::S3),
}

impl Store {
    /// Opens the store `settings` name (nothing is sent yet: see [`Store::check`]).
    pub fn open(settings: &Settings) -> anyhow::Result<Store> {
        Ok(match &settings.location {
            Location::Local => Store::Local(local::Local::new(&settings.dir)),
            Location::S3 { bucket, prefix } => {
                Store::S3(s3::S3::open(bucket, prefix, &settings.s3, settings.timeout, &settings.dir)?)
            }
        })
    }

    /// Where uploads go, for messages: the folder, or the bucket and its endpoint (no secret).
    pub fn describe(&self) -> String {
        match self {
            Store::Local(l) => l.describe(),
            Store::S3(s) => s.describe(),
        }
    }

    /// A new, empty spool for an upload about to arrive.
    pub fn spool(&self) -> Spool {
        Spool::new(match self {
            Store::Local(l) => l.dir(),
            Store::S3(s) => s.spool_dir(),
        })
    }

    /// Whether the store can serve: the folder can be made, or the bucket answers a listing with
    /// these credentials within the timeout. `Err` says why, naming the bucket and endpoint.
    pub async fn check(&self) -> Result<(), String> {
        match self {
            Store::Local(l) => l.check().await,
            Store::S3(s) => s.check().await,
        }
    }

    /// Stores what `spool` holds under `name` (of type `content_type`); visible only once whole.
    pub async fn put(&self, name: &str, content_type: &'static str, spool: Spool) -> Result<(), StoreError> {
        match self {
            Store::Local(l) => l.put(name, spool).await,
            Store::S3(s) => s.put(name, content_type, spool).await,
        }
    }

    /// The object stored under `name`, if there is one.
    pub async fn get(&self, name: &str) -> Result<Option<Object>, StoreError> {
        match self {
            Store::Local(l) => l.get(name).await,
            Store::S3(s) => s.get(name).await,
        }
    }

    /// Whether an object is stored under `name` (without reading it).
    pub async fn exists(&self, name: &str) -> Result<bool, StoreError> {
        match self {
            Store::Local(l) => l.exists(name).await,
            Store::S3(s) => s.exists(name).await,
        }
    }
}

/// A temporary file in the spool folder, removed when dropped unless it was renamed.
pub struct TempFile {
    pub path: PathBuf,
    pub kept: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl TempFile {
    /// A new name in `dir`: `.upload-<random>.tmp`, never a served name.
    pub fn in_dir(dir: &Path) -> TempFile {
        let mut random = [0u8; 8];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut random);
        let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        TempFile { path: dir.join(format!(".upload-{hex}.tmp")), kept: false }
    }
}

/// Where an upload's bytes are while it arrives.
pub enum Spooled {
    Memory(Vec<u8>),
    File { file: tokio::fs::File, temp: TempFile },
}

/// An upload arriving: in memory up to [`IN_MEMORY_MAX`], then in a temporary file in `dir`.
pub struct Spool {
    dir: PathBuf,
    size: u64,
    data: Spooled,
}

impl Spool {
    fn new(dir: &Path) -> Spool {
        Spool { dir: dir.to_owned(), size: 0, data: Spooled::Memory(Vec::new()) }
    }

    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends `chunk`, moving what was gathered to a temporary file once it grows past
    /// [`IN_MEMORY_MAX`].
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        let writing = |e| StoreError::Failed("writing a temporary file", e);
        match &mut self.data {
            Spooled::Memory(bytes) if bytes.len() + chunk.len() <= IN_MEMORY_MAX => bytes.extend_from_slice(chunk),
            Spooled::Memory(bytes) => {
                let gathered = std::mem::take(bytes);
                let (mut file, temp) = create_temp(&self.dir).await?;
                for part in [&gathered[..], chunk] {
                    file.write_all(part).await.map_err(writing)?;
                }
                self.data = Spooled::File { file, temp };
            }
            Spooled::File { file, .. } => file.write_all(chunk).await.map_err(writing)?,
        }
        self.size += chunk.len() as u64;
        Ok(())
    }

    pub fn into_parts(self) -> (PathBuf, u64, Spooled) {
        (self.dir, self.size, self.data)
    }
}

/// A new temporary file in `dir` (made if missing), open to write and read back.
pub async fn create_temp(dir: &Path) -> Result<(tokio::fs::File, TempFile), StoreError> {
    tokio::fs::create_dir_all(dir).await.map_err(|e| StoreError::Failed("creating the upload folder", e))?;
    let temp = TempFile::in_dir(dir);
    let file = tokio::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&temp.path)
        .await
        .map_err(|e| StoreError::Failed("creating a temporary file", e))?;
    Ok((file, temp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_store_is_the_local_folder_or_an_s3_bucket_and_prefix() {
        assert_eq!(Location::parse("").unwrap(), Location::Local);
        let s3 = |bucket: &str, prefix: &str| Location::S3 { bucket: bucket.to_owned(), prefix: prefix.to_owned() };
        assert_eq!(Location::parse("s3://my-bucket").unwrap(), s3("my-bucket", ""));
        assert_eq!(Location::parse("s3://my-bucket/").unwrap(), s3("my-bucket", ""));
        assert_eq!(Location::parse("s3://my.bucket/img/2024/").unwrap(), s3("my.bucket", "img/2024"));
        for written in ["", "s3://my-bucket", "s3://my.bucket/img/2024"] {
            assert_eq!(Location::parse(written).unwrap().to_string(), written, "written back as it was");
        }
        for bad in [
            "/srv/uploads",
            "s3://",
            "s3://ab",
            "s3://My-Bucket",
            "s3://-bucket",
            "s3://bucket_x",
            "s3://bucket/a//b",
            "s3://bucket/../x",
            "s3://bucket/a b",
            "gs://bucket",
        ] {
            let e = Location::parse(bad).unwrap_err().to_string();
            assert!(e.contains("upload_store"), "{bad}: {e}");
        }
    }

    #[test]
    fn s3_settings_never_print_the_secrets() {
        let s = S3Settings {
            endpoint: "http://127.0.0.1:9000".into(),
            region: "us-east-1".into(),
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG".into(),
            session_token: "FwoGZXIvYXdzEJr".into(),
        };
        let printed = format!("{s:?}");
        assert!(!printed.contains("wJalr") && !printed.contains("FwoG"), "{printed}");
    }
}
