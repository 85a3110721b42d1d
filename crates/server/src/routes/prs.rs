//! The Package Registry Standard v1.0.0 read surface (docs/FORMATS.md): registry metadata at
//! `/.well-known/cleverthis-packages`, one package by id at `/packages/<id>`, a version alias
//! at `/skill/<ns…>/<name>?version=…`, and `/browse`. A package is one published version.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use skillreg_api::ErrorEnvelope;
use skillreg_api::prs::{AliasParams, BrowseParams, BrowseResponse, PackageBody, RegistryMetadata};
use skillreg_core::package::PackageId;
use skillreg_core::usecases::BrowseRequest;
use skillreg_core::{Namespace, SkillId, VersionReq};

use super::{Shared, SkillPath, bad_query};
use crate::auth::Reader;
use crate::error::{ApiError, ErrorType};

/// Package Registry Standard: what this registry is and where its endpoints are.
#[utoipa::path(get, path = "/.well-known/cleverthis-packages", tag = "package-registry-standard",
    responses((status = 200, description = "Registry metadata", body = RegistryMetadata)))]
pub(super) async fn metadata(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Json<RegistryMetadata> {
    Json(RegistryMetadata::skillreg(
        &state.origin(&headers),
        !state.registry.config().sign_in_required,
    ))
}

/// Package Registry Standard: one package (a published version) by its id.
#[utoipa::path(get, path = "/packages/{id}", tag = "package-registry-standard",
    params(("id" = String, Path, description = "`pkg_skl_` and 40 hex digits")),
    responses(
        (status = 200, description = "The package document with its id and download URL", body = PackageBody),
        (status = 400, description = "Not a package id", body = ErrorEnvelope),
        (status = 404, description = "No such package", body = ErrorEnvelope),
    ))]
pub(super) async fn package(
    State(state): State<Shared>,
    headers: HeaderMap,
    reader: Reader,
    Path(id): Path<String>,
) -> Result<Json<PackageBody>, ApiError> {
    let id: PackageId = id
        .parse()
        .map_err(|e: skillreg_core::package::InvalidPackageId| {
            ApiError::new(ErrorType::InvalidPackageId, e.to_string())
        })?;
    let (skill, version) = state.registry.package(reader.actor(), &id).await?;
    Ok(Json(PackageBody::new(
        &state.origin(&headers),
        &skill,
        &version,
    )))
}

/// The version aliases of the surface: `latest`, `vX`, `vX.x`, `vX.Y.x`, `vX.Y.Z`.
fn parse_alias(alias: &str) -> Option<VersionReq> {
    if alias == "latest" {
        return Some(VersionReq::Latest);
    }
    let parts: Vec<&str> = alias.strip_prefix('v')?.split('.').collect();
    let number = |p: &str| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit());
    let fits = match parts.as_slice() {
        [x] => number(x),
        [x, "x"] => number(x),
        [x, y, "x"] | [x, y, _] if number(x) && number(y) => parts[2] == "x" || number(parts[2]),
        _ => false,
    };
    if fits { alias.parse().ok() } else { None }
}

/// Package Registry Standard: the package a version alias resolves to.
#[utoipa::path(get, path = "/skill/{namespace}/{name}", tag = "package-registry-standard",
    params(SkillPath, AliasParams),
    responses(
        (status = 200, description = "The package", body = PackageBody),
        (status = 400, description = "A bad reference or alias", body = ErrorEnvelope),
        (status = 404, description = "No such skill or version", body = ErrorEnvelope),
    ))]
pub(super) async fn skill_alias(
    State(state): State<Shared>,
    headers: HeaderMap,
    reader: Reader,
    Path(path): Path<String>,
    params: Result<Query<AliasParams>, QueryRejection>,
) -> Result<Json<PackageBody>, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    let reference = |why: String| ApiError::new(ErrorType::InvalidPackageReference, why);
    let id: SkillId = path
        .parse()
        .map_err(|e| reference(format!("invalid package reference: {e}")))?;
    let alias = params.version.as_deref().unwrap_or("latest");
    let request = parse_alias(alias).ok_or_else(|| {
        reference(format!(
            "invalid version alias `{}`: use latest, vX, vX.x, vX.Y.x or vX.Y.Z",
            skillreg_core::text::sanitize_remote(alias)
        ))
    })?;
    let (skill, version) = state
        .registry
        .resolve_version(reader.actor(), &id, &request)
        .await?;
    Ok(Json(PackageBody::new(
        &state.origin(&headers),
        &skill,
        &version,
    )))
}

/// Package Registry Standard: the latest package of each skill, newest first.
#[utoipa::path(get, path = "/browse", tag = "package-registry-standard", params(BrowseParams),
    responses(
        (status = 200, description = "The latest package of each skill", body = BrowseResponse),
        (status = 400, description = "A bad namespace or page", body = ErrorEnvelope),
    ))]
pub(super) async fn browse(
    State(state): State<Shared>,
    headers: HeaderMap,
    reader: Reader,
    params: Result<Query<BrowseParams>, QueryRejection>,
) -> Result<Json<BrowseResponse>, ApiError> {
    let Query(params) = params.map_err(|e| bad_query(&e))?;
    if params.kind.as_deref().is_some_and(|kind| kind != "skill") {
        // This registry holds skills only: any other type has no packages.
        return Ok(Json(BrowseResponse {
            packages: Vec::new(),
            count: 0,
        }));
    }
    let namespace = params
        .namespace
        .map(|ns| ns.parse::<Namespace>())
        .transpose()
        .map_err(|e| ApiError::new(ErrorType::InvalidPackageReference, e.to_string()))?;
    let page = state
        .registry
        .browse(
            reader.actor(),
            BrowseRequest {
                namespace,
                offset: params.offset,
                limit: params.limit,
            },
        )
        .await?;
    let origin = state.origin(&headers);
    let packages = page
        .latest
        .iter()
        .map(|(skill, version)| PackageBody::new(&origin, skill, version))
        .collect();
    Ok(Json(BrowseResponse {
        packages,
        count: page.total,
    }))
}

#[cfg(test)]
mod tests {
    use super::parse_alias;

    #[test]
    fn only_the_surface_aliases_are_accepted() {
        for good in ["latest", "v1", "v1.x", "v1.2.x", "v1.2.3", "v10.20.30"] {
            assert!(parse_alias(good).is_some(), "{good}");
        }
        for bad in [
            "",
            "1",
            "1.2.3",
            "v",
            "v1.",
            "v1.2",
            "v1.x.x",
            "vx",
            "v1.2.3.4",
            "^1",
            "v1.2.3-rc.1",
            "V1",
            "v-1",
            "latest ",
            "v1234567890",
        ] {
            assert!(parse_alias(bad).is_none(), "{bad}");
        }
    }
}
