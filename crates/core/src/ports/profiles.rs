//! Agent profiles' port: [`ProfileStore`], part of every [`super::SkillStore`].

use async_trait::async_trait;

use super::store::StoreError;
use crate::identity::Namespace;
use crate::model::{AuditEntry, Timestamp, UserId};
use crate::profile::{ProfileChange, ProfileId, ProfileRecord};

/// A new profile (see [`ProfileStore::create_profile`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    /// Its id.
    pub id: ProfileId,
    /// What it is for.
    pub description: String,
    /// Who creates it.
    pub created_by: UserId,
    /// When.
    pub at: Timestamp,
    /// The audit entry to record with it.
    pub audit: AuditEntry,
}

/// An edit of a profile (see [`ProfileStore::change_profile`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileEdit {
    /// The profile.
    pub id: ProfileId,
    /// What changes.
    pub change: ProfileChange,
    /// When.
    pub at: Timestamp,
    /// The audit entry to record with it.
    pub audit: AuditEntry,
}

/// Agent profiles: named sets of skills, bound by skill uid.
#[async_trait]
pub trait ProfileStore: Send + Sync + std::fmt::Debug {
    /// The profile with this lookup key, its entries ordered by the skills' ids as they
    /// are now.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn profile(&self, id: &ProfileId) -> Result<Option<ProfileRecord>, StoreError>;

    /// Every profile, or those of one namespace (not the namespaces below it), ordered by
    /// key, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] or [`StoreError::Corrupt`].
    async fn profiles(
        &self,
        namespace: Option<&Namespace>,
        limit: u32,
    ) -> Result<Vec<ProfileRecord>, StoreError>;

    /// Creates an empty profile at revision 1, with its audit entry and a
    /// `profile.updated` event, in one transaction.
    ///
    /// # Errors
    /// MUST return [`StoreError::ProfileExists`] if one with the same key exists; nothing
    /// is written then.
    async fn create_profile(&self, new: &NewProfile) -> Result<ProfileRecord, StoreError>;

    /// Applies one change, raises the revision by one and records the audit entry and a
    /// `profile.updated` event, in one transaction; concurrent edits of one profile each
    /// get their own revision. Putting a skill the profile holds changes its request.
    ///
    /// # Errors
    /// MUST return [`StoreError::Missing`] if the profile does not exist, or if a removed
    /// skill is not in it, and [`StoreError::SkillGone`] if a put skill does not exist;
    /// nothing is written then.
    async fn change_profile(&self, edit: &ProfileEdit) -> Result<ProfileRecord, StoreError>;
}
