//! Markdown of the dialect → [`Doc`].
//!
//! The dialect is line-structured output of a Go generator: headings, `- value` items, pipe tables
//! and fenced examples. A line-oriented reader fits it better than a CommonMark parser: it keeps
//! each cell's raw text (a CommonMark parser would read `*T` or `[]T` as markup), and every value
//! carries the line it came from, so errors can say `FILE:LINE`.

use super::model::*;
use super::to_spec::{method_line, FORMATS};
use crate::diag::Diagnostics;

/// The `####` sub-headings of an operation, in the order the generator writes them.
const SUBSECTIONS: [&str; 8] =
    ["请求URL", "请求方式", "请求格式", "所需权限", "请求参数", "请求示例", "返回参数", "返回示例"];

pub fn parse(text: &str, diags: &mut Diagnostics) -> Doc {
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let mut p = Parser { lines, pos: 0, diags };
    p.doc()
}

struct Parser<'a, 'd> {
    lines: Vec<&'a str>,
    pos: usize,
    diags: &'d mut Diagnostics,
}

/// What a line is, as far as the structure of the document goes.
enum Line<'a> {
    Blank,
    Title(&'a str),
    Section(&'a str),
    Operation(&'a str),
    Sub(&'a str),
    Rule,
    Text(&'a str),
}

fn classify(line: &str) -> Line<'_> {
    let t = line.trim_end();
    if t.trim().is_empty() {
        Line::Blank
    } else if let Some(rest) = t.strip_prefix("#### ") {
        Line::Sub(rest.trim())
    } else if let Some(rest) = t.strip_prefix("### ") {
        Line::Operation(rest.trim())
    } else if let Some(rest) = t.strip_prefix("## ") {
        Line::Section(rest.trim())
    } else if let Some(rest) = t.strip_prefix("# ") {
        Line::Title(rest.trim())
    } else if t.len() >= 3 && t.chars().all(|c| c == '-') {
        Line::Rule
    } else {
        Line::Text(t)
    }
}

impl<'a> Parser<'a, '_> {
    /// 1-based number of the line at `pos`.
    fn line_no(&self) -> usize {
        self.pos + 1
    }

    fn peek(&self) -> Option<Line<'a>> {
        self.lines.get(self.pos).map(|l| classify(l))
    }

    fn doc(&mut self) -> Doc {
        let mut title = String::new();
        while let Some(line) = self.peek() {
            match line {
                Line::Blank => self.pos += 1,
                Line::Title(t) => {
                    title = t.to_string();
                    self.pos += 1;
                    break;
                }
                _ => {
                    let n = self.line_no();
                    self.diags.error(n, "expected the document title `# title` first");
                    break;
                }
            }
        }
        if title.is_empty() && self.pos >= self.lines.len() {
            self.diags.error(1, "empty document: expected `# title`");
        }
        let version = self.version();
        let mut sections = Vec::new();
        while let Some(line) = self.peek() {
            let n = self.line_no();
            match line {
                Line::Blank | Line::Rule => self.pos += 1,
                Line::Section(name) if name == ERROR_CODES_HEADING => {
                    self.pos += 1;
                    sections.push(Section::ErrorCodes(self.error_codes(n)));
                }
                Line::Section(name) if name == AUTH_HEADING => {
                    self.pos += 1;
                    if let Some(first) = sections.iter().find_map(|s| match s {
                        Section::Auth(a) => Some(a.line),
                        _ => None,
                    }) {
                        self.diags.error(n, format!("`## {AUTH_HEADING}` is already given on line {first}"));
                    }
                    sections.push(Section::Auth(self.auth(n)));
                }
                Line::Section(name) => {
                    let name = name.to_string();
                    self.pos += 1;
                    sections.push(Section::Group(self.group(name, n)));
                }
                Line::Title(_) => {
                    self.diags.error(n, "a second `# title`: a document has one title");
                    self.pos += 1;
                }
                Line::Operation(_) => {
                    self.diags.error(n, "operation `###` outside a `##` group");
                    // Parse it anyway so its own problems are reported too.
                    self.group(String::new(), n);
                }
                Line::Sub(s) => {
                    self.diags.error(n, format!("`#### {s}` outside an operation"));
                    self.pos += 1;
                }
                Line::Text(t) => {
                    self.diags.error(n, format!("unexpected text outside an operation: `{t}`"));
                    self.pos += 1;
                }
            }
        }
        Doc { title, version, sections }
    }

    /// `版本: X.Y.Z`, if it is the first line after the title.
    fn version(&mut self) -> Option<Located<String>> {
        while let Some(Line::Blank) = self.peek() {
            self.pos += 1;
        }
        let Some(Line::Text(t)) = self.peek() else { return None };
        let rest = t.strip_prefix(VERSION_LABEL)?.trim_start();
        let value = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))?.trim().to_string();
        let line = self.line_no();
        self.pos += 1;
        if !valid_version(&value) {
            self.diags.error(
                line,
                format!(
                    "version `{value}`: expected `{VERSION_LABEL}: MAJOR.MINOR.PATCH`, e.g. `{VERSION_LABEL}: 1.2.0`"
                ),
            );
        }
        Some(Located { value, line })
    }

    fn group(&mut self, name: String, line: usize) -> Group {
        let mut operations = Vec::new();
        while let Some(l) = self.peek() {
            let n = self.line_no();
            match l {
                Line::Blank | Line::Rule => self.pos += 1,
                Line::Operation(summary) => {
                    let summary = summary.to_string();
                    self.pos += 1;
                    if let Some(op) = self.operation(summary, n) {
                        operations.push(op);
                    }
                }
                Line::Section(_) | Line::Title(_) => break,
                Line::Sub(s) => {
                    self.diags.error(n, format!("`#### {s}` before any `###` operation"));
                    self.pos += 1;
                }
                Line::Text(t) => {
                    self.diags.error(n, format!("unexpected text between operations: `{t}`"));
                    self.pos += 1;
                }
            }
        }
        Group { name, line, operations }
    }

    fn operation(&mut self, summary: String, line: usize) -> Option<Operation> {
        // Description: everything up to the first `####`, blank lines at either end dropped.
        let mut desc: Vec<&str> = Vec::new();
        while let Some(l) = self.peek() {
            match l {
                Line::Blank => desc.push(""),
                Line::Text(_) => desc.push(self.lines[self.pos].trim_end()),
                _ => break,
            }
            self.pos += 1;
        }
        while desc.last() == Some(&"") {
            desc.pop();
        }
        let start = desc.iter().position(|l| !l.is_empty()).unwrap_or(desc.len());
        let description = desc[start..].join("\n");

        let mut seen: [Option<usize>; 8] = [None; 8];
        let mut path = None;
        let mut method = None;
        let mut format = None;
        let mut permission = None;
        let mut request = Vec::new();
        let mut response = Vec::new();
        let mut request_example = None;
        let mut response_example = None;
        while let Some(Line::Sub(sub)) = self.peek() {
            let n = self.line_no();
            let name = sub.trim_end_matches([':', '：']).trim();
            self.pos += 1;
            let Some(idx) = SUBSECTIONS.iter().position(|s| *s == name) else {
                self.diags
                    .error(n, format!("unknown section `#### {sub}` (expected one of {})", SUBSECTIONS.join(", ")));
                self.skip_to_next_heading();
                continue;
            };
            if let Some(first) = seen[idx] {
                self.diags.error(n, format!("`{name}` given twice in one operation (first on line {first})"));
            }
            seen[idx] = Some(n);
            match idx {
                0 => path = self.item(name, n),
                1 => method = self.item(name, n),
                2 => format = self.item(name, n),
                3 => permission = self.item(name, n),
                4 => request = self.tables(name),
                5 => request_example = self.example(name),
                6 => response = self.tables(name),
                _ => response_example = self.example(name),
            }
        }
        // Only a heading that is absent is reported here: one without its item was by `item`.
        for idx in 0..3 {
            if seen[idx].is_none() {
                self.diags.error(line, format!("operation `{summary}` has no `#### {}:`", SUBSECTIONS[idx]));
            }
        }
        if response.is_empty() {
            self.diags.error(line, format!("operation `{summary}` has no 返回参数 table"));
        }
        Some(Operation {
            summary,
            description,
            line,
            path: path?,
            method: method?,
            format: format?,
            permission: permission.map(|p| p.value).unwrap_or_else(|| "无".to_string()),
            request,
            request_example,
            response,
            response_example,
        })
    }

    fn skip_to_next_heading(&mut self) {
        while let Some(Line::Blank | Line::Text(_)) = self.peek() {
            self.pos += 1;
        }
    }

    /// A `- value` list item under a `####` heading.
    fn item(&mut self, section: &str, heading: usize) -> Option<Located<String>> {
        let (what, form) = item_form(section);
        let mut found: Option<Located<String>> = None;
        let mut stray = false;
        while let Some(l) = self.peek() {
            let n = self.line_no();
            match l {
                Line::Blank => {}
                Line::Text(t) => match t.trim().strip_prefix("- ").or(t.trim().strip_prefix("* ")) {
                    Some(v) if found.is_none() => found = Some(Located { value: v.trim().to_string(), line: n }),
                    Some(_) => self.diags.error(n, format!("`{section}` takes one `- value` item")),
                    None => {
                        stray = true;
                        let message = format!("expected the {what} as {form} under `#### {section}:`, found `{t}`");
                        self.diags.error(n, message);
                    }
                },
                _ => break,
            }
            self.pos += 1;
        }
        // A stray line was reported where it stands; the heading adds nothing to that.
        if found.is_none() && !stray {
            self.diags.error(heading, format!("`#### {section}:` has no {what}: expected {form} under it"));
        }
        found
    }

    /// The tables of 请求参数 / 返回参数: the first is unnamed, each later one is headed by `pkg.Type`.
    fn tables(&mut self, section: &str) -> Vec<Table> {
        let mut tables: Vec<Table> = Vec::new();
        let mut pending_name: Option<(String, usize)> = None;
        while let Some(l) = self.peek() {
            let n = self.line_no();
            match l {
                Line::Blank => self.pos += 1,
                Line::Text(t) if t.trim_start().starts_with('|') => {
                    let name = pending_name.take();
                    if tables.is_empty() {
                        if let Some((name, at)) = &name {
                            self.diags.error(
                                *at,
                                format!("`{name}` names the first table of `{section}`, which is the body itself and takes no type name"),
                            );
                        }
                    } else if name.is_none() {
                        self.diags.error(n, format!("a second table in `{section}` needs a `pkg.Type` line above it"));
                    }
                    if let Some(table) = self.table(name.map(|(s, _)| s), ["字段名", "类型", "备注"]) {
                        tables.push(table);
                    }
                }
                Line::Text(t) => {
                    if let Some((prev, at)) = &pending_name {
                        self.diags.error(*at, format!("`{prev}` is not followed by a table"));
                    }
                    pending_name = Some((t.trim().to_string(), n));
                    self.pos += 1;
                }
                _ => break,
            }
        }
        if let Some((name, at)) = pending_name {
            self.diags.error(at, format!("`{name}` is not followed by a table"));
        }
        tables
    }

    /// A pipe table with the given header; returns its rows as fields.
    fn table(&mut self, name: Option<String>, header: [&str; 3]) -> Option<Table> {
        let line = self.line_no();
        let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
        while let Some(Line::Text(t)) = self.peek() {
            if !t.trim_start().starts_with('|') {
                break;
            }
            rows.push((self.line_no(), split_row(t)));
            self.pos += 1;
        }
        let mut rows = rows.into_iter();
        let (_, head) = rows.next()?;
        if head.iter().map(String::as_str).ne(header.iter().copied()) {
            self.diags
                .error(line, format!("table header must be `|{}|`, found `|{}|`", header.join("|"), head.join("|")));
            return None;
        }
        match rows.next() {
            Some((_, sep)) if sep.len() == 3 && sep.iter().all(|c| is_separator(c)) => {}
            _ => {
                self.diags.error(line + 1, "table header must be followed by `|---|---|---|`");
                return None;
            }
        }
        let mut fields = Vec::new();
        for (n, cells) in rows {
            if cells.len() != 3 {
                self.diags.error(n, format!("table row has {} cells, expected 3", cells.len()));
                if cells.len() < 2 {
                    continue;
                }
                // Keep the row's name and type, so later checks do not report its absence too.
            }
            let mut cells = cells.into_iter();
            let (name, go_type) = (cells.next()?, cells.next()?);
            let note = cells.next().unwrap_or_default();
            fields.push(Field { name, go_type, note, line: n });
        }
        Some(Table { name, line, fields })
    }

    /// A fenced block under 请求示例 / 返回示例, or nothing.
    fn example(&mut self, section: &str) -> Option<Example> {
        let mut found = None;
        while let Some(l) = self.peek() {
            let n = self.line_no();
            match l {
                Line::Blank => self.pos += 1,
                Line::Text(t) if t.trim_start().starts_with("```") => {
                    self.pos += 1;
                    let start = self.pos;
                    while self.pos < self.lines.len() && !self.lines[self.pos].trim_start().starts_with("```") {
                        self.pos += 1;
                    }
                    if self.pos >= self.lines.len() {
                        self.diags.error(n, format!("the code block of `{section}` is never closed"));
                    }
                    let text = self.lines[start..self.pos].join("\n");
                    self.pos += 1;
                    if found.is_some() {
                        self.diags.error(n, format!("`{section}` has more than one code block"));
                    } else {
                        found = Some(Example { text, line: start + 1 });
                    }
                }
                Line::Text(t) => {
                    self.diags.error(n, format!("unexpected text under `{section}` (expected a ``` block): `{t}`"));
                    self.pos += 1;
                }
                _ => break,
            }
        }
        found
    }

    /// `## 错误码列表`: one `|错误码|错误信息|备注|` table.
    fn error_codes(&mut self, heading: usize) -> Vec<ErrorCode> {
        let mut codes = Vec::new();
        let mut had_table = false;
        while let Some(l) = self.peek() {
            let n = self.line_no();
            match l {
                Line::Blank | Line::Rule => self.pos += 1,
                Line::Text(t) if t.trim_start().starts_with('|') && !had_table => {
                    had_table = true;
                    let Some(table) = self.table(None, ["错误码", "错误信息", "备注"]) else {
                        continue;
                    };
                    for f in table.fields {
                        match f.name.trim().parse::<i64>() {
                            Ok(code) => codes.push(ErrorCode { code, name: f.go_type, note: f.note, line: f.line }),
                            Err(_) => self.diags.error(f.line, format!("error code `{}` is not an integer", f.name)),
                        }
                    }
                }
                Line::Text(t) => {
                    self.diags.error(n, format!("unexpected text in `{ERROR_CODES_HEADING}`: `{t}`"));
                    self.pos += 1;
                }
                _ => break,
            }
        }
        if !had_table {
            self.diags.error(heading, format!("`{ERROR_CODES_HEADING}` has no `|错误码|错误信息|备注|` table"));
        }
        codes
    }
}

