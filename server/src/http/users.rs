//! `get_hola`, `post_login`, `post_logout`: the user endpoints.

use backend_api::{
    ApiError, Envelope, ErrorCode, LoginData, PostLoginHeaders, PostLoginRequest, PostLoginResponse, PostLogoutHeaders,
};
use dropshot::{HttpResponseHeaders, HttpResponseOk};

use super::{authenticate, db_failure, Ctx};
use crate::auth;
use crate::clients::{self, ClientKey};
use crate::clock::secs_to_ms;
use crate::db::db;
use crate::db::rows::{Limits, NewOp};
use crate::metrics;

pub async fn get_hola(rqctx: Ctx) -> Result<HttpResponseOk<Envelope>, ApiError> {
    authenticate(&rqctx).await?;
    Ok(HttpResponseOk(Envelope::ok("hola! amigo!")))
}

/// Logs in. Before any password work, in this order: the client address's bucket
/// (`auth::limits`), the name's lockout for this address, the name's delay for failures from
/// every address; then the password check, within the workers' budget (`auth::checks`). Every
/// refusal is a 429 / 10200 with `Retry-After`.
pub async fn post_login(
    rqctx: Ctx,
    body: PostLoginRequest,
) -> Result<HttpResponseHeaders<HttpResponseOk<PostLoginResponse>, PostLoginHeaders>, ApiError> {
    let cx = rqctx.context();
    let config = &cx.config;
    let log = &rqctx.log;
    let client = ClientKey::of(clients::client_address(
        rqctx.request.remote_addr().ip(),
        rqctx.request.headers(),
        &cx.trusted_proxies,
    ));
    if let Err(wait) = cx.login_buckets.take(client) {
        metrics::login("rate_limited");
        // The refusal costs the client a moment of its connection rather than our CPU: a client
        // sending logins as fast as it can gets about one answer a second per connection.
        let pause = wait.min(RATE_LIMITED_PAUSE);
        tokio::time::sleep(pause).await;
        let retry_secs = (wait - pause).as_secs_f64().ceil() as u64;
        return Err(ApiError::new(
            ErrorCode::ReachMaxLoginLimit,
            format!("too many logins from this address; try again in {} s", retry_secs.max(1)),
        )
        .retry_after(retry_secs));
    }

    let now = cx.clock.now_ms();
    let window_start = now - secs_to_ms(config.login_window_secs);
    let name = body.name;
    let incorrect = || ApiError::new(ErrorCode::UserOrPasswordIncorrect, "user name or password incorrect");
    // A name no user can have (empty, too long, control characters such as NUL, which
    // PostgreSQL cannot store) fails like any unknown name, without touching the database.
    if !auth::valid_user_name(&name) || body.password.contains('\0') {
        metrics::login("failed");
        return Err(incorrect());
    }

    let address = client.to_string();
    let max_failures = i64::try_from(config.login_max_failures).unwrap_or(i64::MAX);
    let locked_out = |first_failed_at: i64| {
        let wait_secs = (((first_failed_at - window_start).max(0) + 999) / 1000) as u64;
        ApiError::new(
            ErrorCode::ReachMaxLoginLimit,
            format!("too many failed logins for this name from this address; try again in {wait_secs} s"),
        )
        .retry_after(wait_secs)
    };
    let failures = db!(&cx.pool, sessions::failures(&name, &address, window_start)).map_err(|e| db_failure(log, e))?;
    if let Some(here) = &failures.here {
        if here.failures >= max_failures {
            metrics::login("locked_out");
            return Err(locked_out(here.first_failed_at));
        }
    }
    let delay = auth::limits::name_delay(failures.everywhere, max_failures);
    if !delay.is_zero() {
        metrics::login_delayed();
        tokio::time::sleep(delay).await;
    }

    let user = db!(&cx.pool, users::find_by_name(&name)).map_err(|e| db_failure(log, e))?;
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => auth::dummy_hash().to_owned(),
    };
    let Ok(check) = cx.password_checks.check(body.password, hash) else {
        metrics::login("busy");
        return Err(ApiError::new(
            ErrorCode::ReachMaxLoginLimit,
            "the server is busy checking other logins; try again in 1 s",
        )
        .retry_after(1));
    };
    let Some(matches) = check.await else {
        slog::error!(log, "password check failed (its worker panicked)");
        return Err(ApiError::internal());
    };
    let user = match user {
        Some(u) if matches && !u.disabled => u,
        _ => {
            let count = db!(write: &cx.pool, sessions::record_failure(&name, &address, now, window_start))
                .map_err(|e| db_failure(log, e))?;
            // Concurrent attempts may all have passed the check above: only the first
            // `max_failures` failures get the 401.
            if count > max_failures {
                metrics::login("locked_out");
                return Err(locked_out(now));
            }
            metrics::login("failed");
            return Err(incorrect());
        }
    };

    let token = auth::new_token();
    let op = NewOp {
        user_id: user.id,
        endpoint: "post_login",
        operation: "login",
        request: serde_json::json!({ "name": name }).to_string(),
        created_at: now,
    };
    let limits = Limits {
        max_per_user: i64::try_from(config.sessions_per_user).unwrap_or(i64::MAX),
        idle_ms: secs_to_ms(config.session_idle_secs),
        lifetime_ms: secs_to_ms(config.session_lifetime_secs),
    };
    db!(write: &cx.pool, sessions::create(user.id, &name, &address, &auth::token_hash(&token), &limits, &op))
        .map_err(|e| db_failure(log, e))?;
    cx.request_users.set(&rqctx.request_id, user.id);
    metrics::login("ok");

    let cookie =
        auth::session_cookie(&config.cookie_name, &token, config.session_lifetime_secs, config.secure_cookie());
    let body = PostLoginResponse {
        code: 0,
        msg: "ok".to_owned(),
        error: String::new(),
        data: LoginData { uid: user.id, name: user.name.clone(), role: user.role(), perm: user.perm() },
    };
    Ok(HttpResponseHeaders::new(HttpResponseOk(body), PostLoginHeaders { set_cookie: cookie, x_auth_token: token }))
}

/// The longest a login over its address's rate waits before its 429.
const RATE_LIMITED_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

pub async fn post_logout(
    rqctx: Ctx,
) -> Result<HttpResponseHeaders<HttpResponseOk<Envelope>, PostLogoutHeaders>, ApiError> {
    let caller = authenticate(&rqctx).await?;
    let cx = rqctx.context();
    let op = NewOp {
        user_id: caller.user_id,
        endpoint: "post_logout",
        operation: "logout",
        request: "{}".to_owned(),
        created_at: cx.clock.now_ms(),
    };
    db!(write: &cx.pool, sessions::revoke(caller.session_id, &op)).map_err(|e| db_failure(&rqctx.log, e))?;
    Ok(HttpResponseHeaders::new(
        HttpResponseOk(Envelope::ok("ok")),
        PostLogoutHeaders { set_cookie: auth::clear_cookie(&cx.config.cookie_name, cx.config.secure_cookie()) },
    ))
}
