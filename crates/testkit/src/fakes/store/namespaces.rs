//! [`NamespaceStore`] of the [`MemoryStore`].

use super::*;

#[async_trait]
impl NamespaceStore for MemoryStore {
    async fn namespace(
        &self,
        namespace: &Namespace,
    ) -> Result<Option<NamespaceRecord>, StoreError> {
        Ok(self
            .state()
            .namespaces
            .get(namespace.key().as_str())
            .cloned())
    }

    async fn create_namespace(
        &self,
        namespace: &Namespace,
        owner: &UserId,
        visibility: Visibility,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<NamespaceRecord, StoreError> {
        let mut state = self.state();
        let key = namespace.key().as_str().to_owned();
        if state.namespaces.contains_key(&key) {
            return Err(StoreError::NamespaceExists(namespace.clone()));
        }
        let record = NamespaceRecord {
            namespace: namespace.clone(),
            members: BTreeMap::from([(owner.clone(), Role::Owner)]),
            visibility,
            created_at: at,
        };
        state.namespaces.insert(key, record.clone());
        state.audit.push(audit.clone());
        Ok(record)
    }

    async fn set_member(&self, change: &MemberChange) -> Result<(), StoreError> {
        let mut state = self.state();
        let namespace = &change.namespace;
        let record = state
            .namespaces
            .get_mut(namespace.key().as_str())
            .ok_or_else(|| missing(format!("namespace `{namespace}`")))?;
        if let Some(by) = &change.by_owner
            && record.role_of(by) != Some(Role::Owner)
        {
            return Err(StoreError::NotAnOwner {
                user: by.clone(),
                namespace: namespace.clone(),
            });
        }
        let mut members = record.members.clone();
        match change.role {
            Some(role) => members.insert(change.user.clone(), role),
            None => members.remove(&change.user),
        };
        if !members.values().any(|role| *role == Role::Owner) {
            return Err(StoreError::LastOwner(namespace.clone()));
        }
        record.members = members;
        state.audit.push(change.audit.clone());
        Ok(())
    }

    async fn set_visibility(
        &self,
        namespace: &Namespace,
        visibility: Visibility,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        let record = state
            .namespaces
            .get_mut(namespace.key().as_str())
            .ok_or_else(|| missing(format!("namespace `{namespace}`")))?;
        record.visibility = visibility;
        state.audit.push(audit.clone());
        Ok(())
    }

    async fn restricted_namespaces(
        &self,
        user: Option<&UserId>,
    ) -> Result<Vec<RestrictedNamespace>, StoreError> {
        Ok(self
            .state()
            .namespaces
            .values()
            .filter(|record| record.visibility != Visibility::Public)
            .map(|record| RestrictedNamespace {
                namespace: record.namespace.clone(),
                visibility: record.visibility,
                role: user.and_then(|user| record.role_of(user)),
            })
            .collect())
    }
}
