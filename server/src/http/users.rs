//! `get_hola`, `post_login`, `post_logout`: the user endpoints.

use backend_api::{ApiError, Envelope, ErrorCode, LoginData, LoginHeaders, LoginRequest, LoginResponse, LogoutHeaders};
use dropshot::{HttpResponseHeaders, HttpResponseOk};

use super::{authenticate, db_failure, Ctx};
use crate::auth;
use crate::clock::secs_to_ms;
use crate::db::db;
use crate::db::rows::{Limits, NewOp};
use crate::metrics;

pub async fn get_hola(rqctx: Ctx) -> Result<HttpResponseOk<Envelope>, ApiError> {
    authenticate(&rqctx).await?;
    Ok(HttpResponseOk(Envelope::ok("hola! amigo!")))
}

pub async fn post_login(
    rqctx: Ctx,
    body: LoginRequest,
) -> Result<HttpResponseHeaders<HttpResponseOk<LoginResponse>, LoginHeaders>, ApiError> {
    let cx = rqctx.context();
    let config = &cx.config;
    let log = &rqctx.log;
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

    let max_failures = i64::try_from(config.login_max_failures).unwrap_or(i64::MAX);
    let locked_out = |first_failed_at: i64| {
        let wait_secs = ((first_failed_at - window_start).max(0) + 999) / 1000;
        ApiError::new(
            ErrorCode::ReachMaxLoginLimit,
            format!("too many failed logins for this name; try again in {wait_secs} s"),
        )
    };
    let failures = db!(&cx.pool, sessions::failures(&name, window_start)).map_err(|e| db_failure(log, e))?;
    if let Some(f) = &failures {
        if f.failures >= max_failures {
            metrics::login("locked_out");
            return Err(locked_out(f.first_failed_at));
        }
    }

    let user = db!(&cx.pool, users::find_by_name(&name)).map_err(|e| db_failure(log, e))?;
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => auth::dummy_hash().to_owned(),
    };
    let password = body.password;
    let matches = auth::verify_password_bounded(password, hash).await.map_err(|e| {
        slog::error!(log, "password check panicked"; "cause" => %e);
        ApiError::internal()
    })?;
    let user = match user {
        Some(u) if matches && !u.disabled => u,
        _ => {
            let count =
                db!(&cx.pool, sessions::record_failure(&name, now, window_start)).map_err(|e| db_failure(log, e))?;
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
    db!(&cx.pool, sessions::create(user.id, &name, &auth::token_hash(&token), &limits, &op))
        .map_err(|e| db_failure(log, e))?;
    cx.request_users.set(&rqctx.request_id, user.id);
    metrics::login("ok");

    let cookie =
        auth::session_cookie(&config.cookie_name, &token, config.session_lifetime_secs, config.secure_cookie());
    let body = LoginResponse {
        code: 0,
        msg: "ok".to_owned(),
        error: String::new(),
        data: LoginData { uid: user.id, name: user.name.clone(), role: user.role(), perm: user.perm() },
    };
    Ok(HttpResponseHeaders::new(HttpResponseOk(body), LoginHeaders { set_cookie: cookie, x_auth_token: token }))
}

pub async fn post_logout(rqctx: Ctx) -> Result<HttpResponseHeaders<HttpResponseOk<Envelope>, LogoutHeaders>, ApiError> {
    let caller = authenticate(&rqctx).await?;
    let cx = rqctx.context();
    let op = NewOp {
        user_id: caller.user_id,
        endpoint: "post_logout",
        operation: "logout",
        request: "{}".to_owned(),
        created_at: cx.clock.now_ms(),
    };
    db!(&cx.pool, sessions::revoke(caller.session_id, &op)).map_err(|e| db_failure(&rqctx.log, e))?;
    Ok(HttpResponseHeaders::new(
        HttpResponseOk(Envelope::ok("ok")),
        LogoutHeaders { set_cookie: auth::clear_cookie(&cx.config.cookie_name, cx.config.secure_cookie()) },
    ))
}
