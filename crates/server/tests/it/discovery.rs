//! Agent-skills discovery through the router: the v0.2.0 and v0.1.0 indexes, their scopes,
//! digests that match the bytes served, what is left out, revalidation, and the search
//! shape `npx skills find` reads. (The real client: `crates/cli/tests/discovery.rs`.)

use super::*;

async fn raw(
    s: &TestServer,
    method: &str,
    uri: &str,
    etag: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(etag) = etag {
        request = request.header("if-none-match", etag);
    }
    let (status, body, headers) = call(&s.app, request.body(Body::empty()).unwrap()).await;
    (status, headers, body)
}

async fn index(s: &TestServer, uri: &str) -> Value {
    let (status, headers, body) = raw(s, "GET", uri, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{uri}: {}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(headers["content-type"], "application/json");
    serde_json::from_slice(&body).unwrap()
}

fn names(index: &Value) -> Vec<String> {
    index["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn put(s: &TestServer, namespace: &str, name: &str, description: &str) {
    let uri = format!("/api/v1/skills?namespace={namespace}&version=1.0.0");
    let archive = archive_named(name, description, &[("notes/a.txt", "a")]);
    let (status, body) = publish(&s.app, Some(&s.token), &uri, archive).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

pub(crate) async fn discovery_indexes_list_what_installs(s: TestServer) {
    put(&s, "acme", "pdf", "PDF forms").await;
    put(&s, "acme", "mail", "Mail merge").await;
    put(&s, "other", "pdf", "Another PDF skill").await;
    put(&s, "acme/tools", "lint", "Lints").await;
    put(&s, "acme", "old", "Old one").await;
    let (status, _) = send(
        &s.app,
        "PUT",
        "/api/v1/skills/acme/old/-/deprecation",
        &s.token,
        json_bytes(serde_json::json!({ "message": "use mail" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The root: one entry per name; `pdf` is in two namespaces, so in neither's place here.
    let (status, headers, body) =
        raw(&s, "GET", "/.well-known/agent-skills/index.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["skillreg-ambiguous-names"], "pdf");
    assert_eq!(headers["cache-control"], "no-cache");
    let root: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        root["$schema"],
        "https://schemas.agentskills.io/discovery/0.2.0/schema.json"
    );
    assert_eq!(
        names(&root),
        ["lint", "mail"],
        "deprecated `old` and ambiguous `pdf` left out"
    );

    // Every entry's digest is the sha256 of exactly the bytes at its url.
    for entry in root["skills"].as_array().unwrap() {
        assert_eq!(entry["type"], "archive");
        let (status, headers, bytes) = raw(&s, "GET", entry["url"].as_str().unwrap(), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/gzip");
        assert_eq!(
            Digest::of(&bytes).to_string(),
            entry["digest"].as_str().unwrap()
        );
    }

    // A namespace's index lists that namespace only; one skill's, that skill.
    assert_eq!(
        names(&index(&s, "/acme/.well-known/agent-skills/index.json").await),
        ["mail", "pdf"]
    );
    assert_eq!(
        names(&index(&s, "/other/.well-known/agent-skills/index.json").await),
        ["pdf"]
    );
    assert_eq!(
        names(&index(&s, "/acme/tools/.well-known/agent-skills/index.json").await),
        ["lint"]
    );
    let one = index(&s, "/other@pdf/.well-known/agent-skills/index.json").await;
    assert_eq!(one["skills"][0]["description"], "Another PDF skill");
    assert!(names(&index(&s, "/nobody/.well-known/agent-skills/index.json").await).is_empty());

    // The legacy index names the files; each is served as it is in the archive.
    let legacy = index(&s, "/acme/.well-known/skills/index.json").await;
    assert!(legacy.get("$schema").is_none());
    assert_eq!(
        legacy["skills"][0]["files"],
        serde_json::json!(["SKILL.md", "notes/a.txt"])
    );
    let (status, headers, bytes) =
        raw(&s, "GET", "/acme/.well-known/skills/mail/notes/a.txt", None).await;
    assert_eq!(
        (status, bytes.as_slice()),
        (StatusCode::OK, b"a".as_slice())
    );
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let (_, headers, bytes) = raw(&s, "GET", "/acme/.well-known/skills/mail/SKILL.md", None).await;
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    assert!(String::from_utf8_lossy(&bytes).contains("name: mail"));
    let (status, _, _) = raw(&s, "GET", "/acme/.well-known/skills/mail/nothing.txt", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // HEAD, and revalidation: the same index again is a 304.
    let (status, headers, body) = raw(
        &s,
        "HEAD",
        "/acme/.well-known/agent-skills/index.json",
        None,
    )
    .await;
    assert_eq!((status, body.len()), (StatusCode::OK, 0));
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, _, _) = raw(
        &s,
        "GET",
        "/acme/.well-known/agent-skills/index.json",
        Some(&etag),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
}

pub(crate) async fn discovery_keeps_hidden_and_hostile_text_out(s: TestServer) {
    let body = json_bytes(serde_json::json!({ "namespace": "vault", "visibility": "private" }));
    let (status, _) = send(&s.app, "POST", "/api/v1/namespaces", &s.token, body).await;
    assert_eq!(status, StatusCode::CREATED);
    put(&s, "vault", "secret", "Hidden").await;
    put(&s, "acme", "quote", "Says \"hi\" with a \\ backslash").await;
    put(&s, "acme", "bidi", "Reads \u{202e}backwards").await;
    let root = index(&s, "/.well-known/agent-skills/index.json").await;
    assert_eq!(
        names(&root),
        ["quote"],
        "a private namespace's skill is not listed, nor one the audit marks `warn` (bidi controls)"
    );
    let description = root["skills"][0]["description"].as_str().unwrap();
    assert_eq!(
        description, "Says \"hi\" with a \\ backslash",
        "escaped JSON, read back whole"
    );
    assert!(names(&index(&s, "/vault/.well-known/agent-skills/index.json").await).is_empty());

    // The search `npx skills find` reads.
    let (status, found) = get(&s.app, "/api/search?q=quote&limit=5").await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["skills"][0]["id"], "acme/quote");
    assert_eq!(found["skills"][0]["name"], "quote");
    assert!(
        found["skills"][0]["source"]
            .as_str()
            .unwrap()
            .ends_with("/acme"),
        "{found}"
    );
    let (_, found) = get(&s.app, "/api/search?q=secret").await;
    assert_eq!(found["skills"], serde_json::json!([]));
}

/// Behind a proxy, the registry's public URL is what clients are told, not the Host the
/// proxy sent.
pub(crate) async fn the_public_url_is_what_clients_are_told(s: TestServer) {
    put(&s, "acme", "pdf", "PDF forms").await;
    let app = router(
        s.state
            .clone()
            .with_public_url("https://skills.example.com/"),
    );
    let request = Request::get("/api/search?q=pdf")
        .header("host", "10.0.0.7:7878")
        .body(Body::empty())
        .unwrap();
    let (status, body, _) = call(&app, request).await;
    assert_eq!(status, StatusCode::OK);
    let found: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        found["skills"][0]["source"],
        "https://skills.example.com/acme"
    );
    let (_, home, _) = call(&app, Request::get("/").body(Body::empty()).unwrap()).await;
    let home = String::from_utf8_lossy(&home);
    assert!(
        home.contains("skillreg registry add https://skills.example.com"),
        "{home}"
    );
    // The Package Registry Standard documents and the marketplace name the same address.
    let behind_proxy = |uri: &str| {
        Request::get(uri)
            .header("host", "10.0.0.7:7878")
            .body(Body::empty())
            .unwrap()
    };
    let json = |bytes: &[u8]| -> Value { serde_json::from_slice(bytes).unwrap() };
    let (_, meta, _) = call(&app, behind_proxy("/.well-known/cleverthis-packages")).await;
    assert_eq!(
        json(&meta)["endpoints"]["native_api"],
        "https://skills.example.com/api/v1"
    );
    let (_, package, _) = call(&app, behind_proxy("/skill/acme/pdf")).await;
    let package = json(&package);
    let url = package["download_url"].as_str().unwrap();
    assert!(
        url.starts_with("https://skills.example.com/api/v1/skills/acme/pdf/-/download?"),
        "{url}"
    );
    let (_, browse, _) = call(&app, behind_proxy("/browse")).await;
    assert_eq!(json(&browse)["packages"][0]["download_url"], url);
    let (_, market, _) = call(&app, behind_proxy("/claude/acme/marketplace.json")).await;
    let zip = json(&market)["plugins"][0]["source"]["url"].clone();
    assert!(
        zip.as_str()
            .unwrap()
            .starts_with("https://skills.example.com/claude/plugins/acme/pdf/"),
        "{zip}"
    );
    // The path of the absolute URL is the archive's.
    let path = url.strip_prefix("https://skills.example.com").unwrap();
    let (status, archive, _) = call(&app, behind_proxy(path)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(Digest::of(&archive).to_string(), package["archive_digest"]);
}

/// The Claude Code marketplaces: the registry's and a namespace's, each plugin's zip at its
/// url with the sha256 the marketplace gives, the same bytes every time; a private
/// namespace's plugins are as hidden as its skills.
pub(crate) async fn marketplaces_offer_each_skill_as_a_plugin(s: TestServer) {
    put(&s, "acme", "pdf", "PDF forms").await;
    put(&s, "acme", "mail", "Mail merge").await;
    put(&s, "other", "pdf", "Another PDF skill").await;
    let body = json_bytes(serde_json::json!({ "namespace": "vault", "visibility": "private" }));
    let (status, _) = send(&s.app, "POST", "/api/v1/namespaces", &s.token, body).await;
    assert_eq!(status, StatusCode::CREATED);
    put(&s, "vault", "secret", "Hidden").await;

    let (status, root) = get(&s.app, "/claude/marketplace.json").await;
    assert_eq!(status, StatusCode::OK, "{root}");
    assert_eq!(root["name"], "skillreg");
    assert_eq!(root["owner"]["name"], "skillreg");
    let plugin_names = |market: &Value| -> Vec<String> {
        market["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        plugin_names(&root),
        ["mail"],
        "ambiguous `pdf`, hidden `secret` left out"
    );
    let (status, acme) = get(&s.app, "/claude/acme/marketplace.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(acme["name"], "skillreg-acme");
    assert_eq!(plugin_names(&acme), ["mail", "pdf"]);

    let pdf = &acme["plugins"][1];
    assert_eq!(pdf["source"]["source"], "archive");
    assert_eq!(pdf["version"], "1.0.0");
    let url = pdf["source"]["url"].as_str().unwrap();
    let path = &url[url.find("/claude/plugins/").unwrap()..];
    assert_eq!(path, "/claude/plugins/acme/pdf/1.0.0.zip");
    let fetch = |path: String| {
        let app = s.app.clone();
        async move { call(&app, Request::get(path).body(Body::empty()).unwrap()).await }
    };
    let (status, zip, headers) = fetch(path.to_owned()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/zip");
    assert_eq!(
        Digest::of(&zip).hex(),
        pdf["source"]["sha256"].as_str().unwrap()
    );
    let (_, again, _) = fetch(path.to_owned()).await;
    assert_eq!(zip, again, "the same bytes every time");
    let entry: &[u8] = b"pdf/.claude-plugin/plugin.json";
    assert!(
        zip.windows(entry.len()).any(|w| w == entry),
        "the plugin's manifest"
    );

    let (status, hidden) = get(&s.app, "/claude/vault/marketplace.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hidden["plugins"], serde_json::json!([]));
    let (status, _, _) = fetch("/claude/plugins/vault/secret/1.0.0.zip".to_owned()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = fetch("/claude/plugins/acme/pdf/9.9.9.zip".to_owned()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = fetch("/claude/nothing.json".to_owned()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The registry's index for anonymous readers is kept and served gzip-compressed to clients
/// that take it; a publish reaches it within a quarter of a second.
pub(crate) async fn the_root_index_is_kept_compressed_and_fresh(s: TestServer) {
    put(&s, "acme", "pdf", "PDF forms").await;
    let gzip_get = |etag: Option<String>| {
        let app = s.app.clone();
        async move {
            let mut request = Request::get("/.well-known/agent-skills/index.json")
                .header("accept-encoding", "br, gzip");
            if let Some(etag) = etag {
                request = request.header("if-none-match", etag);
            }
            call(&app, request.body(Body::empty()).unwrap()).await
        }
    };
    let (status, body, headers) = gzip_get(None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-encoding"], "gzip");
    assert_eq!(headers["vary"], "accept-encoding");
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut plain).unwrap();
    let kept: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(names(&kept), ["pdf"]);
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(etag.ends_with("-gz\""), "{etag}");
    let (status, _, _) = gzip_get(Some(etag)).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
}

/// The kept indexes hold to their staleness bounds, on the registry's clock (moved by
/// hand, so no test waits): an event's change (a publish) shows once
/// [`skillreg_server::kept::CHECK_EVERY`] has passed, any other (a namespace closed) once
/// [`skillreg_server::kept::REBUILD_EVERY`] has.
pub(crate) async fn kept_indexes_hold_to_their_staleness_bounds(backend: Backend) {
    use skillreg_server::kept::{CHECK_EVERY, REBUILD_EVERY};
    let clock = Arc::new(skillreg_testkit::fakes::ManualClock::default());
    let s = server_with(
        backend,
        Arc::clone(&clock) as Arc<dyn skillreg_core::ports::Clock>,
        Arc::new(RandomIds),
        RegistryConfig::default(),
    )
    .await;
    let advance = |by: std::time::Duration| {
        clock.advance_millis(i64::try_from(by.as_millis()).unwrap());
    };
    let root = "/.well-known/agent-skills/index.json";
    put(&s, "acme", "pdf", "PDF forms").await;
    assert_eq!(names(&index(&s, root).await), ["pdf"]);
    put(&s, "acme", "mail", "Mail merge").await;
    assert_eq!(
        names(&index(&s, root).await),
        ["pdf"],
        "kept as built while the clock stands"
    );
    advance(CHECK_EVERY);
    assert_eq!(
        names(&index(&s, root).await),
        ["mail", "pdf"],
        "the publish (an event) shows once CHECK_EVERY has passed"
    );

    let (status, body) = send(
        &s.app,
        "PUT",
        "/api/v1/namespaces/acme/-/visibility",
        &s.token,
        json_bytes(serde_json::json!({ "visibility": "private" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    advance(CHECK_EVERY);
    assert_eq!(
        names(&index(&s, root).await),
        ["mail", "pdf"],
        "a change without an event waits for the rebuild"
    );
    advance(REBUILD_EVERY);
    assert!(
        names(&index(&s, root).await).is_empty(),
        "the closed namespace's skills leave the index once REBUILD_EVERY has passed"
    );
}
