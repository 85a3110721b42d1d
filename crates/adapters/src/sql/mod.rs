//! What the SQLite and PostgreSQL stores share: row types, error mapping, and the body of
//! their [`SkillStore`](skillreg_core::ports::SkillStore) implementation, written once as
//! SQL both dialects accept (numbered `$n` parameters in ascending order, `ON CONFLICT`,
//! `RETURNING`). Each store supplies the dialect-specific parts: row locking, keeping its
//! full-text index in step, and search.

pub(crate) mod ranking;
pub(crate) mod rows;

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
    pub(crate) published_at: i64,
}

/// The search columns of a skill after a change to its versions.
#[derive(Debug)]
pub(crate) struct SearchFields {
    pub(crate) latest_version: Option<String>,
    pub(crate) description: String,
    pub(crate) tags: String,
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
                    updated_at,
                }
            }
            None => SearchFields {
                latest_version: None,
                description: String::new(),
                tags: String::new(),
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

/// Implements `SkillStore` for a store with `reader` and `writer` pools of `$db`, and the
/// dialect's inherent `FOR_UPDATE`, `index_search`, `push_matches`, `ranked_page` (a
/// relevance search with text, ranked by the shared rule of [`ranking`] from the store's own
/// indexes) and `search_page` (any other search, through the shared `ordered_page`).
macro_rules! sql_skill_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Fills in the package id of versions written before the column existed (the
            /// id is computed here, not in SQL), a batch at a time. Run after migrating.
            async fn backfill_package_ids(&self) -> Result<(), skillreg_core::ports::StoreError> {
                let sql = format!(
                    "SELECT s.uid, s.namespace, s.name, s.created_by, s.created_at, s.deprecation, {} \
                     FROM versions v JOIN skills s ON s.uid = v.skill_uid \
                     WHERE v.package_id = '' LIMIT 500",
                    $crate::sql::rows::VERSION_COLUMNS_QUALIFIED
                );
                loop {
                    let rows = sqlx::query_as::<_, $crate::sql::rows::SkillVersionRow>(&sql)
                        .fetch_all(&self.writer)
                        .await
                        .map_err($crate::sql::unavailable)?;
                    if rows.is_empty() {
                        return Ok(());
                    }
                    let mut tx = self.writer.begin().await.map_err($crate::sql::unavailable)?;
                    for row in rows {
                        let skill = row.skill.into_record()?;
                        let version = row.version.into_record()?;
                        let id = skillreg_core::package::package_id(&skill.id, &version.published);
                        sqlx::query("UPDATE versions SET package_id = $1 WHERE skill_uid = $2 AND version = $3")
                            .bind(id.as_str())
                            .bind(skill.uid.as_str())
                            .bind(version.version().canonical())
                            .execute(&mut *tx)
                            .await
                            .map_err($crate::sql::unavailable)?;
                    }
                    tx.commit().await.map_err($crate::sql::unavailable)?;
                }
            }

            async fn find_skill_by_key(
                executor: impl sqlx::Executor<'_, Database = $db>,
                namespace_key: &str,
                name_key: &str,
            ) -> Result<Option<skillreg_core::model::SkillRecord>, skillreg_core::ports::StoreError> {
                let sql = format!(
                    "SELECT {} FROM skills WHERE namespace_key = $1 AND name_key = $2",
                    $crate::sql::rows::SKILL_COLUMNS
                );
                sqlx::query_as::<_, $crate::sql::rows::SkillRow>(&sql)
                    .bind(namespace_key)
                    .bind(name_key)
                    .fetch_optional(executor)
                    .await
                    .map_err($crate::sql::unavailable)?
                    .map($crate::sql::rows::SkillRow::into_record)
                    .transpose()
            }

            /// Recomputes a skill's search columns from its versions (core decides which
            /// is latest) and updates the full-text index, inside the caller's transaction.
            async fn refresh_skill(
                tx: &mut sqlx::Transaction<'_, $db>,
                uid: &str,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let (seq, name, created_at): (i64, String, i64) =
                    sqlx::query_as("SELECT seq, name, created_at FROM skills WHERE uid = $1")
                        .bind(uid)
                        .fetch_one(&mut **tx)
                        .await
                        .map_err(unavailable)?;
                let rows: Vec<$crate::sql::VersionSummaryRow> = sqlx::query_as(
                    "SELECT version_text, yanked, description, tags, published_at FROM versions WHERE skill_uid = $1",
                )
                .bind(uid)
                .fetch_all(&mut **tx)
                .await
                .map_err(unavailable)?;
                let fields = $crate::sql::search_fields(&rows, created_at)?;
                sqlx::query(
                    "UPDATE skills SET latest_version = $1, description = $2, tags = $3, updated_at = $4 WHERE uid = $5",
                )
                .bind(&fields.latest_version)
                .bind(&fields.description)
                .bind(&fields.tags)
                .bind(fields.updated_at)
                .bind(uid)
                .execute(&mut **tx)
                .await
                .map_err(unavailable)?;
                sqlx::query("DELETE FROM skill_tags WHERE skill_uid = $1")
                    .bind(uid)
                    .execute(&mut **tx)
                    .await
                    .map_err(unavailable)?;
                let mut tags: Vec<&str> = fields.tags.split_whitespace().collect();
                tags.sort_unstable();
                tags.dedup();
                for tag in tags {
                    sqlx::query("INSERT INTO skill_tags (skill_uid, tag) VALUES ($1, $2)")
                        .bind(uid)
                        .bind(tag)
                        .execute(&mut **tx)
                        .await
                        .map_err(unavailable)?;
                }
                Self::index_search(tx, seq, &name, &fields).await
            }

            /// One page of hits (plus one, if there are more) and the total, among skills
            /// recorded at or before `bound`, ordered in SQL; `source_hint` follows the
            /// page query's `FROM skills s` (a dialect's way to pick how skills are read).
            async fn ordered_page(
                &self,
                query: &skillreg_core::model::SearchQuery,
                bound: Option<i64>,
                offset: u64,
                source_hint: &str,
            ) -> Result<(Vec<$crate::sql::rows::HitRow>, u64), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut select = sqlx::QueryBuilder::<$db>::new($crate::sql::HIT_COLUMNS);
                $crate::sql::push_hit_source(&mut select, query);
                select.push(source_hint);
                Self::push_matches(&mut select, query, bound);
                $crate::sql::push_order(&mut select, query, offset);
                let hits: Vec<$crate::sql::rows::HitRow> =
                    select.build_query_as().persistent(!Self::PLAN_EACH_SEARCH).fetch_all(&self.reader).await.map_err(unavailable)?;
                // Count only when the page does not tell: a short page is the end of the hits,
                // unless it is empty past the first page (the offset may be past the end).
                let past_the_end = hits.is_empty() && offset > 0;
                let total = if hits.len() as u64 > u64::from(query.limit) || past_the_end {
                    let mut count = sqlx::QueryBuilder::<$db>::new($crate::sql::COUNT_START);
                    if !$crate::sql::push_tag_count(&mut count, query, bound) {
                        count.push(" FROM skills s");
                        Self::push_matches(&mut count, query, bound);
                    }
                    $crate::sql::push_count_end(&mut count);
                    let (total,): (i64,) = count
                        .build_query_as()
                        .persistent(!Self::PLAN_EACH_SEARCH)
                        .fetch_one(&self.reader)
                        .await
                        .map_err(unavailable)?;
                    u64::try_from(total).unwrap_or(0)
                } else {
                    offset + hits.len() as u64
                };
                Ok((hits, total))
            }

            /// The token whose `column` (`id` or `secret_digest`, both unique) is `value`.
            async fn token_where(
                &self,
                column: &'static str,
                value: &str,
            ) -> Result<Option<skillreg_core::model::TokenRecord>, skillreg_core::ports::StoreError> {
                let sql = format!("SELECT {} FROM tokens WHERE {column} = $1", $crate::sql::rows::TOKEN_COLUMNS);
                sqlx::query_as::<_, $crate::sql::rows::TokenRow>(&sql)
                    .bind(value)
                    .fetch_optional(&self.reader)
                    .await
                    .map_err($crate::sql::unavailable)?
                    .map($crate::sql::rows::TokenRow::into_record)
                    .transpose()
            }

            /// Checks, inside a write's transaction, that the right it relies on still holds:
            /// the namespace's row is locked in share mode (member changes lock it
            /// exclusively), so no member change lands between this check and the commit.
            async fn check_right(
                tx: &mut sqlx::Transaction<'_, $db>,
                right: &skillreg_core::ports::WriteRight,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let Some((namespace, user)) = right.subject() else { return Ok(()) };
                let key = namespace.key();
                let lock = format!("SELECT key FROM namespaces WHERE key = $1{}", Self::FOR_SHARE);
                let exists: Option<(String,)> = sqlx::query_as(&lock)
                    .bind(key.as_str())
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(unavailable)?;
                let role: Option<(String,)> = match exists {
                    None => None,
                    Some(_) => sqlx::query_as(
                        "SELECT role FROM namespace_members WHERE namespace_key = $1 AND user_id = $2",
                    )
                    .bind(key.as_str())
                    .bind(user.as_str())
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(unavailable)?,
                };
                let role = role.map(|(role,)| match role.as_str() {
                    "owner" => skillreg_core::model::Role::Owner,
                    _ => skillreg_core::model::Role::Member,
                });
                if right.holds(role) {
                    Ok(())
                } else {
                    Err(skillreg_core::ports::StoreError::RightEnded)
                }
            }

            async fn insert_audit(
                tx: &mut sqlx::Transaction<'_, $db>,
                audit: &skillreg_core::model::AuditEntry,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                sqlx::query("INSERT INTO audit_log (actor, action, target, at) VALUES ($1, $2, $3, $4)")
                    .bind(audit.actor.as_str())
                    .bind(&audit.action)
                    .bind(&audit.target)
                    .bind(audit.at.unix_millis())
                    .execute(&mut **tx)
                    .await
                    .map_err($crate::sql::unavailable)?;
                Ok(())
            }

            async fn insert_event(
                tx: &mut sqlx::Transaction<'_, $db>,
                kind: skillreg_core::model::EventKind,
                skill: &skillreg_core::SkillId,
                version: &skillreg_core::Version,
                at: skillreg_core::model::Timestamp,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                sqlx::query("INSERT INTO events (kind, skill_id, version, at) VALUES ($1, $2, $3, $4)")
                    .bind(kind.as_str())
                    .bind(skill.to_string())
                    .bind(version.to_string())
                    .bind(at.unix_millis())
                    .execute(&mut **tx)
                    .await
                    .map_err($crate::sql::unavailable)?;
                Ok(())
            }

            async fn ensure_user(
                tx: &mut sqlx::Transaction<'_, $db>,
                user: &skillreg_core::model::UserId,
                at: skillreg_core::model::Timestamp,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                sqlx::query("INSERT INTO users (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
                    .bind(user.as_str())
                    .bind(at.unix_millis())
                    .execute(&mut **tx)
                    .await
                    .map_err($crate::sql::unavailable)?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl skillreg_core::ports::CatalogStore for $store {
            async fn skill(
                &self,
                id: &skillreg_core::SkillId,
            ) -> Result<Option<skillreg_core::model::SkillRecord>, skillreg_core::ports::StoreError> {
                let (namespace_key, name_key) = (id.namespace().key(), id.name().key());
                let (namespace_key, name_key) = (namespace_key.as_str(), name_key.as_str());
                if let Some(row) = self.direct().and_then(|d| d.skill(namespace_key, name_key)) {
                    return row.map($crate::sql::rows::SkillRow::into_record).transpose();
                }
                Self::find_skill_by_key(&self.reader, namespace_key, name_key).await
            }

            async fn skill_with_versions(
                &self,
                id: &skillreg_core::SkillId,
            ) -> Result<
                Option<(skillreg_core::model::SkillRecord, Vec<skillreg_core::model::VersionRecord>)>,
                skillreg_core::ports::StoreError,
            > {
                let (namespace_key, name_key) = (id.namespace().key(), id.name().key());
                let (namespace_key, name_key) = (namespace_key.as_str(), name_key.as_str());
                if let Some(rows) = self.direct().and_then(|d| d.skill_with_versions(namespace_key, name_key)) {
                    return $crate::sql::rows::skill_entry(rows);
                }
                let sql = format!(
                    "SELECT s.uid, s.namespace, s.name, s.created_by, s.created_at, s.deprecation, {} \
                     FROM skills s JOIN versions v ON v.skill_uid = s.uid \
                     WHERE s.namespace_key = $1 AND s.name_key = $2",
                    $crate::sql::rows::VERSION_COLUMNS_QUALIFIED
                );
                let rows = sqlx::query_as::<_, $crate::sql::rows::SkillVersionRow>(&sql)
                    .bind(namespace_key)
                    .bind(name_key)
                    .fetch_all(&self.reader)
                    .await
                    .map_err($crate::sql::unavailable)?;
                $crate::sql::rows::skill_entry(rows)
            }

            async fn skill_by_uid(
                &self,
                uid: &skillreg_core::model::SkillUid,
            ) -> Result<Option<skillreg_core::model::SkillRecord>, skillreg_core::ports::StoreError> {
                if let Some(row) = self.direct().and_then(|d| d.skill_by_uid(uid.as_str())) {
                    return row.map($crate::sql::rows::SkillRow::into_record).transpose();
                }
                let sql = format!("SELECT {} FROM skills WHERE uid = $1", $crate::sql::rows::SKILL_COLUMNS);
                sqlx::query_as::<_, $crate::sql::rows::SkillRow>(&sql)
                    .bind(uid.as_str())
                    .fetch_optional(&self.reader)
                    .await
                    .map_err($crate::sql::unavailable)?
                    .map($crate::sql::rows::SkillRow::into_record)
                    .transpose()
            }

            async fn skills_named(
                &self,
                name: &skillreg_core::SkillName,
            ) -> Result<Vec<skillreg_core::model::SkillRecord>, skillreg_core::ports::StoreError> {
                let sql = format!(
                    "SELECT {} FROM skills WHERE name_key = $1 ORDER BY id_key",
                    $crate::sql::rows::SKILL_COLUMNS
                );
                let mut found = sqlx::query_as::<_, $crate::sql::rows::SkillRow>(&sql)
                    .bind(name.key().as_str())
                    .fetch_all(&self.reader)
                    .await
                    .map_err($crate::sql::unavailable)?
                    .into_iter()
                    .map($crate::sql::rows::SkillRow::into_record)
                    .collect::<Result<Vec<_>, _>>()?;
                found.sort_by(|a, b| a.id.cmp(&b.id));
                Ok(found)
            }

            async fn versions(
                &self,
                skill: &skillreg_core::model::SkillUid,
            ) -> Result<Vec<skillreg_core::model::VersionRecord>, skillreg_core::ports::StoreError> {
                if let Some(rows) = self.direct().and_then(|d| d.versions(skill.as_str())) {
                    return $crate::sql::rows::sorted_versions(rows);
                }
                let sql = format!("SELECT {} FROM versions WHERE skill_uid = $1", $crate::sql::rows::VERSION_COLUMNS);
                let rows = sqlx::query_as::<_, $crate::sql::rows::VersionRow>(&sql)
                    .bind(skill.as_str())
                    .fetch_all(&self.reader)
                    .await
                    .map_err($crate::sql::unavailable)?;
                $crate::sql::rows::sorted_versions(rows)
            }

            async fn versions_of(
                &self,
                wanted: &[(skillreg_core::model::SkillUid, skillreg_core::Version)],
            ) -> Result<Vec<skillreg_core::model::VersionRecord>, skillreg_core::ports::StoreError> {
                if wanted.is_empty() {
                    return Ok(Vec::new());
                }
                let mut select = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {} FROM versions WHERE (skill_uid, version) IN (",
                    $crate::sql::rows::VERSION_COLUMNS
                ));
                select.push_values(wanted, |mut row, (skill, version)| {
                    row.push_bind(skill.as_str().to_owned())
                        .push_bind(version.canonical());
                });
                select.push(")");
                select
                    .build_query_as::<$crate::sql::rows::VersionRow>()
                    .fetch_all(&self.reader)
                    .await
                    .map_err($crate::sql::unavailable)?
                    .into_iter()
                    .map($crate::sql::rows::VersionRow::into_record)
                    .collect()
            }

            async fn version_by_package_id(
                &self,
                package_id: &skillreg_core::package::PackageId,
            ) -> Result<
                Option<(skillreg_core::model::SkillRecord, skillreg_core::model::VersionRecord)>,
                skillreg_core::ports::StoreError,
            > {
                let sql = format!(
                    "SELECT s.uid, s.namespace, s.name, s.created_by, s.created_at, s.deprecation, {} \
                     FROM versions v JOIN skills s ON s.uid = v.skill_uid \
                     WHERE v.package_id = $1 ORDER BY v.published_at DESC, v.version DESC LIMIT 1",
                    $crate::sql::rows::VERSION_COLUMNS_QUALIFIED
                );
                sqlx::query_as::<_, $crate::sql::rows::SkillVersionRow>(&sql)
                    .bind(package_id.as_str())
                    .fetch_optional(&self.reader)
                    .await
                    .map_err($crate::sql::unavailable)?
                    .map(|row| Ok((row.skill.into_record()?, row.version.into_record()?)))
                    .transpose()
            }

            async fn versions_with_archive(
                &self,
                archive_digest: &skillreg_core::Digest,
                limit: u32,
            ) -> Result<
                Vec<(skillreg_core::model::SkillRecord, skillreg_core::model::VersionRecord)>,
                skillreg_core::ports::StoreError,
            > {
                let sql = format!(
                    "SELECT s.uid, s.namespace, s.name, s.created_by, s.created_at, s.deprecation, {} \
                     FROM versions v JOIN skills s ON s.uid = v.skill_uid \
                     WHERE v.archive_digest = $1 ORDER BY v.published_at, v.version LIMIT $2",
                    $crate::sql::rows::VERSION_COLUMNS_QUALIFIED
                );
                sqlx::query_as::<_, $crate::sql::rows::SkillVersionRow>(&sql)
                    .bind(archive_digest.to_string())
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await
                    .map_err($crate::sql::unavailable)?
                    .into_iter()
                    .map(|row| Ok((row.skill.into_record()?, row.version.into_record()?)))
                    .collect()
            }

            async fn version(
                &self,
                skill: &skillreg_core::model::SkillUid,
                version: &skillreg_core::Version,
            ) -> Result<Option<skillreg_core::model::VersionRecord>, skillreg_core::ports::StoreError> {
                if let Some(row) = self.direct().and_then(|d| d.version(skill.as_str(), &version.canonical())) {
                    return row.map($crate::sql::rows::VersionRow::into_record).transpose();
                }
                let sql = format!(
                    "SELECT {} FROM versions WHERE skill_uid = $1 AND version = $2",
                    $crate::sql::rows::VERSION_COLUMNS
                );
                sqlx::query_as::<_, $crate::sql::rows::VersionRow>(&sql)
                    .bind(skill.as_str())
                    .bind(version.canonical())
                    .fetch_optional(&self.reader)
                    .await
                    .map_err($crate::sql::unavailable)?
                    .map($crate::sql::rows::VersionRow::into_record)
                    .transpose()
            }

            async fn write_version(
                &self,
                write: &skillreg_core::ports::VersionWrite,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use skillreg_core::ports::{SkillTarget, StoreError};
                use $crate::sql::{is_unique_violation, unavailable};
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                Self::check_right(&mut tx, &write.right).await?;
                let skill = match &write.target {
                    SkillTarget::New(record) => {
                        let inserted = sqlx::query(
                            "INSERT INTO skills (uid, namespace, name, namespace_key, name_key, id_key, created_by, \
                             created_at, deprecation, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                        )
                        .bind(record.uid.as_str())
                        .bind(record.id.namespace().as_str())
                        .bind(record.id.name().as_str())
                        .bind(record.id.namespace().key().as_str())
                        .bind(record.id.name().key().as_str())
                        .bind(record.id.key().as_str())
                        .bind(record.created_by.as_str())
                        .bind(record.created_at.unix_millis())
                        .bind(&record.deprecation)
                        .bind(record.created_at.unix_millis())
                        .execute(&mut *tx)
                        .await;
                        match inserted {
                            Err(error) if is_unique_violation(&error) => {
                                drop(tx);
                                let existing = Self::find_skill_by_key(
                                    &self.reader,
                                    record.id.namespace().key().as_str(),
                                    record.id.name().key().as_str(),
                                )
                                .await?
                                .map_or_else(|| record.id.clone(), |s| s.id);
                                return Err(StoreError::SkillExists { existing });
                            }
                            other => other.map_err(unavailable)?,
                        };
                        record.clone()
                    }
                    SkillTarget::Existing { uid, expected_creator } => {
                        let sql = format!(
                            "SELECT {} FROM skills WHERE uid = $1{}",
                            $crate::sql::rows::SKILL_COLUMNS,
                            Self::FOR_UPDATE
                        );
                        let current = sqlx::query_as::<_, $crate::sql::rows::SkillRow>(&sql)
                            .bind(uid.as_str())
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(unavailable)?
                            .ok_or(StoreError::SkillGone)?
                            .into_record()?;
                        if &current.created_by != expected_creator {
                            return Err(StoreError::CreatorChanged { created_by: current.created_by });
                        }
                        current
                    }
                };
                let v = &write.version;
                let inserted = sqlx::query(
                    "INSERT INTO versions (skill_uid, version, version_text, archive_digest, content_digest, size, \
                     description, license, allowed_tools, tags, files, signatures, yanked, published_by, published_at, \
                     package_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                )
                .bind(skill.uid.as_str())
                .bind(v.version.canonical())
                .bind(v.version.to_string())
                .bind(v.archive_digest.to_string())
                .bind(v.content_digest.to_string())
                .bind(i64::try_from(v.size).unwrap_or(i64::MAX))
                .bind(&v.meta.description)
                .bind(&v.meta.license)
                .bind($crate::sql::rows::to_json(&v.meta.allowed_tools))
                .bind($crate::sql::rows::to_json(&v.meta.tags))
                .bind($crate::sql::rows::to_json(&v.meta.files))
                .bind($crate::sql::rows::signatures_json(&v.signatures))
                .bind(false)
                .bind(v.published_by.as_str())
                .bind(v.published_at.unix_millis())
                .bind(write.package_id.as_str())
                .execute(&mut *tx)
                .await;
                match inserted {
                    Err(error) if is_unique_violation(&error) => {
                        drop(tx);
                        let stored = self.version(&skill.uid, &v.version).await?.ok_or_else(|| {
                            StoreError::Unavailable("a version vanished while reporting a conflict".into())
                        })?;
                        return Err(StoreError::VersionExists {
                            version: stored.published.version,
                            existing_archive_digest: stored.published.archive_digest,
                        });
                    }
                    other => other.map_err(unavailable)?,
                };
                Self::insert_event(&mut tx, write.event, &skill.id, &v.version, v.published_at).await?;
                Self::insert_audit(&mut tx, &write.audit).await?;
                Self::refresh_skill(&mut tx, skill.uid.as_str()).await?;
                tx.commit().await.map_err(unavailable)
            }

            async fn set_yanked(
                &self,
                skill: &skillreg_core::model::SkillUid,
                version: &skillreg_core::Version,
                yanked: bool,
                audit: &skillreg_core::model::AuditEntry,
                right: &skillreg_core::ports::WriteRight,
            ) -> Result<bool, skillreg_core::ports::StoreError> {
                use skillreg_core::ports::StoreError;
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                Self::check_right(&mut tx, right).await?;
                let sql = format!(
                    "SELECT s.namespace, s.name, v.version_text, v.yanked FROM versions v JOIN skills s ON s.uid = v.skill_uid \
                     WHERE v.skill_uid = $1 AND v.version = $2{}",
                    Self::FOR_UPDATE
                );
                let row: Option<(String, String, String, bool)> = sqlx::query_as(&sql)
                    .bind(skill.as_str())
                    .bind(version.canonical())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                let Some((namespace, name, version_text, current)) = row else {
                    return Err(StoreError::Missing(format!("version {version}")));
                };
                if current == yanked {
                    return Ok(false);
                }
                sqlx::query("UPDATE versions SET yanked = $1 WHERE skill_uid = $2 AND version = $3")
                    .bind(yanked)
                    .bind(skill.as_str())
                    .bind(version.canonical())
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                if yanked {
                    let corrupt = |e: &dyn std::fmt::Display| $crate::sql::rows::corrupt("yanked version", e);
                    let id = skillreg_core::SkillId::new(
                        namespace.parse().map_err(|e| corrupt(&e))?,
                        name.parse().map_err(|e| corrupt(&e))?,
                    );
                    let stored: skillreg_core::Version = version_text.parse().map_err(|e| corrupt(&e))?;
                    Self::insert_event(&mut tx, skillreg_core::model::EventKind::SkillYanked, &id, &stored, audit.at)
                        .await?;
                }
                Self::insert_audit(&mut tx, audit).await?;
                Self::refresh_skill(&mut tx, skill.as_str()).await?;
                tx.commit().await.map_err(unavailable)?;
                Ok(true)
            }

            async fn set_deprecation(
                &self,
                skill: &skillreg_core::model::SkillUid,
                message: Option<&str>,
                audit: &skillreg_core::model::AuditEntry,
                right: &skillreg_core::ports::WriteRight,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                Self::check_right(&mut tx, right).await?;
                let done = sqlx::query("UPDATE skills SET deprecation = $1 WHERE uid = $2")
                    .bind(message)
                    .bind(skill.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                if done.rows_affected() == 0 {
                    return Err(skillreg_core::ports::StoreError::Missing("skill".into()));
                }
                Self::insert_audit(&mut tx, audit).await?;
                tx.commit().await.map_err(unavailable)
            }
        }

        #[async_trait::async_trait]
        impl skillreg_core::ports::NamespaceStore for $store {
            async fn namespace(
                &self,
                namespace: &skillreg_core::Namespace,
            ) -> Result<Option<skillreg_core::model::NamespaceRecord>, skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let key = namespace.key();
                let row: Option<(String, i64)> =
                    sqlx::query_as("SELECT name, created_at FROM namespaces WHERE key = $1")
                        .bind(key.as_str())
                        .fetch_optional(&self.reader)
                        .await
                        .map_err(unavailable)?;
                let Some((name, created_at)) = row else { return Ok(None) };
                let members: Vec<(String, String)> =
                    sqlx::query_as("SELECT user_id, role FROM namespace_members WHERE namespace_key = $1")
                        .bind(key.as_str())
                        .fetch_all(&self.reader)
                        .await
                        .map_err(unavailable)?;
                let corrupt = |what: &str, e: &dyn std::fmt::Display| $crate::sql::rows::corrupt(what, e);
                let mut record = skillreg_core::model::NamespaceRecord {
                    namespace: name.parse().map_err(|e| corrupt("namespace", &e))?,
                    members: std::collections::BTreeMap::new(),
                    created_at: skillreg_core::model::Timestamp::from_unix_millis(created_at),
                };
                for (user, role) in members {
                    let role = match role.as_str() {
                        "owner" => skillreg_core::model::Role::Owner,
                        "member" => skillreg_core::model::Role::Member,
                        other => return Err(corrupt("role", &other)),
                    };
                    record.members.insert(user.parse().map_err(|e| corrupt("member", &e))?, role);
                }
                Ok(Some(record))
            }

            async fn create_namespace(
                &self,
                namespace: &skillreg_core::Namespace,
                owner: &skillreg_core::model::UserId,
                at: skillreg_core::model::Timestamp,
                audit: &skillreg_core::model::AuditEntry,
            ) -> Result<skillreg_core::model::NamespaceRecord, skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                Self::ensure_user(&mut tx, owner, at).await?;
                let inserted = sqlx::query("INSERT INTO namespaces (key, name, created_at) VALUES ($1, $2, $3)")
                    .bind(namespace.key().as_str())
                    .bind(namespace.as_str())
                    .bind(at.unix_millis())
                    .execute(&mut *tx)
                    .await;
                match inserted {
                    Err(error) if $crate::sql::is_unique_violation(&error) => {
                        return Err(skillreg_core::ports::StoreError::NamespaceExists(namespace.clone()));
                    }
                    other => other.map_err(unavailable)?,
                };
                sqlx::query("INSERT INTO namespace_members (namespace_key, user_id, role) VALUES ($1, $2, 'owner')")
                    .bind(namespace.key().as_str())
                    .bind(owner.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                Self::insert_audit(&mut tx, audit).await?;
                tx.commit().await.map_err(unavailable)?;
                Ok(skillreg_core::model::NamespaceRecord {
                    namespace: namespace.clone(),
                    members: std::collections::BTreeMap::from([(owner.clone(), skillreg_core::model::Role::Owner)]),
                    created_at: at,
                })
            }

            async fn set_member(
                &self,
                change: &skillreg_core::ports::MemberChange,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                use skillreg_core::ports::StoreError;
                let namespace = &change.namespace;
                let key = namespace.key();
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                // The namespace's row, locked: member changes of one namespace run one at a
                // time, so each sees the owners the one before it left.
                let lock = format!("SELECT key FROM namespaces WHERE key = $1{}", Self::FOR_UPDATE);
                let exists: Option<(String,)> = sqlx::query_as(&lock)
                    .bind(key.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                if exists.is_none() {
                    return Err(StoreError::Missing(format!("namespace `{namespace}`")));
                }
                if let Some(by) = &change.by_owner {
                    let role: Option<(String,)> = sqlx::query_as(
                        "SELECT role FROM namespace_members WHERE namespace_key = $1 AND user_id = $2",
                    )
                    .bind(key.as_str())
                    .bind(by.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                    if role.as_ref().map(|(r,)| r.as_str()) != Some("owner") {
                        return Err(StoreError::NotAnOwner { user: by.clone(), namespace: namespace.clone() });
                    }
                }
                let user = &change.user;
                match change.role {
                    Some(role) => {
                        let role = match role {
                            skillreg_core::model::Role::Owner => "owner",
                            skillreg_core::model::Role::Member => "member",
                        };
                        Self::ensure_user(&mut tx, user, change.audit.at).await?;
                        sqlx::query(
                            "INSERT INTO namespace_members (namespace_key, user_id, role) VALUES ($1, $2, $3) \
                             ON CONFLICT (namespace_key, user_id) DO UPDATE SET role = excluded.role",
                        )
                        .bind(key.as_str())
                        .bind(user.as_str())
                        .bind(role)
                        .execute(&mut *tx)
                        .await
                        .map_err(unavailable)?;
                    }
                    None => {
                        sqlx::query("DELETE FROM namespace_members WHERE namespace_key = $1 AND user_id = $2")
                            .bind(key.as_str())
                            .bind(user.as_str())
                            .execute(&mut *tx)
                            .await
                            .map_err(unavailable)?;
                    }
                }
                let (owners,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM namespace_members WHERE namespace_key = $1 AND role = 'owner'",
                )
                .bind(key.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(unavailable)?;
                if owners == 0 {
                    // Dropping the transaction rolls the change back.
                    return Err(StoreError::LastOwner(namespace.clone()));
                }
                Self::insert_audit(&mut tx, &change.audit).await?;
                tx.commit().await.map_err(unavailable)
            }
        }

        #[async_trait::async_trait]
        impl skillreg_core::ports::CredentialStore for $store {
            async fn insert_token(
                &self,
                token: &skillreg_core::model::TokenRecord,
                audit: &skillreg_core::model::AuditEntry,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                Self::ensure_user(&mut tx, &token.user, token.created_at).await?;
                let inserted = sqlx::query(
                    "INSERT INTO tokens (id, user_id, name, secret_digest, scopes, namespaces, created_at, revoked_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(token.id.as_str())
                .bind(token.user.as_str())
                .bind(&token.name)
                .bind(token.secret_digest.to_string())
                .bind($crate::sql::rows::joined(&token.scopes))
                .bind($crate::sql::rows::joined(&token.namespaces))
                .bind(token.created_at.unix_millis())
                .bind(token.revoked_at.map(skillreg_core::model::Timestamp::unix_millis))
                .bind(token.expires_at.map(skillreg_core::model::Timestamp::unix_millis))
                .execute(&mut *tx)
                .await;
                match inserted {
                    Err(error) if $crate::sql::is_unique_violation(&error) => {
                        Err(skillreg_core::ports::StoreError::Duplicate(format!("token `{}`", token.id)))
                    }
                    other => {
                        other.map_err(unavailable)?;
                        Self::insert_audit(&mut tx, audit).await?;
                        tx.commit().await.map_err(unavailable)
                    }
                }
            }

            async fn token_by_secret(
                &self,
                secret_digest: &skillreg_core::Digest,
            ) -> Result<Option<skillreg_core::model::TokenRecord>, skillreg_core::ports::StoreError> {
                self.token_where("secret_digest", &secret_digest.to_string()).await
            }

            async fn token(
                &self,
                id: &skillreg_core::model::TokenId,
            ) -> Result<Option<skillreg_core::model::TokenRecord>, skillreg_core::ports::StoreError> {
                self.token_where("id", id.as_str()).await
            }

            async fn tokens_of(
                &self,
                user: &skillreg_core::model::UserId,
            ) -> Result<Vec<skillreg_core::model::TokenRecord>, skillreg_core::ports::StoreError> {
                let sql = format!(
                    "SELECT {} FROM tokens WHERE user_id = $1 ORDER BY created_at, id",
                    $crate::sql::rows::TOKEN_COLUMNS
                );
                sqlx::query_as::<_, $crate::sql::rows::TokenRow>(&sql)
                    .bind(user.as_str())
                    .fetch_all(&self.reader)
                    .await
                    .map_err($crate::sql::unavailable)?
                    .into_iter()
                    .map($crate::sql::rows::TokenRow::into_record)
                    .collect()
            }

            async fn revoke_token(
                &self,
                user: &skillreg_core::model::UserId,
                id: &skillreg_core::model::TokenId,
                at: skillreg_core::model::Timestamp,
                audit: &skillreg_core::model::AuditEntry,
            ) -> Result<bool, skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                let done = sqlx::query(
                    "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
                )
                .bind(at.unix_millis())
                .bind(id.as_str())
                .bind(user.as_str())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                let revoked = done.rows_affected() == 1;
                if revoked {
                    Self::insert_audit(&mut tx, audit).await?;
                }
                tx.commit().await.map_err(unavailable)?;
                Ok(revoked)
            }

            async fn add_publisher_key(
                &self,
                key: &skillreg_core::model::PublisherKey,
                audit: &skillreg_core::model::AuditEntry,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                Self::ensure_user(&mut tx, &key.user, key.created_at).await?;
                let inserted = sqlx::query(
                    "INSERT INTO publisher_keys (key_id, user_id, public_key, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (key_id) DO NOTHING",
                )
                .bind(&key.key_id)
                .bind(key.user.as_str())
                .bind(&key.public_key)
                .bind(key.created_at.unix_millis())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                if inserted.rows_affected() == 1 {
                    Self::insert_audit(&mut tx, audit).await?;
                }
                let (owner,): (String,) = sqlx::query_as("SELECT user_id FROM publisher_keys WHERE key_id = $1")
                    .bind(&key.key_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                if owner != key.user.as_str() {
                    return Err(skillreg_core::ports::StoreError::Duplicate(format!("publisher key `{}`", key.key_id)));
                }
                tx.commit().await.map_err(unavailable)
            }

            async fn revoke_publisher_key(
                &self,
                key_id: &str,
                at: skillreg_core::model::Timestamp,
                audit: &skillreg_core::model::AuditEntry,
            ) -> Result<bool, skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                let done = sqlx::query(
                    "UPDATE publisher_keys SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL",
                )
                .bind(at.unix_millis())
                .bind(key_id)
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                let revoked = done.rows_affected() == 1;
                if revoked {
                    Self::insert_audit(&mut tx, audit).await?;
                }
                tx.commit().await.map_err(unavailable)?;
                Ok(revoked)
            }

            async fn publisher_key(
                &self,
                key_id: &str,
            ) -> Result<Option<skillreg_core::model::PublisherKey>, skillreg_core::ports::StoreError> {
                let sql = format!("SELECT {} FROM publisher_keys WHERE key_id = $1", $crate::sql::rows::KEY_COLUMNS);
                sqlx::query_as::<_, $crate::sql::rows::KeyRow>(&sql)
                .bind(key_id)
                .fetch_optional(&self.reader)
                .await
                .map_err($crate::sql::unavailable)?
                .map($crate::sql::rows::KeyRow::into_record)
                .transpose()
            }
        }

        #[async_trait::async_trait]
        impl skillreg_core::ports::StatsStore for $store {
            async fn put_rating(
                &self,
                skill: &skillreg_core::model::SkillUid,
                rating: &skillreg_core::model::RatingRecord,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                // Lock the skill row: ratings of one skill are written one at a time, so the
                // aggregate below always counts every committed rating.
                let sql = format!("SELECT uid FROM skills WHERE uid = $1{}", Self::FOR_UPDATE);
                let exists: Option<(String,)> =
                    sqlx::query_as(&sql).bind(skill.as_str()).fetch_optional(&mut *tx).await.map_err(unavailable)?;
                if exists.is_none() {
                    return Err(skillreg_core::ports::StoreError::Missing("skill".into()));
                }
                Self::ensure_user(&mut tx, &rating.user, rating.rated_at).await?;
                sqlx::query(
                    "INSERT INTO ratings (skill_uid, user_id, half_stars, review, rated_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (skill_uid, user_id) DO UPDATE SET half_stars = excluded.half_stars, \
                     review = excluded.review, rated_at = excluded.rated_at",
                )
                .bind(skill.as_str())
                .bind(rating.user.as_str())
                .bind(i32::from(rating.stars.half_stars()))
                .bind(&rating.review)
                .bind(rating.rated_at.unix_millis())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                sqlx::query(
                    "UPDATE skills SET rating_count = (SELECT COUNT(*) FROM ratings WHERE skill_uid = $1), \
                     rating_sum = (SELECT COALESCE(SUM(half_stars), 0) FROM ratings WHERE skill_uid = $1) WHERE uid = $1",
                )
                .bind(skill.as_str())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                tx.commit().await.map_err(unavailable)
            }

            async fn ratings(
                &self,
                skill: &skillreg_core::model::SkillUid,
                limit: u32,
            ) -> Result<Vec<skillreg_core::model::RatingRecord>, skillreg_core::ports::StoreError> {
                sqlx::query_as::<_, $crate::sql::rows::RatingRow>(
                    "SELECT user_id, half_stars, review, rated_at FROM ratings WHERE skill_uid = $1 \
                     ORDER BY rated_at DESC, user_id LIMIT $2",
                )
                .bind(skill.as_str())
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await
                .map_err($crate::sql::unavailable)?
                .into_iter()
                .map($crate::sql::rows::RatingRow::into_record)
                .collect()
            }

            async fn rating_summary(
                &self,
                skill: &skillreg_core::model::SkillUid,
            ) -> Result<skillreg_core::model::RatingSummary, skillreg_core::ports::StoreError> {
                let (count, sum): (i64, i64) = sqlx::query_as(
                    "SELECT COUNT(*), CAST(COALESCE(SUM(half_stars), 0) AS BIGINT) FROM ratings WHERE skill_uid = $1",
                )
                .bind(skill.as_str())
                .fetch_one(&self.reader)
                .await
                .map_err($crate::sql::unavailable)?;
                let corrupt = |e: std::num::TryFromIntError| $crate::sql::rows::corrupt("rating counts", e);
                Ok(skillreg_core::model::RatingSummary {
                    count: u64::try_from(count).map_err(corrupt)?,
                    half_star_sum: u64::try_from(sum).map_err(corrupt)?,
                })
            }

            async fn record_download(
                &self,
                skill: &skillreg_core::model::SkillUid,
                _version: &skillreg_core::Version,
                at: skillreg_core::model::Timestamp,
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                let done = sqlx::query("UPDATE skills SET downloads = downloads + 1 WHERE uid = $1")
                    .bind(skill.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                if done.rows_affected() == 0 {
                    return Err(skillreg_core::ports::StoreError::Missing("skill".into()));
                }
                sqlx::query(
                    "INSERT INTO downloads (skill_uid, day, count) VALUES ($1, $2, 1) \
                     ON CONFLICT (skill_uid, day) DO UPDATE SET count = downloads.count + 1",
                )
                .bind(skill.as_str())
                .bind(at.day())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
                tx.commit().await.map_err(unavailable)
            }

            async fn record_downloads(
                &self,
                batch: &[skillreg_core::ports::DownloadCount],
            ) -> Result<(), skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                if batch.is_empty() {
                    return Ok(());
                }
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                for entry in batch {
                    let count = i64::try_from(entry.count).unwrap_or(i64::MAX);
                    let done = sqlx::query("UPDATE skills SET downloads = downloads + $1 WHERE uid = $2")
                        .bind(count)
                        .bind(entry.skill.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(unavailable)?;
                    if done.rows_affected() == 0 {
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO downloads (skill_uid, day, count) VALUES ($1, $2, $3) \
                         ON CONFLICT (skill_uid, day) DO UPDATE SET count = downloads.count + $3",
                    )
                    .bind(entry.skill.as_str())
                    .bind(entry.at.day())
                    .bind(count)
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
                }
                tx.commit().await.map_err(unavailable)
            }

            async fn download_count(
                &self,
                skill: &skillreg_core::model::SkillUid,
            ) -> Result<u64, skillreg_core::ports::StoreError> {
                let count: Option<(i64,)> = sqlx::query_as("SELECT downloads FROM skills WHERE uid = $1")
                    .bind(skill.as_str())
                    .fetch_optional(&self.reader)
                    .await
                    .map_err($crate::sql::unavailable)?;
                Ok(count.map_or(0, |(n,)| u64::try_from(n).unwrap_or(0)))
            }

            async fn trending(
                &self,
                since: skillreg_core::model::Timestamp,
                limit: u32,
            ) -> Result<Vec<skillreg_core::model::TrendingEntry>, skillreg_core::ports::StoreError> {
                let rows: Vec<(String, String, i64)> = sqlx::query_as(
                    "SELECT s.namespace, s.name, CAST(SUM(d.count) AS BIGINT) AS installs \
                     FROM downloads d JOIN skills s ON s.uid = d.skill_uid WHERE d.day >= $1 \
                     GROUP BY s.uid, s.namespace, s.name, s.id_key ORDER BY installs DESC, s.id_key LIMIT $2",
                )
                .bind(since.day())
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await
                .map_err($crate::sql::unavailable)?;
                rows.into_iter()
                    .map(|(namespace, name, installs)| {
                        let corrupt = |e: &dyn std::fmt::Display| $crate::sql::rows::corrupt("trending", e);
                        Ok(skillreg_core::model::TrendingEntry {
                            id: skillreg_core::SkillId::new(
                                namespace.parse().map_err(|e| corrupt(&e))?,
                                name.parse().map_err(|e| corrupt(&e))?,
                            ),
                            installs: u64::try_from(installs).map_err(|e| corrupt(&e))?,
                        })
                    })
                    .collect()
            }
        }

        #[async_trait::async_trait]
        impl skillreg_core::ports::SearchStore for $store {
            async fn search(
                &self,
                query: &skillreg_core::model::SearchQuery,
            ) -> Result<skillreg_core::model::SearchPage, skillreg_core::ports::StoreError> {
                use skillreg_core::model::{PageStart, SearchCursor};
                let (snapshot, offset) = match &query.start {
                    PageStart::Offset(offset) => {
                        let (max,): (Option<i64>,) = sqlx::query_as("SELECT MAX(seq) FROM skills")
                            .fetch_one(&self.reader)
                            .await
                            .map_err($crate::sql::unavailable)?;
                        (max.unwrap_or(0), *offset)
                    }
                    PageStart::Cursor(text) => {
                        let cursor = SearchCursor::decode(text)
                            .ok_or_else(|| skillreg_core::ports::StoreError::Missing(format!("cursor `{text}`")))?;
                        (cursor.snapshot, cursor.offset)
                    }
                };
                // The first page needs no bound: it sees what exists now, and its cursor
                // bounds the pages after it.
                let bound = matches!(query.start, PageStart::Cursor(_)).then_some(snapshot);
                let terms = $crate::sql::query_terms(query.text.as_deref().unwrap_or_default());
                let (mut rows, counted) = if query.sort == skillreg_core::model::SearchSort::Relevance && !terms.is_empty() {
                    self.ranked_page(query, &terms, bound, offset, snapshot).await?
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
                        row.recent = recent.iter().find(|(uid, _)| uid == &row.uid).map_or(0, |(_, n)| *n);
                    }
                }
                let hits = rows.into_iter().map($crate::sql::rows::HitRow::into_hit).collect::<Result<Vec<_>, _>>()?;
                let next_offset = offset + hits.len() as u64;
                let next_cursor = more.then(|| SearchCursor { snapshot, offset: next_offset }.encode());
                let max = skillreg_core::model::MAX_COUNTED_HITS;
                Ok(skillreg_core::model::SearchPage {
                    hits,
                    total: counted.min(max),
                    total_exact: counted <= max,
                    next_cursor,
                })
            }
        }

        #[async_trait::async_trait]
        impl skillreg_core::ports::EventStore for $store {
            async fn events_after(
                &self,
                after: i64,
                limit: u32,
            ) -> Result<Vec<skillreg_core::model::EventRecord>, skillreg_core::ports::StoreError> {
                sqlx::query_as::<_, $crate::sql::rows::EventRow>(
                    "SELECT seq, kind, skill_id, version, at FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await
                .map_err($crate::sql::unavailable)?
                .into_iter()
                .map($crate::sql::rows::EventRow::into_record)
                .collect()
            }

            async fn audit_log(
                &self,
                limit: u32,
            ) -> Result<Vec<skillreg_core::model::AuditEntry>, skillreg_core::ports::StoreError> {
                sqlx::query_as::<_, $crate::sql::rows::AuditRow>(
                    "SELECT actor, action, target, at FROM audit_log ORDER BY seq DESC LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await
                .map_err($crate::sql::unavailable)?
                .into_iter()
                .map($crate::sql::rows::AuditRow::into_record)
                .collect()
            }
        }
    };
}
pub(crate) use sql_skill_store;

/// Opens the capped count of a search: `push_count_end` closes it. Counting stops one past
/// [`skillreg_core::model::MAX_COUNTED_HITS`], so a broad query costs no more than a narrow
/// one.
pub(crate) const COUNT_START: &str = "SELECT COUNT(*) FROM (SELECT 1";

/// Closes what [`COUNT_START`] opened.
pub(crate) fn push_count_end<DB: sqlx::Database>(builder: &mut sqlx::QueryBuilder<'_, DB>) {
    builder.push(format!(
        " LIMIT {}) AS counted",
        skillreg_core::model::MAX_COUNTED_HITS + 1
    ));
}

/// Pushes the rest of a count (after [`COUNT_START`]) read from `skill_tags` alone, when
/// tags are the search's only filter: a skill has tag rows only while it has a latest
/// version, so the tags' index answers without a lookup in `skills` per match. Returns
/// whether it did.
pub(crate) fn push_tag_count<'a, DB>(
    builder: &mut sqlx::QueryBuilder<'a, DB>,
    query: &SearchQuery,
    bound: Option<i64>,
) -> bool
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let only_tags = bound.is_none()
        && query.namespace.is_none()
        && query.min_rating.is_none()
        && query_terms(query.text.as_deref().unwrap_or_default()).is_empty();
    let tags: std::collections::BTreeSet<&String> = query.tags.iter().collect();
    if !only_tags || tags.is_empty() {
        return false;
    }
    builder.push(" FROM skill_tags WHERE tag IN (");
    let mut separated = builder.separated(", ");
    for tag in &tags {
        separated.push_bind((*tag).clone());
    }
    builder
        .push(") GROUP BY skill_uid HAVING COUNT(*) = ")
        .push_bind(i64::try_from(tags.len()).unwrap_or(i64::MAX));
    true
}

/// The columns a search hit selects, up to the dialect's `recent` download subquery.
pub(crate) const HIT_COLUMNS: &str = "SELECT s.uid, s.namespace, s.name, s.created_by, s.created_at, s.deprecation, \
     s.latest_version, s.description, s.tags, s.updated_at, s.downloads, s.rating_count, s.rating_sum, ";

/// Pushes the `recent` column and `FROM skills s`. Sorting by trending needs every
/// candidate's downloads in the window: they come from one aggregate over the window's
/// buckets (bounded by recent activity, not by the number of skills). Other sorts read
/// `recent` for the page's hits only, afterwards ([`recent_downloads_sql`]).
pub(crate) fn push_hit_source<'a, DB>(builder: &mut sqlx::QueryBuilder<'a, DB>, query: &SearchQuery)
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
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
pub(crate) fn recent_downloads_sql<'a, DB>(
    uids: &'a [String],
    since_day: i64,
) -> sqlx::QueryBuilder<'a, DB>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut builder = sqlx::QueryBuilder::new(
        "SELECT skill_uid, CAST(SUM(count) AS BIGINT) FROM downloads WHERE day >= ",
    );
    builder.push_bind(since_day).push(" AND skill_uid IN (");
    let mut separated = builder.separated(", ");
    for uid in uids {
        separated.push_bind(uid.as_str());
    }
    builder.push(") GROUP BY skill_uid");
    builder
}

/// Pushes the filters every search shares: only skills with a latest version, recorded at
/// or before `bound` (when paging with a cursor), in the namespace (or under it), with
/// every tag, rated at least the minimum.
pub(crate) fn push_filters<'a, DB>(
    builder: &mut sqlx::QueryBuilder<'a, DB>,
    query: &SearchQuery,
    bound: Option<i64>,
) where
    DB: sqlx::Database,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
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
}

/// Pushes `ORDER BY` for the query's sort (ties by id key) and the page bounds. Relevance
/// without text orders by downloads; with text, each store ranks it outside SQL
/// ([`ranking`]) and never asks for it here.
pub(crate) fn push_order<'a, DB>(
    builder: &mut sqlx::QueryBuilder<'a, DB>,
    query: &SearchQuery,
    offset: u64,
) where
    DB: sqlx::Database,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
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
