//! Configuration: one struct, one TOML key and one `BACKEND_…` environment variable per field.
//!
//! Precedence: command-line flags > environment > config file > defaults. The environment name
//! of a key is `BACKEND_` + the key in upper case (`session_idle_secs` → `BACKEND_SESSION_IDLE_SECS`).
//! `config.example.toml` beside `Cargo.toml` lists every key with its default.
//!
//! A setting written as text but used as something else (an address, a URL, a list of networks,
//! the upload store…) is parsed as it is read ([`parse`]): its field holds the parsed value.

pub mod parse;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::clients::Network;
use crate::db::postgres::tls::SslMode;
use crate::db::postgres::Pooler;
use crate::db::DatabaseUrl;
use crate::uploads::Location;
use parse::serde_text;

/// Every setting of the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`.
    #[serde(deserialize_with = "serde_text::database", serialize_with = "serde_text::display")]
    pub database: DatabaseUrl,
    /// Address the HTTP server listens on.
    #[serde(deserialize_with = "serde_text::bind", serialize_with = "serde_text::display")]
    pub bind: SocketAddr,
    /// Folder of uploaded files (the local store); with S3, where uploads wait while they arrive.
    pub upload_dir: String,
    /// Where uploads are kept: empty for the local folder `upload_dir`, or `s3://BUCKET/PREFIX`.
    #[serde(deserialize_with = "serde_text::upload_store", serialize_with = "serde_text::display")]
    pub upload_store: Location,
    /// How long one request to the upload store may take before the client gets 503.
    pub upload_store_timeout_secs: u64,
    /// S3: the endpoint, e.g. `http://127.0.0.1:9000`; empty: `AWS_ENDPOINT_URL_S3`, else
    /// `AWS_ENDPOINT_URL`, else AWS itself.
    pub s3_endpoint: String,
    /// S3: the region; empty: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`.
    pub s3_region: String,
    /// S3: the access key id; empty: `AWS_ACCESS_KEY_ID`.
    pub s3_access_key_id: String,
    /// S3: the secret access key; empty: `AWS_SECRET_ACCESS_KEY`.
    pub s3_secret_access_key: Secret,
    /// S3: a session token for temporary credentials; empty: `AWS_SESSION_TOKEN`.
    pub s3_session_token: Secret,
    /// Largest accepted upload (the file), in bytes.
    pub upload_max_bytes: u64,
    /// URL path prefix of stored uploads: an upload's `uri` is this + its name.
    pub upload_url_prefix: String,
    /// Base URL clients reach the server at; `https://…` makes the session cookie `Secure`.
    #[serde(deserialize_with = "serde_text::public_url", serialize_with = "serde_text::display")]
    pub public_url: PublicUrl,
    /// `terminal` (human-readable) or `json` (bunyan).
    pub log_format: LogFormat,
    /// trace, debug, info, warn, error or critical.
    #[serde(deserialize_with = "serde_text::log_level", serialize_with = "serde_text::level")]
    pub log_level: slog::Level,
    /// Largest accepted request body, in bytes.
    pub request_body_max_bytes: u64,
    /// Name of the session cookie.
    pub cookie_name: String,
    /// A session unused for this long expires (sliding).
    pub session_idle_secs: u64,
    /// A session expires this long after login, used or not.
    pub session_lifetime_secs: u64,
    /// Live sessions per user; a login beyond it revokes the oldest.
    pub sessions_per_user: u64,
    /// A session's "last seen" time is written at most this often.
    pub last_seen_interval_secs: u64,
    /// Failed logins of one name allowed within the window before logins are refused.
    pub login_max_failures: u64,
    /// The window, counted from the first failed login.
    pub login_window_secs: u64,
    /// Password checks (argon2) that run at once; 0: half the cores, at least one.
    pub password_checks: u32,
    /// Logins that may wait for a password check; one more is refused at once (429).
    pub password_check_queue: u32,
    /// Logins one client address may attempt per minute (a token bucket); 0: no limit.
    pub login_rate_per_minute: u32,
    /// The bucket's size: attempts a client may make at once before the rate applies.
    pub login_burst: u32,
    /// Proxies trusted to name the client in `X-Forwarded-For`: addresses or CIDR blocks
    /// (`10.0.0.0/8`). From any other peer the header is ignored.
    #[serde(deserialize_with = "serde_text::trusted_proxies", serialize_with = "serde_text::each")]
    pub trusted_proxies: Vec<Network>,
    /// Connections in the pool.
    pub db_pool_size: u32,
    /// PostgreSQL: connections, besides the pool, that many requests' reads share at once.
    pub db_read_connections: u32,
    /// How long a request waits for a database connection before answering 503.
    pub db_timeout_secs: u64,
    /// SQLite: how long a statement waits for another connection's lock.
    pub sqlite_busy_timeout_ms: u64,
    /// PostgreSQL: libpq's `sslmode` — disable, prefer, require, verify-ca or verify-full. An
    /// `sslmode` in the database URL beats it.
    #[serde(deserialize_with = "serde_text::db_sslmode", serialize_with = "serde_text::sslmode")]
    pub db_sslmode: SslMode,
    /// PostgreSQL: the PEM file of the CA certificates `verify-ca` and `verify-full` trust (also
    /// makes `require` check the chain). An `sslrootcert` in the database URL beats it.
    pub db_sslrootcert: String,
    /// PostgreSQL: what stands between the server and the database — `none`, or `transaction`
    /// for a pooler that lends a session one transaction at a time (PgBouncer's
    /// `pool_mode = transaction`): then nothing the server leaves on a session outlives its
    /// transaction.
    #[serde(deserialize_with = "serde_text::db_pooler", serialize_with = "serde_text::display")]
    pub db_pooler: Pooler,
    /// Where to serve Prometheus metrics (`GET /metrics`), e.g. `127.0.0.1:9100`; empty: none. An
    /// address of its own, so that metrics are never public by accident.
    #[serde(deserialize_with = "serde_text::metrics_bind", serialize_with = "serde_text::optional")]
    pub metrics_bind: Option<SocketAddr>,
    /// Apply pending migrations when a command opens the database. Off: a schema behind this
    /// binary stops it, and `server migrate` (run by a role that may alter tables) applies them.
    pub migrate_on_start: bool,
}

