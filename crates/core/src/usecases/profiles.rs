//! Agent profiles (see [`crate::profile`]): creating one, adding and removing its skills,
//! reading and listing them.
//!
//! Who may do what:
//! - **Read** a profile: whoever may read its namespace's skills; its entries leave out the
//!   skills the reader may not see (a profile never tells that a hidden skill exists).
//! - **Create** one: a member of its namespace (which must exist) with a token that holds
//!   `publish-new` and covers the namespace; admins anywhere.
//! - **Change** one: the same, with `publish-update`. A skill added must be one the editor
//!   may read; it may live in any namespace.

use crate::auth::{Actor, require_scope};
use crate::identity::{Namespace, SkillId};
use crate::model::TokenScope;
use crate::ports::{NewProfile, ProfileEdit, StoreError};
use crate::profile::{ProfileChange, ProfileId, ProfileRecord, check_room, description};
use crate::version::VersionReq;

use super::{Registry, RegistryError};

/// Most profiles one list returns.
pub const MAX_LISTED_PROFILES: u32 = 1000;

impl Registry {
    /// The profile `id`, with the entries `reader` may see.
    ///
    /// # Errors
    /// [`RegistryError::ProfileNotFound`] (also for a profile the reader may not see), or
    /// a store failure.
    pub async fn profile(
        &self,
        reader: Option<&Actor>,
        id: &ProfileId,
    ) -> Result<ProfileRecord, RegistryError> {
        self.admit(reader)?;
        let found = self.stores.profiles.profile(id).await?;
        match found {
            Some(record) if self.may_read_in(reader, id.namespace()).await? => {
                self.seen_by(reader, record).await
            }
            _ => Err(RegistryError::ProfileNotFound(id.clone())),
        }
    }

    /// The profiles `reader` may see, of one namespace or all, ordered by id.
    ///
    /// # Errors
    /// [`crate::auth::AccessError::SignInRequired`], or a store failure.
    pub async fn profiles(
        &self,
        reader: Option<&Actor>,
        namespace: Option<&Namespace>,
    ) -> Result<Vec<ProfileRecord>, RegistryError> {
        self.admit(reader)?;
        let listed = self
            .stores
            .profiles
            .profiles(namespace, MAX_LISTED_PROFILES)
            .await?;
        let mut shown = Vec::with_capacity(listed.len());
        for record in listed {
            if self.may_read_in(reader, record.id.namespace()).await? {
                shown.push(self.seen_by(reader, record).await?);
            }
        }
        Ok(shown)
    }

    /// Creates an empty profile.
    ///
    /// # Errors
    /// [`RegistryError::Access`], [`RegistryError::NamespaceNotFound`],
    /// [`RegistryError::ProfileTaken`], [`RegistryError::Invalid`] for a description that
    /// breaks a rule, or a store failure.
    pub async fn create_profile(
        &self,
        actor: &Actor,
        id: &ProfileId,
        text: &str,
    ) -> Result<ProfileRecord, RegistryError> {
        self.authorize_profile(actor, id, TokenScope::PublishNew)
            .await?;
        let description = description(text).map_err(|e| RegistryError::Invalid(e.to_string()))?;
        let audit = self.audit(actor, "profile.create", id.to_string());
        let new = NewProfile {
            id: id.clone(),
            description,
            created_by: actor.user().clone(),
            at: audit.at,
            audit,
        };
        self.stores
            .profiles
            .create_profile(&new)
            .await
            .map_err(|error| match error {
                StoreError::ProfileExists(existing) => RegistryError::ProfileTaken(existing),
                other => other.into(),
            })
    }

