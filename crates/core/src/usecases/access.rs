//! Reading, decided once: every read use case asks these before it answers, and each asks
//! [`crate::auth::may_read`]. A skill the reader may not see is [`RegistryError::SkillNotFound`],
//! word for word what a skill that does not exist gets; lists leave it out.

use crate::auth::{AccessError, Actor, Visibility, may_read};
use crate::identity::{Namespace, SkillId};
use crate::model::{NamespaceRecord, SkillRecord, VersionRecord};

use super::{Registry, RegistryError};

impl Registry {
    /// Refuses an anonymous reader when the registry requires signing in.
    ///
    /// # Errors
    /// [`AccessError::SignInRequired`].
    pub fn admit(&self, reader: Option<&Actor>) -> Result<(), RegistryError> {
        if reader.is_none() && self.config.sign_in_required {
            return Err(AccessError::SignInRequired.into());
        }
        Ok(())
    }

    /// Whether `reader` may read the skills of `namespace`, whose record is `record` (a
    /// namespace without one has the registry's default visibility and no members).
    pub(super) fn may_read_record(
        &self,
        reader: Option<&Actor>,
        namespace: &Namespace,
        record: Option<&NamespaceRecord>,
    ) -> bool {
        let visibility = record.map_or(self.config.default_visibility, |r| r.visibility);
        let role = reader.and_then(|actor| record.and_then(|r| r.role_of(actor.user())));
        may_read(
            reader,
            namespace,
            visibility,
            role,
            self.config.sign_in_required,
        )
    }

    /// Whether `reader` may read the skills of `namespace`.
    ///
    /// # Errors
    /// A store failure.
    pub(super) async fn may_read_in(
        &self,
        reader: Option<&Actor>,
        namespace: &Namespace,
    ) -> Result<bool, RegistryError> {
        if reader.is_some_and(Actor::is_admin) {
            return Ok(true);
        }
        // Most reads are of public namespaces, where no role matters: their visibility alone
        // decides, without reading the members.
        let visibility = self.stores.namespaces.visibility(namespace).await?;
        if visibility == Some(Visibility::Public) {
            return Ok(may_read(
                reader,
                namespace,
                Visibility::Public,
                None,
                self.config.sign_in_required,
            ));
        }
        let record = self.stores.namespaces.namespace(namespace).await?;
        Ok(self.may_read_record(reader, namespace, record.as_ref()))
    }

    /// Passes `found` through when `reader` may read skill `id`; a skill it may not read
    /// is not found.
    pub(super) async fn visible<T>(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
        found: Option<T>,
    ) -> Result<T, RegistryError> {
        self.admit(reader)?;
        match found {
            Some(found) if self.may_read_in(reader, id.namespace()).await? => Ok(found),
            _ => Err(RegistryError::SkillNotFound(id.clone())),
        }
    }

    /// A skill with every version, oldest first, when `reader` may read it.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`] (also for a skill the reader may not see), or a
    /// store failure.
    pub(super) async fn visible_versions(
        &self,
        reader: Option<&Actor>,
        id: &SkillId,
    ) -> Result<(SkillRecord, Vec<VersionRecord>), RegistryError> {
        let found = self.stores.catalog.skill_with_versions(id).await?;
        self.visible(reader, id, found).await
    }

    /// The namespaces whose skills `reader` may not see, for searches and lists to leave
    /// out: the restricted namespaces the one decision refuses.
    ///
    /// # Errors
    /// [`AccessError::SignInRequired`], or a store failure.
    pub(super) async fn hidden_from(
        &self,
        reader: Option<&Actor>,
    ) -> Result<Vec<Namespace>, RegistryError> {
        self.admit(reader)?;
        if reader.is_some_and(Actor::is_admin) {
            return Ok(Vec::new());
        }
        let restricted = self
            .stores
            .namespaces
            .restricted_namespaces(reader.map(Actor::user))
            .await?;
        Ok(restricted
            .into_iter()
            .filter(|entry| {
                !may_read(
                    reader,
                    &entry.namespace,
                    entry.visibility,
                    entry.role,
                    self.config.sign_in_required,
                )
            })
            .map(|entry| entry.namespace)
            .collect())
    }

    /// Whether an OCI version check should ask `reader` for credentials: an anonymous
    /// reader of a registry that requires signing in or has a namespace that is not public
    /// (OCI clients learn from the version check whether, and how, to send them).
    ///
    /// # Errors
    /// A store failure.
    pub async fn asks_for_credentials(
        &self,
        reader: Option<&Actor>,
    ) -> Result<bool, RegistryError> {
        if reader.is_some() {
            return Ok(false);
        }
        Ok(self.config.sign_in_required
            || !self
                .stores
                .namespaces
                .restricted_namespaces(None)
                .await?
                .is_empty())
    }

    /// The visibility a namespace about to be created gets (see [`Visibility::for_new`]).
    pub(super) async fn visibility_for_new(
        &self,
        namespace: &Namespace,
        requested: Option<Visibility>,
    ) -> Result<Visibility, RegistryError> {
        let above = self
            .closest_ancestor(namespace)
            .await?
            .map(|record| record.visibility);
        Ok(Visibility::for_new(
            requested,
            above,
            self.config.default_visibility,
        ))
    }
}
