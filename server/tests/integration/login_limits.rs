//! What protects logins from abuse: the lockout of a name for one client address only, the
//! slowdown of a name failing from many addresses, each address's bucket of logins, the budget of
//! password checks, and `X-Forwarded-For` from trusted proxies. Clients are told apart by their
//! source address in 127.0.0.0/8.

use std::time::{Duration, Instant};

use reqwest::Response;
use server_harness::{expect_error, header, on_both_databases, DbKind};

use crate::TestServer;

on_both_databases!(
    failures_from_one_address_do_not_lock_the_user_out_from_another,
    a_name_failing_from_many_addresses_is_slowed_down_not_locked_out,
    an_address_over_its_rate_is_refused_before_any_password_work,
    x_forwarded_for_names_the_client_only_from_a_trusted_proxy,
    logins_beyond_the_password_check_queue_are_refused_at_once,
);

/// A 429 / 10200 with `Retry-After` (whole seconds, at least 1); returns the message and the wait.
async fn refused(response: Response) -> (String, u64) {
    let retry_after = header(&response, "retry-after");
    let wait: u64 = retry_after.parse().unwrap_or_else(|_| panic!("Retry-After: {retry_after:?}"));
    assert!(wait >= 1, "Retry-After: {wait}");
    let body = expect_error(response, 429, 10200).await;
    (body["msg"].as_str().unwrap().to_owned(), wait)
}

async fn failures_from_one_address_do_not_lock_the_user_out_from_another(db: DbKind) {
    // A bucket large enough for the 20 attempts: this is about the lockout, not the rate.
    let s = TestServer::start(db, |c| c.login_burst = 30).await;
    s.add_user("alice", "alice-password").await;
    for attempt in 1..=20 {
        let response = s.login_from("127.0.0.2", &[], "alice", "wrong").await;
        if attempt <= 5 {
            expect_error(response, 401, 10106).await;
        } else {
            let (msg, wait) = refused(response).await;
            assert!(msg.contains("this address"), "{msg}");
            assert!(wait <= 15 * 60, "at most the 15-minute window: {wait}");
        }
    }
    // The user, from elsewhere, logs in at once; the address that failed stays refused, even with
    // the right password.
    let response = s.login_from("127.0.0.1", &[], "alice", "alice-password").await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    refused(s.login_from("127.0.0.2", &[], "alice", "alice-password").await).await;
    // The window passes: the address may try again.
    s.advance_clock(Duration::from_secs(15 * 60));
    let response = s.login_from("127.0.0.2", &[], "alice", "alice-password").await;
    assert_eq!(response.status(), 200);
}

async fn a_name_failing_from_many_addresses_is_slowed_down_not_locked_out(db: DbKind) {
    let s = TestServer::start(db, |_| {}).await;
    s.add_user("alice", "alice-password").await;
    // 20 failures, five from each of four addresses: each address is locked out, the name is not.
    for address in ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"] {
        for _ in 0..5 {
            expect_error(s.login_from(address, &[], "alice", "wrong").await, 401, 10106).await;
        }
        refused(s.login_from(address, &[], "alice", "alice-password").await).await;
    }
    // A fifth address logs in, after the name's delay: 20 failures with the default of 5 per
    // address is 1 s (docs/behaviour.md).
    let started = Instant::now();
    let response = s.login_from("127.0.0.6", &[], "alice", "alice-password").await;
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_secs(1), "slowed down: {:?}", started.elapsed());
    // Counted per address in the database: the failing addresses, and the name over all of them.
    let rows = s.stored().count("SELECT count(*) AS n FROM login_failures WHERE name = 'alice'").await;
    assert_eq!(rows, 5, "four addresses and the name's total");
}