/// A setting that is a secret: read and used like a string, never printed (`{:?}` shows `***`).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

/// `public_url`, read: the base URL clients reach the server at, and whether it is https.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    text: String,
    secure: bool,
}

impl PublicUrl {
    /// The URL without a trailing `/`, for a path to follow.
    pub fn base(&self) -> &str {
        self.text.trim_end_matches('/')
    }

    /// `https://…`: the session cookie is `Secure`.
    pub fn is_https(&self) -> bool {
        self.secure
    }
}

impl std::str::FromStr for PublicUrl {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<PublicUrl> {
        parse::public_url(text)
    }
}

/// As written.
impl std::fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Terminal,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database: parse::database("sqlite://data/backend.db").expect("the default database URL"),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            upload_dir: "data/uploads".to_owned(),
            upload_store: Location::Local,
            upload_store_timeout_secs: 5,
            s3_endpoint: String::new(),
            s3_region: String::new(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: Secret::default(),
            s3_session_token: Secret::default(),
            upload_max_bytes: 10 * 1024 * 1024,
            upload_url_prefix: "/uploads/".to_owned(),
            public_url: parse::public_url("http://127.0.0.1:8080").expect("the default public URL"),
            log_format: LogFormat::Terminal,
            log_level: slog::Level::Info,
            request_body_max_bytes: 64 * 1024,
            cookie_name: backend_api::SESSION_COOKIE.to_owned(),
            session_idle_secs: 900,
            session_lifetime_secs: 7 * 24 * 3600,
            sessions_per_user: 10,
            last_seen_interval_secs: 60,
            login_max_failures: 5,
            login_window_secs: 15 * 60,
            password_checks: 0,
            password_check_queue: 32,
            login_rate_per_minute: 30,
            login_burst: 10,
            trusted_proxies: Vec::new(),
            db_pool_size: 16,
            db_read_connections: 1,
            db_timeout_secs: 3,
            sqlite_busy_timeout_ms: 5000,
            db_sslmode: SslMode::Prefer,
            db_sslrootcert: String::new(),
            db_pooler: Pooler::None,
            metrics_bind: None,
            migrate_on_start: true,
        }
    }
}

