//! [`RegistryClient`]: every call of a skillreg registry's native API, typed with the
//! `skillreg-api` contract, and the registry as a source of the resolution cascade.

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::Method;
use skillreg_api::{
    CreateNamespaceBody, CreateTokenBody, CreatedToken, DeprecationBody, DeprecationResponse,
    FalsePositiveRequest, ImportParams, ImportResponse, MemberBody, MemberRole, NamespaceBody,
    NamespaceVisibility, OverrideRequest, PublishParams, PublishResponse, PublisherKeyBody,
    RateBody, RatedResponse, RatingsResponse, RegisterKeyBody, RescanRequest, RescanResponse,
    RevokedToken, SIGNATURE_HEADER, SearchParams, SearchResponse, SkillDetails, TokenList,
    TrendingParams, TrendingResponse, VersionAudit, VersionBody, VersionList, VisibilityBody,
    WhoamiBody, YankResponse,
};
use skillreg_core::identity::{Namespace, SkillId, SkillRef};
use skillreg_core::ports::{LookupError, SkillLookup, SourceSkill, SourceVersion};
use skillreg_core::signature::Signature;
use skillreg_core::text::sanitize_remote;
use skillreg_core::version::{Version, VersionReq};

use super::error::ClientError;
use super::transport::{Call, ClientOptions, Http, TransferProgress, segment};

/// A skillreg registry.
#[derive(Debug, Clone)]
pub struct RegistryClient {
    pub(super) http: Http,
}

impl RegistryClient {
    /// A client of the registry at `base` (`https://skills.example.com`).
    ///
    /// # Errors
    /// [`ClientError::Protocol`] for a URL that is not http(s).
    pub fn new(base: &str, options: ClientOptions) -> Result<Self, ClientError> {
        Ok(RegistryClient {
            http: Http::new(base, options)?,
        })
    }

    /// Reports downloads to `progress`.
    #[must_use]
    pub fn with_progress(mut self, progress: Arc<dyn TransferProgress>) -> Self {
        self.http.progress = Some(progress);
        self
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.http.base
    }

    fn skill_path(id: &SkillId, rest: &str) -> String {
        format!("/api/v1/skills/{}{rest}", segment(&id.to_string()))
    }

    /// Publishes an archive.
    ///
    /// # Errors
    /// [`ClientError`]; a publish is never retried.
    pub async fn publish(
        &self,
        namespace: &Namespace,
        version: Option<&Version>,
        archive: Vec<u8>,
        signatures: &[Signature],
    ) -> Result<PublishResponse, ClientError> {
        let mut call = Call::with(Method::POST, "/api/v1/skills").params(&PublishParams {
            namespace: namespace.to_string(),
            version: version.map(ToString::to_string),
        });
        for signature in signatures {
            call.headers.push((
                SIGNATURE_HEADER,
                format!(
                    "{} {} {}",
                    signature.algorithm,
                    signature.key_id,
                    skillreg_core::digest::hex(&signature.value)
                ),
            ));
        }
        call.body = Some((archive, "application/gzip"));
        self.http.json(call).await
    }

