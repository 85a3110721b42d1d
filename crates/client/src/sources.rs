//! Where skills come from: one ordered list of [`Source`]s, each a lookup of the resolution
//! cascade with its name and, for a skillreg registry, the publisher keys it serves
//! ([`KeyLookup`]); and the keys a resolution's signatures are checked with.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use skillreg_adapters::http::{ClientError, RegistryClient};
use skillreg_adapters::signing::TrustedKeys;
use skillreg_core::digest::unhex;
use skillreg_core::model::Timestamp;
use skillreg_core::ports::SkillLookup;
use skillreg_core::resolve::Resolution;
use skillreg_core::signature::SignatureAlgorithm;

/// One place skills are resolved from, in cascade order.
#[derive(Clone)]
pub struct Source {
    /// The name lock entries record (`default`, a registry's configured name, `local`).
    pub name: String,
    /// The lookup.
    pub lookup: Arc<dyn SkillLookup>,
    /// Its publisher keys, when it serves any.
    pub keys: Option<Arc<dyn KeyLookup>>,
    /// The skillreg registry behind it, whose transparency log proves what it serves.
    pub registry: Option<RegistryClient>,
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Source")
            .field("name", &self.name)
            .field("lookup", &self.lookup.source_name())
            .field("keys", &self.keys.is_some())
            .field(
                "registry",
                &self.registry.as_ref().map(RegistryClient::base),
            )
            .finish()
    }
}

/// The lookups of `sources`, in order, for a `Resolver`.
pub fn lookups(sources: &[Source]) -> Vec<Arc<dyn SkillLookup>> {
    sources.iter().map(|s| Arc::clone(&s.lookup)).collect()
}

/// A publisher key as a source serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherKey {
    /// The raw public key.
    pub public_key: Vec<u8>,
    /// When its owner revoked it, if they did.
    pub revoked_at: Option<Timestamp>,
}

/// The publisher keys of a source.
#[async_trait]
pub trait KeyLookup: Send + Sync + fmt::Debug {
    /// The key with this id; `None` when the source knows no such key.
    ///
    /// # Errors
    /// The source failed, or served a malformed key.
    async fn publisher_key(&self, key_id: &str) -> Result<Option<PublisherKey>, ClientError>;
}

#[async_trait]
impl KeyLookup for RegistryClient {
    async fn publisher_key(&self, key_id: &str) -> Result<Option<PublisherKey>, ClientError> {
        let key = match RegistryClient::publisher_key(self, key_id).await {
            Ok(key) => key,
            Err(error) if error.api().is_some_and(|a| a.status == 404) => return Ok(None),
            Err(error) => return Err(error),
        };
        let public_key = unhex(&key.public_key).ok_or_else(|| ClientError::Protocol {
            registry: self.base().to_owned(),
            reason: "a malformed public key".to_owned(),
        })?;
        Ok(Some(PublisherKey {
            public_key,
            revoked_at: key.revoked_at_ms.map(Timestamp::from_unix_millis),
        }))
    }
}

/// Why the keys of a resolution could not be gathered.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KeyError {
    /// A configured HMAC secret is not hex.
    #[error("the HMAC secret `{0}` in the config is not hex")]
    MalformedSecret(String),
    /// The source's key lookup failed.
    #[error(transparent)]
    Source(#[from] ClientError),
    /// The source served a key that is not an Ed25519 public key.
    #[error("the registry served an unusable public key: {0}")]
    UnusableKey(String),
    /// The source served another key than the one asked for.
    #[error("the registry served key {served} for {wanted}")]
    WrongKey {
        /// The id of what it served.
        served: String,
        /// The id asked for.
        wanted: String,
    },
}

/// The keys a resolution's signatures are checked with, and what is worth a warning.
#[derive(Debug, Default)]
pub struct ResolutionKeys {
    /// The configured HMAC secrets and the Ed25519 keys its source served.
    pub keys: TrustedKeys,
    /// Keys that sign it although their owners revoked them: `(key id, when)`.
    pub revoked: Vec<(String, Timestamp)>,
}

