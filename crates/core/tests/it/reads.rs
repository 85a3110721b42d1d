//! The reads handlers serve: overview, versions, reviews, downloads (counted), packages,
//! browse and the OCI documents (built once per version).

use std::sync::Arc;

use skillreg_core::VersionReq;
use skillreg_core::ports::BlobStore as _;
use skillreg_core::usecases::{BrowseRequest, OciBlob, RegistryError};
use skillreg_testkit::TestRegistry;

use crate::{id, publish_version};

async fn publish(t: &TestRegistry, namespace: &str, name: &str, version: &str) {
    publish_version(t, namespace, name, version, "Reads things", "").await;
}

#[tokio::test]
async fn a_download_is_counted_and_a_lost_archive_is_told_apart() {
    let t = TestRegistry::new();
    publish(&t, "acme", "pdf", "1.0.0").await;
    publish(&t, "acme", "pdf", "1.1.0").await;
    let download = t
        .registry
        .download(None, &id("acme/pdf"), &"^1.0".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(download.version.version().to_string(), "1.1.0");
    let skillreg_core::usecases::Archive::Bytes(bytes) = &download.archive else {
        panic!("the fake blob store hands out no URLs")
    };
    assert_eq!(
        skillreg_core::Digest::of(bytes),
        download.version.published.archive_digest
    );
    assert_eq!(
        t.registry
            .overview(None, &id("acme/pdf"))
            .await
            .unwrap()
            .downloads,
        1
    );

    // The blob store lost it: an error of its own, and the download is not counted.
    t.blobs
        .delete(&download.version.published.archive_digest)
        .await
        .unwrap();
    let error = t
        .registry
        .download(None, &id("acme/pdf"), &VersionReq::Latest)
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistryError::ArchiveMissing(d) if d == download.version.published.archive_digest),
        "{error}"
    );
    assert_eq!(
        t.registry
            .overview(None, &id("acme/pdf"))
            .await
            .unwrap()
            .downloads,
        1
    );
}

#[tokio::test]
async fn versions_come_newest_first_and_one_version_by_its_number() {
    let t = TestRegistry::new();
    for v in ["1.0.0", "2.0.0", "1.5.0"] {
        publish(&t, "acme", "pdf", v).await;
    }
    let (skill, versions) = t.registry.versions(None, &id("acme/pdf")).await.unwrap();
    assert_eq!(skill.id, id("acme/pdf"));
    let numbers: Vec<String> = versions.iter().map(|v| v.version().to_string()).collect();
    assert_eq!(numbers, ["2.0.0", "1.5.0", "1.0.0"]);
    let (_, one) = t
        .registry
        .version(None, &id("acme/pdf"), &"1.5.0".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(one.version().to_string(), "1.5.0");
    assert!(matches!(
        t.registry
            .version(None, &id("acme/pdf"), &"3.0.0".parse().unwrap())
            .await,
        Err(RegistryError::VersionNotFound { .. })
    ));
    assert!(matches!(
        t.registry.versions(None, &id("acme/none")).await,
        Err(RegistryError::SkillNotFound(_))
    ));
}

#[tokio::test]
async fn browse_gives_each_skill_with_its_latest_version() {
    let t = TestRegistry::new();
    publish(&t, "acme", "pdf", "1.0.0").await;
    publish(&t, "acme", "pdf", "1.2.0").await;
    publish(&t, "acme/tools", "lint", "0.1.0").await;
    publish(&t, "other", "mail", "3.0.0").await;
    let page = t
        .registry
        .browse(
            None,
            BrowseRequest {
                namespace: Some("acme".parse().unwrap()),
                ..BrowseRequest::default()
            },
        )
        .await
        .unwrap();
    let mut latest: Vec<String> = page
        .latest
        .iter()
        .map(|(skill, version)| format!("{}@{}", skill.id, version.version()))
        .collect();
    latest.sort();
    assert_eq!(latest, ["acme/pdf@1.2.0", "acme/tools/lint@0.1.0"]);
    assert_eq!(page.total, 2);
    for (skill, version) in &page.latest {
        assert_eq!(version.skill, skill.uid);
    }
}

#[tokio::test]
async fn oci_documents_are_built_once_and_found_by_digest() {
    let t = TestRegistry::new();
    publish(&t, "acme", "pdf", "1.0.0").await;
    publish(&t, "acme", "pdf", "1.1.0").await;
    let first = t
        .registry
        .oci_artifact(None, &id("acme/pdf"), &"1.0.0".parse().unwrap())
        .await
        .unwrap();
    let again = t
        .registry
        .oci_artifact(None, &id("acme/pdf"), &"1.0.0".parse().unwrap())
        .await
        .unwrap();
    assert!(
        Arc::ptr_eq(&first, &again),
        "the second read is the built one"
    );
    let newer = t
        .registry
        .oci_artifact(None, &id("acme/pdf"), &"1.1.0".parse().unwrap())
        .await
        .unwrap();
    assert_ne!(first.index.digest, newer.index.digest);

    // The index and every manifest by digest; a config and the layer as blobs.
    for manifest in std::iter::once(&first.index).chain(&first.manifests) {
        let found = t
            .registry
            .oci_manifest(None, &id("acme/pdf"), &manifest.digest)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&found, manifest);
    }
    let config = &first.configs[0];
    assert_eq!(
        t.registry
            .oci_blob(None, &id("acme/pdf"), &config.digest)
            .await
            .unwrap(),
        Some(OciBlob::Config(config.clone()))
    );
    let Some(OciBlob::Layer(layer)) = t
        .registry
        .oci_blob(None, &id("acme/pdf"), &first.layer)
        .await
        .unwrap()
    else {
        panic!("the layer is the archive");
    };
    assert_eq!(skillreg_core::Digest::of(&layer), first.layer);
    // Digests of nothing in this repository, and a repository that does not exist.
    let other = skillreg_core::Digest::of(b"elsewhere");
    assert_eq!(
        t.registry
            .oci_manifest(None, &id("acme/pdf"), &other)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        t.registry
            .oci_blob(None, &id("acme/pdf"), &other)
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        t.registry.oci_tags(None, &id("acme/none")).await,
        Err(RegistryError::SkillNotFound(_))
    ));
    assert_eq!(
        t.registry.oci_tags(None, &id("acme/pdf")).await.unwrap(),
        ["1.0.0", "1.1.0"]
    );
}
