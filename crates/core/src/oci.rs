//! A skill as an OCI artifact in ToolHive's layout (docs/FORMATS.md, "OCI artifact"), built
//! deterministically: the same files give the same bytes, so the same manifest and index
//! digests, on every machine and every time (the `created` annotation is fixed at the Unix
//! epoch). The JSON documents are written in RFC 8785 canonical form.
//!
//! Layout: an image index (`artifactType` `dev.toolhive.skills.v1`) with one image manifest
//! per platform (linux/amd64, linux/arm64); each manifest has its platform's config (the
//! skill's labels, `rootfs.diff_ids` = the sha256 of the uncompressed tar) and the one
//! layer, the skill's deterministic `.tar.gz`, titled `skill.tar.gz`.

use std::io::Read as _;

use crate::bundle::{BundleError, FileSet, pack};
use crate::digest::Digest;
use crate::manifest::SkillManifest;
use crate::package::Json;
use crate::version::Version;

/// The artifact type of skills.
pub const ARTIFACT_TYPE: &str = "dev.toolhive.skills.v1";
/// Media type of the index.
pub const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
/// Media type of each manifest.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// Media type of each config.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
/// Media type of the layer.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// The layer's title annotation value.
pub const LAYER_TITLE: &str = "skill.tar.gz";
/// The `created` annotation: fixed, so builds are reproducible.
pub const CREATED: &str = "1970-01-01T00:00:00Z";
/// The platforms an artifact carries a manifest for (os, architecture).
pub const PLATFORMS: [(&str, &str); 2] = [("linux", "amd64"), ("linux", "arm64")];
/// The label (and annotation) prefix.
pub const LABEL_PREFIX: &str = "dev.toolhive.skills.";

/// One content-addressed blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// Its media type.
    pub media_type: &'static str,
    /// `sha256` of its bytes.
    pub digest: Digest,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl Blob {
    fn new(media_type: &'static str, bytes: Vec<u8>) -> Self {
        Blob {
            media_type,
            digest: Digest::of(&bytes),
            bytes,
        }
    }

    fn descriptor(&self, extra: Vec<(String, Json)>) -> Json {
        let mut members = vec![
            (
                "mediaType".to_owned(),
                Json::Str(self.media_type.to_owned()),
            ),
            ("digest".to_owned(), Json::Str(self.digest.to_string())),
            ("size".to_owned(), Json::Int(self.bytes.len() as u64)),
        ];
        members.extend(extra);
        Json::Object(members)
    }
}

/// A built artifact: the index and everything it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The image index (what a tag points at).
    pub index: Blob,
    /// One manifest per platform, in [`PLATFORMS`] order.
    pub manifests: Vec<Blob>,
    /// One config per platform.
    pub configs: Vec<Blob>,
    /// The skill's archive.
    pub layer: Blob,
}

impl Artifact {
    /// Every blob but the index and the manifests (what a registry stores as blobs),
    /// each once.
    pub fn blobs(&self) -> Vec<&Blob> {
        let mut blobs: Vec<&Blob> = vec![&self.layer];
        for config in &self.configs {
            if !blobs.iter().any(|b| b.digest == config.digest) {
                blobs.push(config);
            }
        }
        blobs
    }

    /// Any of its documents or blobs by digest.
    pub fn find(&self, digest: &Digest) -> Option<&Blob> {
        std::iter::once(&self.index)
            .chain(&self.manifests)
            .chain(&self.configs)
            .chain(std::iter::once(&self.layer))
            .find(|b| &b.digest == digest)
    }
}

fn strings(items: impl IntoIterator<Item = String>) -> String {
    Json::Array(items.into_iter().map(Json::Str).collect()).canonical()
}

