//! Installing agent profiles: `install --profile <ns/name>` (install its skills, follow it
//! from then on), and what `install` and `update` do for the profiles `skills.toml`
//! follows. The profile is read from the registry (`--registry`, else the first
//! configured); its skills resolve through the cascade like any other. What to install
//! and what to remove is the client library's plan ([`skillreg_client::plan_profile`]).

use serde_json::{Value, json};
use skillreg_client::profiles::profiles as followed_profiles;
use skillreg_client::{Lock, ProjectManifest, plan_profile};
use skillreg_core::SkillId;
use skillreg_core::profile::ProfileId;

use super::*;
use crate::profile::parse_profile;

/// A profile's skills as the registry serves them now.
async fn read(ctx: &Context, profile: &ProfileId) -> Result<Vec<(SkillId, VersionReq)>, Failure> {
    let body = ctx.client()?.profile(profile).await?;
    body.skills
        .iter()
        .map(|skill| {
            let id = skill.id.parse().map_err(|e| {
                Failure::new(format!(
                    "profile `{profile}` lists `{}`, which is not a skill id: {e}",
                    skillreg_core::text::sanitize_remote(&skill.id)
                ))
            })?;
            let request = skill.version.parse().map_err(|e| {
                Failure::new(format!(
                    "profile `{profile}` asks for `{}` of `{}`, which is not a version request: {e}",
                    skillreg_core::text::sanitize_remote(&skill.version),
                    skill.id
                ))
            })?;
            Ok((id, request))
        })
        .collect()
}

/// How following profiles goes: which, and what for.
pub(super) struct Following<'a> {
    /// The clients given on the command line (empty: each locked skill keeps its own, a
    /// new one gets the project's).
    pub(super) clients: &'a [String],
    /// Remove a dropped skill's folders even when they were edited.
    pub(super) force: bool,
}

impl Installer<'_> {
    /// Follows `wanted` (and the other profiles the manifest follows, whose skills are
    /// never removed on behalf of one of them): installs each profile's skills, resolved
    /// again within their requests, and removes what a profile dropped. The lock is saved
    /// after each change; returns the report.
    pub(super) async fn follow_profiles(
        &self,
        wanted: &[ProfileId],
        manifest: &ProjectManifest,
        lock: &mut Lock,
        how: &Following<'_>,
    ) -> Result<Vec<Value>, Failure> {
        let ctx = self.ctx;
        let mut all = followed_profiles(manifest).map_err(|e| Failure::new(e.to_string()))?;
        for profile in wanted {
            if !all.iter().any(|p| p.key() == profile.key()) {
                all.push(profile.clone());
            }
        }
        let mut skills = Vec::with_capacity(all.len());
        for profile in &all {
            skills.push(read(ctx, profile).await?);
        }
        let sources = sources(ctx)?;
        let mut report = Vec::new();
        for profile in wanted {
            let index = all
                .iter()
                .position(|p| p.key() == profile.key())
                .unwrap_or_default();
            let others: Vec<SkillId> = skills
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != index)
                .flat_map(|(_, list)| list.iter().map(|(id, _)| id.clone()))
                .collect();
            let now = skills.get(index).cloned().unwrap_or_default();
            let plan = plan_profile(manifest, lock, profile, &now, &others)
                .map_err(|e| Failure::new(e.to_string()))?;
            ctx.out.line(format!(
                "profile {profile}: {} skill{}",
                now.len(),
                if now.len() == 1 { "" } else { "s" }
            ));
            // Removals first: a skill that moved to another namespace is dropped under its
            // old id and installed under its new one, into the same folder.
            for id in &plan.remove {
                report.push(self.drop_skill(profile, id, lock, how.force).await?);
            }
            for (id, request) in &plan.install {
                let clients = match lock.get(id) {
                    Some(entry) if how.clients.is_empty() => entry.clients.clone(),
                    _ => choose_clients(ctx, how.clients, &self.project)?,
                };
                let reference = SkillRef::qualified(id.clone());
                let mut entry = self
                    .one(&sources, &reference, request, &clients, lock)
                    .await?;
                entry.profile = Some(profile.clone());
                report.push(json!({
                    "id": entry.id.to_string(), "version": entry.version.to_string(),
                    "profile": profile.to_string(),
                }));
                lock.upsert(entry);
                self.project.save_lock(lock)?;
            }
        }
        Ok(report)
    }

    /// Removes a skill a profile dropped; an edited one stays (and stays locked) unless
    /// `force`.
    async fn drop_skill(
        &self,
        profile: &ProfileId,
        id: &SkillId,
        lock: &mut Lock,
        force: bool,
    ) -> Result<Value, Failure> {
        let ctx = self.ctx;
        let reference = SkillRef::qualified(id.clone());
        let plan = match self.core.plan_uninstall(lock, &reference, force).await {
            Ok(plan) => plan,
            Err(InstallFailure::Install(error @ InstallRunError::Refused { .. })) => {
                ctx.out.warn(format!(
                    "profile {profile} no longer holds {id}, but it was kept: {error}"
                ));
                ctx.out.warn(format!(
                    "remove it with `skillreg uninstall {id} --force`, or pass --force"
                ));
                return Ok(
                    json!({ "id": id.to_string(), "kept": true, "profile": profile.to_string() }),
                );
            }
            Err(other) => return Err(failure(other)),
        };
        self.core.uninstall(&plan).await.map_err(failure)?;
        lock.remove(id);
        self.project.save_lock(lock)?;
        ctx.out.result(format!(
            "removed {id} (profile {profile} no longer holds it)"
        ));
        Ok(json!({ "id": id.to_string(), "removed": true, "profile": profile.to_string() }))
    }
}

/// `install --profile …`: installs each profile's skills, and remembers the profiles in
/// `skills.toml` so `install` and `update` follow them.
pub(super) async fn install_profiles(
    installer: &Installer<'_>,
    args: &InstallArgs,
    manifest: &mut ProjectManifest,
    lock: &mut Lock,
) -> Result<Vec<Value>, Failure> {
    let wanted = args
        .profiles
        .iter()
        .map(|text| parse_profile(text))
        .collect::<Result<Vec<_>, _>>()?;
    let how = Following {
        clients: &args.clients,
        force: false,
    };
    let report = installer
        .follow_profiles(&wanted, manifest, lock, &how)
        .await?;
    for profile in &wanted {
        let text = profile.to_string();
        if !manifest.profiles.contains(&text) {
            manifest.profiles.push(text);
        }
    }
    installer.project.save_manifest(manifest)?;
    Ok(report)
}

/// `update` for the profiles the manifest follows.
pub(super) async fn update_profiles(
    installer: &Installer<'_>,
    manifest: &ProjectManifest,
    lock: &mut Lock,
    force: bool,
) -> Result<Vec<Value>, Failure> {
    let wanted = followed_profiles(manifest).map_err(|e| Failure::new(e.to_string()))?;
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let how = Following {
        clients: &[],
        force,
    };
    installer
        .follow_profiles(&wanted, manifest, lock, &how)
        .await
}
