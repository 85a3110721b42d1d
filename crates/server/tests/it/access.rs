//! Who reads what, on every surface. The matrix: eight readers × the three visibilities ×
//! every operation of the OpenAPI document (and the OCI and event routes beside it). Each
//! operation must have a place in [`surface`], so a route added without deciding how it
//! treats hidden skills fails here. The leak test: what an outsider sees of a registry with
//! a private skill is byte for byte what they see of one without it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use skillreg_core::auth::NamespacePattern;
use skillreg_core::model::{AuditEntry, Timestamp, TokenScope};
use skillreg_core::usecases::RegistryConfig;
use skillreg_testkit::issue_token;
use tower::ServiceExt;

use super::{Backend, TestServer, archive_named, call, events_until, server_with};

/// A reader of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    /// Signed in, a member of nothing.
    NonMember,
    /// A member, with a read-only token.
    MemberReader,
    /// A member who publishes.
    Publisher,
    Owner,
    Admin,
    /// A member's token, revoked.
    Revoked,
    /// A member's read token for another namespace only.
    OtherNamespace,
}

const EVERYONE: [Who; 8] = [
    Who::Anonymous,
    Who::NonMember,
    Who::MemberReader,
    Who::Publisher,
    Who::Owner,
    Who::Admin,
    Who::Revoked,
    Who::OtherNamespace,
];

/// One namespace per visibility, each holding the skill `tool`.
const NAMESPACES: [(&str, &str); 3] = [
    ("open", "public"),
    ("corp", "internal"),
    ("vault", "private"),
];

/// A package id no version has.
const NO_PACKAGE: &str = "pkg_skl_0000000000000000000000000000000000000000";

/// Whether `who` may read a namespace of `visibility`: the rule of docs/ARCHITECTURE.md,
/// written out again here rather than asked of the code under test.
fn may_read(who: Who, visibility: &str) -> bool {
    match who {
        Who::Anonymous | Who::OtherNamespace => visibility == "public",
        Who::NonMember => visibility != "private",
        Who::MemberReader | Who::Publisher | Who::Owner | Who::Admin => true,
        Who::Revoked => false,
    }
}

/// How an operation treats skills a reader may not see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surface {
    /// Reads one skill: answered as for a skill that does not exist.
    Skill,
    /// Lists skills: leaves it out.
    List,
    /// Changes one skill: refused as for a skill that does not exist.
    SkillWrite,
    /// Reads a namespace: answered as for a namespace that does not exist.
    Namespace,
    /// Changes a namespace: refused as for a namespace that does not exist.
    NamespaceWrite,
    /// Reads one profile: answered as for a profile that does not exist, and shows only
    /// the skills the reader may see.
    Profile,
    /// Changes a profile: refused as for a profile that does not exist.
    ProfileWrite,
    /// Tells nothing of any skill (health, the caller's own tokens and keys, uploads into
    /// namespaces the caller publishes to, documents about the registry).
    Unscoped,
}

