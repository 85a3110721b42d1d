//! The ClawHub protocol through the router: what its refusals say (plain text, as the CLI
//! prints it) and leave behind (nothing), what stays hidden, and the 501 of a route it does
//! not serve. (The real client: `crates/cli/tests/clawhub.rs`.)

use super::*;

async fn plain(
    s: &TestServer,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, String) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let (status, body, _) = call(&s.app, request.body(Body::from(body)).unwrap()).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn stored(s: &TestServer) -> usize {
    s.blobs.list().await.unwrap().len()
}

pub(crate) async fn clawhub_refusals_say_why_and_leave_nothing(s: TestServer) {
    let before = stored(&s).await;
    let skill_md = b"---\nname: notes\ndescription: Takes notes.\n---\n# Notes\n".to_vec();
    let sha = skillreg_core::digest::Digest::of(&skill_md).hex();
    let ask = serde_json::json!({"path": "SKILL.md", "size": skill_md.len(), "sha256": sha});

    // No token, a refused token, a token without a publish scope.
    let url = "/clawhub/api/v1/skills/-/upload-url";
    let (status, text) = plain(&s, "POST", url, None, json_bytes(ask.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    let (status, text) = plain(&s, "POST", url, Some("skr_nope"), json_bytes(ask.clone())).await;
    assert_eq!(
        (status, text.trim()),
        (StatusCode::UNAUTHORIZED, "Unauthorized")
    );
    let upload = format!(
        "/clawhub/api/v1/uploads?sha256={sha}&size={}",
        skill_md.len()
    );
    let (status, text) = plain(&s, "POST", &upload, Some(&s.reader_token), skill_md.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");

    // Bytes other than announced.
    let (status, text) = plain(&s, "POST", &upload, Some(&s.token), b"other".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("announced"), "{text}");
    assert_eq!(stored(&s).await, before, "a refused upload keeps nothing");

    // A publish of files never uploaded, and one whose slug is not the SKILL.md's name.
    let publish = |slug: &str, storage: &str| {
        json_bytes(serde_json::json!({
            "slug": slug, "displayName": "Notes", "ownerHandle": "acme", "version": "1.0.0",
            "changelog": "", "acceptLicenseTerms": true, "tags": ["latest"],
            "files": [{"path": "SKILL.md", "size": skill_md.len(), "storageId": storage,
                       "sha256": sha, "contentType": "text/markdown", "uploadTicket": "t"}],
        }))
    };
    let skills = "/clawhub/api/v1/skills";
    let (status, text) = plain(
        &s,
        "POST",
        skills,
        Some(&s.token),
        publish("notes", &format!("sha256:{sha}")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("was not uploaded"), "{text}");
    let (status, text) = plain(&s, "POST", &upload, Some(&s.token), skill_md.clone()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (status, text) = plain(
        &s,
        "POST",
        skills,
        Some(&s.token),
        publish("other-name", &format!("sha256:{sha}")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("--slug notes"), "{text}");
    for slug in ["notes", "other-name"] {
        let (status, text) = plain(&s, "GET", &format!("{skills}/{slug}"), None, vec![]).await;
        assert_eq!(
            (status, text.trim()),
            (StatusCode::NOT_FOUND, "Skill not found"),
            "no skill was made"
        );
    }
    let (status, text) = plain(
        &s,
        "POST",
        skills,
        Some(&s.token),
        publish("notes", &format!("sha256:{sha}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (status, text) = plain(
        &s,
        "GET",
        "/clawhub/api/v1/skills/notes?ownerHandle=acme",
        None,
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");

    // A route of ClawHub's this registry does not serve: 501 in the envelope.
    let (status, text) = plain(&s, "GET", "/clawhub/api/v1/stars", None, vec![]).await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["type"], "NotImplementedError");

    // Where the CLI finds the API.
    let (status, text) = plain(&s, "GET", "/.well-known/clawhub.json", None, vec![]).await;
    assert_eq!(status, StatusCode::OK);
    let known: Value = serde_json::from_str(&text).unwrap();
    assert!(
        known["apiBase"].as_str().unwrap().ends_with("/clawhub"),
        "{known}"
    );
}

pub(crate) async fn clawhub_shows_only_what_the_reader_may_see(s: TestServer) {
    let body = json_bytes(serde_json::json!({ "namespace": "vault", "visibility": "private" }));
    let (status, _) = send(&s.app, "POST", "/api/v1/namespaces", &s.token, body).await;
    assert_eq!(status, StatusCode::CREATED);
    let hostile = "Says \"quoted\" with a \\ and \u{202e}reversed";
    for (namespace, name, description) in [
        ("vault", "secret", "Hidden"),
        ("acme/tools", "lint", hostile),
    ] {
        let uri = format!("/api/v1/skills?namespace={namespace}&version=1.0.0");
        let archive = archive_named(name, description, &[]);
        let (status, body) = publish(&s.app, Some(&s.token), &uri, archive).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    for uri in [
        "/clawhub/api/v1/skills/secret",
        "/clawhub/api/v1/skills/secret?ownerHandle=vault",
        "/clawhub/api/v1/resolve?slug=secret&ownerHandle=vault",
        "/clawhub/api/v1/download?slug=secret&ownerHandle=vault&version=1.0.0",
    ] {
        let (status, text) = plain(&s, "GET", uri, None, vec![]).await;
        assert_eq!(
            (status, text.trim()),
            (StatusCode::NOT_FOUND, "Skill not found"),
            "{uri}"
        );
    }
    let (_, found) = get(&s.app, "/clawhub/api/v1/search?q=secret").await;
    assert_eq!(found["results"], serde_json::json!([]), "{found}");

    // A namespace of two segments travels as one handle; hostile text stays a JSON string.
    let (status, skill) = get(&s.app, "/clawhub/api/v1/skills/lint").await;
    assert_eq!(status, StatusCode::OK, "{skill}");
    assert_eq!(skill["owner"]["handle"], "acme~tools");
    let summary = skill["skill"]["summary"].as_str().unwrap();
    assert_eq!(
        summary, "Says \"quoted\" with a \\ and reversed",
        "no bidi control"
    );
    let (status, _) = get(&s.app, "/clawhub/api/v1/skills/lint?ownerHandle=acme~tools").await;
    assert_eq!(status, StatusCode::OK);
    let (status, zip, headers) = call(
        &s.app,
        Request::get("/clawhub/api/v1/download?slug=lint&ownerHandle=acme~tools&version=1.0.0")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/zip");
    let archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    assert!(
        archive
            .file_names()
            .any(|name| name.is_ok_and(|name| name == "SKILL.md")),
        "the files sit at the zip's root"
    );
}
