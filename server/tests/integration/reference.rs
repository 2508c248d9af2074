//! The API as its consumers meet it before they call it: the committed spec at `/openapi.json`,
//! byte for byte, and the reference page at `/docs` with every file it loads, all public and
//! served from the binary. (A real browser uses the page in `server/tests/integration/browser/reference-page.cjs`.)

use server_harness::group::output_within;
use server_harness::{expect_error, DbKind};

use crate::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spec_and_the_reference_page_are_served_without_a_session() {
    let s = TestServer::start(DbKind::Sqlite, |_| {}).await;
    let get = |path: &str| s.client.get(format!("{}{path}", s.base)).send();

    let spec = get("/openapi.json").await.unwrap();
    assert_eq!(spec.status(), 200);
    assert_eq!(spec.headers()["content-type"], "application/json");
    let committed = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/backend-api.json")).unwrap();
    assert!(spec.bytes().await.unwrap() == committed, "/openapi.json is not openapi/backend-api.json byte for byte");

    let page = get("/docs").await.unwrap();
    assert_eq!(
        (page.status().as_u16(), &page.headers()["content-type"]),
        (200, &"text/html; charset=utf-8".parse().unwrap())
    );
    let html = page.text().await.unwrap();
    // Every file the page loads is served, with its type; nothing comes from elsewhere.
    let loaded: Vec<&str> = html.split(['"', '\'']).filter(|part| part.starts_with("/docs/")).collect();
    assert!(loaded.len() >= 4, "{html}");
    assert!(!html.contains("http://") && !html.contains("https://"), "the page loads nothing from elsewhere: {html}");
    for path in loaded {
        let file = get(path).await.unwrap();
        assert_eq!(file.status(), 200, "{path}");
        let content_type = file.headers()["content-type"].to_str().unwrap().to_owned();
        let expected = if path.ends_with(".js") {
            "text/javascript"
        } else if path.ends_with(".css") {
            "text/css"
        } else {
            "image/png"
        };
        assert!(content_type.starts_with(expected), "{path}: {content_type}");
        assert!(!file.bytes().await.unwrap().is_empty(), "{path}");
    }
    let script = get("/docs/reference.js").await.unwrap().text().await.unwrap();
    assert!(script.contains("\"/openapi.json\"") && script.contains("validatorUrl: null"), "{script}");
    assert!(get("/docs/LICENSE").await.unwrap().text().await.unwrap().contains("Apache License"));
    expect_error(get("/docs/..%2Fopenapi.json").await.unwrap(), 404, 10109).await;
    expect_error(get("/docs/nothing.js").await.unwrap(), 404, 10109).await;
}

/// A person on the reference page, in a real browser — Debian's Chromium, driven by
/// playwright-core (`browser/reference-page.cjs`): the page loads with no console error and
/// nothing fetched from elsewhere, shows every operation of the doc with the doc's summary,
/// logs in from the page and then calls `GET /hola` with that session. The page as it was at
/// the end is saved as `target/browser/reference-page.png`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_logs_in_from_the_reference_page_and_calls_hola() {
    let Some(node_modules) = browser_tools() else { return };
    let s = TestServer::start(DbKind::Sqlite, |_| {}).await;
    s.add_user("alice", "alice-password").await;
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace.join("target"), Into::into);
    std::fs::create_dir_all(target.join("browser")).unwrap();
    let screenshot = target.join("browser/reference-page.png");
    let _ = std::fs::remove_file(&screenshot);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/integration/browser/reference-page.cjs");
    let mut node = std::process::Command::new("node");
    node.arg(script).args([&s.base, "alice", "alice-password"]).arg(&screenshot).env("NODE_PATH", node_modules);
    // In a group of its own, stopped if it hangs: SIGTERM, on which playwright closes the browser.
    let out = tokio::task::block_in_place(|| output_within(&mut node, std::time::Duration::from_secs(120)))
        .unwrap_or_else(|e| panic!("the browser run: {e:#}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the browser run failed:\n{stderr}");
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));

    assert_eq!(seen["console_errors"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["requests_elsewhere"], serde_json::json!([]), "{seen}");
    let spec: serde_json::Value =
        serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/backend-api.json")))
            .unwrap();
    let mut expected = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            expected.push(serde_json::json!({
                "method": method.to_uppercase(), "path": path, "summary": op["summary"],
            }));
        }
    }
    let mut shown: Vec<serde_json::Value> = seen["operations"].as_array().unwrap().clone();
    let key = |v: &serde_json::Value| format!("{} {}", v["path"], v["method"]);
    shown.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(expected.len(), 10);
    assert_eq!(shown, expected, "the page shows every operation of the doc with its summary");
    // The page is for the API's users: the doc's title, not the note for whoever edits the spec.
    let info = seen["info"].as_str().unwrap_or_default();
    assert!(info.contains("后台API文档") && !info.contains("Do not edit"), "{info}");
    assert_eq!(seen["login_status"], "200", "{seen}");
    assert_eq!(seen["hola_status"], "200", "{seen}");
    let hola: serde_json::Value = serde_json::from_str(seen["hola_body"].as_str().unwrap()).unwrap();
    assert_eq!((&hola["code"], &hola["msg"]), (&0.into(), &"hola! amigo!".into()), "{hola}");
    assert!(std::fs::metadata(&screenshot).is_ok_and(|m| m.len() > 0), "no screenshot at {}", screenshot.display());
}

/// What the browser test needs — Debian's Chromium (`CHROMIUM`, default `/usr/bin/chromium`),
/// Node.js and the pinned playwright-core (`npm ci --prefix xtask/node`) — as the `NODE_PATH`
/// to give node; `None` (the test says it is skipped) when one is missing, except under CI.
fn browser_tools() -> Option<std::path::PathBuf> {
    let chromium = std::env::var_os("CHROMIUM").unwrap_or_else(|| "/usr/bin/chromium".into());
    let node_modules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../xtask/node/node_modules");
    let node = std::process::Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let missing: Vec<&str> = [
        (std::path::Path::new(&chromium).exists(), "chromium (apt-get install chromium)"),
        (node, "node"),
        (node_modules.join("playwright-core").exists(), "playwright-core (npm ci --prefix xtask/node)"),
    ]
    .into_iter()
    .filter_map(|(there, what)| (!there).then_some(what))
    .collect();
    if missing.is_empty() {
        return Some(node_modules);
    }
    if std::env::var_os("CI").is_some() {
        panic!("the browser test needs {} and CI is set", missing.join(", "));
    }
    eprintln!("browser test skipped: {} not installed", missing.join(", "));
    None
}
