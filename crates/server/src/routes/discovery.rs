//! Agent-skills discovery, as `npx skills` and other clients read it
//! (docs/FORMATS.md, "Discovery"): the v0.2.0 index at `/.well-known/agent-skills/index.json`
//! (each skill an `archive` entry: the version's stored archive, its digest the archive's),
//! the legacy v0.1.0 index at `/.well-known/skills/index.json` with each file at
//! `/.well-known/skills/<name>/<path>`, both also under a namespace
//! (`/<ns…>/.well-known/…`, that namespace only) or one skill (`/<ns…>@<name>/.well-known/…`),
//! and `/api/search` in the shape `npx skills find` reads. Indexes carry an `ETag` and
//! `Cache-Control: no-cache`, so a client always revalidates and never keeps a stale one.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use skillreg_core::model::{SearchSort, SkillRecord, VersionRecord};
use skillreg_core::usecases::{IndexScope, SearchRequest};
use skillreg_core::{SkillId, VersionReq};

use super::Shared;
use crate::AppState;
use crate::auth::Reader;
use crate::error::{ApiError, ErrorType};

/// The v0.2.0 index's schema identifier.
pub(crate) const SCHEMA_V2: &str = "https://schemas.agentskills.io/discovery/0.2.0/schema.json";

/// The longest description an index entry may carry.
const MAX_DESCRIPTION: usize = 1024;

/// Which discovery document, for which skills.
#[derive(Debug)]
pub(crate) struct Scoped {
    /// What it lists.
    pub(crate) scope: IndexScope,
    /// What follows `/.well-known/`.
    pub(crate) rest: String,
}

/// A path that names a discovery document: `[/<ns…>[@<name>]]/.well-known/<rest>`.
pub(crate) fn scoped(path: &str) -> Option<Scoped> {
    let at = path.find("/.well-known/")?;
    let (prefix, rest) = (&path[..at], &path[at + "/.well-known/".len()..]);
    if !(rest.starts_with("agent-skills/") || rest.starts_with("skills/")) {
        return None;
    }
    let scope = if prefix.is_empty() {
        IndexScope::default()
    } else {
        let text = prefix.trim_start_matches('/');
        let (namespace, name) = match text.rsplit_once('@') {
            Some((ns, name)) => (ns, Some(name.parse().ok()?)),
            None => (text, None),
        };
        IndexScope {
            namespace: Some(namespace.parse().ok()?),
            name,
        }
    };
    Some(Scoped {
        scope,
        rest: rest.to_owned(),
    })
}

/// A skill's name in an index: the name's lookup key (lowercase, `-` for `_`), which is what
/// the RFC allows (`a-z0-9-`).
fn index_name(skill: &SkillRecord) -> String {
    skill.id.name().key().as_str().to_owned()
}

/// The listed skills, one per name. Names held in several namespaces are left out of
/// the index (each is in its namespace's index) and named in `Skillreg-Ambiguous-Names`.
fn unique(
    listed: Vec<(SkillRecord, VersionRecord)>,
) -> (Vec<(SkillRecord, VersionRecord)>, Vec<String>) {
    let mut by_name: BTreeMap<String, Vec<(SkillRecord, VersionRecord)>> = BTreeMap::new();
    for entry in listed {
        by_name.entry(index_name(&entry.0)).or_default().push(entry);
    }
    let mut kept = Vec::new();
    let mut ambiguous = Vec::new();
    for (name, mut entries) in by_name {
        if entries.len() == 1 {
            kept.append(&mut entries);
        } else {
            ambiguous.push(name);
        }
    }
    (kept, ambiguous)
}

fn description(version: &VersionRecord) -> String {
    skillreg_core::text::shown(&version.published.meta.description, MAX_DESCRIPTION)
}

fn archive_url(id: &SkillId, version: &VersionRecord) -> String {
    format!(
        "/api/v1/skills/{id}/-/download?version=%3D{}",
        version.version()
    )
}

