//! What the SQLite and PostgreSQL stores share: [`SqlStore`], which implements every port
//! of [`SkillStore`](skillreg_core::ports::SkillStore) once, in SQL both databases accept
//! (numbered `$n` parameters, `ON CONFLICT`, `RETURNING`), for any [`Dialect`]: what each
//! database supplies (how a statement runs, row locks, keeping its full-text index in step,
//! search). Also the row types, error mapping and the search's shared clauses.

pub(crate) mod dialect;
pub(crate) mod query;
pub(crate) mod ranking;
pub(crate) mod rows;
pub(crate) mod store;

pub(crate) use dialect::{Dialect, PointReads, SqlStore, Tx};
pub(crate) use query::Sql;

use skillreg_core::Namespace;
use skillreg_core::model::{SearchQuery, SearchSort};
use skillreg_core::ports::StoreError;
use skillreg_core::version::{Candidate, Version, VersionReq, select};

/// Any database error that is not a constraint the caller expects: the store is
/// unavailable (the message is for logs).
pub(crate) fn unavailable(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_) => StoreError::Corrupt(error.to_string()),
        other => StoreError::Unavailable(other.to_string()),
    }
}

/// Whether an error is a unique-key violation.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// What search reads about a skill's versions, computed in Rust with core's own selection
/// rule so both stores agree on "latest".
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct VersionSummaryRow {
    pub(crate) version_text: String,
    pub(crate) yanked: bool,
    pub(crate) description: String,
    pub(crate) tags: String,
    pub(crate) verdict: String,
    pub(crate) published_at: i64,
}

/// The search columns of a skill after a change to its versions.
#[derive(Debug)]
pub struct SearchFields {
    pub(crate) latest_version: Option<String>,
    pub(crate) description: String,
    pub(crate) tags: String,
    pub(crate) verdict: String,
    pub(crate) updated_at: i64,
}

pub(crate) fn search_fields(
    rows: &[VersionSummaryRow],
    created_at: i64,
) -> Result<SearchFields, StoreError> {
    let versions: Vec<(Version, &VersionSummaryRow)> = rows
        .iter()
        .map(|row| {
            row.version_text
                .parse()
                .map(|v| (v, row))
                .map_err(|e| rows::corrupt("version", e))
        })
        .collect::<Result<_, _>>()?;
    let latest = select(
        &VersionReq::Latest,
        versions.iter().map(|(version, row)| Candidate {
            version,
            yanked: row.yanked,
        }),
    );
    let updated_at = rows
        .iter()
        .map(|r| r.published_at)
        .max()
        .unwrap_or(created_at);
    Ok(
        match latest.and_then(|chosen| versions.iter().find(|(v, _)| v == chosen)) {
            Some((version, row)) => {
                let tags: Vec<String> =
                    serde_json::from_str(&row.tags).map_err(|e| rows::corrupt("tags", e))?;
                SearchFields {
                    latest_version: Some(version.to_string()),
                    description: row.description.clone(),
                    tags: tags.join(" "),
                    verdict: row.verdict.clone(),
                    updated_at,
                }
            }
            None => SearchFields {
                latest_version: None,
                description: String::new(),
                tags: String::new(),
                verdict: String::new(),
                updated_at,
            },
        },
    )
}

/// Terms of a free-text query: lowercase words of letters and digits (everything else
/// separates words, so nothing in a query reaches a full-text parser unescaped).
pub(crate) fn query_terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A query folded the way a skill name is, to rank an exact name match first.
pub(crate) fn folded_query(text: &str) -> String {
    query_terms(text).join("-")
}

/// Opens the capped count of a search: `push_count_end` closes it. Counting stops one past
/// [`skillreg_core::model::MAX_COUNTED_HITS`], so a broad query costs no more than a narrow
/// one.
pub(crate) const COUNT_START: &str = "SELECT COUNT(*) FROM (SELECT 1";

/// Closes what [`COUNT_START`] opened.
pub(crate) fn push_count_end(builder: &mut Sql) {
    builder.push(format!(
        " LIMIT {}) AS counted",
        skillreg_core::model::MAX_COUNTED_HITS + 1
    ));
}

/// Pushes the rest of a count (after [`COUNT_START`]) read from `skill_tags` alone, when
/// tags are the search's only filter: a skill has tag rows only while it has a latest
/// version, so the tags' index answers without a lookup in `skills` per match. Returns
/// whether it did.
pub(crate) fn push_tag_count(builder: &mut Sql, query: &SearchQuery, bound: Option<i64>) -> bool {
    let only_tags = bound.is_none()
        && query.namespace.is_none()
        && query.hidden.is_empty()
        && query.min_rating.is_none()
        && query_terms(query.text.as_deref().unwrap_or_default()).is_empty();
    let tags: std::collections::BTreeSet<&String> = query.tags.iter().collect();
    if !only_tags || tags.is_empty() {
        return false;
    }
    builder
        .push(" FROM skill_tags WHERE tag IN (")
        .push_list(tags.iter().map(|tag| tag.as_str()));
    builder
        .push(") GROUP BY skill_uid HAVING COUNT(*) = ")
        .push_bind(i64::try_from(tags.len()).unwrap_or(i64::MAX));
    true
}

