//! The SQL store's writes and walks of versions' audits (see `CatalogStore::write_audit`
//! and `CatalogStore::stale_audits`; `catalog.rs` hands them here).

use skillreg_core::model::{EventKind, VersionRecord};
use skillreg_core::ports::{AuditWrite, StoreError, VersionCursor};
use skillreg_core::{SkillId, Version};

use crate::sql::dialect::{Dialect, SqlStore};
use crate::sql::query::Sql;
use crate::sql::rows::{self, VERSION_COLUMNS, VersionRow};

impl<D: Dialect> SqlStore<D> {
    pub(crate) async fn write_audit_at_revision(
        &self,
        write: &AuditWrite,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        tx.check_right(&write.right).await?;
        let row: Option<(String, String, String, i64)> = tx
            .optional(
                Sql::new(format!(
                    "SELECT s.namespace, s.name, v.version_text, v.audit_revision FROM versions v \
                     JOIN skills s ON s.uid = v.skill_uid WHERE v.skill_uid = $1 AND v.version = $2{}",
                    D::FOR_UPDATE
                ))
                .bind(write.skill.as_str())
                .bind(write.version.canonical()),
            )
            .await?;
        let Some((namespace, name, version_text, revision)) = row else {
            return Err(StoreError::Missing(format!("version {}", write.version)));
        };
        if u64::try_from(revision).ok() != Some(write.audit.revision) {
            return Ok(false);
        }
        let (stamp, verdict) = rows::audit_columns(Some(&write.audit));
        tx.execute(
            Sql::new(
                "UPDATE versions SET audit = $1, audit_stamp = $2, verdict = $3, \
                 audit_revision = audit_revision + 1 WHERE skill_uid = $4 AND version = $5",
            )
            .bind(rows::audit_json(Some(&write.audit)))
            .bind(stamp)
            .bind(verdict)
            .bind(write.skill.as_str())
            .bind(write.version.canonical()),
        )
        .await?;
        if write.verdict_changed {
            let corrupt = |e: &dyn std::fmt::Display| rows::corrupt("audited version", e);
            let id = SkillId::new(
                namespace.parse().map_err(|e| corrupt(&e))?,
                name.parse().map_err(|e| corrupt(&e))?,
            );
            let stored: Version = version_text.parse().map_err(|e| corrupt(&e))?;
            tx.insert_event(EventKind::VerdictChanged, &id, &stored, write.at)
                .await?;
        }
        if let Some(entry) = &write.entry {
            tx.insert_audit(entry).await?;
        }
        tx.refresh_skill(write.skill.as_str()).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub(crate) async fn versions_with_stale_audits(
        &self,
        stamp: &str,
        after: Option<&VersionCursor>,
        limit: u32,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        let sql = match after {
            None => Sql::new(format!(
                "SELECT {VERSION_COLUMNS} FROM versions WHERE audit_stamp <> $1 \
                 ORDER BY skill_uid, version LIMIT $2"
            ))
            .bind(stamp)
            .bind(i64::from(limit)),
            Some(cursor) => Sql::new(format!(
                "SELECT {VERSION_COLUMNS} FROM versions WHERE audit_stamp <> $1 \
                 AND (skill_uid > $2 OR (skill_uid = $2 AND version > $3)) \
                 ORDER BY skill_uid, version LIMIT $4"
            ))
            .bind(stamp)
            .bind(cursor.skill.as_str())
            .bind(cursor.version.as_str())
            .bind(i64::from(limit)),
        };
        self.all::<VersionRow>(sql)
            .await?
            .into_iter()
            .map(VersionRow::into_record)
            .collect()
    }
}
