//! Moving a skill to another namespace (`CatalogStore::move_skill`): one transaction that
//! rewrites the skill's id columns, its versions' package ids (a package id hashes the
//! id) and its search entry, with the audit entry, a `skill.moved` event and a log entry per
//! version.

use skillreg_core::model::{AuditEntry, EventKind, SkillUid};
use skillreg_core::ports::{StoreError, WriteRight};
use skillreg_core::{SkillId, Version};

use crate::sql::dialect::{Dialect, SqlStore};
use crate::sql::query::Sql;
use crate::sql::rows::{SkillVersionRow, VERSION_COLUMNS_QUALIFIED, corrupt};
use skillreg_core::log::LogEntry;

impl<D: Dialect> SqlStore<D> {
    pub(crate) async fn move_skill_to(
        &self,
        skill: &SkillUid,
        to: &SkillId,
        audit: &AuditEntry,
        right: &WriteRight,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.check_right(right).await?;
        let from = tx
            .locked_skill(skill)
            .await?
            .ok_or(StoreError::SkillGone)?
            .id;
        let update = Sql::new(
            "UPDATE skills SET namespace = $1, namespace_key = $2, id_key = $3 WHERE uid = $4",
        )
        .bind(to.namespace().as_str())
        .bind(to.namespace().key().as_str())
        .bind(to.key().as_str())
        .bind(skill.as_str());
        match tx.insert_unique(update).await? {
            None => {
                return Err(StoreError::SkillExists {
                    existing: to.clone(),
                });
            }
            Some(0) => return Err(StoreError::SkillGone),
            Some(_) => {}
        }
        let versions: Vec<SkillVersionRow> = tx
            .all(
                Sql::new(format!(
                    "SELECT s.uid, s.namespace, s.name, s.created_by, s.created_at, s.deprecation, \
                     {VERSION_COLUMNS_QUALIFIED} FROM versions v JOIN skills s ON s.uid = v.skill_uid \
                     WHERE v.skill_uid = $1 ORDER BY v.published_at DESC, v.version_text DESC"
                ))
                .bind(skill.as_str()),
            )
            .await?;
        let mut newest: Option<Version> = None;
        let mut moved = Vec::with_capacity(versions.len());
        for row in versions {
            let record = row.skill.into_record()?;
            let version = row.version.into_record()?;
            moved.push(version.clone());
            let package = skillreg_core::package::package_id(&record.id, &version.published);
            tx.execute(
                Sql::new(
                    "UPDATE versions SET package_id = $1 WHERE skill_uid = $2 AND version = $3",
                )
                .bind(package.as_str())
                .bind(skill.as_str())
                .bind(version.version().canonical()),
            )
            .await?;
            if newest.is_none() {
                newest = Some(version.version().clone());
            }
        }
        let newest = newest.ok_or_else(|| corrupt("skill", "a skill without versions"))?;
        tx.insert_event(EventKind::SkillMoved, to, &newest, audit.at)
            .await?;
        tx.insert_audit(audit).await?;
        tx.refresh_skill(skill.as_str()).await?;
        // Oldest first, as they were published.
        for version in moved.iter().rev() {
            let entry = LogEntry::moved(&from, to, &version.published, audit.at);
            let index = tx.append_log(&entry).await?;
            tx.set_log_index(skill.as_str(), &version.version().canonical(), index)
                .await?;
        }
        tx.commit().await
    }
}
