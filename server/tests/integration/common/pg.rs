//! The throwaway PostgreSQL cluster shared by this test binary (`xtask::pg` starts and removes
//! clusters), and a fresh database per test in it.

use std::sync::{LazyLock, Mutex};

pub use xtask::pg::{bin_dir, Cluster};

/// Test clusters trade durability for speed: nothing here must survive a power cut.
pub const TEST_SETTINGS: [&str; 4] =
    ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=300"];

/// A dedicated cluster (for tests that stop and start it). Panics with PostgreSQL's output.
pub fn dedicated() -> Cluster {
    Cluster::start(&bin_dir().expect("PostgreSQL binaries"), &TEST_SETTINGS).unwrap_or_else(|e| panic!("{e:#}"))
}

/// The cluster shared by this test binary, started on first use and removed at exit.
static SHARED: LazyLock<Mutex<Option<Cluster>>> = LazyLock::new(|| {
    let bin = bin_dir().expect("PostgreSQL binaries");
    xtask::pg::remove_abandoned(&bin);
    let cluster = Cluster::start(&bin, &TEST_SETTINGS).unwrap_or_else(|e| panic!("{e:#}"));
    extern "C" fn remove_shared() {
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        drop(shared.take());
    }
    // SAFETY: registers a plain extern "C" fn to run at exit.
    unsafe { libc::atexit(remove_shared) };
    Mutex::new(Some(cluster))
});

/// Creates a fresh, empty database `t_<random>` in `cluster`; returns its URL.
pub async fn create_database(cluster: &Cluster) -> String {
    create_database_at(&cluster.url("postgres")).await
}

/// A fresh database in the shared cluster.
pub async fn shared_database() -> String {
    // Only the URL leaves the lock: it is not held across the await.
    let admin = SHARED.lock().unwrap().as_ref().expect("the shared cluster is running").url("postgres");
    create_database_at(&admin).await
}

/// Creates `t_<random>` through the cluster's `postgres` database at `admin`; returns its URL.
async fn create_database_at(admin: &str) -> String {
    use diesel_async::{AsyncConnection as _, AsyncPgConnection, SimpleAsyncConnection as _};
    let name = format!("t_{}", &server::auth::token_hash(&server::auth::new_token())[..16]);
    let mut conn =
        AsyncPgConnection::establish(admin).await.unwrap_or_else(|e| panic!("connecting to the test cluster: {e}"));
    conn.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    let (server, _) = admin.rsplit_once('/').expect("a database URL");
    format!("{server}/{name}")
}