    /// Imports an archive with a conflict strategy. A conflict comes back as
    /// [`ErrorType::Conflict`](skillreg_api::ErrorType::Conflict) with the structured conflict
    /// in its details.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn import(
        &self,
        namespace: &Namespace,
        version: Option<&Version>,
        on_conflict: &str,
        archive: Vec<u8>,
    ) -> Result<ImportResponse, ClientError> {
        let mut call = Call::with(Method::POST, "/api/v1/import").params(&ImportParams {
            namespace: namespace.to_string(),
            version: version.map(ToString::to_string),
            on_conflict: Some(on_conflict.to_owned()),
        });
        call.body = Some((archive, "application/gzip"));
        self.http.json(call).await
    }

    /// Searches.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn search(&self, params: &SearchParams) -> Result<SearchResponse, ClientError> {
        self.http
            .json(Call::get("/api/v1/skills").params(params))
            .await
    }

    /// A skill's page data.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn skill(&self, id: &SkillId) -> Result<SkillDetails, ClientError> {
        self.http.json(Call::get(&Self::skill_path(id, ""))).await
    }

    /// Every version, newest first.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn versions(&self, id: &SkillId) -> Result<Vec<VersionBody>, ClientError> {
        let reply: VersionList = self
            .http
            .json(Call::get(&Self::skill_path(id, "/-/versions")))
            .await?;
        Ok(reply.versions)
    }

    /// One version's archive.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn download(&self, id: &SkillId, version: &Version) -> Result<Vec<u8>, ClientError> {
        let path = Self::skill_path(id, "/-/download");
        let call = Call::get(&path).query("version", format!("={version}"));
        self.http.bytes(call, &format!("{id}@{version}")).await
    }

    /// Ratings and recent reviews.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn ratings(&self, id: &SkillId) -> Result<RatingsResponse, ClientError> {
        self.http
            .json(Call::get(&Self::skill_path(id, "/-/ratings")))
            .await
    }

    /// Rates a skill.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn rate(
        &self,
        id: &SkillId,
        stars: f64,
        review: Option<&str>,
    ) -> Result<RatedResponse, ClientError> {
        let path = Self::skill_path(id, "/-/ratings");
        let call = Call::with(Method::POST, &path).json(&RateBody {
            stars,
            review: review.map(str::to_owned),
        });
        self.http.json(call).await
    }

    /// Trending skills.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn trending(&self, limit: u32) -> Result<TrendingResponse, ClientError> {
        let params = TrendingParams { limit: Some(limit) };
        self.http
            .json(Call::get("/api/v1/trending").params(&params))
            .await
    }

    /// Yanks (`true`) or unyanks a version.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn set_yanked(
        &self,
        id: &SkillId,
        version: &Version,
        yanked: bool,
    ) -> Result<YankResponse, ClientError> {
        let path = Self::skill_path(
            id,
            &format!("/-/versions/{}/yank", segment(&version.to_string())),
        );
        let method = if yanked { Method::POST } else { Method::DELETE };
        self.http.json(Call::with(method, &path)).await
    }

    /// Sets or clears a deprecation message.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn deprecate(
        &self,
        id: &SkillId,
        message: Option<&str>,
    ) -> Result<DeprecationResponse, ClientError> {
        let path = Self::skill_path(id, "/-/deprecation");
        let call = Call::with(Method::PUT, &path).json(&DeprecationBody {
            message: message.map(str::to_owned),
        });
        self.http.json(call).await
    }

    /// A version's audit: verdict, findings, owners' marks, an admin's override.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn version_audit(
        &self,
        id: &SkillId,
        version: &Version,
    ) -> Result<VersionAudit, ClientError> {
        self.http
            .json(Call::get(&Self::audit_path(id, version, "")))
            .await
    }

    /// Marks a finding (by its fingerprint) as a false positive, with a note.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn mark_false_positive(
        &self,
        id: &SkillId,
        version: &Version,
        fingerprint: &str,
        note: &str,
    ) -> Result<VersionAudit, ClientError> {
        let path = Self::audit_path(id, version, "/false-positives");
        let call = Call::with(Method::POST, &path).json(&FalsePositiveRequest {
            fingerprint: fingerprint.to_owned(),
            note: note.to_owned(),
        });
        self.http.json(call).await
    }

    /// Sets a version's verdict (`Some((verdict, note))`), or clears the override.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn override_verdict(
        &self,
        id: &SkillId,
        version: &Version,
        verdict: Option<(&str, &str)>,
    ) -> Result<VersionAudit, ClientError> {
        let path = Self::audit_path(id, version, "/override");
        let call = match verdict {
            Some((verdict, note)) => Call::with(Method::PUT, &path).json(&OverrideRequest {
                verdict: verdict.to_owned(),
                note: note.to_owned(),
            }),
            None => Call::with(Method::DELETE, &path),
        };
        self.http.json(call).await
    }

    /// One batch of a rescan, after `after` (the previous batch's `next`).
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn rescan(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<RescanResponse, ClientError> {
        let call = Call::with(Method::POST, "/api/v1/admin/rescan").json(&RescanRequest {
            after: after.map(str::to_owned),
            limit: Some(limit),
        });
        self.http.json(call).await
    }

    fn audit_path(id: &SkillId, version: &Version, rest: &str) -> String {
        Self::skill_path(
            id,
            &format!("/-/versions/{}/audit{rest}", segment(&version.to_string())),
        )
    }

    /// Creates a token; the answer holds its secret, once.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn create_token(
        &self,
        request: &CreateTokenBody,
    ) -> Result<CreatedToken, ClientError> {
        let call = Call::with(Method::POST, "/api/v1/tokens").json(request);
        self.http.json(call).await
    }

    /// Who the token stands for, with its scopes and namespaces.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn whoami(&self) -> Result<WhoamiBody, ClientError> {
        self.http.json(Call::get("/api/v1/whoami")).await
    }

    /// The caller's tokens that the calling token may manage.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn tokens(&self) -> Result<TokenList, ClientError> {
        self.http.json(Call::get("/api/v1/tokens")).await
    }

    /// Revokes a token.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn revoke_token(&self, id: &str) -> Result<RevokedToken, ClientError> {
        let path = format!("/api/v1/tokens/{}", segment(id));
        self.http.json(Call::with(Method::DELETE, &path)).await
    }

    /// Registers a publisher key with its proof of possession.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn register_key(
        &self,
        public_key: &[u8],
        proof: &[u8],
    ) -> Result<PublisherKeyBody, ClientError> {
        let call = Call::with(Method::POST, "/api/v1/keys").json(&RegisterKeyBody {
            algorithm: None,
            public_key: skillreg_core::digest::hex(public_key),
            proof: skillreg_core::digest::hex(proof),
        });
        self.http.json(call).await
    }

    /// Revokes one of the caller's publisher keys.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn revoke_key(&self, key_id: &str) -> Result<PublisherKeyBody, ClientError> {
        let path = format!("/api/v1/keys/{}", segment(key_id));
        self.http.json(Call::with(Method::DELETE, &path)).await
    }

    /// A publisher key.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn publisher_key(&self, key_id: &str) -> Result<PublisherKeyBody, ClientError> {
        let path = format!("/api/v1/keys/{}", segment(key_id));
        self.http.json(Call::get(&path)).await
    }

    /// Creates a namespace, with a visibility or the one the registry gives it.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn create_namespace(
        &self,
        namespace: &str,
        visibility: Option<NamespaceVisibility>,
    ) -> Result<NamespaceBody, ClientError> {
        let call = Call::with(Method::POST, "/api/v1/namespaces").json(&CreateNamespaceBody {
            namespace: namespace.to_owned(),
            visibility,
        });
        self.http.json(call).await
    }

    /// Sets who may read a namespace's skills.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn set_visibility(
        &self,
        namespace: &str,
        visibility: NamespaceVisibility,
    ) -> Result<NamespaceBody, ClientError> {
        let path = format!("/api/v1/namespaces/{}/-/visibility", segment(namespace));
        let call = Call::with(Method::PUT, &path).json(&VisibilityBody { visibility });
        self.http.json(call).await
    }

    /// A namespace and its members.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn namespace(&self, namespace: &str) -> Result<NamespaceBody, ClientError> {
        let path = format!("/api/v1/namespaces/{}", segment(namespace));
        self.http.json(Call::get(&path)).await
    }

    /// Adds a member (or changes their role), or removes them (`role` = `None`).
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn set_member(
        &self,
        namespace: &str,
        user: &str,
        role: Option<MemberRole>,
    ) -> Result<NamespaceBody, ClientError> {
        let path = format!(
            "/api/v1/namespaces/{}/-/members/{}",
            segment(namespace),
            segment(user)
        );
        let call = match role {
            Some(role) => Call::with(Method::PUT, &path).json(&MemberBody { role }),
            None => Call::with(Method::DELETE, &path),
        };
        self.http.json(call).await
    }

    async fn source_skill(&self, id: SkillId) -> Result<Option<SourceSkill>, ClientError> {
        let versions = match self.versions(&id).await {
            Ok(versions) => versions,
            Err(error) if error.is_not_found() => return Ok(None),
            Err(error) => return Err(error),
        };
        let description = versions
            .first()
            .map(|v| sanitize_remote(&v.description))
            .unwrap_or_default();
        let mut parsed = Vec::with_capacity(versions.len());
        for version in &versions {
            parsed.push(version.to_source_version().ok_or_else(|| {
                self.http
                    .protocol(format_args!("a malformed version of `{id}`"))
            })?);
        }
        Ok(Some(SourceSkill {
            location: format!("{}{}", self.http.base, Self::skill_path(&id, "")),
            id,
            description,
            versions: parsed,
        }))
    }
}

