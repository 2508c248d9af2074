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
use crate::db::rows::{Limits, NewOp, User};
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
    let client = ClientKey::of(clients::client_address(
        rqctx.request.remote_addr().ip(),
        rqctx.request.headers(),
        &cx.trusted_proxies,
    ));
    take_from_bucket(&rqctx, client).await?;
    // A name no user can have (empty, too long, control characters such as NUL, which
    // PostgreSQL cannot store) fails like any unknown name, without touching the database.
    if !auth::valid_user_name(&body.name) || body.password.contains('\0') {
        metrics::login("failed");
        return Err(incorrect());
    }
    let now = cx.clock.now_ms();
    let attempt = Attempt {
        name: body.name,
        address: client.to_string(),
        now,
        window_start: now - secs_to_ms(cx.config.login_window_secs),
        max_failures: i64::try_from(cx.config.login_max_failures).unwrap_or(i64::MAX),
    };
    attempt.wait_out_failures(&rqctx).await?;
    let user = attempt.check_password(&rqctx, body.password).await?;
    let token = attempt.start_session(&rqctx, &user).await?;
    metrics::login("ok");

    let config = &cx.config;
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

/// The same answer for an unknown name and a wrong password.
fn incorrect() -> ApiError {
    ApiError::new(ErrorCode::UserOrPasswordIncorrect, "user name or password incorrect")
}

/// A login from the client address's bucket, or the 429 saying when there will be one.
async fn take_from_bucket(rqctx: &Ctx, client: ClientKey) -> Result<(), ApiError> {
    let Err(wait) = rqctx.context().login_buckets.take(client) else {
        return Ok(());
    };
    metrics::login("rate_limited");
    // The refusal costs the client a moment of its connection rather than our CPU: a client
    // sending logins as fast as it can gets about one answer a second per connection.
    let pause = wait.min(RATE_LIMITED_PAUSE);
    tokio::time::sleep(pause).await;
    let retry_secs = (wait - pause).as_secs_f64().ceil() as u64;
    Err(ApiError::new(
        ErrorCode::ReachMaxLoginLimit,
        format!("too many logins from this address; try again in {} s", retry_secs.max(1)),
    )
    .retry_after(retry_secs))
}

/// One login of a valid name from one client address, at `now`; failures count from
/// `window_start`.
struct Attempt {
    name: String,
    address: String,
    now: i64,
    window_start: i64,
    max_failures: i64,
}

impl Attempt {
    /// The 429 of a name locked out for this address since `first_failed_at`, saying when the
    /// window lets it try again.
    fn locked_out(&self, first_failed_at: i64) -> ApiError {
        let wait_secs = (((first_failed_at - self.window_start).max(0) + 999) / 1000) as u64;
        ApiError::new(
            ErrorCode::ReachMaxLoginLimit,
            format!("too many failed logins for this name from this address; try again in {wait_secs} s"),
        )
        .retry_after(wait_secs)
    }

    /// Refuses a name locked out for this address; slows down a name failing from many.
    async fn wait_out_failures(&self, rqctx: &Ctx) -> Result<(), ApiError> {
        let pool = &rqctx.context().pool;
        let failures = db!(pool, sessions::failures(&self.name, &self.address, self.window_start))
            .map_err(|e| db_failure(&rqctx.log, e))?;
        if let Some(here) = &failures.here {
            if here.failures >= self.max_failures {
                metrics::login("locked_out");
                return Err(self.locked_out(here.first_failed_at));
            }
        }
        let delay = auth::limits::name_delay(failures.everywhere, self.max_failures);
        if !delay.is_zero() {
            metrics::login_delayed();
            tokio::time::sleep(delay).await;
        }
        Ok(())
    }

    /// The user, if the password is theirs and they may log in; otherwise the failure is recorded
    /// and answered. An unknown name costs the same password check as a known one.
    async fn check_password(&self, rqctx: &Ctx, password: String) -> Result<User, ApiError> {
        let cx = rqctx.context();
        let log = &rqctx.log;
        let user = db!(&cx.pool, users::find_by_name(&self.name)).map_err(|e| db_failure(log, e))?;
        let hash = match &user {
            Some(u) => u.password_hash.clone(),
            None => auth::dummy_hash().to_owned(),
        };
        let Ok(check) = cx.password_checks.check(password, hash) else {
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
        match user {
            Some(u) if matches && !u.disabled => Ok(u),
            _ => {
                let count =
                    db!(write: &cx.pool, sessions::record_failure(&self.name, &self.address, self.now, self.window_start))
                        .map_err(|e| db_failure(log, e))?;
                // Concurrent attempts may all have passed the lockout check: only the first
                // `max_failures` failures get the 401.
                if count > self.max_failures {
                    metrics::login("locked_out");
                    return Err(self.locked_out(self.now));
                }
                metrics::login("failed");
                Err(incorrect())
            }
        }
    }

    /// Opens `user`'s session (within the per-user limit, the login logged); its token.
    async fn start_session(&self, rqctx: &Ctx, user: &User) -> Result<String, ApiError> {
        let cx = rqctx.context();
        let config = &cx.config;
        let token = auth::new_token();
        let op = NewOp {
            user_id: user.id,
            endpoint: "post_login",
            operation: "login",
            request: serde_json::json!({ "name": self.name }).to_string(),
            created_at: self.now,
        };
        let limits = Limits {
            max_per_user: i64::try_from(config.sessions_per_user).unwrap_or(i64::MAX),
            idle_ms: secs_to_ms(config.session_idle_secs),
            lifetime_ms: secs_to_ms(config.session_lifetime_secs),
        };
        let hash = auth::token_hash(&token);
        db!(write: &cx.pool, sessions::create(user.id, &self.name, &self.address, &hash, &limits, &op))
            .map_err(|e| db_failure(&rqctx.log, e))?;
        cx.request_users.set(&rqctx.request_id, user.id);
        Ok(token)
    }
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
