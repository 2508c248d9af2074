//! Statements diesel would prepare afresh on every call, kept in the statement cache.
//!
//! diesel 2.3 marks every `UPDATE`, every `ON CONFLICT … DO UPDATE` and every insert of an
//! `Insertable` struct "unsafe to cache": the same Rust type can build different SQL (a changeset
//! with `None` fields leaves columns out). diesel-async then prepares such a statement on every
//! call — on PostgreSQL a Parse round trip before the Bind/Execute one, and a plan each time —
//! so a task update made seven round trips where pgbench's prepared script makes five.
//!
//! [`CacheBySql`] declares the statement safe to cache *and* gives it no static query id, so the
//! cache is keyed by the exact SQL text (and bind types), never by the Rust type: two calls that
//! build different SQL get different entries, and the reason for diesel's caution does not apply.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::QueryResult;

/// `query`, cached by its SQL text. Use it on statements whose text depends only on which
/// optional parts are present — which is every statement diesel builds.
#[derive(Debug, Clone, Copy)]
pub struct CacheBySql<Q>(pub Q);

impl<Q, DB> QueryFragment<DB> for CacheBySql<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> QueryId for CacheBySql<Q> {
    type QueryId = ();
    // No static id: the cache key is the SQL text, not this type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for CacheBySql<Q> {
    type SqlType = Q::SqlType;
}
