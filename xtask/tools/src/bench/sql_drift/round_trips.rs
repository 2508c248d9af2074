//! A TCP proxy in front of PostgreSQL that counts round trips: a burst of bytes from a client
//! after the database last answered it is one. While counting, the database's answers are held
//! back 20 ms, so that statements sent together (µs apart) land in one burst and statements
//! that waited for an answer cannot (`server/tests/integration/round_trips.rs` counts the
//! server's the same way).

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

/// How long an answer is held back while counting.
const HOLD: Duration = Duration::from_millis(20);

#[derive(Default)]
struct Counter {
    counting: AtomicBool,
    count: AtomicU64,
    /// Connections whose client has not closed them yet, as seen by the proxy.
    open: AtomicU64,
    stopped: AtomicBool,
}

/// The proxy, on a loopback port of its own; stopped when dropped (connections made through it
/// end with their clients).
pub struct RoundTrips {
    pub port: u16,
    counter: Arc<Counter>,
}

impl RoundTrips {
    /// A proxy to the database listening on loopback port `upstream`.
    pub fn start(upstream: u16) -> Result<RoundTrips> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let counter = Arc::new(Counter::default());
        let shared = counter.clone();
        std::thread::spawn(move || {
            while !shared.stopped.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        if let Err(e) = relay(client, upstream, &shared) {
                            eprintln!("round-trip proxy: {e}");
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Err(e) => {
                        eprintln!("round-trip proxy: {e}");
                        return;
                    }
                }
            }
        });
        Ok(RoundTrips { port, counter })
    }

    /// The round trips made while `f` runs, and what it returned. A client that ended within `f`
    /// (pgbench) may have its last bytes still on their way through the proxy: they are counted
    /// here, not in the next count, by waiting for its connections to close (10 s at most).
    pub fn during<T>(&self, f: impl FnOnce() -> T) -> (u64, T) {
        let open_before = self.counter.open.load(Ordering::SeqCst);
        self.counter.count.store(0, Ordering::SeqCst);
        self.counter.counting.store(true, Ordering::SeqCst);
        let out = f();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.counter.open.load(Ordering::SeqCst) > open_before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.counter.counting.store(false, Ordering::SeqCst);
        (self.counter.count.load(Ordering::SeqCst), out)
    }
}

impl Drop for RoundTrips {
    fn drop(&mut self) {
        self.counter.stopped.store(true, Ordering::SeqCst);
    }
}

/// Copies `client`'s bytes to a new connection to the database and back, each way on a thread
/// of its own, counting as [`RoundTrips`] says.
fn relay(client: TcpStream, upstream: u16, counter: &Arc<Counter>) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    let database = TcpStream::connect(("127.0.0.1", upstream))?;
    let (mut client_rx, mut client_tx) = (client.try_clone()?, client);
    let (mut database_rx, mut database_tx) = (database.try_clone()?, database);
    // Who spoke last on this connection: a client's burst after the database's answer is a trip.
    let database_spoke = Arc::new(AtomicBool::new(true));
    let (up, spoke) = (counter.clone(), database_spoke.clone());
    up.open.fetch_add(1, Ordering::SeqCst);
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n @ 1..) = client_rx.read(&mut buf) {
            if spoke.swap(false, Ordering::SeqCst) && up.counting.load(Ordering::SeqCst) {
                up.count.fetch_add(1, Ordering::SeqCst);
            }
            if database_tx.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = database_tx.shutdown(std::net::Shutdown::Both);
        up.open.fetch_sub(1, Ordering::SeqCst);
    });
    let down = counter.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n @ 1..) = database_rx.read(&mut buf) {
            if down.counting.load(Ordering::SeqCst) {
                std::thread::sleep(HOLD);
            }
            database_spoke.store(true, Ordering::SeqCst);
            if client_tx.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = client_tx.shutdown(std::net::Shutdown::Both);
    });
    Ok(())
}