/// The visibility decision of every documented operation; `None` for one nobody decided.
fn surface(method: &str, path: &str) -> Option<Surface> {
    use Surface::*;
    const SKILL: &str = "/api/v1/skills/{namespace}/{name}";
    Some(match (method, path) {
        ("get", "/api/v1/resolve" | "/packages/{id}" | "/skill/{namespace}/{name}")
        | ("get", "/v2/{namespace}/{name}/manifests/{reference}") => Skill,
        ("get", p)
            if p.strip_prefix(SKILL).is_some_and(|rest| {
                [
                    "",
                    "/-/versions",
                    "/-/versions/{version}",
                    "/-/versions/{version}/audit",
                    "/-/download",
                    "/-/ratings",
                ]
                .contains(&rest)
            }) =>
        {
            Skill
        }
        ("get", "/api/v1/skills" | "/api/v1/trending" | "/browse" | "/api/v1/events")
        | ("get", "/api/v1/profiles") => List,
        // Every leaf hash is shown; an entry's bytes only to who may read what it names.
        ("get", "/api/v1/log/entries" | "/api/v1/log/proof/inclusion") => List,
        ("get", "/api/v1/profiles/{namespace}/{name}") => Profile,
        ("post", "/api/v1/profiles/{namespace}/{name}/-/skills")
        | ("delete", "/api/v1/profiles/{namespace}/{name}/-/skills/{skill}") => ProfileWrite,
        ("post", p) if p == format!("{SKILL}/-/ratings") => SkillWrite,
        ("post" | "delete", p) if p == format!("{SKILL}/-/versions/{{version}}/yank") => SkillWrite,
        ("put", p) if p == format!("{SKILL}/-/deprecation") => SkillWrite,
        ("post", p) if p == format!("{SKILL}/-/move") => SkillWrite,
        ("post", p) if p == format!("{SKILL}/-/versions/{{version}}/audit/false-positives") => {
            SkillWrite
        }
        ("put" | "delete", p) if p == format!("{SKILL}/-/versions/{{version}}/audit/override") => {
            SkillWrite
        }
        ("get", "/api/v1/namespaces/{namespace}") => Namespace,
        ("put" | "delete", "/api/v1/namespaces/{namespace}/-/members/{user}")
        | ("put", "/api/v1/namespaces/{namespace}/-/visibility") => NamespaceWrite,
        ("get", "/healthz" | "/readyz" | "/metrics" | "/api/v1/openapi.json")
        | ("get", "/.well-known/cleverthis-packages" | "/v2/" | "/api/v1/whoami")
        // Hashes and the log's key: nothing of any skill.
        | ("get", "/.well-known/skillreg-log" | "/api/v1/log/checkpoint")
        | ("get", "/api/v1/log/proof/consistency")
        | ("get" | "post", "/api/v1/log/cosignatures")
        | ("get" | "post", "/api/v1/tokens")
        | ("delete", "/api/v1/tokens/{id}")
        | ("post", "/api/v1/keys" | "/api/v1/namespaces" | "/api/v1/import" | "/api/v1/skills")
        | ("post", "/api/v1/profiles")
        | ("get" | "delete", "/api/v1/keys/{key_id}") => Unscoped,
        // An admin's: every skill is visible to them.
        ("post", "/api/v1/admin/rescan") => Unscoped,
        _ => return None,
    })
}

/// Every documented operation, with its surface.
fn operations() -> Vec<(String, String, Surface)> {
    let document: Value = serde_json::from_str(&skillreg_server::openapi_document()).unwrap();
    let mut found = Vec::new();
    let mut undecided = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            match surface(method, path) {
                Some(kind) => found.push((method.clone(), path.clone(), kind)),
                None => undecided.push(format!("{method} {path}")),
            }
        }
    }
    assert!(
        undecided.is_empty(),
        "operations without a visibility decision (add each to `surface` in \
         crates/server/tests/it/access.rs, and make its use case ask the read decision): {undecided:?}"
    );
    found
}

/// The readers' tokens, and what each namespace's skill is known by.
struct Cast {
    tokens: BTreeMap<Who, String>,
    packages: BTreeMap<&'static str, String>,
    layers: BTreeMap<&'static str, String>,
}

impl Cast {
    fn token(&self, who: Who) -> Option<&str> {
        self.tokens.get(&who).map(String::as_str)
    }
}

async fn token(
    s: &TestServer,
    seed: u8,
    user: &str,
    scopes: &[TokenScope],
    pattern: &str,
) -> String {
    let pattern: NamespacePattern = pattern.parse().unwrap();
    issue_token(
        s.store.as_ref(),
        [seed; 32],
        user,
        "matrix",
        scopes.to_vec(),
        vec![pattern],
        Timestamp::from_unix_millis(0),
    )
    .await
    .secret
}

/// Revokes a token straight in the store.
async fn revoke(s: &TestServer, token: &skillreg_core::usecases::IssuedToken) {
    let at = Timestamp::from_unix_millis(1);
    let audit = AuditEntry {
        actor: token.record.user.clone(),
        action: "token.revoke".into(),
        target: token.record.name.clone(),
        at,
    };
    s.store
        .revoke_token(&token.record.user, &token.record.id, at, &audit)
        .await
        .unwrap();
}

async fn ask(
    s: &TestServer,
    token: Option<&str>,
    method: &str,
    uri: &str,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>, HeaderMap) {
    let mut request = Request::builder()
        .method(method.to_uppercase().as_str())
        .uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    call(&s.app, request.body(Body::from(body)).unwrap()).await
}