impl Parser<'_, '_> {
    /// `## 认证方式`: one `|参数名|位置|备注|` table, then maybe `#### 无需认证:` and its items.
    fn auth(&mut self, heading: usize) -> Auth {
        let mut credentials = Vec::new();
        let mut public = Vec::new();
        let mut had_table = false;
        while let Some(l) = self.peek() {
            let n = self.line_no();
            match l {
                Line::Blank => self.pos += 1,
                Line::Text(t) if t.trim_start().starts_with('|') && !had_table => {
                    had_table = true;
                    let Some(table) = self.table(None, ["参数名", "位置", "备注"]) else {
                        continue;
                    };
                    for f in table.fields {
                        if !CREDENTIAL_LOCATIONS.contains(&f.go_type.as_str()) {
                            self.diags.error(
                                f.line,
                                format!(
                                    "`{}` is not a 位置: expected one of {}",
                                    f.go_type,
                                    CREDENTIAL_LOCATIONS.join(", ")
                                ),
                            );
                        }
                        let name_ok = !f.name.is_empty()
                            && f.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
                        if !name_ok {
                            self.diags.error(f.line, format!("`{}` is not a header, cookie or parameter name", f.name));
                        }
                        credentials.push(Credential { name: f.name, location: f.go_type, note: f.note, line: f.line });
                    }
                }
                Line::Sub(sub) if sub.trim_end_matches([':', '：']).trim() == PUBLIC_HEADING && public.is_empty() => {
                    self.pos += 1;
                    public = self.items(PUBLIC_HEADING, n);
                }
                Line::Sub(sub) => {
                    self.diags.error(
                        n,
                        format!("unexpected `#### {sub}` in `{AUTH_HEADING}` (expected `#### {PUBLIC_HEADING}:`)"),
                    );
                    self.pos += 1;
                    self.skip_to_next_heading();
                }
                Line::Text(t) => {
                    self.diags.error(n, format!("unexpected text in `{AUTH_HEADING}`: `{t}`"));
                    self.pos += 1;
                }
                _ => break,
            }
        }
        if !had_table || credentials.is_empty() {
            self.diags.error(heading, format!("`{AUTH_HEADING}` has no `|参数名|位置|备注|` table with a row"));
        }
        Auth { line: heading, credentials, public }
    }