async fn an_address_over_its_rate_is_refused_before_any_password_work(db: DbKind) {
    let s = TestServer::start(db, |c| {
        c.login_rate_per_minute = 1;
        c.login_burst = 3;
    })
    .await;
    s.add_user("alice", "alice-password").await;
    for name in ["guess-1", "guess-2", "guess-3"] {
        expect_error(s.login_from("127.0.0.2", &[], name, "wrong").await, 401, 10106).await;
    }
    let (msg, wait) = refused(s.login_from("127.0.0.2", &[], "guess-4", "wrong").await).await;
    assert!(msg.contains("too many logins from this address"), "{msg}");
    assert!((1..=60).contains(&wait), "one login a minute: {wait}");
    refused(s.login_from("127.0.0.2", &[], "alice", "alice-password").await).await;
    // Refused before any work: no failure was counted for the name it tried.
    let counted = s.stored().count("SELECT count(*) AS n FROM login_failures WHERE name = 'guess-4'").await;
    assert_eq!(counted, 0);
    // Other addresses have their own buckets.
    assert_eq!(s.login_from("127.0.0.3", &[], "alice", "alice-password").await.status(), 200);
}

async fn x_forwarded_for_names_the_client_only_from_a_trusted_proxy(db: DbKind) {
    let s = TestServer::start(db, |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.login_burst = 2;
        c.login_rate_per_minute = 1;
    })
    .await;
    s.add_user("alice", "alice-password").await;
    // Through the trusted proxy, each forwarded client has its own bucket and lockout, and a
    // client cannot pick its own address by sending the header itself (its entry is left of
    // the one the proxy appended).
    let via_proxy = |client: &'static str| [("x-forwarded-for", client)];
    for _ in 0..2 {
        let spoofing = via_proxy("198.51.100.1, 203.0.113.1");
        expect_error(s.login_from("127.0.0.1", &spoofing, "alice", "wrong").await, 401, 10106).await;
    }
    refused(s.login_from("127.0.0.1", &via_proxy("198.51.100.2, 203.0.113.1"), "alice", "wrong").await).await;
    let response = s.login_from("127.0.0.1", &via_proxy("203.0.113.2"), "alice", "alice-password").await;
    assert_eq!(response.status(), 200);
    // The failures were counted for the forwarded client, not the proxy or the spoofed entry.
    let failures_of = |address: &str| {
        format!("SELECT failures AS n FROM login_failures WHERE name = 'alice' AND address = '{address}'")
    };
    assert_eq!(s.stored().count(&failures_of("203.0.113.1")).await, 2);
    assert_eq!(
        s.stored().count(&failures_of("198.51.100.1")).await + s.stored().count(&failures_of("127.0.0.1")).await,
        0
    );
    // From a peer that is not trusted the header means nothing: 127.0.0.2 is the client.
    for _ in 0..2 {
        let response = s.login_from("127.0.0.2", &via_proxy("203.0.113.3"), "alice", "wrong").await;
        expect_error(response, 401, 10106).await;
    }
    refused(s.login_from("127.0.0.2", &via_proxy("203.0.113.4"), "alice", "wrong").await).await;
    assert_eq!(s.stored().count(&failures_of("127.0.0.2")).await, 2);
}

async fn logins_beyond_the_password_check_queue_are_refused_at_once(db: DbKind) {
    let s = TestServer::start(db, |c| {
        c.password_checks = 1;
        c.password_check_queue = 0;
        c.login_burst = 100;
    })
    .await;
    s.add_user("alice", "alice-password").await;
    // Twelve at once, one worker and no queue: those that find it busy are refused unchecked.
    let names: Vec<String> = (0..12).map(|i| format!("flood-{i}")).collect();
    let attempts = names.iter().map(|name| s.login(name, "wrong"));
    let responses = futures_util::future::join_all(attempts).await;
    let mut busy = 0;
    for response in responses {
        if response.status() == 429 {
            let (msg, wait) = refused(response).await;
            assert!(msg.contains("busy"), "{msg}");
            assert_eq!(wait, 1);
            busy += 1;
        } else {
            expect_error(response, 401, 10106).await;
        }
    }
    assert!(busy > 0, "one worker, no queue: some of 12 concurrent logins find it busy");
    // Refused without a check: only the checked ones were counted as failures.
    let counted =
        s.stored().count("SELECT count(*) AS n FROM login_failures WHERE name LIKE 'flood-%' AND address <> '*'").await;
    assert_eq!(counted, 12 - busy);
    // Once the flood is over, logins work.
    s.token("alice", "alice-password").await;
}
