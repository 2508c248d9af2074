//! The types of a generated interface: structs whose schemas, as schemars derives them and
//! dropshot renders them, say what the doc's spec says (serde renames, `schema_with` for enums,
//! `range` for sized integers, a lone `allOf` that keeps a query parameter's default), the
//! response headers the overlay adds, and the few helpers those need, each written once and only
//! when used.

use std::collections::{BTreeSet, HashMap, VecDeque};

use serde_json::{json, Value};

use super::rust::{self, Names};
use crate::gotype::{self, GoType, IntKind};

/// Where a field sits, which decides how it is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Of a request body, or of a type only requests use: optional, Go's zero value by default.
    Optional,
    /// Of a response, or of a type responses use: always present.
    Required,
    /// A query parameter: optional, with its default where dropshot keeps it.
    Query,
    /// A part of a form-data body: as `Optional`, and a file part is a `FormFile`.
    Form,
}

/// One row of a table, as the spec has it.
pub struct FieldIn<'a> {
    pub name: &'a str,
    pub schema: &'a Value,
    /// The description, when the spec keeps it beside the schema (a query parameter's).
    pub description: Option<&'a str>,
}

/// A field the module leaves out, and why: what dropshot or schemars cannot say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub field: String,
    pub reason: String,
}

/// What a module may need besides its structs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Helper {
    Present,
    QueryZeroDefault,
    QueryParameter,
    IsZero,
    DateTime,
    Base64,
    FormFile,
}

/// One enum of the doc (its values and labels), written as a `…_VALUES` constant.
struct Enum {
    key: String,
    base: String,
    elem: String,
    values: Vec<Value>,
    labels: Vec<String>,
    about: String,
}

/// The items of a module in the making.
pub struct Module<'s> {
    spec: &'s Value,
    names: Names,
    /// Component name → Rust type name.
    components: HashMap<String, String>,
    /// `pkg.Type` → component name.
    by_go_name: HashMap<String, String>,
    queue: VecDeque<String>,
    queued: BTreeSet<String>,
    items: Vec<String>,
    enums: Vec<Enum>,
    enum_names: Names,
    schema_fns: Vec<(String, String)>,
    helpers: BTreeSet<Helper>,
    helper_names: HashMap<Helper, String>,
    uses: BTreeSet<String>,
    /// Fields of named types left out, by `pkg.Type`.
    pub component_gaps: Vec<(String, LeftOut)>,
    /// The shared bare-envelope response type, once written.
    envelope: Option<String>,
    /// `pub const` items that go before the trait (body limits).
    constants: Vec<String>,
}

/// Go's `encoding/json` zero `time.Time`, the default of a `time.Time` request field.
const ZERO_TIME: &str = gotype::ZERO_TIME;

impl<'s> Module<'s> {
    /// A module for the types of `spec`; `reserved` are names its items must not take.
    pub fn new(spec: &'s Value, reserved: &[&str]) -> Self {
        let mut names = Names::with_reserved(reserved);
        let mut components = HashMap::new();
        let mut by_go_name = HashMap::new();
        // The doc's types first: their names are the schema names the contract check looks for.
        for (name, schema) in spec["components"]["schemas"].as_object().into_iter().flatten() {
            if name == crate::to_spec::ERROR_SCHEMA {
                continue;
            }
            components.insert(name.clone(), names.claim(&rust::pascal(name)));
            if let Some(go) = schema["x-go-name"].as_str() {
                by_go_name.insert(go.to_string(), name.clone());
            }
        }
        Module {
            spec,
            names,
            components,
            by_go_name,
            queue: VecDeque::new(),
            queued: BTreeSet::new(),
            items: Vec::new(),
            enums: Vec::new(),
            enum_names: Names::default(),
            schema_fns: Vec::new(),
            helpers: BTreeSet::new(),
            helper_names: HashMap::new(),
            uses: BTreeSet::new(),
            component_gaps: Vec::new(),
            envelope: None,
            constants: Vec::new(),
        }
    }

    /// The bare-envelope response type, if written.
    pub fn envelope(&self) -> Option<String> {
        self.envelope.clone()
    }