async fn ok_json(
    s: &TestServer,
    token: Option<&str>,
    method: &str,
    uri: &str,
    body: Vec<u8>,
) -> Value {
    let (status, body, _) = ask(s, token, method, uri, body).await;
    assert!(
        status.is_success(),
        "{method} {uri}: {status} {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).unwrap_or(Value::Null)
}

/// Namespaces of every visibility owned by olive, with pete publishing and mia reading
/// in each, each holding `tool`; every reader's token; one install of each skill.
async fn cast(s: &TestServer) -> Cast {
    let publishing = [
        TokenScope::PublishNew,
        TokenScope::PublishUpdate,
        TokenScope::Yank,
        TokenScope::Rate,
    ];
    let owner = token(
        s,
        11,
        "olive",
        &[&publishing[..], &[TokenScope::NamespaceAdmin]].concat(),
        "*",
    )
    .await;
    let mut tokens = BTreeMap::from([
        (Who::Owner, owner.clone()),
        (Who::Publisher, token(s, 12, "pete", &publishing, "*").await),
        (
            Who::MemberReader,
            token(s, 13, "mia", &[TokenScope::Read], "*").await,
        ),
        (
            Who::NonMember,
            token(
                s,
                14,
                "nora",
                &[
                    TokenScope::Read,
                    TokenScope::Rate,
                    TokenScope::Yank,
                    TokenScope::NamespaceAdmin,
                ],
                "*",
            )
            .await,
        ),
        (
            Who::Admin,
            token(s, 15, "root", &[TokenScope::Admin], "*").await,
        ),
        (
            Who::OtherNamespace,
            token(s, 16, "mia", &[TokenScope::Read], "elsewhere").await,
        ),
    ]);
    let revoked = issue_token(
        s.store.as_ref(),
        [17; 32],
        "mia",
        "gone",
        vec![TokenScope::Read],
        vec![NamespacePattern::Any],
        Timestamp::from_unix_millis(0),
    )
    .await;
    revoke(s, &revoked).await;
    tokens.insert(Who::Revoked, revoked.secret);
    let mut packages = BTreeMap::new();
    let mut layers = BTreeMap::new();
    for (namespace, visibility) in NAMESPACES {
        let body = serde_json::json!({"namespace": namespace, "visibility": visibility});
        ok_json(
            s,
            Some(&owner),
            "post",
            "/api/v1/namespaces",
            body.to_string().into_bytes(),
        )
        .await;
        for (user, role) in [("pete", "member"), ("mia", "member")] {
            let uri = format!("/api/v1/namespaces/{namespace}/-/members/{user}");
            let body = serde_json::json!({ "role": role }).to_string().into_bytes();
            ok_json(s, Some(&owner), "put", &uri, body).await;
        }
        let uri = format!("/api/v1/skills?namespace={namespace}&version=1.0.0");
        ok_json(
            s,
            Some(&owner),
            "post",
            &uri,
            archive_named("tool", "A tool", &[]),
        )
        .await;
        let package = ok_json(
            s,
            Some(&owner),
            "get",
            &format!("/skill/{namespace}/tool"),
            Vec::new(),
        )
        .await;
        packages.insert(namespace, package["id"].as_str().unwrap().to_owned());
        let resolved = ok_json(
            s,
            Some(&owner),
            "get",
            &format!("/api/v1/resolve?name={namespace}/tool"),
            Vec::new(),
        )
        .await;
        layers.insert(
            namespace,
            resolved["archive_digest"].as_str().unwrap().to_owned(),
        );
        ok_json(
            s,
            Some(&owner),
            "get",
            &format!("/api/v1/skills/{namespace}/tool/-/download"),
            Vec::new(),
        )
        .await;
    }
    // A profile `team` in each namespace holding its `tool`; the public one holds every
    // namespace's, so what a reader sees of it depends on what they may read.
    for (namespace, _) in NAMESPACES {
        let body = serde_json::json!({ "id": format!("{namespace}/team") });
        let body = body.to_string().into_bytes();
        ok_json(s, Some(&owner), "post", "/api/v1/profiles", body).await;
        let held: &[&str] = if namespace == "open" {
            &["open", "corp", "vault"]
        } else {
            &[namespace]
        };
        for skill_namespace in held {
            let uri = format!("/api/v1/profiles/{namespace}/team/-/skills");
            let body = serde_json::json!({ "skill": format!("{skill_namespace}/tool") });
            ok_json(s, Some(&owner), "post", &uri, body.to_string().into_bytes()).await;
        }
    }
    // Last, so every event of the matrix comes before it.
    let uri = "/api/v1/skills?namespace=open&version=1.0.0";
    ok_json(
        s,
        Some(&owner),
        "post",
        uri,
        archive_named("marker", "The end", &[]),
    )
    .await;
    Cast {
        tokens,
        packages,
        layers,
    }
}

/// The URIs of a skill operation: documented ones, and for the OCI manifests also the tag
/// list and the layer blob beside them.
fn skill_uris(cast: &Cast, path: &str, namespace: &'static str, name: &str) -> Vec<String> {
    let package = if name == "tool" {
        cast.packages[namespace].as_str()
    } else {
        NO_PACKAGE
    };
    let filled = path
        .replace("{namespace}", namespace)
        .replace("{name}", name)
        .replace("{version}", "1.0.0")
        .replace("{reference}", "1.0.0");
    match path {
        "/api/v1/resolve" => vec![format!("/api/v1/resolve?name={namespace}/{name}")],
        "/packages/{id}" => vec![format!("/packages/{package}")],
        "/v2/{namespace}/{name}/manifests/{reference}" => vec![
            filled,
            format!("/v2/{namespace}/{name}/tags/list"),
            format!("/v2/{namespace}/{name}/blobs/{}", cast.layers[namespace]),
        ],
        _ => vec![filled],
    }
}

/// A hidden answer made comparable with the missing one: the skill's name and package id
/// written as the missing one's.
fn as_missing(cast: &Cast, namespace: &str, body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .replace(
            &format!("{namespace}/tool"),
            &format!("{namespace}/nothing"),
        )
        .replace(&cast.packages[namespace], NO_PACKAGE)
}

/// The headers an answer shows of what it found.
fn telling_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    [
        "content-type",
        "www-authenticate",
        "cache-control",
        "etag",
        "docker-content-digest",
    ]
    .into_iter()
    .filter_map(|name| {
        headers
            .get(name)
            .map(|v| (name.to_owned(), v.to_str().unwrap_or_default().to_owned()))
    })
    .collect()
}