/// A JSON document with an `ETag` (the hash of its bytes); `304` when the client has it.
fn document(
    request_headers: &HeaderMap,
    body: Vec<u8>,
    extra: &[(&'static str, String)],
) -> Response {
    let digest = Sha256::digest(&body);
    let etag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let etag = format!("\"{etag}\"");
    let fresh = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sent| sent.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    for (name, value) in extra {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(*name, value);
        }
    }
    response
}

/// Answers a discovery path (GET or HEAD).
pub(crate) async fn answer(
    state: &AppState,
    reader: &Reader,
    method: &Method,
    headers: &HeaderMap,
    scoped: Scoped,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return ApiError::new(
            ErrorType::MethodNotAllowed,
            "discovery documents are read with GET or HEAD",
        )
        .into_response();
    }
    let rest = scoped.rest.as_str();
    let is_index = matches!(rest, "agent-skills/index.json" | "skills/index.json");
    // An index as anonymous readers see it is kept between requests.
    if is_index && reader.actor().is_none() && !state.registry.config().sign_in_required {
        let key = format!("{}|{rest}", scope_key(&scoped.scope));
        let kept = state
            .index_cache
            .document(&state.registry, key, || async {
                let listed = state.registry.discovery(None, &scoped.scope).await?;
                Ok(index_document(listed, rest).unwrap_or_default())
            })
            .await;
        return match kept {
            Ok(kept) => kept.respond(headers),
            Err(error) => ApiError::from(error).into_response(),
        };
    }
    let listed = match state
        .registry
        .discovery(reader.actor(), &scoped.scope)
        .await
    {
        Ok(listed) => listed,
        Err(error) => return ApiError::from(error).into_response(),
    };
    if is_index {
        let (body, extra) = index_document(listed, rest).unwrap_or_default();
        return document(headers, body, &extra);
    }
    match rest.strip_prefix("skills/").and_then(|r| r.split_once('/')) {
        Some((name, path)) => {
            let (listed, _) = unique(listed);
            legacy_file(state, reader, &listed, name, path).await
        }
        None => {
            ApiError::new(ErrorType::PackageNotFound, "no such discovery document").into_response()
        }
    }
}

/// A scope as a cache key: `` for the registry, `acme`, `acme@pdf`.
pub(crate) fn scope_key(scope: &IndexScope) -> String {
    match (&scope.namespace, &scope.name) {
        (None, _) => String::new(),
        (Some(ns), None) => ns.key().as_str().to_owned(),
        (Some(ns), Some(name)) => format!("{}@{}", ns.key().as_str(), name.key().as_str()),
    }
}

/// Headers an answer carries besides the usual ones.
pub(crate) type Headers = Vec<(&'static str, String)>;

/// The index document `rest` names (`agent-skills/index.json` or `skills/index.json`) of
/// these skills, with the headers it carries; `None` for another path.
pub(crate) fn index_document(
    listed: Vec<(SkillRecord, VersionRecord)>,
    rest: &str,
) -> Option<(Vec<u8>, Headers)> {
    let (listed, ambiguous) = unique(listed);
    let extra: Vec<(&'static str, String)> = if ambiguous.is_empty() {
        Vec::new()
    } else {
        vec![("skillreg-ambiguous-names", ambiguous.join(", "))]
    };
    // Written straight from typed entries: no JSON tree of the whole index is built.
    let body = match rest {
        "agent-skills/index.json" => {
            #[derive(serde::Serialize)]
            struct Entry {
                name: String,
                r#type: &'static str,
                description: String,
                url: String,
                digest: String,
            }
            #[derive(serde::Serialize)]
            struct Index {
                #[serde(rename = "$schema")]
                schema: &'static str,
                skills: Vec<Entry>,
            }
            let skills = listed
                .iter()
                .map(|(skill, version)| Entry {
                    name: index_name(skill),
                    r#type: "archive",
                    description: description(version),
                    url: archive_url(&skill.id, version),
                    digest: version.published.archive_digest.to_string(),
                })
                .collect();
            serde_json::to_vec(&Index {
                schema: SCHEMA_V2,
                skills,
            })
        }
        "skills/index.json" => {
            #[derive(serde::Serialize)]
            struct Entry<'a> {
                name: String,
                description: String,
                files: Vec<&'a str>,
            }
            #[derive(serde::Serialize)]
            struct Index<'a> {
                skills: Vec<Entry<'a>>,
            }
            let skills = listed
                .iter()
                .map(|(skill, version)| Entry {
                    name: index_name(skill),
                    description: description(version),
                    files: version
                        .published
                        .meta
                        .files
                        .iter()
                        .map(|f| f.as_str())
                        .collect(),
                })
                .collect();
            serde_json::to_vec(&Index { skills })
        }
        _ => return None,
    };
    Some((body.unwrap_or_default(), extra))
}

