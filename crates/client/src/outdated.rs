//! Which locked skills have newer versions: for each skill the project manifest asks for
//! and the lock holds, the version its request wants now and the latest, resolved through
//! the sources. Reads only; OCI references are left out (a tag names one artifact).

use skillreg_core::resolve::{ResolveError, Resolver};
use skillreg_core::{SkillId, SkillRef, Version, VersionReq};

use crate::project::{Lock, ProjectManifest};
use crate::sources::{Source, lookups};

/// A locked skill with a newer version to have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outdated {
    /// The skill.
    pub id: SkillId,
    /// The version the lock holds.
    pub current: Version,
    /// The version the manifest's request resolves to now.
    pub wanted: Version,
    /// The latest version.
    pub latest: Version,
}

/// The locked skills of `manifest` whose wanted or latest version is not the locked one.
///
/// # Errors
/// The [`ResolveError`] of the first skill that cannot be resolved.
pub async fn outdated(
    sources: &[Source],
    manifest: &ProjectManifest,
    lock: &Lock,
) -> Result<Vec<Outdated>, ResolveError> {
    let resolver = Resolver::new(lookups(sources));
    let mut found = Vec::new();
    for (text, request_text) in &manifest.skills {
        if text.starts_with("oci://") {
            continue;
        }
        let Some(entry) = text
            .parse::<SkillRef>()
            .ok()
            .and_then(|reference| lock.for_reference(&reference))
        else {
            continue;
        };
        let id = SkillRef::qualified(entry.id.clone());
        let request: VersionReq = request_text.parse().unwrap_or_default();
        let wanted = resolver.resolve(&id, &request).await?.version.version;
        let latest = resolver
            .resolve(&id, &VersionReq::Latest)
            .await?
            .version
            .version;
        if wanted != entry.version || latest != entry.version {
            found.push(Outdated {
                id: entry.id.clone(),
                current: entry.version.clone(),
                wanted,
                latest,
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use skillreg_testkit::fakes::FakeLookup;
    use skillreg_testkit::fixtures::skill_files;

    use super::*;
    use crate::project::LockEntry;

    fn entry(id: &str, version: &str) -> LockEntry {
        LockEntry {
            id: id.parse().unwrap(),
            version: version.parse().unwrap(),
            source: "registry".to_owned(),
            archive_digest: None,
            content_digest: skillreg_core::Digest::of(b"x"),
            signer: None,
            clients: Vec::new(),
            profile: None,
            log_index: None,
        }
    }

    #[tokio::test]
    async fn a_lock_behind_its_request_or_the_latest_is_outdated() {
        let files = |v: &str| skill_files("pdf", "PDFs", "", &[("v", v)]);
        let registry = FakeLookup::new("registry")
            .with_bundle("acme/pdf", "1.0.0", &files("1"))
            .with_bundle("acme/pdf", "1.1.0", &files("2"))
            .with_bundle("acme/pdf", "2.0.0", &files("3"))
            .with_bundle("acme/mail", "1.0.0", &skill_files("mail", "Mail", "", &[]));
        let sources = vec![Source {
            name: "registry".to_owned(),
            lookup: Arc::new(registry),
            keys: None,
            registry: None,
        }];
        let mut manifest = ProjectManifest::default();
        for (reference, request) in [("pdf", "^1"), ("acme/mail", "latest"), ("oci://h/x:1", "")] {
            manifest
                .skills
                .insert(reference.to_owned(), request.to_owned());
        }
        let mut lock = Lock::default();
        lock.upsert(entry("acme/pdf", "1.0.0"));
        lock.upsert(entry("acme/mail", "1.0.0"));
        let found = outdated(&sources, &manifest, &lock).await.unwrap();
        let version = |v: &str| v.parse::<Version>().unwrap();
        assert_eq!(
            found,
            [Outdated {
                id: "acme/pdf".parse().unwrap(),
                current: version("1.0.0"),
                wanted: version("1.1.0"),
                latest: version("2.0.0"),
            }]
        );
        manifest
            .skills
            .insert("acme/gone".to_owned(), "latest".to_owned());
        lock.upsert(entry("acme/gone", "1.0.0"));
        let missing = outdated(&sources, &manifest, &lock).await.unwrap_err();
        assert!(
            matches!(missing, ResolveError::NotFound { .. }),
            "{missing}"
        );
    }
}
