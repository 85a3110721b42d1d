//! Publisher keys and the signatures a publish carries. The registry keeps public keys
//! only; a signature is accepted when it verifies under a key the publisher registered.

use crate::auth::{AccessError, Actor, require_scope};
use crate::model::{PublisherKey, TokenScope};
use crate::ports::{KeyVerifier, VerifyError};
use crate::signature::{Signature, SignatureAlgorithm, VersionStatement, key_registration_message};

use super::{Registry, RegistryError};

impl Registry {
    fn key_verifier(&self) -> Result<&dyn KeyVerifier, RegistryError> {
        self.keys
            .as_deref()
            .ok_or(RegistryError::SigningUnsupported)
    }

    /// Registers `public_key` as a signing key of `actor` (idempotent for the same user).
    /// `proof` is the key's signature of
    /// [`crate::signature::key_registration_message`] for the actor and the key: only the
    /// holder of the secret key can register it.
    ///
    /// # Errors
    /// [`RegistryError::Access`] without a publish scope; [`RegistryError::Invalid`] for a
    /// key that is not one of the algorithm or a proof that does not verify; a key
    /// registered by someone else →
    /// [`crate::ports::StoreError::Duplicate`]; [`RegistryError::SigningUnsupported`].
    pub async fn register_key(
        &self,
        actor: &Actor,
        algorithm: SignatureAlgorithm,
        public_key: &[u8],
        proof: &[u8],
    ) -> Result<PublisherKey, RegistryError> {
        if !actor.has_scope(TokenScope::PublishNew) {
            require_scope(actor, TokenScope::PublishUpdate)?;
        }
        if algorithm != SignatureAlgorithm::Ed25519 {
            return Err(RegistryError::Invalid(format!(
                "publisher keys are ed25519 keys, not {algorithm} (HMAC secrets stay with whoever verifies)"
            )));
        }
        let verifier = self.key_verifier()?;
        let key_id = verifier
            .key_id(algorithm, public_key)
            .map_err(|e| RegistryError::Invalid(format!("not a usable public key: {e}")))?;
        verifier
            .verify_proof(
                public_key,
                &key_registration_message(actor.user(), &key_id),
                proof,
            )
            .map_err(|_| {
                RegistryError::Invalid(format!(
                    "the proof is not the key's signature of the registration statement for \
                     `{}` and `{key_id}`",
                    actor.user()
                ))
            })?;
        let key = PublisherKey {
            key_id,
            user: actor.user().clone(),
            public_key: public_key.to_vec(),
            created_at: self.clock.now(),
            revoked_at: None,
        };
        let audit = self.audit(actor, "key.register", key.key_id.clone());
        self.stores
            .credentials
            .add_publisher_key(&key, &audit)
            .await?;
        // Idempotent: the stored record (with its first registration time) is the answer.
        self.publisher_key(&key.key_id).await
    }

    /// The publisher key with this id.
    ///
    /// # Errors
    /// [`RegistryError::KeyNotFound`], or a store failure.
    pub async fn publisher_key(&self, key_id: &str) -> Result<PublisherKey, RegistryError> {
        self.stores
            .credentials
            .publisher_key(key_id)
            .await?
            .ok_or_else(|| RegistryError::KeyNotFound(crate::text::sanitize_remote(key_id)))
    }

    /// Revokes one of the actor's publisher keys (an admin may revoke anyone's): publishes
    /// signed with it are refused from now on; versions signed before keep their signature,
    /// and the key, served with `revoked_at`, tells verifiers it was revoked.
    ///
    /// # Errors
    /// [`RegistryError::KeyNotFound`] (also for someone else's key, so its owner does not
    /// leak), [`RegistryError::Access`] without a publish scope, or a store failure.
    pub async fn revoke_key(
        &self,
        actor: &Actor,
        key_id: &str,
    ) -> Result<PublisherKey, RegistryError> {
        let key = self.publisher_key(key_id).await?;
        if !actor.is_admin() {
            if &key.user != actor.user() {
                return Err(RegistryError::KeyNotFound(crate::text::sanitize_remote(
                    key_id,
                )));
            }
            if !actor.has_scope(TokenScope::PublishNew) {
                require_scope(actor, TokenScope::PublishUpdate)?;
            }
        }
        let audit = self.audit(actor, "key.revoke", key.key_id.clone());
        self.stores
            .credentials
            .revoke_publisher_key(&key.key_id, self.clock.now(), &audit)
            .await?;
        self.publisher_key(&key.key_id).await
    }

    /// Checks the signatures of a publish: each names a live key `actor` registered and
    /// covers exactly `statement`.
    pub(super) async fn check_signatures(
        &self,
        actor: &Actor,
        statement: &VersionStatement,
        signatures: &[Signature],
    ) -> Result<(), RegistryError> {
        if signatures.is_empty() {
            return Ok(());
        }
        let verifier = self.key_verifier()?;
        for signature in signatures {
            let key = match self.publisher_key(&signature.key_id).await {
                Err(RegistryError::KeyNotFound(key_id)) => {
                    return Err(RegistryError::Invalid(format!(
                        "the signature names the unknown key `{}`; register its public key first",
                        crate::text::sanitize_remote(&key_id)
                    )));
                }
                other => other?,
            };
            if key.revoked_at.is_some() {
                return Err(RegistryError::Invalid(format!(
                    "the key `{}` was revoked; it signs nothing new",
                    key.key_id
                )));
            }
            if &key.user != actor.user() {
                return Err(AccessError::NotKeyOwner {
                    key_id: key.key_id,
                    owner: key.user,
                }
                .into());
            }
            verifier
                .verify_with(&key.public_key, statement, signature)
                .map_err(|e| match e {
                    VerifyError::Mismatch(_) => RegistryError::Invalid(format!(
                        "{e}: it must cover id {}, version {}, archive {} and content {}",
                        statement.id,
                        statement.version,
                        statement.archive_digest,
                        statement.content_digest
                    )),
                    other => RegistryError::Invalid(other.to_string()),
                })?;
        }
        Ok(())
    }
}
