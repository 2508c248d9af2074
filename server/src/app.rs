//! Starting and stopping the server, and the user management the CLI (and tests) drive.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use dropshot::{ConfigDropshot, HttpServer, ServerBuilder};
use slog::Logger;

use crate::auth::limits::ClientBuckets;
use crate::auth::{valid_user_name, PasswordChecks, MIN_PASSWORD_LEN};
use crate::clock::Clock;
use crate::config::Config;
use crate::db::rows::{NewUser, User, UserChange};
use crate::db::{db, DbError, Pool};
use crate::http::{BackendImpl, ServerContext};
use crate::logging::RequestUsers;

/// A running server.
pub struct Server {
    http: HttpServer<Arc<ServerContext>>,
    pub pool: Pool,
    housekeeping: tokio::task::JoinHandle<()>,
    metrics: Option<crate::metrics::MetricsServer>,
}

impl Server {
    /// Connects to the database (applying migrations), creates the first `admin` when there are
    /// no users (its password is returned, to be printed once), and starts listening.
    pub async fn start(
        config: Config,
        log: Logger,
        request_users: RequestUsers,
        clock: Clock,
    ) -> anyhow::Result<(Server, Option<String>)> {
        let bind = config.bind;
        std::fs::create_dir_all(&config.upload_dir)
            .with_context(|| format!("creating the upload folder {}", config.upload_dir))?;
        let pool = config.open_database(&log).await?;
        if pool.backend() == crate::db::Backend::Postgres {
            // Each instance's share of PostgreSQL's max_connections (or of a pooler's
            // max_client_conn): the budget docs/deploy.md adds up across instances.
            let most = config.db_pool_size.saturating_add(config.db_read_connections);
            slog::info!(log, "opening at most {most} connections to PostgreSQL (db_pool_size + db_read_connections)";
                "db_pool_size" => config.db_pool_size,
                "db_read_connections" => config.db_read_connections,
                "db_pooler" => %config.db_pooler);
        }
        // A store that cannot serve (a missing bucket, refused credentials, no answer) stops the
        // start with what is wrong, rather than failing every upload later.
        let uploads = crate::uploads::Store::open(&config.upload_settings())?;
        uploads.check().await.map_err(|why| anyhow::anyhow!("upload store: {why}"))?;
        let admin_password = ensure_admin(&pool).await?;
        let api = backend_api::api_description::<BackendImpl>()
            .map_err(|e| anyhow::anyhow!("building the API description: {e}"))?;
        let dropshot_config = ConfigDropshot {
            bind_address: bind,
            default_request_body_max_bytes: usize::try_from(config.request_body_max_bytes).unwrap_or(usize::MAX),
            // Handlers run to completion even when the client goes away: a diesel-async
            // transaction cancelled half-way is not something to leave to chance.
            default_handler_task_mode: dropshot::HandlerTaskMode::Detached,
            // Behind a proxy, the client's address is in this header: on every request line.
            log_headers: vec!["x-forwarded-for".to_owned()],
            ..ConfigDropshot::default()
        };
        let config = Arc::new(config);
        let schema = crate::db::migrations::latest(pool.backend());
        let login_buckets = Arc::new(ClientBuckets::new(config.login_rate_per_minute, config.login_burst));
        let context = Arc::new(ServerContext {
            pool: pool.clone(),
            config: config.clone(),
            clock: clock.clone(),
            request_users,
            schema,
            password_checks: PasswordChecks::start(
                config.password_checks(),
                usize::try_from(config.password_check_queue).unwrap_or(usize::MAX),
            ),
            login_buckets: login_buckets.clone(),
            trusted_proxies: config.trusted_proxies.clone(),
            uploads,
        });
        let http = ServerBuilder::new(api, context, log.clone())
            .config(dropshot_config)
            // No route for the request: the envelope too, not dropshot's own body.
            .error_renderer(backend_api::routing_error)
            // A proxy's `x-request-id` names the request in both logs.
            .accept_request_id_header(true)
            .start()
            .map_err(|e| anyhow::anyhow!("starting the HTTP server on {bind}: {e}"))?;
        let metrics = match config.metrics_bind {
            None => None,
            Some(bind) => Some(crate::metrics::serve(bind, pool.clone(), &log)?),
        };
        let housekeeping = crate::housekeeping::start(pool.clone(), config, clock, login_buckets, log);
        Ok((Server { http, pool, housekeeping, metrics }, admin_password))
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.http.local_addr()
    }