#[async_trait]
impl SkillLookup for RegistryClient {
    fn source_name(&self) -> String {
        format!("registry {}", self.http.base)
    }

    async fn find(
        &self,
        reference: &SkillRef,
        _request: &VersionReq,
    ) -> Result<Vec<SourceSkill>, LookupError> {
        let ids: Vec<SkillId> = match reference.namespace() {
            Some(namespace) => vec![SkillId::new(namespace.clone(), reference.name().clone())],
            None => {
                let params = SearchParams {
                    q: Some(reference.name().to_string()),
                    limit: Some(100),
                    ..SearchParams::default()
                };
                let page = self
                    .search(&params)
                    .await
                    .map_err(|e| e.to_lookup_error())?;
                let wanted = reference.name().key();
                page.skills
                    .iter()
                    .filter_map(|hit| hit.id.parse::<SkillId>().ok())
                    .filter(|id| id.name().key() == wanted)
                    .collect()
            }
        };
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(skill) = self
                .source_skill(id)
                .await
                .map_err(|e| e.to_lookup_error())?
            {
                found.push(skill);
            }
        }
        Ok(found)
    }

    async fn fetch(
        &self,
        skill: &SourceSkill,
        version: &SourceVersion,
    ) -> Result<Vec<u8>, LookupError> {
        self.download(&skill.id, &version.version)
            .await
            .map_err(|e| e.to_lookup_error())
    }
}
