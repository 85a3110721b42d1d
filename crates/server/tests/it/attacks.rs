//! The adversarial review's findings, each replayed against the router over a real store:
//! the attack as it was made, and what must happen instead. (The connection-level attacks
//! run against a listening server, in `connections.rs`.)

use super::*;

/// A token for `user` with exactly these scopes and patterns, made straight in the store.
pub(crate) async fn token_of(
    s: &TestServer,
    seed: u8,
    user: &str,
    scopes: &[TokenScope],
    patterns: &[&str],
) -> String {
    issue_token(
        s.store.as_ref(),
        [seed; 32],
        user,
        &format!("{user}-{seed}"),
        scopes.to_vec(),
        patterns.iter().map(|p| p.parse().unwrap()).collect(),
        Timestamp::from_unix_millis(0),
    )
    .await
    .secret
}

fn member_body(role: &str) -> Vec<u8> {
    json_bytes(serde_json::json!({ "role": role }))
}

async fn members(s: &TestServer, namespace: &str) -> Value {
    let (status, body) = get(&s.app, &format!("/api/v1/namespaces/{namespace}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["members"].clone()
}

/// Finding 1: a token with no scopes, or the README's `ci` token (publish scopes, `acme/*`),
/// handed a namespace its user owns outside `acme/*` to a stranger.
pub(crate) async fn membership_changes_need_the_scope_and_the_namespace(s: TestServer) {
    let (status, body) = send(
        &s.app,
        "POST",
        "/api/v1/namespaces",
        &s.token,
        json_bytes(serde_json::json!({ "namespace": "private" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let before = members(&s, "private").await;
    let no_scopes = token_of(&s, 11, "alice", &[], &["acme/*"]).await;
    let ci = token_of(
        &s,
        12,
        "alice",
        &[TokenScope::PublishNew, TokenScope::PublishUpdate],
        &["acme/*"],
    )
    .await;
    let admin_of_acme = token_of(&s, 13, "alice", &[TokenScope::NamespaceAdmin], &["acme/*"]).await;
    for token in [&no_scopes, &ci, &admin_of_acme] {
        let (status, body) = send(
            &s.app,
            "PUT",
            "/api/v1/namespaces/private/-/members/mallory",
            token,
            member_body("owner"),
        )
        .await;
        assert_eq!(
            (status, error_type(&body)),
            (StatusCode::FORBIDDEN, "AccessDeniedError"),
            "{body}"
        );
        let (status, body) = send(
            &s.app,
            "DELETE",
            "/api/v1/namespaces/private/-/members/alice",
            token,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    assert_eq!(members(&s, "private").await, before, "nothing changed");
    // With the scope and a covering pattern, the owner may.
    let (status, body) = send(
        &s.app,
        "PUT",
        "/api/v1/namespaces/private/-/members/bob",
        &s.token,
        member_body("member"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let audit = s.store.audit_log(10).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "member.member" && a.target == "private:bob"),
        "membership changes are audited: {audit:?}"
    );
}

/// Finding 4: any token listed and revoked every token of its user, admin tokens included.
pub(crate) async fn tokens_see_and_revoke_only_what_they_could_grant(s: TestServer) {
    let admin = token_of(&s, 21, "alice", &[TokenScope::Admin], &["*"]).await;
    let ci = token_of(
        &s,
        22,
        "alice",
        &[
            TokenScope::PublishNew,
            TokenScope::PublishUpdate,
            TokenScope::Tokens,
        ],
        &["acme/*"],
    )
    .await;
    let zero = token_of(&s, 23, "alice", &[], &["acme/*"]).await;
    let (status, listed) = send(&s.app, "GET", "/api/v1/tokens", &admin, vec![]).await;
    assert_eq!(status, StatusCode::OK);
    let admin_id = listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["scopes"][0] == "admin")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = send(&s.app, "GET", "/api/v1/tokens", &zero, vec![]).await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::FORBIDDEN, "AccessDeniedError"),
        "listing needs the `tokens` scope"
    );
    let (status, listed) = send(&s.app, "GET", "/api/v1/tokens", &ci, vec![]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !listed.to_string().contains(&admin_id),
        "a token never sees one with more rights: {listed}"
    );
    for token in [&ci, &zero] {
        let (status, _) = send(
            &s.app,
            "DELETE",
            &format!("/api/v1/tokens/{admin_id}"),
            token,
            vec![],
        )
        .await;
        assert!(status.is_client_error());
    }
    let (status, _) = send(&s.app, "GET", "/api/v1/tokens", &admin, vec![]).await;
    assert_eq!(status, StatusCode::OK, "the admin token still works");

    // An admin revokes any user's token.
    let bobs = token_of(&s, 24, "bob", &[TokenScope::Rate], &["*"]).await;
    let bobs_id = s.store.tokens_of(&"bob".parse().unwrap()).await.unwrap()[0]
        .id
        .to_string();
    let (status, body) = send(
        &s.app,
        "DELETE",
        &format!("/api/v1/tokens/{bobs_id}"),
        &admin,
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = send(&s.app, "GET", "/api/v1/skills", &bobs, vec![]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked at once");
    let actions: Vec<String> = s
        .store
        .audit_log(50)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(actions.contains(&"token.revoke".to_owned()), "{actions:?}");
    assert!(actions.contains(&"token.create".to_owned()), "{actions:?}");
}

/// Finding 5, through the API: two owners removing each other at once, in 16 namespaces;
/// every namespace keeps an owner.
pub(crate) async fn owners_removing_each_other_leave_an_owner(s: TestServer) {
    let bob = token_of(
        &s,
        31,
        "bob",
        &[TokenScope::PublishNew, TokenScope::NamespaceAdmin],
        &["*"],
    )
    .await;
    for i in 0..16 {
        let ns = format!("pair-{i}");
        let (status, _) = send(
            &s.app,
            "POST",
            "/api/v1/namespaces",
            &s.token,
            json_bytes(serde_json::json!({ "namespace": ns })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = send(
            &s.app,
            "PUT",
            &format!("/api/v1/namespaces/{ns}/-/members/bob"),
            &s.token,
            member_body("owner"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let mut tasks = Vec::new();
    for i in 0..16 {
        for (token, victim) in [(s.token.clone(), "bob"), (bob.clone(), "alice")] {
            let app = s.app.clone();
            let uri = format!("/api/v1/namespaces/pair-{i}/-/members/{victim}");
            tasks.push(tokio::spawn(async move {
                send(&app, "DELETE", &uri, &token, vec![]).await.0
            }));
        }
    }
    for task in tasks {
        let status = task.await.unwrap();
        assert!(
            status == StatusCode::OK || status.is_client_error(),
            "{status}"
        );
    }
    for i in 0..16 {
        let members = members(&s, &format!("pair-{i}")).await;
        let owners = members
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "owner")
            .count();
        assert_eq!(owners, 1, "pair-{i}: {members}");
    }
}

/// Finding 6: two users publishing into a fresh namespace at once both got 201. One
/// creator wins; the other gets 403 and nothing of theirs is written.
pub(crate) async fn one_user_creates_a_fresh_namespace(s: TestServer) {
    let bob = token_of(
        &s,
        41,
        "bob",
        &[TokenScope::PublishNew, TokenScope::PublishUpdate],
        &["*"],
    )
    .await;
    for round in 0..8 {
        let uri = format!("/api/v1/skills?namespace=fresh-{round}&version=1.0.0");
        let alices = archive_of("alice's tools", &[]);
        let bobs = archive_named("bobs", "bob's tools", &[]);
        let (a, b) = tokio::join!(
            publish(&s.app, Some(&s.token), &uri, alices),
            publish(&s.app, Some(&bob), &uri, bobs),
        );
        let statuses = [a.0, b.0];
        assert!(
            statuses.contains(&StatusCode::CREATED),
            "round {round}: {a:?} {b:?}"
        );
        let namespace = s
            .state
            .registry
            .namespace(None, &format!("fresh-{round}").parse().unwrap())
            .await
            .unwrap();
        let owner = namespace.members.keys().next().unwrap().to_string();
        assert_eq!(namespace.members.len(), 1, "round {round}");
        let (winner, loser) = if owner == "alice" {
            ((a, "pdf"), (b, "bobs"))
        } else {
            ((b, "bobs"), (a, "pdf"))
        };
        assert_eq!(winner.0.0, StatusCode::CREATED, "round {round}");
        assert_eq!(
            (loser.0.0, error_type(&loser.0.1)),
            (StatusCode::FORBIDDEN, "AccessDeniedError"),
            "round {round}: {}",
            loser.0.1
        );
        let (status, _) = get(&s.app, &format!("/api/v1/skills/fresh-{round}/{}", loser.1)).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "round {round}: nothing written"
        );
    }
}

/// Findings 3 and 15: unbounded text. Deprecation messages, versions, token grants,
/// signatures and trending limits are bounded, with a clear error.
pub(crate) async fn stored_text_is_bounded(s: TestServer) {
    publish_pdf_forms(&s).await;
    let huge = "x".repeat(19 * 1024 * 1024);
    let (status, body) = send(
        &s.app,
        "PUT",
        "/api/v1/skills/acme/pdf/-/deprecation",
        &s.token,
        json_bytes(serde_json::json!({ "message": huge })),
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    assert!(body["error"]["type"].is_string(), "{body}");
    let long = "y".repeat(skillreg_core::usecases::MAX_MESSAGE_LEN + 1);
    let (status, body) = send(
        &s.app,
        "PUT",
        "/api/v1/skills/acme/pdf/-/deprecation",
        &s.token,
        json_bytes(serde_json::json!({ "message": long })),
    )
    .await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::BAD_REQUEST, "ValidationError"),
        "{body}"
    );
    let (_, details) = get(&s.app, "/api/v1/skills/acme/pdf").await;
    assert!(details["deprecated"].is_null(), "nothing stored: {details}");

    let version = format!("1.0.0-{}", "a".repeat(30_000));
    let (status, body) = publish(
        &s.app,
        Some(&s.token),
        &format!("/api/v1/skills?namespace=acme&version={version}"),
        archive_of("Fills PDF forms", &[]),
    )
    .await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::BAD_REQUEST, "ValidationError"),
        "{body}"
    );

    let scopes: Vec<&str> = std::iter::repeat_n("publish-new", 3_000).collect();
    let (status, created) = send(
        &s.app,
        "POST",
        "/api/v1/tokens",
        &s.token,
        json_bytes(serde_json::json!({ "name": "many", "scopes": scopes })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "repeats are kept once");
    assert_eq!(
        created["scopes"].as_array().map(Vec::len),
        Some(1),
        "repeats are kept once"
    );
    let patterns: Vec<String> = (0..100).map(|i| format!("ns{i}")).collect();
    let (status, body) = send(
        &s.app,
        "POST",
        "/api/v1/tokens",
        &s.token,
        json_bytes(serde_json::json!({ "name": "wide", "scopes": [], "namespaces": patterns })),
    )
    .await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::BAD_REQUEST, "ValidationError"),
        "{body}"
    );

    for limit in ["0", "101", "4294967295"] {
        let (status, body) = get(&s.app, &format!("/api/v1/trending?limit={limit}")).await;
        assert_eq!(
            (status, error_type(&body)),
            (StatusCode::BAD_REQUEST, "ValidationError"),
            "limit={limit}"
        );
    }
}

/// Finding 15: a repeated `Skillreg-Signature` header was stored twice.
pub(crate) async fn repeated_signature_headers_are_kept_once(s: TestServer) {
    let signature = format!("ed25519 ed25519:{} {}", "00".repeat(16), "ab".repeat(64));
    let request = Request::post("/api/v1/skills?namespace=acme&version=1.0.0")
        .header("authorization", format!("Bearer {}", s.token))
        .header("skillreg-signature", &signature)
        .header("skillreg-signature", &signature)
        .body(Body::from(archive_of("Fills PDF forms", &[])))
        .unwrap();
    let (status, body, _) = call(&s.app, request).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    // The key is not registered: refused as unknown, once, not stored twice.
    assert!(status.is_client_error(), "{body}");
    let other = format!("ed25519 ed25519:{} {}", "00".repeat(16), "cd".repeat(64));
    let request = Request::post("/api/v1/skills?namespace=acme&version=1.0.0")
        .header("authorization", format!("Bearer {}", s.token))
        .header("skillreg-signature", &signature)
        .header("skillreg-signature", &other)
        .body(Body::from(archive_of("Fills PDF forms", &[])))
        .unwrap();
    let (status, body, _) = call(&s.app, request).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::BAD_REQUEST, "ValidationError"),
        "two signatures by one key: {body}"
    );
}

/// Finding 13: some errors skipped the envelope (405, 413 on a JSON route, a path that is
/// not UTF-8). Every error is the envelope.
pub(crate) async fn every_error_is_the_envelope(s: TestServer) {
    let checks: Vec<(Request<Body>, StatusCode)> = vec![
        (
            Request::delete("/api/v1/skills")
                .body(Body::empty())
                .unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Request::post("/api/v1/tokens")
                .header("x-api-key", &s.token)
                .body(Body::from(vec![b' '; 21 * 1024 * 1024]))
                .unwrap(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            Request::get("/api/v1/skills/acme/%FF%FE/-/versions")
                .body(Body::empty())
                .unwrap(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Request::get("/api/v1/namespaces/%FF")
                .body(Body::empty())
                .unwrap(),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (request, expected) in checks {
        let what = format!("{} {}", request.method(), request.uri());
        let (status, body, headers) = call(&s.app, request).await;
        assert_eq!(status, expected, "{what}");
        assert_eq!(
            headers["content-type"].to_str().unwrap(),
            "application/json",
            "{what}"
        );
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert!(body["error"]["type"].is_string(), "{what}: {body}");
        assert!(body["error"]["message"].is_string(), "{what}: {body}");
    }
}

/// Finding 17: an encoded slash (`%2f`) must not route into a sub-resource.
pub(crate) async fn encoded_slashes_do_not_reach_sub_resources(s: TestServer) {
    publish_pdf_forms(&s).await;
    let (status, body) = get(&s.app, "/api/v1/skills/acme/pdf%2F-%2Fversions").await;
    assert!(status.is_client_error(), "{status} {body}");
    assert!(body.get("versions").is_none(), "{body}");
    let (status, body) = get(&s.app, "/api/v1/skills/acme%2Fpdf/-/versions").await;
    assert!(status.is_client_error(), "{status} {body}");
}

/// Finding 14: at an offset past the end, the total said the offset.
pub(crate) async fn search_totals_hold_past_the_end(s: TestServer) {
    publish_pdf_forms(&s).await;
    for uri in [
        "/api/v1/skills?offset=1000",
        "/api/v1/skills?offset=1000&sort=newest",
        "/api/v1/skills?q=pdf&offset=1000",
    ] {
        let (status, page) = get(&s.app, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(page["skills"].as_array().unwrap().len(), 0, "{uri}");
        assert_eq!(page["total"], 1, "{uri}: {page}");
    }
}

/// Finding 17: event streams had no cap. A client holds at most its share of streams;
/// past it, 429, and the streams it holds keep flowing.
pub(crate) async fn event_streams_are_capped(s: TestServer) {
    let app = router(s.state.clone().with_streams(4, 2));
    let open = || async {
        app.clone()
            .oneshot(Request::get("/api/v1/events").body(Body::empty()).unwrap())
            .await
            .unwrap()
    };
    let first = open().await;
    let second = open().await;
    assert_eq!(
        (first.status(), second.status()),
        (StatusCode::OK, StatusCode::OK)
    );
    let third = open().await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = third.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error_type(&body), "RateLimitedError");
    drop(first);
    // The slot comes back once the stream's task sees its client gone.
    let mut reopened = None;
    for _ in 0..50 {
        let response = open().await;
        if response.status() == StatusCode::OK {
            reopened = Some(response);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(reopened.is_some(), "a closed stream frees its slot");
    drop(second);
}
