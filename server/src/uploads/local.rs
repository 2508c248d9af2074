//! The local store: one folder, `upload_dir`, for one machine (or a file system every instance
//! mounts). An upload is written to a temporary file `.upload-<random>.tmp` in that folder,
//! synced, then renamed to its name: a crash leaves at most a temporary file, never a half file
//! under a served name.

use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncReadExt as _;

use super::{Object, Spool, Spooled, StoreError, TempFile};

/// How much of a file one read of `get` hands on.
const READ_CHUNK: usize = 64 * 1024;

pub struct Local {
    dir: PathBuf,
}

impl Local {
    pub fn new(dir: &Path) -> Local {
        Local { dir: dir.to_owned() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn describe(&self) -> String {
        format!("the folder {}", self.dir.display())
    }

    pub async fn check(&self) -> Result<(), String> {
        tokio::fs::create_dir_all(&self.dir).await.map_err(|e| format!("{}: {e}", self.describe()))
    }

    pub async fn put(&self, name: &str, spool: Spool) -> Result<(), StoreError> {
        let target = self.dir.join(name);
        match spool.into_parts().2 {
            Spooled::Memory(bytes) => {
                let dir = self.dir.clone();
                tokio::task::spawn_blocking(move || store_bytes(&dir, &bytes, &target))
                    .await
                    .map_err(|e| StoreError::Failed("storing an upload", std::io::Error::other(e)))?
                    .map_err(|(step, e)| StoreError::Failed(step, e))
            }
            Spooled::File { file, mut temp } => {
                file.sync_all().await.map_err(|e| StoreError::Failed("syncing a temporary file", e))?;
                drop(file);
                tokio::fs::rename(&temp.path, &target)
                    .await
                    .map_err(|e| StoreError::Failed("renaming a temporary file", e))?;
                temp.kept = true;
                Ok(())
            }
        }
    }

    pub async fn get(&self, name: &str) -> Result<Option<Object>, StoreError> {
        let file = match tokio::fs::File::open(self.dir.join(name)).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::Failed("opening an upload", e)),
        };
        let size = file.metadata().await.map_err(|e| StoreError::Failed("reading an upload's size", e))?.len();
        // Read as it is sent, a chunk at a time: a file is never held whole.
        let body = futures_util::stream::try_unfold(file, |mut file| async move {
            let mut buf = BytesMut::with_capacity(READ_CHUNK);
            match file.read_buf(&mut buf).await? {
                0 => Ok(None),
                _ => Ok(Some((Bytes::from(buf), file))),
            }
        });
        Object::first_chunk_read(size, Box::pin(body), |e| StoreError::Failed("reading an upload", e)).await.map(Some)
    }

    pub async fn exists(&self, name: &str) -> Result<bool, StoreError> {
        match tokio::fs::metadata(self.dir.join(name)).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError::Failed("looking an upload up", e)),
        }
    }
}

/// The blocking half of a small upload: the same steps as the streaming path (temporary file,
/// fsync, rename), in one trip to the blocking pool. Errors name the step that failed.
fn store_bytes(dir: &Path, bytes: &[u8], target: &Path) -> Result<(), (&'static str, std::io::Error)> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir).map_err(|e| ("creating the upload folder", e))?;
    let mut temp = TempFile::in_dir(dir);
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
