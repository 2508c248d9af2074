//! TLS to PostgreSQL, as libpq's `sslmode` and `sslrootcert` say, through rustls.
//!
//! tokio-postgres knows `sslmode` `disable`, `prefer` and `require` only and verifies nothing
//! itself; the verification libpq's modes promise is the rustls configuration built here:
//!
//! | sslmode | encrypted | the server's certificate |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (libpq's default) | if the server offers TLS | not checked |
//! | `require` | always | not checked — checked like `verify-ca` when `sslrootcert` is given |
//! | `verify-ca` | always | signed by a CA in `sslrootcert` |
//! | `verify-full` | always | signed by a CA in `sslrootcert`, and issued for the host connected to |
//!
//! `sslrootcert` is a PEM file of the CA certificates to trust; `verify-ca` and `verify-full`
//! need one. Both may be given in the database URL (`?sslmode=verify-full&sslrootcert=/etc/…`),
//! which beats the `db_sslmode` and `db_sslrootcert` settings.

use std::sync::Arc;

use anyhow::{bail, Context as _};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

/// libpq's `sslmode`, as far as a client that must not fall back to plaintext cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn parse(text: &str) -> anyhow::Result<SslMode> {
        Ok(match text {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => bail!("sslmode {other:?}: expected disable, prefer, require, verify-ca or verify-full"),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// How to reach PostgreSQL: the connection settings and the TLS to use.
#[derive(Clone)]
pub struct Connector {
    config: tokio_postgres::Config,
    mode: SslMode,
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector").field("sslmode", &self.mode).finish_non_exhaustive()
    }
}

impl Connector {
    /// For `url`; its own `sslmode` and `sslrootcert` beat `sslmode` and `sslrootcert` given
    /// here (the settings).
    pub fn new(url: &str, sslmode: SslMode, sslrootcert: &str) -> anyhow::Result<Connector> {
        let (url, from_url) = split_tls_params(url);
        let mode = match from_url.sslmode.as_deref() {
            Some(from_url) => SslMode::parse(from_url)?,
            None => sslmode,
        };
        let root = from_url.sslrootcert.as_deref().unwrap_or(sslrootcert);
        let mut config: tokio_postgres::Config = url.parse().context("the PostgreSQL URL")?;
        config.ssl_mode(match mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        });
        let tls = match mode {
            SslMode::Disable => None,
            _ => Some(tokio_postgres_rustls::MakeRustlsConnect::new(client_config(mode, root)?)),
        };
        Ok(Connector { config, mode, tls })
    }

    pub fn sslmode(&self) -> SslMode {
        self.mode
    }

    /// A new connection; a refusal says which `sslmode` it was made with.
    pub async fn connect(&self) -> diesel::ConnectionResult<diesel_async::AsyncPgConnection> {
        use diesel_async::AsyncPgConnection;
        let refused = |e: tokio_postgres::Error| {
            // The TLS failure itself is the error's source, which Display leaves out.
            let cause = std::error::Error::source(&e).map(|s| format!(": {s}")).unwrap_or_default();
            let advice = e.code().and_then(too_many_clients).unwrap_or_default();
            diesel::ConnectionError::BadConnection(format!("{e}{cause} (sslmode={}){advice}", self.mode.name()))
        };
        match &self.tls {
            None => {
                let (client, connection) = self.config.connect(tokio_postgres::NoTls).await.map_err(refused)?;
                AsyncPgConnection::try_from_client_and_connection(client, connection).await
            }
            Some(tls) => {
                let (client, connection) = self.config.connect(tls.clone()).await.map_err(refused)?;
                AsyncPgConnection::try_from_client_and_connection(client, connection).await
            }
        }
    }
}

/// What to change when a connection is refused for want of room, by its SQLSTATE: PostgreSQL's
/// own refusal (53300 too_many_connections), or a pooler's (PgBouncer sends every refusal of its
/// own, and PostgreSQL's when it relays one at login, as 08P01 protocol_violation — a code
/// PostgreSQL itself never answers a well-formed login with).
fn too_many_clients(code: &tokio_postgres::error::SqlState) -> Option<&'static str> {
    use tokio_postgres::error::SqlState;
    if *code == SqlState::TOO_MANY_CONNECTIONS {
        Some(
            ": PostgreSQL has no connection left for this instance. Each instance opens up to \
             db_pool_size + db_read_connections; across instances that must stay within PostgreSQL's \
             max_connections, minus a reserve: lower them, raise max_connections, or run the instances \
             through a transaction pooler (db_pooler = \"transaction\"; docs/deploy.md)",
        )
    } else if *code == SqlState::PROTOCOL_VIOLATION {
        Some(
            ": the pooler refused the connection. Its max_client_conn must cover every instance's \
             db_pool_size + db_read_connections, and its pool (default_pool_size, max_db_connections) \
             stay within PostgreSQL's max_connections (docs/deploy.md)",
        )
    } else {
        None
    }
}

