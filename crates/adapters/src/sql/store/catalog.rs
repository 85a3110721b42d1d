//! The SQL store's `CatalogStore`: skills and versions, the publish write, yanks and
//! deprecations. The point reads go through the dialect's [`PointReads`], which runs the
//! functions at the top of this file unless it has a faster way.

use async_trait::async_trait;
use skillreg_core::log::LogEntry;
use skillreg_core::model::{AuditEntry, EventKind, SkillRecord, SkillUid, VersionRecord};
use skillreg_core::package::PackageId;
use skillreg_core::ports::{
    AuditWrite, CatalogStore, SkillTarget, StoreError, VersionCursor, VersionWrite, WriteRight,
};
use skillreg_core::{Digest, SkillId, SkillName, Version};

use crate::sql::dialect::{Dialect, PointReads, SqlStore};
use crate::sql::query::Sql;
use crate::sql::rows::{
    self, SKILL_COLUMNS, SkillRow, SkillVersionRow, VERSION_COLUMNS, VERSION_COLUMNS_QUALIFIED,
    VersionRow,
};

/// A skill joined with its versions, selected from `versions v JOIN skills s`.
fn skill_version_select(condition: &str) -> String {
    format!(
        "SELECT s.uid, s.namespace, s.name, s.created_by, s.created_at, s.deprecation, \
         {VERSION_COLUMNS_QUALIFIED} FROM versions v JOIN skills s ON s.uid = v.skill_uid \
         WHERE {condition}"
    )
}

pub(crate) async fn skill_row<D: Dialect>(
    store: &SqlStore<D>,
    namespace_key: &str,
    name_key: &str,
) -> Result<Option<SkillRow>, StoreError> {
    store
        .optional(
            Sql::new(format!(
                "SELECT {SKILL_COLUMNS} FROM skills WHERE namespace_key = $1 AND name_key = $2"
            ))
            .bind(namespace_key)
            .bind(name_key),
        )
        .await
}

pub(crate) async fn skill_row_by_uid<D: Dialect>(
    store: &SqlStore<D>,
    uid: &str,
) -> Result<Option<SkillRow>, StoreError> {
    store
        .optional(Sql::new(format!("SELECT {SKILL_COLUMNS} FROM skills WHERE uid = $1")).bind(uid))
        .await
}

pub(crate) async fn skill_version_rows<D: Dialect>(
    store: &SqlStore<D>,
    namespace_key: &str,
    name_key: &str,
) -> Result<Vec<SkillVersionRow>, StoreError> {
    store
        .all(
            Sql::new(skill_version_select(
                "s.namespace_key = $1 AND s.name_key = $2",
            ))
            .bind(namespace_key)
            .bind(name_key),
        )
        .await
}

pub(crate) async fn version_rows<D: Dialect>(
    store: &SqlStore<D>,
    uid: &str,
) -> Result<Vec<VersionRow>, StoreError> {
    store
        .all(
            Sql::new(format!(
                "SELECT {VERSION_COLUMNS} FROM versions WHERE skill_uid = $1"
            ))
            .bind(uid),
        )
        .await
}

pub(crate) async fn version_row<D: Dialect>(
    store: &SqlStore<D>,
    uid: &str,
    version: &str,
) -> Result<Option<VersionRow>, StoreError> {
    store
        .optional(
            Sql::new(format!(
                "SELECT {VERSION_COLUMNS} FROM versions WHERE skill_uid = $1 AND version = $2"
            ))
            .bind(uid)
            .bind(version),
        )
        .await
}

fn pair(row: SkillVersionRow) -> Result<(SkillRecord, VersionRecord), StoreError> {
    Ok((row.skill.into_record()?, row.version.into_record()?))
}

#[async_trait]
impl<D: PointReads> CatalogStore for SqlStore<D> {
    async fn skill(&self, id: &SkillId) -> Result<Option<SkillRecord>, StoreError> {
        let (namespace_key, name_key) = (id.namespace().key(), id.name().key());
        D::skill_row(self, namespace_key.as_str(), name_key.as_str())
            .await?
            .map(SkillRow::into_record)
            .transpose()
    }

    async fn skill_with_versions(
        &self,
        id: &SkillId,
    ) -> Result<Option<(SkillRecord, Vec<VersionRecord>)>, StoreError> {
        let (namespace_key, name_key) = (id.namespace().key(), id.name().key());
        rows::skill_entry(
            D::skill_version_rows(self, namespace_key.as_str(), name_key.as_str()).await?,
        )
    }

