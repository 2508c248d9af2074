//! `post_task`, `get_task`, `put_task`, `put_task_status`, `delete_task`, `get_tasks`.
//!
//! Each handler checks, in the order `docs/behaviour.md` gives: the session (401), the request's
//! shape and values (400, the message naming the field), existence and ownership (404 — someone
//! else's task is a missing one), then state (409).

use backend_api::{
    ApiError, DeleteTaskRequest, Envelope, ErrorCode, GetTaskQuery, GetTaskResponse, GetTasksQuery, GetTasksResponse,
    LazyBody, LazyQuery, PostTaskRequest, PutTaskRequest, PutTaskStatusRequest, TaskDetail, TaskItem, UidName,
    STATUS_VALUES, TYPE_VALUES,
};
use dropshot::HttpResponseOk;
use serde::Serialize;

use super::{admit, authenticate, db_failure, query_before_session, session_token_hash, Caller, Ctx};
use crate::db::db;
use crate::db::rows::{NewOp, NewTask, StatusChange, Updated};

/// Longest `input`, in bytes (64 KiB).
pub const MAX_INPUT_BYTES: usize = 64 * 1024;
/// Longest `note`, in bytes (4 KiB).
pub const MAX_NOTE_BYTES: usize = 4 * 1024;
/// Most ids one `delete_task` takes.
pub const MAX_DELETE_IDS: usize = 1000;
/// Largest `limit` of `get_tasks`.
pub const MAX_LIMIT: i64 = 100;

fn status_name(status: i64) -> &'static str {
    match status {
        0 => "waiting",
        1 => "done",
        2 => "processing",
        3 => "cancelled",
        _ => "unknown",
    }
}

/// `get_tasks`' offset and limit: not negative, limit at most [`MAX_LIMIT`].
fn check_page_bounds(offset: i64, limit: i64) -> Result<(), ApiError> {
    for (name, value) in [("offset", offset), ("limit", limit)] {
        if value < 0 {
            return Err(ApiError::invalid_request(format!("{name} {value}: must not be negative")));
        }
    }
    if limit > MAX_LIMIT {
        return Err(ApiError::new(ErrorCode::OverMaxLimit, format!("limit {limit}: at most {MAX_LIMIT}")));
    }
    Ok(())
}

fn not_found(id: i64) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("task {id} not found"))
}

/// A text field within its cap and storable (PostgreSQL text cannot hold NUL).
fn check_text(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.len() > max {
        return Err(ApiError::invalid_request(format!(
            "{field}: {} bytes, at most {max} ({} KiB)",
            value.len(),
            max / 1024
        )));
    }
    if value.contains('\0') {
        return Err(ApiError::invalid_request(format!("{field}: must not contain NUL characters")));
    }
    Ok(())
}

fn check_new_task(task: &PostTaskRequest) -> Result<(), ApiError> {
    let types = TYPE_VALUES.join(", ");
    if task.type_.is_empty() {
        return Err(ApiError::invalid_request(format!("type: required, one of {types}")));
    }
    if !TYPE_VALUES.contains(&task.type_.as_str()) {
        return Err(ApiError::invalid_request(format!("type {:?}: expected one of {types}", task.type_)));
    }
    if task.input.is_empty() {
        return Err(ApiError::invalid_request("input: must not be empty"));
    }
    check_text("input", &task.input, MAX_INPUT_BYTES)?;
    check_text("note", &task.note, MAX_NOTE_BYTES)
}

fn new_op(
    rqctx: &Ctx,
    caller: &Caller,
    endpoint: &'static str,
    operation: &'static str,
    request: &impl Serialize,
) -> NewOp {
    NewOp {
        user_id: caller.user_id,
        endpoint,
        operation,
        request: serde_json::to_string(request).unwrap_or_default(),
        created_at: rqctx.context().clock.now_ms(),
    }
}

pub async fn post_task(rqctx: Ctx, body: LazyBody<PostTaskRequest>) -> Result<HttpResponseOk<Envelope>, ApiError> {
    let caller = authenticate(&rqctx).await?;
    let request = body.parse()?;
    check_new_task(&request)?;
    let op = new_op(&rqctx, &caller, "post_task", "create", &request);
    let task = NewTask {
        user_id: caller.user_id,
        type_: &request.type_,
        status: 0,
        priority: i16::from(request.priority),
        input: &request.input,
        note: &request.note,
        created_at: op.created_at,
        updated_at: op.created_at,
    };
    db!(write: &rqctx.context().pool, tasks::create(&task, &op)).map_err(|e| db_failure(&rqctx.log, e))?;
    Ok(HttpResponseOk(Envelope::ok("ok")))
}

