//! The benchmark's outputs: the table on stdout, `results.json`, `summary.md` and `chart.svg`.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use plotters::prelude::*;

use super::cpu::Split;
use super::pooler;
use super::scripts::ENDPOINTS;

/// Memory of the server: VmRSS at rest (seeded, logged in, 3 s idle, before load) and VmHWM at the end.
#[derive(Clone, Debug)]
pub struct Memory {
    pub db: &'static str,
    pub rest_kib: u64,
    pub peak_kib: u64,
}

pub struct Row {
    pub endpoint: String,
    pub db: &'static str,
    pub concurrency: u32,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub l_db: Option<f64>,
    /// pgbench's own p99 latency in that run: what the database alone answers within.
    pub l_db_p99_ms: Option<f64>,
    pub l_http: f64,
    /// The endpoint's own work that neither L_db nor L_http does: the upload's file (temporary
    /// file, write, fsync, rename), the login's argon2 check.
    pub l_work: Option<f64>,
    pub limit_rps: Option<f64>,
    pub ratio: Option<f64>,
    pub note: String,
    /// Where the CPU of the server's run went, per request.
    pub cpu: Option<Split>,
    /// Where the CPU of the database limit's run (L_db) went, per transaction.
    pub l_db_cpu: Option<Split>,
    /// Where the CPU of the bare HTTP server's run (L_http) went, per request: it and wrk.
    pub l_http_cpu: Option<Split>,
}

const HEAD: [&str; 13] = [
    "endpoint", "db", "conns", "req/s", "p50 ms", "p99 ms", "L_db", "db p99", "L_http", "L_work", "limit", "ratio",
    "note",
];

fn cells(r: &Row) -> [String; 13] {
    let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map(f).unwrap_or_else(|| "–".into());
    [
        r.endpoint.clone(),
        r.db.to_string(),
        r.concurrency.to_string(),
        format!("{:.0}", r.rps),
        format!("{:.2}", r.p50_ms),
        format!("{:.2}", r.p99_ms),
        opt(r.l_db, &|v| format!("{v:.0}")),
        opt(r.l_db_p99_ms, &|v| format!("{v:.2}")),
        format!("{:.0}", r.l_http),
        opt(r.l_work, &|v| format!("{v:.0}")),
        opt(r.limit_rps, &|v| format!("{v:.0}")),
        opt(r.ratio, &|v| format!("{v:.2}")),
        r.note.clone(),
    ]
}

const WIDTHS: [usize; 13] = [8, 8, 5, 8, 7, 7, 8, 7, 8, 7, 8, 6, 0];

/// Cells padded to `widths`: the first two (names) to the left, numbers to the right.
fn aligned(cells: &[String], widths: &[usize]) -> String {
    let mut s = String::new();
    for (i, (cell, &w)) in cells.iter().zip(widths).enumerate() {
        if i < 2 {
            let _ = write!(s, "{cell:<w$} ");
        } else {
            let _ = write!(s, "{cell:>w$} ");
        }
    }
    s.trim_end().to_string()
}

pub fn print_row(r: &Row) {
    println!("{}", aligned(&cells(r), &WIDTHS));
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| l.strip_prefix("model name")?.split_once(':').map(|(_, v)| v.trim().to_string()))
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("{cores} cores ({cpu}), load average at the end {}", load.join(" "))
}

