//! OCI distribution for skills, in ToolHive's artifact layout (`skillreg_core::oci` builds
//! it): [`LocalStore`], an OCI image-layout folder on disk that `skillreg build` writes and
//! pulls are cached in (and the first source of the resolution cascade), and
//! [`RemoteRegistry`], push and pull against any OCI registry through `oci-client` (which
//! answers token-auth challenges).
//!
//! What is pulled is checked before anything is kept: the manifest and every blob against
//! their digests, the layer's declared size against the archive limit before it is read
//! (and the bytes again while reading), and the skill name in the labels against the
//! repository's last segment.

mod layout;
mod remote;

pub use layout::{LocalStore, StoredArtifact};
pub use remote::{OciReference, PulledArtifact, RemoteRegistry};

use skillreg_core::text::sanitize_remote;

/// Why an OCI operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// The reference could not be read.
    #[error("`{0}` is not an OCI reference; write oci://host[:port]/repository[:tag|@sha256:…]")]
    BadReference(String),
    /// Plain HTTP was asked for a host that is not loopback.
    #[error("plain HTTP is allowed only for loopback registries, not `{0}`")]
    PlainHttpRefused(String),
    /// The registry could not be reached or refused.
    #[error("OCI registry {registry}: {reason}")]
    Registry {
        /// Which.
        registry: String,
        /// Why (sanitized).
        reason: String,
    },
    /// What was served is not a skill artifact.
    #[error("{reference} is not a skill artifact: {reason}")]
    NotASkill {
        /// The reference.
        reference: String,
        /// Why.
        reason: String,
    },
    /// Bytes do not match their digest.
    #[error("{what} of {reference} does not match its digest {expected} (got {actual})")]
    DigestMismatch {
        /// Which part.
        what: String,
        /// The reference.
        reference: String,
        /// Announced.
        expected: String,
        /// Computed.
        actual: String,
    },
    /// The layer is larger than an archive may be.
    #[error("the layer of {reference} is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// The reference.
        reference: String,
        /// Its size (declared, or read so far).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The supply-chain check failed.
    #[error(transparent)]
    Name(#[from] skillreg_core::oci::ArtifactError),
    /// The local store could not be read or written.
    #[error("local store {path}: {reason}")]
    Store {
        /// Where.
        path: String,
        /// Why.
        reason: String,
    },
    /// Nothing in the local store by that reference.
    #[error("no build called `{0}` in the local store")]
    NotInStore(String),
}

impl OciError {
    pub(crate) fn registry(registry: &str, reason: impl std::fmt::Display) -> Self {
        OciError::Registry {
            registry: sanitize_remote(registry),
            reason: sanitize_remote(&reason.to_string()),
        }
    }

    pub(crate) fn not_a_skill(reference: &str, reason: impl Into<String>) -> Self {
        OciError::NotASkill {
            reference: sanitize_remote(reference),
            reason: reason.into(),
        }
    }
}

/// The labels of a skill config that the client reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillLabels {
    /// `dev.toolhive.skills.name`.
    pub name: String,
    /// `dev.toolhive.skills.version`.
    pub version: String,
    /// `dev.toolhive.skills.description`.
    pub description: String,
}

/// Reads the skill labels of a config blob.
pub(crate) fn labels_of(config: &[u8], reference: &str) -> Result<SkillLabels, OciError> {
    let value: serde_json::Value = serde_json::from_slice(config)
        .map_err(|e| OciError::not_a_skill(reference, format!("its config is not JSON: {e}")))?;
    let labels = &value["config"]["Labels"];
    let get = |key: &str| {
        labels[format!("{}{key}", skillreg_core::oci::LABEL_PREFIX)]
            .as_str()
            .map(str::to_owned)
    };
    Ok(SkillLabels {
        name: get("name").ok_or_else(|| {
            OciError::not_a_skill(
                reference,
                "its config has no dev.toolhive.skills.name label",
            )
        })?,
        version: get("version").unwrap_or_default(),
        description: get("description").unwrap_or_default(),
    })
}

