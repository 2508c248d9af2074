//! Spelling things as Rust: identifiers from the doc's names, literals, and a registry of the
//! type names a generated module uses, so that no two items (or an item and an import) clash.

use std::collections::HashSet;

use serde_json::Value;

/// Words that cannot name a field or a type as they are (`type` becomes `type_`, as in
/// `server/api`).
const KEYWORDS: [&str; 51] = [
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super",
    "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box",
    "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// The words of a name: split at anything but letters and digits, and where a lower-case letter
/// or digit meets an upper-case one (`fullUri` → `full`, `Uri`).
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// An identifier that is not a keyword and does not start with a digit.
fn ident(mut s: String, fallback: &str) -> String {
    if s.is_empty() {
        s = fallback.to_string();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// `full-uri`, `fullUri` → `full_uri`; `type` → `type_`.
pub fn snake(name: &str) -> String {
    ident(words(name).iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join("_"), "field")
}

/// `put_task_status` → `PutTaskStatus`; `uid_name` → `UidName`; `TaskItem` stays.
pub fn pascal(name: &str) -> String {
    let cap = |w: &String| {
        let mut cs = w.chars();
        cs.next().map(|c| c.to_uppercase().chain(cs).collect::<String>()).unwrap_or_default()
    };
    ident(words(name).iter().map(cap).collect(), "Type")
}

/// `status` → `STATUS`.
pub fn upper_snake(name: &str) -> String {
    snake(name).trim_end_matches('_').to_uppercase()
}

/// A Rust string literal (Rust's `Debug` of a `str` is one: quotes and backslashes escaped,
/// printable Unicode kept).
pub fn str_lit(s: &str) -> String {
    format!("{s:?}")
}

/// An `f64` literal for a JSON number (`0` → `0.0`).
pub fn f64_lit(v: &Value) -> String {
    format!("{:?}", v.as_f64().unwrap_or(0.0))
}

/// A JSON scalar as a Rust literal of the given element type (`u8`, `&str`, `f64`, `bool`, …).
pub fn scalar_lit(v: &Value, elem: &str) -> String {
    match (v, elem) {
        (Value::String(s), _) => str_lit(s),
        (Value::Number(_), "f32" | "f64") => f64_lit(v),
        (v, _) => v.to_string(),
    }
}

/// The names a module's items take, first come first served; a clash gets a number.
#[derive(Debug, Default)]
pub struct Names {
    taken: HashSet<String>,
}

impl Names {
    /// A registry in which `reserved` (imports, prelude types) are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Names { taken: reserved.iter().map(|s| s.to_string()).collect() }
    }

    /// `base`, or `base2`, `base3`, … if taken.
    pub fn claim(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        while !self.taken.insert(name.clone()) {
            name = format!("{base}{n}");
            n += 1;
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_identifiers() {
        assert_eq!(snake("fullUri"), "full_uri");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("x-auth-token"), "x_auth_token");
        assert_eq!(snake("userID"), "user_id");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(snake("用户"), "用户");
        assert_eq!(pascal("put_task_status"), "PutTaskStatus");
        assert_eq!(pascal("delete_user_group__id_"), "DeleteUserGroupId");
        assert_eq!(pascal("TaskItem"), "TaskItem");
        assert_eq!(upper_snake("type"), "TYPE");
    }

    #[test]
    fn literals() {
        assert_eq!(str_lit("a\"b\\商店"), r#""a\"b\\商店""#);
        assert_eq!(scalar_lit(&serde_json::json!(1), "f64"), "1.0");
        assert_eq!(scalar_lit(&serde_json::json!(-1), "i8"), "-1");
        assert_eq!(scalar_lit(&serde_json::json!("image"), "&str"), "\"image\"");
    }

    #[test]
    fn clashing_names_get_numbers() {
        let mut names = Names::with_reserved(&["Path"]);
        assert_eq!(names.claim("Path"), "Path2");
        assert_eq!(names.claim("Item"), "Item");
        assert_eq!(names.claim("Item"), "Item2");
    }
}
