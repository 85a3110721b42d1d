//! The SQL store's `SearchStore`: search, for SQLite and PostgreSQL alike: the body
//! [`sql_skill_store`](crate::sql::sql_skill_store) puts together for a store type and its
//! database.

/// Implements it for `$store` over pools of `$db`.
macro_rules! sql_search {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl skillreg_core::ports::SearchStore for $store {
            async fn search(
                &self,
                query: &skillreg_core::model::SearchQuery,
            ) -> Result<skillreg_core::model::SearchPage, skillreg_core::ports::StoreError> {
                use skillreg_core::model::{PageStart, SearchCursor};
                let (snapshot, offset) = match &query.start {
                    PageStart::Offset(offset) => {
                        // The newest skill the searcher may see: a cursor tells nothing of
                        // hidden ones.
                        let mut newest = sqlx::QueryBuilder::<$db>::new(
                            "SELECT MAX(s.seq) FROM skills s WHERE 1 = 1",
                        );
                        $crate::sql::push_hidden(&mut newest, &query.hidden);
                        let (max,): (Option<i64>,) = newest
                            .build_query_as()
                            .fetch_one(&self.reader)
                            .await
                            .map_err($crate::sql::unavailable)?;
                        (max.unwrap_or(0), *offset)
                    }
                    PageStart::Cursor(text) => {
                        let cursor = SearchCursor::decode(text).ok_or_else(|| {
                            skillreg_core::ports::StoreError::Missing(format!("cursor `{text}`"))
                        })?;
                        (cursor.snapshot, cursor.offset)
                    }
                };
                // The first page needs no bound: it sees what exists now, and its cursor
                // bounds the pages after it.
                let bound = matches!(query.start, PageStart::Cursor(_)).then_some(snapshot);
                let terms = $crate::sql::query_terms(query.text.as_deref().unwrap_or_default());
                let (mut rows, counted) = if query.sort
                    == skillreg_core::model::SearchSort::Relevance
                    && !terms.is_empty()
                {
                    self.ranked_page(query, &terms, bound, offset, snapshot)
                        .await?
                } else {
                    self.search_page(query, bound, offset, snapshot).await?
                };
                // One row beyond the page was asked for: it says whether another page follows.
                let more = rows.len() > query.limit as usize;
                rows.truncate(query.limit as usize);
                if query.sort != skillreg_core::model::SearchSort::Trending && !rows.is_empty() {
                    let uids: Vec<String> = rows.iter().map(|row| row.uid.clone()).collect();
                    let recent: Vec<(String, i64)> =
                        $crate::sql::recent_downloads_sql::<$db>(&uids, query.trending_since.day())
                            .build_query_as()
                            .fetch_all(&self.reader)
                            .await
                            .map_err($crate::sql::unavailable)?;
                    for row in &mut rows {
                        row.recent = recent
                            .iter()
                            .find(|(uid, _)| uid == &row.uid)
                            .map_or(0, |(_, n)| *n);
                    }
                }
                let hits = rows
                    .into_iter()
                    .map($crate::sql::rows::HitRow::into_hit)
                    .collect::<Result<Vec<_>, _>>()?;
                let next_offset = offset + hits.len() as u64;
                let next_cursor = more.then(|| {
                    SearchCursor {
                        snapshot,
                        offset: next_offset,
                    }
                    .encode()
                });
                let max = skillreg_core::model::MAX_COUNTED_HITS;
                Ok(skillreg_core::model::SearchPage {
                    hits,
                    total: counted.min(max),
                    total_exact: counted <= max,
                    next_cursor,
                })
            }
        }
    };
}
pub(crate) use sql_search;
