//! The server's interface to a doc (`doc_dialect::interface`): written into a file or checked
//! there, and — for any doc, a golden one or one a user brings — built in a crate of its own under
//! `target/` and compared with its doc the way `cargo xtask contract` compares the server.
//!
//! `cargo xtask openapi` writes the project's (`server/api/src/generated.rs`); `cargo xtask
//! interface` does the same for any doc, and `--build` tries one.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use doc_dialect::interface::{self, Gap, Inputs};

use crate::{codegen, root, target_dir, DEFAULT_DOC, DEFAULT_INTERFACE};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct Args {
    /// The markdown doc [default: openapi/backend-api.md]. What the server adds to it is read
    /// from beside it (`backend-api.md` → `backend-api.server.toml`), when there.
    #[arg(long)]
    pub doc: Option<PathBuf>,
    /// Where the module goes [default: server/api/src/generated.rs for the project's doc, else
    /// printed].
    #[arg(long, conflicts_with = "build")]
    pub out: Option<PathBuf>,
    /// Write nothing; fail if `--out` is not what the doc generates.
    #[arg(long, conflicts_with = "build")]
    pub check: bool,
    /// Build the doc's interface in a crate of its own under target/ and compare the spec dropshot
    /// derives from it with the doc; fail on a difference the generator did not warn about.
    #[arg(long)]
    pub build: bool,
}

/// A doc's interface, generated.
pub struct Generated {
    pub source: String,
    pub gaps: Vec<Gap>,
    /// The doc as shown in messages.
    pub shown: String,
}

/// Generates the interface of the doc at `doc` (shown as `shown`), with the overlay beside it if
/// there is one; `command` goes into the header.
pub fn generate(doc: &Path, shown: &str, command: &str) -> Result<Generated> {
    let text = std::fs::read_to_string(doc).with_context(|| format!("reading {}", doc.display()))?;
    let file_name = doc.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let overlay_path = doc.with_file_name(interface::overlay_file_name(&file_name));
    let overlay_shown = Path::new(shown).with_file_name(interface::overlay_file_name(&file_name));
    let overlay_shown = overlay_shown.display().to_string();
    let overlay_text = match std::fs::read_to_string(&overlay_path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("reading {}", overlay_path.display())),
    };
    let stem = doc.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let trait_name = interface::trait_name(&stem);
    let inputs = Inputs {
        doc: (&text, shown),
        overlay: overlay_text.as_deref().map(|t| (t, overlay_shown.as_str())),
        command,
        trait_name: &trait_name,
    };
    let out = interface::generate(&inputs).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Generated { source: out.source, gaps: out.gaps, shown: shown.to_string() })
}

/// Prints the generator's warnings: what the interface cannot say, at the doc's lines.
pub fn warn(generated: &Generated) {
    for gap in &generated.gaps {
        eprintln!("{}:{}: warning: {}", generated.shown, gap.line, gap.message);
    }
}

/// Writes (or `check`s) the project's interface, for `cargo xtask openapi`.
pub fn write_project(check: bool) -> Result<()> {
    let command = "cargo xtask openapi";
    let generated = generate(&root().join(DEFAULT_DOC), DEFAULT_DOC, command)?;
    warn(&generated);
    codegen::write_or_check(&root().join(DEFAULT_INTERFACE), &generated.source, check, command)
}

/// Runs `cargo xtask interface`; relative paths are taken from `base` (the current directory, for
/// a user).
pub fn run(args: &Args, base: &Path) -> Result<()> {
    let (doc, shown) = match &args.doc {
        Some(p) => (base.join(p), p.display().to_string()),
        None => (root().join(DEFAULT_DOC), DEFAULT_DOC.to_string()),
    };
    if args.build {
        return try_build(&[(doc, shown)]);
    }
    let out = match (&args.out, &args.doc) {
        (Some(out), _) => base.join(out),
        // The project's, as `cargo xtask openapi` writes it (one header, one command).
        (None, None) => return write_project(args.check),
        (None, Some(_)) if args.check => bail!("--check needs --out"),
        (None, Some(_)) => {
            let generated = generate(&doc, &shown, &command_line(args))?;
            warn(&generated);
            print!("{}", generated.source);
            return Ok(());
        }
    };
    let command = command_line(args);
    let generated = generate(&doc, &shown, &command)?;
    warn(&generated);
    codegen::write_or_check(&out, &generated.source, args.check, &command)
}

/// `cargo xtask interface --build` on these docs: fails with the differences no warning explains.
pub fn try_build(docs: &[(PathBuf, String)]) -> Result<()> {
    let outcomes = build_and_compare(docs)?;
    let mut unexplained = 0;
    for o in &outcomes {
        warn(&o.generated);
        for d in &o.differences {
            let explained = o.generated.gaps.iter().any(|g| g.line == d.line);
            if !explained {
                unexplained += 1;
            }
            let mark = if explained { "(warned) " } else { "" };
            println!("{}:{}: {mark}{} — {}", o.generated.shown, d.line, d.doc, d.server);
        }
    }
    anyhow::ensure!(
        unexplained == 0,
        "interface: {unexplained} differences between the doc (left) and its interface (right)"
    );
    println!("interface: each doc's interface builds, and its spec says what the doc says");
    Ok(())
}