    pub fn set_envelope(&mut self, name: &str) {
        self.envelope = Some(name.to_string());
    }

    /// A constant the trait uses (`POST_TASK_BODY_MAX_BYTES`).
    pub fn add_constant(&mut self, item: String) {
        self.constants.push(item);
    }

    /// The constants, in the order added.
    pub fn take_constants(&mut self) -> Vec<String> {
        std::mem::take(&mut self.constants)
    }

    /// Records an import (`dropshot::HttpResponseOk`).
    pub fn import(&mut self, path: &str) {
        self.uses.insert(path.to_string());
    }

    /// The imports, grouped by their path (`use dropshot::{A, B};`), in rustfmt's order: by
    /// segment, a module's name before a type's.
    pub fn imports(&self) -> Vec<String> {
        let mut paths: Vec<&String> = self.uses.iter().collect();
        paths.sort_by_key(|p| p.split("::").map(|s| (s.starts_with(char::is_uppercase), s)).collect::<Vec<_>>());
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for path in paths {
            let (prefix, name) = path.rsplit_once("::").unwrap_or(("", path));
            match groups.iter_mut().find(|(p, _)| p == prefix) {
                Some((_, names)) => names.push(name.to_string()),
                None => groups.push((prefix.to_string(), vec![name.to_string()])),
            }
        }
        groups
            .into_iter()
            .map(|(prefix, names)| match names.as_slice() {
                [one] => format!("use {prefix}::{one};"),
                _ => format!("use {prefix}::{{{}}};", names.join(", ")),
            })
            .collect()
    }

    /// A name for a type of the module's own (`PutTaskStatusRequest`, `Envelope`).
    pub fn claim(&mut self, base: &str) -> String {
        self.names.claim(base)
    }

    /// Writes a struct with the given fields; returns the fields it had to leave out. Its `Debug`
    /// prints no `redact`ed field.
    pub fn write_struct(
        &mut self,
        name: &str,
        about: &str,
        fields: &[FieldIn],
        place: Place,
        schema_name: Option<&str>,
        redact: &[String],
    ) -> Vec<LeftOut> {
        self.import("serde::Deserialize");
        self.import("serde::Serialize");
        self.import("schemars::JsonSchema");
        let debug = if redact.is_empty() { "Debug, " } else { "" };
        let mut out =
            format!("/// {about}\n#[derive({debug}Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]\n");
        if place != Place::Required {
            // Go reads a missing field as its zero value.
            out.push_str("#[serde(default)]\n");
        }
        if let Some(schema_name) = schema_name.filter(|s| *s != name) {
            out.push_str(&format!("#[schemars(rename = {})]\n", rust::str_lit(schema_name)));
        }
        let mut field_names = Names::default();
        let mut body = String::new();
        let mut left_out = Vec::new();
        let mut written = Vec::new();
        for f in fields {
            match self.field(f, place, &mut field_names) {
                Ok((text, ident)) => {
                    body.push_str(&text);
                    written.push((f.name.to_string(), ident));
                }
                Err(reason) => {
                    body.push_str(&format!("    // `{}` is left out: {reason}.\n", f.name));
                    left_out.push(LeftOut { field: f.name.to_string(), reason });
                }
            }
        }
        if body.is_empty() {
            out.push_str(&format!("pub struct {name} {{}}\n"));
        } else {
            out.push_str(&format!("pub struct {name} {{\n{body}}}\n"));
        }
        if !redact.is_empty() {
            out.push_str(&redacted_debug(name, &written, redact));
        }
        self.items.push(out);
        left_out
    }

    /// Writes the struct of an operation's response headers: each a `String` field renamed to the
    /// header's name, its description as the field's doc comment (dropshot's spec shows it).
    pub fn write_headers(&mut self, name: &str, about: &str, headers: &[super::overlay::Header]) {
        self.import("serde::Serialize");
        self.import("schemars::JsonSchema");
        let mut field_names = Names::default();
        let mut body = String::new();
        for h in headers {
            let header = h.name.get_ref();
            let ident = field_names.claim(&rust::snake(header));
            for line in h.description.lines() {
                body.push_str(&format!("    /// {line}\n"));
            }
            body.push_str(&format!("    #[serde(rename = {})]\n    pub {ident}: String,\n", rust::str_lit(header)));
        }
        self.items.push(format!(
            "/// {about}\n#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]\npub struct {name} {{\n{body}}}\n"
        ));
    }