    /// The `- value` items under a `####` heading (at least one).
    fn items(&mut self, section: &str, heading: usize) -> Vec<Located<String>> {
        let mut found = Vec::new();
        while let Some(l) = self.peek() {
            let n = self.line_no();
            match l {
                Line::Blank => {}
                Line::Text(t) => match t.trim().strip_prefix("- ").or(t.trim().strip_prefix("* ")) {
                    Some(v) => found.push(Located { value: v.trim().to_string(), line: n }),
                    None => self.diags.error(n, format!("expected `- value` under `{section}`, found `{t}`")),
                },
                _ => break,
            }
            self.pos += 1;
        }
        if found.is_empty() {
            self.diags.error(heading, format!("`{section}` has no `- value` item"));
        }
        found
    }
}

/// What the one-item section `section` holds, and how its line is written, for messages.
fn item_form(section: &str) -> (&'static str, String) {
    match section {
        "请求URL" => ("path", "a line `- /path`".to_string()),
        "请求方式" => ("method", method_line()),
        "请求格式" => ("format", format!("a line `- json` (one of {})", FORMATS.join(", "))),
        _ => ("permission", "a line `- 无` or `- <permission name>`".to_string()),
    }
}

fn is_separator(cell: &str) -> bool {
    let c = cell.trim().trim_start_matches(':').trim_end_matches(':');
    !c.is_empty() && c.chars().all(|c| c == '-')
}