    async fn skill_by_uid(&self, uid: &SkillUid) -> Result<Option<SkillRecord>, StoreError> {
        D::skill_row_by_uid(self, uid.as_str())
            .await?
            .map(SkillRow::into_record)
            .transpose()
    }

    async fn skills_named(&self, name: &SkillName) -> Result<Vec<SkillRecord>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {SKILL_COLUMNS} FROM skills WHERE name_key = $1 ORDER BY id_key"
        ))
        .bind(name.key().as_str());
        let mut found = self
            .all::<SkillRow>(sql)
            .await?
            .into_iter()
            .map(SkillRow::into_record)
            .collect::<Result<Vec<_>, _>>()?;
        found.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(found)
    }

    async fn versions(&self, skill: &SkillUid) -> Result<Vec<VersionRecord>, StoreError> {
        rows::sorted_versions(D::version_rows(self, skill.as_str()).await?)
    }

    async fn versions_of(
        &self,
        wanted: &[(SkillUid, Version)],
    ) -> Result<Vec<VersionRecord>, StoreError> {
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let mut select = Sql::new(format!(
            "SELECT {VERSION_COLUMNS} FROM versions WHERE (skill_uid, version) IN ("
        ));
        for (index, (skill, version)) in wanted.iter().enumerate() {
            select.push(if index == 0 { "(" } else { ", (" });
            select.push_list([skill.as_str().to_owned(), version.canonical()]);
            select.push(")");
        }
        select.push(")");
        self.all::<VersionRow>(select)
            .await?
            .into_iter()
            .map(VersionRow::into_record)
            .collect()
    }

    async fn version_by_package_id(
        &self,
        package_id: &PackageId,
    ) -> Result<Option<(SkillRecord, VersionRecord)>, StoreError> {
        let sql = Sql::new(skill_version_select(
            "v.package_id = $1 ORDER BY v.published_at DESC, v.version DESC LIMIT 1",
        ))
        .bind(package_id.as_str());
        self.optional(sql).await?.map(pair).transpose()
    }

    async fn versions_with_archive(
        &self,
        archive_digest: &Digest,
        limit: u32,
    ) -> Result<Vec<(SkillRecord, VersionRecord)>, StoreError> {
        let sql = Sql::new(skill_version_select(
            "v.archive_digest = $1 ORDER BY v.published_at, v.version LIMIT $2",
        ))
        .bind(archive_digest.to_string())
        .bind(i64::from(limit));
        self.all(sql).await?.into_iter().map(pair).collect()
    }

    async fn version(
        &self,
        skill: &SkillUid,
        version: &Version,
    ) -> Result<Option<VersionRecord>, StoreError> {
        D::version_row(self, skill.as_str(), &version.canonical())
            .await?
            .map(VersionRow::into_record)
            .transpose()
    }

    async fn write_version(&self, write: &VersionWrite) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        tx.check_right(&write.right).await?;
        let skill = match &write.target {
            SkillTarget::New(record) => {
                let insert = Sql::new(
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
                .bind(record.created_at.unix_millis());
                if tx.insert_unique(insert).await?.is_none() {
                    drop(tx);
                    let (namespace, name) = (record.id.namespace().key(), record.id.name().key());
                    let existing = skill_row(self, namespace.as_str(), name.as_str())
                        .await?
                        .map(SkillRow::into_record)
                        .transpose()?
                        .map_or_else(|| record.id.clone(), |s| s.id);
                    return Err(StoreError::SkillExists { existing });
                }
                record.clone()
            }
            SkillTarget::Existing {
                uid,
                expected_creator,
            } => {
                let current = tx.locked_skill(uid).await?.ok_or(StoreError::SkillGone)?;
                if &current.created_by != expected_creator {
                    return Err(StoreError::CreatorChanged {
                        created_by: current.created_by,
                    });
                }
                current
            }
        };
        let v = &write.version;
        let (stamp, verdict) = rows::audit_columns(v.audit.as_ref());
        let insert = Sql::new(
            "INSERT INTO versions (skill_uid, version, version_text, archive_digest, content_digest, size, \
             description, license, allowed_tools, tags, files, signatures, yanked, published_by, published_at, \
             package_id, audit, audit_stamp, verdict) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
        )
        .bind(skill.uid.as_str())
        .bind(v.version.canonical())
        .bind(v.version.to_string())
        .bind(v.archive_digest.to_string())
        .bind(v.content_digest.to_string())
        .bind(i64::try_from(v.size).unwrap_or(i64::MAX))
        .bind(&v.meta.description)
        .bind(&v.meta.license)
        .bind(rows::to_json(&v.meta.allowed_tools))
        .bind(rows::to_json(&v.meta.tags))
        .bind(rows::to_json(&v.meta.files))
        .bind(rows::signatures_json(&v.signatures))
        .bind(false)
        .bind(v.published_by.as_str())
        .bind(v.published_at.unix_millis())
        .bind(write.package_id.as_str())
        .bind(rows::audit_json(v.audit.as_ref()))
        .bind(stamp)
        .bind(verdict);
        if tx.insert_unique(insert).await?.is_none() {
            drop(tx);
            let stored = self.version(&skill.uid, &v.version).await?.ok_or_else(|| {
                StoreError::Unavailable("a version vanished while reporting a conflict".into())
            })?;
            return Err(StoreError::VersionExists {
                version: stored.published.version,
                existing_archive_digest: stored.published.archive_digest,
            });
        }
        tx.insert_event(write.event, &skill.id, &v.version, v.published_at)
            .await?;
        tx.insert_audit(&write.audit).await?;
        tx.refresh_skill(skill.uid.as_str()).await?;
        let index = tx.append_log(&LogEntry::published(&skill.id, v)).await?;
        tx.set_log_index(skill.uid.as_str(), &v.version.canonical(), index)
            .await?;
        tx.commit().await?;
        Ok(index)
    }

    async fn set_yanked(
        &self,
        skill: &SkillUid,
        version: &Version,
        yanked: bool,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        tx.check_right(right).await?;
        let row: Option<(String, String, String, bool)> = tx
            .optional(
                Sql::new(format!(
                    "SELECT s.namespace, s.name, v.version_text, v.yanked FROM versions v \
                     JOIN skills s ON s.uid = v.skill_uid WHERE v.skill_uid = $1 AND v.version = $2{}",
                    D::FOR_UPDATE
                ))
                .bind(skill.as_str())
                .bind(version.canonical()),
            )
            .await?;
        let Some((namespace, name, version_text, current)) = row else {
            return Err(StoreError::Missing(format!("version {version}")));
        };
        if current == yanked {
            return Ok(false);
        }
        tx.execute(
            Sql::new("UPDATE versions SET yanked = $1 WHERE skill_uid = $2 AND version = $3")
                .bind(yanked)
                .bind(skill.as_str())
                .bind(version.canonical()),
        )
        .await?;
        let corrupt = |e: &dyn std::fmt::Display| rows::corrupt("yanked version", e);
        let id = SkillId::new(
            namespace.parse().map_err(|e| corrupt(&e))?,
            name.parse().map_err(|e| corrupt(&e))?,
        );
        let stored: Version = version_text.parse().map_err(|e| corrupt(&e))?;
        if yanked {
            tx.insert_event(EventKind::SkillYanked, &id, &stored, audit.at)
                .await?;
        }
        tx.insert_audit(audit).await?;
        tx.refresh_skill(skill.as_str()).await?;
        tx.append_log(&LogEntry::yanked(&id, &stored, yanked, audit.at))
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn set_deprecation(
        &self,
        skill: &SkillUid,
        message: Option<&str>,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.check_right(right).await?;
        let current = tx
            .locked_skill(skill)
            .await?
            .ok_or_else(|| StoreError::Missing("skill".into()))?;
        tx.execute(
            Sql::new("UPDATE skills SET deprecation = $1 WHERE uid = $2")
                .bind(message)
                .bind(skill.as_str()),
        )
        .await?;
        tx.insert_audit(audit).await?;
        if current.deprecation.as_deref() != message {
            tx.append_log(&LogEntry::deprecated(&current.id, message, audit.at))
                .await?;
        }
        tx.commit().await
    }

    async fn move_skill(
        &self,
        skill: &SkillUid,
        to: &SkillId,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<(), StoreError> {
        self.move_skill_to(skill, to, audit, right).await
    }

    async fn write_audit(&self, write: &AuditWrite) -> Result<bool, StoreError> {
        self.write_audit_at_revision(write).await
    }

    async fn stale_audits(
        &self,
        stamp: &str,
        after: Option<&VersionCursor>,
        limit: u32,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        self.versions_with_stale_audits(stamp, after, limit).await
    }
}