#[derive(Debug, Default, PartialEq)]
struct TlsParams {
    sslmode: Option<String>,
    sslrootcert: Option<String>,
}

/// The URL without its `sslmode` and `sslrootcert` (tokio-postgres refuses `verify-*`), and them.
fn split_tls_params(url: &str) -> (String, TlsParams) {
    let Some((base, query)) = url.split_once('?') else { return (url.to_owned(), TlsParams::default()) };
    let mut params = TlsParams::default();
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value);
        match key {
            "sslmode" => params.sslmode = Some(value),
            "sslrootcert" => params.sslrootcert = Some(value),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    (url, params)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn client_config(mode: SslMode, root: &str) -> anyhow::Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match (mode, root) {
        (SslMode::VerifyCa | SslMode::VerifyFull, "") => {
            bail!("sslmode={}: needs sslrootcert, the PEM file of the CA certificates to trust", mode.name())
        }
        // libpq: prefer never checks; require checks like verify-ca only when a root is given.
        (SslMode::Prefer, _) | (SslMode::Require, "") => Arc::new(Unchecked(provider.clone())),
        (_, root) => {
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots(root)?), provider.clone())
                .build()
                .context("building the certificate verifier")?;
            if mode == SslMode::VerifyFull {
                webpki
            } else {
                Arc::new(AnyName(webpki))
            }
        }
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

fn roots(path: &str) -> anyhow::Result<rustls::RootCertStore> {
    use rustls::pki_types::pem::PemObject as _;
    let mut store = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).with_context(|| format!("sslrootcert {path}: cannot read it"))? {
        let cert = cert.with_context(|| format!("sslrootcert {path}: not a PEM certificate"))?;
        store.add(cert).with_context(|| format!("sslrootcert {path}: a certificate rustls refuses"))?;
    }
    anyhow::ensure!(!store.is_empty(), "sslrootcert {path}: no certificate in it");
    Ok(store)
}

/// `prefer`, and `require` without a root: encryption without checking who answers (libpq's).
/// The handshake's signatures are still checked, so the key exchange is the certificate's.
#[derive(Debug)]
struct Unchecked(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain to a trusted CA is checked, the name in the certificate is not.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_parameters_leave_the_url_and_the_url_beats_the_settings() {
        let (url, params) =
            split_tls_params("postgres://u@h/db?sslmode=verify-full&application_name=x&sslrootcert=%2Fetc%2Fca.pem");
        assert_eq!(url, "postgres://u@h/db?application_name=x");
        assert_eq!(params, TlsParams { sslmode: Some("verify-full".into()), sslrootcert: Some("/etc/ca.pem".into()) });
        assert_eq!(split_tls_params("postgres://u@h/db?sslmode=disable").0, "postgres://u@h/db");
        let connector = Connector::new("postgres://u@h/db?sslmode=disable", SslMode::Require, "").unwrap();
        assert_eq!(connector.sslmode(), SslMode::Disable);
        assert_eq!(Connector::new("postgres://u@h/db", SslMode::Require, "").unwrap().sslmode(), SslMode::Require);
    }

    #[test]
    fn verifying_modes_need_a_root_and_unknown_modes_are_refused() {
        let e = Connector::new("postgres://u@h/db?sslmode=verify-full", SslMode::Prefer, "").unwrap_err();
        assert!(format!("{e:#}").contains("sslmode=verify-full: needs sslrootcert"), "{e:#}");
        let e = Connector::new("postgres://u@h/db?sslmode=allow", SslMode::Prefer, "").unwrap_err();
        assert!(format!("{e:#}").contains("sslmode \"allow\""), "{e:#}");
        let e = Connector::new("postgres://u@h/db?sslmode=verify-ca&sslrootcert=/nonexistent", SslMode::Prefer, "")
            .unwrap_err();
        assert!(format!("{e:#}").contains("sslrootcert /nonexistent"), "{e:#}");
    }
}
