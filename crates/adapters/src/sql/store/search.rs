//! The SQL store's `SearchStore`: paging, the cursor's snapshot and the downloads of the
//! page's hits are shared; the dialect finds and ranks the hits.

use async_trait::async_trait;
use skillreg_core::model::{
    MAX_COUNTED_HITS, PageStart, SearchCursor, SearchPage, SearchQuery, SearchSort,
};
use skillreg_core::ports::{SearchStore, StoreError};

use crate::sql::dialect::{Dialect, SqlStore};
use crate::sql::query::Sql;
use crate::sql::rows::HitRow;
use crate::sql::{push_hidden, query_terms, recent_downloads_sql};

#[async_trait]
impl<D: Dialect> SearchStore for SqlStore<D> {
    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, StoreError> {
        let (snapshot, offset) = match &query.start {
            PageStart::Offset(offset) => {
                // The newest skill the searcher may see: a cursor tells nothing of hidden
                // ones.
                let mut newest = Sql::new("SELECT MAX(s.seq) FROM skills s WHERE 1 = 1");
                push_hidden(&mut newest, &query.hidden);
                let (max,): (Option<i64>,) = self.one(newest).await?;
                (max.unwrap_or(0), *offset)
            }
            PageStart::Cursor(text) => {
                let cursor = SearchCursor::decode(text)
                    .ok_or_else(|| StoreError::Missing(format!("cursor `{text}`")))?;
                (cursor.snapshot, cursor.offset)
            }
        };
        // The first page needs no bound: it sees what exists now, and its cursor bounds the
        // pages after it.
        let bound = matches!(query.start, PageStart::Cursor(_)).then_some(snapshot);
        let terms = query_terms(query.text.as_deref().unwrap_or_default());
        let (mut rows, counted) = if query.sort == SearchSort::Relevance && !terms.is_empty() {
            D::ranked_page(self, query, &terms, bound, offset, snapshot).await?
        } else {
            D::search_page(self, query, bound, offset, snapshot).await?
        };
        // One row beyond the page was asked for: it says whether another page follows.
        let more = rows.len() > query.limit as usize;
        rows.truncate(query.limit as usize);
        if query.sort != SearchSort::Trending && !rows.is_empty() {
            let uids: Vec<String> = rows.iter().map(|row| row.uid.clone()).collect();
            let recent: Vec<(String, i64)> = self
                .all(recent_downloads_sql(&uids, query.trending_since.day()))
                .await?;
            for row in &mut rows {
                row.recent = recent
                    .iter()
                    .find(|(uid, _)| uid == &row.uid)
                    .map_or(0, |(_, n)| *n);
            }
        }
        let hits = rows
            .into_iter()
            .map(HitRow::into_hit)
            .collect::<Result<Vec<_>, _>>()?;
        let next_offset = offset + hits.len() as u64;
        let next_cursor = more.then(|| {
            SearchCursor {
                snapshot,
                offset: next_offset,
            }
            .encode()
        });
        Ok(SearchPage {
            hits,
            total: counted.min(MAX_COUNTED_HITS),
            total_exact: counted <= MAX_COUNTED_HITS,
            next_cursor,
        })
    }
}
