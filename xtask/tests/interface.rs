//! The server's interface, generated from the doc: any doc's builds and says what the doc says,
//! the project's is current, and a doc change reaches the server as a compile error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn golden_docs() -> Vec<(PathBuf, String)> {
    let dir = xtask::root().join("xtask/tests/golden");
    let mut docs: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            let shown = format!("xtask/tests/golden/{}", p.file_name().unwrap().to_string_lossy());
            (p, shown)
        })
        .collect();
    docs.sort();
    assert!(docs.len() >= 3, "golden docs missing: {docs:?}");
    docs
}

/// Each golden doc's interface, built in a crate under `target/`: its spec says what the doc says
/// except exactly where the generator warned, and each operation keeps the doc's summary,
/// description and tag.
#[test]
fn each_golden_docs_interface_builds_and_says_what_its_doc_says() {
    let docs = golden_docs();
    let outcomes = xtask::interface::build_and_compare(&docs).unwrap_or_else(|e| panic!("{e:#}"));
    let mut failures = Vec::new();
    for ((doc, shown), o) in docs.iter().zip(&outcomes) {
        let gaps = &o.generated.gaps;
        for d in o.differences.iter().filter(|d| !gaps.iter().any(|g| g.line == d.line)) {
            failures.push(format!("{shown}:{}: {} — {}", d.line, d.doc, d.server));
        }
        for g in gaps.iter().filter(|g| !o.differences.iter().any(|d| d.line == g.line)) {
            failures.push(format!("{shown}:{}: a warning the contract check does not see: {}", g.line, g.message));
        }
        let text = std::fs::read_to_string(doc).unwrap();
        let doc_spec = doc_dialect::markdown_to_spec(&text, shown, "").unwrap();
        for (path, item) in doc_spec["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let ours = &o.spec["paths"][path][method];
                for key in ["summary", "description", "tags"] {
                    if ours.get(key) != op.get(key) {
                        failures.push(format!(
                            "{shown}: {method} {path}: {key} {:?} — {:?}",
                            op.get(key),
                            ours.get(key)
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "an interface differs from its doc (doc — interface):\n{}", failures.join("\n"));
}

#[test]
fn every_key_of_what_a_server_adds_is_tried_by_a_golden_doc() {
    let overlay = std::fs::read_to_string(xtask::root().join("xtask/tests/golden/types.server.toml")).unwrap();
    for key in ["json =", "query =", "request_body_max_bytes", "error_headers", "redact", "response_headers"] {
        assert!(overlay.contains(key), "xtask/tests/golden/types.server.toml does not use `{key}`");
    }
}

#[test]
fn the_projects_interface_is_current() {
    if let Err(e) = xtask::interface::write_project(true) {
        panic!("{e:#}");
    }
}

/// The README's loop on a copy of the repository: add an operation to the doc, regenerate, and
/// the server no longer builds, the compiler naming the operation's method; change a field's type
/// and the server fails where it uses the field.
#[test]
fn a_doc_change_is_a_compile_error_in_the_server() {
    let tmp = xtask::target_dir().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let copy = tempfile::Builder::new().prefix("interface-loop-").tempdir_in(&tmp).unwrap();
    copy_repo(xtask::root(), copy.path());
    let doc_path = copy.path().join("openapi/backend-api.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap();

    // A new operation: hola's section again, at another path.
    let start = doc.find("### 测试登录").expect("the doc has hola");
    let end = start + doc[start..].find("------\n").expect("hola's section ends") + "------\n".len();
    let ping =
        doc[start..end].replace("### 测试登录", "### 探测").replace("/backend/api/v1/hola", "/backend/api/v1/ping");
    std::fs::write(&doc_path, format!("{}{ping}{}", &doc[..end], &doc[end..])).unwrap();
    regenerate(copy.path());
    let out = check_server(copy.path());
    let errors = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the server still builds without `get_ping`:\n{errors}");
    assert!(errors.contains("missing: `get_ping`"), "{errors}");

    // A field's type: post_task's `note`, from a string to a pointer to one (an `Option`).
    let row = doc.find("|note|string|").expect("post_task has `note`");
    let changed = format!("{}|note|*string|{}", &doc[..row], &doc[row + "|note|string|".len()..]);
    std::fs::write(&doc_path, changed).unwrap();
    regenerate(copy.path());
    let out = check_server(copy.path());
    let errors = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the server still builds with `note: Option<String>`:\n{errors}");
    assert!(errors.contains("server/src/http/tasks.rs") && errors.contains("mismatched types"), "{errors}");
}

/// `cargo xtask openapi` in the copy, as the interface command writes it there (this test's own
/// `xtask`: building the copy's would replace it under `target/`).
fn regenerate(repo: &Path) {
    let doc = repo.join("openapi/backend-api.md");
    let out = repo.join("server/api/src/generated.rs");
    let o = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["interface", "--doc"])
        .arg(&doc)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `cargo check -p server` in the copy, sharing the workspace's target folder (a check writes no
/// binary there, so the tests' `server` stays the workspace's).
fn check_server(repo: &Path) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(cargo)
        .args(["check", "--quiet", "--package", "server", "--message-format", "short"])
        .current_dir(repo)
        .env("CARGO_TARGET_DIR", xtask::target_dir())
        .output()
        .unwrap()
}

/// The repository's files, without what builds, tools and runs leave in it.
fn copy_repo(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if [".git", "target", "node_modules", "data"].iter().any(|n| name == *n) {
            continue;
        }
        let (source, dest) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_repo(&source, &dest);
        } else if entry.file_type().unwrap().is_file() {
            std::fs::copy(&source, &dest).unwrap();
        }
    }
}
