//! Every operation the OpenAPI document lists reaches a handler: none falls through to the
//! router's fallback or to a dispatcher's "no such sub-resource".

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;

use super::{TestServer, call};

pub(crate) async fn every_documented_operation_is_routed(s: TestServer) {
    let document: Value = serde_json::from_str(&skillreg_server::openapi_document()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 25, "{}", paths.len());
    for (path, operations) in paths {
        if path == "/api/v1/events" {
            // An endless stream; its own test reads it.
            continue;
        }
        let uri = path
            .replace("{namespace}", "acme")
            .replace("{name}", "pdf")
            .replace("{version}", "1.0.0")
            .replace("{id}", "pkg_skl_0000000000000000000000000000000000000000")
            .replace("{key_id}", "ed25519:00")
            .replace("{user}", "bob");
        for method in operations.as_object().unwrap().keys() {
            let request = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&uri)
                .header("authorization", format!("Bearer {}", s.token))
                .body(Body::from("{}"))
                .unwrap();
            let (status, body, _) = call(&s.app, request).await;
            let text = String::from_utf8_lossy(&body);
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
            for fallthrough in ["no such route", "no route for", "no sub-resource"] {
                assert!(
                    !text.contains(fallthrough),
                    "{method} {uri} is documented but not routed: {text}"
                );
            }
        }
    }
}

/// Whether `body` reads as the contract type the OpenAPI document names `schema`.
fn conforms(schema: &str, body: &[u8]) -> Result<(), String> {
    use skillreg_api::oci::{OciErrors, TagList, VersionCheck};
    use skillreg_api::prs::{BrowseResponse, PackageBody, RegistryMetadata};
    use skillreg_api::*;
    fn read<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<(), String> {
        serde_json::from_slice::<T>(body)
            .map(drop)
            .map_err(|e| e.to_string())
    }
    match schema {
        "ErrorEnvelope" => read::<ErrorEnvelope>(body),
        "SearchResponse" => read::<SearchResponse>(body),
        "PublishResponse" => read::<PublishResponse>(body),
        "LogInfo" => read::<LogInfo>(body),
        "LogEntries" => read::<LogEntries>(body),
        "InclusionBody" => read::<InclusionBody>(body),
        "ConsistencyBody" => read::<ConsistencyBody>(body),
        "CosignedCheckpoints" => read::<CosignedCheckpoints>(body),
        "ResolveResponse" => read::<ResolveResponse>(body),
        "SkillDetails" => read::<SkillDetails>(body),
        "VersionList" => read::<VersionList>(body),
        "VersionBody" => read::<VersionBody>(body),
        "RatingsResponse" => read::<RatingsResponse>(body),
        "RatedResponse" => read::<RatedResponse>(body),
        "YankResponse" => read::<YankResponse>(body),
        "DeprecationResponse" => read::<DeprecationResponse>(body),
        "ImportResponse" => read::<ImportResponse>(body),
        "TrendingResponse" => read::<TrendingResponse>(body),
        "CreatedToken" => read::<CreatedToken>(body),
        "TokenList" => read::<TokenList>(body),
        "RevokedToken" => read::<RevokedToken>(body),
        "WhoamiBody" => read::<WhoamiBody>(body),
        "NamespaceBody" => read::<NamespaceBody>(body),
        "PublisherKeyBody" => read::<PublisherKeyBody>(body),
        "PackageBody" => read::<PackageBody>(body),
        "BrowseResponse" => read::<BrowseResponse>(body),
        "RegistryMetadata" => read::<RegistryMetadata>(body),
        "OciErrors" => read::<OciErrors>(body),
        "TagList" => read::<TagList>(body),
        "VersionCheck" => read::<VersionCheck>(body),
        "VersionAudit" => read::<VersionAudit>(body),
        "RescanResponse" => read::<RescanResponse>(body),
        "ProfileList" => read::<ProfileList>(body),
        "ProfileBody" => read::<ProfileBody>(body),
        "MovedResponse" => read::<MovedResponse>(body),
        other => Err(format!("no contract type for the schema `{other}`")),
    }
}

/// The schema a documented response names, if it names one.
fn schema_of(response: &Value) -> Option<String> {
    let content = response["content"].as_object()?;
    let (_, media) = content.iter().next()?;
    media["schema"]["$ref"]
        .as_str()
        .map(|r| r.trim_start_matches("#/components/schemas/").to_owned())
}

