//! Where a client finds skills: a [`SkillLookup`] source of the resolution cascade.

use async_trait::async_trait;

use crate::digest::Digest;
use crate::identity::{SkillId, SkillRef};
use crate::signature::Signature;
use crate::version::Version;

/// What a source knows of one version of a skill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceVersion {
    /// The version.
    pub version: Version,
    /// Whether it is yanked.
    pub yanked: bool,
    /// `sha256` of its archive.
    pub archive_digest: Digest,
    /// Its content digest, when the source says.
    pub content_digest: Option<Digest>,
    /// Signatures the source serves for it.
    pub signatures: Vec<Signature>,
    /// The verdict of the source's audit, when it says (docs/audit-rules.md).
    pub audit: Option<crate::audit::Verdict>,
    /// The index of the source's transparency log entry for it, when the source keeps a
    /// log.
    pub log_index: Option<u64>,
}

/// A skill a source offers, with the versions it offers (all, or only those matching the
/// request: a source may narrow, core selects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSkill {
    /// The skill's id at the source.
    pub id: SkillId,
    /// A one-line description (remote text: sanitized before display).
    pub description: String,
    /// Versions.
    pub versions: Vec<SourceVersion>,
    /// Where to fetch from, in the source's own terms (a URL, an OCI reference).
    pub location: String,
}

/// A source's failures. Messages may come from a remote and are sanitized before display.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// The source could not be reached (connection refused, DNS, timeout).
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The source refused the credentials.
    #[error("access denied: {0}")]
    Denied(String),
    /// The source asked to slow down.
    #[error("rate limited; retry after {retry_after_secs} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The source answered something it should not have.
    #[error("bad answer: {0}")]
    Protocol(String),
    /// What was listed could not be fetched any more.
    #[error("gone: {0}")]
    Gone(String),
}

/// A place the resolver asks for skills: the local store, a registry, an OCI registry.
#[async_trait]
pub trait SkillLookup: Send + Sync + std::fmt::Debug {
    /// How messages name this source (`local store`, `registry https://…`).
    fn source_name(&self) -> String;

    /// Skills that may match `reference` (the resolver keeps only exact key matches, so a
    /// fuzzy source is fine), each with its versions.
    ///
    /// # Errors
    /// A [`LookupError`]: a failure is never reported as an empty list.
    async fn find(
        &self,
        reference: &SkillRef,
        request: &crate::version::VersionReq,
    ) -> Result<Vec<SourceSkill>, LookupError>;

    /// The archive bytes of one version.
    ///
    /// # Errors
    /// A [`LookupError`].
    async fn fetch(
        &self,
        skill: &SourceSkill,
        version: &SourceVersion,
    ) -> Result<Vec<u8>, LookupError>;
}
