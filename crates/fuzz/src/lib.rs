//! What the fuzz targets check of every input (docs/ARCHITECTURE.md, "Fuzzing"): each parser
//! takes any bytes without panicking, and what it accepts survives its round trip (written
//! back and read again, it is the same; packed again, the same bytes). The coverage-guided
//! targets in `fuzz/` (`cargo fuzz`, libFuzzer) call these; the corpus they keep in
//! `fuzz/corpus/<target>/` replays through them in this crate's tests, so a crash found once
//! stays fixed.
//!
//! A failed check panics: that is how libFuzzer learns of it.

#![expect(
    clippy::panic,
    clippy::expect_used,
    reason = "a failed check panics, which is what a fuzzer detects"
)]

use std::path::Path;

use skillreg_adapters::oci::{DocumentPlan, OciReference, read_document, read_labels};
use skillreg_core::bundle::{BundleLimits, pack, read_archive};
use skillreg_core::clawhub::{handle, namespace_of};
use skillreg_core::manifest::parse_skill_md;
use skillreg_core::oci::{check_repository_name, tag_of, version_of_tag};
use skillreg_core::package::PackageId;
use skillreg_core::{Namespace, SkillId, SkillName, SkillRef, Version, VersionReq};

/// A target's check of one input.
pub type Check = fn(&[u8]);

/// Every target: its name (a folder of `fuzz/corpus/` and a binary of `fuzz/`) and check.
pub const TARGETS: &[(&str, Check)] = &[
    ("archive", archive),
    ("skill_md", skill_md),
    ("versions", versions),
    ("names", names),
    ("package_ids", package_ids),
    ("project_files", project_files),
    ("oci", oci),
    ("transparency_log", transparency_log),
];

/// A skill archive: read with the limits, packed again, read again: the same files, and
/// packing is canonical (the same files give the same bytes).
pub fn archive(data: &[u8]) {
    let limits = BundleLimits::default();
    let Ok(files) = read_archive(data, &limits) else {
        return;
    };
    let packed = pack(&files).expect("files that were read pack");
    let again = read_archive(packed.bytes(), &limits).expect("a packed archive reads");
    assert_eq!(again.content_digest(), files.content_digest());
    assert_eq!(
        pack(&again).expect("and packs again").digest(),
        packed.digest(),
        "packing is canonical"
    );
}

