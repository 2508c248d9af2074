//! The checks CI runs as commands, as ordinary tests too, so that `cargo test` (the README's test
//! command) is the whole gate: the committed client is what the spec generates, and the server's
//! spec says what the doc says.

#[test]
fn the_committed_client_is_current() {
    if let Err(e) = xtask_tools::client::run(xtask::root(), true) {
        panic!("{e:#}");
    }
}

#[test]
fn the_server_says_what_the_doc_says() {
    let differences = xtask_tools::contract::differences(None).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(
        differences.is_empty(),
        "the server differs from the doc (`cargo xtask contract`):\n{}",
        differences.join("\n")
    );
}
