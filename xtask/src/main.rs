//! `cargo xtask`: the project's own tooling. It turns the markdown API doc into the OpenAPI spec
//! (and back), checks that committed generated files are current, and runs the test suite.
//! See the README for the chain these commands maintain.
//!
//! This binary stays light — the doc dialect, clap, serde_json — so that a doc author's
//! `cargo xtask openapi` builds in seconds. The commands that need the server's crates (the
//! client generator, the contract check, the benchmark, soak and fuzzing) live in `xtask-tools`
//! (`xtask/tools/`); this binary hands them over with `cargo run`.

mod bench_openapi;
mod compat;
mod leaks;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use doc_dialect as dialect;
use xtask::{codegen, root, DEFAULT_DOC, DEFAULT_SPEC};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Project tooling: doc → spec → code, and their checks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert the markdown API doc into OpenAPI 3.0.3 JSON; for the project's doc, also write the
    /// server's interface (server/api/src/generated.rs) from it and what the server adds to it.
    Openapi {
        /// The markdown doc [default: openapi/backend-api.md].
        #[arg(long)]
        doc: Option<PathBuf>,
        /// Where the spec goes [default: the doc's path with `.json`].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write nothing; fail if a file on disk is not what the doc converts to.
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
    /// List the doc's changes since a released spec, each marked breaking or compatible; fail on a
    /// breaking change unless the doc's major version was raised.
    Compat {
        /// What to compare with: a spec (.json), a doc (.md) or a git ref (the doc at that commit)
        /// [default: the newest spec in openapi/released/].
        #[arg(long)]
        base: Option<String>,
        /// The doc [default: openapi/backend-api.md].
        #[arg(long)]
        doc: Option<PathBuf>,
    },
    /// Release the doc's API as VERSION: set the doc's version, regenerate the spec and the client,
    /// and keep the spec as openapi/released/VERSION.json (refused if it breaks the newest release
    /// without a new major version).
    Release {
        /// MAJOR.MINOR.PATCH, above the newest release.
        version: String,
    },
    /// Write (or print, or try) the server's interface to a doc: the dropshot API trait of its
    /// operations and their request and response types (`cargo xtask openapi` writes the project's).
    Interface(xtask::interface::Args),
    /// Run the whole test suite: what CI runs after its format and lint checks. It fails if the
    /// suite leaves a process running or a port listening.
    Test {
        /// Run `cargo test ARGS…` instead (e.g. `-- -p server --test contract deploy`), under the
        /// same check that nothing is left running; the spec checks are not run.
        #[arg(last = true)]
        cargo_test: Vec<String>,
    },
    /// Generate the Rust client in generated/ from the doc's spec (progenitor) [xtask-tools].
    #[command(disable_help_flag = true)]
    Client(Forwarded),
    /// Check that the server's own spec (from its API trait) says what the doc says [xtask-tools].
    #[command(disable_help_flag = true)]
    Contract(Forwarded),
    /// Benchmark every endpoint of the release server against the limits of its database and HTTP
    /// work, measured in the same run (needs wrk and PostgreSQL; PgBouncer for its pooler rows)
    /// [xtask-tools, release build].
    #[command(disable_help_flag = true)]
    Bench(Forwarded),
    /// Mixed load on the live server (not in CI): 0 errors and memory flat, or it fails [xtask-tools].
    #[command(disable_help_flag = true)]
    Soak(Forwarded),
    /// Fuzz the live server from the doc's spec with schemathesis (every check, 0 failures)
    /// [xtask-tools].
    #[command(disable_help_flag = true)]
    FuzzApi(Forwarded),
}

/// The arguments of a command `xtask-tools` runs, passed on untouched (`--help` included).
#[derive(clap::Args)]
struct Forwarded {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Openapi { doc, out, check } => openapi(doc, out, check),
        Command::Markdown { spec, out, check } => markdown(spec, out, check),
        Command::BenchOpenapi { endpoints, runs } => bench_openapi::openapi(endpoints, runs),
        Command::Compat { base, doc } => compat::run(base, doc),
        Command::Release { version } => release(&version),
        Command::Interface(args) => {
            std::env::current_dir().context("the current directory").and_then(|dir| xtask::interface::run(&args, &dir))
        }
        Command::Test { cargo_test } => test::run(&cargo_test),
        Command::Client(f) => tools("client", f, false),
        Command::Contract(f) => tools("contract", f, false),
        // Measuring a debug build would measure the wrong program.
        Command::Bench(f) => tools("bench", f, true),
        Command::Soak(f) => tools("soak", f, false),
        Command::FuzzApi(f) => tools("fuzz-api", f, false),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn release(version: &str) -> Result<()> {
    compat::prepare_release(version)?;
    openapi(None, None, false)?;
    // The generated client carries the version.
    tools("client", Forwarded { args: Vec::new() }, false)?;
    let kept = compat::record_release(version)?;
    println!("released {version}: {}", kept.strip_prefix(root()).unwrap_or(&kept).display());
    Ok(())
}

/// Runs `xtask-tools COMMAND ARGS…` through cargo, which builds it first.
fn tools(command: &str, forwarded: Forwarded, release: bool) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut run = std::process::Command::new(cargo);
    run.args(["run", "--quiet"]);
    if release {
        run.arg("--release");
    }
    run.args(["--package", "xtask-tools", "--", command]).args(&forwarded.args).current_dir(root());
    let status = run.status().context("running cargo")?;
    anyhow::ensure!(status.success(), "cargo xtask {command} failed");
    Ok(())
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
    // The project's doc, however named, also makes the server's interface.
    let canonical = |p: &std::path::Path| std::fs::canonicalize(p).ok();
    let project =
        doc.as_deref().is_none_or(|d| canonical(d).is_some() && canonical(d) == canonical(&root().join(DEFAULT_DOC)));
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
    codegen::write_or_check(&out, &dialect::spec_text(&spec), check, &command)?;
    if project {
        xtask::interface::write_project(check)?;
    }
    Ok(())
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