/// What building one doc's interface showed.
pub struct Outcome {
    pub generated: Generated,
    /// The spec dropshot derives from its trait, completed as the server's is.
    pub spec: serde_json::Value,
    /// Where that spec differs from the doc.
    pub differences: Vec<doc_dialect::contract::Difference>,
}

/// Generates each doc's interface into one crate, `target/interfaces/`, builds it against
/// `server/api` (whose extractors, `Reply` and error type the interfaces use), runs it to print the
/// spec of each trait (built as `backend_api::openapi_json` builds the server's), and compares
/// each with its doc.
pub fn build_and_compare(docs: &[(PathBuf, String)]) -> Result<Vec<Outcome>> {
    let dir = target_dir().join("interfaces");
    std::fs::create_dir_all(dir.join("src")).with_context(|| format!("creating {}", dir.display()))?;
    let mut modules = String::new();
    let mut specs = String::new();
    let mut generated = Vec::new();
    for (i, (doc, shown)) in docs.iter().enumerate() {
        let g = generate(doc, shown, "cargo xtask interface --build")?;
        let stem = doc.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let trait_name = interface::trait_name(&stem);
        let macro_module = interface::trait_module(&trait_name);
        codegen::write_or_check(&dir.join(format!("src/doc{i}.rs")), &g.source, false, "")?;
        modules.push_str(&format!("// {shown}\n#[rustfmt::skip]\n#[allow(dead_code)]\nmod doc{i};\n"));
        specs.push_str(&format!(
            "    let api = doc{i}::{macro_module}::stub_api_description().unwrap_or_else(|e| panic!(\"{{}}: {{e}}\", {shown:?}));\n    \
             let codes: Vec<_> = doc{i}::ErrorCode::ALL.iter().map(|c| (c.code(), c.name(), c.status())).collect();\n    \
             let spec = backend_api::Spec {{ title: doc{i}::TITLE, version: doc{i}::VERSION, credentials: doc{i}::CREDENTIALS, public: doc{i}::PUBLIC_OPERATIONS, error_codes: &codes }};\n    \
             specs.push(spec.of(&api));\n"
        ));
        generated.push(g);
    }
    let main = format!(
        "//! Written by `cargo xtask interface --build`: the interfaces of the docs below, and their specs\n\
         //! printed as a JSON array, in order.\n\n\
         // What the generated modules use of their crate.\n\
         pub use backend_api::{{ApiError, FormBody, LazyBody, LazyQuery, Reply}};\n\n{modules}\n\
         fn main() {{\n    let mut specs = Vec::new();\n{specs}    println!(\"{{}}\", serde_json::Value::Array(specs));\n}}\n"
    );
    codegen::write_or_check(&dir.join("src/main.rs"), &main, false, "")?;
    codegen::write_or_check(&dir.join("Cargo.toml"), &manifest(), false, "")?;
    // The workspace's versions, so that the build shares what the workspace has built.
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).context("copying Cargo.lock")?;

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["run", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .context("running cargo")?;
    if !output.status.success() {
        bail!(
            "the generated interfaces do not build (in {}):\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let specs: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).context("reading the specs the interfaces printed")?;
    let mut outcomes = Vec::new();
    for ((doc, shown), (g, spec)) in docs.iter().zip(generated.into_iter().zip(specs)) {
        let text = std::fs::read_to_string(doc).with_context(|| format!("reading {}", doc.display()))?;
        let differences = doc_dialect::contract::check(&text, shown, &spec)
            .map_err(|d| anyhow::anyhow!("{d}{shown} does not convert"))?;
        outcomes.push(Outcome { generated: g, spec, differences });
    }
    Ok(outcomes)
}

/// The crate's manifest: the workspace's `server/api` and dropshot (patched as the workspace
/// patches it), so that its specs are built as the server's.
fn manifest() -> String {
    let root = root().display().to_string();
    format!(
        "# Written by `cargo xtask interface --build`.\n\
         [package]\nname = \"interfaces\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n\
         [dependencies]\n\
         backend-api = {{ path = {api:?} }}\n\
         dropshot = \"0.18\"\n\
         schemars = {{ version = \"0.8.22\", features = [\"preserve_order\"] }}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\n\
         serde_json = {{ version = \"1\", features = [\"preserve_order\"] }}\n\n\
         [patch.crates-io]\n\
         dropshot = {{ path = {dropshot:?} }}\n",
        api = format!("{root}/server/api"),
        dropshot = format!("{root}/server/vendor/dropshot"),
    )
}

/// The command that makes this output, as a user would type it (named in its header).
fn command_line(args: &Args) -> String {
    let mut s = String::from("cargo xtask interface");
    for (flag, value) in [("doc", &args.doc), ("out", &args.out)] {
        if let Some(v) = value {
            s.push_str(&format!(" --{flag} {}", v.display()));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_the_command_as_typed() {
        let args = Args { doc: Some("other.md".into()), out: Some("src/other.rs".into()), ..Args::default() };
        assert_eq!(command_line(&args), "cargo xtask interface --doc other.md --out src/other.rs");
        assert_eq!(command_line(&Args::default()), "cargo xtask interface");
    }
}
