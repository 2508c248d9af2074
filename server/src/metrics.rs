//! Prometheus metrics: recorded through the `metrics` facade, rendered in Prometheus' text format
//! by `metrics-exporter-prometheus`, and served at `GET /metrics` by a small server of their own
//! on `metrics_bind` — never on the API's address, so that they are not public by accident.
//! Without `metrics_bind` no recorder is installed and every record below costs an atomic load.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `http_requests_total` | counter | `operation`, `status` |
//! | `http_request_duration_seconds` | histogram | `operation` |
//! | `http_requests_in_flight` | gauge | `operation` |
//! | `db_pool_connections` | gauge | `state` (`in_use`, `idle`) |
//! | `db_pool_waits_total`, `db_pool_timeouts_total` | counter | — |
//! | `db_errors_total` | counter | `kind` (`unavailable`, `duplicate`, `query`) |
//! | `logins_total` | counter | `result` (`ok`, `failed`, `locked_out`, `rate_limited`, `busy`) |
//! | `logins_delayed_total` | counter | — |
//! | `upload_bytes_total`, `uploads_total` | counter | — |

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use backend_api::{ApiError, Reply};
use dropshot::{ApiDescription, Body, HttpError, HttpResponseHeaders, HttpResponseOk, RequestContext};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use slog::Logger;

use crate::db::Pool;

/// The latency buckets, in seconds: sub-millisecond reads up to a slow upload.
const BUCKETS: [f64; 14] = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
/// How often the pool's state is read into its gauges.
const POOL_EVERY: Duration = Duration::from_secs(5);

/// The metrics server, running; dropped with the API server.
pub struct MetricsServer {
    http: dropshot::HttpServer<PrometheusHandle>,
    sampler: tokio::task::JoinHandle<()>,
}

impl MetricsServer {
    pub fn local_addr(&self) -> SocketAddr {
        self.http.local_addr()
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        self.sampler.abort();
        self.http.close().await.map_err(|e| anyhow::anyhow!("stopping the metrics server: {e}"))
    }
}

/// Installs the recorder (once per process) and serves `GET /metrics` on `bind`.
pub fn serve(bind: SocketAddr, pool: Pool, log: &Logger) -> anyhow::Result<MetricsServer> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".into()), &BUCKETS)
        .context("the latency buckets")?
        .install_recorder()
        .context("installing the metrics recorder")?;
    describe();
    let mut api = ApiDescription::new();
    api.register(get_metrics).map_err(|e| anyhow::anyhow!("registering /metrics: {e}"))?;
    let config = dropshot::ConfigDropshot { bind_address: bind, ..Default::default() };
    let http = dropshot::ServerBuilder::new(api, handle, log.new(slog::o!("server" => "metrics")))
        .config(config)
        .start()
        .map_err(|e| anyhow::anyhow!("starting the metrics server on {bind}: {e}"))?;
    let sampler = tokio::spawn(async move {
        let mut every = tokio::time::interval(POOL_EVERY);
        loop {
            every.tick().await;
            sample_pool(&pool);
        }
    });
    Ok(MetricsServer { http, sampler })
}

