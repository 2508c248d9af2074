//! Writes reuse their prepared statements on PostgreSQL. diesel marks every UPDATE, upsert and
//! struct insert "unsafe to cache", and diesel-async then prepares such a statement on every
//! call (one more round trip, one more plan); `cached::CacheBySql` keeps them. Seen from the
//! one pooled connection: after many writes, each write statement is prepared exactly once.
//!
//! And reads are planned once per connection, not on every request (`postgres::establish`):
//! the list page's `LIMIT $n` kept PostgreSQL's default plan mode planning it afresh each time.
//!
//! Both need PostgreSQL (`server_harness::pg`); without it they say so and pass, except under CI.

use diesel::sql_types::{BigInt, Text};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl as _;

use super::rows::{NewOp, NewTask, NewUser};
use super::{db, Pool, PoolOptions};

/// The options of a pool whose every query runs on one pooled connection and one shared one,
/// so that the statements they prepared can be inspected there afterwards.
fn one_connection() -> PoolOptions {
    PoolOptions {
        max_size: 1,
        read_connections: 1,
        connection_timeout: std::time::Duration::from_secs(5),
        sqlite_busy_timeout: std::time::Duration::from_secs(5),
        sslmode: super::postgres::tls::SslMode::Prefer,
        sslrootcert: String::new(),
        pooler: super::postgres::Pooler::None,
        log: None,
    }
}

/// A migrated pool on a fresh PostgreSQL database, with the user `alice`; `None` when PostgreSQL
/// is not installed.
async fn pool_with_alice() -> Option<(Pool, i64)> {
    pool_with_alice_and(one_connection()).await
}

async fn pool_with_alice_and(options: PoolOptions) -> Option<(Pool, i64)> {
    if !server_harness::pg::available() {
        return None;
    }
    let url = tokio::task::spawn_blocking(server_harness::pg::test_database).await.unwrap();
    let url = url.parse().unwrap();
    super::migrations::migrate(&url, &options).await.unwrap();
    let pool = Pool::connect(&url, &options).unwrap();
    let alice = NewUser { name: "alice", password_hash: "-", role: 0, perm: 0, created_at: 0, updated_at: 0 };
    let user_id = db!(write: &pool, users::insert(&alice)).unwrap();
    Some((pool, user_id))
}

#[derive(QueryableByName)]
struct Plans {
    #[diesel(sql_type = Text)]
    statement: String,
    #[diesel(sql_type = BigInt)]
    generic_plans: i64,
    #[diesel(sql_type = BigInt)]
    custom_plans: i64,
}