/// Gathers the keys for `resolution`: the configured HMAC secrets (name → hex), and each
/// Ed25519 key its signatures name, from the source that served it (an unknown key stays
/// unknown, so verification then fails naming it).
///
/// # Errors
/// [`KeyError`].
pub async fn resolution_keys(
    sources: &[Source],
    resolution: &Resolution,
    hmac_secrets: &std::collections::BTreeMap<String, String>,
) -> Result<ResolutionKeys, KeyError> {
    let mut found = ResolutionKeys::default();
    for (name, secret) in hmac_secrets {
        let secret = unhex(secret).ok_or_else(|| KeyError::MalformedSecret(name.clone()))?;
        found.keys.trust_hmac(name, &secret);
    }
    let Some(keys) = sources
        .get(resolution.source_index)
        .and_then(|s| s.keys.as_ref())
    else {
        return Ok(found);
    };
    for signature in &resolution.version.signatures {
        if signature.algorithm != SignatureAlgorithm::Ed25519 {
            continue;
        }
        let Some(key) = keys.publisher_key(&signature.key_id).await? else {
            continue;
        };
        if let Some(revoked) = key.revoked_at {
            found.revoked.push((signature.key_id.clone(), revoked));
        }
        let key_id = found
            .keys
            .trust_ed25519(&key.public_key)
            .map_err(|e| KeyError::UnusableKey(e.to_string()))?;
        if key_id != signature.key_id {
            return Err(KeyError::WrongKey {
                served: key_id,
                wanted: signature.key_id.clone(),
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use skillreg_adapters::signing::Ed25519KeyPair;
    use skillreg_core::ports::{SourceSkill, SourceVersion};
    use skillreg_core::signature::Signature;
    use skillreg_testkit::mocks::MockLookup;

    use super::*;

    /// Serves the keys it holds, by id.
    #[derive(Debug)]
    struct Keys(Vec<(String, PublisherKey)>);

    #[async_trait]
    impl KeyLookup for Keys {
        async fn publisher_key(&self, key_id: &str) -> Result<Option<PublisherKey>, ClientError> {
            Ok(self
                .0
                .iter()
                .find(|(id, _)| id == key_id)
                .map(|(_, k)| k.clone()))
        }
    }

    fn signed_by(key_ids: &[&str]) -> Resolution {
        Resolution {
            source_index: 0,
            source: "registry".to_owned(),
            skill: SourceSkill {
                id: "acme/pdf".parse().unwrap(),
                description: String::new(),
                versions: Vec::new(),
                location: String::new(),
            },
            version: SourceVersion {
                version: "1.0.0".parse().unwrap(),
                yanked: false,
                archive_digest: skillreg_core::Digest::of(b"a"),
                content_digest: None,
                signatures: key_ids
                    .iter()
                    .map(|id| Signature {
                        algorithm: SignatureAlgorithm::Ed25519,
                        key_id: (*id).to_owned(),
                        value: vec![0; 64],
                    })
                    .collect(),
                audit: None,
                log_index: None,
            },
            failed_before: Vec::new(),
        }
    }

    fn source(keys: Keys) -> Vec<Source> {
        vec![Source {
            name: "default".to_owned(),
            lookup: Arc::new(MockLookup::new()),
            keys: Some(Arc::new(keys)),
            registry: None,
        }]
    }

    #[tokio::test]
    async fn the_keys_come_from_the_source_that_served_the_version() {
        let pair = Ed25519KeyPair::generate().unwrap();
        let key = PublisherKey {
            public_key: pair.public_key().to_vec(),
            revoked_at: Some(Timestamp::from_unix_millis(5)),
        };
        let sources = source(Keys(vec![(pair.key_id(), key.clone())]));
        let secrets = [("ci".to_owned(), "00ff".to_owned())].into_iter().collect();
        let found = resolution_keys(
            &sources,
            &signed_by(&[&pair.key_id(), "ed25519:unknown"]),
            &secrets,
        )
        .await
        .unwrap();
        // The revoked key is reported; the unknown one is left for verification to name.
        assert_eq!(
            found.revoked,
            [(pair.key_id(), Timestamp::from_unix_millis(5))]
        );

        // A source answering with another key than asked for is caught.
        let lying = source(Keys(vec![("ed25519:claimed".to_owned(), key)]));
        let error = resolution_keys(
            &lying,
            &signed_by(&["ed25519:claimed"]),
            &Default::default(),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&error, KeyError::WrongKey { wanted, .. } if wanted == "ed25519:claimed"),
            "{error}"
        );

        let bad_secret = [("ci".to_owned(), "not hex".to_owned())]
            .into_iter()
            .collect();
        assert!(matches!(
            resolution_keys(&sources, &signed_by(&[]), &bad_secret).await,
            Err(KeyError::MalformedSecret(name)) if name == "ci"
        ));
    }
}
