//! What every test starts from: the `server` binary run through `server_harness` (a free loopback
//! port, a fresh database — a SQLite file or a new database in a throwaway PostgreSQL cluster —
//! and its own folders), a plain HTTP client, and helpers that read like what a user does.

pub mod stored;

use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::Value;
use server::config::Config;
use server_harness::{Launch, ServerProcess};

pub use server_harness::{pg, s3};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// Whether the PostgreSQL variants can run (see `server_harness::pg::available`).
pub fn postgres_available() -> bool {
    pg::available()
}

/// Instantiates each listed `async fn name(db: DbKind)` as `sqlite::name` and `postgres::name`.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::DbKind::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::common::postgres_available() {
                        super::$name($crate::common::DbKind::Postgres).await
                    }
                }
            )*
        }
    };
}
pub(crate) use on_both_databases;

/// Where a test's server keeps uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// The local folder `upload_dir`.
    Local,
    /// A fresh bucket in the moto server the tests share (`server_harness::s3`).
    S3,
}

/// Whether the S3 variants can run (see `server_harness::s3::available`).
pub fn s3_available() -> bool {
    s3::available()
}

/// Instantiates each listed `async fn name(db: DbKind, store: StoreKind)` as `sqlite::name` and
/// `postgres::name` (the local folder) and `s3::name` (SQLite, uploads in a bucket).
// The contract tests share this file and have no store-dependent test.
#[allow(unused_macros)]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::DbKind::Sqlite, $crate::common::StoreKind::Local).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::common::postgres_available() {
                        super::$name($crate::common::DbKind::Postgres, $crate::common::StoreKind::Local).await
                    }
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::common::s3_available() {
                        super::$name($crate::common::DbKind::Sqlite, $crate::common::StoreKind::S3).await
                    }
                }
            )*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_both_stores;

/// Points `config` at `bucket` under `prefix`, through `endpoint` (moto's, or a proxy's), with
/// the test keys and a short store timeout.
pub fn use_bucket(config: &mut Config, bucket: &s3::Bucket, prefix: &str, endpoint: &str) {
    config.upload_store = bucket.url(prefix).parse().unwrap();
    config.s3_endpoint = endpoint.to_owned();
    config.s3_region = s3::REGION.to_owned();
    config.s3_access_key_id = s3::ACCESS_KEY_ID.to_owned();
    config.s3_secret_access_key = server::config::Secret(s3::SECRET_ACCESS_KEY.to_owned());
    config.upload_store_timeout_secs = 2;
}

/// The configuration tests start from: a small pool, quick timeouts, warnings only.
pub fn test_config() -> Config {
    Config { db_pool_size: 4, db_timeout_secs: 2, log_level: "warning".parse().unwrap(), ..Config::default() }
}

/// How to run the binary for a test: on a fresh database of `kind`, with the test configuration
/// changed by `tweak`, and a clock the test can move ([`TestServer::advance_clock`]).
pub fn launch(kind: DbKind, tweak: impl FnOnce(&mut Config)) -> Launch {
    let launch = Launch::new(env!("CARGO_BIN_EXE_server"));
    let launch = match kind {
        DbKind::Sqlite => launch,
        DbKind::Postgres => launch.database(pg::test_database()),
    };
    configured(launch, tweak)
}

/// `launch` on the database at `url` (a cluster of the test's own, a proxy in front of one).
pub fn launch_on(url: &str, tweak: impl FnOnce(&mut Config)) -> Launch {
    configured(Launch::new(env!("CARGO_BIN_EXE_server")).database(url), tweak)
}

fn configured(launch: Launch, tweak: impl FnOnce(&mut Config)) -> Launch {
    let mut config = test_config();
    tweak(&mut config);
    // The database, address and upload folder are the launch's (flags beat the file), unless
    // the test chose its own upload folder.
    let launch =
        if config.upload_dir != test_config().upload_dir { launch.upload_dir(&config.upload_dir) } else { launch };
    launch.config(&toml::to_string(&config).expect("the configuration serializes")).fake_clock()
}

/// A running server and a client for it.
pub struct TestServer {
    process: ServerProcess,
    pub base: String,
    pub client: reqwest::Client,
    /// The password of the `admin` created at first start.
    pub admin_password: Option<String>,
}

impl TestServer {
    /// A server on a fresh database of `kind`, with the test configuration changed by `tweak`.
    pub async fn start(kind: DbKind, tweak: impl FnOnce(&mut Config)) -> TestServer {
        // A PostgreSQL database is made with `psql`: a blocking call.
        let launch = tokio::task::block_in_place(|| launch(kind, tweak));
        TestServer::from_launch(launch).await
    }

    /// A server on the database at `url`.
    pub async fn start_on(url: &str, tweak: impl FnOnce(&mut Config)) -> TestServer {
        TestServer::from_launch(launch_on(url, tweak)).await
    }

    pub async fn from_launch(launch: Launch) -> TestServer {
        let process =
            tokio::task::spawn_blocking(move || launch.start()).await.unwrap().unwrap_or_else(|e| panic!("{e:#}"));
        TestServer {
            base: process.base.clone(),
            admin_password: process.admin_password.clone(),
            client: reqwest::Client::new(),
            process,
        }
    }

