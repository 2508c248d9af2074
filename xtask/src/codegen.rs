//! Writing generated files, or checking that the committed ones are current.

use std::path::Path;

use anyhow::{bail, Context, Result};

/// With `check`, fails (naming `command`) when `path` does not hold exactly `content`; otherwise
/// writes it through a temporary file and a rename, so a reader never sees half a file.
pub fn write_or_check(path: &Path, content: &str, check: bool, command: &str) -> Result<()> {
    let current = std::fs::read_to_string(path).ok();
    if check {
        match current {
            Some(c) if c == content => return Ok(()),
            Some(_) => bail!("{} is stale: run `{command}`", path.display()),
            None => bail!("{} is missing: run `{command}`", path.display()),
        }
    }
    if current.as_deref() == Some(content) {
        return Ok(());
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = path.file_name().context("output path has no file name")?.to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, content).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_the_command_and_write_replaces() {
        let dir = std::env::temp_dir().join(format!("xtask-codegen-{}", std::process::id()));
        let path = dir.join("out.json");
        let err = write_or_check(&path, "a\n", true, "cargo xtask openapi").unwrap_err().to_string();
        assert!(err.contains("missing") && err.contains("cargo xtask openapi"), "{err}");
        write_or_check(&path, "a\n", false, "x").unwrap();
        write_or_check(&path, "a\n", true, "x").unwrap();
        let err = write_or_check(&path, "b\n", true, "cargo xtask openapi").unwrap_err().to_string();
        assert!(err.contains("stale") && err.contains("`cargo xtask openapi`"), "{err}");
        write_or_check(&path, "b\n", false, "x").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "b\n");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