    /// Writes every named type the written structs use, and the types those use.
    pub fn write_components(&mut self) {
        while let Some(component) = self.queue.pop_front() {
            let schema = &self.spec["components"]["schemas"][&component];
            let go_name = schema["x-go-name"].as_str().unwrap_or(&component).to_string();
            let place = match schema["required"].as_array() {
                Some(r) if !r.is_empty() => Place::Required,
                _ if schema["properties"].as_object().is_some_and(|p| !p.is_empty()) => Place::Optional,
                _ => Place::Required,
            };
            let fields = fields_of(schema);
            let name = self.components[&component].clone();
            let about = format!("`{go_name}` in the doc.");
            for gap in self.write_struct(&name, &about, &fields, place, Some(&component), &[]) {
                self.component_gaps.push((go_name.clone(), gap));
            }
        }
    }

    /// The items after the trait: structs in the order first used, then enums, then helpers.
    pub fn items(&mut self) -> Vec<String> {
        let mut items = std::mem::take(&mut self.items);
        for e in &self.enums {
            let list: Vec<String> = e.values.iter().map(|v| rust::scalar_lit(v, &e.elem)).collect();
            let labels: Vec<String> = e
                .values
                .iter()
                .zip(&e.labels)
                .map(|(v, l)| format!("{} {l}", v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                .collect();
            items.push(format!(
                "/// The values of {}: {}.\npub const {}: [{}; {}] = [{}];\n",
                e.about,
                labels.join(", "),
                const_name(&e.base),
                e.elem,
                list.len(),
                list.join(", ")
            ));
        }
        items.extend(self.schema_fns.iter().map(|(_, text)| text.clone()));
        let helpers: Vec<Helper> = self.helpers.iter().copied().collect();
        for h in helpers {
            items.push(self.helper_text(h));
        }
        items
    }

    /// One field's lines and its identifier, or why it cannot be declared.
    fn field(&mut self, f: &FieldIn, place: Place, field_names: &mut Names) -> Result<(String, String), String> {
        let go = self.go_type(f.schema)?;
        let ty = match go {
            GoType::File if place == Place::Form => {
                // Its value is read from the stream; a default would only put `null` in the schema.
                let ty = self.use_helper(Helper::FormFile);
                self.helpers.insert(Helper::IsZero);
                let ident = field_names.claim(&rust::snake(f.name));
                let rename =
                    if ident != f.name { format!("rename = {}, ", rust::str_lit(f.name)) } else { String::new() };
                let description = f.schema["description"].as_str().map_or(String::new(), |d| format!("    /// {d}\n"));
                let text = format!(
                    "{description}    #[serde({rename}skip_serializing_if = \"is_zero\")]\n    pub {ident}: {ty},\n"
                );
                return Ok((text, ident));
            }
            _ => self.rust_type(&go)?,
        };
        let ident = field_names.claim(&rust::snake(f.name));
        let (mut serde, mut schemars) = (Vec::new(), Vec::new());
        if ident != f.name {
            serde.push(format!("rename = {}", rust::str_lit(f.name)));
        }
        let base = match &go {
            GoType::Ptr(t) => t.as_ref(),
            t => t,
        };
        if let Some(values) = f.schema["enum"].as_array() {
            let function = self.enum_schema(f, base, values, place)?;
            schemars.push(format!("schema_with = \"{function}\""));
            if matches!(place, Place::Optional | Place::Form) && f.schema.get("default").is_none() {
                self.helpers.insert(Helper::IsZero);
                serde.push("skip_serializing_if = \"is_zero\"".to_string());
            }
        } else if place == Place::Query {
            if !scalar(&go) {
                return Err(format!(
                    "its type `{}` is not a scalar, and dropshot takes only scalar query parameters \
                     (`validate_named_parameters`); read it from `rqctx.request.uri().query()`",
                    self.spelling(f.schema)
                ));
            }
            self.use_helper(Helper::QueryZeroDefault);
            schemars.push(format!("schema_with = \"query_zero_default::<{ty}>\""));
        } else {
            if place == Place::Required && ty.starts_with("Option<") {
                self.use_helper(Helper::Present);
                schemars.push(format!("schema_with = \"present::<{ty}>\""));
            }
            if let (GoType::Int(_), Some(lo), Some(hi)) = (base, f.schema.get("minimum"), f.schema.get("maximum")) {
                // schemars casts the bounds `as f64`; an untyped literal must fit an `i32`.
                let bound = |v: &Value| match v.as_i64().and_then(|i| i32::try_from(i).ok()) {
                    Some(i) => i.to_string(),
                    None => rust::f64_lit(v),
                };
                schemars.push(format!("range(min = {}, max = {})", bound(lo), bound(hi)));
            }
        }
        let mut out = String::new();
        let description = f.description.or(f.schema["description"].as_str()).unwrap_or("");
        if !description.is_empty() {
            out.push_str(&format!("    /// {description}\n"));
        }
        if !serde.is_empty() {
            out.push_str(&format!("    #[serde({})]\n", serde.join(", ")));
        }
        if !schemars.is_empty() {
            out.push_str(&format!("    #[schemars({})]\n", schemars.join(", ")));
        }
        out.push_str(&format!("    pub {ident}: {ty},\n"));
        Ok((out, ident))
    }

    fn go_name(&self, component: &str) -> String {
        self.spec["components"]["schemas"][component]["x-go-name"].as_str().unwrap_or(component).to_string()
    }

    /// The Go type a field schema was written as (as `from_spec` reads it back).
    fn spelling(&self, schema: &Value) -> String {
        match schema["x-go-type"].as_str() {
            Some(t) => t.to_string(),
            None => gotype::spelling_of(schema, &|c| self.go_name(c)),
        }
    }

    fn go_type(&self, schema: &Value) -> Result<GoType, String> {
        gotype::parse(&self.spelling(schema))
    }

    /// The Rust type that marshals as the Go type does.
    fn rust_type(&mut self, t: &GoType) -> Result<String, String> {
        Ok(match t {
            GoType::Bool => "bool".into(),
            GoType::String => "String".into(),
            GoType::Int(k) => int_type(*k).into(),
            GoType::Float32 => "f32".into(),
            GoType::Float64 => "f64".into(),
            GoType::Time => self.use_helper(Helper::DateTime),
            GoType::Any => "serde_json::Value".into(),
            GoType::File => return Err("a 表单文件 is a part of a form-data body, not a JSON value".into()),
            GoType::Slice(e) if matches!(**e, GoType::Int(IntKind { format: "uint8", .. })) => {
                format!("Option<{}>", self.use_helper(Helper::Base64))
            }
            GoType::Slice(e) => format!("Option<Vec<{}>>", self.rust_type(e)?),
            // serde reads and writes arrays of up to 32 items only.
            GoType::Array(n, e) if *n <= 32 => format!("[{}; {n}]", self.rust_type(e)?),
            GoType::Array(_, e) => format!("Vec<{}>", self.rust_type(e)?),
            GoType::Ptr(e) if e.nullable() => self.rust_type(e)?,
            GoType::Ptr(e) => format!("Option<{}>", self.rust_type(e)?),
            GoType::Map(v) => {
                self.import("std::collections::BTreeMap");
                format!("Option<BTreeMap<String, {}>>", self.rust_type(v)?)
            }
            GoType::Named(go_name) => {
                let component = self.by_go_name.get(go_name).cloned().unwrap_or_else(|| go_name.clone());
                let rust = self.components.get(&component).cloned().ok_or(format!("no table for `{go_name}`"))?;
                if self.queued.insert(component.clone()) {
                    self.queue.push_back(component);
                }
                rust
            }
        })
    }

    /// The `schema_with` function of an enum field, written on first use.
    fn enum_schema(&mut self, f: &FieldIn, base: &GoType, values: &[Value], place: Place) -> Result<String, String> {
        let elem = match base {
            GoType::Int(k) => int_type(*k),
            GoType::String => "&str",
            GoType::Float32 | GoType::Float64 => "f64",
            GoType::Bool => "bool",
            _ => return Err(format!("an enum of `{}` has no Rust constant", self.spelling(f.schema))),
        };
        let labels: Vec<String> = f.schema["x-enum-labels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l.as_str())
            .map(String::from)
            .collect();
        let key = json!([elem, values, labels]).to_string();
        let base_name = match self.enums.iter().find(|e| e.key == key) {
            Some(e) => e.base.clone(),
            None => {
                let base_name = self.enum_names.claim(rust::snake(f.name).trim_end_matches('_'));
                let description = f.description.or(f.schema["description"].as_str()).unwrap_or("");
                let about = match description {
                    "" => format!("`{}`", f.name),
                    d => format!("`{}` ({d})", f.name),
                };
                let values = values.to_vec();
                self.enums.push(Enum { key, base: base_name.clone(), elem: elem.into(), values, labels, about });
                base_name
            }
        };
        let nullable = f.schema["nullable"] == json!(true);
        let query = place == Place::Query;
        let name = format!(
            "{base_name}{}{}_schema",
            if nullable { "_nullable" } else { "" },
            if query { "_query" } else { "" }
        );
        if !self.schema_fns.iter().any(|(n, _)| *n == name) {
            let text = self.enum_schema_text(&name, &base_name, f, nullable, query);
            self.schema_fns.push((name.clone(), text));
        }
        Ok(name)
    }

    /// `fn status_schema(_) -> Schema`: the doc's schema of the field, as `server/api` writes it.
    fn enum_schema_text(&mut self, name: &str, base: &str, f: &FieldIn, nullable: bool, query: bool) -> String {
        for path in ["schemars::gen::SchemaGenerator", "schemars::schema::Schema", "schemars::schema::SchemaObject"] {
            self.import(path);
        }
        self.import("schemars::schema::InstanceType");
        let s = f.schema;
        let mut lines = Vec::new();
        if query {
            if let Some(default) = s.get("default") {
                self.import("schemars::schema::Metadata");
                let lit = match default {
                    Value::Null => "serde_json::Value::Null".to_string(),
                    Value::Number(n) if n.is_f64() => format!("{}.into()", rust::f64_lit(default)),
                    v => format!("{v}.into()"),
                };
                lines.push(format!(
                    "metadata: Some(Box::new(Metadata {{ default: Some({lit}), ..Default::default() }})),"
                ));
            }
        }
        let instance = match s["type"].as_str() {
            Some("integer") => "Integer",
            Some("number") => "Number",
            Some("boolean") => "Boolean",
            _ => "String",
        };
        lines.push(format!("instance_type: Some(InstanceType::{instance}.into()),"));
        if let Some(format) = s["format"].as_str() {
            lines.push(format!("format: Some({}.to_owned()),", rust::str_lit(format)));
        }
        let bound = |key: &str| s.get(key).map_or("None".to_string(), |v| format!("Some({})", rust::f64_lit(v)));
        if s.get("minimum").is_some() || s.get("maximum").is_some() {
            self.import("schemars::schema::NumberValidation");
            let (lo, hi) = (bound("minimum"), bound("maximum"));
            let one = format!(
                "number: Some(Box::new(NumberValidation {{ minimum: {lo}, maximum: {hi}, ..Default::default() }})),"
            );
            if one.len() + 8 <= 120 {
                lines.push(one);
            } else {
                lines.push(format!(
                    "number: Some(Box::new(NumberValidation {{\n            minimum: {lo},\n            \
                     maximum: {hi},\n            ..Default::default()\n        }})),"
                ));
            }
        }
        lines.push(format!("enum_values: Some({}.iter().map(|&v| v.into()).collect()),", const_name(base)));
        if nullable {
            lines.push("extensions: [(\"nullable\".to_owned(), true.into())].into_iter().collect(),".into());
        }
        lines.push("..Default::default()".into());
        let body: String = lines.iter().map(|l| format!("        {l}\n")).collect();
        let what = format!("the doc's enum{}", if nullable { ", or null" } else { "" });
        let kind = s["format"].as_str().or(s["type"].as_str()).unwrap_or("string");
        let (what, open, close) = if query {
            self.use_helper(Helper::QueryParameter);
            (
                format!("the query parameter `{}`: {kind} restricted to {what}", f.name),
                "query_parameter(SchemaObject {",
                "})",
            )
        } else {
            (format!("`{}`: {kind} restricted to {what}", f.name), "SchemaObject {", "}\n    .into()")
        };
        format!("/// The schema of {what}.\nfn {name}(_: &mut SchemaGenerator) -> Schema {{\n    {open}\n{body}    {close}\n}}\n")
    }

    /// Marks a helper as used; its name (for the two types among them).
    fn use_helper(&mut self, h: Helper) -> String {
        self.helpers.insert(h);
        if h == Helper::QueryZeroDefault {
            self.helpers.insert(Helper::QueryParameter);
        }
        let base = match h {
            Helper::DateTime => "DateTime",
            Helper::Base64 => "Base64",
            Helper::FormFile => "FormFile",
            _ => return String::new(),
        };
        if let Some(name) = self.helper_names.get(&h) {
            return name.clone();
        }
        let name = self.names.claim(base);
        self.helper_names.insert(h, name.clone());
        name
    }

    fn helper_text(&mut self, h: Helper) -> String {
        if h != Helper::IsZero {
            self.import("schemars::gen::SchemaGenerator");
            self.import("schemars::schema::Schema");
        }
        match h {
            Helper::Present => PRESENT.to_string(),
            Helper::QueryZeroDefault => {
                self.import("serde::Serialize");
                QUERY_ZERO_DEFAULT.to_string()
            }
            Helper::QueryParameter => {
                self.import("schemars::schema::SchemaObject");
                self.import("schemars::schema::SubschemaValidation");
                QUERY_PARAMETER.to_string()
            }
            Helper::IsZero => IS_ZERO.to_string(),
            Helper::FormFile => {
                self.import("schemars::schema::SchemaObject");
                self.import("schemars::schema::InstanceType");
                let name = self.helper_names[&h].clone();
                format!(
                    "/// A file part of a form-data body (`表单文件`): its bytes are read from the body's stream, so\n\
                     /// this type only gives the part's schema, a binary string.\n\
                     #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]\n\
                     pub struct {name};\n\n\
                     impl JsonSchema for {name} {{\n    fn schema_name() -> String {{\n        \
                     {}.to_owned()\n    }}\n\n    // Inline, as the doc's spec has it.\n    \
                     fn is_referenceable() -> bool {{\n        false\n    }}\n\n    \
                     fn json_schema(_: &mut SchemaGenerator) -> Schema {{\n        SchemaObject {{\n            \
                     instance_type: Some(InstanceType::String.into()),\n            format: Some(\"binary\".to_owned()),\n            \
                     ..Default::default()\n        }}\n        .into()\n    }}\n}}\n",
                    rust::str_lit(&name)
                )
            }
            Helper::DateTime | Helper::Base64 => {
                self.import("schemars::schema::SchemaObject");
                self.import("schemars::schema::InstanceType");
                let name = self.helper_names[&h].clone();
                let (about, format, default) = match h {
                    Helper::DateTime => (
                        "A Go `time.Time`: RFC 3339 text; Go's zero time when a request leaves it out.",
                        "date-time",
                        format!(
                            "\nimpl Default for {name} {{\n    fn default() -> Self {{\n        \
                             {name}({}.to_owned())\n    }}\n}}\n",
                            rust::str_lit(ZERO_TIME)
                        ),
                    ),
                    _ => ("A Go `[]byte`: base64 text (a nil slice is the `None` around it).", "byte", String::new()),
                };
                let derive_default = if default.is_empty() { "Default, " } else { "" };
                format!(
                    "/// {about}\n#[derive(Debug, Clone, {derive_default}PartialEq, Eq, Serialize, Deserialize)]\n\
                     #[serde(transparent)]\npub struct {name}(pub String);\n{default}\n\
                     impl JsonSchema for {name} {{\n    fn schema_name() -> String {{\n        \
                     {}.to_owned()\n    }}\n\n    // Inline, as the doc's spec has it.\n    \
                     fn is_referenceable() -> bool {{\n        false\n    }}\n\n    \
                     fn json_schema(_: &mut SchemaGenerator) -> Schema {{\n        SchemaObject {{\n            \
                     instance_type: Some(InstanceType::String.into()),\n            format: Some({}.to_owned()),\n            \
                     ..Default::default()\n        }}\n        .into()\n    }}\n}}\n",
                    rust::str_lit(&name),
                    rust::str_lit(format)
                )
            }
        }
    }
}

/// The rows of an object schema, in order.
pub fn fields_of(schema: &Value) -> Vec<FieldIn<'_>> {
    schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, schema)| FieldIn { name, schema, description: None })
        .collect()
}

