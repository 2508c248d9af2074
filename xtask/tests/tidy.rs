//! Tidy: the facts the docs and the code's comments cite are checked, like rust-analyzer's tidy
//! tests. Every repository path they name exists, and every test (or other item) they name by
//! its path (`errors::unknown_paths_and_wrong_methods_answer_the_envelope`,
//! `upload::*::uploads_round_trip_with_their_content_type`) is defined somewhere in the code.
//! A rename that leaves a citation behind fails here, naming the file and line that cites it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where citations are read: every doc, and the comments of every source, script and config.
fn cited_in() -> Vec<PathBuf> {
    let mut files = Vec::new();
    walk(xtask::root(), &mut files);
    files
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            let ext = p.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
            ["md", "rs", "toml", "sh", "cjs", "js", "yaml", "conf", "service"].contains(&ext.as_str()) || name == "run"
        })
        // The generated client repeats the spec; this file cites examples of citations.
        .filter(|p| !p.ends_with("generated/src/generated.rs") && !p.ends_with("xtask/tests/tidy.rs"))
        .collect()
}

/// The files below `dir`, without what builds, tools and runs leave in the tree.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if [".git", "target", "node_modules", "data", "vendor"].contains(&name.as_str()) {
            continue;
        }
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The text a file cites from: a doc whole; of code, only its comments (a string in code is
/// data, not a citation).
fn citing_text(path: &Path, text: &str) -> Vec<(usize, String)> {
    let doc = path.extension().is_some_and(|e| e == "md");
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            if doc {
                return Some((i + 1, line.to_string()));
            }
            let trimmed = line.trim_start();
            let comment = ["//", "#"].iter().find(|m| trimmed.starts_with(**m));
            comment.map(|_| (i + 1, trimmed.to_string())).or_else(|| {
                // A comment after code on the same line.
                line.find(" // ").map(|at| (i + 1, line[at..].to_string()))
            })
        })
        .collect()
}

/// The `code spans` and link targets of a line.
fn cited(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('`') else { break };
        out.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    let mut rest = line;
    while let Some(start) = rest.find("](") {
        let after = &rest[start + 2..];
        let Some(end) = after.find(')') else { break };
        out.push(after[..end].split('#').next().unwrap_or_default().to_string());
        rest = &after[end + 1..];
    }
    out
}

/// The repository's top-level entries: a citation starting with one of them is a path.
fn top_level() -> BTreeSet<String> {
    std::fs::read_dir(xtask::root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "target" && n != ".git")
        .collect()
}

/// `a/{b,c}/d` → `a/b/d`, `a/c/d`.
fn expand_braces(path: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (path.find('{'), path.find('}')) else {
        return vec![path.to_string()];
    };
    path[open + 1..close]
        .split(',')
        .flat_map(|choice| expand_braces(&format!("{}{choice}{}", &path[..open], &path[close + 1..])))
        .collect()
}

/// A cited path, if the citation is one: it starts with a top-level entry, and is no pattern
/// (`<group>`, `NAME`, `*`, `…`).
fn as_path(citation: &str, top: &BTreeSet<String>) -> Option<Vec<String>> {
    let path = citation.trim_end_matches([':', '.', ',']);
    let path =
        path.split_once(':').map_or(path, |(p, line)| if line.chars().all(|c| c.is_ascii_digit()) { p } else { path });
    let first = path.split('/').next()?;
    if !top.contains(first) || path.contains(' ') {
        return None;
    }
    let pattern = path.contains(['<', '*', '…', '$'])
        || path.split('/').any(|seg| {
            seg.len() > 1
                && seg.chars().any(|c| c.is_ascii_uppercase())
                && seg == seg.to_ascii_uppercase().as_str()
                && !seg.contains('.')
        })
        || path.contains("NAME")
        || path.contains("VERSION");
    (!pattern).then(|| expand_braces(path))
}

/// A cited item path of ours (`errors::unknown_paths…`, `login::*::a_test`, `db::statements::*`:
/// its first name one of `modules`, so `tokio::fs` is not ours to check): its last name, which
/// must be defined in the code.
fn as_item(citation: &str, modules: &BTreeSet<String>) -> Option<String> {
    let citation = citation.trim_end_matches("()");
    if !citation.contains("::") || citation.contains(' ') {
        return None;
    }
    let segments: Vec<&str> = citation.split("::").collect();
    let name_like =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let ok = segments.iter().all(|s| name_like(s) || *s == "*" || (s.starts_with('{') && s.ends_with('}')));
    if !ok || !(modules.contains(segments[0]) || segments[0] == "crate") {
        return None;
    }
    let last = segments.iter().rev().find(|s| name_like(s))?;
    Some(last.to_string())
}

