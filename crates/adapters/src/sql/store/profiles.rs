//! The SQL store's `ProfileStore`: agent profiles and their skills.
//!
//! An edit raises the profile's revision first, in its transaction: on PostgreSQL that
//! locks the profile's row, so concurrent edits of one profile run one after the other and
//! each gets its own revision; SQLite has one writer at a time anyway.

use async_trait::async_trait;
use skillreg_core::Namespace;
use skillreg_core::model::{AuditEntry, EventKind, SkillUid, Timestamp};
use skillreg_core::ports::{NewProfile, ProfileEdit, ProfileStore, StoreError};
use skillreg_core::profile::{ProfileChange, ProfileEntry, ProfileId, ProfileRecord};

use crate::sql::dialect::{Dialect, SqlStore, Tx};
use crate::sql::query::Sql;
use crate::sql::rows::corrupt;

/// A profile's row: namespace, name, description, revision, creator, created, updated.
type ProfileRow = (String, String, String, i64, String, i64, i64);

/// The columns of [`ProfileRow`].
const PROFILE_COLUMNS: &str =
    "namespace, name, description, revision, created_by, created_at, updated_at";

/// The entries of the profiles with these keys, with each skill's id now, by profile key.
const ENTRIES: &str = "SELECT ps.profile_key, ps.skill_uid, s.namespace, s.name, ps.request \
     FROM profile_skills ps JOIN skills s ON s.uid = ps.skill_uid";

fn record(row: ProfileRow) -> Result<ProfileRecord, StoreError> {
    let (namespace, name, description, revision, created_by, created_at, updated_at) = row;
    Ok(ProfileRecord {
        id: ProfileId::new(
            namespace
                .parse()
                .map_err(|e| corrupt("profile namespace", e))?,
            name.parse().map_err(|e| corrupt("profile name", e))?,
        ),
        description,
        entries: Vec::new(),
        revision: u64::try_from(revision).map_err(|e| corrupt("profile revision", e))?,
        created_by: created_by
            .parse()
            .map_err(|e| corrupt("profile creator", e))?,
        created_at: Timestamp::from_unix_millis(created_at),
        updated_at: Timestamp::from_unix_millis(updated_at),
    })
}

/// Puts the entry rows into their records (rows of profiles not among them are ignored),
/// each record's entries ordered by the skills' ids.
fn attach(
    records: &mut [ProfileRecord],
    rows: Vec<(String, String, String, String, String)>,
) -> Result<(), StoreError> {
    for (profile_key, uid, namespace, name, request) in rows {
        let Some(record) = records.iter_mut().find(|r| r.id.key() == profile_key) else {
            continue;
        };
        let namespace: Namespace = namespace.parse().map_err(|e| corrupt("namespace", e))?;
        record.entries.push(ProfileEntry {
            skill: uid.parse().map_err(|e| corrupt("skill uid", e))?,
            id: skillreg_core::SkillId::new(
                namespace,
                name.parse().map_err(|e| corrupt("skill name", e))?,
            ),
            request: request.parse().map_err(|e| corrupt("profile request", e))?,
        });
    }
    for record in records {
        record.entries.sort_by_key(|entry| entry.id.key());
    }
    Ok(())
}

impl<D: Dialect> Tx<D> {
    async fn profile_event(
        &mut self,
        id: &ProfileId,
        revision: u64,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new("INSERT INTO events (kind, skill_id, version, at) VALUES ($1, $2, $3, $4)")
                .bind(EventKind::ProfileUpdated.as_str())
                .bind(id.to_string())
                .bind(revision.to_string())
                .bind(at.unix_millis()),
        )
        .await?;
        self.insert_audit(audit).await
    }
}

impl<D: Dialect> SqlStore<D> {
    /// The profiles `sql` selects ([`PROFILE_COLUMNS`] and `key`), with their entries.
    async fn profiles_where(&self, sql: Sql) -> Result<Vec<ProfileRecord>, StoreError> {
        let rows: Vec<ProfileRow> = self.all(sql).await?;
        let mut records = rows
            .into_iter()
            .map(record)
            .collect::<Result<Vec<_>, _>>()?;
        if records.is_empty() {
            return Ok(records);
        }
        let mut entries = Sql::new(format!("{ENTRIES} WHERE ps.profile_key IN ("));
        entries.push_list(records.iter().map(|r| r.id.key()));
        entries.push(")");
        attach(&mut records, self.all(entries).await?)?;
        Ok(records)
    }
}

