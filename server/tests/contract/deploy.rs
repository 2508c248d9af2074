//! The deployment kit of `server/deploy/`, tried: its nginx site terminating TLS in front of two
//! instances on one PostgreSQL, with the contract tests through it; and its systemd unit checked
//! by `systemd-analyze verify`.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use server_harness::nginx::Nginx;
use server_harness::{expect_ok, pg, DbKind};

use crate::TestServer;
use crate::{every_operation, png, user_operations, Front};

/// Whether a tool the test needs is installed; under CI a missing one fails the test.
fn installed(what: &str, there: bool) -> bool {
    if !there {
        assert!(std::env::var_os("CI").is_none(), "{what} is not installed and CI is set");
        eprintln!("{what} is not installed: test skipped");
    }
    there
}

/// A CA (PEM) and a certificate it signs for `localhost` and 127.0.0.1, with its key (PEM).
fn certificate() -> (String, String, String) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "deploy test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);
    let mut site = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    site.subject_alt_names.push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    let key = KeyPair::generate().unwrap();
    (ca_pem, site.signed_by(&key, &issuer).unwrap().pem(), key.serialize_pem())
}

/// `text` with each `(example, ours)` replaced; every example must be there (the committed file
/// is the one tried).
fn with_ours(text: &str, replacements: &[(&str, String)]) -> String {
    replacements.iter().fold(text.to_owned(), |text, (example, ours)| {
        assert!(text.contains(example), "`{example}` is no longer in the committed file");
        text.replace(example, ours)
    })
}

/// The contract tests through `server/deploy/nginx-backend.conf`, with TLS from a CA of the
/// test's own, in front of two instances on one PostgreSQL: both flows hold, the session cookie
/// is `Secure`, a 10 MiB upload passes, nginx's request id and the client's address reach the
/// server's log, and both instances serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_holds_through_nginx_in_front_of_two_instances() {
    if !installed("nginx", server_harness::nginx::binary().is_some()) || !pg::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificate();
    let (cert_file, key_file) = (dir.path().join("fullchain.pem"), dir.path().join("privkey.pem"));
    std::fs::write(&cert_file, cert).unwrap();
    std::fs::write(&key_file, key).unwrap();
    let site = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx-backend.conf")).unwrap();

    for flow in ["user operations", "every operation"] {
        let launch = tokio::task::block_in_place(|| {
            TestServer::launch(DbKind::Postgres, |c| {
                c.public_url = "https://localhost".parse().unwrap();
                c.login_max_failures = 2;
                // What docs/deploy.md says to set behind this site.
                c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
                c.log_format = server::config::LogFormat::Json;
                c.log_level = "info".parse().unwrap();
            })
        });
        let mut a = TestServer::from_launch(launch).await;
        let mut b = a.another_instance().await;
        let nginx = tokio::task::block_in_place(|| {
            Nginx::start(|port| {
                with_ours(
                    &site,
                    &[
                        ("127.0.0.1:8081", a.process().addr.to_string()),
                        ("127.0.0.1:8082", b.process().addr.to_string()),
                        ("listen 443 ssl", format!("listen 127.0.0.1:{port} ssl")),
                        ("backend.example.com", "localhost".to_owned()),
                        ("/etc/ssl/backend/fullchain.pem", cert_file.display().to_string()),
                        ("/etc/ssl/backend/privkey.pem", key_file.display().to_string()),
                    ],
                )
            })
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
        let front = Front {
            base: format!("https://localhost:{}", nginx.port),
            recorder: None,
            ca: Some(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap()),
        };
        if flow == "user operations" {
            user_operations(&a, &front).await;
            // Behind https the session cookie is Secure.
            a.add_user("carol", "carol-password").await;
            let login = front
                .http(false)
                .post(format!("{}/backend/api/v1/login", front.base))
                .json(&serde_json::json!({"name": "carol", "password": "carol-password"}))
                .send()
                .await
                .unwrap();
            let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
            assert!(cookie.split("; ").any(|f| f == "Secure"), "{cookie}");
            let id = login.headers()["x-request-id"].to_str().unwrap().to_owned();
            assert!(id.len() == 32 && id.bytes().all(|c| c.is_ascii_hexdigit()), "nginx's $request_id: {id}");
            expect_ok(login).await;
            // The client's own address, forwarded by nginx, is whom a failed login is counted for.
            let from_elsewhere = reqwest::Client::builder()
                .add_root_certificate(front.ca.clone().unwrap())
                .local_address("127.0.0.3".parse::<std::net::IpAddr>().unwrap())
                .build()
                .unwrap();
            let failed = from_elsewhere
                .post(format!("{}/backend/api/v1/login", front.base))
                .json(&serde_json::json!({"name": "carol", "password": "wrong"}))
                .send()
                .await
                .unwrap();
            assert_eq!(failed.status(), 401);
            let counted_for = "SELECT count(*) AS n FROM login_failures WHERE name = 'carol' AND address = '127.0.0.3'";
            assert_eq!(a.stored().count(counted_for).await, 1, "counted for the client behind nginx");
        } else {
            let limit = 10 * 1024 * 1024;
            every_operation(&a, &front, limit).await;
            // An upload at the limit passes nginx and is stored.
            let token = a.token("alice", "alice-password").await;
            let part = reqwest::multipart::Part::bytes(png(limit - 64)).file_name("big.png");
            let upload = front
                .http(false)
                .post(format!("{}/backend/api/v1/upload", front.base))
                .header("x-auth-token", token)
                .multipart(reqwest::multipart::Form::new().part("file", part))
                .send()
                .await
                .unwrap();
            expect_ok(upload).await;
        }
        a.stop().await;
        b.stop().await;
        for (name, s) in [("a", &a), ("b", &b)] {
            let forwarded = s.process().log().iter().any(|l| l.contains("\"hdr_x_forwarded_for\":\"127.0.0.1\""));
            assert!(
                forwarded,
                "{flow}: instance {name} logged no request with the client's address: {}",
                nginx.error_log()
            );
        }
    }
}

/// The systemd unit of `server/deploy/`, as `systemd-analyze verify` reads it — with the built
/// binary in place of `/usr/local/bin/server`, which it checks is there.
#[test]
fn the_systemd_unit_verifies() {
    let analyze = std::path::Path::new("/usr/bin/systemd-analyze");
    if !installed("systemd-analyze", analyze.exists()) {
        return;
    }
    let unit = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/backend.service")).unwrap();
    for hardening in ["User=backend", "ProtectSystem=strict", "ReadWritePaths=/var/lib/backend", "NoNewPrivileges=true"]
    {
        assert!(unit.contains(hardening), "{hardening} is not in the unit");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backend.service");
    std::fs::write(&path, with_ours(&unit, &[("/usr/local/bin/server", env!("CARGO_BIN_EXE_server").to_owned())]))
        .unwrap();
    let out = std::process::Command::new(analyze).args(["verify", "--man=no"]).arg(&path).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.trim().is_empty(), "systemd-analyze verify: {said}");
}
