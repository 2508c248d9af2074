//! A minimal blocking HTTP client for the tools that drive a live server without an async
//! runtime: one request per connection, HTTP/1.0 so that no answer is chunked.

use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context as _, Result};

/// A response, whole.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header lines as `(name, value)`, names as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body).with_context(|| format!("HTTP {}: not JSON: {}", self.status, self.text()))
    }
}

/// A request to send: `Request::new("GET", "/path").header(…).body(…)`.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    method: &'a str,
    path: &'a str,
    headers: Vec<(&'a str, String)>,
    body: &'a [u8],
}

impl<'a> Request<'a> {
    pub fn new(method: &'a str, path: &'a str) -> Self {
        Request { method, path, headers: Vec::new(), body: b"" }
    }

    pub fn header(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// A JSON body (with its content type).
    pub fn json(self, body: &'a str) -> Self {
        Request { body: body.as_bytes(), ..self }.header("content-type", "application/json")
    }

    /// A body of any type (name its content type with [`Request::header`]).
    pub fn body(self, body: &'a [u8]) -> Self {
        Request { body, ..self }
    }

    /// Sends it to `addr` and reads the whole answer (30 s at most).
    pub fn send(&self, addr: SocketAddr) -> Result<Response> {
        let mut stream = std::net::TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut head = format!("{} {} HTTP/1.0\r\nhost: {addr}\r\n", self.method, self.path);
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", self.body.len()));
        stream.write_all(head.as_bytes())?;
        stream.write_all(self.body)?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        let split = answer.windows(4).position(|w| w == b"\r\n\r\n").context("an answer without its end of headers")?;
        let head = String::from_utf8_lossy(&answer[..split]);
        let mut lines = head.lines();
        let status = lines.next().and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).context("no status line")?;
        let headers =
            lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))).collect();
        Ok(Response { status, headers, body: answer[split + 4..].to_vec() })
    }
}
