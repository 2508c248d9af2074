//! The implementation of `backend_api::BackendApi` (the doc's operations, generated from the doc)
//! and `backend_api::ExtensionApi` (the server's own): one file per endpoint group (`users.rs` for
//! hola, login and logout, `tasks.rs` for the six task operations, `upload.rs` for the upload and
//! the serving of stored files, `reference.rs` for the served spec and reference page), the
//! shared request context, and session checks.
//!
//! A handler checks the session first (`authenticate`), then `parse()`s its request, then runs
//! its queries with `db!(pool, module::query(…))` — `db!(write: …)` for those that write —
//! mapping failures with [`db_failure`]. A read can instead send the session lookup with its own
//! statements (`get_task`: [`query_before_session`], [`session_token_hash`], a query run with
//! `db!(shared: …)`, then [`admit`]). The steps of adding an endpoint, from the doc to the tests,
//! are in the README.

mod health;
mod reference;
mod tasks;
mod upload;
mod users;

use std::sync::Arc;

use backend_api::{
    ApiError, BackendApi, DeleteTaskRequest, DocsFilePath, Envelope, ErrorCode, ExtensionApi, FormBody, GetTaskQuery,
    GetTaskResponse, GetTasksQuery, GetTasksResponse, LazyBody, LazyQuery, PostLoginHeaders, PostLoginRequest,
    PostLoginResponse, PostLogoutHeaders, PostTaskRequest, PostUploadForm, PostUploadResponse, PutTaskRequest,
    PutTaskStatusRequest, Reply, UploadPath,
};
use dropshot::{Body, HttpResponseHeaders, HttpResponseOk, Path, RequestContext};
use slog::Logger;

use crate::clock::{secs_to_ms, Clock};
use crate::config::Config;
use crate::db::rows::{Session, User};
use crate::db::{db, DbError, Pool};
use crate::logging::RequestUsers;
use crate::metrics;

/// What every handler can reach.
pub struct ServerContext {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub request_users: RequestUsers,
    /// The version of this binary's newest migration: the schema `readyz` asks for.
    pub schema: String,
    /// The argon2 workers and their queue (`post_login`).
    pub password_checks: crate::auth::PasswordChecks,
    /// Logins left to each client address.
    pub login_buckets: Arc<crate::auth::limits::ClientBuckets>,
    /// `trusted_proxies`, parsed: whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<crate::clients::Network>,
    /// Where uploads are kept (`upload_store`).
    pub uploads: crate::uploads::Store,
}

/// The implementation of the trait (state lives in [`ServerContext`]).
pub enum BackendImpl {}

pub type Ctx = RequestContext<Arc<ServerContext>>;

/// A database failure as the client sees it: 503 when the database is unreachable, else a 500
/// whose cause goes to the log only.
pub fn db_failure(log: &Logger, e: DbError) -> ApiError {
    metrics::db_error(match &e {
        DbError::Unavailable(_) => "unavailable",
        DbError::Duplicate(_) => "duplicate",
        DbError::Query(_) => "query",
    });
    match e {
        DbError::Unavailable(cause) => {
            slog::warn!(log, "database unavailable"; "cause" => cause);
            ApiError::unavailable()
        }
        DbError::Duplicate(cause) => {
            slog::warn!(log, "unexpected duplicate"; "cause" => cause);
            ApiError::new(ErrorCode::DuplicatedEntry, "the entry already exists")
        }
        DbError::Query(cause) => {
            slog::error!(log, "query failed"; "cause" => %cause);
            ApiError::internal()
        }
    }
}

/// The caller of an authenticated request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub session_id: i64,
    pub user_id: i64,
    pub name: String,
}

/// Checks the request's session: `x-auth-token`, else the cookie. Missing → 401/10101; unknown,
/// revoked, idle too long, past its lifetime or of a disabled user → 401/10103. Refreshes the
/// session's "last seen" time when it is older than `last_seen_interval_secs`.
pub async fn authenticate(rqctx: &Ctx) -> Result<Caller, ApiError> {
    let hash = session_token_hash(rqctx)?;
    let found =
        db!(shared: &rqctx.context().pool, sessions::find_by_token(&hash)).map_err(|e| db_failure(&rqctx.log, e))?;
    admit(rqctx, found).await
}

/// The hash of the request's session token (what `sessions` stores); 401/10101 without a token.
/// Reads that look the session up in the same round trip as their own statements start here,
/// then pass what they found to [`admit`].
pub fn session_token_hash(rqctx: &Ctx) -> Result<String, ApiError> {
    let cookie_name = &rqctx.context().config.cookie_name;
    match crate::auth::request_token(rqctx.request.headers(), cookie_name) {
        Some(token) => Ok(crate::auth::token_hash(&token)),
        None => Err(ApiError::new(
            ErrorCode::Unauthorized,
            format!("no session token: log in, then send the x-auth-token header or the {cookie_name} cookie"),
        )),
    }
}

