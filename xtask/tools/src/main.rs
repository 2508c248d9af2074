//! `xtask-tools`: what `cargo xtask client|contract|bench|soak|fuzz-api` runs (see the crate's
//! library for why it is apart from `cargo xtask`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask_tools::{bench, client, contract, fuzz, soak};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "The commands of cargo xtask that build on the server's crates")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the Rust client in generated/ from the doc's spec (progenitor).
    Client {
        /// Write nothing; fail if the committed client is not what the spec generates.
        #[arg(long)]
        check: bool,
    },
    /// Check that the server's own spec (from its API trait) says what the doc says.
    Contract {
        /// The markdown doc [default: openapi/backend-api.md].
        #[arg(long)]
        doc: Option<PathBuf>,
    },
    /// Benchmark every endpoint of the release server on PostgreSQL and SQLite against the limits
    /// of its database and HTTP work, measured in the same run (needs wrk and PostgreSQL; PgBouncer
    /// for its postgres+pgbouncer rows).
    Bench {
        /// A short run (1 s per measurement, a couple of minutes) that still covers every endpoint.
        #[arg(long)]
        quick: bool,
        /// Only these endpoints (comma-separated: hola,login,create,detail,list,update,status,delete,upload).
        #[arg(long)]
        only: Option<String>,
    },
    /// Mixed load on the live server (not in CI): 0 errors and memory flat, or it fails.
    Soak {
        /// How long, in seconds (`--secs 20` for a quick check).
        #[arg(long, default_value_t = 300)]
        secs: u64,
        /// Concurrent keep-alive connections, one user each.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Database URL [default: SQLite in a temporary folder].
        #[arg(long)]
        database: Option<String>,
        /// Build and run the release binary.
        #[arg(long)]
        release: bool,
    },
    /// Fuzz the live server from the doc's spec with schemathesis (every check, 0 failures).
    FuzzApi {
        /// Generated cases per operation and test phase.
        #[arg(long, default_value_t = 300)]
        max_examples: u32,
        /// The random seed (the same seed generates the same cases).
        #[arg(long, default_value_t = 6)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Client { check } => client::run(xtask::root(), check),
        Command::Contract { doc } => contract::run(doc),
        Command::Bench { quick, only } => bench::run(quick, only),
        Command::Soak { secs, connections, database, release } => {
            soak::run(&soak::Options { secs, connections, database, release })
        }
        Command::FuzzApi { max_examples, seed } => fuzz::run(&fuzz::Options { max_examples, seed }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}
