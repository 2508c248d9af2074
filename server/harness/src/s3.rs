//! An S3-compatible server for tests and the benchmark: moto (PyPI's `moto[server]`, CI pins
//! it in `.ci/run`) as `moto_server -H 127.0.0.1 -p PORT`, on a free loopback port, stopped when
//! dropped. Buckets are made, and listed, through its S3 API (moto takes unsigned requests until
//! [`Moto::require_credentials`]). Tests take a fresh bucket in the one server their process
//! shares ([`test_bucket`]), or a server of their own to pause, resume or lock ([`Moto::start`]);
//! a [`Proxy`] in front of one can refuse connections and slow the traffic down.

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};

use crate::group::{ProcessGroup, STOP_GRACE};
use crate::http::Request;

/// The keys tests give the server: moto takes any until it is told to check them.
pub const ACCESS_KEY_ID: &str = "test-access-key";
pub const SECRET_ACCESS_KEY: &str = "test-secret-access-key";
pub const REGION: &str = "us-east-1";

/// `moto_server`, if installed: `$MOTO_SERVER`, else on `PATH`.
pub fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|p| p.join("moto_server")).find(|p| p.exists())
}

/// Whether tests that need S3 can run: true when moto is installed. Without it the test says it
/// is skipped and should return — unless `CI` is set, where a missing moto panics.
pub fn available() -> bool {
    if binary().is_some() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("moto is not installed (no moto_server in $MOTO_SERVER or PATH) and CI is set");
    }
    eprintln!("moto not installed (pip install 'moto[server]'): S3 test skipped");
    false
}

