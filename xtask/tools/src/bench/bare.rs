//! The HTTP limit: a bare hyper server that reads each request's body and answers the bytes the
//! real server answered to the same method and path (captured before the run), with its content
//! type. No routing framework, no database: what HTTP alone costs on this machine.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

pub type Answers = HashMap<(String, String), Bytes>;

/// A running bare server; dropping it stops its runtime.
pub struct Bare {
    pub port: u16,
    _runtime: tokio::runtime::Runtime,
}

pub fn start(answers: Answers) -> anyhow::Result<Bare> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let port = listener.local_addr()?.port();
    let answers = Arc::new(answers);
    runtime.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            let answers = answers.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let answers = answers.clone();
                    async move {
                        let key = (req.method().as_str().to_owned(), req.uri().path().to_owned());
                        let _ = req.into_body().collect().await;
                        let body = answers.get(&key).cloned().unwrap_or_else(|| Bytes::from_static(b"{}"));
                        Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(body))
                                .expect("a valid response"),
                        )
                    }
                });
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Ok(Bare { port, _runtime: runtime })
}
