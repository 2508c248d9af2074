//! TLS to PostgreSQL, libpq's way (`sslmode`, `sslrootcert`), against a throwaway cluster with
//! `ssl = on` and certificates made here: a CA, and a server certificate it signs for
//! `127.0.0.1` and `db.example.test`.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use server_harness::pg::{Cluster, Tls, TEST_SETTINGS};
use server_harness::{expect_ok, pg};

use crate::TestServer;

/// A CA's certificate (PEM), and a server certificate (PEM) with its key, signed by that CA.
fn certificates(ca_name: &str) -> (String, String, String) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, ca_name);
    let ca_key = KeyPair::generate().unwrap();
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);
    let mut server = CertificateParams::new(vec!["db.example.test".to_owned()]).unwrap();
    server.subject_alt_names.push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    server.distinguished_name.push(DnType::CommonName, "db.example.test");
    let key = KeyPair::generate().unwrap();
    let cert = server.signed_by(&key, &issuer).unwrap();
    (ca_pem, cert.pem(), key.serialize_pem())
}

/// A TLS cluster with a fresh database; the URL's host is `host`.
fn cluster(cert: &str, key: &str, hostssl_only: bool, host: &str) -> (Cluster, String) {
    let bin = server_harness::pg::bin_dir().expect("PostgreSQL binaries");
    let tls = Tls { cert_pem: cert, key_pem: key, hostssl_only };
    let cluster = Cluster::start_tls(&bin, &TEST_SETTINGS, &tls).unwrap_or_else(|e| panic!("{e:#}"));
    let url = cluster.create_database().unwrap().replace("@127.0.0.1:", &format!("@{host}:"));
    (cluster, url)
}

/// Whether every connection of the server (named by its `application_name`) is encrypted.
fn all_encrypted(cluster: &Cluster, application: &str) -> bool {
    let sql = format!(
        "SELECT count(*) FILTER (WHERE s.ssl) || '/' || count(*) FROM pg_stat_ssl s \
         JOIN pg_stat_activity a USING (pid) WHERE a.application_name = '{application}'"
    );
    let counts = cluster.psql("postgres", &sql).unwrap();
    let (encrypted, all) = counts.split_once('/').unwrap();
    all != "0" && encrypted == all
}

/// The server starts and serves on `url`, every connection of it over TLS.
async fn serves_over_tls(cluster: &Cluster, url: &str) {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let url = format!("{url}&application_name=tls-test-{n}");
    let s = TestServer::start_on(&url, |_| {}).await;
    let user = format!("user{n}");
    s.add_user(&user, "user-password").await;
    let token = s.token(&user, "user-password").await;
    expect_ok(s.hola(&token).await).await;
    expect_ok(s.client.get(format!("{}/readyz", s.base)).send().await.unwrap()).await;
    let application = format!("tls-test-{n}");
    assert!(tokio::task::block_in_place(|| all_encrypted(cluster, &application)), "{url}: a plain connection");
}

/// The server refuses to start on `url`, saying which sslmode failed.
fn refuses_to_start(url: &str, sslmode: &str) {
    let launch = TestServer::launch_on(url, |_| {});
    let refused = tokio::task::block_in_place(|| launch.start()).expect_err("the start is refused");
    let refused = format!("{refused:#}");
    assert!(refused.contains(&format!("sslmode={sslmode}")), "{url}: {refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_and_verify_full_connect_and_a_wrong_ca_or_host_is_refused_at_start() {
    if !pg::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates("test CA");
    let (other_ca, _, _) = certificates("another CA");
    let ca_file = dir.path().join("ca.pem");
    let other_file = dir.path().join("other-ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    std::fs::write(&other_file, other_ca).unwrap();
    let (ca_file, other_file) = (ca_file.display().to_string(), other_file.display().to_string());

    let (cluster, url) = tokio::task::block_in_place(|| cluster(&cert, &key, false, "127.0.0.1"));
    serves_over_tls(&cluster, &format!("{url}?sslmode=require")).await;
    serves_over_tls(&cluster, &format!("{url}?sslmode=verify-full&sslrootcert={ca_file}")).await;
    serves_over_tls(&cluster, &format!("{url}?sslmode=verify-ca&sslrootcert={ca_file}")).await;
    refuses_to_start(&format!("{url}?sslmode=verify-ca&sslrootcert={other_file}"), "verify-ca");
    // `require` with a root checks the chain, as libpq does.
    refuses_to_start(&format!("{url}?sslmode=require&sslrootcert={other_file}"), "require");
    // The certificate is for 127.0.0.1 and db.example.test, not localhost: verify-full refuses,
    // verify-ca (the chain only) connects.
    let by_name = url.replace("@127.0.0.1:", "@localhost:");
    refuses_to_start(&format!("{by_name}?sslmode=verify-full&sslrootcert={ca_file}"), "verify-full");
    serves_over_tls(&cluster, &format!("{by_name}?sslmode=verify-ca&sslrootcert={ca_file}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostssl_only_server_refuses_a_plain_connection() {
    if !pg::available() {
        return;
    }
    let (_, cert, key) = certificates("test CA");
    let (cluster, url) = tokio::task::block_in_place(|| cluster(&cert, &key, true, "127.0.0.1"));
    refuses_to_start(&format!("{url}?sslmode=disable"), "disable");
    // prefer (the default) takes the TLS the server offers.
    serves_over_tls(&cluster, &format!("{url}?sslmode=prefer")).await;
}