impl Config {
    /// The file's settings (or the defaults when there is no file), then the environment's.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                // Parse once on its own so a typo is reported against the file, not the merge.
                let from_file: Config =
                    toml::from_str(&text).with_context(|| format!("{}: invalid configuration", path.display()))?;
                toml::Table::try_from(from_file)?
            }
            None => toml::Table::try_from(Config::default())?,
        };
        for (key, value) in table.iter_mut() {
            let var = format!("BACKEND_{}", key.to_ascii_uppercase());
            let Some(text) = env(&var) else { continue };
            *value = match value {
                toml::Value::Integer(_) => toml::Value::Integer(
                    text.trim().parse().with_context(|| format!("{var}={text:?}: expected an integer"))?,
                ),
                toml::Value::Boolean(_) => toml::Value::Boolean(
                    text.trim().parse().with_context(|| format!("{var}={text:?}: expected true or false"))?,
                ),
                // A list: its items separated by commas.
                toml::Value::Array(_) => toml::Value::Array(
                    text.split(',').map(str::trim).filter(|i| !i.is_empty()).map(|i| i.to_owned().into()).collect(),
                ),
                _ => toml::Value::String(text),
            };
        }
        let mut config: Config = table.try_into().context("invalid configuration in the environment")?;
        config.s3_from_aws_environment(&env);
        config.validate()?;
        Ok(config)
    }

    /// Fills the S3 settings left empty from the standard `AWS_*` variables, as AWS's own tools
    /// read them (a service-specific endpoint before the general one).
    fn s3_from_aws_environment(&mut self, env: &impl Fn(&str) -> Option<String>) {
        let first = |names: &[&str]| names.iter().find_map(|n| env(n).filter(|v| !v.trim().is_empty()));
        let fill = |field: &mut String, names: &[&str]| {
            if field.is_empty() {
                *field = first(names).unwrap_or_default();
            }
        };
        fill(&mut self.s3_endpoint, &["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]);
        fill(&mut self.s3_region, &["AWS_REGION", "AWS_DEFAULT_REGION"]);
        fill(&mut self.s3_access_key_id, &["AWS_ACCESS_KEY_ID"]);
        fill(&mut self.s3_secret_access_key.0, &["AWS_SECRET_ACCESS_KEY"]);
        fill(&mut self.s3_session_token.0, &["AWS_SESSION_TOKEN"]);
    }

    /// Where and how uploads are stored.
    pub fn upload_settings(&self) -> crate::uploads::Settings {
        crate::uploads::Settings {
            location: self.upload_store.clone(),
            dir: self.upload_dir.clone().into(),
            timeout: Duration::from_secs(self.upload_store_timeout_secs),
            s3: crate::uploads::S3Settings {
                endpoint: self.s3_endpoint.trim().to_owned(),
                region: self.s3_region.trim().to_owned(),
                access_key_id: self.s3_access_key_id.trim().to_owned(),
                secret_access_key: self.s3_secret_access_key.0.trim().to_owned(),
                session_token: self.s3_session_token.0.trim().to_owned(),
            },
        }
    }

    /// What parsing each setting alone cannot check (the parsed ones were checked as read).
    fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.upload_url_prefix.starts_with('/') && self.upload_url_prefix.ends_with('/'),
            "upload_url_prefix {:?}: expected a path that starts and ends with '/'",
            self.upload_url_prefix
        );
        anyhow::ensure!(self.upload_max_bytes >= 1, "upload_max_bytes must be at least 1");
        anyhow::ensure!(self.upload_store_timeout_secs >= 1, "upload_store_timeout_secs must be at least 1");
        anyhow::ensure!(self.sessions_per_user >= 1, "sessions_per_user must be at least 1");
        anyhow::ensure!(self.db_pool_size >= 1, "db_pool_size must be at least 1");
        anyhow::ensure!(self.db_read_connections >= 1, "db_read_connections must be at least 1");
        anyhow::ensure!(
            !self.cookie_name.is_empty()
                && self.cookie_name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b)),
            "cookie_name {:?}: use letters, digits, '_', '-' or '.'",
            self.cookie_name
        );
        Ok(())
    }

    /// How many password checks run at once: `password_checks`, or half the cores.
    pub fn password_checks(&self) -> usize {
        match self.password_checks {
            0 => (std::thread::available_parallelism().map_or(1, |n| n.get()) / 2).max(1),
            n => n as usize,
        }
    }

    pub fn secure_cookie(&self) -> bool {
        self.public_url.is_https()
    }

    /// Brings the database's schema to this binary's, or — with `migrate_on_start` off — checks
    /// that it is; then opens the pool. What every command that uses the database starts with.
    /// The pool, migrated (or checked current); connections it cannot open are logged to `log`.
    pub async fn open_database(&self, log: &slog::Logger) -> anyhow::Result<crate::db::Pool> {
        let options = crate::db::PoolOptions { log: Some(log.clone()), ..self.pool_options() };
        if self.migrate_on_start {
            crate::db::migrations::migrate(&self.database, &options).await?;
        } else {
            crate::db::migrations::require_current(&self.database, &options).await?;
        }
        crate::db::Pool::connect(&self.database, &options)
    }

    pub fn pool_options(&self) -> crate::db::PoolOptions {
        crate::db::PoolOptions {
            max_size: self.db_pool_size,
            read_connections: self.db_read_connections,
            connection_timeout: Duration::from_secs(self.db_timeout_secs.max(1)),
            sqlite_busy_timeout: Duration::from_millis(self.sqlite_busy_timeout_ms),
            sslmode: self.db_sslmode,
            sslrootcert: self.db_sslrootcert.clone(),
            pooler: self.db_pooler,
            log: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_beats_file_and_file_beats_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "bind = \"127.0.0.1:9000\"\nsession_idle_secs = 60\n").unwrap();
        let env = |k: &str| (k == "BACKEND_SESSION_IDLE_SECS").then(|| "30".to_owned());
        let c = Config::load(Some(&path), env).unwrap();
        assert_eq!((c.bind.to_string().as_str(), c.session_idle_secs), ("127.0.0.1:9000", 30));
        assert_eq!(c.database, Config::default().database);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "bnid = \"x\"\n").unwrap();
        let e = Config::load(Some(&path), |_| None).unwrap_err();
        assert!(format!("{e:#}").contains("bnid"), "{e:#}");
        let e = Config::load(None, |k| (k == "BACKEND_DB_POOL_SIZE").then(|| "many".into())).unwrap_err();
        assert!(format!("{e:#}").contains("BACKEND_DB_POOL_SIZE"), "{e:#}");
    }

    #[test]
    fn s3_settings_come_from_aws_variables_when_not_set_and_secrets_are_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "upload_store = \"s3://shots/img\"\ns3_region = \"eu-west-3\"\n").unwrap();
        let aws = |k: &str| {
            let value = match k {
                "AWS_ENDPOINT_URL" => "http://127.0.0.1:9000",
                "AWS_REGION" => "us-west-2",
                "AWS_ACCESS_KEY_ID" => "AKIDEXAMPLE",
                "AWS_SECRET_ACCESS_KEY" => "wJalrXUtnFEMI-secret",
                "AWS_SESSION_TOKEN" => "FwoGZXIv-token",
                _ => return None,
            };
            Some(value.to_owned())
        };
        let c = Config::load(Some(&path), aws).unwrap();
        let s3 = c.upload_settings().s3;
        assert_eq!((s3.endpoint.as_str(), s3.region.as_str()), ("http://127.0.0.1:9000", "eu-west-3"));
        assert_eq!((s3.access_key_id.as_str(), s3.secret_access_key.as_str()), ("AKIDEXAMPLE", "wJalrXUtnFEMI-secret"));
        assert_eq!(s3.session_token, "FwoGZXIv-token");
        for printed in [format!("{c:?}"), format!("{c:#?}"), format!("{s3:?}")] {
            assert!(!printed.contains("wJalr") && !printed.contains("FwoG"), "{printed}");
        }
        let e = Config::load(None, |k| (k == "BACKEND_UPLOAD_STORE").then(|| "/srv/uploads".into())).unwrap_err();
        assert!(format!("{e:#}").contains("s3://BUCKET/PREFIX"), "{e:#}");
    }

    /// Each setting that is parsed is refused, from the file and from the environment, with a
    /// message naming it and what it expects; accepted, its field holds the parsed value.
    #[test]
    fn parsed_settings_are_read_once_and_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        let cases = [
            ("database", "\"mysql://x\"", "database URL \"mysql://x\": expected sqlite://PATH or postgres://…"),
            ("bind", "\"localhost:80\"", "bind \"localhost:80\": expected IP:PORT"),
            ("metrics_bind", "\"9100\"", "metrics_bind \"9100\": expected IP:PORT, or empty for none"),
            ("upload_store", "\"/srv/uploads\"", "upload_store \"/srv/uploads\": expected empty"),
            ("public_url", "\"example.com\"", "public_url \"example.com\": expected http://… or https://…"),
            ("log_level", "\"loud\"", "log_level \"loud\": expected trace, debug, info, warn, error or critical"),
            ("db_sslmode", "\"allow\"", "db_sslmode: sslmode \"allow\": expected disable, prefer"),
            ("trusted_proxies", "[\"10.0.0.0/8\", \"proxy\"]", "trusted_proxies: \"proxy\" is not an address"),
        ];
        for (key, value, message) in cases {
            std::fs::write(&path, format!("{key} = {value}\n")).unwrap();
            let e = format!("{:#}", Config::load(Some(&path), |_| None).unwrap_err());
            assert!(e.contains(message), "{key} in the file: {e}");
            let var = format!("BACKEND_{}", key.to_ascii_uppercase());
            let text = value.replace(['"', '[', ']'], "");
            let e = format!("{:#}", Config::load(None, |k| (k == var).then(|| text.clone())).unwrap_err());
            assert!(e.contains(message), "{var}: {e}");
        }
        std::fs::write(
            &path,
            "database = \"postgres://u@db/backend\"\nbind = \"[::1]:8081\"\nmetrics_bind = \"127.0.0.1:9100\"\n\
             upload_store = \"s3://shots/img\"\npublic_url = \"https://admin.example.com/\"\n\
             log_level = \"warning\"\ndb_sslmode = \"verify-full\"\n",
        )
        .unwrap();
        let env = |k: &str| (k == "BACKEND_TRUSTED_PROXIES").then(|| "127.0.0.1, 10.0.0.0/8".to_owned());
        let c = Config::load(Some(&path), env).unwrap();
        assert_eq!(c.database.backend(), crate::db::Backend::Postgres);
        assert_eq!((c.bind, c.metrics_bind), ("[::1]:8081".parse().unwrap(), Some("127.0.0.1:9100".parse().unwrap())));
        assert_eq!(c.upload_store, Location::S3 { bucket: "shots".into(), prefix: "img".into() });
        assert_eq!((c.public_url.base(), c.secure_cookie()), ("https://admin.example.com", true));
        assert_eq!((c.log_level, c.db_sslmode), (slog::Level::Warning, SslMode::VerifyFull));
        let proxies: Vec<Network> = vec!["127.0.0.1".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
        assert_eq!(c.trusted_proxies, proxies);
        // Written back, it reads the same: what the tests' servers are configured with.
        let again: Config = toml::from_str(&toml::to_string(&c).unwrap()).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn the_sample_config_is_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
        let sample: Config = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(sample, Config::default());
    }
}
