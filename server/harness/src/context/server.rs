//! [`TestServer`]: a running server, started for one test, with a client for it.

use std::marker::PhantomData;
use std::time::Duration;

use reqwest::{Response, StatusCode};

use super::config::{self, test_config};
use super::{answers::header, DbKind, ServerUnderTest, Stored};
use crate::{pg, pgbouncer, Launch, ServerProcess};

/// A running server and a client for it; the server is stopped when dropped (and a failing
/// test shows the end of its log).
pub struct TestServer<S> {
    process: ServerProcess,
    pub base: String,
    pub client: reqwest::Client,
    /// The password of the `admin` created at first start.
    pub admin_password: Option<String>,
    server: PhantomData<S>,
}

impl<S: ServerUnderTest> TestServer<S> {
    /// How to run the binary for a test: on a fresh database of `kind`, with the test
    /// configuration changed by `tweak`, and a clock the test can move
    /// ([`TestServer::advance_clock`]).
    pub fn launch(kind: DbKind, tweak: impl FnOnce(&mut S::Config)) -> Launch {
        let launch = Launch::new(S::BINARY);
        let launch = match kind {
            DbKind::Sqlite => launch,
            DbKind::Postgres => launch.database(pg::test_database()),
            DbKind::PgBouncer => launch.database(pgbouncer::test_database()),
        };
        Self::configured(launch, |config| {
            if kind == DbKind::PgBouncer {
                config::through_transaction_pooler(config);
            }
            tweak(config)
        })
    }

    /// [`TestServer::launch`] on the database at `url` (a cluster of the test's own, a proxy in
    /// front of one).
    pub fn launch_on(url: &str, tweak: impl FnOnce(&mut S::Config)) -> Launch {
        Self::configured(Launch::new(S::BINARY).database(url), tweak)
    }

    fn configured(launch: Launch, tweak: impl FnOnce(&mut S::Config)) -> Launch {
        let mut settings = test_config::<S::Config>();
        tweak(&mut settings);
        // The database, address and upload folder are the launch's (flags beat the file), unless
        // the test chose its own upload folder.
        let upload_dir = config::value(&settings, "upload_dir");
        let launch = match upload_dir.as_ref().and_then(|dir| dir.as_str()) {
            Some(dir) if upload_dir != config::value(&test_config::<S::Config>(), "upload_dir") => {
                launch.upload_dir(dir)
            }
            _ => launch,
        };
        launch.config(&config::to_file(&settings)).fake_clock()
    }

    /// A server on a fresh database of `kind`, with the test configuration changed by `tweak`.
    pub async fn start(kind: DbKind, tweak: impl FnOnce(&mut S::Config)) -> Self {
        // A PostgreSQL database is made with `psql`: a blocking call.
        let launch = tokio::task::block_in_place(|| Self::launch(kind, tweak));
        Self::from_launch(launch).await
    }

    /// A server on the database at `url`.
    pub async fn start_on(url: &str, tweak: impl FnOnce(&mut S::Config)) -> Self {
        Self::from_launch(Self::launch_on(url, tweak)).await
    }

    pub async fn from_launch(launch: Launch) -> Self {
        let process =
            tokio::task::spawn_blocking(move || launch.start()).await.unwrap().unwrap_or_else(|e| panic!("{e:#}"));
        TestServer {
            base: process.base.clone(),
            admin_password: process.admin_password.clone(),
            client: reqwest::Client::new(),
            process,
            server: PhantomData,
        }
    }

    /// A second server process over the same database and upload folder.
    pub async fn another_instance(&self) -> Self {
        Self::from_launch(self.process.launch().clone()).await
    }

    /// Stops it gracefully and starts it again on the same database.
    pub async fn restart(mut self) -> Self {
        self.stop().await;
        Self::from_launch(self.process.launch().clone()).await
    }
}

impl<S> TestServer<S> {
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
    pub fn stored(&self) -> Stored {
        Stored::new(self.database_url())
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

impl<S> Drop for TestServer<S> {
    fn drop(&mut self) {
        // A failing test shows what the server said.
        if std::thread::panicking() {
            let log = self.process.log();
            let from = log.len().saturating_sub(30);
            eprintln!("--- the server's log ({}):\n{}", self.process.log_path().display(), log[from..].join("\n"));
        }
    }
}
