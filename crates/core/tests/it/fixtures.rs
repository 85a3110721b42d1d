//! The four real fixture skills parse, pack and read back, with pinned content digests.

use skillreg_core::bundle::{BundleLimits, pack, read_archive};
use skillreg_core::manifest::parse_skill_md;
use skillreg_testkit::fixtures::{FIXTURE_SKILLS, load_fixture};

/// Content digests of the fixture skills, computed independently of this code base and
/// pinned: a change of the content-digest algorithm
/// (which must stay ToolHive-compatible) fails here.
const PINNED: [(&str, &str); 4] = [
    (
        "brand-guidelines",
        "sha256:023ba0bd336ea7e79103ec41cb9fc2844844d1ef557ab166517af13fec477f91",
    ),
    (
        "claude-api",
        "sha256:a7e8efa3e271fb56ee42842724a3d6681bc7bca2488ca5401c2e00d6a5c44f51",
    ),
    (
        "frontend-design",
        "sha256:d2f2b4dbd5d91d5f8be15dc533b2887faee85a705d7316878db8f7fb2b8925ad",
    ),
    (
        "internal-comms",
        "sha256:f1a02f2ed85778a74609d580fe58775edc8a8279e21ee93f667d793cc0a24880",
    ),
];

#[test]
fn fixtures_parse_pack_and_read_back() {
    for name in FIXTURE_SKILLS {
        let files = load_fixture(name);
        let parsed = parse_skill_md(files.skill_md().contents(), Some(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(parsed.manifest.name().as_str(), name);
        let archive = pack(&files).unwrap();
        let read = read_archive(archive.bytes(), &BundleLimits::default()).unwrap();
        assert_eq!(read, files, "{name}");
        assert_eq!(
            pack(&read).unwrap().bytes(),
            archive.bytes(),
            "{name}: packing is deterministic"
        );
    }
}

#[test]
fn fixture_content_digests_are_pinned() {
    for (name, expected) in PINNED {
        let digest = load_fixture(name).content_digest().to_string();
        assert_eq!(digest, expected, "{name}");
    }
}

#[test]
fn claude_api_has_many_files_in_deep_folders() {
    let files = load_fixture("claude-api");
    assert!(files.len() > 50, "{}", files.len());
    assert!(files.paths().any(|p| p.as_str().matches('/').count() >= 2));
}
