//! [`LocalStore`]: an OCI image-layout folder (`oci-layout`, `index.json`,
//! `blobs/sha256/<hex>`) holding skill artifacts under references such as `pdf:1.0.0` or
//! `registry.example.com/acme/pdf:1.0.0` (the `org.opencontainers.image.ref.name`
//! annotation of each `index.json` entry). Blobs are written create-only through a
//! temporary file and a rename; `index.json` is replaced atomically. As a source of the
//! resolution cascade it answers plain names only (it knows no namespaces).

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use serde_json::{Value, json};
use skillreg_core::identity::{SkillId, SkillRef};
use skillreg_core::oci::{Artifact, INDEX_MEDIA_TYPE, LABEL_PREFIX};
use skillreg_core::ports::{LookupError, SkillLookup, SourceSkill, SourceVersion};
use skillreg_core::version::VersionReq;

use super::{Document, OciError, check_digest, labels_of};

const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// One artifact in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredArtifact {
    /// The reference it is stored under.
    pub reference: String,
    /// The skill's name (from the labels).
    pub name: String,
    /// Its version.
    pub version: String,
    /// The index (manifest) digest.
    pub digest: String,
}

/// An OCI image-layout folder.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// The store at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalStore { root: root.into() }
    }

    /// Its folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn fail(&self, reason: impl std::fmt::Display) -> OciError {
        OciError::Store {
            path: self.root.display().to_string(),
            reason: reason.to_string(),
        }
    }

    fn blob_path(&self, digest: &str) -> Result<PathBuf, OciError> {
        let hex = digest
            .strip_prefix("sha256:")
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.fail(format!("`{digest}` is not a sha256 digest")))?;
        Ok(self.root.join("blobs/sha256").join(hex))
    }

    /// Writes a blob if it is not there yet.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<String, OciError> {
        let digest = skillreg_core::Digest::of(bytes).to_string();
        let path = self.blob_path(&digest)?;
        if path.is_file() {
            return Ok(digest);
        }
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).map_err(|e| self.fail(e))?;
        let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| self.fail(e))?;
        std::io::Write::write_all(&mut temp, bytes).map_err(|e| self.fail(e))?;
        temp.as_file().sync_all().map_err(|e| self.fail(e))?;
        temp.persist(&path).map_err(|e| self.fail(e.error))?;
        Ok(digest)
    }

    /// Reads a blob, checked against its digest.
    pub fn blob(&self, digest: &str) -> Result<Vec<u8>, OciError> {
        let bytes = std::fs::read(self.blob_path(digest)?).map_err(|e| self.fail(e))?;
        check_digest(
            &bytes,
            digest,
            "a stored blob",
            &self.root.display().to_string(),
        )?;
        Ok(bytes)
    }

    fn index(&self) -> Result<Value, OciError> {
        match std::fs::read(self.root.join("index.json")) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| self.fail(format!("index.json: {e}")))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(json!({
                "schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": [],
            })),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn save_index(&self, index: &Value) -> Result<(), OciError> {
        std::fs::create_dir_all(&self.root).map_err(|e| self.fail(e))?;
        let layout = self.root.join("oci-layout");
        if !layout.is_file() {
            std::fs::write(&layout, br#"{"imageLayoutVersion":"1.0.0"}"#)
                .map_err(|e| self.fail(e))?;
        }
        let mut temp = tempfile::NamedTempFile::new_in(&self.root).map_err(|e| self.fail(e))?;
        let text = serde_json::to_vec_pretty(index).map_err(|e| self.fail(e))?;
        std::io::Write::write_all(&mut temp, &text).map_err(|e| self.fail(e))?;
        temp.persist(self.root.join("index.json"))
            .map_err(|e| self.fail(e.error))?;
        Ok(())
    }

    /// Stores an artifact under `reference` (replacing what the reference named before).
    pub fn put(
        &self,
        artifact: &Artifact,
        reference: &str,
        name: &str,
        version: &str,
    ) -> Result<StoredArtifact, OciError> {
        for blob in artifact.blobs() {
            self.put_blob(&blob.bytes)?;
        }
        for manifest in &artifact.manifests {
            self.put_blob(&manifest.bytes)?;
        }
        self.put_raw(&artifact.index.bytes, reference, name, version)
    }

    /// Records an index (whose blobs are already stored) under `reference`.
    pub fn put_raw(
        &self,
        index_bytes: &[u8],
        reference: &str,
        name: &str,
        version: &str,
    ) -> Result<StoredArtifact, OciError> {
        let digest = self.put_blob(index_bytes)?;
        let mut index = self.index()?;
        let entries = index["manifests"]
            .as_array_mut()
            .ok_or_else(|| self.fail("index.json has no manifests list"))?;
        entries.retain(|e| e["annotations"][REF_NAME] != reference);
        entries.push(json!({
            "mediaType": INDEX_MEDIA_TYPE,
            "digest": digest,
            "size": index_bytes.len(),
            "annotations": {
                REF_NAME: reference,
                format!("{LABEL_PREFIX}name"): name,
                format!("{LABEL_PREFIX}version"): version,
            },
        }));
        self.save_index(&index)?;
        Ok(StoredArtifact {
            reference: reference.to_owned(),
            name: name.to_owned(),
            version: version.to_owned(),
            digest,
        })
    }

    /// Everything stored, by reference.
    pub fn list(&self) -> Result<Vec<StoredArtifact>, OciError> {
        let index = self.index()?;
        let mut out: Vec<StoredArtifact> = index["manifests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| {
                let annotations = &e["annotations"];
                Some(StoredArtifact {
                    reference: annotations[REF_NAME].as_str()?.to_owned(),
                    name: annotations[format!("{LABEL_PREFIX}name")]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    version: annotations[format!("{LABEL_PREFIX}version")]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    digest: e["digest"].as_str()?.to_owned(),
                })
            })
            .collect();
        out.sort_by(|a, b| a.reference.cmp(&b.reference));
        Ok(out)
    }

    /// Removes a reference, and the blobs nothing else uses.
    pub fn remove(&self, reference: &str) -> Result<(), OciError> {
        let mut index = self.index()?;
        let entries = index["manifests"]
            .as_array_mut()
            .ok_or_else(|| self.fail("index.json has no manifests list"))?;
        let before = entries.len();
        entries.retain(|e| e["annotations"][REF_NAME] != reference);
        if entries.len() == before {
            return Err(OciError::NotInStore(reference.to_owned()));
        }
        self.save_index(&index)?;
        // Sweep: keep what the remaining entries reach.
        let mut keep = std::collections::BTreeSet::new();
        for entry in self.list()? {
            let _ = self.reachable(&entry.digest, &mut keep);
        }
        if let Ok(dir) = std::fs::read_dir(self.root.join("blobs/sha256")) {
            for file in dir.flatten() {
                let digest = format!("sha256:{}", file.file_name().to_string_lossy());
                if !keep.contains(&digest) {
                    let _ = std::fs::remove_file(file.path());
                }
            }
        }
        Ok(())
    }

    fn reachable(
        &self,
        digest: &str,
        keep: &mut std::collections::BTreeSet<String>,
    ) -> Result<(), OciError> {
        if !keep.insert(digest.to_owned()) {
            return Ok(());
        }
        let bytes = self.blob(digest)?;
        if let Ok(document) = serde_json::from_slice::<Document>(&bytes) {
            for d in document
                .manifests
                .iter()
                .chain(document.config.iter())
                .chain(document.layers.iter())
            {
                if d.media_type.contains("manifest") || d.media_type.contains("index") {
                    self.reachable(&d.digest, keep)?;
                } else {
                    keep.insert(d.digest.clone());
                }
            }
        }
        Ok(())
    }

    /// The entry stored under `reference`.
    pub fn get(&self, reference: &str) -> Result<StoredArtifact, OciError> {
        self.list()?
            .into_iter()
            .find(|e| e.reference == reference)
            .ok_or_else(|| OciError::NotInStore(reference.to_owned()))
    }

    /// The skill archive (the layer) of a stored artifact, checked against its digest.
    pub fn layer(&self, entry: &StoredArtifact) -> Result<(String, Vec<u8>), OciError> {
        let index = Document::parse(&self.blob(&entry.digest)?, &entry.reference)?;
        let manifest_digest = if index.is_index() {
            index
                .pick_manifest()
                .ok_or_else(|| {
                    OciError::not_a_skill(&entry.reference, "its index lists no manifest")
                })?
                .digest
                .clone()
        } else {
            entry.digest.clone()
        };
        let manifest = Document::parse(&self.blob(&manifest_digest)?, &entry.reference)?;
        let config = manifest
            .config
            .as_ref()
            .ok_or_else(|| OciError::not_a_skill(&entry.reference, "its manifest has no config"))?;
        let labels = labels_of(&self.blob(&config.digest)?, &entry.reference)?;
        let layer = manifest.skill_layer(&entry.reference)?;
        Ok((labels.name, self.blob(&layer.digest)?))
    }
}

