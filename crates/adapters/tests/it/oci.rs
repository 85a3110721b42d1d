//! OCI distribution against a real registry (Debian's docker-registry, started per test on
//! a loopback port): build → push → pull for every fixture skill, the raw documents, and
//! every refusal.

use skillreg_adapters::oci::{LocalStore, OciError, OciReference, RemoteRegistry};
use skillreg_core::bundle::{BundleLimits, read_archive};
use skillreg_core::manifest::parse_skill_md;
use skillreg_core::oci::{build_artifact, tag_of};
use skillreg_testkit::fixtures::{fixture_path, load_folder};
use skillreg_testkit::oci_registry::DockerRegistry;

const FIXTURES: [&str; 4] = [
    "brand-guidelines",
    "claude-api",
    "frontend-design",
    "internal-comms",
];

fn artifact(
    name: &str,
    version: &str,
) -> (skillreg_core::bundle::FileSet, skillreg_core::oci::Artifact) {
    let files = load_folder(&fixture_path(name));
    let manifest = parse_skill_md(files.skill_md().contents(), None)
        .unwrap()
        .manifest;
    let artifact = build_artifact(&files, &manifest, &version.parse().unwrap()).unwrap();
    (files, artifact)
}

#[tokio::test]
async fn every_fixture_round_trips_through_a_registry() {
    let registry = DockerRegistry::start();
    for name in FIXTURES {
        let (files, built) = artifact(name, "1.2.0+build.7");
        let version = "1.2.0+build.7".parse().unwrap();
        let reference = OciReference::parse(&format!(
            "oci://{}/skills/{name}:{}",
            registry.address,
            tag_of(&version)
        ))
        .unwrap();
        let remote = RemoteRegistry::for_reference(&reference, true).unwrap();
        let digest = remote.push(&built, &reference).await.unwrap();
        assert_eq!(digest, built.index.digest.to_string());
        let pulled = remote
            .pull(&reference, BundleLimits::default().max_archive_size)
            .await
            .unwrap();
        assert_eq!(
            pulled.digest, digest,
            "{name}: the tag resolves to the pushed index"
        );
        assert_eq!(
            pulled.top, built.index.bytes,
            "{name}: byte-identical index"
        );
        assert_eq!(pulled.labels.name, name);
        let unpacked = read_archive(&pulled.layer, &BundleLimits::default()).unwrap();
        assert_eq!(unpacked.content_digest(), files.content_digest(), "{name}");
        // By digest too.
        let by_digest = OciReference::parse(&format!(
            "oci://{}/skills/{name}@{digest}",
            registry.address
        ))
        .unwrap();
        let again = remote.pull(&by_digest, u64::MAX).await.unwrap();
        assert_eq!(again.layer, pulled.layer);
    }
}

#[test]
fn the_documents_have_exactly_the_toolhive_layout() {
    let (files, built) = artifact("brand-guidelines", "1.0.0");
    let index: serde_json::Value = serde_json::from_slice(&built.index.bytes).unwrap();
    assert_eq!(index["schemaVersion"], 2);
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(index["artifactType"], "dev.toolhive.skills.v1");
    let platforms: Vec<(String, String)> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["platform"]["os"].as_str().unwrap().to_owned(),
                m["platform"]["architecture"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        platforms,
        [
            ("linux".to_owned(), "amd64".to_owned()),
            ("linux".to_owned(), "arm64".to_owned())
        ]
    );
    for (i, manifest) in built.manifests.iter().enumerate() {
        assert_eq!(index["manifests"][i]["digest"], manifest.digest.to_string());
        assert_eq!(
            index["manifests"][i]["mediaType"],
            "application/vnd.oci.image.manifest.v1+json"
        );
        let manifest: serde_json::Value = serde_json::from_slice(&manifest.bytes).unwrap();
        assert_eq!(manifest["artifactType"], "dev.toolhive.skills.v1");
        assert_eq!(
            manifest["config"]["mediaType"],
            "application/vnd.oci.image.config.v1+json"
        );
        let annotations = manifest["annotations"].as_object().unwrap();
        let keys: Vec<&str> = annotations.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "dev.toolhive.skills.description",
                "dev.toolhive.skills.name",
                "dev.toolhive.skills.requires",
                "dev.toolhive.skills.version",
                "org.opencontainers.image.created",
            ]
        );
        assert_eq!(annotations["dev.toolhive.skills.requires"], "[]");
        let layers = manifest["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 1);
        assert_eq!(
            layers[0]["mediaType"],
            "application/vnd.oci.image.layer.v1.tar+gzip"
        );
        assert_eq!(
            layers[0]["annotations"]["org.opencontainers.image.title"],
            "skill.tar.gz"
        );
        assert_eq!(layers[0]["digest"], built.layer.digest.to_string());
        let config: serde_json::Value = serde_json::from_slice(&built.configs[i].bytes).unwrap();
        let labels = config["config"]["Labels"].as_object().unwrap();
        let keys: Vec<&str> = labels.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "dev.toolhive.skills.allowedTools",
                "dev.toolhive.skills.description",
                "dev.toolhive.skills.files",
                "dev.toolhive.skills.license",
                "dev.toolhive.skills.name",
                "dev.toolhive.skills.version",
            ]
        );
        let listed: Vec<String> =
            serde_json::from_str(labels["dev.toolhive.skills.files"].as_str().unwrap()).unwrap();
        assert_eq!(listed.len(), files.len());
        let mut tar = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(built.layer.bytes.as_slice()),
            &mut tar,
        )
        .unwrap();
        assert_eq!(
            config["rootfs"]["diff_ids"][0],
            skillreg_core::Digest::of(&tar).to_string()
        );
    }
    // Reproducible: the same folder gives the same manifest digest.
    assert_eq!(
        artifact("brand-guidelines", "1.0.0").1.index.digest,
        built.index.digest
    );
}

