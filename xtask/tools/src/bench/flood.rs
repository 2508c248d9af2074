//! The login flood the "hola under a login flood" rows run beside hola: wrong-password logins for
//! random names on [`CONNECTIONS`] connections, as fast as the server answers them.
//!
//! Two floods. From one address (the bench's own, 127.0.0.1): what one client can do; its
//! bucket of logins empties and the rest are refused before any password work. From many
//! addresses: each login names a random client in `X-Forwarded-For` (the bench server trusts
//! 127.0.0.1 as a proxy), so no bucket ever empties and every login reaches the password checks —
//! what the budget of checks alone protects.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::scripts::API;

/// Connections of the flood, and of the hola measurement beside it.
pub const CONNECTIONS: u32 = 32;

/// How long the flood runs before hola's measurement starts (and after it ends).
pub const LEAD: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy)]
pub enum Flood {
    OneAddress,
    ManyAddresses,
}

impl Flood {
    pub fn row_name(self) -> &'static str {
        match self {
            Flood::OneAddress => "hola under a login flood",
            Flood::ManyAddresses => "hola under a login flood from many addresses",
        }
    }
}

/// What the flood got.
pub struct Flooded {
    pub rps: f64,
    pub unauthorized: u64,
    pub refused: u64,
    pub other: u64,
}

/// A flood under way.
pub struct Flooding(Child);

/// Starts the flood on the server at `port`, for the measurement's `secs` plus [`LEAD`] on each
/// side, its wrk script written into the folder `work`.
pub fn start(work: &Path, secs: u32, port: u16, flood: Flood) -> Result<Flooding> {
    let script = work.join(format!("flood-{flood:?}.lua"));
    std::fs::write(&script, lua(flood))?;
    let secs = u64::from(secs) + 2 * LEAD.as_secs();
    let child = Command::new("wrk")
        .args(["-t", "2", "-c", &CONNECTIONS.to_string(), "-d", &format!("{secs}s"), "--timeout", "30s", "-s"])
        .arg(&script)
        .arg(format!("http://127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting the login flood (wrk)")?;
    Ok(Flooding(child))
}

impl Flooding {
    /// Waits for the flood to end; what it got.
    pub fn finish(self) -> Result<Flooded> {
        let out = self.0.wait_with_output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text.lines().find_map(|l| l.strip_prefix("FLOOD ")).with_context(|| {
            format!("the login flood printed no result:\n{text}\n{}", String::from_utf8_lossy(&out.stderr))
        })?;
        let v: Vec<u64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
        let [requests, duration_us, unauthorized, refused] = v[..] else {
            bail!("the login flood's result line is malformed: {line}")
        };
        Ok(Flooded {
            rps: requests as f64 / (duration_us as f64 / 1e6).max(1e-6),
            unauthorized,
            refused,
            other: requests.saturating_sub(unauthorized + refused),
        })
    }
}

/// The flood's wrk script; its `done` prints `FLOOD requests duration_us 401s 429s`.
fn lua(flood: Flood) -> String {
    let forwarded = match flood {
        Flood::OneAddress => "",
        Flood::ManyAddresses => {
            "  wrk.headers[\"x-forwarded-for\"] = \"10.\" .. math.random(0, 255) .. \".\" .. math.random(0, 255) \
             .. \".\" .. math.random(1, 254)\n"
        }
    };
    format!(
        r#"
local threads = {{}}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() + math.random(1, 1000000))
  s401 = 0
  s429 = 0
end
wrk.method = "POST"
wrk.path = "{API}/login"
wrk.headers["content-type"] = "application/json"
function request()
{forwarded}  wrk.body = '{{"name":"flood-' .. math.random(1, 1000000000) .. '","password":"wrong password"}}'
  return wrk.format()
end
function response(status, headers, body)
  if status == 401 then s401 = s401 + 1 elseif status == 429 then s429 = s429 + 1 end
end
function done(summary, latency, requests)
  local a, b = 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s401")
    b = b + t:get("s429")
  end
  io.write(string.format("FLOOD %d %d %d %d\n", summary.requests, summary.duration, a, b))
end
"#
    )
}
