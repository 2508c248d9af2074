//! A database made by the first release upgrades in place: its tasks and their counts survive
//! the later migrations (the count moving out of `users` into `task_counts`, SQLite's tasks
//! table rebuilt for ids that are never reused).

use diesel::connection::SimpleConnection as _;
use diesel_async::{AsyncConnection as _, SimpleAsyncConnection as _};
use server::db::Pool;

use crate::common::{new_database, on_both_databases, test_config, DbKind};

on_both_databases!(a_database_of_the_first_release_upgrades_with_its_tasks_and_counts);

async fn a_database_of_the_first_release_upgrades_with_its_tasks_and_counts(db: DbKind) {
    let database = new_database(db).await;
    let backend = match db {
        DbKind::Sqlite => "sqlite",
        DbKind::Postgres => "postgres",
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
    match db {
        DbKind::Sqlite => {
            let path = database.url.trim_start_matches("sqlite://");
            let mut conn = <diesel::SqliteConnection as diesel::Connection>::establish(path).unwrap();
            conn.batch_execute(&setup).unwrap();
        }
        DbKind::Postgres => {
            let mut conn = diesel_async::AsyncPgConnection::establish(&database.url).await.unwrap();
            conn.batch_execute(&setup).await.unwrap();
        }
    }

    // Connecting applies the later migrations.
    let pool = Pool::connect(&database.url, &test_config(&database.url).pool_options()).await.unwrap();
    for (name, expected) in [("old", 3), ("other", 1), ("idle", 0)] {
        let user = server::db!(&pool, users::find_by_name(name)).unwrap().unwrap();
        assert_eq!(server::db!(&pool, tasks::count(user.id)).unwrap(), expected, "{name}'s count");
        assert_eq!(server::db!(&pool, tasks::count_rows(user.id)).unwrap(), expected, "{name}'s tasks");
        let (total, items) = server::db!(&pool, tasks::list(user.id, 0, 10)).unwrap();
        assert_eq!((total, items.len() as i64), (expected, expected));
    }
}
