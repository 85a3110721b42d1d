//! Moving a skill to another namespace: its id changes, its name (its SKILL.md's) does not.
//! Its uid stays, so its versions, ratings, counters and the profiles bound to it follow;
//! the old id then answers as a skill that does not exist.

use crate::auth::Actor;
use crate::identity::{Namespace, SkillId};
use crate::model::{SkillRecord, TokenScope};
use crate::ports::StoreError;

use super::{Registry, RegistryError};

impl Registry {
    /// Moves skill `id` into namespace `to`. Its maintainers move it (a token with
    /// `publish-update`), into a namespace that exists and that they may publish into.
    ///
    /// # Errors
    /// [`RegistryError::SkillNotFound`], [`RegistryError::Access`],
    /// [`RegistryError::NamespaceNotFound`], [`RegistryError::Invalid`] when it is in `to`
    /// already, [`RegistryError::SkillTaken`] when `to` holds a skill of its name, or a
    /// store failure.
    pub async fn move_skill(
        &self,
        actor: &Actor,
        id: &SkillId,
        to: &Namespace,
    ) -> Result<SkillRecord, RegistryError> {
        let skill = self
            .skill_to_change(actor, id, TokenScope::PublishUpdate)
            .await?;
        if self.authorize_namespace(actor, to).await?.is_none() {
            return Err(RegistryError::NamespaceNotFound(to.clone()));
        }
        if to.key() == skill.id.namespace().key() {
            return Err(RegistryError::Invalid(format!(
                "`{}` is in namespace `{to}` already",
                skill.id
            )));
        }
        let moved = SkillId::new(to.clone(), skill.id.name().clone());
        let audit = self.audit(actor, "move", format!("{} -> {moved}", skill.id));
        self.stores
            .catalog
            .move_skill(
                &skill.uid,
                &moved,
                &audit,
                &Self::right_for(actor, &skill, false),
            )
            .await
            .map_err(|error| match error {
                StoreError::SkillExists { existing } => RegistryError::SkillTaken(existing),
                StoreError::SkillGone => RegistryError::SkillNotFound(id.clone()),
                other => Self::changed(actor, &skill, other),
            })?;
        Ok(SkillRecord { id: moved, ..skill })
    }
}