/// Builds the artifact of a skill at `version`.
///
/// # Errors
/// [`BundleError::Pack`] if the files cannot be packed (never for a valid file set).
pub fn build_artifact(
    files: &FileSet,
    manifest: &SkillManifest,
    version: &Version,
) -> Result<Artifact, BundleError> {
    let archive = pack(files)?;
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(archive.bytes())
        .read_to_end(&mut tar)
        .map_err(|e| BundleError::Pack {
            path: String::new(),
            reason: e.to_string(),
        })?;
    let diff_id = Digest::of(&tar);
    let layer = Blob::new(LAYER_MEDIA_TYPE, archive.into_bytes());
    let name = manifest.name().to_string();
    let description = manifest.description().to_owned();
    let version_text = version.to_string();
    let labels = Json::Object(vec![
        (format!("{LABEL_PREFIX}name"), Json::Str(name.clone())),
        (
            format!("{LABEL_PREFIX}description"),
            Json::Str(description.clone()),
        ),
        (
            format!("{LABEL_PREFIX}version"),
            Json::Str(version_text.clone()),
        ),
        (
            format!("{LABEL_PREFIX}allowedTools"),
            Json::Str(strings(manifest.allowed_tools().iter().cloned())),
        ),
        (
            format!("{LABEL_PREFIX}license"),
            Json::Str(manifest.license().unwrap_or_default().to_owned()),
        ),
        (
            format!("{LABEL_PREFIX}files"),
            Json::Str(strings(files.paths().map(ToString::to_string))),
        ),
    ]);
    let annotations = Json::Object(vec![
        (
            "org.opencontainers.image.created".to_owned(),
            Json::Str(CREATED.to_owned()),
        ),
        (format!("{LABEL_PREFIX}name"), Json::Str(name)),
        (format!("{LABEL_PREFIX}description"), Json::Str(description)),
        (format!("{LABEL_PREFIX}version"), Json::Str(version_text)),
        (
            format!("{LABEL_PREFIX}requires"),
            Json::Str("[]".to_owned()),
        ),
    ]);
    let mut configs = Vec::new();
    let mut manifests = Vec::new();
    let mut entries = Vec::new();
    for (os, architecture) in PLATFORMS {
        let config = Blob::new(
            CONFIG_MEDIA_TYPE,
            Json::Object(vec![
                (
                    "architecture".to_owned(),
                    Json::Str(architecture.to_owned()),
                ),
                ("os".to_owned(), Json::Str(os.to_owned())),
                (
                    "config".to_owned(),
                    Json::Object(vec![("Labels".to_owned(), labels.clone())]),
                ),
                (
                    "rootfs".to_owned(),
                    Json::Object(vec![
                        ("type".to_owned(), Json::Str("layers".to_owned())),
                        (
                            "diff_ids".to_owned(),
                            Json::Array(vec![Json::Str(diff_id.to_string())]),
                        ),
                    ]),
                ),
            ])
            .canonical()
            .into_bytes(),
        );
        let image = Blob::new(
            MANIFEST_MEDIA_TYPE,
            Json::Object(vec![
                ("schemaVersion".to_owned(), Json::Int(2)),
                (
                    "mediaType".to_owned(),
                    Json::Str(MANIFEST_MEDIA_TYPE.to_owned()),
                ),
                (
                    "artifactType".to_owned(),
                    Json::Str(ARTIFACT_TYPE.to_owned()),
                ),
                ("config".to_owned(), config.descriptor(Vec::new())),
                (
                    "layers".to_owned(),
                    Json::Array(vec![layer.descriptor(vec![(
                        "annotations".to_owned(),
                        Json::Object(vec![(
                            "org.opencontainers.image.title".to_owned(),
                            Json::Str(LAYER_TITLE.to_owned()),
                        )]),
                    )])]),
                ),
                ("annotations".to_owned(), annotations.clone()),
            ])
            .canonical()
            .into_bytes(),
        );
        entries.push(image.descriptor(vec![(
            "platform".to_owned(),
            Json::Object(vec![
                (
                    "architecture".to_owned(),
                    Json::Str(architecture.to_owned()),
                ),
                ("os".to_owned(), Json::Str(os.to_owned())),
            ]),
        )]));
        configs.push(config);
        manifests.push(image);
    }
    let index = Blob::new(
        INDEX_MEDIA_TYPE,
        Json::Object(vec![
            ("schemaVersion".to_owned(), Json::Int(2)),
            (
                "mediaType".to_owned(),
                Json::Str(INDEX_MEDIA_TYPE.to_owned()),
            ),
            (
                "artifactType".to_owned(),
                Json::Str(ARTIFACT_TYPE.to_owned()),
            ),
            ("manifests".to_owned(), Json::Array(entries)),
            ("annotations".to_owned(), annotations),
        ])
        .canonical()
        .into_bytes(),
    );
    Ok(Artifact {
        index,
        manifests,
        configs,
        layer,
    })
}

