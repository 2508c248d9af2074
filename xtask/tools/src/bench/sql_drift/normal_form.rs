//! Statements reduced to what the comparison holds the bench to: their words, order and structure.
//!
//! Left out: values (a bound parameter — `$1`, `?`, a pgbench `:variable` — and a literal are all
//! `?`: the bench writes a constant where the server binds one, and its values differ anyway),
//! identifier quotes (diesel quotes every name, the bench's SQL does not), spacing, and a final
//! `;`. An `ARRAY[?]::type[]` is one value too: pgbench's variables are numbers, so the one array
//! the server binds is written as an array of one. [`in_sqlite_terms`] goes one step further for
//! comparing the SQLite limit with what the server sends PostgreSQL.

/// `sql` in normal form.
pub fn normal_form(sql: &str) -> String {
    let is_word_char = |c: &char| c.is_ascii_alphanumeric() || *c == '_';
    let mut out = String::new();
    let mut chars = sql.trim().trim_end_matches(';').trim_end().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' => {}
            '\'' => {
                // A string literal; '' inside it is a quote.
                while let Some(c) = chars.next() {
                    if c == '\'' && chars.next_if_eq(&'\'').is_none() {
                        break;
                    }
                }
                out.push('?');
            }
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                while chars.next_if(char::is_ascii_digit).is_some() {}
                out.push('?');
            }
            ':' if chars.next_if_eq(&':').is_some() => out.push_str("::"),
            ':' if chars.peek().is_some_and(|c| c.is_ascii_alphabetic() || *c == '_') => {
                while chars.next_if(is_word_char).is_some() {}
                out.push('?');
            }
            c if c.is_whitespace() => {
                while chars.next_if(|c| c.is_whitespace()).is_some() {}
                out.push(' ');
            }
            c if is_word_char(&c) => {
                let mut word = String::from(c);
                while let Some(c) = chars.next_if(is_word_char) {
                    word.push(c);
                }
                let is_value = word.starts_with(|c: char| c.is_ascii_digit()) || word.eq_ignore_ascii_case("NULL");
                out.push_str(if is_value { "?" } else { &word });
            }
            c => out.push(c),
        }
    }
    one_element_arrays_as_values(&out)
}

/// `ARRAY[?]::type[]` as `?`.
fn one_element_arrays_as_values(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("ARRAY[?]::") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "ARRAY[?]::".len()..];
        let type_end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        match after[type_end..].strip_prefix("[]") {
            Some(tail) => {
                out.push('?');
                rest = tail;
            }
            None => {
                out.push_str("ARRAY[?]::");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A statement in normal form, as the SQLite limit sends it: diesel spells a list of values
/// `= ANY(?)` on PostgreSQL and `IN (?, …)` on SQLite, and the limit's threads each write on a
/// connection of their own, so they take SQLite's write lock as their transaction begins (`BEGIN
/// IMMEDIATE`) where the server queues its writes for its one writer connection.
pub fn in_sqlite_terms(normal: &str) -> String {
    if normal == "BEGIN" {
        return "BEGIN IMMEDIATE".to_owned();
    }
    let mut out = normal.replace(" = ANY(?)", " IN (?)");
    while out.contains("IN (?, ?") {
        out = out.replace("IN (?, ?", "IN (?");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_quotes_do_not_count() {
        let server = r#"SELECT "users"."id" FROM "users" WHERE ("users"."name" = $1) LIMIT $2"#;
        let script = "SELECT users.id FROM users WHERE (users.name = 'it''s') LIMIT 1;";
        let variable = "SELECT users.id   FROM users\n WHERE (users.name = :name) LIMIT :n ";
        assert_eq!(normal_form(server), "SELECT users.id FROM users WHERE (users.name = ?) LIMIT ?");
        assert_eq!(normal_form(script), normal_form(server));
        assert_eq!(normal_form(variable), normal_form(server));
    }

    #[test]
    fn names_structure_and_order_count() {
        let server = normal_form(r#"SELECT "users"."id", "users"."name" FROM "users" WHERE ("users"."id" = $1)"#);
        for other in [
            "SELECT users.name, users.id FROM users WHERE (users.id = 1)",
            "SELECT users.id, users.name FROM users WHERE users.id = 1",
            "SELECT users.id, users.name FROM users WHERE (users.id IN (1))",
            "SELECT users.id, users.name FROM users WHERE (users.id = 1) LIMIT 1",
            "SELECT u.id, u.name FROM users u WHERE (u.id = 1)",
        ] {
            assert_ne!(normal_form(other), server, "{other}");
        }
    }

    #[test]
    fn digits_in_names_casts_and_null_as_a_word() {
        assert_eq!(normal_form("SELECT t1.x FROM t1 WHERE y = 20::bigint"), "SELECT t1.x FROM t1 WHERE y = ?::bigint");
        assert_eq!(normal_form("coalesce(NULL, nullable_note)"), "coalesce(?, nullable_note)");
        assert_eq!(normal_form("id = ANY(ARRAY[:id]::bigint[])"), normal_form("id = ANY($2)"));
    }

    #[test]
    fn sqlite_spells_lists_of_values_and_takes_the_write_lock_first() {
        let server = normal_form(r#"DELETE FROM "t" WHERE ("t"."id" = ANY($1))"#);
        let limit = normal_form("DELETE FROM t WHERE (t.id IN (4, 5, 6))");
        assert_ne!(server, limit);
        assert_eq!(in_sqlite_terms(&server), in_sqlite_terms(&limit));
        assert_eq!(in_sqlite_terms("BEGIN"), in_sqlite_terms("BEGIN IMMEDIATE"));
        assert_ne!(in_sqlite_terms("BEGIN"), in_sqlite_terms("COMMIT"));
    }
}
