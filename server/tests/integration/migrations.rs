//! A database made by the first release upgrades in place: its tasks and their counts survive
//! the later migrations (the count moving out of `users` into `task_counts`, SQLite's tasks
//! table rebuilt for ids that are never reused).

use server_harness::{on_both_databases, DbKind};

use crate::TestServer;

on_both_databases!(a_database_of_the_first_release_upgrades_with_its_tasks_and_counts);

async fn a_database_of_the_first_release_upgrades_with_its_tasks_and_counts(db: DbKind) {
    let launch = tokio::task::block_in_place(|| TestServer::launch(db, |_| {}));
    let backend = match db {
        DbKind::Sqlite => "sqlite",
        DbKind::Postgres | DbKind::PgBouncer => "postgres",
    };
    let init = std::fs::read_to_string(format!(
        "{}/migrations/{backend}/2026-11-25-000000_init/up.sql",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    // The first release's schema and data, recorded as diesel records an applied migration.
    let setup = format!(
        "{init}
         CREATE TABLE __diesel_schema_migrations (
             version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
         INSERT INTO __diesel_schema_migrations (version) VALUES ('20261125000000');
         INSERT INTO users (name, password_hash, task_count, created_at, updated_at) VALUES
             ('old', 'x', 3, 0, 0), ('other', 'x', 1, 0, 0), ('idle', 'x', 0, 0, 0);
         INSERT INTO tasks (user_id, type, input, created_at, updated_at)
             SELECT u.id, 'image', v.input, 0, 0 FROM users u, (SELECT 'a' AS input UNION ALL SELECT 'b' UNION ALL SELECT 'c') v
             WHERE u.name = 'old';
         INSERT INTO tasks (user_id, type, input, created_at, updated_at)
             SELECT id, 'video', 'd', 0, 0 FROM users WHERE name = 'other';"
    );
    let stored = server_harness::Stored::new(launch.database_url());
    stored.execute(&setup).await;

    // The server applies the later migrations as it starts.
    let s = TestServer::from_launch(launch).await;
    for (name, expected) in [("old", 3), ("other", 1), ("idle", 0)] {
        let id = stored.count(&format!("SELECT id AS n FROM users WHERE name = '{name}'")).await;
        assert_eq!(stored.counted_tasks_of(id).await, expected, "{name}'s count");
        assert_eq!(stored.tasks_of(id).await.len() as i64, expected, "{name}'s tasks");
    }
    // And the old users' tasks list as before, with their totals.
    s.cli(&["user", "passwd", "old"], "old-password\n").await;
    let token = s.token("old", "old-password").await;
    let list = s.client.get(s.url("tasks?limit=10")).header("x-auth-token", &token).send().await.unwrap();
    let list = server_harness::expect_ok(list).await;
    assert_eq!((&list["total"], list["items"].as_array().unwrap().len()), (&3.into(), 3), "{list}");
}