/// The caller, if the session found for the request's token is one: the rest of
/// [`authenticate`].
pub async fn admit(rqctx: &Ctx, found: Option<(Session, User)>) -> Result<Caller, ApiError> {
    let cx = rqctx.context();
    let config = &cx.config;
    let expired = || ApiError::new(ErrorCode::SessionExpired, "session expired; log in again");
    let Some((session, user)) = found else {
        return Err(expired());
    };
    let now = cx.clock.now_ms();
    let idle_ms = secs_to_ms(config.session_idle_secs);
    let lifetime_ms = secs_to_ms(config.session_lifetime_secs);
    if user.disabled || now - session.last_seen_at >= idle_ms || now - session.created_at >= lifetime_ms {
        db!(write: &cx.pool, sessions::delete(session.id)).map_err(|e| db_failure(&rqctx.log, e))?;
        return Err(expired());
    }
    if now - session.last_seen_at >= secs_to_ms(config.last_seen_interval_secs) {
        db!(write: &cx.pool, sessions::touch(session.id, now)).map_err(|e| db_failure(&rqctx.log, e))?;
    }
    cx.request_users.set(&rqctx.request_id, user.id);
    Ok(Caller { session_id: session.id, user_id: user.id, name: user.name })
}

/// The request's query string when it parses and passes `check`; otherwise the session's error
/// if it has one (401 comes before 400), else the query's. For reads that need their parameters
/// before they can send the session lookup together with their own statements.
pub async fn query_before_session<T>(
    rqctx: &Ctx,
    query: LazyQuery<T>,
    check: impl FnOnce(&T) -> Result<(), ApiError>,
) -> Result<T, ApiError> {
    match query.parse().and_then(|q| check(&q).map(|()| q)) {
        Ok(query) => Ok(query),
        Err(refused) => {
            authenticate(rqctx).await?;
            Err(refused)
        }
    }
}

impl BackendApi for BackendImpl {
    type Context = Arc<ServerContext>;

    async fn get_hola(rqctx: Ctx) -> Result<HttpResponseOk<Envelope>, ApiError> {
        metrics::observed("get_hola", users::get_hola(rqctx)).await
    }

    async fn post_login(
        rqctx: Ctx,
        body: LazyBody<PostLoginRequest>,
    ) -> Result<Reply<HttpResponseHeaders<HttpResponseOk<PostLoginResponse>, PostLoginHeaders>>, ApiError> {
        metrics::observed("post_login", async {
            let body = body.parse()?;
            Ok(Reply(users::post_login(rqctx, body).await))
        })
        .await
    }

    async fn post_logout(
        rqctx: Ctx,
    ) -> Result<HttpResponseHeaders<HttpResponseOk<Envelope>, PostLogoutHeaders>, ApiError> {
        metrics::observed("post_logout", users::post_logout(rqctx)).await
    }

    async fn post_task(rqctx: Ctx, body: LazyBody<PostTaskRequest>) -> Result<HttpResponseOk<Envelope>, ApiError> {
        metrics::observed("post_task", tasks::post_task(rqctx, body)).await
    }

    async fn get_task(rqctx: Ctx, query: LazyQuery<GetTaskQuery>) -> Result<HttpResponseOk<GetTaskResponse>, ApiError> {
        metrics::observed("get_task", tasks::get_task(rqctx, query)).await
    }

    async fn put_task(rqctx: Ctx, body: LazyBody<PutTaskRequest>) -> Result<HttpResponseOk<Envelope>, ApiError> {
        metrics::observed("put_task", tasks::put_task(rqctx, body)).await
    }

    async fn put_task_status(
        rqctx: Ctx,
        body: LazyBody<PutTaskStatusRequest>,
    ) -> Result<HttpResponseOk<Envelope>, ApiError> {
        metrics::observed("put_task_status", tasks::put_task_status(rqctx, body)).await
    }

    async fn delete_task(rqctx: Ctx, body: LazyBody<DeleteTaskRequest>) -> Result<HttpResponseOk<Envelope>, ApiError> {
        metrics::observed("delete_task", tasks::delete_task(rqctx, body)).await
    }

    async fn get_tasks(
        rqctx: Ctx,
        query: LazyQuery<GetTasksQuery>,
    ) -> Result<HttpResponseOk<GetTasksResponse>, ApiError> {
        metrics::observed("get_tasks", tasks::get_tasks(rqctx, query)).await
    }

    async fn post_upload(
        rqctx: Ctx,
        body: FormBody<PostUploadForm>,
    ) -> Result<Reply<HttpResponseOk<PostUploadResponse>>, ApiError> {
        metrics::observed("post_upload", async { Ok(upload::post_upload(rqctx, body).await) }).await
    }
}

impl ExtensionApi for BackendImpl {
    type Context = Arc<ServerContext>;

    async fn get_upload(rqctx: Ctx, path: Path<UploadPath>) -> Result<http::Response<Body>, ApiError> {
        metrics::observed("get_upload", upload::get_upload(rqctx, path.into_inner())).await
    }

    async fn get_healthz(rqctx: Ctx) -> Result<HttpResponseOk<Envelope>, ApiError> {
        metrics::observed("get_healthz", health::get_healthz(rqctx)).await
    }

    async fn get_readyz(rqctx: Ctx) -> Result<HttpResponseOk<Envelope>, ApiError> {
        metrics::observed("get_readyz", health::get_readyz(rqctx)).await
    }

    async fn get_openapi(rqctx: Ctx) -> Result<http::Response<Body>, ApiError> {
        metrics::observed("get_openapi", reference::get_openapi(rqctx)).await
    }

    async fn get_docs(rqctx: Ctx) -> Result<http::Response<Body>, ApiError> {
        metrics::observed("get_docs", reference::get_docs(rqctx)).await
    }

    async fn get_docs_file(rqctx: Ctx, path: Path<DocsFilePath>) -> Result<http::Response<Body>, ApiError> {
        metrics::observed("get_docs_file", reference::get_docs_file(rqctx, path.into_inner())).await
    }
}