/// A version as an OCI tag: semver's `+` is not allowed in tags, so it is written `_`.
pub fn tag_of(version: &Version) -> String {
    version.to_string().replace('+', "_")
}

/// A tag back to the version it names (`_` read as `+`).
pub fn version_of_tag(tag: &str) -> Option<Version> {
    tag.replace('_', "+").parse().ok()
}

/// Why a pulled artifact was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArtifactError {
    /// The labels name another skill than the repository (the supply-chain check).
    #[error(
        "supply-chain check failed: the artifact in repository `{repository}` is the skill `{labelled}`; the name must equal the repository's last segment"
    )]
    NameMismatch {
        /// The repository.
        repository: String,
        /// The name its labels give (sanitized).
        labelled: String,
    },
}

/// The supply-chain check of an OCI artifact: the skill name in its labels must equal the
/// last path segment of the repository it came from (compared as lookup keys).
///
/// # Errors
/// [`ArtifactError::NameMismatch`].
pub fn check_repository_name(repository: &str, labelled: &str) -> Result<(), ArtifactError> {
    let last = repository.rsplit('/').next().unwrap_or(repository);
    if crate::identity::fold(last) == crate::identity::fold(labelled) {
        Ok(())
    } else {
        Err(ArtifactError::NameMismatch {
            repository: crate::text::sanitize_remote(repository),
            labelled: crate::text::sanitize_remote(labelled),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{BundleFile, BundleLimits};
    use crate::manifest::parse_skill_md;

    fn skill() -> (FileSet, SkillManifest) {
        let md = "---\nname: pdf\ndescription: PDF tools\nallowed-tools: Read Bash\nlicense: MIT\n---\n# pdf\n";
        let files = FileSet::new(
            [
                BundleFile::new("SKILL.md".parse().unwrap(), md.as_bytes().to_vec(), false),
                BundleFile::new("run.sh".parse().unwrap(), b"echo".to_vec(), true),
            ],
            &BundleLimits::default(),
        )
        .unwrap();
        let manifest = parse_skill_md(md.as_bytes(), None).unwrap().manifest;
        (files, manifest)
    }

    #[test]
    fn building_twice_gives_the_same_digests() {
        let (files, manifest) = skill();
        let version: Version = "1.0.0+build.5".parse().unwrap();
        let a = build_artifact(&files, &manifest, &version).unwrap();
        let b = build_artifact(&files, &manifest, &version).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.manifests.len(), 2);
        assert_ne!(a.manifests[0].digest, a.manifests[1].digest);
        let index = String::from_utf8(a.index.bytes.clone()).unwrap();
        assert!(index.contains(&a.manifests[1].digest.to_string()));
        assert!(index.contains("\"artifactType\":\"dev.toolhive.skills.v1\""));
        let config = String::from_utf8(a.configs[0].bytes.clone()).unwrap();
        assert!(
            config.contains(r#""dev.toolhive.skills.allowedTools":"[\"Read\",\"Bash\"]""#),
            "{config}"
        );
        assert!(
            config.contains(r#""dev.toolhive.skills.files":"[\"SKILL.md\",\"run.sh\"]""#),
            "{config}"
        );
        assert_eq!(tag_of(&version), "1.0.0_build.5");
        assert_eq!(version_of_tag("1.0.0_build.5"), Some(version));
    }

    #[test]
    fn the_name_must_match_the_repository() {
        assert!(check_repository_name("acme/skills/pdf", "pdf").is_ok());
        assert!(check_repository_name("pdf_tools", "pdf-tools").is_ok());
        let error = check_repository_name("acme/pdf", "evil").unwrap_err();
        assert!(error.to_string().contains("`evil`"));
    }
}
