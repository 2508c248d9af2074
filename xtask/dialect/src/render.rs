//! [`Doc`] → markdown, in the exact layout the Go generator writes (blank lines included), so that
//! a generated doc survives markdown → spec → markdown byte for byte.

use std::fmt::Write;

use super::model::*;
use super::parse::escape_cell;

pub fn render(doc: &Doc) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", doc.title);
    if let Some(v) = &doc.version {
        let _ = writeln!(out, "{VERSION_LABEL}: {}\n", v.value);
    }
    for section in &doc.sections {
        match section {
            Section::Group(g) => {
                let _ = writeln!(out, "## {}\n", g.name);
                for op in &g.operations {
                    operation(&mut out, op);
                }
            }
            Section::ErrorCodes(codes) => {
                let _ = writeln!(out, "## {ERROR_CODES_HEADING}\n");
                table_rows(
                    &mut out,
                    ["错误码", "错误信息", "备注"],
                    codes.iter().map(|c| [c.code.to_string(), c.name.clone(), c.note.clone()]),
                );
            }
            Section::Auth(auth) => {
                let _ = writeln!(out, "## {AUTH_HEADING}\n");
                table_rows(
                    &mut out,
                    ["参数名", "位置", "备注"],
                    auth.credentials.iter().map(|c| [c.name.clone(), c.location.clone(), c.note.clone()]),
                );
                if !auth.public.is_empty() {
                    let _ = writeln!(out, "\n#### {PUBLIC_HEADING}:");
                    for op in &auth.public {
                        let _ = writeln!(out, "- {}", op.value);
                    }
                }
            }
        }
        out.push_str("\n\n");
    }
    out
}

fn operation(out: &mut String, op: &Operation) {
    let _ = write!(out, "### {}\n\n{}\n\n", op.summary, op.description);
    for (heading, value) in [
        ("请求URL", &op.path.value),
        ("请求方式", &op.method.value),
        ("请求格式", &op.format.value),
        ("所需权限", &op.permission),
    ] {
        let _ = write!(out, "#### {heading}:\n- {value}\n\n");
    }
    out.push_str("#### 请求参数:\n\n\n\n");
    tables(out, &op.request);
    out.push_str("#### 请求示例:\n\n");
    example(out, op.request_example.as_ref());
    out.push_str("\n\n#### 返回参数:\n\n\n\n");
    tables(out, &op.response);
    out.push_str("#### 返回示例:\n\n");
    example(out, op.response_example.as_ref());
    out.push_str("\n\n\n------\n");
}

fn tables(out: &mut String, tables: &[Table]) {
    for t in tables {
        if let Some(name) = &t.name {
            let _ = write!(out, "{name}\n\n");
        }
        table_rows(
            out,
            ["字段名", "类型", "备注"],
            t.fields.iter().map(|f| [f.name.clone(), f.go_type.clone(), f.note.clone()]),
        );
        out.push_str("\n\n");
    }
}

fn table_rows(out: &mut String, header: [&str; 3], rows: impl Iterator<Item = [String; 3]>) {
    let _ = writeln!(out, "|{}|\n|---|---|---|", header.join("|"));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| escape_cell(c)).collect();
        let _ = writeln!(out, "|{}|", cells.join("|"));
    }
}

fn example(out: &mut String, ex: Option<&Example>) {
    if let Some(ex) = ex {
        let _ = write!(out, "```\n{}\n```", ex.text);
    }
}
