//! `embed_migrations!` reads `migrations/` at compile time, but cargo only knows to rebuild for
//! files it was told about: without this, a new migration directory is silently left out of
//! the binary until something else changes.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
