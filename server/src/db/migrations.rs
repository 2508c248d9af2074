//! The schema's migrations (`server/migrations/{sqlite,postgres}/`, embedded in the binary): apply
//! them, say which are applied and which pending, and what the newest one is.
//!
//! A server applies them at start unless `migrate_on_start` is off; then a schema behind the
//! binary stops it at start, and `server migrate` is the one step that changes the schema — so
//! the role the server runs as in production needs no right to alter tables.

use anyhow::Context as _;
use diesel::migration::{Migration, MigrationSource};
use diesel_async::AsyncMigrationHarness;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use super::{postgres, sqlite, Backend, DatabaseUrl, PoolOptions};

/// What a database holds of this binary's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Applied, oldest first, by name (`2026-11-25-000000_init`); a version this binary does not
    /// know by its version alone.
    pub applied: Vec<String>,
    /// This binary's migrations not applied yet, oldest first.
    pub pending: Vec<String>,
}

fn embedded(backend: Backend) -> EmbeddedMigrations {
    match backend {
        Backend::Sqlite => sqlite::MIGRATIONS,
        Backend::Postgres => postgres::MIGRATIONS,
    }
}

/// This binary's migrations for `backend`, oldest first: (version, name).
fn known<DB: diesel::backend::Backend>(source: &EmbeddedMigrations) -> anyhow::Result<Vec<(String, String)>>
where
    EmbeddedMigrations: MigrationSource<DB>,
{
    let list: Vec<Box<dyn Migration<DB>>> =
        MigrationSource::<DB>::migrations(source).map_err(|e| anyhow::anyhow!("reading the migrations: {e}"))?;
    let mut out: Vec<(String, String)> =
        list.iter().map(|m| (m.name().version().to_string(), m.name().to_string())).collect();
    out.sort();
    Ok(out)
}

/// The version of the newest migration this binary has for `backend` (what `readyz` expects).
pub fn latest(backend: Backend) -> String {
    let all = match backend {
        Backend::Sqlite => known::<diesel::sqlite::Sqlite>(&embedded(backend)),
        Backend::Postgres => known::<diesel::pg::Pg>(&embedded(backend)),
    };
    all.ok().and_then(|all| all.last().map(|(version, _)| version.clone())).unwrap_or_default()
}

/// Runs `f` with a migration harness on a connection of its own to `url`.
/// (The harness blocks its thread while it works: it needs tokio's multi-thread runtime.)
async fn with_harness<T>(
    url: &DatabaseUrl,
    options: &PoolOptions,
    f: impl FnOnce(&mut dyn Harness) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let (backend, url) = (url.backend(), url.as_str());
    match backend {
        Backend::Sqlite => f(&mut AsyncMigrationHarness::new(sqlite::migration_connection(url, options).await?)),
        Backend::Postgres => f(&mut AsyncMigrationHarness::new(postgres::migration_connection(url, options).await?)),
    }
}

/// What the two backends' harnesses share, without their type parameters.
trait Harness {
    fn status(&mut self) -> anyhow::Result<Status>;
    fn run_pending(&mut self) -> anyhow::Result<Vec<String>>;
}

macro_rules! harness_for {
    ($conn:ty, $db:ty, $source:expr) => {
        impl Harness for AsyncMigrationHarness<$conn> {
            fn status(&mut self) -> anyhow::Result<Status> {
                let known = known::<$db>(&$source)?;
                let mut applied: Vec<String> = MigrationHarness::<$db>::applied_migrations(self)
                    .map_err(|e| anyhow::anyhow!("reading the applied migrations: {e}"))?
                    .iter()
                    .map(|v| v.to_string())
                    .collect();
                applied.sort();
                let pending = known.iter().filter(|(v, _)| !applied.contains(v)).map(|(_, n)| n.clone()).collect();
                let applied = applied
                    .into_iter()
                    .map(|v| known.iter().find(|(k, _)| *k == v).map_or(v, |(_, name)| name.clone()))
                    .collect();
                Ok(Status { applied, pending })
            }

            fn run_pending(&mut self) -> anyhow::Result<Vec<String>> {
                let names = self.status()?.pending;
                MigrationHarness::<$db>::run_pending_migrations(self, $source)
                    .map_err(|e| anyhow::anyhow!("applying migrations: {e}"))?;
                Ok(names)
            }
        }
    };
}
harness_for!(sqlite::Conn, diesel::sqlite::Sqlite, sqlite::MIGRATIONS);
harness_for!(postgres::Conn, diesel::pg::Pg, postgres::MIGRATIONS);

/// Applies the pending migrations; their names, oldest first.
pub async fn migrate(url: &DatabaseUrl, options: &PoolOptions) -> anyhow::Result<Vec<String>> {
    with_harness(url, options, |h| h.run_pending()).await.context("migrating the database")
}

/// Which migrations are applied and which pending.
pub async fn status(url: &DatabaseUrl, options: &PoolOptions) -> anyhow::Result<Status> {
    with_harness(url, options, |h| h.status()).await.context("reading the database's migrations")
}

/// Stops a start on a schema behind this binary, saying what to run.
pub async fn require_current(url: &DatabaseUrl, options: &PoolOptions) -> anyhow::Result<()> {
    let status = status(url, options).await?;
    anyhow::ensure!(
        status.pending.is_empty(),
        "the database schema is behind this server: {} migration(s) pending ({}); run `server migrate` \
         (migrate_on_start is off)",
        status.pending.len(),
        status.pending.join(", ")
    );
    Ok(())
}