/// What a list of `path` holds of each namespace: its skill `tool`, or its profile `team`.
fn listed_name(path: &str) -> &'static str {
    if path == "/api/v1/profiles" {
        "team"
    } else {
        "tool"
    }
}

/// The skill (or profile) ids of a list answer.
fn listed(path: &str, body: &Value) -> BTreeSet<String> {
    let (items, key) = match path {
        "/browse" => (&body["packages"], "namespace"),
        "/api/v1/profiles" => (&body["profiles"], "id"),
        _ => (&body["skills"], "id"),
    };
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| match path {
            "/browse" => format!(
                "{}/{}",
                item["namespace"].as_str().unwrap(),
                item["name"].as_str().unwrap()
            ),
            _ => item[key].as_str().unwrap().to_owned(),
        })
        .filter(|id| id.ends_with(&format!("/{}", listed_name(path))))
        .collect()
}

/// The skills (`…/tool`) whose log entries `token`'s reader gets the bytes of, from the
/// entries, or from each entry's inclusion proof.
async fn logged(s: &TestServer, token: Option<&str>, path: &str) -> BTreeSet<String> {
    let all = ok_json(s, token, "get", "/api/v1/log/entries", Vec::new()).await;
    let mut bodies = Vec::new();
    for entry in all["entries"].as_array().unwrap() {
        if path == "/api/v1/log/entries" {
            bodies.push(entry.clone());
        } else {
            let uri = format!("/api/v1/log/proof/inclusion?index={}", entry["index"]);
            bodies.push(ok_json(s, token, "get", &uri, Vec::new()).await);
        }
    }
    bodies
        .iter()
        .filter_map(|body| body["entry"].as_str())
        .map(|entry| {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(entry)
                .unwrap();
            skillreg_core::log::LogEntry::parse(&bytes)
                .unwrap()
                .id
                .to_string()
        })
        .filter(|id| id.ends_with("/tool"))
        .collect()
}

/// The skills (`…/tool`) and profiles (`…/team`) the event stream shows `token`'s reader,
/// read up to the marker.
async fn streamed(s: &TestServer, token: Option<&str>) -> BTreeSet<String> {
    let mut request = Request::get("/api/v1/events");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = request.body(Body::empty()).unwrap();
    let text = events_until(&s.app, request, |text| {
        text.contains("\"skill\":\"open/marker\"")
    })
    .await;
    text.lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter_map(|data| serde_json::from_str::<Value>(data).ok())
        .filter_map(|event| {
            event["skill"]
                .as_str()
                .or(event["profile"].as_str())
                .map(str::to_owned)
        })
        .filter(|id| id.ends_with("/tool") || id.ends_with("/team"))
        .collect()
}