#[derive(QueryableByName)]
struct Prepared {
    #[diesel(sql_type = Text)]
    statement: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Every kind of write the server makes, five tasks' worth; their ids.
async fn write_tasks(pool: &Pool, user_id: i64) -> Vec<i64> {
    let op = |endpoint: &'static str| NewOp {
        user_id,
        endpoint,
        operation: "test",
        request: "{}".to_owned(),
        created_at: 0,
    };
    let mut ids = Vec::new();
    for i in 0..5 {
        let input = format!("in{i}");
        let task = NewTask {
            user_id,
            type_: "image",
            status: 0,
            priority: 1,
            input: &input,
            note: "",
            created_at: 0,
            updated_at: 0,
        };
        ids.push(db!(write: pool, tasks::create(&task, &op("post_task"))).unwrap());
    }
    for (i, &id) in ids.iter().enumerate() {
        let note = format!("note {i}");
        db!(write: pool, tasks::update(user_id, id, Some(note.as_str()), None, &op("put_task"))).unwrap();
        db!(write: pool, tasks::set_status(user_id, id, 2, &op("put_task_status"))).unwrap();
    }
    db!(write: pool, tasks::delete(user_id, &ids[..2], &op("delete_task"))).unwrap();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_prepared_once_and_reused() {
    let Some((pool, user_id)) = pool_with_alice().await else { return };
    write_tasks(&pool, user_id).await;

    let Pool::Postgres(pg, _) = &pool else { unreachable!() };
    let mut conn = pg.get().await.unwrap();
    let prepared: Vec<Prepared> = diesel::sql_query(
        "SELECT split_part(statement, ' (', 1) AS statement, count(*) AS n FROM pg_prepared_statements \
         WHERE statement ~ '^(INSERT|UPDATE)' GROUP BY 1 ORDER BY 1",
    )
    .load(&mut *conn)
    .await
    .unwrap();
    let prepared: Vec<(String, i64)> = prepared.into_iter().map(|p| (p.statement, p.n)).collect();
    // Each distinct write statement once: op_log (one text for all), tasks, task_counts, the two
    // UPDATEs. Without the cache they are closed after each use and none would be listed.
    for table in ["INSERT INTO \"op_log\"", "INSERT INTO \"tasks\"", "INSERT INTO \"task_counts\""] {
        assert!(prepared.iter().any(|(s, n)| s == table && *n == 1), "{table} prepared once: {prepared:?}");
    }
    let updates: i64 = prepared.iter().filter(|(s, _)| s.starts_with("UPDATE")).map(|(_, n)| n).sum();
    assert_eq!(updates, 2, "the note update and the status update, once each: {prepared:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_pages_are_planned_once_not_per_request() {
    let Some((pool, user_id)) = pool_with_alice().await else { return };
    let Pool::Postgres(pg, shared) = &pool else { unreachable!() };
    use diesel_async::SimpleAsyncConnection as _;
    let mut setup = pg.get().await.unwrap();
    setup
        .batch_execute(&format!(
            "INSERT INTO tasks (user_id, type, input, created_at, updated_at) \
         SELECT {user_id}, 'image', 'in' || i, 0, 0 FROM generate_series(1, 30) AS s(i); \
         INSERT INTO task_counts (user_id, shard, tasks) VALUES ({user_id}, 0, 30); \
         INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at) VALUES ({user_id}, 'h', 0, 0)"
        ))
        .await
        .unwrap();
    drop(setup);
    // Past the five executions after which PostgreSQL's default mode settles on a plan.
    for page in 0..8 {
        let (session, total, rows) = db!(shared: &pool, tasks::list_with_session("h", page % 2 * 20, 20)).unwrap();
        assert!(session.is_some());
        assert_eq!((total, rows.len()), (30, if page % 2 == 0 { 20 } else { 10 }));
    }

    let conn = shared.get().await.unwrap();
    let plans: Vec<Plans> = diesel::sql_query(
        "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE 'SELECT%'",
    )
    .load(&mut &*conn)
    .await
    .unwrap();
    let page = plans.iter().find(|p| p.statement.contains("ORDER BY")).expect("the page statement is prepared");
    assert_eq!((page.generic_plans, page.custom_plans), (8, 0), "the page statement: {}", page.statement);
    for p in &plans {
        assert_eq!(p.custom_plans, 0, "planned again for its values: {}", p.statement);
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    plan_cache_mode: String,
}

/// `db_pooler = "transaction"`: the same reads and writes leave no named statement and no setting
/// on the sessions they ran on, so that a pooler may lend those sessions to anyone after each
/// transaction (the vendored diesel-async's unnamed statements, `server/vendor/diesel-async`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_transaction_pooler_no_statement_is_named() {
    let options = PoolOptions { pooler: super::postgres::Pooler::Transaction, ..one_connection() };
    let Some((pool, user_id)) = pool_with_alice_and(options).await else { return };
    let ids = write_tasks(&pool, user_id).await;
    let Pool::Postgres(pg, shared) = &pool else { unreachable!() };
    use diesel_async::SimpleAsyncConnection as _;
    let mut setup = pg.get().await.unwrap();
    setup
        .batch_execute(&format!(
            "INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at) VALUES ({user_id}, 'h', 0, 0)"
        ))
        .await
        .unwrap();
    drop(setup);
    for _ in 0..3 {
        let (session, total, rows) = db!(shared: &pool, tasks::list_with_session("h", 0, 20)).unwrap();
        assert!(session.is_some());
        assert_eq!((total, rows.len()), (3, 3), "the writes all went through");
        assert!(rows.iter().all(|t| t.status == 2 && ids.contains(&t.id)));
    }

    let named = "SELECT count(*) AS n FROM pg_prepared_statements";
    let shown = "SELECT current_setting('plan_cache_mode') AS plan_cache_mode";
    let mut pooled = pg.get().await.unwrap();
    let read = shared.get().await.unwrap();
    for (which, n, mode) in [
        (
            "the pooled connection",
            diesel::sql_query(named).get_result::<Count>(&mut *pooled).await.unwrap().n,
            diesel::sql_query(shown).get_result::<Setting>(&mut *pooled).await.unwrap().plan_cache_mode,
        ),
        (
            "the shared read connection",
            diesel::sql_query(named).get_result::<Count>(&mut &*read).await.unwrap().n,
            diesel::sql_query(shown).get_result::<Setting>(&mut &*read).await.unwrap().plan_cache_mode,
        ),
    ] {
        assert_eq!(n, 0, "{which} holds named statements");
        assert_eq!(mode, "auto", "{which} changed a session setting");
    }
}
