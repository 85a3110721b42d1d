//! [`PrsClient`]: a registry that speaks the Package Registry Standard read surface, as a
//! source of the resolution cascade.
//!
//! The standard resolves only its own aliases (`latest`, `vX`, `vX.x`, `vX.Y.x`,
//! `vX.Y.Z`), so a request it cannot express (`^1.2`, ranges) asks for `latest` and the
//! core selection decides whether that one version matches. A plain name is looked up on
//! `/browse` (the first 500 skills).

use async_trait::async_trait;
use skillreg_core::identity::{SkillId, SkillRef};
use skillreg_core::ports::{LookupError, SkillLookup, SourceSkill, SourceVersion};
use skillreg_core::text::sanitize_remote;
use skillreg_core::version::VersionReq;

use super::error::ClientError;
use super::transport::{Call, ClientOptions, Http, segment};
use skillreg_api::SignatureBody;
use skillreg_api::prs::{BrowseParams, BrowseResponse, PackageBody as Package};

/// A Package Registry Standard registry.
#[derive(Debug, Clone)]
pub struct PrsClient {
    http: Http,
}

impl PrsClient {
    /// A client of the registry at `base`.
    ///
    /// # Errors
    /// [`ClientError::Protocol`] for a URL that is not http(s).
    pub fn new(base: &str, options: ClientOptions) -> Result<Self, ClientError> {
        Ok(PrsClient {
            http: Http::new(base, options)?,
        })
    }

    fn alias(request: &VersionReq) -> String {
        match request {
            VersionReq::Exact(version) => format!("v{version}"),
            _ => "latest".to_owned(),
        }
    }

    async fn package(&self, id: &SkillId, alias: &str) -> Result<Option<Package>, ClientError> {
        let path = format!("/skill/{}", segment(&id.to_string()));
        match self
            .http
            .json::<Package>(Call::get(&path).query("version", alias))
            .await
        {
            Ok(package) => Ok(Some(package)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    fn to_source(&self, package: Package) -> Result<SourceSkill, ClientError> {
        let bad = |what: &str| {
            self.http
                .protocol(format_args!("a package with a malformed {what}"))
        };
        let id: SkillId = format!("{}/{}", package.namespace, package.name)
            .parse()
            .map_err(|_| bad("name"))?;
        let version = SourceVersion {
            version: package.version.parse().map_err(|_| bad("version"))?,
            yanked: package.yanked,
            archive_digest: package.archive_digest.parse().map_err(|_| bad("digest"))?,
            content_digest: package.content_digest.and_then(|d| d.parse().ok()),
            signatures: package
                .signatures
                .iter()
                .filter_map(SignatureBody::to_signature)
                .collect(),
            audit: None,
            log_index: None,
        };
        Ok(SourceSkill {
            id,
            description: sanitize_remote(&package.description),
            versions: vec![version],
            location: package.download_url,
        })
    }
}

#[async_trait]
impl SkillLookup for PrsClient {
    fn source_name(&self) -> String {
        format!("package registry {}", self.http.base)
    }

    async fn find(
        &self,
        reference: &SkillRef,
        request: &VersionReq,
    ) -> Result<Vec<SourceSkill>, LookupError> {
        let alias = Self::alias(request);
        let ids: Vec<SkillId> = match reference.namespace() {
            Some(namespace) => vec![SkillId::new(namespace.clone(), reference.name().clone())],
            None => {
                let params = BrowseParams {
                    kind: Some("skill".to_owned()),
                    limit: Some(500),
                    ..BrowseParams::default()
                };
                let browse: BrowseResponse = self
                    .http
                    .json(Call::get("/browse").params(&params))
                    .await
                    .map_err(|e| e.to_lookup_error())?;
                let wanted = reference.name().key();
                browse
                    .packages
                    .iter()
                    .filter_map(|p| {
                        format!("{}/{}", p.namespace, p.name)
                            .parse::<SkillId>()
                            .ok()
                    })
                    .filter(|id| id.name().key() == wanted)
                    .collect()
            }
        };
        let mut found = Vec::new();
        for id in ids {
            if let Some(package) = self
                .package(&id, &alias)
                .await
                .map_err(|e| e.to_lookup_error())?
            {
                found.push(self.to_source(package).map_err(|e| e.to_lookup_error())?);
            }
        }
        Ok(found)
    }

    async fn fetch(
        &self,
        skill: &SourceSkill,
        version: &SourceVersion,
    ) -> Result<Vec<u8>, LookupError> {
        // The download URL is the registry's own path, or an absolute URL on the same host.
        let path = skill
            .location
            .strip_prefix(&self.http.base)
            .unwrap_or(&skill.location);
        if !path.starts_with('/') {
            return Err(LookupError::Protocol(
                "a download URL on another host".to_owned(),
            ));
        }
        self.http
            .bytes(
                Call::get(path),
                &format!("{}@{}", skill.id, version.version),
            )
            .await
            .map_err(|e| e.to_lookup_error())
    }
}
