//! Two things the build must know about:
//!
//! - `embed_migrations!` reads `migrations/` at compile time, but cargo only knows to rebuild for
//!   files it was told about: without the `rerun-if-changed`, a new migration directory is
//!   silently left out of the binary until something else changes.
//! - The API reference page (`GET /docs`) is Swagger UI, served from the binary so that it works
//!   with no internet. Its files come from the Swagger UI release archive that the pinned crate
//!   `utoipa-swagger-ui-vendored` carries (crates.io, so the build needs nothing else); the ones
//!   the page loads are unpacked into `OUT_DIR/swagger-ui/` here and embedded by
//!   `src/http/reference.rs`.

use std::io::Read as _;
use std::path::Path;

/// The files of Swagger UI's `dist/` folder the page loads, and its licence.
const SWAGGER_UI_FILES: [&str; 4] =
    ["dist/swagger-ui-bundle.js", "dist/swagger-ui.css", "dist/favicon-32x32.png", "LICENSE"];

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=build.rs");
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("swagger-ui");
    std::fs::create_dir_all(&out).expect("creating OUT_DIR/swagger-ui");
    let archive = std::io::Cursor::new(utoipa_swagger_ui_vendored::SWAGGER_UI_VENDORED);
    let mut zip = zip::ZipArchive::new(archive).expect("the vendored Swagger UI archive reads");
    for wanted in SWAGGER_UI_FILES {
        // Entries are under `swagger-ui-<version>/`.
        let name = zip
            .file_names()
            .filter_map(Result::ok)
            .find(|n| n.split_once('/').is_some_and(|(_, rest)| rest == wanted))
            .map(|n| n.into_owned())
            .unwrap_or_else(|| panic!("{wanted} is not in the vendored Swagger UI archive"));
        let mut bytes = Vec::new();
        zip.by_name(&name).expect("an entry just listed").read_to_end(&mut bytes).expect("unpacking Swagger UI");
        let file = Path::new(wanted).file_name().expect("a file name");
        std::fs::write(out.join(file), bytes).expect("writing into OUT_DIR");
    }
}
