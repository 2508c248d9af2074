//! OpenAPI spec → [`Doc`]: the inverse of [`super::to_spec`].
//!
//! A spec made by the converter carries `x-` extensions for whatever OpenAPI cannot say, and the
//! [`Doc`] read back from it renders as the original markdown byte for byte. A spec without them
//! (written by hand, or by another tool) still reads: Go types, notes and example text are then
//! derived from the schemas in their plainest form.

use serde_json::{Map, Value};

use super::gotype;
use super::model::*;
use super::to_spec::{pretty, render_note, render_status_note, METHODS};

pub fn from_spec(spec: &Value) -> Result<Doc, String> {
    let schemas = spec["components"]["schemas"].as_object().cloned().unwrap_or_default();
    let reader = Reader { schemas: &schemas };

    let mut groups: Vec<Group> = spec["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .map(|name| Group { name: name.to_string(), line: 0, operations: Vec::new() })
        .collect();

    let mut ops: Vec<(u64, String, Operation, bool)> = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let Some(o) = item.get(method.to_ascii_lowercase()) else {
                continue;
            };
            let order = o["x-order"].as_u64().unwrap_or(u64::MAX);
            let group = o["tags"][0].as_str().unwrap_or("default").to_string();
            let public = o["security"].as_array().is_some_and(Vec::is_empty);
            ops.push((order, group, reader.operation(path, method, o)?, public));
        }
    }
    // Stable: operations without `x-order` keep the spec's order, after the others.
    ops.sort_by_key(|(order, _, _, _)| *order);
    let public: Vec<Located<String>> = ops
        .iter()
        .filter(|(_, _, _, public)| *public)
        .map(|(_, _, op, _)| Located { value: format!("{} {}", op.method.value, op.path.value), line: 0 })
        .collect();
    for (_, group, op, _) in ops {
        let i = match groups.iter().position(|g| g.name == group) {
            Some(i) => i,
            None => {
                groups.push(Group { name: group, line: 0, operations: Vec::new() });
                groups.len() - 1
            }
        };
        groups[i].operations.push(op);
    }

    let mut sections: Vec<Section> = groups.into_iter().map(Section::Group).collect();
    if let Some(codes) = spec["x-error-codes"].as_array() {
        let codes = codes
            .iter()
            .map(|c| {
                let status = c["status"].as_u64().map(|s| s as u16);
                let description = c["description"].as_str().unwrap_or("");
                Ok(ErrorCode {
                    code: c["code"].as_i64().ok_or_else(|| format!("x-error-codes: `code` missing in {c}"))?,
                    name: c["error"].as_str().unwrap_or("").to_string(),
                    note: c["x-note"].as_str().map_or_else(|| render_status_note(status, description), str::to_string),
                    line: 0,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let at = spec["x-error-codes-position"].as_u64().map_or(sections.len(), |p| p as usize).min(sections.len());
        sections.insert(at, Section::ErrorCodes(codes));
    }
    if let Some(schemes) = spec["components"]["securitySchemes"].as_object() {
        let credentials = schemes
            .values()
            .map(|s| Credential {
                name: s["name"].as_str().unwrap_or("").to_string(),
                location: s["in"].as_str().unwrap_or("").to_string(),
                note: s["description"].as_str().unwrap_or("").to_string(),
                line: 0,
            })
            .collect();
        let at = spec["x-security-position"].as_u64().map_or(0, |p| p as usize).min(sections.len());
        sections.insert(at, Section::Auth(Auth { line: 0, credentials, public }));
    }
    // A doc that stated no version converts to `UNSTATED_VERSION` and the marker, so that it
    // renders back without a version line.
    let version = match (&spec["info"]["version"], &spec["info"][UNSTATED_MARKER]) {
        (_, Value::Bool(true)) => None,
        (Value::String(v), _) => Some(Located { value: v.clone(), line: 0 }),
        _ => None,
    };
    Ok(Doc { title: spec["info"]["title"].as_str().unwrap_or("").to_string(), version, sections })
}

struct Reader<'a> {
    schemas: &'a Map<String, Value>,
}

impl Reader<'_> {
    fn go_name(&self, component: &str) -> String {
        self.schemas
            .get(component)
            .and_then(|s| s["x-go-name"].as_str())
            .map_or_else(|| component.to_string(), str::to_string)
    }

    /// The component whose `pkg.Type` is `go_name`.
    fn component(&self, go_name: &str) -> Option<&Value> {
        self.schemas
            .values()
            .find(|s| s["x-go-name"].as_str() == Some(go_name))
            .or_else(|| self.schemas.get(go_name.rsplit('.').next().unwrap_or(go_name)))
    }

    /// Follows a top-level `$ref` to its component.
    fn resolve<'v>(&'v self, schema: &'v Value) -> &'v Value {
        match schema["$ref"].as_str() {
            Some(r) => self.schemas.get(r.rsplit('/').next().unwrap_or(r)).unwrap_or(schema),
            None => schema,
        }
    }

    fn field(&self, name: &str, schema: &Value, description: Option<&str>) -> Field {
        let go_type = schema["x-go-type"]
            .as_str()
            .map_or_else(|| gotype::spelling_of(schema, &|c| self.go_name(c)), str::to_string);
        let note = match schema["x-note"].as_str() {
            Some(n) => n.to_string(),
            None => {
                let description = description.or(schema["description"].as_str()).unwrap_or("");
                let values: Option<Vec<(Value, String)>> = schema["enum"].as_array().map(|vs| {
                    vs.iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let label = schema["x-enum-labels"][i].as_str().map_or_else(
                                || v.as_str().map_or_else(|| v.to_string(), str::to_string),
                                str::to_string,
                            );
                            (v.clone(), label)
                        })
                        .collect()
                });
                render_note(description, values.as_deref())
            }
        };
        Field { name: name.to_string(), go_type, note, line: 0 }
    }

    fn table(&self, name: Option<String>, schema: &Value) -> Table {
        let schema = self.resolve(schema);
        let fields =
            schema["properties"].as_object().into_iter().flatten().map(|(k, v)| self.field(k, v, None)).collect();
        Table { name, line: 0, fields }
    }

    fn named_tables(&self, o: &Value, key: &str) -> Result<Vec<Table>, String> {
        o[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|go_name| {
                let schema = self.component(go_name).ok_or_else(|| format!("{key}: no component for `{go_name}`"))?;
                Ok(self.table(Some(go_name.to_string()), schema))
            })
            .collect()
    }

    fn operation(&self, path: &str, method: &str, o: &Value) -> Result<Operation, String> {
        let located = |value: &str| Located { value: value.to_string(), line: 0 };
        let body = o["requestBody"]["content"].as_object().and_then(|c| c.iter().next());
        let params: Vec<&Value> = o["parameters"].as_array().into_iter().flatten().collect();

        let format = match (o["x-request-format"].as_str(), body) {
            (Some(f), _) => f,
            (None, Some((media, _))) if media.starts_with("multipart/") => "form-data",
            (None, Some(_)) => "json",
            (None, None) => "query",
        };

        let mut request = Vec::new();
        let mut request_example = None;
        if let Some((_, media)) = body {
            request.push(self.table(None, &media["schema"]));
            request_example = example(media, "x-example-text");
        } else if !params.is_empty() {
            let fields = params
                .iter()
                .filter_map(|p| Some(self.field(p["name"].as_str()?, &p["schema"], p["description"].as_str())))
                .collect();
            request.push(Table { name: None, line: 0, fields });
        }
        if request_example.is_none() {
            request_example = o.get("x-request-example").map(|v| Example {
                text: o["x-request-example-text"].as_str().map_or_else(|| pretty(v), str::to_string),
                line: 0,
            });
        }
        request.extend(self.named_tables(o, "x-request-types")?);

        let ok = o["responses"]
            .as_object()
            .and_then(|r| r.iter().find(|(status, _)| status.starts_with('2')).map(|(_, v)| v))
            .ok_or_else(|| format!("{method} {path}: no 2xx response"))?;
        let media = &ok["content"]["application/json"];
        let mut response = vec![self.table(None, &media["schema"])];
        response.extend(self.named_tables(o, "x-response-types")?);

        Ok(Operation {
            summary: o["summary"].as_str().or(o["operationId"].as_str()).unwrap_or("").to_string(),
            description: o["description"].as_str().unwrap_or("").to_string(),
            line: 0,
            path: located(path),
            method: located(method),
            format: located(format),
            permission: o["x-permission"].as_str().unwrap_or("无").to_string(),
            request,
            request_example,
            response,
            response_example: example(media, "x-example-text"),
        })
    }
}

fn example(media: &Value, text_key: &str) -> Option<Example> {
    let value = media.get("example")?;
    let text = media[text_key].as_str().map_or_else(|| pretty(value), str::to_string);
    Some(Example { text, line: 0 })
}