    /// Adds skill `skill` to a profile (or changes the versions it asks for).
    ///
    /// # Errors
    /// [`RegistryError::Access`], [`RegistryError::ProfileNotFound`],
    /// [`RegistryError::SkillNotFound`] (also for a skill the editor may not see),
    /// [`RegistryError::Invalid`] when the profile is full, or a store failure.
    pub async fn add_to_profile(
        &self,
        actor: &Actor,
        id: &ProfileId,
        skill: &SkillId,
        request: &VersionReq,
    ) -> Result<ProfileRecord, RegistryError> {
        let current = self.profile_to_change(actor, id).await?;
        let record = self.skill(Some(actor), skill).await?;
        if !current.entries.iter().any(|e| e.skill == record.uid) {
            check_room(current.entries.len()).map_err(|e| RegistryError::Invalid(e.to_string()))?;
        }
        let change = ProfileChange::Put {
            skill: record.uid.clone(),
            request: request.clone(),
        };
        let target = format!("{id} + {}@{request}", record.id);
        self.change_profile(actor, id, change, target)
            .await
            .map_err(|error| match error {
                RegistryError::Store(StoreError::SkillGone) => {
                    RegistryError::SkillNotFound(skill.clone())
                }
                other => other,
            })
    }

    /// Takes skill `skill` (by its id now) out of a profile.
    ///
    /// # Errors
    /// [`RegistryError::Access`], [`RegistryError::ProfileNotFound`],
    /// [`RegistryError::NotInProfile`], or a store failure.
    pub async fn remove_from_profile(
        &self,
        actor: &Actor,
        id: &ProfileId,
        skill: &SkillId,
    ) -> Result<ProfileRecord, RegistryError> {
        let current = self.profile_to_change(actor, id).await?;
        let not_in = || RegistryError::NotInProfile {
            profile: id.clone(),
            skill: skill.clone(),
        };
        let entry = current
            .entries
            .iter()
            .find(|e| e.id.key() == skill.key())
            .ok_or_else(not_in)?;
        let change = ProfileChange::Remove {
            skill: entry.skill.clone(),
        };
        let target = format!("{id} - {}", entry.id);
        self.change_profile(actor, id, change, target)
            .await
            .map_err(|error| match error {
                RegistryError::Store(StoreError::Missing(_)) => not_in(),
                other => other,
            })
    }

    /// Applies one change with its audit entry.
    async fn change_profile(
        &self,
        actor: &Actor,
        id: &ProfileId,
        change: ProfileChange,
        target: String,
    ) -> Result<ProfileRecord, RegistryError> {
        let audit = self.audit(actor, "profile.change", target);
        let edit = ProfileEdit {
            id: id.clone(),
            change,
            at: audit.at,
            audit,
        };
        let changed = self.stores.profiles.change_profile(&edit).await?;
        self.seen_by(Some(actor), changed).await
    }

    /// The profile `actor` is about to change, as they see it.
    async fn profile_to_change(
        &self,
        actor: &Actor,
        id: &ProfileId,
    ) -> Result<ProfileRecord, RegistryError> {
        self.authorize_profile(actor, id, TokenScope::PublishUpdate)
            .await?;
        self.profile(Some(actor), id).await
    }

    /// Checks that `actor` may write profiles in `id`'s namespace with `scope`.
    async fn authorize_profile(
        &self,
        actor: &Actor,
        id: &ProfileId,
        scope: TokenScope,
    ) -> Result<(), RegistryError> {
        require_scope(actor, scope)?;
        let namespace = id.namespace();
        if self.authorize_namespace(actor, namespace).await?.is_none() {
            return Err(RegistryError::NamespaceNotFound(namespace.clone()));
        }
        Ok(())
    }

    /// `record` with the entries `reader` may see.
    async fn seen_by(
        &self,
        reader: Option<&Actor>,
        mut record: ProfileRecord,
    ) -> Result<ProfileRecord, RegistryError> {
        let mut kept = Vec::with_capacity(record.entries.len());
        for entry in record.entries {
            if self.may_read_in(reader, entry.id.namespace()).await? {
                kept.push(entry);
            }
        }
        record.entries = kept;
        Ok(record)
    }
}
