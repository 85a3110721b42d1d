//! [`FakeLookup`]: a source with a fixed set of skills, or one that fails.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use skillreg_core::Digest;
use skillreg_core::bundle::{FileSet, pack};
use skillreg_core::identity::{SkillId, SkillRef};
use skillreg_core::ports::{LookupError, SkillLookup, SourceSkill, SourceVersion};
use skillreg_core::signature::Signature;
use skillreg_core::version::VersionReq;

/// How a [`FakeLookup`] answers.
#[derive(Debug, Clone)]
pub enum LookupBehaviour {
    /// Lists and serves what it holds.
    Serve,
    /// Every call fails with this error.
    Fail(LookupError),
}

/// A source holding skills and their archives in memory.
#[derive(Debug, Clone)]
pub struct FakeLookup {
    name: String,
    skills: Vec<SourceSkill>,
    archives: Vec<(Digest, Vec<u8>)>,
    behaviour: LookupBehaviour,
    calls: Arc<Mutex<Vec<String>>>,
}

impl FakeLookup {
    /// Says the source's audit gave `verdict` to `id` at `version` (both must be served).
    ///
    /// # Panics
    /// When the version is not served.
    #[must_use]
    pub fn with_audit(
        mut self,
        id: &str,
        version: &str,
        verdict: skillreg_core::audit::Verdict,
    ) -> Self {
        let version: skillreg_core::Version = version.parse().expect("a valid version");
        let served = self
            .skills
            .iter_mut()
            .filter(|s| s.id.to_string() == id)
            .flat_map(|s| s.versions.iter_mut())
            .find(|v| v.version == version)
            .expect("the version is served");
        served.audit = Some(verdict);
        self
    }

    /// An empty source called `name`.
    pub fn new(name: &str) -> Self {
        FakeLookup {
            name: name.to_owned(),
            skills: Vec::new(),
            archives: Vec::new(),
            behaviour: LookupBehaviour::Serve,
            calls: Arc::default(),
        }
    }

    /// A source whose every call fails with `error`.
    pub fn failing(name: &str, error: LookupError) -> Self {
        FakeLookup {
            behaviour: LookupBehaviour::Fail(error),
            ..FakeLookup::new(name)
        }
    }

    /// Adds a skill with its versions; `archives` are served by digest.
    pub fn with_skill(mut self, skill: SourceSkill, archives: Vec<Vec<u8>>) -> Self {
        self.skills.push(skill);
        self.archives.extend(
            archives
                .into_iter()
                .map(|bytes| (Digest::of(&bytes), bytes)),
        );
        self
    }

    /// Adds version `version` of skill `id` with these files (packed here), unsigned.
    ///
    /// # Panics
    /// On an invalid id, version or file set.
    pub fn with_bundle(self, id: &str, version: &str, files: &FileSet) -> Self {
        self.with_signed_bundle(id, version, files, Vec::new())
    }

    /// As [`FakeLookup::with_bundle`], with signatures.
    ///
    /// # Panics
    /// On an invalid id, version or file set.
    pub fn with_signed_bundle(
        mut self,
        id: &str,
        version: &str,
        files: &FileSet,
        signatures: Vec<Signature>,
    ) -> Self {
        let id: SkillId = id.parse().unwrap_or_else(|e| panic!("{id}: {e}"));
        let archive = pack(files).unwrap_or_else(|e| panic!("pack {id}: {e}"));
        let source_version = SourceVersion {
            version: version.parse().unwrap_or_else(|e| panic!("{version}: {e}")),
            yanked: false,
            archive_digest: *archive.digest(),
            content_digest: Some(files.content_digest()),
            signatures,
            audit: None,
            log_index: None,
        };
        match self.skills.iter_mut().find(|s| s.id == id) {
            Some(skill) => skill.versions.push(source_version),
            None => self.skills.push(SourceSkill {
                location: format!("{}/{id}", self.name),
                id,
                description: String::new(),
                versions: vec![source_version],
            }),
        }
        self.archives
            .push((*archive.digest(), archive.into_bytes()));
        self
    }

    /// Serves `bytes` for `digest` even though they do not hash to it (a tampering source).
    pub fn with_archive_under(mut self, digest: Digest, bytes: Vec<u8>) -> Self {
        self.archives.push((digest, bytes));
        self
    }

    /// The calls made so far (`find <ref>`, `fetch <id> <version>`), in order.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn log(&self, call: String) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(call);
        }
    }
}

#[async_trait]
impl SkillLookup for FakeLookup {
    fn source_name(&self) -> String {
        self.name.clone()
    }

    async fn find(
        &self,
        reference: &SkillRef,
        _request: &VersionReq,
    ) -> Result<Vec<SourceSkill>, LookupError> {
        self.log(format!("find {reference}"));
        if let LookupBehaviour::Fail(error) = &self.behaviour {
            return Err(error.clone());
        }
        // Fuzzy on purpose, like a search endpoint: the resolver must keep exact matches only.
        let needle = reference.name().key();
        Ok(self
            .skills
            .iter()
            .filter(|s| s.id.name().key().as_str().contains(needle.as_str()))
            .cloned()
            .collect())
    }

    async fn fetch(
        &self,
        skill: &SourceSkill,
        version: &SourceVersion,
    ) -> Result<Vec<u8>, LookupError> {
        self.log(format!("fetch {} {}", skill.id, version.version));
        if let LookupBehaviour::Fail(error) = &self.behaviour {
            return Err(error.clone());
        }
        self.archives
            .iter()
            .rev()
            .find(|(digest, _)| digest == &version.archive_digest)
            .map(|(_, bytes)| bytes.clone())
            .ok_or_else(|| LookupError::Gone(format!("{} {}", skill.id, version.version)))
    }
}
