//! The resolution cascade (docs/PRODUCT.md, "Resolve and install"): ask each source in order
//! (local store first, then registries), keep exact lookup-key matches, refuse ambiguity,
//! explain a miss, then fetch and verify what was chosen before anyone writes it.

use std::fmt;
use std::sync::Arc;

use crate::bundle::{BundleError, BundleLimits, FileSet, read_archive};
use crate::digest::Digest;
use crate::identity::{SkillId, SkillRef};
use crate::manifest::{ManifestError, parse_skill_md};
use crate::ports::{LookupError, SkillLookup, SourceSkill, SourceVersion, Verifier, VerifyError};
use crate::signature::{VerifiedSigner, VersionStatement};
use crate::text::sanitize_remote;
use crate::version::{Candidate, Version, VersionReq, select};

/// The most candidates an ambiguity error lists.
pub const MAX_LISTED_CANDIDATES: usize = 5;

/// What happened at one source during a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceOutcome {
    /// The source has no skill by that name.
    NoMatch,
    /// The source has the skill but no version matching the request.
    NoMatchingVersion {
        /// The skill it has.
        id: SkillId,
        /// Its highest versions (at most five), highest first.
        available: Vec<Version>,
    },
    /// The source failed; the reason is sanitized remote text.
    Failed(String),
}

/// One line of "what was searched".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceReport {
    /// The source's name.
    pub source: String,
    /// What happened there.
    pub outcome: SourceOutcome,
}

/// Why resolution found nothing to install.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// No source had a match; says what was searched and which sources failed.
    #[error("{}", not_found_message(reference, request, searched))]
    NotFound {
        /// What was asked for.
        reference: SkillRef,
        /// Which versions.
        request: VersionReq,
        /// Every source asked, in order, with what happened.
        searched: Vec<SourceReport>,
    },
    /// The name matches skills in several namespaces.
    #[error("`{reference}` is ambiguous: {} match in {source_name}{}", candidates.len() + more, if *more > 0 { format!(" (showing {})", candidates.len()) } else { String::new() })]
    Ambiguous {
        /// What was asked for.
        reference: SkillRef,
        /// The source that had several.
        source_name: String,
        /// Up to [`MAX_LISTED_CANDIDATES`] of them, sorted.
        candidates: Vec<SkillId>,
        /// How many more there are.
        more: usize,
    },
    /// No sources are configured.
    #[error("no sources to search for `{0}`")]
    NoSources(SkillRef),
}

fn not_found_message(
    reference: &SkillRef,
    request: &VersionReq,
    searched: &[SourceReport],
) -> String {
    let what = match request {
        VersionReq::Latest => format!("skill `{reference}`"),
        request => format!("skill `{reference}` with version `{request}`"),
    };
    let failed = searched
        .iter()
        .filter(|r| matches!(r.outcome, SourceOutcome::Failed(_)))
        .count();
    // A source that failed may have had it: never call that "not found".
    let mut message = if failed > 0 && failed == searched.len() {
        format!("could not look up {what}: no source answered")
    } else if failed > 0 {
        format!("{what} not found in the sources that answered")
    } else {
        // A registry answers a skill the caller may not read as one that does not exist.
        format!("{what} not found, or not visible to you")
    };
    let details: Vec<String> = searched
        .iter()
        .map(|report| match &report.outcome {
            SourceOutcome::NoMatch => format!("{}: no match", report.source),
            SourceOutcome::NoMatchingVersion { id, available } if available.is_empty() => {
                format!("{}: `{id}` has no installable version", report.source)
            }
            SourceOutcome::NoMatchingVersion { id, available } => format!(
                "{}: `{id}` has {}",
                report.source,
                available
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            SourceOutcome::Failed(reason) => format!("{}: failed ({reason})", report.source),
        })
        .collect();
    if !details.is_empty() {
        message.push_str("; searched ");
        message.push_str(&details.join("; "));
    }
    message
}

impl ResolveError {
    /// Whether any source failed (so "not found" may be wrong).
    pub fn any_source_failed(&self) -> bool {
        matches!(self, ResolveError::NotFound { searched, .. } if searched.iter().any(|r| matches!(r.outcome, SourceOutcome::Failed(_))))
    }
}

/// The version chosen, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// Index of the source in the resolver's list.
    pub source_index: usize,
    /// The source's name.
    pub source: String,
    /// The skill.
    pub skill: SourceSkill,
    /// The version chosen.
    pub version: SourceVersion,
    /// Sources before it that failed (worth a warning).
    pub failed_before: Vec<SourceReport>,
}

/// The ordered list of sources a plain name is resolved against.
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    sources: Vec<Arc<dyn SkillLookup>>,
}

impl Resolver {
    /// A resolver over `sources`, asked in this order (local store first).
    pub fn new(sources: Vec<Arc<dyn SkillLookup>>) -> Self {
        Resolver { sources }
    }

    /// The sources, in order.
    pub fn sources(&self) -> &[Arc<dyn SkillLookup>] {
        &self.sources
    }

