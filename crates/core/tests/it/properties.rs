//! Property tests: selection against a brute-force oracle, round-trips, conflict-policy
//! invariants, and deterministic packing.

use proptest::prelude::*;
use skillreg_core::auth::is_maintainer;
use skillreg_core::bundle::{BundleLimits, pack, read_archive};
use skillreg_core::conflict::{
    ConflictPolicy, ImportStep, Occupant, PublishDecision, decide_import, decide_publish,
};
use skillreg_core::model::{
    NamespaceRecord, NewVersion, Role, SkillRecord, Timestamp, UserId, VersionMeta, VersionRecord,
};
use skillreg_core::ports::CatalogStore as _;
use skillreg_core::version::{Candidate, select};
use skillreg_core::{Digest, Namespace, SkillId, SkillName, Version, VersionReq};
use skillreg_testkit::strategies;

/// The slow, obvious reading of docs/FORMATS.md's table, written without `VersionReq::matches`.
fn oracle(request: &VersionReq, registry: &[(Version, bool)]) -> Option<Version> {
    let mut all: Vec<&(Version, bool)> = registry.iter().collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let semver = |v: &Version| v.semver().clone();
    let pick = |keep: &dyn Fn(&Version) -> bool| {
        all.iter()
            .rev()
            .find(|(v, yanked)| !yanked && keep(v))
            .map(|(v, _)| v.clone())
    };
    match request {
        VersionReq::Latest => pick(&|v| v.semver().pre.is_empty()).or_else(|| pick(&|_| true)),
        VersionReq::Exact(exact) => all
            .iter()
            .find(|(v, _)| {
                let (a, b) = (semver(v), exact.semver());
                (a.major, a.minor, a.patch, &a.pre) == (b.major, b.minor, b.patch, &b.pre)
            })
            .map(|(v, _)| v.clone()),
        VersionReq::Partial { major, minor } => {
            let low = Version::new(*major, minor.unwrap_or(0), 0);
            let high = match minor {
                Some(minor) => Version::new(*major, minor + 1, 0),
                None => Version::new(major + 1, 0, 0),
            };
            pick(&|v| v.semver().pre.is_empty() && *v >= low && *v < high)
        }
        VersionReq::Cargo(req) => {
            let text = req.to_string();
            pick(&|v| cargo_matches(&text, v.semver()))
        }
    }
}

/// Cargo's request rules read from the request's text, without the semver crate's
/// matching: each comparator (`^`, `~`, `>=`, `>`, `<=`, `<`, `=`, or none for `^`) is a
/// range of versions, a version must be in all of them, and a pre-release only matches
/// when a comparator names its `major.minor.patch` with a pre-release of its own.
fn cargo_matches(text: &str, v: &semver::Version) -> bool {
    if text == "*" {
        return v.pre.is_empty();
    }
    let at = |major: u64, minor: u64, patch: u64| semver::Version::new(major, minor, patch);
    let mut names_this_pre_release = false;
    let all = text.split(',').map(str::trim).all(|comparator| {
        let (op, rest) = ["^", "~", ">=", "<=", ">", "<", "="]
            .iter()
            .find_map(|op| comparator.strip_prefix(op).map(|rest| (*op, rest)))
            .unwrap_or(("^", comparator));
        let (numbers, pre) = rest.split_once('-').unwrap_or((rest, ""));
        let parts: Vec<u64> = numbers.split('.').map(|n| n.parse().unwrap()).collect();
        let (major, minor, patch) = (parts[0], parts.get(1).copied(), parts.get(2).copied());
        let mut low = at(major, minor.unwrap_or(0), patch.unwrap_or(0));
        if !pre.is_empty() {
            low.pre = semver::Prerelease::new(pre).unwrap();
            if patch.is_some()
                && (v.major, v.minor, v.patch) == (major, minor.unwrap_or(0), patch.unwrap_or(0))
            {
                names_this_pre_release = true;
            }
        }
        // The first version past the comparator's range, for the ops that have one.
        let caret_end = match (major, minor, patch) {
            (0, Some(0), Some(p)) => at(0, 0, p + 1),
            (0, Some(m), _) => at(0, m + 1, 0),
            (0, None, _) => at(1, 0, 0),
            (x, _, _) => at(x + 1, 0, 0),
        };
        let tilde_end = match minor {
            Some(m) => at(major, m + 1, 0),
            None => at(major + 1, 0, 0),
        };
        let partial_end = match (minor, patch) {
            (None, _) => at(major + 1, 0, 0),
            (Some(m), None) => at(major, m + 1, 0),
            (Some(m), Some(p)) => at(major, m, p + 1),
        };
        let plain = semver::Version::new(v.major, v.minor, v.patch);
        let v_cmp = if v.pre.is_empty() { plain } else { v.clone() };
        match op {
            "^" => v_cmp >= low && v_cmp < caret_end,
            "~" => v_cmp >= low && v_cmp < tilde_end,
            ">=" => v_cmp >= low,
            ">" => v_cmp >= partial_end || (patch.is_some() && v_cmp > low),
            "<=" => v_cmp < partial_end,
            "<" => v_cmp < low,
            _ => v_cmp >= low && v_cmp < partial_end,
        }
    });
    all && (v.pre.is_empty() || names_this_pre_release)
}