    /// A second server process over the same database and upload folder.
    pub async fn another_instance(&self) -> TestServer {
        TestServer::from_launch(self.process.launch().clone()).await
    }

    /// Stops it gracefully and starts it again on the same database.
    pub async fn restart(mut self) -> TestServer {
        self.stop().await;
        TestServer::from_launch(self.process.launch().clone()).await
    }

    /// SIGTERM, and waits for it to exit (in-flight requests finish, the log is written out).
    pub async fn stop(&mut self) {
        let status = tokio::task::block_in_place(|| self.process.stop()).unwrap_or_else(|e| panic!("{e:#}"));
        assert!(status.success(), "the server exited with {status}");
    }

    /// The process: its log, pid, launch.
    pub fn process(&self) -> &ServerProcess {
        &self.process
    }

    pub fn process_mut(&mut self) -> &mut ServerProcess {
        &mut self.process
    }

    pub fn database_url(&self) -> &str {
        self.process.launch().database_url()
    }

    /// What the database holds, read with the tests' own SQL.
    pub fn stored(&self) -> stored::Stored {
        stored::Stored::new(self.database_url())
    }

    /// Moves the server's clock forward: sessions age, login windows pass, without waiting.
    pub fn advance_clock(&self, by: Duration) {
        self.process.advance_clock(by);
    }

    pub fn url(&self, path: &str) -> String {
        self.process.url(path)
    }

    /// Adds a user with `server user add`; its id.
    pub async fn add_user(&self, name: &str, password: &str) -> i64 {
        self.add_user_with(name, password, 0, 0).await
    }

    pub async fn add_user_with(&self, name: &str, password: &str, role: u32, perm: u64) -> i64 {
        let (launch, name, password) = (self.process.launch().clone(), name.to_owned(), password.to_owned());
        tokio::task::spawn_blocking(move || launch.add_user_with(&name, &password, role, perm))
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// Runs `server ARGS…` (the CLI) on this server's database, `stdin` as its input; panics
    /// unless it succeeds.
    pub async fn cli(&self, args: &[&str], stdin: &str) -> std::process::Output {
        use std::io::Write as _;
        let mut command = self.process.launch().command(args);
        let stdin = stdin.to_owned();
        let out = tokio::task::spawn_blocking(move || {
            let mut child = command
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()?;
            child.stdin.take().expect("piped").write_all(stdin.as_bytes())?;
            child.wait_with_output()
        })
        .await
        .unwrap()
        .unwrap();
        assert!(out.status.success(), "server {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    }

    pub async fn login(&self, name: &str, password: &str) -> Response {
        self.client
            .post(self.url("login"))
            .json(&serde_json::json!({ "name": name, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// A login sent from the loopback address `from` (any of 127.0.0.0/8), with extra `headers`.
    pub async fn login_from(&self, from: &str, headers: &[(&str, &str)], name: &str, password: &str) -> Response {
        let client = reqwest::Client::builder().local_address(from.parse::<std::net::IpAddr>().unwrap()).build();
        let mut request = client.unwrap().post(self.url("login"));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request.json(&serde_json::json!({ "name": name, "password": password })).send().await.unwrap()
    }

    /// Logs in and returns the session token; panics unless the login succeeds.
    pub async fn token(&self, name: &str, password: &str) -> String {
        let response = self.login(name, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login of {name}");
        header(&response, "x-auth-token")
    }

    /// `GET /hola` with the token in `x-auth-token`.
    pub async fn hola(&self, token: &str) -> Response {
        self.client.get(self.url("hola")).header("x-auth-token", token).send().await.unwrap()
    }

    pub async fn logout(&self, token: &str) -> Response {
        self.client.post(self.url("logout")).header("x-auth-token", token).send().await.unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // A failing test shows what the server said.
        if std::thread::panicking() {
            let log = self.process.log();
            let from = log.len().saturating_sub(30);
            eprintln!("--- the server's log ({}):\n{}", self.process.log_path().display(), log[from..].join("\n"));
        }
    }
}

pub fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header in {response:?}"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// Asserts `response` is the error envelope with this status and code; returns its body.
pub async fn expect_error(response: Response, status: u16, code: i64) -> Value {
    let got = response.status().as_u16();
    let body: Value = response.json().await.expect("an error body is JSON");
    assert_eq!((got, &body["code"]), (status, &Value::from(code)), "body: {body}");
    let name = backend_api::ErrorCode::from_code(code).unwrap().name();
    assert_eq!(body["error"], name, "body: {body}");
    assert!(body["msg"].as_str().is_some_and(|m| !m.is_empty()), "body: {body}");
    assert_eq!(body.as_object().unwrap().len(), 3, "only code, msg, error: {body}");
    body
}

/// Asserts `response` is a 200 envelope with `code` 0; returns its body.
pub async fn expect_ok(response: Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(status, StatusCode::OK, "body: {body}");
    assert_eq!((&body["code"], &body["error"]), (&Value::from(0), &Value::from("")), "{body}");
    body
}