/// The metrics, in Prometheus' text format.
#[dropshot::endpoint { method = GET, path = "/metrics" }]
async fn get_metrics(rqctx: RequestContext<PrometheusHandle>) -> Result<http::Response<Body>, HttpError> {
    let text = rqctx.context().render();
    http::Response::builder()
        .header(http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
        .body(Body::from(text))
        .map_err(|e| HttpError::for_internal_error(e.to_string()))
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!("http_requests_total", "Requests answered, by operation and HTTP status.");
    describe_histogram!("http_request_duration_seconds", Unit::Seconds, "Time to answer, by operation.");
    describe_gauge!("http_requests_in_flight", "Requests being answered, by operation.");
    describe_gauge!("db_pool_connections", "Pooled database connections in use and idle.");
    describe_counter!("db_pool_waits_total", "Checkouts that had to wait for a pooled connection.");
    describe_counter!("db_pool_timeouts_total", "Checkouts that gave up waiting (each a 503).");
    describe_counter!("db_errors_total", "Database failures, by kind.");
    describe_counter!(
        "logins_total",
        "Logins, by result: ok, failed (401), locked_out, rate_limited (this address), busy (no password check free): 429.",
    );
    describe_counter!("logins_delayed_total", "Logins slowed down: their name failed from many addresses.");
    describe_counter!("upload_bytes_total", Unit::Bytes, "Bytes of uploads stored.");
    describe_counter!("uploads_total", "Uploads stored.");
}

fn sample_pool(pool: &Pool) {
    let (state, statistics) = match pool {
        Pool::Sqlite(p, _) => (p.state(), p.state().statistics),
        Pool::Postgres(p, _) => (p.state(), p.state().statistics),
    };
    let idle = u64::from(state.idle_connections);
    metrics::gauge!("db_pool_connections", "state" => "in_use")
        .set(u64::from(state.connections).saturating_sub(idle) as f64);
    metrics::gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::counter!("db_pool_waits_total").absolute(statistics.get_waited);
    metrics::counter!("db_pool_timeouts_total").absolute(statistics.get_timed_out);
}

/// Runs a handler of `operation`, counting it in flight, then its status and time.
pub async fn observed<T: Answer>(
    operation: &'static str,
    handler: impl Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    let in_flight = metrics::gauge!("http_requests_in_flight", "operation" => operation);
    in_flight.increment(1.0);
    let started = Instant::now();
    let result = handler.await;
    in_flight.decrement(1.0);
    let status = match &result {
        Ok(answer) => answer.status(),
        Err(e) => e.http_status(),
    };
    metrics::histogram!("http_request_duration_seconds", "operation" => operation).record(started.elapsed());
    metrics::counter!("http_requests_total", "operation" => operation, "status" => status_label(status)).increment(1);
    result
}

/// A status as a label, without an allocation for the ones this API answers.
fn status_label(status: u16) -> &'static str {
    match status {
        200 => "200",
        304 => "304",
        400 => "400",
        401 => "401",
        404 => "404",
        405 => "405",
        409 => "409",
        413 => "413",
        415 => "415",
        429 => "429",
        500 => "500",
        503 => "503",
        _ => "other",
    }
}

/// The HTTP status of a handler's successful answer.
pub trait Answer {
    fn status(&self) -> u16;
}

impl<T: serde::Serialize + schemars::JsonSchema + Send + Sync + 'static> Answer for HttpResponseOk<T> {
    fn status(&self) -> u16 {
        200
    }
}

impl<T, H> Answer for HttpResponseHeaders<T, H>
where
    T: dropshot::HttpCodedResponse,
    H: serde::Serialize + schemars::JsonSchema + Send + Sync + 'static,
{
    fn status(&self) -> u16 {
        T::STATUS_CODE.as_u16()
    }
}

impl Answer for http::Response<Body> {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

impl<T: Answer> Answer for Reply<T> {
    fn status(&self) -> u16 {
        match &self.0 {
            Ok(answer) => answer.status(),
            Err(e) => e.http_status(),
        }
    }
}

/// A database failure, by kind.
pub fn db_error(kind: &'static str) {
    metrics::counter!("db_errors_total", "kind" => kind).increment(1);
}

/// A login's result: `ok`, `failed`, `locked_out`, `rate_limited` or `busy`.
pub fn login(result: &'static str) {
    metrics::counter!("logins_total", "result" => result).increment(1);
}

/// A login slowed down because its name failed from many addresses.
pub fn login_delayed() {
    metrics::counter!("logins_delayed_total").increment(1);
}

/// An upload stored.
pub fn upload(bytes: u64) {
    metrics::counter!("uploads_total").increment(1);
    metrics::counter!("upload_bytes_total").increment(bytes);
}
