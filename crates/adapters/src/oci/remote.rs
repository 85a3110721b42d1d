//! [`RemoteRegistry`]: push and pull skill artifacts to and from any OCI registry, through
//! `oci-client`.

use futures_util::StreamExt as _;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use reqwest::header::HeaderValue;
use skillreg_core::oci::{Artifact, INDEX_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, check_repository_name};
use skillreg_core::text::sanitize_remote;

use super::{Document, OciError, SkillLabels, check_digest, labels_of};

/// The largest manifest or config accepted.
const MAX_DOCUMENT: u64 = 4 * 1024 * 1024;

/// `oci://host[:port]/repository[:tag|@sha256:…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciReference {
    /// `host[:port]`.
    pub registry: String,
    /// `acme/pdf`.
    pub repository: String,
    /// The tag, when no digest is given (`latest` when neither is).
    pub tag: Option<String>,
    /// `sha256:…`.
    pub digest: Option<String>,
}

impl OciReference {
    /// Parses `oci://…` (the scheme is optional).
    ///
    /// # Errors
    /// [`OciError::BadReference`].
    pub fn parse(text: &str) -> Result<Self, OciError> {
        let bad = || OciError::BadReference(skillreg_core::text::sanitize_remote(text));
        let rest = text.strip_prefix("oci://").unwrap_or(text);
        let (registry, path) = rest.split_once('/').ok_or_else(bad)?;
        let (repository, tag, digest) = match path.split_once('@') {
            Some((repository, digest)) => (repository, None, Some(digest.to_owned())),
            None => match path.rsplit_once(':') {
                Some((repository, tag)) if !tag.contains('/') => {
                    (repository, Some(tag.to_owned()), None)
                }
                _ => (path, Some("latest".to_owned()), None),
            },
        };
        let valid_repo = !repository.is_empty()
            && repository.split('/').all(|segment| {
                segment
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphanumeric())
                    && segment
                        .bytes()
                        .last()
                        .is_some_and(|b| b.is_ascii_alphanumeric())
                    && segment
                        .bytes()
                        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'))
            });
        let valid_tag = tag.as_deref().is_none_or(|t| {
            !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        });
        let valid_digest = digest.as_deref().is_none_or(|d| {
            d.strip_prefix("sha256:").is_some_and(|h| {
                h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            })
        });
        if registry.is_empty() || !valid_repo || !valid_tag || !valid_digest {
            return Err(bad());
        }
        Ok(OciReference {
            registry: registry.to_owned(),
            repository: repository.to_owned(),
            tag,
            digest,
        })
    }

    fn to_reference(&self) -> Reference {
        match &self.digest {
            Some(digest) => Reference::with_digest(
                self.registry.clone(),
                self.repository.clone(),
                digest.clone(),
            ),
            None => Reference::with_tag(
                self.registry.clone(),
                self.repository.clone(),
                self.tag.clone().unwrap_or_else(|| "latest".to_owned()),
            ),
        }
    }

    fn at_digest(&self, digest: &str) -> Reference {
        Reference::with_digest(
            self.registry.clone(),
            self.repository.clone(),
            digest.to_owned(),
        )
    }

    /// Whether the registry host is this machine.
    pub fn is_loopback(&self) -> bool {
        let host = self
            .registry
            .rsplit_once(':')
            .map_or(self.registry.as_str(), |(h, _)| h);
        matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1")
    }
}

impl std::fmt::Display for OciReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "oci://{}/{}", self.registry, self.repository)?;
        match (&self.digest, &self.tag) {
            (Some(digest), _) => write!(f, "@{digest}"),
            (None, Some(tag)) => write!(f, ":{tag}"),
            (None, None) => Ok(()),
        }
    }
}

/// What a pull brought: every document and blob, checked.
#[derive(Debug, Clone)]
pub struct PulledArtifact {
    /// The digest the reference resolved to (what a lock records).
    pub digest: String,
    /// The index (or manifest) bytes.
    pub top: Vec<u8>,
    /// Every other document and blob (manifests, configs).
    pub parts: Vec<Vec<u8>>,
    /// The skill's labels.
    pub labels: SkillLabels,
    /// The skill archive.
    pub layer: Vec<u8>,
}

/// An OCI registry.
pub struct RemoteRegistry {
    client: Client,
    auth: RegistryAuth,
}

