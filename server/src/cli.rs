//! The command line of `server`: serves the API (the default), applies migrations, prints the
//! OpenAPI document and manages users. Settings come from flags, then `BACKEND_…` environment
//! variables, then the `--config` TOML file, then defaults (see `config.example.toml`).
//!
//! Both binaries run it: `server` (`src/main.rs`) on the system clock, and the tests'
//! `server-with-test-clock` (`src/bin/`) on a clock they move.

use std::io::{BufRead as _, IsTerminal as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{self, Server, UserError};
use crate::clock::Clock;
use crate::config::{parse, Config};
use crate::db::{migrations, Pool};
use crate::logging::{self, RequestUsers};

#[derive(Debug, Parser)]
#[command(name = "server", version, about = "The back-end server")]
struct Cli {
    /// TOML configuration file (every key: server/config.example.toml).
    #[arg(long, global = true, value_name = "FILE", env = "BACKEND_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST:PORT/DB (env BACKEND_DATABASE).
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default command).
    Serve(ServeArgs),
    /// Apply pending database migrations and say which, then exit.
    Migrate {
        /// Apply nothing: list the applied and the pending migrations.
        #[arg(long)]
        status: bool,
    },
    /// Copy a SQLite database, consistently, while it is in use (PostgreSQL: pg_dump).
    Backup {
        /// The new file to write (never overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Print the server's OpenAPI document.
    Openapi,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Default, clap::Args)]
struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    bind: Option<String>,
    /// Folder for uploaded files (with S3: for uploads while they arrive).
    #[arg(long, value_name = "DIR")]
    upload_dir: Option<String>,
    /// Where uploads are kept: s3://BUCKET/PREFIX (credentials from AWS_* variables), or empty
    /// for the upload folder.
    #[arg(long, value_name = "URL")]
    upload_store: Option<String>,
    /// Base URL clients reach the server at (https makes the cookie Secure).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from stdin (one line) or prompted for twice.
    Add {
        name: String,
        /// The user's role (LoginData.role).
        #[arg(long, value_name = "N", default_value_t = 0)]
        role: u32,
        /// The user's permission bits (LoginData.perm).
        #[arg(long, value_name = "N", default_value_t = 0)]
        perm: u64,
    },
    /// Change a user's password (revokes their sessions).
    Passwd { name: String },
    /// Disable a user (revokes their sessions; they can no longer log in).
    Disable { name: String },
    /// List the users.
    List,
}