pub fn print(rows: &[Row], rss: &[Memory], machine: &str) {
    println!("\n{}", aligned(&HEAD.map(String::from), &WIDTHS));
    for r in rows {
        print_row(r);
    }
    let pairs = pooler_pairs(rows);
    if !pairs.is_empty() {
        println!("\n{POOLER_TITLE}\n{}", aligned(&POOLER_HEAD.map(String::from), &POOLER_WIDTHS));
        for p in &pairs {
            println!("{}", aligned(p, &POOLER_WIDTHS));
        }
    }
    println!("\n{CPU_TITLE}\n{}", aligned(&CPU_HEAD.map(String::from), &CPU_WIDTHS));
    for c in rows.iter().filter_map(cpu_cells) {
        println!("{}", aligned(&c, &CPU_WIDTHS));
    }
    for m in rss {
        println!("server RSS on {}: {:.1} MiB at rest, {:.1} MiB peak", m.db, mib(m.rest_kib), mib(m.peak_kib));
    }
    println!("machine: {machine}");
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

pub fn write(dir: &Path, rows: &[Row], rss: &[Memory], machine: &str, quick: bool) -> Result<()> {
    let json: Vec<_> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "endpoint": r.endpoint,
                "db": r.db,
                "concurrency": r.concurrency,
                "rps": round(r.rps, 1),
                "p50_ms": round(r.p50_ms, 3),
                "p99_ms": round(r.p99_ms, 3),
                "limit_rps": r.limit_rps.map(|v| round(v, 1)),
                "ratio": r.ratio.map(|v| round(v, 3)),
                "l_db_rps": r.l_db.map(|v| round(v, 1)),
                "l_db_p99_ms": r.l_db_p99_ms.map(|v| round(v, 3)),
                "l_http_rps": round(r.l_http, 1),
                "l_work_rps": r.l_work.map(|v| round(v, 1)),
                "note": r.note,
                "cpu_us_per_request": r.cpu.map(split_json),
                "l_db_cpu_us_per_transaction": r.l_db_cpu.map(split_json),
                "l_http_cpu_us_per_request": r.l_http_cpu.map(split_json),
            })
        })
        .collect();
    std::fs::write(dir.join("results.json"), serde_json::to_string_pretty(&json)? + "\n")?;

    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Endpoint benchmark ({})\n\nMachine: {machine}. Successful (2xx) requests/s of the release server (wrk), \
         L_db = pgbench running the endpoint's statements (prepared, same concurrency), db p99 = \
         pgbench's own p99 latency in that run (a tenth of its transactions logged), L_http = a bare \
         hyper server answering the same bytes to the same wrk script, L_work = the endpoint's own work \
         alone, where it has some (upload: temporary file, write, fsync, rename; login: argon2 checks, on as \
         many threads as the server runs them), limit = 1/(1/L_db + 1/L_http [+ 1/L_work]), ratio = req/s ÷ \
         limit. The {} rows: the server with `db_pooler = \"transaction\"` through PgBouncer in transaction \
         mode, their L_db pgbench through the same PgBouncer sending each statement unnamed (`-M extended`).\n",
        if quick { "`cargo xtask bench --quick`, 1 s per run" } else { "`cargo xtask bench`, 5 s per run" },
        pooler::NAME
    );
    let _ = writeln!(md, "| {} |", HEAD.join(" | "));
    let _ = writeln!(md, "|{}", "---|".repeat(HEAD.len()));
    for r in rows {
        let _ = writeln!(md, "| {} |", cells(r).join(" | "));
    }
    let pairs = pooler_pairs(rows);
    if !pairs.is_empty() {
        let _ =
            writeln!(md, "\n{POOLER_TITLE}\n\n| {} |\n|{}", POOLER_HEAD.join(" | "), "---|".repeat(POOLER_HEAD.len()));
        for p in &pairs {
            let _ = writeln!(md, "| {} |", p.join(" | "));
        }
    }
    let _ = writeln!(md, "\n{CPU_TITLE}\n\n| {} |\n|{}", CPU_HEAD.join(" | "), "---|".repeat(CPU_HEAD.len()));
    for c in rows.iter().filter_map(cpu_cells) {
        let _ = writeln!(md, "| {} |", c.join(" | "));
    }
    md.push('\n');
    for m in rss {
        let _ = writeln!(
            md,
            "Server RSS on {}: {:.1} MiB at rest, {:.1} MiB peak.  ",
            m.db,
            mib(m.rest_kib),
            mib(m.peak_kib)
        );
    }
    std::fs::write(dir.join("summary.md"), md)?;
    chart(&dir.join("chart.svg"), rows)
}

const POOLER_TITLE: &str = "Through PgBouncer: each postgres+pgbouncer row against the postgres row of the same \
     endpoint and connections. ÷ = pooled ÷ direct; each ratio is that row's req/s ÷ its own limit.";

const POOLER_HEAD: [&str; 10] = [
    "endpoint",
    "conns",
    "direct req/s",
    "pooled req/s",
    "req/s ÷",
    "direct L_db",
    "pooled L_db",
    "L_db ÷",
    "direct ratio",
    "pooled ratio",
];

const POOLER_WIDTHS: [usize; 10] = [8, 5, 12, 12, 7, 11, 11, 6, 12, 12];

/// Each pooler row with the direct row of its endpoint and connections, as cells.
fn pooler_pairs(rows: &[Row]) -> Vec<[String; 10]> {
    let opt = |v: Option<f64>, digits: usize| v.map_or_else(|| "–".into(), |v| format!("{v:.digits$}"));
    let quotient = |a: Option<f64>, b: Option<f64>| a.zip(b).filter(|&(_, b)| b > 0.0).map(|(a, b)| a / b);
    rows.iter()
        .filter(|p| p.db == pooler::NAME)
        .filter_map(|p| {
            let d = rows
                .iter()
                .find(|d| d.db == "postgres" && d.endpoint == p.endpoint && d.concurrency == p.concurrency)?;
            Some([
                p.endpoint.clone(),
                p.concurrency.to_string(),
                format!("{:.0}", d.rps),
                format!("{:.0}", p.rps),
                opt(quotient(Some(p.rps), Some(d.rps)), 2),
                opt(d.l_db, 0),
                opt(p.l_db, 0),
                opt(quotient(p.l_db, d.l_db), 2),
                opt(d.ratio, 2),
                opt(p.ratio, 2),
            ])
        })
        .collect()
}

