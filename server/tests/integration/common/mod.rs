//! Test harness: a real server on an ephemeral loopback port over a fresh database (a SQLite temp
//! file or a new database in a throwaway PostgreSQL cluster), a plain HTTP client, and helpers
//! that read like what a user does.

pub mod pg;
pub mod process;

use reqwest::{Response, StatusCode};
use serde_json::Value;
use server::app::Server;
use server::config::Config;
use server::db::Pool;
use server::logging::RequestUsers;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// Whether the PostgreSQL variants can run: PostgreSQL installed. Without it, `CI` set → panic,
/// otherwise the test says it is skipped.
pub fn postgres_available() -> bool {
    if pg::bin_dir().is_some() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("PostgreSQL not installed (no initdb in $PG_BIN, /usr/lib/postgresql/*/bin or PATH) and CI is set");
    }
    eprintln!("PostgreSQL not installed: PostgreSQL tests skipped");
    false
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

/// A fresh database: its URL, and what keeps it alive.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A database that something else (e.g. a dedicated cluster) keeps alive.
    pub fn at(url: String) -> TestDb {
        TestDb { url, _dir: None }
    }
}

pub async fn new_database(kind: DbKind) -> TestDb {
    match kind {
        DbKind::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("backend.db").display());
            TestDb { url, _dir: Some(dir) }
        }
        DbKind::Postgres => TestDb { url: pg::shared_database().await, _dir: None },
    }
}

/// The configuration tests start from: ephemeral port, small pool, quick timeouts.
pub fn test_config(database: &str) -> Config {
    Config {
        database: database.to_owned(),
        bind: "127.0.0.1:0".to_owned(),
        db_pool_size: 4,
        db_timeout_secs: 2,
        log_level: "warning".to_owned(),
        ..Config::default()
    }
}

/// A running server and a client for it.
pub struct TestServer {
    pub base: String,
    pub pool: Pool,
    pub client: reqwest::Client,
    /// The password of the `admin` created at first start.
    pub admin_password: Option<String>,
    server: Option<Server>,
    pub db: TestDb,
    /// The default upload folder (tests of uploads choose their own).
    _uploads: tempfile::TempDir,
}

impl TestServer {
    /// A server on a fresh database of `kind`, with the test configuration changed by `tweak`.
    pub async fn start(kind: DbKind, tweak: impl FnOnce(&mut Config)) -> TestServer {
        let db = new_database(kind).await;
        TestServer::start_on(db, tweak).await
    }

    pub async fn start_on(db: TestDb, tweak: impl FnOnce(&mut Config)) -> TestServer {
        let uploads = tempfile::tempdir().unwrap();
        let mut config = test_config(&db.url);
        config.upload_dir = uploads.path().display().to_string();
        tweak(&mut config);
        // TEST_LOG=1 shows the servers' logs (warnings and worse).
        let log = if std::env::var_os("TEST_LOG").is_some() {
            server::logging::logger(&config, RequestUsers::default()).unwrap()
        } else {
            slog::Logger::root(slog::Discard, slog::o!())
        };
        let (server, admin_password) = Server::start(config, log, RequestUsers::default()).await.unwrap();
        TestServer {
            base: format!("http://{}", server.local_addr()),
            pool: server.pool.clone(),
            client: reqwest::Client::new(),
            admin_password,
            server: Some(server),
            db,
            _uploads: uploads,
        }
    }

    /// A second server instance over the same database.
    pub async fn another_instance(&self, tweak: impl FnOnce(&mut Config)) -> TestServer {
        TestServer::start_on(TestDb::at(self.db.url.clone()), tweak).await
    }

    /// Stops the server gracefully; the database stays (for a restart on it).
    pub async fn stop(self) -> TestDb {
        let TestServer { server, db, .. } = self;
        server.unwrap().stop().await.unwrap();
        db
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/backend/api/v1/{path}", self.base)
    }

    /// Adds a user directly (the CLI's code path).
    pub async fn add_user(&self, name: &str, password: &str) -> i64 {
        server::app::add_user(&self.pool, name, password, 0, 0).await.unwrap()
    }

    pub async fn login(&self, name: &str, password: &str) -> Response {
        self.client
            .post(self.url("login"))
            .json(&serde_json::json!({ "name": name, "password": password }))
            .send()
            .await
            .unwrap()
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
