//! The back-end server. Its endpoints arrive with the server-foundation issue.

fn main() {
    eprintln!("server: not built yet; see the server-foundation issue");
    std::process::exit(2);
}
