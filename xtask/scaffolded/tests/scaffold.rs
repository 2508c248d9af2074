//! The scaffold is right: the spec dropshot derives from each committed module's trait — built as
//! `backend_api::openapi_json()` builds the server's — says what the module's doc says
//! (`doc_dialect::contract`, as `cargo xtask contract` compares), except exactly where the
//! scaffold reports a gap; its operations carry the doc's summaries, descriptions and tags; and
//! each module is what `cargo xtask scaffold --all` makes of its doc today.

use std::path::Path;

use dropshot::{ApiDescription, ApiDescriptionBuildErrors, StubContext};
use serde_json::{json, Map, Value};

/// A committed module: its doc, its file under `src/`, and its spec.
struct Case {
    doc: &'static str,
    module: &'static str,
    spec: fn() -> Value,
}

macro_rules! case {
    ($doc:literal, $module:ident, $api:ident) => {
        Case {
            doc: $doc,
            module: stringify!($module),
            spec: || {
                use scaffolded::$module as m;
                spec_of(m::$api::stub_api_description(), m::CREDENTIALS, m::PUBLIC_OPERATIONS, m::ERROR_CODES)
            },
        }
    };
}

const CASES: &[Case] = &[
    case!("openapi/backend-api.md", backend_api, backend_api_mod),
    case!("xtask/tests/golden/names.md", names, names_api_mod),
    case!("xtask/tests/golden/single.md", single, single_api_mod),
    case!("xtask/tests/golden/types.md", types, types_api_mod),
];

/// The module's OpenAPI document, with what dropshot's endpoints cannot declare added from the
/// module's constants, as the server's `openapi_json()` and `cargo xtask contract` add it.
fn spec_of(
    api: Result<ApiDescription<StubContext>, ApiDescriptionBuildErrors>,
    credentials: &[(&str, &str)],
    public: &[&str],
    error_codes: &[(i64, &str, Option<u16>)],
) -> Value {
    let api = api.unwrap_or_else(|e| panic!("the trait does not describe a valid API: {e}"));
    let version = dropshot::semver::Version::new(1, 0, 0);
    let mut spec = api.openapi("scaffolded", version).json().expect("the OpenAPI document serialises");
    if !credentials.is_empty() {
        spec["security"] = credentials.iter().map(|(name, _)| json!({ *name: [] })).collect();
        let schemes: Map<String, Value> = credentials
            .iter()
            .map(|(name, at)| (name.to_string(), json!({"type": "apiKey", "in": at, "name": name})))
            .collect();
        spec["components"]["securitySchemes"] = Value::Object(schemes);
        for item in spec["paths"].as_object_mut().into_iter().flat_map(|paths| paths.values_mut()) {
            for op in item.as_object_mut().into_iter().flat_map(|item| item.values_mut()) {
                if op["operationId"].as_str().is_some_and(|id| public.contains(&id)) {
                    op["security"] = json!([]);
                }
            }
        }
    }
    spec["x-error-codes"] = error_codes
        .iter()
        .map(|(code, error, status)| json!({"code": code, "error": error, "status": status}))
        .collect();
    spec
}

fn read(doc: &str) -> String {
    std::fs::read_to_string(xtask::root().join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"))
}

/// The gaps the scaffold reports for a doc: what its module cannot say.
fn gaps(doc: &str) -> Vec<doc_dialect::scaffold::Gap> {
    let stem = Path::new(doc).file_stem().unwrap().to_string_lossy();
    let trait_name = doc_dialect::scaffold::trait_name(&stem);
    let options = doc_dialect::scaffold::Options {
        doc_name: doc,
        command: "",
        trait_name: &trait_name,
        selection: doc_dialect::scaffold::Selection::All,
    };
    doc_dialect::scaffold::scaffold(&read(doc), doc, &options).unwrap_or_else(|e| panic!("{e}")).gaps
}

#[test]
fn each_module_says_what_its_doc_says_but_its_reported_gaps() {
    let mut failures = Vec::new();
    for case in CASES {
        let differences = doc_dialect::contract::check(&read(case.doc), case.doc, &(case.spec)())
            .unwrap_or_else(|d| panic!("{d}{} does not convert", case.doc));
        let gaps = gaps(case.doc);
        for d in differences.iter().filter(|d| !gaps.iter().any(|g| g.line == d.line)) {
            failures.push(format!("{}:{}: {} — {}", case.doc, d.line, d.doc, d.server));
        }
        for g in gaps.iter().filter(|g| !differences.iter().any(|d| d.line == g.line)) {
            failures.push(format!("{}:{}: a gap the contract does not see: {}", case.doc, g.line, g.message));
        }
    }
    assert!(failures.is_empty(), "the scaffold differs from the doc (doc — scaffold):\n{}", failures.join("\n"));
}

#[test]
fn each_operation_has_its_docs_summary_description_and_tag() {
    for case in CASES {
        let doc_spec = doc_dialect::markdown_to_spec(&read(case.doc), case.doc, "").unwrap_or_else(|d| panic!("{d}"));
        let spec = (case.spec)();
        for (path, item) in doc_spec["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let ours = &spec["paths"][path][method];
                for key in ["summary", "description", "tags"] {
                    assert_eq!(ours.get(key), op.get(key), "{}: {method} {path}: {key}", case.doc);
                }
            }
        }
    }
}

#[test]
fn each_committed_module_is_current() {
    for case in CASES {
        let args = xtask::scaffold::Args {
            all: true,
            doc: Some(case.doc.into()),
            out: Some(format!("xtask/scaffolded/src/{}.rs", case.module).into()),
            check: true,
            ..Default::default()
        };
        if let Err(e) = xtask::scaffold::run(&args, xtask::root()) {
            panic!("{e:#}");
        }
    }
}

#[test]
fn every_golden_doc_has_a_module() {
    let dir = xtask::root().join("xtask/tests/golden");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".md") {
            let doc = format!("xtask/tests/golden/{name}");
            assert!(
                CASES.iter().any(|c| c.doc == doc),
                "{doc} has no scaffolded module: run `cargo xtask scaffold --all --doc {doc} --out \
                 xtask/scaffolded/src/{stem}.rs` and add it to src/lib.rs and CASES"
            );
        }
    }
}