impl std::fmt::Debug for RemoteRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteRegistry").finish_non_exhaustive()
    }
}

impl RemoteRegistry {
    /// A client for `reference`'s registry; `plain_http` only for loopback hosts.
    ///
    /// # Errors
    /// [`OciError::PlainHttpRefused`].
    pub fn for_reference(reference: &OciReference, plain_http: bool) -> Result<Self, OciError> {
        crate::http::tls_provider();
        if plain_http && !reference.is_loopback() {
            return Err(OciError::PlainHttpRefused(reference.registry.clone()));
        }
        let protocol = if plain_http {
            ClientProtocol::HttpsExcept(vec![reference.registry.clone()])
        } else {
            ClientProtocol::Https
        };
        Ok(RemoteRegistry {
            client: Client::new(ClientConfig {
                protocol,
                ..ClientConfig::default()
            }),
            auth: RegistryAuth::Anonymous,
        })
    }

    /// Sends `token` (a skillreg token) as the bearer of every request. Only for a
    /// reference to the skillreg registry that issued it: any other registry would be handed
    /// the secret.
    #[must_use]
    pub fn with_token(mut self, token: &str) -> Self {
        self.auth = RegistryAuth::Bearer(token.to_owned());
        self
    }

    fn fail(reference: &OciReference, error: impl std::fmt::Display) -> OciError {
        OciError::registry(&reference.registry, error)
    }

