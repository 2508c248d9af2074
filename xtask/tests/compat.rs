//! `cargo xtask compat`: the project's doc keeps its newest release working (CI fails otherwise),
//! and a breaking edit fails it, at its line, until the major version is raised.

use std::path::Path;
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn compat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask")).arg("compat").args(args).current_dir(root()).output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The doc against its newest release in `openapi/released/`: no breaking change, unless the
/// doc's major version says so.
#[test]
fn the_doc_keeps_its_newest_release_working() {
    let out = compat(&[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("since release"), "{}", text(&out));
}

#[test]
fn a_breaking_edit_fails_at_its_line_until_the_major_version_is_raised() {
    let doc = std::fs::read_to_string(root().join("openapi/backend-api.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let edited = dir.path().join("edited.md");
    // The task's `result` dropped from the detail's response, and its example.
    let broken = doc.replacen("|result|string|任务结果|\n", "", 1).replacen("    \"result\": \"\",\n", "", 1);
    std::fs::write(&edited, &broken).unwrap();
    let out = compat(&["--doc", edited.to_str().unwrap()]);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    let table = broken.lines().position(|l| l == "backend.TaskDetail").unwrap() + 3;
    let shown = format!(
        "{}:{table}: BREAKING response-field-removed: GET /backend/api/v1/task: field removed `data.result`",
        edited.display()
    );
    assert!(said.contains(&shown), "expected `{shown}` in:\n{said}");
    assert!(said.contains("raise the major version (`版本: 2.0.0`)"), "{said}");

    // With a new major version, the same change is allowed (and still listed).
    std::fs::write(&edited, broken.replacen("版本: 1.0.0", "版本: 2.0.0", 1)).unwrap();
    let out = compat(&["--doc", edited.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("BREAKING response-field-removed") && text(&out).contains("allowed"), "{}", text(&out));

    // A version below the release's is refused.
    std::fs::write(&edited, doc.replacen("版本: 1.0.0", "版本: 0.9.0", 1)).unwrap();
    let out = compat(&["--doc", edited.to_str().unwrap()]);
    assert!(!out.status.success() && text(&out).contains("below"), "{}", text(&out));
}

#[test]
fn compatible_edits_pass_and_are_listed() {
    let doc = std::fs::read_to_string(root().join("openapi/backend-api.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let edited = dir.path().join("edited.md");
    // A new optional request field on the task update, and a new error code.
    let more = doc
        .replacen(
            "|id|int64||\n|note|string|备注|\n|priority|int8|任务优先级|\n",
            "|id|int64||\n|note|string|备注|\n|priority|int8|任务优先级|\n|tag|string|标签|\n",
            1,
        )
        .replacen(
            "|10122|over_max_limit|",
            "|10123|too_many_tasks|HTTP 409: too many tasks|\n|10122|over_max_limit|",
            1,
        );
    std::fs::write(&edited, &more).unwrap();
    let out = compat(&["--doc", edited.to_str().unwrap()]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("compatible request-field-added-optional") && said.contains("compatible error-code-added"),
        "{said}"
    );
    assert!(said.contains("2 change(s)") && said.contains("0 breaking"), "{said}");
}

/// The base can be the doc at a git ref, a doc or a spec.
#[test]
fn the_base_can_be_a_git_ref_a_doc_or_a_spec() {
    for base in ["HEAD", "openapi/backend-api.md", "openapi/released/1.0.0.json"] {
        let out = compat(&["--base", base]);
        assert!(out.status.success(), "--base {base}: {}", text(&out));
    }
    let out = compat(&["--base", "no-such-ref-or-file"]);
    assert!(!out.status.success() && text(&out).contains("not a file"), "{}", text(&out));
}
