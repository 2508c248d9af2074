//! `cargo xtask`: the project's own tooling. It turns the markdown API doc into the OpenAPI spec
//! (and back), checks that committed generated files are current, and runs the test suite.
//! See the README for the chain these commands maintain.

mod bench;
mod client;
mod fuzz;
mod live;
mod soak;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use xtask::{codegen, dialect, root, DEFAULT_DOC, DEFAULT_SPEC};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Project tooling: doc → spec → code, and their checks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert the markdown API doc into OpenAPI 3.0.3 JSON.
    Openapi {
        /// The markdown doc [default: openapi/backend-api.md].
        #[arg(long)]
        doc: Option<PathBuf>,
        /// Where the spec goes [default: the doc's path with `.json`].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write nothing; fail if the file on disk is not what the doc converts to.
        #[arg(long)]
        check: bool,
    },
    /// Render a converted spec back into the markdown dialect.
    Markdown {
        /// The spec [default: openapi/backend-api.json].
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Where the markdown goes [default: the spec's path with `.md`].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write nothing; fail if the file on disk is not what the spec renders to.
        #[arg(long)]
        check: bool,
    },
    /// Time the converter on a generated doc with many endpoints (release build).
    BenchOpenapi {
        /// Endpoints in the generated doc.
        #[arg(long, default_value_t = 1000)]
        endpoints: usize,
        /// Timed runs of each step; the table shows the median.
        #[arg(long, default_value_t = 15)]
        runs: usize,
    },
    /// Benchmark every endpoint of the release server on PostgreSQL and SQLite against the limits
    /// of its database and HTTP work, measured in the same run (needs wrk and PostgreSQL).
    Bench {
        /// A short run (1 s per measurement, a couple of minutes) that still covers every endpoint.
        #[arg(long)]
        quick: bool,
        /// Only these endpoints (comma-separated: hola,login,create,detail,list,update,status,delete,upload).
        #[arg(long)]
        only: Option<String>,
    },
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
    /// Run the whole test suite: what CI runs after its format and lint checks.
    Test,
    /// Fuzz the live server from the doc's spec with schemathesis (every check, 0 failures).
    FuzzApi {
        /// Generated cases per operation and test phase.
        #[arg(long, default_value_t = 300)]
        max_examples: u32,
        /// The random seed (the same seed generates the same cases).
        #[arg(long, default_value_t = 6)]
        seed: u64,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Openapi { doc, out, check } => openapi(doc, out, check),
        Command::Markdown { spec, out, check } => markdown(spec, out, check),
        Command::BenchOpenapi { endpoints, runs } => bench::openapi(endpoints, runs),
        Command::Bench { quick, only } => bench::endpoints::run(quick, only),
        Command::Client { check } => client::run(root(), check),
        Command::Contract { doc } => contract(doc),
        Command::Test => test::run(),
        Command::FuzzApi { max_examples, seed } => fuzz::run(&fuzz::Options { max_examples, seed }),
        Command::Soak { secs, connections, database, release } => {
            soak::run(&soak::Options { secs, connections, database, release })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

/// An input path as the user gave it (relative to the current directory), or the default under
/// the workspace root; and the name to show for it in messages.
fn input(given: Option<PathBuf>, default: &str) -> (PathBuf, String) {
    match given {
        Some(p) => {
            let shown = p.display().to_string();
            (p, shown)
        }
        None => (root().join(default), default.to_string()),
    }
}

/// The command that regenerates an output, as a user would type it.
fn command_line(cmd: &str, pairs: &[(&str, &Option<PathBuf>)]) -> String {
    let mut s = format!("cargo xtask {cmd}");
    for (flag, value) in pairs {
        if let Some(v) = value {
            s.push_str(&format!(" --{flag} {}", v.display()));
        }
    }
    s
}

fn openapi(doc: Option<PathBuf>, out: Option<PathBuf>, check: bool) -> Result<()> {
    let command = command_line("openapi", &[("doc", &doc), ("out", &out)]);
    let out = out.unwrap_or_else(|| match &doc {
        Some(d) => d.with_extension("json"),
        None => root().join(DEFAULT_SPEC),
    });
    let (doc, shown) = input(doc, DEFAULT_DOC);
    let text = std::fs::read_to_string(&doc).with_context(|| format!("reading {}", doc.display()))?;
    let note = format!(
        "Generated from {shown} by `{command}`. Do not edit by hand: edit the markdown and run the command again."
    );
    let spec = dialect::markdown_to_spec(&text, &shown, &note).map_err(|d| {
        let n = d.items.len();
        anyhow::anyhow!("{d}{n} problem{} in {shown}; nothing written", if n == 1 { "" } else { "s" })
    })?;
    codegen::write_or_check(&out, &dialect::spec_text(&spec), check, &command)
}

fn markdown(spec: Option<PathBuf>, out: Option<PathBuf>, check: bool) -> Result<()> {
    let command = command_line("markdown", &[("spec", &spec), ("out", &out)]);
    let out = out.unwrap_or_else(|| match &spec {
        Some(s) => s.with_extension("md"),
        None => root().join(DEFAULT_DOC),
    });
    let (spec, shown) = input(spec, DEFAULT_SPEC);
    let text = std::fs::read_to_string(&spec).with_context(|| format!("reading {}", spec.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{shown} is not JSON"))?;
    let md = dialect::spec_to_markdown(&value).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    codegen::write_or_check(&out, &md, check, &command)
}

fn contract(doc: Option<PathBuf>) -> Result<()> {
    let (doc, shown) = input(doc, DEFAULT_DOC);
    let text = std::fs::read_to_string(&doc).with_context(|| format!("reading {}", doc.display()))?;
    let differences = xtask::contract::check(&text, &shown, &server_spec())
        .map_err(|d| anyhow::anyhow!("{d}{shown} does not convert; fix it first"))?;
    for d in &differences {
        println!("{shown}:{}: {} — {}", d.line, d.doc, d.server);
    }
    if differences.is_empty() {
        println!("contract: the server's spec says what {shown} says");
        Ok(())
    } else {
        anyhow::bail!("contract: {} differences between {shown} (left) and the server (right)", differences.len())
    }
}

/// The server's OpenAPI document, built from the API trait alone (no database), with the
/// server's error-code table added as `x-error-codes` so it is compared with the doc's too.
fn server_spec() -> serde_json::Value {
    let mut spec = backend_api::openapi_json();
    spec["x-error-codes"] = backend_api::ErrorCode::ALL
        .iter()
        .map(|c| serde_json::json!({"code": c.code(), "error": c.name(), "status": c.status()}))
        .collect();
    spec
}
