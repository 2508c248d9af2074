//! `cargo xtask contract`: the server's own spec, built from its API trait (no database), compared
//! structurally with the doc's (`doc_dialect::contract`); each difference names the doc's line.

use std::path::PathBuf;

use anyhow::{Context as _, Result};

/// The differences between the doc (default: the project's) and the server, one per line as
/// `DOC:LINE: what the doc says — what the server says`; empty when they agree.
pub fn differences(doc: Option<PathBuf>) -> Result<Vec<String>> {
    let (path, shown) = match doc {
        Some(p) => (p.clone(), p.display().to_string()),
        None => (xtask::root().join(xtask::DEFAULT_DOC), xtask::DEFAULT_DOC.to_owned()),
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let differences = doc_dialect::contract::check(&text, &shown, &backend_api::openapi_json())
        .map_err(|d| anyhow::anyhow!("{d}{shown} does not convert; fix it first"))?;
    Ok(differences.iter().map(|d| format!("{shown}:{}: {} — {}", d.line, d.doc, d.server)).collect())
}

pub fn run(doc: Option<PathBuf>) -> Result<()> {
    let differences = differences(doc)?;
    for d in &differences {
        println!("{d}");
    }
    anyhow::ensure!(
        differences.is_empty(),
        "contract: {} differences between the doc (left) and the server (right)",
        differences.len()
    );
    println!("contract: the server's spec says what the doc says");
    Ok(())
}
