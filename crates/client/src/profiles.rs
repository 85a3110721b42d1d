//! Following agent profiles: the profiles `skills.toml` names, and what installing or
//! updating one does to the project ([`plan_profile`]). The rule itself is core's
//! ([`skillreg_core::profile::follow`]); here it meets the project's files. A skill the
//! project asks for itself (in `[skills]`) is the manifest's, never the profile's: its lock
//! entry names no profile, and a profile dropping it removes nothing.

use skillreg_core::profile::{ProfileId, follow};
use skillreg_core::{SkillId, VersionReq};

use crate::project::{Lock, ProjectManifest};
use crate::sync::{SyncError, Wanted, wanted};

/// The profiles `manifest` follows, in its order.
///
/// # Errors
/// [`SyncError::Profile`] for the first that is not a profile id.
pub fn profiles(manifest: &ProjectManifest) -> Result<Vec<ProfileId>, SyncError> {
    manifest
        .profiles
        .iter()
        .map(|text| {
            text.parse().map_err(
                |e: skillreg_core::profile::ProfileIdError| SyncError::Profile {
                    text: text.clone(),
                    reason: e.reason,
                },
            )
        })
        .collect()
}

/// The skills `manifest` asks for itself, as ids (a plain name as the lock resolved it).
///
/// # Errors
/// An entry of the manifest that does not read.
pub fn asked(manifest: &ProjectManifest, lock: &Lock) -> Result<Vec<SkillId>, SyncError> {
    Ok(wanted(manifest)?
        .into_iter()
        .filter_map(|wanted| match wanted {
            Wanted::Registry { reference, .. } => lock
                .for_reference(&reference)
                .map(|entry| entry.id.clone())
                .or_else(|| {
                    reference
                        .namespace()
                        .map(|ns| SkillId::new(ns.clone(), reference.name().clone()))
                }),
            Wanted::Oci { .. } => None,
        })
        .collect())
}

/// What following one profile does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfilePlan {
    /// Skills to install (or resolve again) for the profile, each at its request.
    pub install: Vec<(SkillId, VersionReq)>,
    /// Skills installed for the profile that nothing asks for any more: to remove.
    pub remove: Vec<SkillId>,
}

/// What following `profile`, whose skills are now `now`, does to the project: install
/// its skills the manifest does not ask for itself, and remove the ones installed for it
/// before that neither it, the manifest nor `others` (the skills of the project's other
/// profiles) hold any more.
///
/// # Errors
/// An entry of the manifest that does not read.
pub fn plan_profile(
    manifest: &ProjectManifest,
    lock: &Lock,
    profile: &ProfileId,
    now: &[(SkillId, VersionReq)],
    others: &[SkillId],
) -> Result<ProfilePlan, SyncError> {
    let asked = asked(manifest, lock)?;
    let installed: Vec<SkillId> = lock
        .skills
        .iter()
        .filter(|entry| {
            entry
                .profile
                .as_ref()
                .is_some_and(|p| p.key() == profile.key())
        })
        .map(|entry| entry.id.clone())
        .collect();
    let mut kept = asked.clone();
    kept.extend_from_slice(others);
    let followed = follow(now, &installed, &kept);
    Ok(ProfilePlan {
        install: followed
            .install
            .into_iter()
            .filter(|(id, _)| !asked.iter().any(|a| a.key() == id.key()))
            .collect(),
        remove: followed.remove,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::LockEntry;

    fn entry(id: &str, profile: Option<&str>) -> LockEntry {
        LockEntry {
            id: id.parse().unwrap(),
            version: "1.0.0".parse().unwrap(),
            source: "default".to_owned(),
            archive_digest: None,
            content_digest: skillreg_core::Digest::of(b"x"),
            signer: None,
            clients: Vec::new(),
            profile: profile.map(|p| p.parse().unwrap()),
            log_index: None,
        }
    }

    fn id(text: &str) -> SkillId {
        text.parse().unwrap()
    }

    #[test]
    fn a_profile_installs_what_the_manifest_does_not_ask_for_itself() {
        let mut manifest = ProjectManifest::default();
        manifest.skills.insert("pdf".to_owned(), "^2".to_owned());
        let mut lock = Lock::default();
        lock.upsert(entry("acme/pdf", None));
        let now = vec![
            (id("acme/pdf"), VersionReq::Latest),
            (id("acme/lint"), VersionReq::Latest),
        ];
        let profile: ProfileId = "acme/frontend".parse().unwrap();
        let plan = plan_profile(&manifest, &lock, &profile, &now, &[]).unwrap();
        assert_eq!(plan.install, vec![(id("acme/lint"), VersionReq::Latest)]);
        assert!(plan.remove.is_empty());
    }

    #[test]
    fn a_dropped_skill_is_removed_unless_something_else_holds_it() {
        let manifest = ProjectManifest::default();
        let mut lock = Lock::default();
        lock.upsert(entry("acme/old", Some("acme/frontend")));
        lock.upsert(entry("acme/shared", Some("acme/frontend")));
        lock.upsert(entry("acme/other", Some("acme/backend")));
        let profile: ProfileId = "acme/frontend".parse().unwrap();
        let plan = plan_profile(&manifest, &lock, &profile, &[], &[id("acme/shared")]).unwrap();
        assert_eq!(plan.remove, vec![id("acme/old")]);
    }

    #[test]
    fn manifest_profiles_must_be_profile_ids() {
        let manifest = ProjectManifest {
            profiles: vec!["frontend".to_owned()],
            ..ProjectManifest::default()
        };
        let error = profiles(&manifest).unwrap_err();
        assert!(error.to_string().contains("frontend"), "{error}");
    }
}
