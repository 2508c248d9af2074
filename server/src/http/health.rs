//! `get_healthz`, `get_readyz`: whether this instance is alive, and whether it can serve.

use std::time::Duration;

use backend_api::{ApiError, Envelope, ErrorCode};
use dropshot::HttpResponseOk;

use super::Ctx;
use crate::db::{db, DbError};

pub async fn get_healthz(_rqctx: Ctx) -> Result<HttpResponseOk<Envelope>, ApiError> {
    Ok(HttpResponseOk(Envelope::ok("alive")))
}

/// Ready: the database answers within `db_timeout_secs`, and its newest migration is at least this
/// binary's — a newer one, applied for instances already upgraded, keeps the others ready during a
/// rolling upgrade; and the upload store serves (the bucket exists and takes the credentials,
/// within `upload_store_timeout_secs`), asked at the same time.
pub async fn get_readyz(rqctx: Ctx) -> Result<HttpResponseOk<Envelope>, ApiError> {
    let cx = rqctx.context();
    let limit = Duration::from_secs(cx.config.db_timeout_secs.max(1));
    let not_ready = |why: String| ApiError::new(ErrorCode::ServiceUnavailable, format!("not ready: {why}"));
    let (database, store) = tokio::join!(
        tokio::time::timeout(limit, async { db!(&cx.pool, health::latest_migration()) }),
        cx.uploads.check()
    );
    let latest = match database {
        Err(_) => return Err(not_ready(format!("the database did not answer within {} s", limit.as_secs()))),
        Ok(Err(DbError::Unavailable(cause))) => {
            slog::warn!(rqctx.log, "not ready"; "cause" => cause);
            return Err(not_ready("the database is unreachable".to_owned()));
        }
        Ok(Err(e)) => {
            slog::warn!(rqctx.log, "not ready"; "cause" => %e);
            return Err(not_ready("the database's migrations cannot be read".to_owned()));
        }
        Ok(Ok(latest)) => latest.unwrap_or_default(),
    };
    if let Err(why) = store {
        slog::warn!(rqctx.log, "not ready"; "cause" => &why);
        return Err(not_ready(format!("the upload store: {why}")));
    }
    if latest < cx.schema {
        return Err(not_ready(format!(
            "the database schema is at migration {latest:?}, this server needs {:?}: run `server migrate`",
            cx.schema
        )));
    }
    Ok(HttpResponseOk(Envelope::ok("ready")))
}