/// A running `moto_server` (a process group of its own, in case a version starts helpers).
pub struct Moto {
    process: ProcessGroup,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Moto {
    /// Starts one on a free loopback port (another, if that one was taken meanwhile) and waits
    /// until it answers.
    pub fn start() -> Result<Moto> {
        let moto = binary().context("moto is not installed: pip install 'moto[server]'")?;
        for _ in 0..5 {
            let dir = tempfile::Builder::new().prefix("backend-moto-").tempdir()?;
            let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let log = std::fs::File::create(dir.path().join("moto.log"))?;
            let process = ProcessGroup::spawn(
                Command::new(&moto)
                    .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                    .stdin(Stdio::null())
                    .stdout(log.try_clone()?)
                    .stderr(log),
            )
            .with_context(|| format!("starting {}", moto.display()))?;
            let mut server = Moto { process, port, dir };
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if Request::new("GET", "/moto-api/data.json").send(server.addr()).is_ok_and(|r| r.status == 200) {
                    return Ok(server);
                }
                if let Some(status) = server.process.try_wait()? {
                    if server.log().contains("Address already in use") {
                        break;
                    }
                    bail!("moto_server exited ({status}):\n{}", server.log());
                }
                if Instant::now() > deadline {
                    bail!("moto_server did not answer on {port} within 60 s:\n{}", server.log());
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        bail!("no free port for moto_server after 5 tries")
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// What the server's `s3_endpoint` is: `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr())
    }

    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Its output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("moto.log")).unwrap_or_default()
    }

    /// A request as the test's key would send it. moto does not check signatures until
    /// [`Moto::require_credentials`], but it does read whose the request is: an anonymous one
    /// may not read the server's (private) objects.
    fn signed<'a>(&self, method: &'a str, path: &'a str) -> Request<'a> {
        let credential = format!("{ACCESS_KEY_ID}/20240101/{REGION}/s3/aws4_request");
        Request::new(method, path).header(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature=0"),
        )
    }

    fn request(&self, method: &str, path: &str, body: &[u8]) -> Result<crate::http::Response> {
        let response = self.signed(method, path).body(body).send(self.addr())?;
        if !(200..300).contains(&response.status) {
            bail!("{method} {path}: HTTP {} {}", response.status, response.text());
        }
        Ok(response)
    }

    /// Creates the bucket `name`.
    pub fn create_bucket(&self, name: &str) -> Result<()> {
        self.request("PUT", &format!("/{name}"), b"").map(drop)
    }

    /// The keys in `bucket` under `prefix`, with their sizes (at most 1,000).
    pub fn keys(&self, bucket: &str, prefix: &str) -> Result<Vec<(String, u64)>> {
        let listing = self.request("GET", &format!("/{bucket}?list-type=2&prefix={prefix}"), b"")?.text();
        let keys = elements(&listing, "Key");
        let sizes = elements(&listing, "Size");
        Ok(keys.into_iter().zip(sizes.into_iter().map(|s| s.parse().unwrap_or(0))).collect())
    }

    /// The bytes stored under `key`, if any.
    pub fn object(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>> {
        let path = format!("/{bucket}/{key}");
        let response = self.signed("GET", &path).send(self.addr())?;
        match response.status {
            200 => Ok(Some(response.body)),
            404 => Ok(None),
            status => bail!("GET /{bucket}/{key}: HTTP {status} {}", response.text()),
        }
    }

    /// The keys of the multipart uploads begun in `bucket` and neither completed nor aborted.
    pub fn multipart_uploads(&self, bucket: &str) -> Result<Vec<String>> {
        let listing = self.request("GET", &format!("/{bucket}?uploads"), b"")?.text();
        Ok(listing.split("<Upload>").skip(1).flat_map(|u| elements(u, "Key").into_iter().take(1)).collect())
    }

    /// From now on only keys moto knows (none, in a test) are accepted: every request of the
    /// server's is refused as S3 refuses wrong credentials (403 InvalidAccessKeyId).
    pub fn require_credentials(&self) -> Result<()> {
        self.request("POST", "/moto-api/reset-auth", b"0").map(drop)
    }

    /// SIGSTOP: the process stops answering (connections are still accepted by the kernel and
    /// never answered), as a hung host.
    pub fn pause(&self) {
        self.process.signal(libc::SIGSTOP);
    }

    /// SIGCONT: it answers again, with everything it held.
    pub fn resume(&self) {
        self.process.signal(libc::SIGCONT);
    }
}

impl Drop for Moto {
    /// SIGTERM, on which moto exits (its handler); the log folder goes after it.
    fn drop(&mut self) {
        let _ = self.process.stop(libc::SIGTERM, STOP_GRACE);
    }
}

/// The texts of the XML elements `<name>…</name>` in `xml`, in order (S3's listings are flat
/// enough for this).
fn elements(xml: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    xml.split(&open).skip(1).filter_map(|rest| rest.split_once(&close).map(|(text, _)| text.to_owned())).collect()
}

/// A bucket made for one test.
#[derive(Clone)]
pub struct Bucket {
    pub name: String,
    moto: Arc<Moto>,
}

impl Bucket {
    /// A new bucket in `moto`.
    pub fn create(moto: Arc<Moto>) -> Result<Bucket> {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!("t-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        moto.create_bucket(&name)?;
        Ok(Bucket { name, moto })
    }

    pub fn moto(&self) -> &Moto {
        &self.moto
    }

    /// `s3://BUCKET/PREFIX`: the server's `upload_store`.
    pub fn url(&self, prefix: &str) -> String {
        format!("s3://{}/{prefix}", self.name)
    }

    /// The names stored under `prefix/`, with their sizes.
    pub fn names(&self, prefix: &str) -> Result<Vec<(String, u64)>> {
        let start = if prefix.is_empty() { String::new() } else { format!("{prefix}/") };
        let keys = self.moto.keys(&self.name, &start)?;
        Ok(keys.into_iter().map(|(k, size)| (k[start.len()..].to_owned(), size)).collect())
    }

    /// The bytes of `prefix/name`, if stored.
    pub fn read(&self, prefix: &str, name: &str) -> Result<Option<Vec<u8>>> {
        let key = if prefix.is_empty() { name.to_owned() } else { format!("{prefix}/{name}") };
        self.moto.object(&self.name, &key)
    }

    /// `launch` storing its uploads in this bucket under `prefix`, reaching moto at `endpoint`
    /// (moto's own, or a [`Proxy`]'s), with the test keys: as `BACKEND_…` settings.
    pub fn configure(&self, launch: crate::Launch, prefix: &str, endpoint: &str) -> crate::Launch {
        launch
            .setting("upload_store", self.url(prefix))
            .setting("s3_endpoint", endpoint)
            .setting("s3_region", REGION)
            .setting("s3_access_key_id", ACCESS_KEY_ID)
            .setting("s3_secret_access_key", SECRET_ACCESS_KEY)
    }
}

/// A fresh bucket in the moto server this process's tests share (started on first use, stopped
/// when the process exits).
pub fn test_bucket() -> Bucket {
    use std::sync::LazyLock;
    static SHARED: LazyLock<Mutex<Option<Arc<Moto>>>> = LazyLock::new(|| {
        let moto = Moto::start().unwrap_or_else(|e| panic!("{e:#}"));
        extern "C" fn remove_shared() {
            drop(SHARED.lock().unwrap_or_else(|e| e.into_inner()).take());
        }
        // SAFETY: registers a plain extern "C" fn to run at exit.
        unsafe { libc::atexit(remove_shared) };
        Mutex::new(Some(Arc::new(moto)))
    });
    let moto = SHARED.lock().unwrap_or_else(|e| e.into_inner()).clone().expect("the shared moto server is running");
    Bucket::create(moto).unwrap_or_else(|e| panic!("{e:#}"))
}

/// A loopback TCP proxy in front of a store: [`Proxy::down`] cuts every connection and closes
/// each new one at once (a store refusing), [`Proxy::up`] forwards again, and
/// [`Proxy::limit_upload`] slows what is sent to the store (so a test can act in the middle of
/// an upload).
pub struct Proxy {
    pub port: u16,
    state: Arc<ProxyState>,
}

struct ProxyState {
    upstream: SocketAddr,
    down: AtomicBool,
    closed: AtomicBool,
    /// Bytes per second towards the store; 0: no limit.
    upload_rate: AtomicU64,
    connections: Mutex<Vec<TcpStream>>,
}

impl Proxy {
    pub fn start(upstream: SocketAddr) -> Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(ProxyState {
            upstream,
            down: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            upload_rate: AtomicU64::new(0),
            connections: Mutex::new(Vec::new()),
        });
        let accepting = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if accepting.closed.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if accepting.down.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(store) = TcpStream::connect(accepting.upstream) else {
                    continue;
                };
                let mut connections = accepting.connections.lock().unwrap_or_else(|e| e.into_inner());
                connections.extend([client.try_clone(), store.try_clone()].into_iter().flatten());
                drop(connections);
                let (Ok(client_reader), Ok(store_writer)) = (client.try_clone(), store.try_clone()) else {
                    continue;
                };
                let to_store = accepting.clone();
                std::thread::spawn(move || pipe(client_reader, store_writer, Some(&*to_store)));
                std::thread::spawn(move || pipe(store, client, None));
            }
        });
        Ok(Proxy { port, state })
    }

    /// `http://127.0.0.1:PORT`: the endpoint to give the server.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Cuts every connection through it; new ones are closed as they come.
    pub fn down(&self) {
        self.state.down.store(true, Ordering::SeqCst);
        for c in self.state.connections.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    /// Forwards again.
    pub fn up(&self) {
        self.state.down.store(false, Ordering::SeqCst);
    }

    /// At most `bytes_per_second` towards the store (0: no limit).
    pub fn limit_upload(&self, bytes_per_second: u64) {
        self.state.upload_rate.store(bytes_per_second, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.state.closed.store(true, Ordering::SeqCst);
        self.down();
        // Wakes the accepting thread so that it sees `closed`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Copies `from` to `to` until either side closes; towards the store at the proxy's rate.
fn pipe(mut from: TcpStream, mut to: TcpStream, limited: Option<&ProxyState>) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(rate) = limited.map(|s| s.upload_rate.load(Ordering::SeqCst)).filter(|&r| r > 0) {
            std::thread::sleep(Duration::from_secs_f64(n as f64 / rate as f64));
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
