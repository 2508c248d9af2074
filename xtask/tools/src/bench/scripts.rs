//! What each endpoint sends (a wrk Lua script) and the statements it issues (a pgbench script).
//! The pgbench scripts are the server's diesel queries (`server/src/db/`) written out as SQL:
//! the session lookup every authenticated request makes, then the endpoint's own statements,
//! in the same transactions.

/// What a run needs to know about the seeded data.
pub struct Ctx<'a> {
    pub token: &'a str,
    pub login_password: &'a str,
    /// The bench user's 100k tasks, `lo..=hi`: detail and update pick from them at random.
    pub lo: i64,
    pub hi: i64,
    /// First id of this run's block of fresh tasks (status change and delete use each id once).
    pub base: i64,
    pub threads: u32,
    pub png: &'a [u8],
}

pub const ENDPOINTS: [&str; 9] = ["hola", "login", "create", "detail", "list", "update", "status", "delete", "upload"];

/// Endpoints that use each seeded id at most once and need a block of fresh ids per run.
pub fn consumes_ids(endpoint: &str) -> bool {
    matches!(endpoint, "status" | "delete")
}

pub const API: &str = "/backend/api/v1";
const BOUNDARY: &str = "benchboundary7MA4YWxkTrZu0gW";

fn lua_string(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for b in bytes {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b' ' | b'{' | b'}' | b':' | b',' | b'/' | b'-' | b'=' => {
                s.push(*b as char)
            }
            _ => s.push_str(&format!("\\{b:03}")),
        }
    }
    s.push('"');
    s
}

pub fn upload_body(png: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(png);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// The method, path and body of one request of `endpoint` (for capturing the real server's
/// answer, which the bare server then repeats).
pub fn sample(endpoint: &str, cx: &Ctx) -> (&'static str, String, Vec<u8>, &'static str) {
    let json = "application/json";
    match endpoint {
        "hola" => ("GET", format!("{API}/hola"), vec![], json),
        "login" => (
            "POST",
            format!("{API}/login"),
            format!("{{\"name\":\"login\",\"password\":\"{}\"}}", cx.login_password).into_bytes(),
            json,
        ),
        "create" => ("POST", format!("{API}/task"), create_body().into_bytes(), json),
        "detail" => ("GET", format!("{API}/task?id={}", cx.lo), vec![], json),
        "list" => ("GET", format!("{API}/tasks?offset=0&limit=20"), vec![], json),
        "update" => ("PUT", format!("{API}/task"), format!("{{\"id\":{},\"note\":\"n1\"}}", cx.lo).into_bytes(), json),
        "status" => {
            ("PUT", format!("{API}/task/status"), format!("{{\"id\":{},\"status\":2}}", cx.lo).into_bytes(), json)
        }
        "delete" => ("DELETE", format!("{API}/task"), b"{\"ids\":[]}".to_vec(), json),
        "upload" => (
            "POST",
            format!("{API}/upload"),
            upload_body(cx.png),
            "multipart/form-data; boundary=benchboundary7MA4YWxkTrZu0gW",
        ),
        // Not in ENDPOINTS: the S3 rows only, next to upload (the image `upload` stored).
        "fetch" => ("GET", format!("/uploads/{}", stored_name(cx.png)), vec![], json),
        _ => unreachable!("unknown endpoint {endpoint}"),
    }
}

/// The name the server stores `png` under: its SHA-256, `.png`.
pub fn stored_name(png: &[u8]) -> String {
    use sha2::Digest as _;
    let hash: String = sha2::Sha256::digest(png).iter().map(|b| format!("{b:02x}")).collect();
    format!("{hash}.png")
}

fn create_body() -> String {
    r#"{"type":"image","priority":1,"input":"https://example.com/images/photo-0001.png","note":"bench"}"#.to_string()
}

/// The wrk script of `endpoint`. Its `done` prints one line:
/// `BENCH requests duration_us p50_us p99_us non2xx socket_errors max_id`.
pub fn lua(endpoint: &str, cx: &Ctx) -> String {
    let mut s =
        format!("TOKEN = \"{}\"\nLO = {}\nHI = {}\nBASE = {}\nT = {}\n", cx.token, cx.lo, cx.hi, cx.base, cx.threads);
    s.push_str(
        r#"
local threads = {}
local made = 0
function setup(thread)
  thread:set("tid", made)
  made = made + 1
  table.insert(threads, thread)
end
n = 0
maxid = 0
function done(summary, latency, requests)
  local m = 0
  for _, t in ipairs(threads) do
    local x = t:get("maxid")
    if x and x > m then m = x end
  end
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    math.floor(latency:percentile(50)), math.floor(latency:percentile(99)), e.status,
    e.connect + e.read + e.write + e.timeout, m))
end
wrk.headers["x-auth-token"] = TOKEN
wrk.headers["content-type"] = "application/json"
"#,
    );
    let (method, path, body, content_type) = sample(endpoint, cx);
    match endpoint {
        "detail" => s.push_str(&format!(
            "function request()\n  return wrk.format(\"GET\", \"{API}/task?id=\" .. math.random(LO, HI))\nend\n"
        )),
        "update" => s.push_str(&format!(
            "function request()\n  local r = math.random(1, 1000000000)\n  return wrk.format(\"PUT\", \"{API}/task\", nil, \
             '{{\"id\":' .. math.random(LO, HI) .. ',\"note\":\"n' .. r .. '\"}}')\nend\n"
        )),
        "status" | "delete" => {
            let body = if endpoint == "status" {
                "'{\"id\":' .. id .. ',\"status\":2}'"
            } else {
                "'{\"ids\":[' .. id .. ']}'"
            };
            s.push_str(&format!(
                "function request()\n  local id = BASE + tid + n * T\n  n = n + 1\n  maxid = id\n  \
                 return wrk.format(\"{method}\", \"{path}\", nil, {body})\nend\n"
            ));
        }
        _ => {
            if endpoint == "login" {
                // Each login from another client (the server trusts wrk as a proxy): a bucket of
                // logins per address would otherwise refuse all but a few.
                s.push_str(
                    "wrk.headers[\"x-auth-token\"] = nil\n\
                     function request()\n  wrk.headers[\"x-forwarded-for\"] = \"10.\" .. math.random(0, 255) .. \".\" .. \
                     math.random(0, 255) .. \".\" .. math.random(1, 254)\n  return wrk.format()\nend\n",
                );
            }
            s.push_str(&format!(
                "wrk.method = \"{method}\"\nwrk.path = \"{path}\"\nwrk.headers[\"content-type\"] = \"{content_type}\"\n"
            ));
            if !body.is_empty() {
                s.push_str(&format!("wrk.body = {}\n", lua_string(&body)));
            }
        }
    }
    s
}

