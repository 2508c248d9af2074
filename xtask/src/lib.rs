//! The library half of `cargo xtask`: the doc dialect and generated-file handling, shared by the
//! command-line tool (`src/main.rs`) and the tests.

pub mod codegen;
pub mod contract;
pub mod diag;
pub mod dialect;
pub mod pg;

use std::path::Path;

/// The workspace's top folder: defaults are relative to it, whatever the current directory.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace")
}

pub const DEFAULT_DOC: &str = "openapi/backend-api.md";
pub const DEFAULT_SPEC: &str = "openapi/backend-api.json";
