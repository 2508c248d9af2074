//! Benchmarks of the tooling itself.

use anyhow::Result;

pub fn openapi(_endpoints: usize, _runs: usize) -> Result<()> {
    anyhow::bail!("not yet")
}
