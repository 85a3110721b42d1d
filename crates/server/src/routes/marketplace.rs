//! Claude Code plugin marketplaces (docs/FORMATS.md, "Claude Code marketplaces"):
//! `/claude/marketplace.json` for the whole registry, `/claude/<ns…>/marketplace.json` for a
//! namespace, each skill a plugin whose `source` is an `archive`: its plugin zip at
//! `/claude/plugins/<ns…>/<name>/<version>.zip`, with the zip's sha256. Reads take the
//! caller's token like every other read (Claude Code sends one a marketplace's settings
//! give it), so a private namespace's marketplace and zips are as visible as its skills.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use skillreg_core::usecases::{IndexScope, MarketplaceEntry};
use skillreg_core::{Namespace, SkillId, Version};

use super::Shared;
use crate::auth::Reader;
use crate::error::{ApiError, ErrorType};

fn not_found() -> Response {
    ApiError::new(
        ErrorType::PackageNotFound,
        "no such marketplace document: /claude/marketplace.json, /claude/<namespace>/marketplace.json",
    )
    .into_response()
}

/// `GET /claude/…`.
pub(crate) async fn claude(
    State(state): State<Shared>,
    reader: Reader,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let rest = uri.path().trim_start_matches("/claude/");
    if let Some(plugin) = rest.strip_prefix("plugins/") {
        return plugin_zip(&state, &reader, plugin).await;
    }
    let Some(scope) = rest.strip_suffix("marketplace.json") else {
        return not_found();
    };
    let namespace: Option<Namespace> = match scope.trim_end_matches('/') {
        "" => None,
        text => match text.parse() {
            Ok(namespace) => Some(namespace),
            Err(_) => return not_found(),
        },
    };
    let origin = state.origin(&headers);
    let scope = IndexScope {
        namespace,
        name: None,
    };
    let build = || async {
        let listed = state.registry.marketplace(reader.actor(), &scope).await?;
        Ok((
            marketplace_document(&origin, scope.namespace.as_ref(), &listed),
            Vec::new(),
        ))
    };
    // As anonymous readers see it, a marketplace is kept between requests.
    if reader.actor().is_none() && !state.registry.config().sign_in_required {
        let key = format!("{origin}|claude|{}", super::discovery::scope_key(&scope));
        return match state
            .index_cache
            .document(&state.registry, key, build)
            .await
        {
            Ok(kept) => kept.respond(&headers),
            Err(error) => ApiError::from(error).into_response(),
        };
    }
    match build().await {
        Ok((body, _)) => {
            let mut response = body.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            );
            response
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}

/// A marketplace's JSON: one plugin per listed skill whose name no other listed skill has
/// (a name several namespaces hold is left out of the registry's marketplace and kept in
/// each namespace's, as in the discovery index).
fn marketplace_document(
    origin: &str,
    namespace: Option<&Namespace>,
    listed: &[MarketplaceEntry],
) -> Vec<u8> {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for entry in listed {
        *counts
            .entry(entry.skill.id.name().key().as_str().to_owned())
            .or_default() += 1;
    }
    let plugins: Vec<serde_json::Value> = listed
        .iter()
        .filter(|e| counts[e.skill.id.name().key().as_str()] == 1)
        .map(|entry| plugin_entry(origin, entry))
        .collect();
    let name = match namespace {
        None => "skillreg".to_owned(),
        Some(ns) => format!("skillreg-{}", ns.key().as_str().replace('/', "-")),
    };
    let body = json!({
        "name": name,
        "owner": { "name": "skillreg" },
        "description": format!(
            "Skills of the registry at {origin}{}",
            namespace.map(|n| format!(", namespace {n}")).unwrap_or_default()
        ),
        "plugins": plugins,
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

fn plugin_entry(origin: &str, entry: &MarketplaceEntry) -> serde_json::Value {
    let id = &entry.skill.id;
    let version = entry.version.version();
    let meta = &entry.version.published.meta;
    let mut plugin = json!({
        "name": id.name().key().as_str(),
        "description": meta.description.chars().filter(|c| !c.is_control()).take(1024).collect::<String>(),
        "version": version.to_string(),
        "source": {
            "source": "archive",
            "url": format!("{origin}/claude/plugins/{id}/{version}.zip"),
            "sha256": entry.plugin.hex(),
        },
        "tags": meta.tags,
    });
    if let Some(first) = meta.tags.first() {
        plugin["category"] = json!(first);
    }
    if let Some(license) = &meta.license {
        plugin["license"] = json!(license);
    }
    plugin
}

/// `GET /claude/plugins/<ns…>/<name>/<version>.zip`.
async fn plugin_zip(state: &crate::AppState, reader: &Reader, path: &str) -> Response {
    let Some((id_part, file)) = path.rsplit_once('/') else {
        return not_found();
    };
    let (Some(version), Ok(id)) = (
        file.strip_suffix(".zip")
            .and_then(|v| v.parse::<Version>().ok()),
        id_part.parse::<SkillId>(),
    ) else {
        return not_found();
    };
    let (digest, bytes) = match state
        .registry
        .plugin_archive(reader.actor(), &id, &version)
        .await
    {
        Ok(found) => found,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{digest}\"")) {
        headers.insert(header::ETAG, etag);
    }
    if let Ok(disposition) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}-{version}.zip\"",
        id.name().key().as_str()
    )) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}