/// What a pull reads of an OCI document: an index's chosen manifest, or a manifest's config
/// and skill layer (by digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentPlan {
    /// An index, and the manifest it picks (linux/amd64, else the first).
    Index {
        /// That manifest's digest.
        manifest: String,
    },
    /// A manifest.
    Manifest {
        /// Its config's digest.
        config: String,
        /// Its skill layer's digest.
        layer: String,
    },
}

/// Reads an index or manifest as a pull does, and a config's skill labels: the pure part of
/// a pull, which takes any bytes (the fuzz target `oci` feeds it).
///
/// # Errors
/// [`OciError`] naming what is missing or malformed.
pub fn read_document(bytes: &[u8]) -> Result<DocumentPlan, OciError> {
    let document = Document::parse(bytes, "the document")?;
    if document.is_index() {
        let manifest = document
            .pick_manifest()
            .ok_or_else(|| OciError::not_a_skill("the document", "its index lists no manifest"))?;
        return Ok(DocumentPlan::Index {
            manifest: manifest.digest.clone(),
        });
    }
    let config = document
        .config
        .as_ref()
        .ok_or_else(|| OciError::not_a_skill("the document", "its manifest has no config"))?;
    Ok(DocumentPlan::Manifest {
        config: config.digest.clone(),
        layer: document.skill_layer("the document")?.digest.clone(),
    })
}

/// A config's skill labels, as a pull reads them.
///
/// # Errors
/// [`OciError`] when it is not JSON or has no name label.
pub fn read_labels(config: &[u8]) -> Result<SkillLabels, OciError> {
    labels_of(config, "the config")
}

/// One descriptor of a manifest or index.
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub(crate) media_type: String,
    pub(crate) digest: String,
    #[serde(default)]
    pub(crate) size: u64,
    #[serde(default)]
    pub(crate) platform: Option<Platform>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct Platform {
    #[serde(default)]
    pub(crate) architecture: String,
    #[serde(default)]
    pub(crate) os: String,
}

/// An index or a manifest, as far as the client reads it.
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct Document {
    #[serde(rename = "mediaType", default)]
    pub(crate) media_type: String,
    #[serde(default)]
    pub(crate) manifests: Vec<Descriptor>,
    #[serde(default)]
    pub(crate) config: Option<Descriptor>,
    #[serde(default)]
    pub(crate) layers: Vec<Descriptor>,
}

impl Document {
    pub(crate) fn parse(bytes: &[u8], reference: &str) -> Result<Self, OciError> {
        serde_json::from_slice(bytes)
            .map_err(|e| OciError::not_a_skill(reference, format!("its manifest is not JSON: {e}")))
    }

    pub(crate) fn is_index(&self) -> bool {
        self.media_type == skillreg_core::oci::INDEX_MEDIA_TYPE || !self.manifests.is_empty()
    }

    /// The manifest to use from an index: linux/amd64, else the first.
    pub(crate) fn pick_manifest(&self) -> Option<&Descriptor> {
        self.manifests
            .iter()
            .find(|d| {
                d.platform
                    .as_ref()
                    .is_some_and(|p| p.os == "linux" && p.architecture == "amd64")
            })
            .or_else(|| self.manifests.first())
    }

    /// The skill layer of an image manifest.
    pub(crate) fn skill_layer(&self, reference: &str) -> Result<&Descriptor, OciError> {
        match self.layers.as_slice() {
            [layer] if layer.media_type == skillreg_core::oci::LAYER_MEDIA_TYPE => Ok(layer),
            [_] => Err(OciError::not_a_skill(
                reference,
                "its layer is not a tar+gzip layer",
            )),
            _ => Err(OciError::not_a_skill(
                reference,
                "a skill artifact has exactly one layer",
            )),
        }
    }
}

/// Checks bytes against a `sha256:<hex>` digest.
pub(crate) fn check_digest(
    bytes: &[u8],
    expected: &str,
    what: &str,
    reference: &str,
) -> Result<(), OciError> {
    let actual = skillreg_core::Digest::of(bytes).to_string();
    if actual == expected {
        Ok(())
    } else {
        Err(OciError::DigestMismatch {
            what: what.to_owned(),
            reference: sanitize_remote(reference),
            expected: sanitize_remote(expected),
            actual,
        })
    }
}
