//! `cargo xtask compat` (the doc against a released spec) and `cargo xtask release` (record one).
//!
//! Released specs live in `openapi/released/VERSION.json`, one per release, never edited. The
//! rules a change is judged by are `doc_dialect::compat::RULES` (`docs/compat.md`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use doc_dialect::compat::{self, major, version_key, Change};
use doc_dialect::model::{valid_version, UNSTATED_VERSION, VERSION_LABEL};
use serde_json::Value;
use xtask::{root, DEFAULT_DOC, DEFAULT_SPEC};

/// Where released specs are kept.
pub const RELEASED: &str = "openapi/released";

/// The newest released spec: its version and path.
pub fn newest_release() -> Result<Option<(String, PathBuf)>> {
    let dir = root().join(RELEASED);
    let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(None) };
    let mut releases = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let Some(version) =
            path.file_stem().and_then(|s| s.to_str()).filter(|_| path.extension().is_some_and(|e| e == "json"))
        else {
            continue;
        };
        let key = version_key(version).with_context(|| format!("{}: not named VERSION.json", path.display()))?;
        releases.push((key, version.to_owned(), path));
    }
    Ok(releases.into_iter().max_by_key(|r| r.0).map(|(_, v, p)| (v, p)))
}

/// The base to compare with, as a spec and the name to show: a spec `.json`, a doc `.md`, a git
/// ref (the doc at that commit), or by default the newest release.
fn base_spec(base: Option<&str>, doc: &Path) -> Result<(Value, String)> {
    let Some(base) = base else {
        let (version, path) = newest_release()?.with_context(|| {
            format!("no released spec in {RELEASED}/: run `cargo xtask release VERSION`, or give --base")
        })?;
        return Ok((read_spec(&path)?, format!("release {version}")));
    };
    let path = Path::new(base);
    if path.is_file() {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {base}"))?;
        return match path.extension().and_then(|e| e.to_str()) {
            Some("json") => {
                Ok((serde_json::from_str(&text).with_context(|| format!("{base} is not JSON"))?, base.into()))
            }
            Some("md") => Ok((convert(&text, base)?, base.into())),
            _ => bail!("--base {base}: a spec (.json), a doc (.md) or a git ref"),
        };
    }
    let relative = doc.strip_prefix(root()).unwrap_or(doc);
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root())
        .arg("show")
        .arg(format!("{base}:{}", relative.display()))
        .output()
        .context("running git")?;
    if !out.status.success() {
        bail!(
            "--base {base}: not a file, and git cannot show {} at it: {}",
            relative.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let shown = format!("{}@{base}", relative.display());
    Ok((convert(&String::from_utf8_lossy(&out.stdout), &shown)?, shown))
}

fn read_spec(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

fn convert(text: &str, shown: &str) -> Result<Value> {
    doc_dialect::markdown_to_spec(text, shown, "").map_err(|d| anyhow::anyhow!("{d}{shown} does not convert"))
}

/// The doc's changes since `base`, printed one per line; fails on a breaking change unless the
/// doc's major version is above the base's.
pub fn run(base: Option<String>, doc: Option<PathBuf>) -> Result<()> {
    let (path, shown) = match doc {
        Some(p) => (p.clone(), p.display().to_string()),
        None => (root().join(DEFAULT_DOC), DEFAULT_DOC.to_owned()),
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let (base, base_shown) = base_spec(base.as_deref(), &path)?;
    let (doc, changes) =
        compat::check(&text, &shown, &base).map_err(|d| anyhow::anyhow!("{d}{shown} does not convert"))?;
    for c in &changes {
        println!("{}", line(&shown, c));
    }
    let from = base["info"]["version"].as_str().unwrap_or(UNSTATED_VERSION).to_owned();
    let to = doc.version.as_ref().map_or(UNSTATED_VERSION, |v| v.value.as_str()).to_owned();
    verdict(&changes, &from, &to, &base_shown)
}

/// `FILE:LINE: BREAKING rule: what` (or `compatible`).
fn line(file: &str, c: &Change) -> String {
    let verdict = if c.breaking() { "BREAKING" } else { "compatible" };
    format!("{file}:{}: {verdict} {}: {}", c.line, c.rule.id, c.detail)
}

fn verdict(changes: &[Change], from: &str, to: &str, base: &str) -> Result<()> {
    let breaking = changes.iter().filter(|c| c.breaking()).count();
    if version_key(to) < version_key(from) {
        bail!("the doc's version {to} is below {base}'s {from}");
    }
    let summary = format!("{} change(s) since {base} ({from} → {to}), {breaking} breaking", changes.len());
    if breaking > 0 && major(to) <= major(from) {
        let next = major(from).map_or("a higher major".into(), |m| format!("{}.0.0", m + 1));
        bail!("compat: {summary}: raise the major version (`{VERSION_LABEL}: {next}`) or undo them");
    }
    if breaking > 0 {
        println!("compat: {summary}: allowed, the major version was raised");
    } else {
        println!("compat: {summary}");
    }
    Ok(())
}

/// `cargo xtask release VERSION`, first half: checks VERSION (above the newest release, and a
/// major above it if the doc has breaking changes since) and writes it into the doc's version
/// line. The caller then regenerates the spec and calls [`record_release`].
pub fn prepare_release(version: &str) -> Result<()> {
    if !valid_version(version) {
        bail!("version `{version}`: expected MAJOR.MINOR.PATCH, e.g. 1.2.0");
    }
    let path = root().join(DEFAULT_DOC);
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let text = with_version(&text, version);
    if let Some((newest, spec)) = newest_release()? {
        if version_key(version) <= version_key(&newest) {
            bail!("version {version} is not above the newest release, {newest}");
        }
        let (_, changes) = compat::check(&text, DEFAULT_DOC, &read_spec(&spec)?)
            .map_err(|d| anyhow::anyhow!("{d}the doc does not convert"))?;
        for c in changes.iter().filter(|c| c.breaking()) {
            println!("{}", line(DEFAULT_DOC, c));
        }
        verdict(&changes, &newest, version, &format!("release {newest}"))?;
    }
    xtask::codegen::write_or_check(&path, &text, false, "")
}

/// Copies the regenerated spec to `openapi/released/VERSION.json`.
pub fn record_release(version: &str) -> Result<PathBuf> {
    let out = root().join(RELEASED).join(format!("{version}.json"));
    let spec = std::fs::read_to_string(root().join(DEFAULT_SPEC))?;
    xtask::codegen::write_or_check(&out, &spec, false, "")?;
    Ok(out)
}

/// `text` with its version line set to `version` (added under the title if it has none).
pub fn with_version(text: &str, version: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let is_version = |l: &str| {
        l.strip_prefix(VERSION_LABEL)
            .is_some_and(|r| r.trim_start().starts_with(':') || r.trim_start().starts_with('：'))
    };
    let title = lines.iter().position(|l| l.starts_with("# ")).unwrap_or(0);
    let next = lines.iter().skip(title + 1).position(|l| !l.trim().is_empty()).map(|i| i + title + 1);
    match next {
        Some(i) if is_version(&lines[i]) => lines[i] = format!("{VERSION_LABEL}: {version}"),
        _ => {
            lines.insert(title + 1, String::new());
            lines.insert(title + 2, format!("{VERSION_LABEL}: {version}"));
        }
    }
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_line_is_replaced_or_added_under_the_title() {
        assert_eq!(with_version("# T\n\n版本: 1.0.0\n\n## A\n", "1.1.0"), "# T\n\n版本: 1.1.0\n\n## A\n");
        assert_eq!(with_version("# T\n\n## A\n", "2.0.0"), "# T\n\n版本: 2.0.0\n\n## A\n");
    }
}
