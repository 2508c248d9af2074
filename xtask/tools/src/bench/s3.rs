//! The `postgres+s3` rows: upload and fetch through a server whose uploads are in a bucket of moto
//! on loopback (`server_harness::s3`), and their L_work — what the store alone does with the
//! server's own library (object_store): bare puts of the bench image (upload) or gets of it
//! (fetch), from as many tasks as wrk has connections.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use object_store::{ObjectStoreExt as _, PutPayload};
use server_harness::s3::{self, Bucket, Moto};
use server_harness::Launch;

use super::scripts;

/// The key prefix of the server's uploads, and of the bare loop's object.
const PREFIX: &str = "bench";

/// moto, running, and the bench's bucket in it.
pub struct Store {
    bucket: Bucket,
}

impl Store {
    /// moto on a free loopback port with a new bucket; `None` when moto is not installed.
    pub fn start() -> Result<Option<Store>> {
        if s3::binary().is_none() {
            return Ok(None);
        }
        let moto = Arc::new(Moto::start()?);
        Ok(Some(Store { bucket: Bucket::create(moto)? }))
    }

    /// `launch` with its uploads in the bucket.
    pub fn configure(&self, launch: Launch) -> Launch {
        self.bucket.configure(launch, PREFIX, &self.bucket.moto().endpoint())
    }

    /// L_work of `endpoint` ("upload": puts, "fetch": gets of the stored image) at `clients`
    /// tasks for `secs` seconds, per second.
    pub fn limit(&self, secs: u32, endpoint: &str, png: &[u8], clients: u32) -> Result<f64> {
        let store = AmazonS3Builder::new()
            .with_bucket_name(&self.bucket.name)
            .with_endpoint(self.bucket.moto().endpoint())
            .with_allow_http(true)
            .with_region(s3::REGION)
            .with_access_key_id(s3::ACCESS_KEY_ID)
            .with_secret_access_key(s3::SECRET_ACCESS_KEY)
            .build()?;
        let store = Arc::new(store);
        let key = Key::from(format!("{PREFIX}/{}", scripts::stored_name(png)));
        let put = endpoint == "upload";
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        runtime.block_on(async {
            let started = Instant::now();
            let deadline = started + Duration::from_secs(u64::from(secs));
            let tasks: Vec<_> = (0..clients)
                .map(|_| {
                    let (store, key, png) = (store.clone(), key.clone(), png.to_vec());
                    tokio::spawn(async move {
                        let mut done = 0u64;
                        while Instant::now() < deadline {
                            if put {
                                store.put(&key, PutPayload::from(png.clone())).await?;
                            } else {
                                store.get(&key).await?.bytes().await?;
                            }
                            done += 1;
                        }
                        Ok::<u64, object_store::Error>(done)
                    })
                })
                .collect();
            let mut done = 0;
            for task in tasks {
                done += task.await.context("an L_work task")?.context("the store alone")?;
            }
            Ok(done as f64 / started.elapsed().as_secs_f64())
        })
    }
}