/// What the workspace's Rust code defines: every name (a `fn`, `mod`, `struct`, `enum`, `trait`,
/// `const`, `static`, `type`, `macro_rules!`, a test a macro makes from a list), and the modules
/// (files, folders, `mod`s and the crates).
struct Defined {
    names: BTreeSet<String>,
    modules: BTreeSet<String>,
}

fn defined() -> Defined {
    let mut names = BTreeSet::new();
    let mut modules: BTreeSet<String> =
        ["backend_api", "backend_client", "doc_dialect", "server", "server_harness", "xtask", "xtask_tools"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let mut files = Vec::new();
    walk(xtask::root(), &mut files);
    for file in files.iter().filter(|p| p.extension().is_some_and(|e| e == "rs")) {
        modules.insert(file.file_stem().unwrap().to_string_lossy().into_owned());
        if let Some(dir) = file.parent().and_then(|d| d.file_name()) {
            modules.insert(dir.to_string_lossy().into_owned());
        }
        let text = std::fs::read_to_string(file).unwrap();
        for line in text.lines() {
            let mut words =
                line.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '!')).filter(|w| !w.is_empty());
            while let Some(word) = words.next() {
                if ["fn", "mod", "struct", "enum", "trait", "const", "static", "type", "macro_rules!"].contains(&word) {
                    if let Some(name) = words.next() {
                        if word == "mod" {
                            modules.insert(name.to_string());
                        }
                        names.insert(name.to_string());
                    }
                }
            }
            // Tests made by a macro from a list of names (`on_both_databases!(a, b, …)`): each name.
            let trimmed = line.trim().trim_end_matches(',');
            if !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                names.insert(trimmed.to_string());
            }
        }
    }
    names.extend(modules.iter().cloned());
    Defined { names, modules }
}

#[test]
fn every_path_and_item_the_docs_and_comments_cite_exists() {
    let root = xtask::root();
    let top = top_level();
    let defined = defined();
    let mut missing = Vec::new();
    for file in cited_in() {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let shown = file.strip_prefix(root).unwrap().display().to_string();
        for (line, content) in citing_text(&file, &text) {
            for citation in cited(&content) {
                if let Some(paths) = as_path(&citation, &top) {
                    for path in paths {
                        if !root.join(&path).exists() {
                            missing.push(format!("{shown}:{line}: no such path `{path}`"));
                        }
                    }
                } else if let Some(name) = as_item(&citation, &defined.modules) {
                    if !defined.names.contains(&name) {
                        missing.push(format!("{shown}:{line}: nothing in the code is named `{name}` (`{citation}`)"));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "citations of what does not exist:\n{}", missing.join("\n"));
}

#[test]
fn citations_are_read_as_paths_and_items() {
    let top: BTreeSet<String> = ["server", "docs", "README.md"].iter().map(|s| s.to_string()).collect();
    assert_eq!(as_path("server/src/db/mod.rs", &top), Some(vec!["server/src/db/mod.rs".to_string()]));
    assert_eq!(as_path("docs/behaviour.md:12", &top), Some(vec!["docs/behaviour.md".to_string()]));
    assert_eq!(
        as_path("server/migrations/{sqlite,postgres}/", &top),
        Some(vec!["server/migrations/sqlite/".to_string(), "server/migrations/postgres/".to_string()])
    );
    assert_eq!(as_path("server/tests/integration/<group>.rs", &top), None);
    assert_eq!(as_path("openapi/released/VERSION.json", &top), None);
    assert_eq!(as_path("target/browser/", &top), None);
    assert_eq!(as_path("src/server.rs", &top), None);
    let ours: BTreeSet<String> = ["errors", "crash", "db", "backend_api"].iter().map(|s| s.to_string()).collect();
    assert_eq!(as_item("errors::unknown_paths_answer", &ours), Some("unknown_paths_answer".to_string()));
    assert_eq!(
        as_item("crash::{sqlite,postgres}::sigkill_loses_nothing", &ours),
        Some("sigkill_loses_nothing".to_string())
    );
    assert_eq!(as_item("db::statements::*", &ours), Some("statements".to_string()));
    assert_eq!(as_item("backend_api::PUBLIC_OPERATIONS", &ours), None);
    assert_eq!(as_item("tokio::fs", &ours), None);
    assert_eq!(as_item("cargo xtask test", &ours), None);
    assert_eq!(cited("see [docs](docs/a.md#x) and `b::c`"), ["b::c", "docs/a.md"]);
}
