//! What every test suite of the server starts from (feature `test-context`): a [`TestServer`] —
//! the suite's binary on a free loopback port, a fresh database (a SQLite file, or a new
//! database in the throwaway PostgreSQL cluster the test process shares) and folders of its own,
//! with an HTTP client and helpers that read like what a user does — the macros that run a test
//! on each database ([`on_both_databases!`]) and each upload store ([`on_both_stores!`]), the
//! checks of the API's answers ([`expect_ok`], [`expect_error`]), and the stored rows read with
//! the tests' own SQL ([`Stored`]).
//!
//! It knows the server only from outside: a suite names its binary and its configuration's type
//! once ([`ServerUnderTest`]), and settings reach the server as its configuration file.

mod answers;
mod config;
mod server;
mod stored;

pub use answers::{expect_error, expect_ok, header};
pub use config::{test_config, through_transaction_pooler, use_bucket, ConfigFile};
pub use server::TestServer;
pub use stored::{Op, Stored, StoredTask};

/// The server a suite runs, named once per suite:
///
/// ```text
/// pub struct Backend;
/// impl server_harness::ServerUnderTest for Backend {
///     type Config = server::config::Config;
///     const BINARY: &'static str = env!("CARGO_BIN_EXE_server");
/// }
/// pub type TestServer = server_harness::TestServer<Backend>;
/// ```
pub trait ServerUnderTest: 'static {
    /// What its configuration file holds (its `Config`).
    type Config: ConfigFile;
    /// Its binary (`env!("CARGO_BIN_EXE_server")`).
    const BINARY: &'static str;
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
    /// PostgreSQL through a PgBouncer in transaction mode ([`crate::pgbouncer`]), the server
    /// set for it (`db_pooler = "transaction"`).
    PgBouncer,
}

/// Where a test's server keeps uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// The local folder `upload_dir`.
    Local,
    /// A fresh bucket in the moto server the tests share ([`crate::s3`]).
    S3,
}

/// Instantiates each listed `async fn name(db: DbKind)` as `sqlite::name`, `postgres::name` and
/// `pgbouncer::name` (PostgreSQL through PgBouncer in transaction mode); the last two pass,
/// saying so, where PostgreSQL or PgBouncer is not installed — except under CI.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::DbKind::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::pg::available() {
                        super::$name($crate::DbKind::Postgres).await
                    }
                }
            )*
        }
        mod pgbouncer {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::pgbouncer::available() {
                        super::$name($crate::DbKind::PgBouncer).await
                    }
                }
            )*
        }
    };
}

/// Instantiates each listed `async fn name(db: DbKind, store: StoreKind)` as `sqlite::name`,
/// `postgres::name` and `pgbouncer::name` (the local folder) and `s3::name` (SQLite, uploads in a
/// bucket; where moto is installed, or under CI).
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::DbKind::Sqlite, $crate::StoreKind::Local).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::pg::available() {
                        super::$name($crate::DbKind::Postgres, $crate::StoreKind::Local).await
                    }
                }
            )*
        }
        mod pgbouncer {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::pgbouncer::available() {
                        super::$name($crate::DbKind::PgBouncer, $crate::StoreKind::Local).await
                    }
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::s3::available() {
                        super::$name($crate::DbKind::Sqlite, $crate::StoreKind::S3).await
                    }
                }
            )*
        }
    };
}
