//! What each endpoint sends (a wrk Lua script) and the statements it issues (a pgbench script).
//! The pgbench scripts are the statements the server's diesel queries (`server/src/db/queries/`)
//! send to PostgreSQL: the session lookup every authenticated request makes, then the endpoint's
//! own statements, in the same transactions and the same order (`sql_drift.rs` holds them to it).

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

/// A small real PNG (16×16, a colour gradient, 463 bytes): what the upload endpoint stores.
pub fn png() -> Vec<u8> {
    const HEX: &str =
        "89504e470d0a1a0a0000000d494844520000001000000010080200000090916836000001964944415478da15d1511544\
                       21084551231881084630021188608413c1084620021188400422cc1bbfd9accb758cc11cc8600df640073638030677f0\
                       063e88410e6ad083312673229335d9139dd8e44c98dcc99bf8242639a949cf0f08531061095b50c18423205ce1092e84\
                       9042092d1f58cc852cd6622f74618bb36071176fe18b58e4a216bd3eb0991bd9accddee8c63667c3e66edec637b1c94d\
                       6d7a7f40998a284bd98a2aa61c05e52a4f712594544a69fd80310d3196b10d35cc3806c6359ee146186994d1f681c33c\
                       c8611df6410f7638070ef7f00e7e88431eead0e703ff02bf4abe23bfd85f906ff537fc7f171e38042414f4f73de3322f\
                       7259977dd18b5dcefd8fdfcbbbf8252e79a94bdf0f3ce6431eebb11ffab0c779ffe5f7f11efe88473eead1ef03ce74c4\
                       59ce76d431e7f83fca759ee34e38e994d3fe81600612ac60071a5870e21ffc062ff020820c2ae8f84032134956b2134d\
                       2c39f93ff3262ff124924c2ae9fc40310b2956b10b2dac38f52fe516aff0228a2caae8fa40331b6956b31b6dac39fdaf\
                       f036aff1269a6caae9e607880270100b735fc00000000049454e44ae426082";
    (0..HEX.len()).step_by(2).map(|i| u8::from_str_radix(&HEX[i..i + 2], 16).expect("hex")).collect()
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
        // The first fresh id: none in the bench's own capture (`base` 0), which must not take a
        // task away from the runs.
        "delete" => ("DELETE", format!("{API}/task"), format!("{{\"ids\":[{}]}}", cx.base).into_bytes(), json),
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

// The statements below are the server's, as PostgreSQL receives them from diesel, its quotes
// left out: the test in `sql_drift.rs` compares them with what the server sends, so a change to
// a query in `server/src/db/queries/` fails it until the script follows. Where the server binds
// a value, a script has a variable or a literal (values are not compared).

/// The session lookup of every authenticated request (`sessions::find_by_token`).
const AUTH: &str = "SELECT sessions.id, sessions.user_id, sessions.created_at, sessions.last_seen_at, users.id, \
     users.name, users.password_hash, users.role, users.perm, users.disabled, users.created_at \
     FROM (sessions INNER JOIN users ON (sessions.user_id = users.id)) WHERE (sessions.token_hash = :h) LIMIT 1;\n";

/// The token's user as reads that go out with the session lookup name it (`sessions::user_of_token`).
const USER_OF_TOKEN: &str = "(SELECT sessions.user_id FROM sessions WHERE (sessions.token_hash = :h) LIMIT 1)";

/// The user's task count as the list's session lookup selects it (`tasks::TaskCountOfUser`).
const TASK_COUNT: &str =
    "(SELECT COALESCE(CAST(SUM(task_counts.tasks) AS BIGINT), 0) FROM task_counts WHERE task_counts.user_id = users.id)";

/// `oplog::append`.
const OPLOG: &str = "INSERT INTO op_log (user_id, endpoint, operation, request, created_at) \
     VALUES (:uid, 'bench', 'bench', '{\"id\":1}', :now);\n";

/// A task count shard picked at random (`tasks::add_to_count`; 16 = `tasks::COUNT_SHARDS`).
const SHARD: &str = "\\set shard random(0, 15)\n";

/// The count update of create (+1) and delete (-1 per task deleted: one here).
const COUNT: &str = "INSERT INTO task_counts (user_id, shard, tasks) VALUES (:uid, :shard, :delta) \
     ON CONFLICT (user_id, shard) DO UPDATE SET tasks = (task_counts.tasks + :delta);\n";

/// The values of a pgbench script's variables: the session's token hash (`h`), the bench user
/// (`uid`) and the login user (`lid`), the bench user's tasks `lo..=hi`, the first of the fresh
/// ids this run may consume (`base`) and the number of clients sharing them out.
pub struct PgbenchVars<'a> {
    pub token_hash: &'a str,
    pub uid: i64,
    pub lid: i64,
    pub lo: i64,
    pub hi: i64,
    pub base: i64,
    pub clients: u32,
}

impl PgbenchVars<'_> {
    /// pgbench's `-D name=value` arguments, with `now` the time the statements write.
    pub fn args(&self, now: i64) -> Vec<String> {
        let vars = [
            format!("h={}", self.token_hash),
            format!("uid={}", self.uid),
            format!("lid={}", self.lid),
            format!("lo={}", self.lo),
            format!("hi={}", self.hi),
            format!("base={}", self.base),
            format!("clients={}", self.clients),
            "n=0".to_string(),
            format!("now={now}"),
            // The login's surplus session when its query finds none (`\aset` then sets nothing).
            "surplus_id=0".to_string(),
        ];
        vars.into_iter().flat_map(|v| ["-D".to_string(), v]).collect()
    }
}