/// Runs the command the arguments name; `serve` reads the time from `clock`.
pub fn main(clock: Clock) -> ExitCode {
    fixed_mmap_threshold();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("server: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, clock)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, clock: Clock) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(cli.config.as_deref(), |k| std::env::var(k).ok())?;
    // A flag's value is read by its setting's own parser, as the file's and the environment's are.
    if let Some(url) = &cli.database {
        config.database = parse::database(url)?;
    }
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    if let Command::Serve(args) = &command {
        if let Some(v) = &args.bind {
            config.bind = parse::bind(v)?;
        }
        if let Some(v) = &args.upload_dir {
            config.upload_dir = v.clone();
        }
        if let Some(v) = &args.upload_store {
            config.upload_store = parse::upload_store(v)?;
        }
        if let Some(v) = &args.public_url {
            config.public_url = parse::public_url(v)?;
        }
    }
    match command {
        Command::Serve(_) => serve(config, clock).await,
        Command::Migrate { status: true } => {
            let status = migrations::status(&config.database, &config.pool_options()).await?;
            println!(
                "{}: {} applied, {} pending",
                redact(config.database.as_str()),
                status.applied.len(),
                status.pending.len()
            );
            for name in &status.applied {
                println!("applied  {name}");
            }
            for name in &status.pending {
                println!("pending  {name}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { status: false } => {
            let applied = migrations::migrate(&config.database, &config.pool_options()).await?;
            for name in &applied {
                println!("applied  {name}");
            }
            match applied.len() {
                0 => println!("{}: the schema is current; nothing to apply", redact(config.database.as_str())),
                n => println!("{}: {n} migration(s) applied; the schema is current", redact(config.database.as_str())),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { out } => {
            let bytes = Pool::backup(&config.database, &config.pool_options(), &out).await?;
            println!("backed up {} into {} ({bytes} bytes)", redact(config.database.as_str()), out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&backend_api::openapi_json())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::User(command) => {
            // A database that cannot be reached fails the migration check first, with its cause.
            let pool = config.open_database(&slog::Logger::root(slog::Discard, slog::o!())).await?;
            user_command(&pool, command).await
        }
    }
}

async fn serve(config: Config, clock: Clock) -> anyhow::Result<ExitCode> {
    let request_users = RequestUsers::default();
    let log = logging::logger(&config, request_users.clone())?;
    std::fs::create_dir_all(&config.upload_dir).map_err(|e| anyhow::anyhow!("creating {}: {e}", config.upload_dir))?;
    let database = redact(config.database.as_str());
    let (server, admin_password) = Server::start(config, log.clone(), request_users, clock).await?;
    if let Some(password) = admin_password {
        println!("created user admin with password: {password}");
        println!("(shown only this once; change it with `server user passwd admin`)");
    }
    // On stdout whatever the log level: people and the test harness (which binds port 0) read
    // the addresses here, the API's last, once everything is up.
    if let Some(addr) = server.metrics_addr() {
        println!("metrics on http://{addr}/metrics");
    }
    println!("listening on http://{}", server.local_addr());
    slog::info!(log, "listening"; "address" => %server.local_addr(), "database" => database);
    server.run_until_signalled(&log).await?;
    slog::info!(log, "stopped");
    Ok(ExitCode::SUCCESS)
}

async fn user_command(pool: &Pool, command: UserCommand) -> anyhow::Result<ExitCode> {
    let result = match command {
        UserCommand::Add { name, role, perm } => {
            let password = read_password()?;
            app::add_user(pool, &name, &password, role, perm).await.map(|id| println!("added user {name} (id {id})"))
        }
        UserCommand::Passwd { name } => {
            let password = read_password()?;
            app::set_password(pool, &name, &password)
                .await
                .map(|()| println!("changed the password of {name}; their sessions are revoked"))
        }
        UserCommand::Disable { name } => {
            app::disable_user(pool, &name).await.map(|()| println!("disabled {name}; their sessions are revoked"))
        }
        UserCommand::List => {
            let users = app::list_users(pool).await?;
            println!("{:>6}  {:<24} {:>10} {:>20}  status", "id", "name", "role", "perm");
            for u in users {
                let status = if u.disabled { "disabled" } else { "active" };
                println!("{:>6}  {:<24} {:>10} {:>20}  {status}", u.id, u.name, u.role(), u.perm());
            }
            Ok(())
        }
    };
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("server: {e}");
            Ok(match e {
                UserError::Duplicate | UserError::NoSuchUser | UserError::BadInput(_) => ExitCode::from(1),
                UserError::Db(_) | UserError::Other(_) => ExitCode::FAILURE,
            })
        }
    }
}

/// The new password: one line of stdin when it is not a terminal, else prompted for twice.
fn read_password() -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("password: ")?;
    let second = rpassword::prompt_password("again: ")?;
    anyhow::ensure!(first == second, "the two passwords differ");
    Ok(first)
}

/// The database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Large allocations (argon2's 19 MiB working memory per password check) go straight to mmap and
/// back to the system when freed. glibc's default threshold rises after the first such free, so
/// later checks are served from per-thread heaps that keep the memory: with SQLite queries on
/// tokio's blocking threads, each login landed on another thread and the resident memory grew by
/// ~19 MiB per arena, to hundreds of MiB under `cargo xtask soak` (`docs/performance.md`).
fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called first thing, before other threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}