    /// Runs the cascade: the first source with an exact match that has a matching version
    /// wins; a source that fails is recorded and skipped; several skills of one name at one
    /// source is an ambiguity.
    ///
    /// # Errors
    /// [`ResolveError`], with everything a person needs to act.
    pub async fn resolve(
        &self,
        reference: &SkillRef,
        request: &VersionReq,
    ) -> Result<Resolution, ResolveError> {
        if self.sources.is_empty() {
            return Err(ResolveError::NoSources(reference.clone()));
        }
        let mut searched = Vec::new();
        for (source_index, source) in self.sources.iter().enumerate() {
            let source_name = sanitize_remote(&source.source_name());
            let found = match source.find(reference, request).await {
                Ok(found) => found,
                Err(error) => {
                    searched.push(SourceReport {
                        source: source_name,
                        outcome: failed(&error),
                    });
                    continue;
                }
            };
            let mut matches: Vec<SourceSkill> = found
                .into_iter()
                .filter(|skill| reference.matches(&skill.id))
                .collect();
            matches.sort_by(|a, b| a.id.cmp(&b.id));
            matches.dedup_by(|a, b| a.id.key() == b.id.key());
            match matches.len() {
                0 => searched.push(SourceReport {
                    source: source_name,
                    outcome: SourceOutcome::NoMatch,
                }),
                1 => {
                    let skill = matches.remove(0);
                    match pick_version(&skill, request) {
                        Some(version) => {
                            let failed_before = searched
                                .into_iter()
                                .filter(|r| matches!(r.outcome, SourceOutcome::Failed(_)))
                                .collect();
                            return Ok(Resolution {
                                source_index,
                                source: source_name,
                                skill,
                                version,
                                failed_before,
                            });
                        }
                        None => {
                            let mut available: Vec<Version> = skill
                                .versions
                                .iter()
                                .filter(|v| !v.yanked)
                                .map(|v| v.version.clone())
                                .collect();
                            available.sort_by(|a, b| b.cmp(a));
                            available.truncate(5);
                            searched.push(SourceReport {
                                source: source_name,
                                outcome: SourceOutcome::NoMatchingVersion {
                                    id: skill.id,
                                    available,
                                },
                            });
                        }
                    }
                }
                n => {
                    let more = n.saturating_sub(MAX_LISTED_CANDIDATES);
                    let candidates = matches
                        .into_iter()
                        .take(MAX_LISTED_CANDIDATES)
                        .map(|s| s.id)
                        .collect();
                    return Err(ResolveError::Ambiguous {
                        reference: reference.clone(),
                        source_name,
                        candidates,
                        more,
                    });
                }
            }
        }
        Err(ResolveError::NotFound {
            reference: reference.clone(),
            request: request.clone(),
            searched,
        })
    }

    /// Fetches what [`Resolver::resolve`] chose and checks it before anything is written:
    /// archive digest, safe read of the archive, the supply-chain name check, the content
    /// digest, and signatures when `policy` asks.
    ///
    /// # Errors
    /// [`FetchError`].
    pub async fn fetch_verified(
        &self,
        resolution: &Resolution,
        requested: &SkillRef,
        policy: &FetchPolicy<'_>,
    ) -> Result<FetchedSkill, FetchError> {
        let Some(source) = self.sources.get(resolution.source_index) else {
            return Err(FetchError::Source {
                source_name: resolution.source.clone(),
                reason: "unknown source".to_owned(),
            });
        };
        let archive = source
            .fetch(&resolution.skill, &resolution.version)
            .await
            .map_err(|error| FetchError::Source {
                source_name: resolution.source.clone(),
                reason: sanitize_remote(&error.to_string()),
            })?;
        verify_bundle(
            &resolution.skill.id,
            &resolution.version,
            archive,
            requested,
            policy,
        )
    }
}

fn failed(error: &LookupError) -> SourceOutcome {
    SourceOutcome::Failed(sanitize_remote(&error.to_string()))
}

fn pick_version(skill: &SourceSkill, request: &VersionReq) -> Option<SourceVersion> {
    let chosen = select(
        request,
        skill.versions.iter().map(|v| Candidate {
            version: &v.version,
            yanked: v.yanked,
        }),
    )?;
    skill
        .versions
        .iter()
        .find(|v| &v.version == chosen)
        .cloned()
}

/// What fetching must check beyond digests.
#[derive(Debug, Clone, Copy)]
pub struct FetchPolicy<'a> {
    /// Bundle limits for reading the archive.
    pub limits: &'a BundleLimits,
    /// When set, at least one signature must verify with it, and any that fails is refused.
    pub verifier: Option<&'a dyn Verifier>,
}

/// A fetched, verified skill, ready to install.
#[derive(Debug, Clone)]
pub struct FetchedSkill {
    /// The skill.
    pub id: SkillId,
    /// The version.
    pub version: Version,
    /// The archive as fetched.
    pub archive: Vec<u8>,
    /// Its digest (checked).
    pub archive_digest: Digest,
    /// The files (read safely, validated).
    pub files: FileSet,
    /// Their content digest.
    pub content_digest: Digest,
    /// Who signed it, when a signature was verified.
    pub signer: Option<VerifiedSigner>,
}