/// The session lookup of every authenticated request (`sessions::find_by_token`).
const AUTH: &str = "SELECT s.id, s.user_id, s.created_at, s.last_seen_at, u.id, u.name, u.password_hash, u.role, \
     u.perm, u.disabled, u.created_at FROM sessions s INNER JOIN users u ON s.user_id = u.id \
     WHERE s.token_hash = :h LIMIT 1;\n";

/// The token's user as reads that go out with the session lookup name it.
const USER_OF_TOKEN: &str = "(SELECT user_id FROM sessions WHERE token_hash = :h)";

const OPLOG: &str = "INSERT INTO op_log (user_id, endpoint, operation, request, created_at) \
     VALUES (:uid, 'bench', 'bench', '{\"id\":1}', :now);\n";

/// A task count shard picked at random (`tasks::add_to_count`; 16 = `tasks::COUNT_SHARDS`).
const SHARD: &str = "\\set shard random(0, 15)\n";

/// The count update of create (+1) and delete (-1 per task deleted: one here).
const COUNT: &str = "INSERT INTO task_counts (user_id, shard, tasks) VALUES (:uid, :shard, :delta) \
     ON CONFLICT (user_id, shard) DO UPDATE SET tasks = task_counts.tasks + :delta;\n";

/// The pgbench script of `endpoint`: variables `h` (token hash), `uid`, `lid` (the login
/// user), `lo`/`hi`, `base`, `clients`, `n` (0), `now` come from `-D`.
pub fn pgbench(endpoint: &str) -> String {
    let fresh_id = "\\set n :n + 1\n\\set id :base + :client_id + (:n - 1) * :clients\n";
    match endpoint {
        "hola" => AUTH.to_string(),
        "login" => format!(
            "SELECT address, failures, first_failed_at FROM login_failures WHERE name = 'login' AND address IN ('10.0.0.1', '*') AND first_failed_at > :now;\n\
             SELECT id, name, password_hash, role, perm, disabled, created_at FROM users WHERE name = 'login' LIMIT 1;\n\
             \\startpipeline\nBEGIN;\n\
             INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at) VALUES (:lid, md5(random()::text) || md5(random()::text), :now, :now) RETURNING id;\n\
             \\endpipeline\n\
             DELETE FROM sessions WHERE user_id = :lid AND (last_seen_at <= :now::bigint - 900000 OR created_at <= :now::bigint - 604800000);\n\
             SELECT id FROM sessions WHERE user_id = :lid ORDER BY id DESC LIMIT 1000 OFFSET 10;\n\
             DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE user_id = :lid ORDER BY id DESC LIMIT 1000 OFFSET 10);\n\
             DELETE FROM login_failures WHERE name = 'login' AND address = '10.0.0.1';\n\
             {}\
             COMMIT;\n",
            OPLOG.replace(":uid", ":lid")
        ),
        // Writes send `BEGIN` with their first statements (`postgres::transaction`) and their
        // transaction's independent statements together (`pipeline2`, `pipeline3`); update and
        // status send their log row with the UPDATE (`tasks::change_and_log`).
        "create" => format!(
            "{SHARD}\\set delta 1\n{AUTH}\\startpipeline\nBEGIN;\n\
             INSERT INTO tasks (user_id, type, status, priority, input, note, created_at, updated_at) VALUES \
             (:uid, 'image', 0, 1, 'https://example.com/images/photo-0001.png', 'bench', :now, :now) RETURNING id;\n\
             {OPLOG}\
             {COUNT}\
             \\endpipeline\nCOMMIT;\n"
        ),
        // Reads send the session lookup and their own statements together (`pipeline2`, `pipeline3`), their
        // rows scoped by the token's user (`sessions::user_of_token`).
        "detail" => format!(
            "\\set id random(:lo, :hi)\n\\startpipeline\n{AUTH}\
             SELECT id, type, status, priority, input, result, note FROM tasks WHERE id = :id AND user_id = {USER_OF_TOKEN} LIMIT 1;\n\
             \\endpipeline\n"
        ),
        // The list's session lookup also selects the user's task count (`tasks::TaskCountOfUser`).
        "list" => format!(
            "\\startpipeline\n{}\
             SELECT id, type, status, priority, note FROM tasks WHERE user_id = {USER_OF_TOKEN} ORDER BY id DESC LIMIT 20 OFFSET 0;\n\
             \\endpipeline\n",
            AUTH.replace(
                " FROM sessions s",
                ", (SELECT COALESCE(CAST(SUM(tasks) AS BIGINT), 0) FROM task_counts WHERE task_counts.user_id = u.id) \
                 FROM sessions s"
            )
        ),
        "update" => format!(
            "\\set id random(:lo, :hi)\n\\set r random(1, 1000000000)\n{AUTH}\\startpipeline\nBEGIN;\n\
             UPDATE tasks SET note = coalesce('n' || :r, note), priority = coalesce(NULL::smallint, priority), \
             updated_at = :now WHERE id = :id AND user_id = :uid \
             AND (note <> coalesce('n' || :r, note) OR priority <> coalesce(NULL::smallint, priority));\n\
             {OPLOG}\\endpipeline\nCOMMIT;\n"
        ),
        "status" => format!(
            "{fresh_id}{AUTH}\\startpipeline\nBEGIN;\n\
             UPDATE tasks SET status = 2, updated_at = :now WHERE id = :id AND user_id = :uid AND status = ANY('{{0}}'::smallint[]);\n\
             {OPLOG}\\endpipeline\nCOMMIT;\n"
        ),
        "delete" => format!(
            "{fresh_id}{SHARD}\\set delta -1\n{AUTH}\\startpipeline\nBEGIN;\n\
             DELETE FROM tasks WHERE user_id = :uid AND id = ANY(ARRAY[:id]::bigint[]);\n\
             \\endpipeline\n\\startpipeline\n{OPLOG}{COUNT}\\endpipeline\n\
             COMMIT;\n"
        ),
        "upload" => format!("{AUTH}{OPLOG}"),
        _ => unreachable!(),
    }
}
