//! proptest strategies for the domain's types: names, namespaces, ids, versions, version
//! requests, file sets and whole registries (lists of versions, some yanked).

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use skillreg_core::bundle::{BundleFile, BundleLimits, FileSet};
use skillreg_core::identity::{Namespace, SkillId, SkillName};
use skillreg_core::version::{Version, VersionReq};

/// Valid skill names (with the occasional `_`).
pub fn skill_name() -> impl Strategy<Value = SkillName> {
    "[a-z0-9]{1,10}([-_][a-z0-9]{1,10}){0,3}".prop_filter_map("valid name", |s| s.parse().ok())
}

/// Valid namespaces of one to four segments.
pub fn namespace() -> impl Strategy<Value = Namespace> {
    vec("[a-z0-9]([a-z0-9._-]{0,8}[a-z0-9])?", 1..=4)
        .prop_filter_map("valid namespace", |segments| {
            segments.join("/").parse().ok()
        })
}

/// Valid skill ids.
pub fn skill_id() -> impl Strategy<Value = SkillId> {
    (namespace(), skill_name()).prop_map(|(ns, name)| SkillId::new(ns, name))
}

/// Versions from a small space (so generated registries and requests collide often),
/// with pre-releases and build metadata now and then.
pub fn version() -> impl Strategy<Value = Version> {
    (
        0u64..4,
        0u64..4,
        0u64..4,
        prop::option::weighted(0.2, "(alpha|beta|rc)\\.[0-9]"),
        prop::option::weighted(0.1, "b[0-9]"),
    )
        .prop_filter_map("valid version", |(major, minor, patch, pre, build)| {
            let mut text = format!("{major}.{minor}.{patch}");
            if let Some(pre) = pre {
                text.push('-');
                text.push_str(&pre);
            }
            if let Some(build) = build {
                text.push('+');
                text.push_str(&build);
            }
            text.parse().ok()
        })
}

/// Version requests in every written form of docs/FORMATS.md, as text.
pub fn version_request_text() -> impl Strategy<Value = String> {
    let n = || 0u64..4;
    prop_oneof![
        Just("latest".to_owned()),
        Just(String::new()),
        version().prop_map(|v| v.to_string()),
        version().prop_map(|v| format!("={v}")),
        version().prop_map(|v| format!("v{v}")),
        (n(), n()).prop_map(|(a, b)| format!("{a}.{b}")),
        (n(), n()).prop_map(|(a, b)| format!("{a}.{b}.*")),
        (n(), n()).prop_map(|(a, b)| format!("v{a}.{b}.x")),
        n().prop_map(|a| format!("{a}")),
        n().prop_map(|a| format!("{a}.*")),
        n().prop_map(|a| format!("v{a}")),
        n().prop_map(|a| format!("v{a}.x")),
        (n(), n()).prop_map(|(a, b)| format!("^{a}.{b}")),
        (n(), n(), n()).prop_map(|(a, b, c)| format!("~{a}.{b}.{c}")),
        (n(), n()).prop_map(|(a, b)| format!(">={a}, <{b}")),
        Just("*".to_owned()),
        version().prop_map(|v| format!(">={v}")),
    ]
}

/// Parsed version requests.
pub fn version_request() -> impl Strategy<Value = VersionReq> {
    version_request_text().prop_filter_map("parses", |text| text.parse().ok())
}

/// A registry's versions of one skill: distinct versions (build metadata ignored), each
/// maybe yanked.
pub fn registry() -> impl Strategy<Value = Vec<(Version, bool)>> {
    vec((version(), prop::bool::weighted(0.25)), 0..12).prop_map(|mut versions| {
        versions.sort_by(|a, b| a.0.cmp(&b.0));
        versions.dedup_by(|a, b| a.0 == b.0);
        versions
    })
}

/// Valid file sets: a SKILL.md for `name` plus up to a few files in nested folders, some
/// executable.
pub fn file_set() -> impl Strategy<Value = FileSet> {
    (
        skill_name(),
        btree_map(
            "[a-z]{1,6}(/[a-z]{1,6}){0,2}\\.(md|py|txt)",
            (vec(any::<u8>(), 0..200), any::<bool>()),
            0..6,
        ),
    )
        .prop_filter_map("valid file set", |(name, extra)| {
            let skill_md =
                format!("---\nname: {name}\ndescription: generated skill {name}\n---\nbody\n");
            let mut files = vec![BundleFile::new(
                "SKILL.md".parse().ok()?,
                skill_md.into_bytes(),
                false,
            )];
            for (path, (bytes, executable)) in extra {
                files.push(BundleFile::new(path.parse().ok()?, bytes, executable));
            }
            FileSet::new(files, &BundleLimits::default()).ok()
        })
}