/// Splits `|a|b\|c|d|` into `["a", "b|c", "d"]`.
pub fn split_row(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').filter(|s| !s.ends_with('\\')).unwrap_or(t);
    let mut cells = vec![String::new()];
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

/// The inverse of [`split_row`] for one cell.
pub fn escape_cell(cell: &str) -> String {
    cell.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Doc {
        let mut d = Diagnostics::new("t.md");
        let doc = parse(text, &mut d);
        assert!(d.items.is_empty(), "{d}");
        doc
    }

    fn parse_err(text: &str) -> String {
        let mut d = Diagnostics::new("t.md");
        parse(text, &mut d);
        d.finish(()).unwrap_err().to_string()
    }

    const OP: &str = "# T\n\n## G\n\n### Op\n\ndesc line\n\n#### 请求URL:\n- /a/b\n\n#### 请求方式:\n- POST\n\n#### 请求格式:\n- json\n\n#### 所需权限:\n- 无\n\n#### 请求参数:\n\n|字段名|类型|备注|\n|---|---|---|\n|x|a.B|note \\| pipe|\n\n\na.B\n\n|字段名|类型|备注|\n|---|---|---|\n|y|int||\n\n#### 请求示例:\n\n```\n{}\n```\n\n#### 返回参数:\n\n|字段名|类型|备注|\n|---|---|---|\n|code|int||\n\n#### 返回示例:\n\n\n------\n";

    #[test]
    fn reads_an_operation_with_lines() {
        let doc = parse_ok(OP);
        assert_eq!(doc.title, "T");
        let Section::Group(g) = &doc.sections[0] else { panic!() };
        let op = &g.operations[0];
        assert_eq!(op.description, "desc line");
        assert_eq!(op.path, Located { value: "/a/b".into(), line: 10 });
        assert_eq!(op.method.value, "POST");
        assert_eq!(op.request.len(), 2);
        assert_eq!(op.request[0].fields[0].note, "note | pipe");
        assert_eq!(op.request[1].name.as_deref(), Some("a.B"));
        assert_eq!(op.request[1].fields[0].line, 32);
        assert_eq!(op.request_example.as_ref().unwrap().text, "{}");
        assert_eq!(op.request_example.as_ref().unwrap().line, 37);
        assert!(op.response_example.is_none());
    }

    #[test]
    fn split_row_handles_escapes_and_empty_cells() {
        assert_eq!(split_row("|a|b\\|c||"), vec!["a", "b|c", ""]);
        assert_eq!(split_row("| a | []int |  |"), vec!["a", "[]int", ""]);
    }

    #[test]
    fn missing_method_is_reported_at_the_operation() {
        let text = OP.replace("#### 请求方式:\n- POST\n", "");
        assert_eq!(parse_err(&text), "t.md:5: operation `Op` has no `#### 请求方式:`\n");
    }

    #[test]
    fn wrong_cell_count_names_the_row() {
        let text = OP.replace("|y|int||", "|y|int|");
        assert_eq!(parse_err(&text), "t.md:32: table row has 2 cells, expected 3\n");
    }

    #[test]
    fn unnamed_second_table_is_an_error() {
        let text = OP.replace("\na.B\n", "\n\n");
        assert!(parse_err(&text).starts_with("t.md:30: a second table in `请求参数` needs"), "{}", parse_err(&text));
    }

    #[test]
    fn unclosed_fence_and_unknown_section() {
        let text = OP.replace("#### 所需权限:", "#### 权限:");
        assert!(parse_err(&text).contains("t.md:18: unknown section `#### 权限:`"));
        let text = OP.replace("```\n{}\n```\n", "```\n{}\n");
        assert!(parse_err(&text).contains("is never closed"));
    }

    #[test]
    fn error_code_table() {
        let doc = parse_ok(
            "# T\n\n## 错误码列表\n\n|错误码|错误信息|备注|\n|---|---|---|\n|10101|unauthorized|HTTP 401: no token|\n",
        );
        assert_eq!(
            doc.sections,
            vec![Section::ErrorCodes(vec![ErrorCode {
                code: 10101,
                name: "unauthorized".into(),
                note: "HTTP 401: no token".into(),
                line: 7
            }])]
        );
        assert!(parse_err("# T\n\n## 错误码列表\n\n|错误码|错误信息|备注|\n|---|---|---|\n|x|a|b|\n")
            .contains("t.md:7: error code `x` is not an integer"));
    }
}
