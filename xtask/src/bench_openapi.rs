//! `cargo xtask bench-openapi`: how long the converter takes on a large generated doc, next to a
//! baseline measured in the same run (a plain CommonMark parse of the same text), so the numbers
//! mean something on whatever machine runs them.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use doc_dialect::{self as dialect, model::Section};
use xtask::{root, DEFAULT_DOC};

pub fn openapi(endpoints: usize, runs: usize) -> Result<()> {
    if cfg!(debug_assertions) {
        // Timing a debug build would measure the wrong program: hand over to a release build.
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["run", "--quiet", "--release", "--package", "xtask", "--", "bench-openapi"])
            .args(["--endpoints", &endpoints.to_string(), "--runs", &runs.to_string()])
            .current_dir(root())
            .status()?;
        if !status.success() {
            bail!("release benchmark failed");
        }
        return Ok(());
    }
    let runs = runs.max(1);
    let md = big_doc(endpoints)?;
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let doc_path = dir.join("big.md");
    std::fs::write(&doc_path, &md)?;

    let mut spec = serde_json::Value::Null;
    let convert = time(runs, || {
        spec = dialect::markdown_to_spec(&md, "big.md", "bench").expect("the generated doc converts");
    });
    let mut text = String::new();
    let serialize = time(runs, || text = dialect::spec_text(&spec));
    let mut back = String::new();
    let render = time(runs, || back = dialect::spec_to_markdown(&spec).expect("the spec renders"));
    if back != md {
        bail!("the round trip of the generated doc is not exact");
    }
    let baseline = time(runs, || {
        let n = pulldown_cmark::Parser::new_ext(&md, pulldown_cmark::Options::ENABLE_TABLES).count();
        assert!(n > 0);
    });
    let exe = std::env::current_exe()?;
    let command = time(runs, || {
        let ok = Command::new(&exe)
            .args(["openapi", "--doc", "big.md", "--out", "big.json"])
            .current_dir(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "the command failed");
    });

    println!(
        "Converter: {endpoints} endpoints, doc {}, spec {}; median of {runs} runs, release build\n",
        size(md.len()),
        size(text.len())
    );
    println!("{:<58} {:>10} {:>10} {:>10} {:>9}", "step", "median", "min", "max", "×baseline");
    let base = baseline.median;
    for (name, t) in [
        ("baseline: pulldown-cmark parse of the same markdown", &baseline),
        ("markdown → spec (parse, convert, validate examples)", &convert),
        ("spec → pretty JSON text", &serialize),
        ("spec → markdown (reverse renderer)", &render),
        ("whole command: xtask openapi --doc big.md (process, I/O)", &command),
    ] {
        let ratio = t.median.as_secs_f64() / base.as_secs_f64();
        println!("{name:<58} {:>10} {:>10} {:>10} {ratio:>8.1}×", ms(t.median), ms(t.min), ms(t.max));
    }
    println!("\ndoc written to {}", doc_path.strip_prefix(root()).unwrap_or(&doc_path).display());
    Ok(())
}

/// A doc of the dialect with `endpoints` operations: the project's own operations, repeated
/// under distinct paths (so named types repeat too, as they do in a real generated doc).
fn big_doc(endpoints: usize) -> Result<String> {
    let path = root().join(DEFAULT_DOC);
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut diags = dialect::diag::Diagnostics::new(DEFAULT_DOC);
    let doc = dialect::parse::parse(&text, &mut diags);
    let template: Vec<_> = doc.groups().cloned().collect();
    let per_round: usize = template.iter().map(|g| g.operations.len()).sum();
    if per_round == 0 {
        bail!("{DEFAULT_DOC} has no operations to repeat");
    }
    let mut big = doc.clone();
    big.sections.retain(|s| matches!(s, Section::ErrorCodes(_)));
    let mut made = 0;
    for round in 0.. {
        for g in &template {
            let mut g = g.clone();
            g.name = format!("{} {round}", g.name);
            g.operations.truncate(endpoints - made);
            for op in &mut g.operations {
                op.path.value = op.path.value.replacen("/v1/", &format!("/v1/r{round}/"), 1);
            }
            made += g.operations.len();
            big.sections.insert(big.sections.len() - 1, Section::Group(g));
            if made == endpoints {
                return Ok(dialect::render::render(&big));
            }
        }
    }
    unreachable!()
}

struct Timing {
    median: Duration,
    min: Duration,
    max: Duration,
}

fn time(runs: usize, mut f: impl FnMut()) -> Timing {
    f(); // warm-up: page cache, allocator
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    samples.sort();
    Timing { median: samples[samples.len() / 2], min: samples[0], max: samples[samples.len() - 1] }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn size(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}