#[tokio::test]
async fn pulls_are_refused_for_another_name_an_oversize_layer_and_tampered_bytes() {
    let registry = DockerRegistry::start();
    let (_, built) = artifact("claude-api", "1.0.0");
    // Pushed under a repository named for another skill.
    let elsewhere =
        OciReference::parse(&format!("oci://{}/acme/pdf-tools:1.0.0", registry.address)).unwrap();
    let remote = RemoteRegistry::for_reference(&elsewhere, true).unwrap();
    remote.push(&built, &elsewhere).await.unwrap();
    let error = remote.pull(&elsewhere, u64::MAX).await.unwrap_err();
    assert!(matches!(error, OciError::Name(_)), "{error}");
    assert!(error.to_string().contains("claude-api"), "{error}");

    let right =
        OciReference::parse(&format!("oci://{}/acme/claude-api:1.0.0", registry.address)).unwrap();
    remote.push(&built, &right).await.unwrap();
    let error = remote.pull(&right, 100).await.unwrap_err();
    assert!(
        matches!(error, OciError::TooLarge { limit: 100, .. }),
        "{error}"
    );

    // A stored layer whose bytes changed is refused when read back.
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    let entry = store
        .put(&built, "claude-api:1.0.0", "claude-api", "1.0.0")
        .unwrap();
    assert_eq!(store.layer(&entry).unwrap().1, built.layer.bytes);
    let path = dir
        .path()
        .join("blobs/sha256")
        .join(built.layer.digest.hex());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let error = store.layer(&entry).unwrap_err();
    assert!(matches!(error, OciError::DigestMismatch { .. }), "{error}");

    // Plain HTTP is for loopback registries only.
    let remote_host =
        OciReference::parse("oci://registry.example.com/acme/claude-api:1.0.0").unwrap();
    assert!(matches!(
        RemoteRegistry::for_reference(&remote_host, true),
        Err(OciError::PlainHttpRefused(_))
    ));
}

#[test]
fn the_local_store_lists_and_removes_builds() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path());
    let (_, one) = artifact("claude-api", "1.0.0");
    let (_, two) = artifact("internal-comms", "2.0.0");
    store
        .put(&one, "claude-api:1.0.0", "claude-api", "1.0.0")
        .unwrap();
    store
        .put(&two, "internal-comms:2.0.0", "internal-comms", "2.0.0")
        .unwrap();
    let listed = store.list().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].digest, one.index.digest.to_string());
    assert!(dir.path().join("oci-layout").is_file());
    store.remove("claude-api:1.0.0").unwrap();
    assert_eq!(store.list().unwrap().len(), 1);
    assert!(
        !dir.path()
            .join("blobs/sha256")
            .join(one.layer.digest.hex())
            .exists(),
        "unused blobs are swept"
    );
    assert!(
        dir.path()
            .join("blobs/sha256")
            .join(two.layer.digest.hex())
            .exists()
    );
    assert!(matches!(
        store.remove("claude-api:1.0.0"),
        Err(OciError::NotInStore(_))
    ));
}

/// Serves fixed answers by exact path: what a registry that lies about a layer would send.
fn canned_registry(routes: Vec<(String, &'static str, Vec<u8>)>) -> String {
    use std::io::{BufRead as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let path = request.split(' ').nth(1).unwrap_or("/");
            let (status, media, body) = match routes.iter().find(|(p, ..)| p == path) {
                Some((_, media, body)) => ("200 OK", *media, body.clone()),
                None => (
                    "404 Not Found",
                    "application/json",
                    br#"{"errors":[{"code":"NOT_FOUND"}]}"#.to_vec(),
                ),
            };
            let digest = skillreg_core::Digest::of(&body);
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {media}\r\nContent-Length: {}\r\nDocker-Content-Digest: {digest}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    address
}

#[tokio::test]
async fn a_layer_whose_bytes_do_not_match_its_digest_is_refused() {
    let (_, built) = artifact("claude-api", "1.0.0");
    let mut tampered = built.layer.bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let repo = "/v2/skills/claude-api";
    let mut routes = vec![
        ("/v2/".to_owned(), "application/json", b"{}".to_vec()),
        (
            format!("{repo}/manifests/1.0.0"),
            skillreg_core::oci::INDEX_MEDIA_TYPE,
            built.index.bytes.clone(),
        ),
        (
            format!("{repo}/blobs/{}", built.layer.digest),
            "application/octet-stream",
            tampered,
        ),
    ];
    for (manifest, config) in built.manifests.iter().zip(&built.configs) {
        routes.push((
            format!("{repo}/manifests/{}", manifest.digest),
            skillreg_core::oci::MANIFEST_MEDIA_TYPE,
            manifest.bytes.clone(),
        ));
        routes.push((
            format!("{repo}/blobs/{}", config.digest),
            "application/octet-stream",
            config.bytes.clone(),
        ));
    }
    let address = canned_registry(routes);
    let reference =
        OciReference::parse(&format!("oci://{address}/skills/claude-api:1.0.0")).unwrap();
    let remote = RemoteRegistry::for_reference(&reference, true).unwrap();
    let error = remote.pull(&reference, u64::MAX).await.unwrap_err();
    let layer = built.layer.digest.to_string();
    assert!(
        matches!(&error, OciError::DigestMismatch { what, expected, actual, .. }
            if what == "the layer" && expected == &layer && actual != &layer),
        "{error:?}"
    );
}
