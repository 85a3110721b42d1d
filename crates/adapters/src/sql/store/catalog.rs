//! The SQL store's `CatalogStore`: skills and versions, the publish write, yanks and deprecations, for SQLite and PostgreSQL alike: the body
//! [`sql_skill_store`](crate::sql::sql_skill_store) puts together for a store type and its
//! database.

/// Implements it for `$store` over pools of `$db`.
macro_rules! sql_catalog {
    ($store:ty, $db:ty) => {
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
    };
}
pub(crate) use sql_catalog;
