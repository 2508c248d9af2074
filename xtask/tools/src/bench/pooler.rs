//! The `postgres+pgbouncer` rows: the release server with `db_pooler = "transaction"` on the
//! bench's cluster through a PgBouncer in transaction mode (`server-harness`'s [`Bouncer`]), each
//! row beside the direct row of its endpoint. Their L_db is pgbench through the same PgBouncer in
//! the protocol that mode speaks (`Route::Pooler` in `endpoints.rs`).

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use server_harness::pg::Cluster;
use server_harness::pgbouncer::{self, Bouncer, Pooling};
use server_harness::{Launch, ServerProcess};

/// What the rows are called in the table.
pub const NAME: &str = "postgres+pgbouncer";
/// The endpoints measured through PgBouncer: the reads, whose statements are the cheapest (so the
/// mode's cost shows most), and two writes.
pub const ENDPOINTS: [&str; 5] = ["hola", "detail", "list", "create", "status"];
/// Where a pool matters: one connection has nothing to share.
pub const CONCURRENCY: [u32; 2] = [8, 32];

/// The server through PgBouncer, and the PgBouncer, which its pgbench goes through too.
pub struct Pooled {
    // Declared first, so dropped first: the server's connections close before PgBouncer stops.
    pub server: ServerProcess,
    pub bouncer: Bouncer,
}

/// The pooled server of `launch` (the direct rows' settings, plus `db_pooler = "transaction"`) on
/// `database` of `cluster` through a new PgBouncer; `None`, said so, when PgBouncer is not
/// installed. `direct` is the direct rows' server, which says how many connections it opens.
pub fn start(cluster: &Cluster, database: &str, launch: &Launch, direct: &ServerProcess) -> Result<Option<Pooled>> {
    if pgbouncer::binary().is_none() {
        println!("PgBouncer is not installed (apt-get install pgbouncer): no {NAME} rows");
        return Ok(None);
    }
    // As many PostgreSQL connections as the most any row opens directly (the server's pool and
    // read connections; pgbench's clients, one backend each): no one waits in PgBouncer for a
    // connection the direct rows had, so the rows differ by the mode alone.
    let most_clients = CONCURRENCY.into_iter().max().unwrap_or(1);
    let pool_size = server_connections(direct)?.max(most_clients);
    let bouncer = Bouncer::start(cluster, Pooling { pool_size, max_clients: 4 * pool_size })?;
    println!("PgBouncer: transaction mode, default_pool_size = {pool_size}");
    let server = launch
        .clone()
        .database(format!("{}?sslmode=disable", bouncer.url(database)))
        .setting("db_pooler", "transaction")
        .start()?;
    Ok(Some(Pooled { server, bouncer }))
}

/// How many connections `server` opens to PostgreSQL at most, as it says at start
/// (db_pool_size + db_read_connections); its log is written in batches, so it may come late.
fn server_connections(server: &ServerProcess) -> Result<u32> {
    const SAYS: &str = "opening at most ";
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let log = server.log();
        let said = log.iter().find_map(|line| line.split(SAYS).nth(1)?.split_whitespace().next()?.parse().ok());
        match said {
            Some(connections) => return Ok(connections),
            None if Instant::now() > deadline => {
                bail!("the server's log has no {SAYS:?}N connections line:\n{}", log.join("\n"))
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}