#[async_trait]
impl SkillLookup for LocalStore {
    fn source_name(&self) -> String {
        format!("local store {}", self.root.display())
    }

    async fn find(
        &self,
        reference: &SkillRef,
        _request: &VersionReq,
    ) -> Result<Vec<SourceSkill>, LookupError> {
        // It knows no namespaces: it answers plain names, and the `local/<name>` ids it gives.
        if reference
            .namespace()
            .is_some_and(|namespace| namespace.to_string() != "local")
        {
            return Ok(Vec::new());
        }
        let wanted = reference.name().key();
        let entries = self
            .list()
            .map_err(|e| LookupError::Unreachable(e.to_string()))?;
        let mut versions: Vec<SourceVersion> = Vec::new();
        let mut description = String::new();
        for entry in entries {
            let Ok(name) = entry.name.parse::<skillreg_core::SkillName>() else {
                continue;
            };
            if name.key() != wanted {
                continue;
            }
            let (Ok(version), Ok((_, layer))) = (entry.version.parse(), self.layer(&entry)) else {
                continue;
            };
            if versions.iter().any(|v| v.version == version) {
                continue;
            }
            description = format!("built locally as {}", entry.reference);
            versions.push(SourceVersion {
                version,
                yanked: false,
                archive_digest: skillreg_core::Digest::of(&layer),
                content_digest: None,
                signatures: Vec::new(),
                audit: None,
                log_index: None,
            });
        }
        if versions.is_empty() {
            return Ok(Vec::new());
        }
        let id = SkillId::new(
            "local"
                .parse()
                .map_err(|_| LookupError::Protocol("bad namespace".into()))?,
            reference.name().clone(),
        );
        Ok(vec![SourceSkill {
            id,
            description,
            versions,
            location: self.root.display().to_string(),
        }])
    }

    async fn fetch(
        &self,
        skill: &SourceSkill,
        version: &SourceVersion,
    ) -> Result<Vec<u8>, LookupError> {
        let wanted = skill.id.name().key();
        for entry in self
            .list()
            .map_err(|e| LookupError::Unreachable(e.to_string()))?
        {
            let matches = entry
                .name
                .parse::<skillreg_core::SkillName>()
                .is_ok_and(|n| n.key() == wanted)
                && entry
                    .version
                    .parse()
                    .is_ok_and(|v: skillreg_core::Version| v == version.version);
            if matches {
                let (_, layer) = self
                    .layer(&entry)
                    .map_err(|e| LookupError::Gone(e.to_string()))?;
                return Ok(layer);
            }
        }
        Err(LookupError::Gone(format!(
            "{} {}",
            skill.id, version.version
        )))
    }
}