fn const_name(base: &str) -> String {
    format!("{}_VALUES", rust::upper_snake(base))
}

fn int_type(k: IntKind) -> &'static str {
    match (k.signed, k.bits) {
        (true, 8) => "i8",
        (true, 16) => "i16",
        (true, 32) => "i32",
        (true, _) => "i64",
        (false, 8) => "u8",
        (false, 16) => "u16",
        (false, 32) => "u32",
        (false, _) => "u64",
    }
}

/// Whether dropshot takes a value of this type as a query parameter.
fn scalar(t: &GoType) -> bool {
    match t {
        GoType::Bool | GoType::String | GoType::Int(_) | GoType::Float32 | GoType::Float64 | GoType::Time => true,
        GoType::Slice(e) => matches!(**e, GoType::Int(IntKind { format: "uint8", .. })),
        GoType::Ptr(e) => scalar(e),
        _ => false,
    }
}

/// `impl Debug` for a struct that prints every field but the `redact`ed ones (whose names the
/// overlay checked are the struct's).
fn redacted_debug(name: &str, written: &[(String, String)], redact: &[String]) -> String {
    let mut shown = String::new();
    for (field, ident) in written {
        if !redact.contains(field) {
            shown.push_str(&format!(".field({}, &self.{ident})", rust::str_lit(field)));
        }
    }
    let hidden: Vec<String> = redact.iter().map(|r| format!("`{r}`")).collect();
    format!(
        "\nimpl std::fmt::Debug for {name} {{\n    // Never prints {}, not even in a debug log.\n    \
         fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        \
         f.debug_struct({}){shown}.finish_non_exhaustive()\n    }}\n}}\n",
        hidden.join(", "),
        rust::str_lit(name)
    )
}