const CPU_TITLE: &str = "Where the CPU goes, in µs of CPU per request: in the server's run, the server, the \
     database (PostgreSQL's processes; SQLite's work is inside the server), PgBouncer (the postgres+pgbouncer \
     rows) and wrk; in L_db's run, the database, PgBouncer and the client (pgbench, or the SQLite limit's \
     threads); in L_http's run, the bare server and wrk. idle % is the machine's idle share in that run. CPU ratio = (L_db's + L_http's CPU) ÷ the \
     server run's CPU (not for login and upload, whose L_work is not in it): where every run keeps the \
     cores busy, the costs add as in the limit, and this is the ratio that CPU alone allows.";

const CPU_HEAD: [&str; 14] = [
    "endpoint",
    "db",
    "conns",
    "server",
    "database",
    "pgbouncer",
    "wrk",
    "idle %",
    "L_db: database",
    "pgbouncer",
    "client",
    "idle %",
    "L_http",
    "CPU ratio",
];

const CPU_WIDTHS: [usize; 14] = [8, 8, 5, 7, 9, 9, 6, 7, 15, 9, 7, 7, 7, 9];

/// A row's CPU split, where it has its three runs.
fn cpu_cells(r: &Row) -> Option<[String; 14]> {
    let (run, db, http) = (r.cpu?, r.l_db_cpu?, r.l_http_cpu?);
    let us = |v: Option<f64>| v.map(|v| format!("{v:.0}")).unwrap_or_else(|| "–".into());
    let total =
        |s: Split| s.server_us.unwrap_or(0.0) + s.database_us.unwrap_or(0.0) + s.pooler_us.unwrap_or(0.0) + s.load_us;
    Some([
        r.endpoint.clone(),
        r.db.to_string(),
        r.concurrency.to_string(),
        us(run.server_us),
        us(run.database_us),
        us(run.pooler_us),
        us(Some(run.load_us)),
        format!("{:.0}", run.idle_pct),
        us(db.database_us),
        us(db.pooler_us),
        us(Some(db.load_us)),
        format!("{:.0}", db.idle_pct),
        us(Some(total(http))),
        // An L_work (argon2, the upload's file) is a third cost these runs do not measure.
        match r.l_work {
            Some(_) => "–".to_string(),
            None => format!("{:.2}", (total(db) + total(http)) / total(run).max(1e-9)),
        },
    ])
}

fn split_json(s: Split) -> serde_json::Value {
    serde_json::json!({
        "server": s.server_us.map(|v| round(v, 1)),
        "database": s.database_us.map(|v| round(v, 1)),
        "pooler": s.pooler_us.map(|v| round(v, 1)),
        "load": round(s.load_us, 1),
        "idle_pct": round(s.idle_pct, 1),
    })
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// One panel per endpoint: requests/s on PostgreSQL and SQLite and the limit, against the
/// number of connections (1, 8, 32), on a log scale.
fn chart(path: &Path, rows: &[Row]) -> Result<()> {
    let root = SVGBackend::new(path, (1200, 1000)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((3, 3));
    for (endpoint, area) in ENDPOINTS.iter().zip(panels.iter()) {
        let of = |db: &str| -> Vec<(f64, f64)> {
            rows.iter()
                .filter(|r| r.endpoint == *endpoint && r.db == db)
                .map(|r| (f64::from(r.concurrency), r.rps.max(1.0)))
                .collect()
        };
        let limit: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.endpoint == *endpoint && r.db == "postgres")
            .filter_map(|r| Some((f64::from(r.concurrency), r.limit_rps?.max(1.0))))
            .collect();
        let top = rows
            .iter()
            .filter(|r| r.endpoint == *endpoint)
            .flat_map(|r| [r.rps, r.limit_rps.unwrap_or(0.0)])
            .fold(10.0f64, f64::max)
            * 2.0;
        let mut chart = ChartBuilder::on(area)
            .caption(format!("{endpoint} (req/s)"), ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(24)
            .y_label_area_size(48)
            .build_cartesian_2d((1f64..32f64).log_scale(), (1f64..top).log_scale())?;
        chart.configure_mesh().x_labels(3).y_labels(5).x_label_formatter(&|x| format!("{x:.0}")).draw()?;
        for (data, color, label) in
            [(limit, BLACK, "limit (postgres)"), (of("postgres"), BLUE, "postgres"), (of("sqlite"), RED, "sqlite")]
        {
            chart
                .draw_series(LineSeries::new(data.clone(), color.stroke_width(2)))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
            chart.draw_series(data.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
        chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    }
    root.present()?;
    Ok(())
}
