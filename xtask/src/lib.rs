//! The library half of `cargo xtask`: where the workspace and its doc are, and generated-file
//! handling, shared by this command line, `xtask-tools` and the tests.

pub mod codegen;
pub mod scaffold;

use std::path::Path;

/// The workspace's top folder: defaults are relative to it, whatever the current directory.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace")
}

pub const DEFAULT_DOC: &str = "openapi/backend-api.md";
pub const DEFAULT_SPEC: &str = "openapi/backend-api.json";