/// Every response the OpenAPI document lists is typed (a contract type, or text and bytes
/// where the answer is not JSON), and every answer the router gives, success or error, reads
/// as the contract type the document names for its status; an error status the document
/// does not list is still the envelope (or, under `/v2`, the distribution spec's errors).
pub(crate) async fn every_answer_is_its_documented_type(s: TestServer) {
    let document: Value = serde_json::from_str(&skillreg_server::openapi_document()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                for (media_type, media) in response["content"].as_object().into_iter().flatten() {
                    let schema = &media["schema"];
                    let untyped = schema["type"] == "object" && schema.get("properties").is_none();
                    // The document itself is the one object described elsewhere (OpenAPI 3.1).
                    assert!(
                        !untyped || path == "/api/v1/openapi.json",
                        "{method} {path} {status} {media_type} is an untyped object"
                    );
                }
            }
        }
    }

    // Something to read: a published skill, rated, with a namespace below it.
    super::publish_pdf_forms(&s).await;
    let archive = super::archive_named("mail", "Sends mail", &[]);
    let (uri_of, mut checked) = (
        |path: &str| {
            path.replace("{namespace}", "acme")
                .replace("{name}", "pdf")
                .replace("{version}", "1.0.0")
                .replace("{reference}", "1.0.0")
                .replace("{id}", "pkg_skl_0000000000000000000000000000000000000000")
                .replace("{key_id}", "ed25519:00")
                .replace("{user}", "bob")
                .replace("{skill}", "acme/pdf")
        },
        std::collections::BTreeSet::new(),
    );
    for (path, operations) in paths {
        if path == "/api/v1/events" {
            continue; // An endless stream of `EventBody`s; its own test reads it.
        }
        for (method, operation) in operations.as_object().unwrap() {
            let mut uri = uri_of(path);
            let mut token = s.token.clone();
            let body: Vec<u8> = match (method.as_str(), path.as_str()) {
                ("post", "/api/v1/skills") => {
                    uri.push_str("?namespace=acme&version=1.1.0");
                    archive.clone()
                }
                ("post", "/api/v1/import") => {
                    uri.push_str("?namespace=acme/tools");
                    archive.clone()
                }
                ("get", "/api/v1/skills") => {
                    uri.push_str("?q=pdf");
                    Vec::new()
                }
                ("get", "/api/v1/resolve") => {
                    uri.push_str("?name=acme/pdf");
                    Vec::new()
                }
                ("get", "/api/v1/log/proof/inclusion") => {
                    uri.push_str("?index=0");
                    Vec::new()
                }
                ("get", "/api/v1/log/proof/consistency") => {
                    uri.push_str("?old=0");
                    Vec::new()
                }
                ("post", p) if p.ends_with("/-/ratings") => {
                    token = s.reader_token.clone();
                    br#"{"stars": 4.5, "review": "good"}"#.to_vec()
                }
                ("put", p) if p.ends_with("/-/deprecation") => br#"{"message": "old"}"#.to_vec(),
                ("post", "/api/v1/tokens") => br#"{"name": "ci", "scopes": ["yank"]}"#.to_vec(),
                ("post", "/api/v1/namespaces") => br#"{"namespace": "zeta"}"#.to_vec(),
                ("post", "/api/v1/profiles") => br#"{"id": "acme/pdf"}"#.to_vec(),
                // Into its own namespace: refused, so the skill stays for the rest.
                ("post", p) if p.ends_with("/-/move") => br#"{"namespace": "acme"}"#.to_vec(),
                ("post", p) if p.ends_with("/-/skills") => br#"{"skill": "acme/pdf"}"#.to_vec(),
                ("put", p) if p.contains("/members/") => br#"{"role": "member"}"#.to_vec(),
                _ => Vec::new(),
            };
            let request = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&uri)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::from(body))
                .unwrap();
            let (status, answer, _) = call(&s.app, request).await;
            let documented = &operation["responses"][status.as_str()];
            let schema = schema_of(documented).or_else(|| {
                (status.is_client_error() || status.is_server_error()).then(|| {
                    if path.starts_with("/v2") {
                        "OciErrors"
                    } else {
                        "ErrorEnvelope"
                    }
                    .to_owned()
                })
            });
            let Some(schema) = schema else {
                // Text or bytes (health, metrics, archives, OCI documents): documented so.
                assert!(
                    !documented.is_null(),
                    "{method} {uri} answered {status}, which its operation does not list"
                );
                continue;
            };
            if let Err(error) = conforms(&schema, &answer) {
                panic!(
                    "{method} {uri} answered {status} that is not a `{schema}`: {error}\n{}",
                    String::from_utf8_lossy(&answer)
                );
            }
            if status.is_success() {
                checked.insert(schema);
            }
        }
    }
    // The answers read as their types for most of the contract, not only its errors.
    assert!(checked.len() >= 18, "checked only {checked:?}");
}
