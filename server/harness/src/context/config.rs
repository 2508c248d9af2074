//! A test's settings, as the server's configuration file: its `Config` type, which the harness
//! does not know, changed by key through its TOML form (a key the server does not have is refused
//! by it, so a misspelt one fails loudly).

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::s3;

/// What a server's configuration file holds: every key has a default, and it goes to TOML and
/// back.
pub trait ConfigFile: Serialize + DeserializeOwned + Default {}

impl<T: Serialize + DeserializeOwned + Default> ConfigFile for T {}

/// The configuration tests start from: a small pool, quick timeouts, warnings only.
pub fn test_config<C: ConfigFile>() -> C {
    let mut config = C::default();
    set(&mut config, [("db_pool_size", 4.into()), ("db_timeout_secs", 2.into()), ("log_level", "warning".into())]);
    config
}

/// Points `config` at `bucket` under `prefix`, through `endpoint` (moto's, or a proxy's), with
/// the test keys and a short store timeout.
pub fn use_bucket<C: ConfigFile>(config: &mut C, bucket: &s3::Bucket, prefix: &str, endpoint: &str) {
    set(
        config,
        [
            ("upload_store", bucket.url(prefix).into()),
            ("s3_endpoint", endpoint.into()),
            ("s3_region", s3::REGION.into()),
            ("s3_access_key_id", s3::ACCESS_KEY_ID.into()),
            ("s3_secret_access_key", s3::SECRET_ACCESS_KEY.into()),
            ("upload_store_timeout_secs", 2.into()),
        ],
    );
}

/// Sets `config` for a pooler that lends a PostgreSQL session one transaction at a time.
pub fn through_transaction_pooler<C: ConfigFile>(config: &mut C) {
    set(config, [("db_pooler", "transaction".into())]);
}

/// `config` as the text of its file.
pub(super) fn to_file<C: ConfigFile>(config: &C) -> String {
    toml::to_string(config).expect("the configuration is TOML")
}

/// The value of `key` in `config`'s file, if it has one.
pub(super) fn value<C: ConfigFile>(config: &C, key: &str) -> Option<toml::Value> {
    toml::Table::try_from(config).expect("the configuration is a TOML table").remove(key)
}

/// Sets each key of `config` to its value.
fn set<C: ConfigFile, const N: usize>(config: &mut C, keys: [(&str, toml::Value); N]) {
    let mut table = toml::Table::try_from(&*config).expect("the configuration is a TOML table");
    let names: Vec<&str> = keys.iter().map(|(key, _)| *key).collect();
    table.extend(keys.map(|(key, value)| (key.to_owned(), value)));
    *config = table.try_into().unwrap_or_else(|e| panic!("the configuration refused {names:?}: {e}"));
}