/// The pgbench script of `endpoint`, its variables those of [`PgbenchVars`].
pub fn pgbench(endpoint: &str) -> String {
    let fresh_id = "\\set n :n + 1\n\\set id :base + :client_id + (:n - 1) * :clients\n";
    match endpoint {
        "hola" => AUTH.to_string(),
        // The failed logins of the name, the user, then the session opened in one transaction
        // (`sessions::create`): the login user has 10 sessions (`sessions_per_user`) once the
        // run is under way, so each login also revokes the oldest. pgbench cannot hand a
        // query's rows to the next statement as a list: `\aset` keeps the last one (the
        // oldest), which is all there is unless logins overlap. A token is a number here
        // (pgbench makes no strings), unique all the same.
        "login" => format!(
            "SELECT login_failures.address, login_failures.failures, login_failures.first_failed_at FROM login_failures \
             WHERE (((login_failures.name = 'login') AND (login_failures.address = ANY('{{10.0.0.1,*}}'))) \
             AND (login_failures.first_failed_at > :now));\n\
             SELECT users.id, users.name, users.password_hash, users.role, users.perm, users.disabled, users.created_at \
             FROM users WHERE (users.name = 'login') LIMIT 1;\n\
             \\set token random(1, 9000000000000000000)\n\
             \\set idle_before :now - 900000\n\
             \\set created_before :now - 604800000\n\
             \\startpipeline\nBEGIN;\n\
             INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at) VALUES (:lid, :token, :now, :now) \
             RETURNING sessions.id;\n\
             \\endpipeline\n\
             DELETE FROM sessions WHERE ((sessions.user_id = :lid) AND ((sessions.last_seen_at <= :idle_before) \
             OR (sessions.created_at <= :created_before)));\n\
             SELECT sessions.id FROM sessions WHERE (sessions.user_id = :lid) ORDER BY sessions.id DESC \
             LIMIT 1000 OFFSET 10 \\aset surplus_\n\
             DELETE FROM sessions WHERE (sessions.id = ANY(ARRAY[:surplus_id]::bigint[]));\n\
             DELETE FROM login_failures WHERE ((login_failures.name = 'login') AND (login_failures.address = '10.0.0.1'));\n\
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
             (:uid, 'image', 0, 1, 'https://example.com/images/photo-0001.png', 'bench', :now, :now) RETURNING tasks.id;\n\
             {OPLOG}\
             {COUNT}\
             \\endpipeline\nCOMMIT;\n"
        ),
        // Reads send the session lookup and their own statements together (`pipeline2`), their
        // rows scoped by the token's user.
        "detail" => format!(
            "\\set id random(:lo, :hi)\n\\startpipeline\n{AUTH}\
             SELECT tasks.id, tasks.type, tasks.status, tasks.priority, tasks.input, tasks.result, tasks.note FROM tasks \
             WHERE ((tasks.id = :id) AND (tasks.user_id = {USER_OF_TOKEN})) LIMIT 1;\n\
             \\endpipeline\n"
        ),
        // The list's session lookup also selects the user's task count.
        "list" => format!(
            "\\startpipeline\n{}\
             SELECT tasks.id, tasks.type, tasks.status, tasks.priority, tasks.note FROM tasks \
             WHERE (tasks.user_id = {USER_OF_TOKEN}) ORDER BY tasks.id DESC LIMIT 20 OFFSET 0;\n\
             \\endpipeline\n",
            AUTH.replace(" FROM (sessions", &format!(", {TASK_COUNT} FROM (sessions"))
        ),
        // A new note each time (a number: pgbench makes no strings), the priority left as it is.
        "update" => format!(
            "\\set id random(:lo, :hi)\n\\set note random(1, 1000000000)\n{AUTH}\\startpipeline\nBEGIN;\n\
             UPDATE tasks SET note = coalesce(:note, tasks.note), priority = coalesce(NULL, tasks.priority), \
             updated_at = :now WHERE (((tasks.id = :id) AND (tasks.user_id = :uid)) \
             AND ((tasks.note != coalesce(:note, tasks.note)) OR (tasks.priority != coalesce(NULL, tasks.priority))));\n\
             {OPLOG}\\endpipeline\nCOMMIT;\n"
        ),
        "status" => format!(
            "{fresh_id}{AUTH}\\startpipeline\nBEGIN;\n\
             UPDATE tasks SET status = 2, updated_at = :now WHERE (((tasks.id = :id) AND (tasks.user_id = :uid)) \
             AND (tasks.status = ANY('{{0}}')));\n\
             {OPLOG}\\endpipeline\nCOMMIT;\n"
        ),
        // pgbench's variables are numbers: the list of ids is an array of one.
        "delete" => format!(
            "{fresh_id}{SHARD}\\set delta -1\n{AUTH}\\startpipeline\nBEGIN;\n\
             DELETE FROM tasks WHERE ((tasks.user_id = :uid) AND (tasks.id = ANY(ARRAY[:id]::bigint[])));\n\
             \\endpipeline\n\\startpipeline\n{OPLOG}{COUNT}\\endpipeline\n\
             COMMIT;\n"
        ),
        "upload" => format!("{AUTH}{OPLOG}"),
        _ => unreachable!(),
    }
}
