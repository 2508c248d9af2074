//! `cargo xtask scaffold OPERATION_ID… | --all`: the server's side of doc operations — a dropshot
//! API trait and its request and response types (`doc_dialect::scaffold`) — printed, or written
//! to `--out` (or `--check`ed there) like the other generated files.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use doc_dialect::scaffold::{self, Options, Selection};

use crate::{codegen, root, DEFAULT_DOC};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct Args {
    /// The operations, by operationId (`put_task_status`).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub operations: Vec<String>,
    /// Every operation of the doc, with who needs a session and the error codes.
    #[arg(long)]
    pub all: bool,
    /// The markdown doc [default: openapi/backend-api.md].
    #[arg(long)]
    pub doc: Option<PathBuf>,
    /// Where the module goes [default: printed].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write nothing; fail if `--out` is not what the doc scaffolds to.
    #[arg(long, requires = "out")]
    pub check: bool,
}

/// Runs the command; relative paths are taken from `base` (the current directory, for a user).
pub fn run(args: &Args, base: &Path) -> Result<()> {
    let command = command_line(args);
    let (doc, shown) = match &args.doc {
        Some(p) => (base.join(p), p.display().to_string()),
        None => (root().join(DEFAULT_DOC), DEFAULT_DOC.to_string()),
    };
    let text = std::fs::read_to_string(&doc).with_context(|| format!("reading {}", doc.display()))?;
    let stem = doc.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let trait_name = scaffold::trait_name(&stem);
    let selection = if args.all { Selection::All } else { Selection::Only(&args.operations) };
    let options = Options { doc_name: &shown, command: &command, trait_name: &trait_name, selection };
    let out = scaffold::scaffold(&text, &shown, &options).map_err(|e| anyhow::anyhow!("{e}"))?;
    for gap in &out.gaps {
        eprintln!("{shown}:{}: warning: {}", gap.line, gap.message);
    }
    match &args.out {
        Some(path) => codegen::write_or_check(&base.join(path), &out.source, args.check, &command),
        None if args.check => bail!("--check needs --out"),
        None => {
            print!("{}", out.source);
            Ok(())
        }
    }
}

/// The command that makes this output, as a user would type it (named in its header).
fn command_line(args: &Args) -> String {
    let mut s = String::from("cargo xtask scaffold");
    if args.all {
        s.push_str(" --all");
    }
    for id in &args.operations {
        s.push(' ');
        s.push_str(id);
    }
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
        let args = Args {
            all: true,
            doc: Some("xtask/tests/golden/types.md".into()),
            out: Some("xtask/scaffolded/src/types.rs".into()),
            ..Args::default()
        };
        assert_eq!(
            command_line(&args),
            "cargo xtask scaffold --all --doc xtask/tests/golden/types.md --out xtask/scaffolded/src/types.rs"
        );
        let one = Args { operations: vec!["put_task_status".into()], ..Args::default() };
        assert_eq!(command_line(&one), "cargo xtask scaffold put_task_status");
    }

    #[test]
    fn an_unknown_operation_lists_the_docs() {
        let args = Args { operations: vec!["get_nothing".into()], ..Args::default() };
        let e = run(&args, root()).unwrap_err().to_string();
        assert!(e.contains("`get_nothing`") && e.contains("`put_task_status`"), "{e}");
    }
}
