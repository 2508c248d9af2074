//! A recording HTTP proxy on loopback: the generated client talks to it, it forwards to the
//! server, and it keeps every raw response (status and body) so each can be validated against the
//! doc's schema — a typed client would hide an extra, missing or `null` field.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// One request and the server's raw answer to it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
}

pub struct Recorder {
    pub base: String,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    task: tokio::task::JoinHandle<()>,
}

/// Headers that belong to one hop, not to the message.
const HOP: [&str; 5] = ["host", "connection", "content-length", "transfer-encoding", "keep-alive"];

impl Recorder {
    /// A proxy in front of `target` (`http://127.0.0.1:PORT`).
    pub async fn start(target: String) -> Recorder {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let exchanges = Arc::new(Mutex::new(Vec::new()));
        let upstream = reqwest::Client::new();
        let log = exchanges.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (target, upstream, log) = (target.clone(), upstream.clone(), log.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        forward(req, target.clone(), upstream.clone(), log.clone())
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Recorder { base, exchanges, task }
    }

    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().unwrap().clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    req: Request<Incoming>,
    target: String,
    upstream: reqwest::Client,
    log: Arc<Mutex<Vec<Exchange>>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = upstream.request(parts.method.clone(), format!("{target}{path_and_query}")).body(body);
    for (name, value) in &parts.headers {
        if !HOP.contains(&name.as_str()) {
            request = request.header(name, value);
        }
    }
    let response = request.send().await.expect("the server answers the proxy");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap_or_default();
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    log.lock().unwrap().push(Exchange {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        status: status.as_u16(),
        content_type,
        body: body.clone(),
    });
    let mut out = Response::builder().status(status);
    for (name, value) in &headers {
        if !HOP.contains(&name.as_str()) {
            out = out.header(name, value);
        }
    }
    Ok(out.body(Full::new(body)).unwrap())
}