    /// A failure while reading the blob `digest`: bytes that do not match it (the client
    /// library checks them as they stream, against the digest asked for and the one the
    /// registry's header names) are a [`OciError::DigestMismatch`] like any other.
    fn read_failure(
        reference: &OciReference,
        what: &str,
        digest: &str,
        error: std::io::Error,
    ) -> OciError {
        match error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<oci_client::errors::DigestError>())
        {
            Some(oci_client::errors::DigestError::VerificationError { actual, .. }) => {
                OciError::DigestMismatch {
                    what: what.to_owned(),
                    reference: sanitize_remote(&reference.to_string()),
                    expected: sanitize_remote(digest),
                    actual: sanitize_remote(actual),
                }
            }
            _ => Self::fail(reference, error),
        }
    }

    /// Pushes an artifact: blobs, each manifest by digest, then the index under the tag.
    /// Returns the index digest.
    ///
    /// # Errors
    /// [`OciError::Registry`].
    pub async fn push(&self, artifact: &Artifact, to: &OciReference) -> Result<String, OciError> {
        let target = to.to_reference();
        self.client
            .auth(&target, &self.auth, RegistryOperation::Push)
            .await
            .map_err(|e| Self::fail(to, e))?;
        for blob in artifact.blobs() {
            self.client
                .push_blob(&target, blob.bytes.clone(), &blob.digest.to_string())
                .await
                .map_err(|e| Self::fail(to, e))?;
        }
        for manifest in &artifact.manifests {
            self.client
                .push_manifest_raw(
                    &to.at_digest(&manifest.digest.to_string()),
                    manifest.bytes.clone(),
                    HeaderValue::from_static(MANIFEST_MEDIA_TYPE),
                )
                .await
                .map_err(|e| Self::fail(to, e))?;
        }
        self.client
            .push_manifest_raw(
                &target,
                artifact.index.bytes.clone(),
                HeaderValue::from_static(INDEX_MEDIA_TYPE),
            )
            .await
            .map_err(|e| Self::fail(to, e))?;
        Ok(artifact.index.digest.to_string())
    }

    async fn document(
        &self,
        from: &OciReference,
        reference: &Reference,
        expected: Option<&str>,
    ) -> Result<(Vec<u8>, String), OciError> {
        let (bytes, digest) = self
            .client
            .pull_manifest_raw(
                reference,
                &self.auth,
                &[INDEX_MEDIA_TYPE, MANIFEST_MEDIA_TYPE],
            )
            .await
            .map_err(|e| Self::fail(from, e))?;
        if bytes.len() as u64 > MAX_DOCUMENT {
            return Err(OciError::not_a_skill(
                &from.to_string(),
                "its manifest is too large",
            ));
        }
        let actual = skillreg_core::Digest::of(&bytes).to_string();
        let expected = expected.unwrap_or(&digest);
        if actual != expected {
            return Err(OciError::DigestMismatch {
                what: "the manifest".to_owned(),
                reference: from.to_string(),
                expected: expected.to_owned(),
                actual,
            });
        }
        Ok((bytes.to_vec(), actual))
    }

    async fn blob(
        &self,
        from: &OciReference,
        digest: &str,
        declared: u64,
        limit: u64,
        what: &str,
    ) -> Result<Vec<u8>, OciError> {
        if declared > limit {
            return Err(OciError::TooLarge {
                reference: from.to_string(),
                size: declared,
                limit,
            });
        }
        let mut stream = self
            .client
            .pull_blob_stream(&from.to_reference(), digest)
            .await
            .map_err(|e| Self::fail(from, e))?;
        if let Some(length) = stream.content_length
            && length > limit
        {
            return Err(OciError::TooLarge {
                reference: from.to_string(),
                size: length,
                limit,
            });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.stream.next().await {
            let chunk = chunk.map_err(|e| Self::read_failure(from, what, digest, e))?;
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(OciError::TooLarge {
                    reference: from.to_string(),
                    size: (bytes.len() + chunk.len()) as u64,
                    limit,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        check_digest(&bytes, digest, what, &from.to_string())?;
        Ok(bytes)
    }

    /// Pulls an artifact and checks it: digests, the layer size (before reading it), the
    /// skill name against the repository.
    ///
    /// # Errors
    /// [`OciError`].
    pub async fn pull(
        &self,
        from: &OciReference,
        max_layer: u64,
    ) -> Result<PulledArtifact, OciError> {
        let shown = from.to_string();
        let (top, digest) = self
            .document(from, &from.to_reference(), from.digest.as_deref())
            .await?;
        let document = Document::parse(&top, &shown)?;
        let mut parts = Vec::new();
        let manifest = if document.is_index() {
            let mut chosen = None;
            let pick = document
                .pick_manifest()
                .ok_or_else(|| OciError::not_a_skill(&shown, "its index lists no manifest"))?
                .digest
                .clone();
            for entry in &document.manifests {
                let (bytes, _) = self
                    .document(from, &from.at_digest(&entry.digest), Some(&entry.digest))
                    .await?;
                let parsed = Document::parse(&bytes, &shown)?;
                if entry.digest == pick {
                    chosen = Some(parsed);
                }
                parts.push(bytes);
            }
            chosen.ok_or_else(|| OciError::not_a_skill(&shown, "its index lists no manifest"))?
        } else {
            document
        };
        let config = manifest
            .config
            .as_ref()
            .ok_or_else(|| OciError::not_a_skill(&shown, "its manifest has no config"))?;
        let config_bytes = self
            .blob(
                from,
                &config.digest,
                config.size,
                MAX_DOCUMENT,
                "the config",
            )
            .await?;
        let labels = labels_of(&config_bytes, &shown)?;
        check_repository_name(&from.repository, &labels.name)?;
        parts.push(config_bytes);
        let layer = manifest.skill_layer(&shown)?;
        let layer = self
            .blob(from, &layer.digest, layer.size, max_layer, "the layer")
            .await?;
        Ok(PulledArtifact {
            digest,
            top,
            parts,
            labels,
            layer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse() {
        let r = OciReference::parse("oci://127.0.0.1:5000/acme/pdf:1.0.0_build").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "acme/pdf");
        assert_eq!(r.tag.as_deref(), Some("1.0.0_build"));
        assert!(r.is_loopback());
        let d = OciReference::parse(&format!("oci://ghcr.io/acme/pdf@sha256:{}", "a".repeat(64)))
            .unwrap();
        assert!(d.tag.is_none() && d.digest.is_some());
        assert!(!d.is_loopback());
        assert_eq!(
            OciReference::parse("oci://ghcr.io/pdf")
                .unwrap()
                .tag
                .as_deref(),
            Some("latest")
        );
        for bad in [
            "oci://",
            "oci://host",
            "oci://host/UPPER",
            "oci://host/a:b c",
            "oci://host/a@sha256:xyz",
            "oci://host/a/../b",
        ] {
            assert!(OciReference::parse(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            RemoteRegistry::for_reference(&d, true),
            Err(OciError::PlainHttpRefused(_))
        ));
    }
}