/// The matrix: every reader, every visibility, every operation.
pub(crate) async fn every_surface_decides_who_reads(s: TestServer) {
    let operations = operations();
    let cast = cast(&s).await;
    let body_for = |method: &str, path: &str| -> Vec<u8> {
        match (method, path.rsplit('/').next().unwrap_or_default()) {
            ("post", "ratings") => br#"{"stars": 4}"#.to_vec(),
            ("put", "deprecation") => br#"{"message": "old"}"#.to_vec(),
            ("post", "false-positives") => br#"{"fingerprint": "f", "note": "n"}"#.to_vec(),
            ("put", "override") => br#"{"verdict": "pass", "note": "n"}"#.to_vec(),
            ("put", "visibility") => br#"{"visibility": "public"}"#.to_vec(),
            ("put", "{user}") => br#"{"role": "member"}"#.to_vec(),
            ("post", "skills") => br#"{"skill": "open/tool"}"#.to_vec(),
            ("post", "move") => br#"{"namespace": "open"}"#.to_vec(),
            _ => Vec::new(),
        }
    };
    for who in EVERYONE {
        let token = cast.token(who);
        for (method, path, kind) in &operations {
            if who == Who::Revoked {
                // Refused, and soon refused faster: repeated failed sign-ins are limited.
                let uri = path.replace("{namespace}", "open");
                let (status, body, _) = ask(&s, token, method, &uri, Vec::new()).await;
                let text = String::from_utf8_lossy(&body);
                assert!(
                    status == StatusCode::UNAUTHORIZED
                        || (status == StatusCode::TOO_MANY_REQUESTS
                            && text.contains("failed sign-ins")),
                    "{who:?} {method} {path}: {status} {text}"
                );
                continue;
            }
            for (namespace, visibility) in NAMESPACES {
                let visible = may_read(who, visibility);
                let case = format!("{who:?} {method} {path} in a {visibility} namespace");
                match kind {
                    Surface::Skill => {
                        for (uri, missing) in skill_uris(&cast, path, namespace, "tool")
                            .into_iter()
                            .zip(skill_uris(&cast, path, namespace, "nothing"))
                        {
                            let (status, body, headers) =
                                ask(&s, token, method, &uri, Vec::new()).await;
                            if visible {
                                assert_eq!(status, StatusCode::OK, "{case}: {uri}");
                            } else {
                                let (m_status, m_body, m_headers) =
                                    ask(&s, token, method, &missing, Vec::new()).await;
                                assert_eq!(
                                    (
                                        status,
                                        as_missing(&cast, namespace, &body),
                                        telling_headers(&headers)
                                    ),
                                    (
                                        m_status,
                                        String::from_utf8_lossy(&m_body).into_owned(),
                                        telling_headers(&m_headers)
                                    ),
                                    "{case}: {uri} must answer as {missing}"
                                );
                            }
                        }
                    }
                    Surface::SkillWrite | Surface::NamespaceWrite if !visible => {
                        let (hidden, missing) = if *kind == Surface::SkillWrite {
                            let uri = |name| {
                                path.replace("{namespace}", namespace)
                                    .replace("{name}", name)
                                    .replace("{version}", "1.0.0")
                            };
                            (uri("tool"), uri("nothing"))
                        } else {
                            let uri =
                                |ns: &str| path.replace("{namespace}", ns).replace("{user}", "zed");
                            (uri(namespace), uri(&format!("{namespace}-nothing")))
                        };
                        let (status, body, _) =
                            ask(&s, token, method, &hidden, body_for(method, path)).await;
                        let (m_status, m_body, _) =
                            ask(&s, token, method, &missing, body_for(method, path)).await;
                        let normalized = String::from_utf8_lossy(&body)
                            .replace(
                                &format!("{namespace}/tool"),
                                &format!("{namespace}/nothing"),
                            )
                            .replace(&format!("`{namespace}`"), &format!("`{namespace}-nothing`"));
                        assert_eq!(
                            (status, normalized),
                            (m_status, String::from_utf8_lossy(&m_body).into_owned()),
                            "{case}: {hidden} must be refused as {missing}"
                        );
                    }
                    Surface::Namespace => {
                        let (status, body, _) = ask(
                            &s,
                            token,
                            method,
                            &format!("/api/v1/namespaces/{namespace}"),
                            Vec::new(),
                        )
                        .await;
                        if visible {
                            assert_eq!(status, StatusCode::OK, "{case}");
                        } else {
                            let (m_status, m_body, _) = ask(
                                &s,
                                token,
                                method,
                                &format!("/api/v1/namespaces/{namespace}-nothing"),
                                Vec::new(),
                            )
                            .await;
                            assert_eq!(
                                (
                                    status,
                                    String::from_utf8_lossy(&body).replace(
                                        &format!("`{namespace}`"),
                                        &format!("`{namespace}-nothing`")
                                    )
                                ),
                                (m_status, String::from_utf8_lossy(&m_body).into_owned()),
                                "{case}"
                            );
                        }
                    }
                    Surface::List => {
                        let seen = if path == "/api/v1/events" {
                            streamed(&s, token).await
                        } else if path.starts_with("/api/v1/log/") {
                            logged(&s, token, path).await
                        } else {
                            let uri = match path.as_str() {
                                "/api/v1/skills" => "/api/v1/skills?q=tool&limit=50",
                                "/api/v1/trending" => "/api/v1/trending?limit=50",
                                "/api/v1/profiles" => "/api/v1/profiles",
                                _ => "/browse?limit=50",
                            };
                            listed(path, &ok_json(&s, token, "get", uri, Vec::new()).await)
                        };
                        assert_eq!(
                            seen.contains(&format!("{namespace}/{}", listed_name(path))),
                            visible,
                            "{case}: {seen:?}"
                        );
                        if path == "/api/v1/events" {
                            assert_eq!(
                                seen.contains(&format!("{namespace}/team")),
                                visible,
                                "{case}: profile events: {seen:?}"
                            );
                        }
                    }
                    Surface::Profile => {
                        let uri = path
                            .replace("{namespace}", namespace)
                            .replace("{name}", "team");
                        let (status, body, _) = ask(&s, token, method, &uri, Vec::new()).await;
                        if visible {
                            assert_eq!(status, StatusCode::OK, "{case}");
                            let profile: Value = serde_json::from_slice(&body).unwrap();
                            let shown: BTreeSet<&str> = profile["skills"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .filter_map(|skill| skill["id"].as_str())
                                .collect();
                            let expected: BTreeSet<String> = NAMESPACES
                                .iter()
                                .filter(|(ns, v)| {
                                    (namespace == "open" || *ns == namespace) && may_read(who, v)
                                })
                                .map(|(ns, _)| format!("{ns}/tool"))
                                .collect();
                            let expected: BTreeSet<&str> =
                                expected.iter().map(String::as_str).collect();
                            assert_eq!(shown, expected, "{case}: the skills it shows");
                        } else {
                            let missing = uri.replace("/team", "/nothing");
                            let (m_status, m_body, _) =
                                ask(&s, token, method, &missing, Vec::new()).await;
                            assert_eq!(
                                (
                                    status,
                                    String::from_utf8_lossy(&body).replace(
                                        &format!("{namespace}/team"),
                                        &format!("{namespace}/nothing")
                                    )
                                ),
                                (m_status, String::from_utf8_lossy(&m_body).into_owned()),
                                "{case}: {uri} must answer as {missing}"
                            );
                        }
                    }
                    Surface::ProfileWrite if !visible => {
                        let uri = |name: &str| {
                            path.replace("{namespace}", namespace)
                                .replace("{name}", name)
                                .replace("{skill}", &format!("{namespace}/tool"))
                        };
                        let (hidden, missing) = (uri("team"), uri("nothing"));
                        let (status, body, _) =
                            ask(&s, token, method, &hidden, body_for(method, path)).await;
                        let (m_status, m_body, _) =
                            ask(&s, token, method, &missing, body_for(method, path)).await;
                        assert_eq!(
                            (
                                status,
                                String::from_utf8_lossy(&body).replace(
                                    &format!("{namespace}/team"),
                                    &format!("{namespace}/nothing")
                                )
                            ),
                            (m_status, String::from_utf8_lossy(&m_body).into_owned()),
                            "{case}: {hidden} must be refused as {missing}"
                        );
                    }
                    Surface::SkillWrite
                    | Surface::NamespaceWrite
                    | Surface::ProfileWrite
                    | Surface::Unscoped => {}
                }
            }
        }
    }
}

/// A registry served with `--private`: nothing but health answers anonymous requests, and
/// any live token reads public skills.
pub(crate) async fn a_private_registry_answers_nobody_anonymous(backend: Backend) {
    let s = server_with(
        backend,
        Arc::new(skillreg_adapters::SystemClock),
        Arc::new(skillreg_adapters::RandomIds),
        RegistryConfig {
            sign_in_required: true,
            ..RegistryConfig::default()
        },
    )
    .await;
    let cast = cast(&s).await;
    for (method, path, _) in operations() {
        let uri = path
            .replace("{namespace}", "open")
            .replace("{name}", "tool");
        let (status, body, headers) = ask(&s, None, &method, &uri, Vec::new()).await;
        if ["/healthz", "/readyz"].contains(&path.as_str()) {
            assert_eq!(status, StatusCode::OK, "{method} {path}");
            continue;
        }
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {}",
            String::from_utf8_lossy(&body)
        );
        if path.starts_with("/v2") {
            assert!(headers.contains_key("www-authenticate"), "{method} {path}");
        }
    }
    let reader = cast.token(Who::NonMember);
    ok_json(&s, reader, "get", "/api/v1/skills/open/tool", Vec::new()).await;
    let (status, _, _) = ask(&s, reader, "get", "/api/v1/skills/vault/tool", Vec::new()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// What an outsider (anonymous, or signed in but not a member) sees of a registry holding
/// a private `secret/pdf-tools` beside a public `acme/pdf-tools` is byte for byte what they
/// see of the same registry without it: searches, counts, cursors, lists, errors, headers.
pub(crate) async fn a_private_skill_leaves_no_trace_for_outsiders(backend: Backend) {
    let build = || async {
        server_with(
            backend,
            Arc::new(skillreg_testkit::fakes::ManualClock::at(1_767_225_600_000)),
            Arc::new(skillreg_testkit::fakes::SequentialIds::default()),
            RegistryConfig::default(),
        )
        .await
    };
    let (with, without) = (build().await, build().await);
    let mut outsiders = BTreeMap::new();
    for (index, s) in [&with, &without].into_iter().enumerate() {
        let owner = token(
            s,
            21,
            "olive",
            &[
                TokenScope::PublishNew,
                TokenScope::PublishUpdate,
                TokenScope::NamespaceAdmin,
            ],
            "*",
        )
        .await;
        let outsider = token(s, 22, "nora", &[TokenScope::Read], "*").await;
        for (namespace, name, description) in [
            ("acme", "pdf-tools", "Reads PDF files"),
            ("acme", "mail", "Sends mail"),
            ("other", "pdf-notes", "Notes on PDF files"),
        ] {
            let uri = format!("/api/v1/skills?namespace={namespace}&version=1.0.0");
            ok_json(
                s,
                Some(&owner),
                "post",
                &uri,
                archive_named(name, description, &[]),
            )
            .await;
            ok_json(
                s,
                None,
                "get",
                &format!("/api/v1/skills/{namespace}/{name}/-/download"),
                Vec::new(),
            )
            .await;
        }
        if index == 0 {
            let body = serde_json::json!({"namespace": "secret", "visibility": "private"});
            ok_json(
                s,
                Some(&owner),
                "post",
                "/api/v1/namespaces",
                body.to_string().into_bytes(),
            )
            .await;
            let uri = "/api/v1/skills?namespace=secret&version=1.0.0";
            ok_json(
                s,
                Some(&owner),
                "post",
                uri,
                archive_named("pdf-tools", "Reads PDF files", &[]),
            )
            .await;
            ok_json(
                s,
                Some(&owner),
                "get",
                "/api/v1/skills/secret/pdf-tools/-/download",
                Vec::new(),
            )
            .await;
        }
        outsiders.insert(index, outsider);
    }
    let package = ok_json(&with, None, "get", "/skill/acme/pdf-tools", Vec::new()).await["id"]
        .as_str()
        .unwrap()
        .replace("pkg_skl_", "");
    let hidden_package = {
        let owner = token(&with, 23, "root", &[TokenScope::Admin], "*").await;
        ok_json(
            &with,
            Some(&owner),
            "get",
            "/skill/secret/pdf-tools",
            Vec::new(),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_ne!(package, hidden_package);
    let uris = [
        "/api/v1/skills?q=pdf".to_owned(),
        "/api/v1/skills?q=pdf-tools".to_owned(),
        "/api/v1/skills?q=pdf&limit=1".to_owned(),
        "/api/v1/skills?q=reads%20pdf&sort=downloads".to_owned(),
        "/api/v1/skills?sort=newest&limit=2".to_owned(),
        "/api/v1/skills?sort=trending".to_owned(),
        "/api/v1/skills?namespace=secret".to_owned(),
        "/api/v1/skills?q=tools&namespace=secret".to_owned(),
        "/api/v1/trending".to_owned(),
        "/browse".to_owned(),
        "/browse?namespace=secret".to_owned(),
        "/api/v1/skills/secret/pdf-tools".to_owned(),
        "/api/v1/skills/secret/pdf-tools/-/versions".to_owned(),
        "/api/v1/skills/secret/pdf-tools/-/download".to_owned(),
        "/api/v1/resolve?name=secret/pdf-tools".to_owned(),
        "/skill/secret/pdf-tools".to_owned(),
        format!("/packages/{hidden_package}"),
        "/v2/secret/pdf-tools/manifests/1.0.0".to_owned(),
        "/v2/secret/pdf-tools/tags/list".to_owned(),
        "/api/v1/namespaces/secret".to_owned(),
    ];
    for reader in [None, Some(0)] {
        for uri in &uris {
            let token = |index: usize| reader.map(|_| outsiders[&index].clone());
            let seen_with = ask(&with, token(0).as_deref(), "get", uri, Vec::new()).await;
            let seen_without = ask(&without, token(1).as_deref(), "get", uri, Vec::new()).await;
            let who = if reader.is_some() {
                "a signed-in outsider"
            } else {
                "anonymous"
            };
            assert_eq!(seen_with.0, seen_without.0, "{who}: {uri}");
            assert_eq!(
                String::from_utf8_lossy(&seen_with.1),
                String::from_utf8_lossy(&seen_without.1),
                "{who}: {uri}"
            );
            assert_eq!(
                telling_headers(&seen_with.2),
                telling_headers(&seen_without.2),
                "{who}: {uri}"
            );
        }
    }
}

/// Tokens on the other ways in: Basic credentials carry a token as their password (what
/// OCI clients send), credentials that do not decode are refused rather than read as
/// anonymous, and an event stream ends once its token is revoked.
pub(crate) async fn tokens_hold_on_every_way_in(s: TestServer) {
    use base64::Engine as _;
    let cast = cast(&s).await;
    let member = cast.token(Who::MemberReader).unwrap();
    let basic = |credentials: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    };
    let with = |authorization: String| {
        Request::get("/v2/vault/tool/tags/list")
            .header("authorization", authorization)
            .body(Body::empty())
            .unwrap()
    };
    let (status, body, _) = call(&s.app, with(basic(&format!("anyone:{member}")))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    for refused in [
        basic("anyone:skr_not_a_token"),
        "Basic %%%".to_owned(),
        basic("no colon"),
    ] {
        let (status, _, _) = call(&s.app, with(refused.clone())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
    }
    // An empty password is no credential: what a client without one sends after the
    // challenge reads public skills, and is challenged for the rest.
    let empty = |uri: &str| {
        Request::get(uri)
            .header("authorization", basic("anyone:"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        call(&s.app, empty("/v2/open/tool/tags/list")).await.0,
        StatusCode::OK
    );
    let (status, _, headers) = call(&s.app, empty("/v2/vault/tool/tags/list")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.contains_key("www-authenticate"));
    // The version check asks anonymous callers for credentials once a namespace is not
    // public: that is how OCI clients learn to send them.
    let anonymous = Request::get("/v2/").body(Body::empty()).unwrap();
    let (status, _, headers) = call(&s.app, anonymous).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.contains_key("www-authenticate"));
    let signed_in = Request::get("/v2/")
        .header("authorization", basic(&format!("anyone:{member}")))
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&s.app, signed_in).await.0, StatusCode::OK);

    let watcher = issue_token(
        s.store.as_ref(),
        [31; 32],
        "mia",
        "watch",
        vec![TokenScope::Read],
        vec![NamespacePattern::Any],
        Timestamp::from_unix_millis(0),
    )
    .await;
    let request = Request::get("/api/v1/events")
        .header("authorization", format!("Bearer {}", watcher.secret))
        .body(Body::empty())
        .unwrap();
    let response = s.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    revoke(&s, &watcher).await;
    let mut body = response.into_body();
    // A guard against a hang, not a timing assertion: the stream checks its token before
    // every read of the outbox.
    let ended = async {
        while let Some(frame) = body.frame().await {
            frame.unwrap();
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), ended)
        .await
        .expect("the stream of a revoked token ends");
}