#[async_trait]
impl<D: Dialect> ProfileStore for SqlStore<D> {
    async fn profile(&self, id: &ProfileId) -> Result<Option<ProfileRecord>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {PROFILE_COLUMNS} FROM profiles WHERE key = $1"
        ))
        .bind(id.key());
        Ok(self.profiles_where(sql).await?.into_iter().next())
    }

    async fn profiles(
        &self,
        namespace: Option<&Namespace>,
        limit: u32,
    ) -> Result<Vec<ProfileRecord>, StoreError> {
        let mut sql = Sql::new(format!("SELECT {PROFILE_COLUMNS} FROM profiles"));
        if let Some(namespace) = namespace {
            sql.push(" WHERE namespace_key = ")
                .push_bind(namespace.key().as_str());
        }
        sql.push(" ORDER BY key LIMIT ").push_bind(i64::from(limit));
        self.profiles_where(sql).await
    }

    async fn create_profile(&self, new: &NewProfile) -> Result<ProfileRecord, StoreError> {
        let id = &new.id;
        let mut tx = self.begin().await?;
        let insert = Sql::new(
            "INSERT INTO profiles (key, namespace, name, namespace_key, description, revision, \
             created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7)",
        )
        .bind(id.key())
        .bind(id.namespace().as_str())
        .bind(id.name().as_str())
        .bind(id.namespace().key().as_str())
        .bind(new.description.as_str())
        .bind(new.created_by.as_str())
        .bind(new.at.unix_millis());
        if tx.insert_unique(insert).await?.is_none() {
            return Err(StoreError::ProfileExists(id.clone()));
        }
        tx.profile_event(id, 1, new.at, &new.audit).await?;
        tx.commit().await?;
        Ok(ProfileRecord {
            id: id.clone(),
            description: new.description.clone(),
            entries: Vec::new(),
            revision: 1,
            created_by: new.created_by.clone(),
            created_at: new.at,
            updated_at: new.at,
        })
    }

    async fn change_profile(&self, edit: &ProfileEdit) -> Result<ProfileRecord, StoreError> {
        let id = &edit.id;
        let key = id.key();
        let mut tx = self.begin().await?;
        // First, so the row stays locked until the commit.
        let raised = tx
            .execute(
                Sql::new(
                    "UPDATE profiles SET revision = revision + 1, updated_at = $1 WHERE key = $2",
                )
                .bind(edit.at.unix_millis())
                .bind(key.as_str()),
            )
            .await?;
        if raised == 0 {
            return Err(StoreError::Missing(format!("profile `{id}`")));
        }
        match &edit.change {
            ProfileChange::Put { skill, request } => {
                put(&mut tx, &key, skill, &request.to_string()).await?;
            }
            ProfileChange::Remove { skill } => {
                let removed = tx
                    .execute(
                        Sql::new(
                            "DELETE FROM profile_skills WHERE profile_key = $1 AND skill_uid = $2",
                        )
                        .bind(key.as_str())
                        .bind(skill.as_str()),
                    )
                    .await?;
                if removed == 0 {
                    return Err(StoreError::Missing(format!(
                        "skill {skill} in profile `{id}`"
                    )));
                }
            }
        }
        // Read in the transaction: the profile as this edit left it, whatever commits next.
        let row: ProfileRow = tx
            .one(
                Sql::new(format!(
                    "SELECT {PROFILE_COLUMNS} FROM profiles WHERE key = $1"
                ))
                .bind(key.as_str()),
            )
            .await?;
        let mut records = [record(row)?];
        let rows = tx
            .all(Sql::new(format!("{ENTRIES} WHERE ps.profile_key = $1")).bind(key.as_str()))
            .await?;
        attach(&mut records, rows)?;
        let [changed] = records;
        tx.profile_event(id, changed.revision, edit.at, &edit.audit)
            .await?;
        tx.commit().await?;
        Ok(changed)
    }
}

/// Adds the skill to the profile, or changes its request; [`StoreError::SkillGone`] when
/// no such skill exists.
async fn put<D: Dialect>(
    tx: &mut Tx<D>,
    key: &str,
    skill: &SkillUid,
    request: &str,
) -> Result<(), StoreError> {
    let exists: Option<(String,)> = tx
        .optional(Sql::new("SELECT uid FROM skills WHERE uid = $1").bind(skill.as_str()))
        .await?;
    if exists.is_none() {
        return Err(StoreError::SkillGone);
    }
    tx.execute(
        Sql::new(
            "INSERT INTO profile_skills (profile_key, skill_uid, request) VALUES ($1, $2, $3) \
             ON CONFLICT (profile_key, skill_uid) DO UPDATE SET request = excluded.request",
        )
        .bind(key)
        .bind(skill.as_str())
        .bind(request),
    )
    .await?;
    Ok(())
}
