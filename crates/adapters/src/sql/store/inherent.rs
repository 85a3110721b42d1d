//! The SQL store's the store's own helpers (migrations, back-fills, rights checked in a write, …), for SQLite and PostgreSQL alike: the body
//! [`sql_skill_store`](crate::sql::sql_skill_store) puts together for a store type and its
//! database.

/// Implements it for `$store` over pools of `$db`.
macro_rules! sql_inherent {
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

            /// Runs `change` (an `UPDATE`) in a transaction of its own, with `audit` recorded
            /// only when it changed a row; returns whether it did.
            async fn update_audited<'q>(
                &self,
                change: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>,
                audit: &skillreg_core::model::AuditEntry,
            ) -> Result<bool, skillreg_core::ports::StoreError> {
                use $crate::sql::unavailable;
                let mut tx = self.writer.begin().await.map_err(unavailable)?;
                let done = change.execute(&mut *tx).await.map_err(unavailable)?;
                let changed = done.rows_affected() > 0;
                if changed {
                    Self::insert_audit(&mut tx, audit).await?;
                }
                tx.commit().await.map_err(unavailable)?;
                Ok(changed)
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
    };
}
pub(crate) use sql_inherent;