    /// Where `GET /metrics` is served, if `metrics_bind` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|m| m.local_addr())
    }

    /// Stops accepting connections, lets in-flight requests finish, then closes the pool.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.housekeeping.abort();
        self.http.close().await.map_err(|e| anyhow::anyhow!("stopping the server: {e}"))?;
        if let Some(metrics) = self.metrics {
            metrics.stop().await?;
        }
        drop(self.pool);
        Ok(())
    }

    /// Serves until SIGINT or SIGTERM, then stops gracefully.
    pub async fn run_until_signalled(self, log: &Logger) -> anyhow::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => slog::info!(log, "SIGINT: shutting down"),
            _ = term.recv() => slog::info!(log, "SIGTERM: shutting down"),
        }
        self.stop().await
    }
}

/// Creates `admin` with a random password when there is no user at all; returns that password.
pub async fn ensure_admin(pool: &Pool) -> anyhow::Result<Option<String>> {
    if db!(pool, users::count())? > 0 {
        return Ok(None);
    }
    let password = crate::auth::new_password();
    match add_user(pool, "admin", &password, 0, 0).await {
        Ok(_) => Ok(Some(password)),
        // Another instance starting at the same time made it first.
        Err(UserError::Duplicate) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Why a user command failed.
#[derive(Debug)]
pub enum UserError {
    Duplicate,
    NoSuchUser,
    BadInput(String),
    Db(DbError),
    Other(anyhow::Error),
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserError::Duplicate => write!(f, "a user with that name already exists"),
            UserError::NoSuchUser => write!(f, "no such user"),
            UserError::BadInput(m) => write!(f, "{m}"),
            UserError::Db(e) => write!(f, "{e}"),
            UserError::Other(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for UserError {}

impl From<DbError> for UserError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Duplicate(_) => UserError::Duplicate,
            e => UserError::Db(e),
        }
    }
}

fn check_password(password: &str) -> Result<(), UserError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(UserError::BadInput(format!("the password must have at least {MIN_PASSWORD_LEN} characters")));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), UserError> {
    if !valid_user_name(name) {
        return Err(UserError::BadInput(format!("user name {name:?}: 1 to 64 bytes, no spaces or control characters")));
    }
    Ok(())
}

async fn hash(password: &str) -> Result<String, UserError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
        .await
        .map_err(|e| UserError::Other(e.into()))?
        .map_err(UserError::Other)
}

/// Adds a user; returns its id.
pub async fn add_user(pool: &Pool, name: &str, password: &str, role: u32, perm: u64) -> Result<i64, UserError> {
    check_name(name)?;
    check_password(password)?;
    let password_hash = hash(password).await?;
    let now = Clock::system().now_ms();
    let user = NewUser {
        name,
        password_hash: &password_hash,
        role: i64::from(role),
        perm: perm as i64,
        created_at: now,
        updated_at: now,
    };
    Ok(db!(write: pool, users::insert(&user))?)
}

/// Every user, by id.
pub async fn list_users(pool: &Pool) -> Result<Vec<User>, UserError> {
    Ok(db!(pool, users::list())?)
}

/// Changes a user's password and revokes their sessions.
pub async fn set_password(pool: &Pool, name: &str, password: &str) -> Result<(), UserError> {
    check_password(password)?;
    let password_hash = hash(password).await?;
    let change =
        UserChange { password_hash: Some(&password_hash), disabled: None, updated_at: Clock::system().now_ms() };
    match db!(write: pool, users::change_and_revoke(name, &change))? {
        true => Ok(()),
        false => Err(UserError::NoSuchUser),
    }
}

/// Disables a user and revokes their sessions.
pub async fn disable_user(pool: &Pool, name: &str) -> Result<(), UserError> {
    let change = UserChange { password_hash: None, disabled: Some(true), updated_at: Clock::system().now_ms() };
    match db!(write: pool, users::change_and_revoke(name, &change))? {
        true => Ok(()),
        false => Err(UserError::NoSuchUser),
    }
}
