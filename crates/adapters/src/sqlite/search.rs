//! Relevance search on SQLite without scoring every match row by row.
//!
//! FTS5 lists the rows holding a term in one column for a fraction of a microsecond per
//! row, while any per-row work on a match (`bm25`, a join to `skills`) costs a microsecond
//! or more: a term found in 8,000 of 100,000 skills took 10–17 ms that way. So a relevance
//! search asks the index for one row list per term and column (and the skills whose name is
//! the query) and scores them in Rust ([`Ranked`]); when several terms match few skills
//! together, or other filters narrow the search, it reads the matches' fields in one pass
//! and scores those instead. Then it reads from `skills` only the score groups the page covers,
//! each ordered by downloads: either by looking its rows up, or, for a group large enough
//! that the page's rows come early in download order, by walking the downloads index.

use skillreg_core::model::SearchQuery;
use skillreg_core::ports::StoreError;
use sqlx::Row;

use super::SqliteStore;
use crate::sql::query::arguments;
use crate::sql::ranking::{
    FIELD_COLUMNS, FIELDS_LIMIT, FieldRow, Ranked, json_rows, page_slices, parse_rows, rank_fields,
    walk_downloads,
};
use crate::sql::rows::HitRow;
use crate::sql::{HIT_COLUMNS, Sql, folded_query, push_filters, push_hit_source, unavailable};
use sqlx::Sqlite;

/// The FTS5 columns, in [`crate::sql::ranking::FIELD_WEIGHTS`] order.
const COLUMNS: [&str; 3] = ["name", "tags", "description"];

impl SqliteStore {
    /// One page of a relevance search for `terms` (not empty) and its total, among skills
    /// recorded at or before `bound`; `skills` is the highest skill number, for choosing how
    /// to read a group.
    pub(super) async fn ranked_page(
        &self,
        query: &SearchQuery,
        terms: &[String],
        bound: Option<i64>,
        offset: u64,
        skills: i64,
    ) -> Result<(Vec<HitRow>, u64), StoreError> {
        let filtered = query.has_filters();
        // One term's lists are its matches three times over, no dearer than reading them.
        let ranked = if terms.len() == 1 && !filtered {
            self.ranked_by_lists(query, terms, bound).await?
        } else {
            let (matched,): (Option<String>,) = self
                .one(
                    Sql::new(
                        "SELECT group_concat(rowid) FROM skills_fts WHERE skills_fts MATCH $1",
                    )
                    .bind(match_expression(terms)),
                )
                .await?;
            let mut matched = parse_rows(matched.as_deref())?;
            if let Some(bound) = bound {
                matched.retain(|row| *row <= bound);
            }
            if filtered || matched.len() <= FIELDS_LIMIT {
                self.ranked_by_fields(query, terms, &matched).await?
            } else {
                self.ranked_by_lists(query, terms, bound).await?
            }
        };
        let total = ranked.len() as u64;
        let mut hits = Vec::new();
        for (index, skip, take) in page_slices(&ranked, offset, u64::from(query.limit) + 1) {
            let group = &ranked.groups[index];
            let mut select = Sql::new(HIT_COLUMNS);
            push_hit_source(&mut select, query);
            if walk_downloads(group.len(), skip + take, skills) {
                select.push(" INDEXED BY skills_by_downloads");
            }
            select
                .push(" WHERE s.seq IN (SELECT value FROM json_each(")
                .push_bind(json_rows(group))
                .push(")) ORDER BY s.downloads DESC, s.id_key LIMIT ")
                .push_bind(i64::try_from(take).unwrap_or(i64::MAX))
                .push(" OFFSET ")
                .push_bind(i64::try_from(skip).unwrap_or(i64::MAX));
            let rows: Vec<HitRow> = self.all(select).await?;
            hits.extend(rows);
        }
        Ok((hits, total))
    }

    /// How to read skills for a page by downloads with a tag filter: SQLite starts from the
    /// tag's skills and sorts them all, which is right for a rare tag; for a common one,
    /// walking the downloads index reaches the page sooner.
    pub(super) async fn tag_hint(
        &self,
        tag: &str,
        needed: u64,
        skills: i64,
    ) -> Result<&'static str, StoreError> {
        let (tagged,): (i64,) = self
            .one(Sql::new("SELECT COUNT(*) FROM skill_tags WHERE tag = $1").bind(tag))
            .await?;
        let tagged = usize::try_from(tagged).unwrap_or(0);
        Ok(if walk_downloads(tagged, needed, skills) {
            " INDEXED BY skills_by_downloads"
        } else {
            ""
        })
    }

    /// Scores the `matched` rows that pass the query's filters from their fields, read in
    /// one pass. With a namespace filter the namespace's skills are read and checked
    /// against the matches (a namespace holds fewer skills than a broad term matches).
    async fn ranked_by_fields(
        &self,
        query: &SearchQuery,
        terms: &[String],
        matched: &[i64],
    ) -> Result<Ranked, StoreError> {
        let mut select = Sql::new(FIELD_COLUMNS);
        push_filters(&mut select, query, None);
        // A unary `+` keeps SQLite from driving the read from the list of matches.
        let driver = if query.namespace.is_some() { "+" } else { "" };
        select
            .push(format!(
                " AND {driver}s.seq IN (SELECT value FROM json_each("
            ))
            .push_bind(json_rows(matched))
            .push("))");
        let rows: Vec<FieldRow> = self.all(select).await?;
        let text = query.text.as_deref().unwrap_or_default();
        Ok(rank_fields(text, terms, &rows))
    }

    /// The rows matching every term, scored from the index alone: one statement reads, for
    /// each term and column, the rows holding the term there, and the skills named as the
    /// query.
    async fn ranked_by_lists(
        &self,
        query: &SearchQuery,
        terms: &[String],
        bound: Option<i64>,
    ) -> Result<Ranked, StoreError> {
        let mut lists = Sql::new("SELECT ");
        for term in terms {
            for column in COLUMNS {
                // Terms hold letters and digits only, so quoting them is enough for FTS5.
                lists
                    .push("(SELECT group_concat(rowid) FROM skills_fts WHERE skills_fts MATCH ")
                    .push_bind(format!("{{{column}}} : \"{term}\"*"))
                    .push("), ");
            }
        }
        lists
            .push("(SELECT group_concat(seq) FROM skills WHERE name_key = ")
            .push_bind(folded_query(query.text.as_deref().unwrap_or_default()))
            .push(")");
        // As many columns as terms and fields: read by position, not as a row type.
        let (text, args, _) = lists.into_parts();
        let row = sqlx::query_with(&text, arguments::<Sqlite>(args).map_err(unavailable)?)
            .fetch_one(&self.reader)
            .await
            .map_err(unavailable)?;
        let list = |index: usize| -> Result<Vec<i64>, StoreError> {
            let text: Option<String> = row.try_get(index).map_err(unavailable)?;
            parse_rows(text.as_deref())
        };
        let mut fields = Vec::with_capacity(terms.len());
        for term in 0..terms.len() {
            let at = term * COLUMNS.len();
            fields.push([list(at)?, list(at + 1)?, list(at + 2)?]);
        }
        let exact = list(terms.len() * COLUMNS.len())?;
        Ok(Ranked::score(&fields, &exact, bound))
    }
}

/// The FTS5 expression matching every term as a word prefix in any column. Terms hold
/// letters and digits only, so quoting them is enough.
pub(super) fn match_expression(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{t}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}