/// One file of a listed skill, for v0.1 clients.
async fn legacy_file(
    state: &AppState,
    reader: &Reader,
    listed: &[(SkillRecord, VersionRecord)],
    name: &str,
    path: &str,
) -> Response {
    let Some((skill, version)) = listed.iter().find(|(skill, _)| index_name(skill) == name) else {
        return ApiError::new(
            ErrorType::PackageNotFound,
            format!(
                "no skill `{}` in this index",
                skillreg_core::text::sanitize_remote(name)
            ),
        )
        .into_response();
    };
    let found = match state
        .registry
        .version_files(
            reader.actor(),
            &skill.id,
            &VersionReq::Exact(version.version().clone()),
        )
        .await
    {
        Ok(found) => found,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let Some(file) = found.files.get(path) else {
        return ApiError::new(ErrorType::PackageNotFound, "no such file in the skill")
            .into_response();
    };
    let content_type = super::skill_file_type(path, file.contents());
    let mut response = file.contents().to_vec().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `GET /api/search?q=&limit=`: the query string `npx skills find` sends.
#[derive(Debug, Deserialize)]
pub(crate) struct FindParams {
    q: Option<String>,
    limit: Option<u32>,
    owner: Option<String>,
}

#[derive(Debug, Serialize)]
struct FindHit {
    id: String,
    name: String,
    installs: u64,
    source: String,
}

/// Search in the shape `npx skills find` reads: each hit's `source` is its namespace's
/// address on this registry, so the `<source>@<name>` the client suggests installs from the
/// one-skill index `/<ns…>@<name>/.well-known/agent-skills/index.json`.
pub(crate) async fn find(
    State(state): State<Shared>,
    reader: Reader,
    headers: HeaderMap,
    params: Result<Query<FindParams>, QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        return ApiError::new(
            ErrorType::Validation,
            "invalid query: use ?q=<words>&limit=<n>",
        )
        .into_response();
    };
    let namespace = match params
        .owner
        .as_deref()
        .filter(|o| !o.is_empty())
        .map(str::parse)
    {
        None => None,
        Some(Ok(ns)) => Some(ns),
        Some(Err(e)) => {
            return ApiError::new(ErrorType::Validation, format!("invalid owner: {e}"))
                .into_response();
        }
    };
    let request = SearchRequest {
        text: params.q.filter(|q| !q.trim().is_empty()),
        namespace,
        sort: SearchSort::Relevance,
        limit: Some(params.limit.unwrap_or(10).clamp(1, 50)),
        ..SearchRequest::default()
    };
    let page = match state.registry.search(reader.actor(), request).await {
        Ok(page) => page,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let origin = state.origin(&headers);
    let skills: Vec<FindHit> = page
        .hits
        .into_iter()
        .filter(|hit| hit.latest.is_some() && hit.skill.deprecation.is_none())
        .map(|hit| FindHit {
            id: hit.skill.id.to_string(),
            name: index_name(&hit.skill),
            installs: hit.downloads,
            source: format!("{origin}/{}", hit.skill.id.namespace()),
        })
        .collect();
    axum::Json(json!({ "skills": skills })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_paths_name_their_scope() {
        let root = scoped("/.well-known/agent-skills/index.json").unwrap();
        assert_eq!(root.scope, IndexScope::default());
        let ns = scoped("/acme/tools/.well-known/skills/index.json").unwrap();
        assert_eq!(ns.scope.namespace.unwrap().as_str(), "acme/tools");
        assert_eq!(ns.rest, "skills/index.json");
        let one = scoped("/acme@pdf/.well-known/agent-skills/index.json").unwrap();
        assert_eq!(one.scope.name.unwrap().as_str(), "pdf");
        assert!(scoped("/acme/.well-known/other.json").is_none());
        assert!(scoped("/bad namespace/.well-known/skills/index.json").is_none());
    }
}