const PRESENT: &str = "\
/// The schema of `T` for a field that is always present, `null` or not: schemars lists a field
/// declared with `schema_with` as required, even when it is an `Option`.
fn present<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}
";

const QUERY_ZERO_DEFAULT: &str = "\
/// The schema of a query parameter of type `T` whose default is Go's zero value, `T::default()`.
fn query_zero_default<T: JsonSchema + Default + Serialize>(generator: &mut SchemaGenerator) -> Schema {
    let mut inner = generator.subschema_for::<T>().into_object();
    inner.metadata().default = serde_json::to_value(T::default()).ok();
    query_parameter(inner)
}
";

const QUERY_PARAMETER: &str = "\
/// A query parameter's schema as dropshot keeps it: dropshot drops the metadata (and so the
/// `default`) of each query parameter's schema, except inside a lone `allOf` around it.
fn query_parameter(inner: SchemaObject) -> Schema {
    let all_of = SubschemaValidation { all_of: Some(vec![inner.into()]), ..Default::default() };
    SchemaObject { subschemas: Some(Box::new(all_of)), ..Default::default() }.into()
}
";

const IS_ZERO: &str = "\
/// Whether a request field holds Go's zero value: where its enum does not allow that value, the
/// schema must not give it as the default, and schemars gives none for a value it would skip.
fn is_zero<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}
";
