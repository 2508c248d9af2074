//! Statements kept in the statement cache, and SQL text built once.
//!
//! diesel 2.3 marks every `UPDATE`, every `ON CONFLICT … DO UPDATE` and every insert of an
//! `Insertable` struct "unsafe to cache": the same Rust type can build different SQL (a changeset
//! with `None` fields leaves columns out). diesel-async then prepares such a statement on every
//! call: on PostgreSQL a Parse round trip before the Bind/Execute one, and a plan each time
//! (`docs/performance.md`).
//!
//! [`CacheBySql`] declares the statement safe to cache *and* gives it no static query id, so the
//! cache is keyed by the exact SQL text (and bind types), never by the Rust type: two calls that
//! build different SQL get different entries, and the reason for diesel's caution does not apply.
//!
//! [`SqlOnce`] is the other half: for the hot reads, whose prepared statements *are* cached by
//! type, it keeps diesel-async from building their SQL text again on every call.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::QueryResult;
use diesel_async::methods::LoadQuery;
use diesel_async::return_futures::{GetResult, LoadFuture};
use diesel_async::AsyncConnectionCore;

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

/// A whole statement, its SQL text built once per query type and backend, then reused:
/// `SqlOnce::load(query, &mut conn)` and `SqlOnce::get_result(query, &mut conn)` run `query` as
/// diesel-async's `load` and `get_result` would.
///
/// Why: diesel-async builds a statement's SQL text on every call, before it looks in the statement
/// cache — even for a query whose type alone identifies its prepared statement (a static query
/// id), where the text is only needed the first time. Building it walks the whole query tree and
/// allocates for each quoted identifier, a visible share of a hot read's CPU.
///
/// The reused text numbers its bind placeholders from `$1`, so it must be a whole statement's,
/// never a part of a larger one's. The field is private: a `SqlOnce` is made only by the two
/// functions above, which hand it straight to diesel-async, and diesel-async builds a statement's
/// text into an empty query builder (`to_sql` on the whole statement; a fragment inside another
/// query is built through `walk_ast`, which here is `query`'s own). The text is reused only for a
/// static query id (diesel keys its statement cache on the same promise: one type, one text); any
/// other query is built as usual. The binds are collected from `query` on every call.
#[derive(Debug, Clone, Copy)]
pub struct SqlOnce<Q>(Q);

impl<Q> SqlOnce<Q> {
    /// Runs `query` on `conn`: its rows.
    pub fn load<'query, 'conn, U, C>(query: Q, conn: &'conn mut C) -> LoadFuture<'conn, 'query, Self, C, U>
    where
        U: Send,
        C: AsyncConnectionCore,
        Self: LoadQuery<'query, C, U> + 'query,
    {
        diesel_async::RunQueryDsl::load(SqlOnce(query), conn)
    }

    /// Runs `query` on `conn`: its first row, or `NotFound`.
    pub fn get_result<'query, 'conn, U, C>(query: Q, conn: &'conn mut C) -> GetResult<'conn, 'query, Self, C, U>
    where
        U: Send + 'conn,
        C: AsyncConnectionCore,
        Self: LoadQuery<'query, C, U> + 'query,
    {
        diesel_async::RunQueryDsl::get_result(SqlOnce(query), conn)
    }
}

type TextKey = (std::any::TypeId, std::any::TypeId);

static TEXTS: std::sync::LazyLock<std::sync::RwLock<std::collections::HashMap<TextKey, Box<str>>>> =
    std::sync::LazyLock::new(Default::default);

impl<Q, DB> QueryFragment<DB> for SqlOnce<Q>
where
    DB: Backend + 'static,
    DB::QueryBuilder: Default,
    Q: QueryFragment<DB> + QueryId,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn to_sql(&self, out: &mut DB::QueryBuilder, backend: &DB) -> QueryResult<()> {
        use diesel::query_builder::QueryBuilder as _;
        let Some(id) = Q::query_id() else {
            return self.0.to_sql(out, backend);
        };
        let key = (id, std::any::TypeId::of::<DB>());
        if let Some(text) = TEXTS.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
            out.push_sql(text);
            return Ok(());
        }
        let mut fresh = DB::QueryBuilder::default();
        self.0.to_sql(&mut fresh, backend)?;
        let text = fresh.finish();
        out.push_sql(&text);
        TEXTS.write().unwrap_or_else(|p| p.into_inner()).insert(key, text.into_boxed_str());
        Ok(())
    }

    fn is_safe_to_cache_prepared(&self, backend: &DB) -> QueryResult<bool> {
        self.0.is_safe_to_cache_prepared(backend)
    }
}

impl<Q: QueryId> QueryId for SqlOnce<Q> {
    type QueryId = Q::QueryId;
    const HAS_STATIC_QUERY_ID: bool = Q::HAS_STATIC_QUERY_ID;
}

impl<Q: Query> Query for SqlOnce<Q> {
    type SqlType = Q::SqlType;
}

#[cfg(test)]
mod tests {
    use diesel::pg::Pg;
    use diesel::prelude::*;
    use diesel::sqlite::Sqlite;

    use super::*;
    use crate::db::schema::tasks;

    fn page(user_id: i64, offset: i64) -> impl QueryFragment<Pg> + QueryFragment<Sqlite> + QueryId {
        tasks::table
            .filter(tasks::user_id.eq(user_id))
            .order(tasks::id.desc())
            .offset(offset)
            .limit(20)
            .select(tasks::id)
    }

    #[test]
    fn the_reused_text_is_the_text_diesel_builds_with_this_calls_binds() {
        for (user_id, offset) in [(1, 0), (7, 40), (1, 0)] {
            assert_eq!(
                diesel::debug_query::<Pg, _>(&SqlOnce(page(user_id, offset))).to_string(),
                diesel::debug_query::<Pg, _>(&page(user_id, offset)).to_string()
            );
            assert_eq!(
                diesel::debug_query::<Sqlite, _>(&SqlOnce(page(user_id, offset))).to_string(),
                diesel::debug_query::<Sqlite, _>(&page(user_id, offset)).to_string()
            );
        }
        let pg = diesel::debug_query::<Pg, _>(&SqlOnce(page(1, 0))).to_string();
        assert!(pg.contains("LIMIT $2 OFFSET $3") && pg.ends_with("-- binds: [1, 20, 0]"), "{pg}");
    }

    #[test]
    fn a_query_whose_text_varies_with_its_values_is_built_every_time() {
        // One placeholder per id: no static query id, so nothing is reused.
        let of = |ids: &[i64]| tasks::table.filter(tasks::id.eq_any(ids.to_vec())).select(tasks::id);
        let two = diesel::debug_query::<Sqlite, _>(&SqlOnce(of(&[1, 2]))).to_string();
        let three = diesel::debug_query::<Sqlite, _>(&SqlOnce(of(&[1, 2, 3]))).to_string();
        assert!(two.contains("IN (?, ?)") && three.contains("IN (?, ?, ?)"), "{two}\n{three}");
    }
}