/// Why a fetched skill was refused. Nothing has been written when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The source failed to deliver.
    #[error("could not fetch from {source_name}: {reason}")]
    Source {
        /// The source.
        source_name: String,
        /// Why (sanitized).
        reason: String,
    },
    /// The bytes do not match the advertised archive digest.
    #[error("archive digest mismatch for `{id}`: expected {expected}, got {actual}")]
    DigestMismatch {
        /// The skill.
        id: SkillId,
        /// Advertised.
        expected: Digest,
        /// Received.
        actual: Digest,
    },
    /// The archive is not a valid bundle.
    #[error("the archive of `{id}` is not a valid bundle: {error}")]
    Bundle {
        /// The skill.
        id: SkillId,
        /// Why.
        error: BundleError,
    },
    /// The bundle's SKILL.md is not valid.
    #[error("the SKILL.md of `{id}` is not valid: {error}")]
    Manifest {
        /// The skill.
        id: SkillId,
        /// Why.
        error: ManifestError,
    },
    /// The bundle names another skill than the one asked for (supply-chain check).
    #[error(
        "supply-chain check failed: asked for `{asked}`, but `{source_id}` contains a skill named `{found}`"
    )]
    NameMismatch {
        /// What was asked for.
        asked: String,
        /// The id it came under.
        source_id: SkillId,
        /// The name in its SKILL.md (sanitized).
        found: String,
    },
    /// The files do not match the advertised content digest.
    #[error("content digest mismatch for `{id}`: expected {expected}, got {actual}")]
    ContentDigestMismatch {
        /// The skill.
        id: SkillId,
        /// Advertised.
        expected: Digest,
        /// Computed.
        actual: Digest,
    },
    /// A signature was required and there is none.
    #[error("`{id}` {version} is not signed, and the trust policy requires a signature")]
    Unsigned {
        /// The skill.
        id: SkillId,
        /// The version.
        version: Version,
    },
    /// A signature did not verify.
    #[error("signature check failed for `{id}` {version}: {error}")]
    BadSignature {
        /// The skill.
        id: SkillId,
        /// The version.
        version: Version,
        /// Why.
        error: VerifyError,
    },
}

/// The checks of [`Resolver::fetch_verified`] over bytes already in hand (also used for
/// `oci://` and path installs, which do not go through the cascade).
///
/// # Errors
/// [`FetchError`].
pub fn verify_bundle(
    id: &SkillId,
    version: &SourceVersion,
    archive: Vec<u8>,
    requested: &SkillRef,
    policy: &FetchPolicy<'_>,
) -> Result<FetchedSkill, FetchError> {
    let actual = Digest::of(&archive);
    if actual != version.archive_digest {
        return Err(FetchError::DigestMismatch {
            id: id.clone(),
            expected: version.archive_digest,
            actual,
        });
    }
    let files = read_archive(&archive, policy.limits).map_err(|error| FetchError::Bundle {
        id: id.clone(),
        error,
    })?;
    let parsed = parse_skill_md(files.skill_md().contents(), None).map_err(|error| {
        FetchError::Manifest {
            id: id.clone(),
            error,
        }
    })?;
    let found = parsed.manifest.name();
    if found.key() != requested.name().key() || found.key() != id.name().key() {
        return Err(FetchError::NameMismatch {
            asked: requested.to_string(),
            source_id: id.clone(),
            found: sanitize_remote(found.as_str()),
        });
    }
    let content_digest = files.content_digest();
    if let Some(expected) = version.content_digest
        && expected != content_digest
    {
        return Err(FetchError::ContentDigestMismatch {
            id: id.clone(),
            expected,
            actual: content_digest,
        });
    }
    let statement = VersionStatement {
        id: id.clone(),
        version: version.version.clone(),
        archive_digest: actual,
        content_digest,
    };
    let signer = match policy.verifier {
        None => None,
        Some(verifier) => {
            if version.signatures.is_empty() {
                return Err(FetchError::Unsigned {
                    id: id.clone(),
                    version: version.version.clone(),
                });
            }
            let mut signer = None;
            for signature in &version.signatures {
                let verified = verifier.verify(&statement, signature).map_err(|error| {
                    FetchError::BadSignature {
                        id: id.clone(),
                        version: version.version.clone(),
                        error,
                    }
                })?;
                signer.get_or_insert(verified);
            }
            signer
        }
    };
    Ok(FetchedSkill {
        id: id.clone(),
        version: version.version.clone(),
        archive,
        archive_digest: actual,
        files,
        content_digest,
        signer,
    })
}

impl fmt::Display for SourceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            SourceOutcome::NoMatch => write!(f, "{}: no match", self.source),
            SourceOutcome::NoMatchingVersion { id, .. } => {
                write!(f, "{}: `{id}` has no matching version", self.source)
            }
            SourceOutcome::Failed(reason) => write!(f, "{}: failed ({reason})", self.source),
        }
    }
}
