//! The agent-profile calls of [`RegistryClient`] (`/api/v1/profiles…`), and moving a
//! skill (what profiles follow).

use reqwest::Method;
use skillreg_api::{
    CreateProfileBody, MoveBody, MovedResponse, ProfileBody, ProfileList, ProfileParams,
    ProfileSkillRequest,
};
use skillreg_core::SkillId;
use skillreg_core::profile::ProfileId;
use skillreg_core::version::VersionReq;

use super::error::ClientError;
use super::registry::RegistryClient;
use super::transport::{Call, segment};

fn profile_path(id: &ProfileId, rest: &str) -> String {
    format!("/api/v1/profiles/{}{rest}", segment(&id.to_string()))
}

impl RegistryClient {
    /// The profiles the caller may see, of one namespace or all.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn profiles(&self, namespace: Option<&str>) -> Result<ProfileList, ClientError> {
        let params = ProfileParams {
            namespace: namespace.map(str::to_owned),
        };
        self.http
            .json(Call::get("/api/v1/profiles").params(&params))
            .await
    }

    /// One profile, with the skills the caller may see.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn profile(&self, id: &ProfileId) -> Result<ProfileBody, ClientError> {
        self.http.json(Call::get(&profile_path(id, ""))).await
    }

    /// Creates an empty profile.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn create_profile(
        &self,
        id: &ProfileId,
        description: &str,
    ) -> Result<ProfileBody, ClientError> {
        let call = Call::with(Method::POST, "/api/v1/profiles").json(&CreateProfileBody {
            id: id.to_string(),
            description: description.to_owned(),
        });
        self.http.json(call).await
    }

    /// Adds a skill to a profile, or changes the versions it asks for.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn add_to_profile(
        &self,
        id: &ProfileId,
        skill: &SkillId,
        request: &VersionReq,
    ) -> Result<ProfileBody, ClientError> {
        let path = profile_path(id, "/-/skills");
        let call = Call::with(Method::POST, &path).json(&ProfileSkillRequest {
            skill: skill.to_string(),
            version: request.to_string(),
        });
        self.http.json(call).await
    }

    /// Takes a skill out of a profile.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn remove_from_profile(
        &self,
        id: &ProfileId,
        skill: &SkillId,
    ) -> Result<ProfileBody, ClientError> {
        let path = profile_path(id, &format!("/-/skills/{}", segment(&skill.to_string())));
        self.http.json(Call::with(Method::DELETE, &path)).await
    }

    /// Moves a skill into another namespace.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn move_skill(
        &self,
        id: &SkillId,
        namespace: &str,
    ) -> Result<MovedResponse, ClientError> {
        let path = format!("/api/v1/skills/{}/-/move", segment(&id.to_string()));
        let call = Call::with(Method::POST, &path).json(&MoveBody {
            namespace: namespace.to_owned(),
        });
        self.http.json(call).await
    }
}
