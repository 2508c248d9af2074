//! Extractors that check the session before the request's shape.
//!
//! dropshot runs every extractor before the handler, so with `TypedBody`/`Query` a request with
//! no session *and* a malformed body answers 400 — but `docs/behaviour.md` orders the checks
//! authentication (401) first, then shape (400). [`LazyBody`] and [`LazyQuery`] describe exactly
//! what `TypedBody` and `Query` describe (the OpenAPI document is the same) but keep a parse
//! failure until the handler asks for the value, after authenticating:
//!
//! ```text
//! let caller = authenticate(&rqctx).await?;  // 401 first
//! let body = body.parse()?;                  // then 400 with dropshot's message
//! ```
//!
//! A body must be a JSON *object*: serde's derived `Deserialize` for a struct also accepts an
//! array of its fields in order (`[]` would be an empty `DeleteTaskRequest`), which the doc's
//! schema (`type: object`) does not allow. [`Object`] asks the JSON parser for a map only.

use async_trait::async_trait;
use dropshot::{
    ApiEndpointBodyContentType, ExclusiveExtractor, ExtractorMetadata, HttpError, Query, RequestContext, ServerContext,
    SharedExtractor, TypedBody,
};
use schemars::JsonSchema;
use serde::de::{Deserialize, DeserializeOwned, Deserializer, Visitor};

use crate::ApiError;

/// A JSON request body (as `TypedBody<T>`), parsed when the handler asks.
#[derive(Debug)]
pub struct LazyBody<T>(Result<T, HttpError>);

impl<T> LazyBody<T> {
    /// The body, or the 400 / 413 / 415 envelope saying what is wrong with it.
    pub fn parse(self) -> Result<T, ApiError> {
        self.0.map_err(|e| {
            // dropshot answers a body of another content type with a 400; it is a 415.
            let message = &e.external_message;
            let other_type =
                message.starts_with("unsupported content-type") || message.starts_with("expected content type");
            if e.status_code.as_u16() == 400 && other_type {
                let message = format!("{message}: the body must be JSON (Content-Type: application/json)");
                return ApiError::new(crate::ErrorCode::UnsupportedMediaType, message);
            }
            ApiError::from(e)
        })
    }
}

#[async_trait]
impl<T> ExclusiveExtractor for LazyBody<T>
where
    T: JsonSchema + DeserializeOwned + Send + Sync + 'static,
{
    async fn from_request<Context: ServerContext>(
        rqctx: &RequestContext<Context>,
        request: hyper::Request<dropshot::Body>,
    ) -> Result<Self, HttpError> {
        let body = <TypedBody<Object<T>> as ExclusiveExtractor>::from_request(rqctx, request).await;
        Ok(LazyBody(body.map(|b| b.into_inner().0)))
    }

    fn metadata(content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <TypedBody<T> as ExclusiveExtractor>::metadata(content_type)
    }
}

/// Query-string parameters (as `Query<T>`), parsed when the handler asks.
#[derive(Debug)]
pub struct LazyQuery<T>(Result<T, HttpError>);

impl<T> LazyQuery<T> {
    /// The parameters, or the 400 envelope saying what is wrong with them.
    pub fn parse(self) -> Result<T, ApiError> {
        self.0.map_err(ApiError::from)
    }
}

#[async_trait]
impl<T> SharedExtractor for LazyQuery<T>
where
    T: JsonSchema + DeserializeOwned + Send + Sync + 'static,
{
    async fn from_request<Context: ServerContext>(rqctx: &RequestContext<Context>) -> Result<Self, HttpError> {
        // Parsed like dropshot's `Query`, plus the path of the failing field in the message
        // ("offset: invalid digit found in string"), as dropshot does for JSON bodies.
        let raw = rqctx.request.uri().query().unwrap_or("");
        let parser = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
        let query = serde_path_to_error::deserialize(parser)
            .map_err(|e| HttpError::for_bad_request(None, format!("unable to parse query string: {e}")));
        Ok(LazyQuery(query))
    }

    fn metadata(content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <Query<T> as SharedExtractor>::metadata(content_type)
    }
}

/// A `T` read from a JSON object only (never from an array of its fields).
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(StructAsMap(deserializer)).map(Object)
    }
}

impl<T: JsonSchema> JsonSchema for Object<T> {
    fn schema_name() -> String {
        T::schema_name()
    }
    fn json_schema(generator: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        T::json_schema(generator)
    }
    fn is_referenceable() -> bool {
        T::is_referenceable()
    }
}

/// The top-level deserializer of a body, with `deserialize_struct` accepting a map only. Only a
/// struct's own `deserialize` sees it (its fields get the inner deserializer's), so the other
/// methods just hand over to the inner deserializer.
struct StructAsMap<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for StructAsMap<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::Object;

    #[derive(Debug, Default, serde::Deserialize, PartialEq)]
    #[serde(default)]
    struct Ids {
        ids: Option<Vec<i64>>,
    }

    #[test]
    fn bodies_are_objects_never_arrays() {
        let parsed: Object<Ids> = serde_json::from_str(r#"{"ids": [1, 2]}"#).unwrap();
        assert_eq!(parsed.0, Ids { ids: Some(vec![1, 2]) });
        assert_eq!(serde_json::from_str::<Object<Ids>>("{}").unwrap().0, Ids::default());
        // Plain serde takes an array of the fields in order; a body must not.
        assert!(serde_json::from_str::<Ids>("[]").is_ok());
        for body in ["[]", "[[1]]", "null", "1", r#""ids""#] {
            let e = serde_json::from_str::<Object<Ids>>(body).unwrap_err().to_string();
            assert!(e.contains("invalid type"), "{body}: {e}");
        }
    }
}
