//! The document model: what a markdown API doc of the dialect says, before any OpenAPI is involved.
//!
//! Both directions go through it: markdown is parsed into a [`Doc`] and converted to a spec, and a
//! spec is read back into a [`Doc`] and rendered as markdown. Keeping the model this close to the
//! text (Go type spellings, raw notes, raw example text) is what lets the round trip be exact.

/// A whole document: `# title`, then `##` sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub title: String,
    /// `版本: X.Y.Z` under the title: the API's version (the spec's `info.version`), raised by
    /// `cargo xtask release`. A doc without one is version 1.0.0.
    pub version: Option<Located<String>>,
    pub sections: Vec<Section>,
}

impl Doc {
    /// The `##` groups of operations, in the doc's order (the other sections left out).
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.sections.iter().filter_map(|s| match s {
            Section::Group(g) => Some(g),
            Section::ErrorCodes(_) | Section::Auth(_) => None,
        })
    }

    /// Every operation of the doc, in the doc's order.
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.groups().flat_map(|g| &g.operations)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    /// `## name` followed by `###` operations; becomes an OpenAPI tag.
    Group(Group),
    /// `## 错误码列表`: the error-code table.
    ErrorCodes(Vec<ErrorCode>),
    /// `## 认证方式`: who needs a session, and where it travels.
    Auth(Auth),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub line: usize,
    pub operations: Vec<Operation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The `###` heading.
    pub summary: String,
    /// The text between the heading and `#### 请求URL:`.
    pub description: String,
    pub line: usize,
    /// `请求URL`, with the line it stands on.
    pub path: Located<String>,
    /// `请求方式`, upper case as written.
    pub method: Located<String>,
    /// `请求格式`: `query`, `json` or `form-data`.
    pub format: Located<String>,
    /// `所需权限`: `无` or a permission name.
    pub permission: String,
    /// `请求参数`: the parameter table first, then the `pkg.Type` tables it uses.
    pub request: Vec<Table>,
    pub request_example: Option<Example>,
    /// `返回参数`: the response body table first, then the `pkg.Type` tables it uses.
    pub response: Vec<Table>,
    pub response_example: Option<Example>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub line: usize,
}

/// A `|字段名|类型|备注|` table; `name` is the `pkg.Type` heading above it (none for the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: Option<String>,
    pub line: usize,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// The Go type exactly as written (`[]backend.TaskItem`, `表单文件`, …).
    pub go_type: String,
    /// The 备注 cell exactly as written (description, maybe an enum note).
    pub note: String,
    pub line: usize,
}

/// The text between the fences of a 请求示例 / 返回示例 block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub text: String,
    /// The line of the first line inside the fence.
    pub line: usize,
}

/// A row of `|错误码|错误信息|备注|`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: i64,
    pub name: String,
    pub note: String,
    pub line: usize,
}

/// The label of the version line under the title.
pub const VERSION_LABEL: &str = "版本";
/// The version of a doc that states none.
pub const UNSTATED_VERSION: &str = "1.0.0";
/// The `info` key that marks a spec whose doc stated no version (it renders back without one).
pub const UNSTATED_MARKER: &str = "x-version-unstated";

/// Whether `v` is a version the dialect takes: `MAJOR.MINOR.PATCH`, plain numbers.
pub fn valid_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The heading of the error-code section.
pub const ERROR_CODES_HEADING: &str = "错误码列表";

/// `## 认证方式`. With this section, every operation of the doc needs a session — sent as any one
/// of the credentials in its `|参数名|位置|备注|` table — except the operations listed under its
/// `#### 无需认证:` heading, one `- METHOD /path` item each, in the order of the document.
/// Without it, the doc says nothing about sessions. `所需权限` is unrelated: it names a
/// permission, and keeps meaning just that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    pub line: usize,
    pub credentials: Vec<Credential>,
    /// The operations anyone may call, as written (`POST /backend/api/v1/login`).
    pub public: Vec<Located<String>>,
}

/// A row of `|参数名|位置|备注|`: where a session token may travel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The header, cookie or query parameter's name.
    pub name: String,
    /// `header`, `cookie` or `query`.
    pub location: String,
    pub note: String,
    pub line: usize,
}

/// The heading of the authentication section; every `##` heading but these two is a group.
pub const AUTH_HEADING: &str = "认证方式";
/// The `####` heading of the operations that need no session.
pub const PUBLIC_HEADING: &str = "无需认证";
/// Where a credential may travel (OpenAPI's `in` of an `apiKey` scheme).
pub const CREDENTIAL_LOCATIONS: [&str; 3] = ["header", "cookie", "query"];
