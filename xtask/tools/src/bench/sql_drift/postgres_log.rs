//! The statements a PostgreSQL cluster started with `log_statement = all` wrote to its log.

/// The statements logged in `log` (a stretch of the cluster's log, whole lines), in the order
/// they ran: each `statement:` line (the simple protocol: the server's `BEGIN` and `COMMIT`) and
/// each `execute NAME:` line (a prepared or unnamed statement). Other lines (their parameters,
/// checkpoints) are left out.
pub fn statements(log: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut continues = false;
    for line in log.lines() {
        // PostgreSQL starts each further line of a message with a tab.
        if let Some(more) = line.strip_prefix('\t') {
            if let (true, Some(last)) = (continues, found.last_mut()) {
                last.push('\n');
                last.push_str(more);
            }
            continue;
        }
        let text = if let Some((_, text)) = line.split_once("LOG:  statement: ") {
            Some(text)
        } else if let Some((_, executed)) = line.split_once("LOG:  execute ") {
            executed.split_once(": ").map(|(_name, text)| text)
        } else {
            None
        };
        continues = text.is_some();
        found.extend(text.map(str::to_owned));
    }
    found
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements_in_the_order_they_ran_without_their_parameters() {
        let log = "2026-12-07 02:20:12.101 UTC [42] LOG:  statement: BEGIN\n\
                   2026-12-07 02:20:12.102 UTC [42] LOG:  execute s16: INSERT INTO \"t\" (\"a\") VALUES ($1)\n\
                   2026-12-07 02:20:12.102 UTC [42] DETAIL:  parameters: $1 = '1'\n\
                   2026-12-07 02:20:12.103 UTC [7] LOG:  checkpoint starting: time\n\
                   2026-12-07 02:20:12.104 UTC [43] LOG:  execute P_2: SELECT 1\n\
                   \tFROM t;\n\
                   2026-12-07 02:20:12.105 UTC [42] LOG:  execute <unnamed>: SELECT 2\n\
                   2026-12-07 02:20:12.106 UTC [42] LOG:  statement: COMMIT\n";
        assert_eq!(
            super::statements(log),
            ["BEGIN", "INSERT INTO \"t\" (\"a\") VALUES ($1)", "SELECT 1\nFROM t;", "SELECT 2", "COMMIT"]
        );
    }
}