fn record(creator: &str) -> SkillRecord {
    SkillRecord {
        uid: "skl-1".parse().unwrap(),
        id: "acme/pdf".parse().unwrap(),
        created_by: creator.parse().unwrap(),
        created_at: Timestamp::default(),
        deprecation: None,
    }
}

fn stored(digest: Digest) -> VersionRecord {
    VersionRecord {
        skill: "skl-1".parse().unwrap(),
        published: NewVersion {
            version: Version::new(1, 0, 0),
            archive_digest: digest,
            content_digest: digest,
            size: 1,
            meta: VersionMeta::default(),
            published_by: "alice".parse().unwrap(),
            published_at: Timestamp::default(),
            signatures: Vec::new(),
            audit: None,
        },
        yanked: false,
        log_index: None,
    }
}

fn policy() -> impl Strategy<Value = ConflictPolicy> {
    prop::sample::select(ConflictPolicy::ALL.to_vec())
}

fn user() -> impl Strategy<Value = UserId> {
    prop::sample::select(vec!["alice", "bob", "carol"]).prop_map(|u| u.parse().unwrap())
}

fn digest() -> impl Strategy<Value = Digest> {
    (0u8..3).prop_map(|n| Digest::of(&[n]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn selection_agrees_with_the_oracle(registry in strategies::registry(), request in strategies::version_request()) {
        let chosen = select(&request, registry.iter().map(|(version, yanked)| Candidate { version, yanked: *yanked }));
        prop_assert_eq!(chosen.cloned(), oracle(&request, &registry), "request {}", request);
    }

    #[test]
    fn names_round_trip(name in strategies::skill_name()) {
        prop_assert_eq!(name.to_string().parse::<SkillName>().unwrap(), name);
    }

    #[test]
    fn namespaces_round_trip(namespace in strategies::namespace()) {
        prop_assert_eq!(namespace.to_string().parse::<Namespace>().unwrap(), namespace);
    }

    #[test]
    fn ids_round_trip(id in strategies::skill_id()) {
        prop_assert_eq!(id.to_string().parse::<SkillId>().unwrap(), id.clone());
        let json = format!("\"{id}\"");
        let back: SkillId = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, id);
    }

    #[test]
    fn version_requests_round_trip(text in strategies::version_request_text()) {
        let parsed: VersionReq = text.parse().unwrap();
        prop_assert_eq!(parsed.to_string().parse::<VersionReq>().unwrap(), parsed);
    }

    #[test]
    fn import_policy_invariants(
        creator in user(),
        actor in user(),
        actor_role in prop::option::of(prop_oneof![Just(Role::Owner), Just(Role::Member)]),
        latest in prop::option::of(digest()),
        incoming in digest(),
        policy in policy(),
        occupied in any::<bool>(),
    ) {
        let skill = record(creator.as_str());
        let namespace = NamespaceRecord {
            namespace: skill.id.namespace().clone(),
            members: actor_role.map(|role| (actor.clone(), role)).into_iter().collect(),
            visibility: skillreg_core::auth::Visibility::Public,
            created_at: Timestamp::default(),
        };
        let maintainer = is_maintainer(&actor, &skill, Some(&namespace));
        // Maintainers: the namespace's owners, and the creator while a member.
        prop_assert_eq!(
            maintainer,
            actor_role == Some(Role::Owner) || (actor_role == Some(Role::Member) && actor == creator)
        );
        let occupant = occupied.then_some(Occupant {
            skill: &skill,
            latest_content_digest: latest.as_ref(),
            maintained_by_actor: maintainer,
        });
        let step = decide_import(occupant, &incoming, policy);
        if !occupied {
            prop_assert_eq!(step, ImportStep::Create);
            return Ok(());
        }
        // Someone who does not maintain the skill never overwrites.
        if !maintainer {
            prop_assert_ne!(&step, &ImportStep::Overwrite);
        }
        // A maintainer re-importing the same content changes nothing, whatever the policy.
        if maintainer && latest == Some(incoming) {
            prop_assert_eq!(&step, &ImportStep::Unchanged);
        }
        match &step {
            ImportStep::Conflict(c) | ImportStep::Skip(c) => {
                prop_assert_eq!(&c.existing_created_by, &creator);
                prop_assert_eq!(c.can_overwrite, maintainer);
                prop_assert_eq!(&c.existing_skill_id, &skill.id);
            }
            ImportStep::Overwrite => prop_assert!(policy == ConflictPolicy::Overwrite && maintainer),
            ImportStep::TryNextName => prop_assert_eq!(policy, ConflictPolicy::Rename),
            ImportStep::Create => prop_assert!(false, "an occupied name is never created"),
            ImportStep::Unchanged => prop_assert!(maintainer && latest == Some(incoming)),
        }
    }

    #[test]
    fn publish_is_unchanged_on_same_digest_and_conflict_otherwise(existing in prop::option::of(digest()), incoming in digest()) {
        let stored = existing.map(stored);
        let decision = decide_publish(stored.as_ref(), &incoming);
        match existing {
            None => prop_assert_eq!(decision, PublishDecision::Create),
            Some(d) if d == incoming => prop_assert_eq!(decision, PublishDecision::Unchanged),
            Some(d) => prop_assert_eq!(decision, PublishDecision::Conflict { existing_archive_digest: d }),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn pack_read_pack_is_byte_identical(files in strategies::file_set()) {
        let first = pack(&files).unwrap();
        let read = read_archive(first.bytes(), &BundleLimits::default()).unwrap();
        prop_assert_eq!(&read, &files);
        let second = pack(&read).unwrap();
        prop_assert_eq!(first.bytes(), second.bytes());
        prop_assert_eq!(first.digest(), &Digest::of(second.bytes()));
        prop_assert_eq!(read.content_digest(), files.content_digest());
    }

    /// Through the whole import use case: whatever sequence of imports runs, the skill's
    /// uid and creator never change and no version number is stored twice.
    #[test]
    fn imports_never_change_identity(steps in prop::collection::vec((user(), 0u8..3, policy()), 1..8)) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            use skillreg_core::usecases::ImportRequest;
            let t = skillreg_testkit::TestRegistry::new();
            let mut first: Option<SkillRecord> = None;
            for (who, content, policy) in steps {
                let files = skillreg_testkit::fixtures::skill_files("pdf", "PDF tools", "", &[("c.txt", &content.to_string())]);
                let request = ImportRequest {
                    namespace: "shared".parse().unwrap(),
                    files,
                    folder_name: None,
                    version: None,
                    on_conflict: policy,
                };
                let mut actor = crate::actor(who.as_str());
                if first.is_none() {
                    actor = crate::actor(who.as_str());
                } else {
                    // Everyone else is a member, so only creatorship decides overwrites (the
                    // creator owns the namespace and stays its owner).
                    let creator = first.as_ref().map(|f| f.created_by.clone());
                    if creator.as_ref() != Some(&who) {
                        skillreg_testkit::set_role(t.store.as_ref(), "shared", who.as_str(), Some(skillreg_core::model::Role::Member)).await.unwrap();
                    }
                }
                let result = t.registry.import(&actor, request).await;
                // Each answer is one the policy allows for who asked.
                use skillreg_core::usecases::ImportOutcome;
                let creator = first.as_ref().map(|f| f.created_by.clone());
                let is_creator = creator.as_ref().is_none_or(|c| c == &who);
                match (&result, policy) {
                    (Ok(ImportOutcome::Created { renamed: false, .. }), _) => {
                        prop_assert!(first.is_none(), "created twice: {result:?}");
                    }
                    (Ok(ImportOutcome::Created { renamed: true, .. }), ConflictPolicy::Rename)
                    | (Ok(ImportOutcome::Unchanged { .. }), _)
                    | (Ok(ImportOutcome::Skipped(_)), ConflictPolicy::Skip)
                    | (Ok(ImportOutcome::Conflict(_)), ConflictPolicy::Fail) => {}
                    (Ok(ImportOutcome::Overwritten { .. }), ConflictPolicy::Overwrite) => {
                        prop_assert!(is_creator, "{who} overwrote another's skill");
                    }
                    (Ok(ImportOutcome::Conflict(conflict)), ConflictPolicy::Overwrite) => {
                        prop_assert!(!is_creator && !conflict.can_overwrite, "the creator was refused: {result:?}");
                    }
                    (other, policy) => prop_assert!(false, "{policy:?} for {who}: {other:?}"),
                }
                let now = t.store.skill(&"shared/pdf".parse().unwrap()).await.unwrap();
                match (&first, now) {
                    (None, now) => first = now,
                    (Some(before), Some(now)) => {
                        assert_eq!(before.uid, now.uid);
                        assert_eq!(before.created_by, now.created_by);
                        assert_eq!(before.created_at, now.created_at);
                        let versions = t.store.versions(&now.uid).await.unwrap();
                        let mut numbers: Vec<String> = versions.iter().map(|v| v.version().canonical()).collect();
                        let total = numbers.len();
                        numbers.dedup();
                        assert_eq!(numbers.len(), total, "a version number stored twice");
                        let non_creator_versions = versions.iter().filter(|v| v.published.published_by != before.created_by).count();
                        assert_eq!(non_creator_versions, 0, "a non-creator overwrote");
                    }
                    (Some(_), None) => panic!("the skill vanished"),
                }
            }
            Ok(())
        })?;
    }
}