/// A SKILL.md: accepted or refused with an error, never a panic; an accepted one has a
/// valid name and a description, and its warnings and errors print.
pub fn skill_md(data: &[u8]) {
    match parse_skill_md(data, None) {
        Ok(parsed) => {
            let manifest = &parsed.manifest;
            assert!(!manifest.description().is_empty());
            let name: SkillName = manifest
                .name()
                .as_str()
                .parse()
                .expect("an accepted name parses");
            assert_eq!(&name, manifest.name());
            for warning in &parsed.warnings {
                assert!(!warning.to_string().is_empty());
            }
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Versions and version requests: what parses is written back to the same thing.
pub fn versions(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(version) = text.parse::<Version>() {
        let again: Version = version
            .to_string()
            .parse()
            .expect("a written version parses");
        assert_eq!(again, version);
        assert_eq!(
            version_of_tag(&tag_of(&version)).as_ref(),
            Some(&version),
            "an OCI tag keeps the version"
        );
    }
    if let Ok(request) = text.parse::<VersionReq>() {
        let again: VersionReq = request
            .to_string()
            .parse()
            .unwrap_or_else(|e| panic!("`{request}` written back does not parse: {e}"));
        assert_eq!(again, request);
    }
}

/// Names, namespaces, skill ids and references: written back, the same; lookup keys are
/// stable; a namespace's ClawHub handle names it again.
pub fn names(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(name) = text.parse::<SkillName>() {
        assert_eq!(
            name.to_string().parse::<SkillName>().ok().as_ref(),
            Some(&name)
        );
        assert_eq!(
            name.key().as_str().parse::<SkillName>().map(|n| n.key()),
            Ok(name.key())
        );
    }
    if let Ok(namespace) = text.parse::<Namespace>() {
        assert_eq!(
            namespace.to_string().parse::<Namespace>().ok().as_ref(),
            Some(&namespace)
        );
        assert_eq!(
            namespace_of(&handle(&namespace)).ok().as_ref(),
            Some(&namespace)
        );
    }
    if let Ok(id) = text.parse::<SkillId>() {
        assert_eq!(id.to_string().parse::<SkillId>().ok().as_ref(), Some(&id));
    }
    if let Ok(reference) = text.parse::<SkillRef>() {
        assert_eq!(
            reference.to_string().parse::<SkillRef>().ok().as_ref(),
            Some(&reference)
        );
    }
}

/// Package Registry Standard ids: what parses is written back to the same text.
pub fn package_ids(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(id) = text.parse::<PackageId>() {
        assert_eq!(id.as_str().parse::<PackageId>().ok().as_ref(), Some(&id));
    }
}

/// OCI documents and references as a pull reads them: an index's pick, a manifest's config
/// and layer, a config's labels (whose name passes the supply-chain check under a
/// repository of that name), and `oci://` references written back the same.
pub fn oci(data: &[u8]) {
    match read_document(data) {
        Ok(DocumentPlan::Index { manifest }) => assert!(!manifest.is_empty() || data.len() > 2),
        Ok(DocumentPlan::Manifest { .. }) | Err(_) => {}
    }
    if let Ok(labels) = read_labels(data)
        && labels.name.parse::<SkillName>().is_ok()
    {
        check_repository_name(&format!("acme/{}", labels.name), &labels.name)
            .unwrap_or_else(|e| panic!("a repository named after the skill is refused: {e}"));
    }
    let Some(text) = text(data) else { return };
    if let Ok(reference) = OciReference::parse(text) {
        assert_eq!(
            OciReference::parse(&reference.to_string()).ok().as_ref(),
            Some(&reference),
            "`{text}` written back"
        );
    }
}

/// `skills.lock` and `skills.toml`: an accepted file, written back and read again, is the
/// same.
pub fn project_files(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let origin = Path::new("skills.lock");
    if let Ok(lock) = skillreg_client::Lock::parse(text, origin) {
        let again = skillreg_client::Lock::parse(&lock.render(), origin)
            .unwrap_or_else(|e| panic!("a rendered lock does not parse: {e}"));
        assert_eq!(again, lock);
    }
    if let Ok(manifest) = toml::from_str::<skillreg_client::ProjectManifest>(text) {
        let written = toml::to_string(&manifest).expect("a manifest writes");
        let again: skillreg_client::ProjectManifest =
            toml::from_str(&written).unwrap_or_else(|e| panic!("a written manifest: {e}"));
        assert_eq!(again, manifest);
    }
}

/// What a client reads of a registry's transparency log: entries, signed notes,
/// checkpoints, verifier keys (each accepted one written back the same), and proofs, which
/// any bytes may claim to be and which must then fail cleanly, never panic.
pub fn transparency_log(data: &[u8]) {
    use skillreg_core::log::{
        Checkpoint, LogEntry, NoteKey, SignedNote, leaf_hash, verify_consistency, verify_inclusion,
    };
    if let Ok(entry) = LogEntry::parse(data) {
        assert_eq!(entry.to_bytes(), data, "an accepted entry is canonical");
    }
    // The bytes as a proof: a leaf, then hashes, checked against sizes taken from them.
    let hashes: Vec<[u8; 32]> = data
        .chunks_exact(32)
        .map(|chunk| chunk.try_into().expect("32 bytes"))
        .collect();
    if let [first, rest @ ..] = &hashes[..] {
        let size = u64::from(data[0]) * 3 + u64::from(data.len() as u8);
        let index = u64::from(data[data.len() - 1]);
        let _ = verify_inclusion(&leaf_hash(data), index, size, rest, first);
        let _ = verify_consistency(index, size, first, first, rest);
    }
    let Some(text) = text(data) else { return };
    if let Ok(note) = SignedNote::parse(text) {
        assert_eq!(
            SignedNote::parse(&note.to_text()).ok().as_ref(),
            Some(&note),
            "a note written back"
        );
        if let Ok(checkpoint) = Checkpoint::parse(&note.text) {
            assert_eq!(checkpoint.to_text(), note.text);
        }
    }
    if let Ok(key) = NoteKey::parse(text) {
        assert_eq!(NoteKey::parse(&key.to_text()).ok().as_ref(), Some(&key));
    }
}