/// The session lookup and the task's read go to the database together (one round trip); the
/// task is used only once the session is known to be good.
pub async fn get_task(rqctx: Ctx, query: LazyQuery<GetTaskQuery>) -> Result<HttpResponseOk<GetTaskResponse>, ApiError> {
    let id = query_before_session(&rqctx, query, |_| Ok(())).await?.id;
    let hash = session_token_hash(&rqctx)?;
    let (session, task) = db!(shared: &rqctx.context().pool, tasks::find_with_session(&hash, id))
        .map_err(|e| db_failure(&rqctx.log, e))?;
    admit(&rqctx, session).await?;
    let task = task.ok_or_else(|| not_found(id))?;
    Ok(HttpResponseOk(GetTaskResponse {
        code: 0,
        msg: "ok".to_owned(),
        error: String::new(),
        data: TaskDetail {
            id: task.id,
            status: u8::try_from(task.status).unwrap_or_default(),
            type_: task.type_,
            priority: i8::try_from(task.priority).unwrap_or_default(),
            input: task.input,
            result: task.result,
            note: task.note,
        },
    }))
}

pub async fn put_task(rqctx: Ctx, body: LazyBody<PutTaskRequest>) -> Result<HttpResponseOk<Envelope>, ApiError> {
    let caller = authenticate(&rqctx).await?;
    let request = body.parse()?;
    check_text("note", &request.note, MAX_NOTE_BYTES)?;
    // The zero value leaves a field as it is (the old service's rule).
    let note = Some(request.note.as_str()).filter(|n| !n.is_empty());
    let priority = Some(i16::from(request.priority)).filter(|&p| p != 0);
    let op = new_op(&rqctx, &caller, "put_task", "update", &request);
    let updated = db!(write: &rqctx.context().pool, tasks::update(caller.user_id, request.id, note, priority, &op))
        .map_err(|e| db_failure(&rqctx.log, e))?;
    match updated {
        Updated::Changed | Updated::Unchanged => Ok(HttpResponseOk(Envelope::ok("ok"))),
        Updated::NotFound => Err(not_found(request.id)),
    }
}

pub async fn put_task_status(
    rqctx: Ctx,
    body: LazyBody<PutTaskStatusRequest>,
) -> Result<HttpResponseOk<Envelope>, ApiError> {
    let caller = authenticate(&rqctx).await?;
    let request = body.parse()?;
    let status = request.status;
    if !STATUS_VALUES.contains(&status) {
        return Err(ApiError::invalid_request(format!(
            "status {status}: expected one of 0 (waiting), 2 (processing), 1 (done), 3 (cancelled)"
        )));
    }
    let op = new_op(&rqctx, &caller, "put_task_status", "status", &request);
    let change =
        db!(write: &rqctx.context().pool, tasks::set_status(caller.user_id, request.id, i16::from(status), &op))
            .map_err(|e| db_failure(&rqctx.log, e))?;
    match change {
        StatusChange::Changed | StatusChange::Unchanged => Ok(HttpResponseOk(Envelope::ok("ok"))),
        StatusChange::NotFound => Err(not_found(request.id)),
        StatusChange::Refused { from } => Err(ApiError::new(
            ErrorCode::InvalidStatus,
            format!(
                "task {}: status {from} ({}) cannot change to {status} ({}); allowed: \
                 0→2, 0→1, 0→3, 2→1, 2→3 (1 and 3 are final)",
                request.id,
                status_name(i64::from(from)),
                status_name(i64::from(status)),
            ),
        )),
    }
}

pub async fn delete_task(rqctx: Ctx, body: LazyBody<DeleteTaskRequest>) -> Result<HttpResponseOk<Envelope>, ApiError> {
    let caller = authenticate(&rqctx).await?;
    let request = body.parse()?;
    let ids = request.ids.as_deref().unwrap_or_default();
    if ids.len() > MAX_DELETE_IDS {
        return Err(ApiError::invalid_request(format!("ids: {} ids, at most {MAX_DELETE_IDS} per request", ids.len())));
    }
    if !ids.is_empty() {
        let op = new_op(&rqctx, &caller, "delete_task", "delete", &request);
        db!(write: &rqctx.context().pool, tasks::delete(caller.user_id, ids, &op))
            .map_err(|e| db_failure(&rqctx.log, e))?;
    }
    Ok(HttpResponseOk(Envelope::ok("ok")))
}

/// Like `get_task`, one round trip: the session lookup (which also selects the task count) and
/// the page together.
pub async fn get_tasks(
    rqctx: Ctx,
    query: LazyQuery<GetTasksQuery>,
) -> Result<HttpResponseOk<GetTasksResponse>, ApiError> {
    let GetTasksQuery { offset, limit } =
        query_before_session(&rqctx, query, |q| check_page_bounds(q.offset, q.limit)).await?;
    let hash = session_token_hash(&rqctx)?;
    let pool = &rqctx.context().pool;
    let (session, total, rows) =
        db!(shared: pool, tasks::list_with_session(&hash, offset, limit)).map_err(|e| db_failure(&rqctx.log, e))?;
    let caller = admit(&rqctx, session).await?;
    let items = rows
        .into_iter()
        .map(|t| TaskItem {
            id: t.id,
            status: u8::try_from(t.status).unwrap_or_default(),
            type_: t.type_,
            priority: i8::try_from(t.priority).unwrap_or_default(),
            note: t.note,
            user: UidName { uid: caller.user_id, name: caller.name.clone() },
        })
        .collect();
    Ok(HttpResponseOk(GetTasksResponse {
        code: 0,
        msg: "ok".to_owned(),
        error: String::new(),
        total,
        items: Some(items),
    }))
}
