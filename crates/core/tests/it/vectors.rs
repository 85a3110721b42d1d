//! The formats others depend on, against values computed outside the project
//! (`fixtures/vectors/make_vectors.py`, which builds them from docs/FORMATS.md with Python's
//! standard library): a change to any byte of them fails here.

use serde_json::Value;
use skillreg_core::model::{NewVersion, Timestamp, VersionMeta};
use skillreg_core::package::package_id;
use skillreg_core::signature::key_registration_message;
use skillreg_testkit::vectors::{load as vectors, statement, text};

#[test]
fn the_signed_statement_is_byte_for_byte_the_documented_text() {
    let v = vectors();
    let statement = statement(&v);
    assert_eq!(
        String::from_utf8(statement.signing_bytes()).unwrap(),
        text(&v["statement"]["bytes"])
    );
    assert_eq!(
        String::from_utf8(statement.hmac_message()).unwrap(),
        text(&v["hmac"]["message"])
    );
}

#[test]
fn the_key_registration_message_is_the_documented_text() {
    let v = vectors();
    let message = key_registration_message(
        &text(&v["key_registration"]["user"]).parse().unwrap(),
        text(&v["ed25519"]["key_id"]),
    );
    assert_eq!(
        String::from_utf8(message).unwrap(),
        text(&v["key_registration"]["bytes"])
    );
}

#[test]
fn the_package_id_is_the_sha1_of_the_canonical_document() {
    let v = vectors();
    let document = &v["package"]["document"];
    let strings = |key: &str| -> Vec<String> {
        document[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| text(s).to_owned())
            .collect()
    };
    let version = NewVersion {
        // Lifecycle fields: left out of the id, so any value gives the same one.
        version: "9.9.9".parse().unwrap(),
        published_at: Timestamp::from_unix_millis(1_700_000_000_000),
        archive_digest: text(&document["archive_digest"]).parse().unwrap(),
        content_digest: text(&document["content_digest"]).parse().unwrap(),
        size: document["size"].as_u64().unwrap(),
        meta: VersionMeta {
            description: text(&document["description"]).to_owned(),
            license: Some(text(&document["license"]).to_owned()),
            allowed_tools: strings("allowed_tools"),
            tags: strings("tags"),
            files: strings("files")
                .iter()
                .map(|f| f.parse().unwrap())
                .collect(),
        },
        published_by: "alice".parse().unwrap(),
        signatures: Vec::new(),
        audit: None,
    };
    let id = format!(
        "{}/{}",
        text(&document["namespace"]),
        text(&document["name"])
    )
    .parse()
    .unwrap();
    assert_eq!(
        package_id(&id, &version).as_str(),
        text(&v["package"]["package_id"])
    );
}

#[test]
fn the_oci_artifact_is_toolhive_s_layout_byte_for_byte() {
    let v = vectors();
    let oci = &v["oci"];
    let folder = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/vectors/oci-skill"
    );
    let files = skillreg_testkit::fixtures::load_folder(std::path::Path::new(folder));
    // The layer is the archive of the folder, pinned: the documents below are computed
    // from these bytes.
    let archive = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/vectors/oci-skill.tar.gz"
    ))
    .unwrap();
    assert_eq!(
        skillreg_core::bundle::pack(&files).unwrap().bytes(),
        &archive[..]
    );
    let manifest = skillreg_core::manifest::parse_skill_md(files.skill_md().contents(), None)
        .unwrap()
        .manifest;
    let artifact =
        skillreg_core::oci::build_artifact(&files, &manifest, &"1.2.3".parse().unwrap()).unwrap();
    let document = |blob: &skillreg_core::oci::Blob, expected: &Value| {
        assert_eq!(
            String::from_utf8(blob.bytes.clone()).unwrap(),
            text(&expected["bytes"])
        );
        assert_eq!(blob.digest.to_string(), text(&expected["digest"]));
    };
    document(&artifact.index, &oci["index"]);
    assert_eq!(artifact.manifests.len(), 2);
    for (i, blob) in artifact.manifests.iter().enumerate() {
        document(blob, &oci["manifests"][i]);
    }
    for (i, blob) in artifact.configs.iter().enumerate() {
        document(blob, &oci["configs"][i]);
    }
    assert_eq!(
        artifact.layer.digest.to_string(),
        text(&oci["layer_digest"])
    );
}