/// The columns a search hit selects, up to the dialect's `recent` download subquery.
pub(crate) const HIT_COLUMNS: &str = "SELECT s.uid, s.namespace, s.name, s.created_by, s.created_at, s.deprecation, \
     s.latest_version, s.description, s.tags, s.verdict, s.updated_at, s.downloads, s.rating_count, s.rating_sum, ";

/// Pushes the `recent` column and `FROM skills s`. Sorting by trending needs every
/// candidate's downloads in the window: they come from one aggregate over the window's
/// buckets (bounded by recent activity, not by the number of skills). Other sorts read
/// `recent` for the page's hits only, afterwards ([`recent_downloads_sql`]).
pub(crate) fn push_hit_source(builder: &mut Sql, query: &SearchQuery) {
    if query.sort == SearchSort::Trending {
        builder.push("COALESCE(r.recent, 0) AS recent FROM skills s LEFT JOIN (SELECT skill_uid, ");
        builder.push("CAST(SUM(count) AS BIGINT) AS recent FROM downloads WHERE day >= ");
        builder
            .push_bind(query.trending_since.day())
            .push(" GROUP BY skill_uid) r ON r.skill_uid = s.uid");
    } else {
        builder.push("CAST(0 AS BIGINT) AS recent FROM skills s");
    }
}

/// Reads the window's downloads of the given skills: `(uid, downloads)` rows.
pub(crate) fn recent_downloads_sql(uids: &[String], since_day: i64) -> Sql {
    let mut builder =
        Sql::new("SELECT skill_uid, CAST(SUM(count) AS BIGINT) FROM downloads WHERE day >= ");
    builder
        .push_bind(since_day)
        .push(" AND skill_uid IN (")
        .push_list(uids)
        .push(") GROUP BY skill_uid");
    builder
}

/// Pushes the filters every search shares: only skills with a latest version, recorded at
/// or before `bound` (when paging with a cursor), in the namespace (or under it), with
/// every tag, rated at least the minimum.
pub(crate) fn push_filters(builder: &mut Sql, query: &SearchQuery, bound: Option<i64>) {
    builder.push(" WHERE s.latest_version IS NOT NULL");
    if let Some(bound) = bound {
        builder.push(" AND s.seq <= ").push_bind(bound);
    }
    if let Some(namespace) = &query.namespace {
        let key = namespace.key().as_str().to_owned();
        // Keys under the namespace start with `key/`: they sort after `key/` and before
        // `key0` (`0` follows `/`), a range both databases read from an index.
        builder
            .push(" AND (s.namespace_key = ")
            .push_bind(key.clone());
        builder
            .push(" OR (s.namespace_key > ")
            .push_bind(format!("{key}/"))
            .push(" AND s.namespace_key < ")
            .push_bind(format!("{key}0"))
            .push("))");
    }
    // Tags are lowercase on both sides (publish and search fold them), and `skill_tags`
    // holds one indexed row per tag of each skill's latest version.
    for tag in &query.tags {
        builder
            .push(" AND s.uid IN (SELECT skill_uid FROM skill_tags WHERE tag = ")
            .push_bind(tag.clone())
            .push(")");
    }
    if let Some(min) = query.min_rating {
        builder.push(" AND s.rating_count > 0 AND s.rating_sum >= ");
        builder
            .push_bind(i64::from(min.half_stars()))
            .push(" * s.rating_count");
    }
    push_hidden(builder, &query.hidden);
}

/// Pushes `AND s.namespace_key NOT IN (…)` for namespaces hidden from the reader (nothing
/// when none is).
pub(crate) fn push_hidden(builder: &mut Sql, hidden: &[Namespace]) {
    if hidden.is_empty() {
        return;
    }
    builder
        .push(" AND s.namespace_key NOT IN (")
        .push_list(
            hidden
                .iter()
                .map(|namespace| namespace.key().as_str().to_owned()),
        )
        .push(")");
}

/// Pushes `ORDER BY` for the query's sort (ties by id key) and the page bounds. Relevance
/// without text orders by downloads; with text, each store ranks it outside SQL
/// ([`ranking`]) and never asks for it here.
pub(crate) fn push_order(builder: &mut Sql, query: &SearchQuery, offset: u64) {
    builder.push(" ORDER BY ");
    match query.sort {
        SearchSort::Relevance | SearchSort::Downloads => {
            builder.push("s.downloads DESC");
        }
        SearchSort::Rating => {
            builder.push(
                "CASE WHEN s.rating_count = 0 THEN 0 ELSE s.rating_sum * 1.0 / s.rating_count END DESC, \
                 s.rating_count DESC",
            );
        }
        SearchSort::Newest => {
            builder.push("s.updated_at DESC");
        }
        SearchSort::Trending => {
            builder.push("recent DESC");
        }
    }
    // One more than the page, to know whether another follows.
    builder
        .push(", s.id_key LIMIT ")
        .push_bind(i64::from(query.limit) + 1);
    builder
        .push(" OFFSET ")
        .push_bind(i64::try_from(offset).unwrap_or(i64::MAX));
}
