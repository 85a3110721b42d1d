//! Publisher keys, signed publishes, and the Package Registry Standard read surface.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use skillreg_adapters::signing::Ed25519KeyPair;
use skillreg_core::auth::NamespacePattern;
use skillreg_core::bundle::read_archive;
use skillreg_core::digest::hex;
use skillreg_core::model::{Timestamp, TokenScope};
use skillreg_core::ports::Signer;
use skillreg_core::signature::VersionStatement;
use skillreg_testkit::issue_token;

use super::{TestServer, archive_of, call, error_type, get, send};

fn signature_header(pair: &Ed25519KeyPair, id: &str, version: &str, archive: &[u8]) -> String {
    let files = read_archive(archive, &Default::default()).unwrap();
    let statement = VersionStatement {
        id: id.parse().unwrap(),
        version: version.parse().unwrap(),
        archive_digest: skillreg_core::Digest::of(archive),
        content_digest: files.content_digest(),
    };
    let signature = pair.sign(&statement).unwrap();
    format!("ed25519 {} {}", signature.key_id, hex(&signature.value))
}

async fn signed_publish(
    s: &TestServer,
    token: &str,
    uri: &str,
    archive: Vec<u8>,
    signature: &str,
) -> (StatusCode, Value) {
    let request = Request::post(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("skillreg-signature", signature)
        .body(Body::from(archive))
        .unwrap();
    let (status, body, _) = call(&s.app, request).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Publishes `archive` as acme's version 1.1.0 with one signature header.
async fn publish_next(s: &TestServer, archive: &[u8], signature: &str) -> (StatusCode, Value) {
    signed_publish(
        s,
        &s.token,
        "/api/v1/skills?namespace=acme&version=1.1.0",
        archive.to_vec(),
        signature,
    )
    .await
}

async fn register(
    s: &TestServer,
    token: &str,
    user: &str,
    pair: &Ed25519KeyPair,
) -> (StatusCode, Value) {
    let proof = pair.registration_proof(&user.parse().unwrap());
    let body = json!({ "public_key": hex(&pair.public_key()), "proof": hex(&proof) });
    send(
        &s.app,
        "POST",
        "/api/v1/keys",
        token,
        body.to_string().into_bytes(),
    )
    .await
}

pub(crate) async fn keys_and_signed_publishes(s: TestServer) {
    let pair = Ed25519KeyPair::from_seed([3; 32]);
    let (status, key) = register(&s, &s.token, "alice", &pair).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    assert_eq!(key["key_id"], pair.key_id());
    assert_eq!(key["user"], "alice");
    // Registering again is idempotent.
    let (status, _) = register(&s, &s.token, "alice", &pair).await;
    assert_eq!(status, StatusCode::CREATED);
    // A proof made for another user, or by another key, registers nothing: nobody can
    // claim a public key whose secret they do not hold.
    let other = Ed25519KeyPair::from_seed([5; 32]);
    let (status, body) = register(&s, &s.token, "mallory", &other).await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::BAD_REQUEST, "ValidationError"),
        "{body}"
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("proof"));
    let forged = json!({
        "public_key": hex(&other.public_key()),
        "proof": hex(&pair.registration_proof(&"alice".parse().unwrap())),
    });
    let (status, body) = send(
        &s.app,
        "POST",
        "/api/v1/keys",
        &s.token,
        forged.to_string().into_bytes(),
    )
    .await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::BAD_REQUEST, "ValidationError"),
        "{body}"
    );
    let (status, _) = get(&s.app, &format!("/api/v1/keys/{}", other.key_id())).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing was registered");

    let (status, served) = get(&s.app, &format!("/api/v1/keys/{}", pair.key_id())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served["public_key"], hex(&pair.public_key()));

    // A signed publish keeps the signature and resolve serves it.
    let archive = archive_of("Fills PDF forms", &[]);
    let uri = "/api/v1/skills?namespace=acme&version=1.0.0";
    let header = signature_header(&pair, "acme/pdf", "1.0.0", &archive);
    let (status, body) = signed_publish(&s, &s.token, uri, archive.clone(), &header).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, resolved) = get(&s.app, "/api/v1/resolve?name=acme/pdf").await;
    assert_eq!(resolved["signatures"][0]["key_id"], pair.key_id());
    assert_eq!(resolved["signatures"][0]["algorithm"], "ed25519");

    // A signature over another version is refused, and nothing is written.
    let other = archive_of("Fills PDF forms, faster", &[]);
    let wrong = signature_header(&pair, "acme/pdf", "9.9.9", &other);
    let (status, body) = publish_next(&s, &other, &wrong).await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::BAD_REQUEST, "ValidationError"),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not match")
    );
    let (status, _) = get(&s.app, "/api/v1/skills/acme/pdf/-/versions/1.1.0").await;
    assert_ne!(status, StatusCode::OK);
    let (_, versions) = get(&s.app, "/api/v1/skills/acme/pdf/-/versions").await;
    assert_eq!(versions["versions"].as_array().unwrap().len(), 1);

    // A flipped bit in the signature is refused.
    let good = signature_header(&pair, "acme/pdf", "1.1.0", &other);
    let mut tampered = good.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    let (status, body) = publish_next(&s, &other, &tampered).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // An unknown key, a key of someone else, and a malformed header.
    let stranger = Ed25519KeyPair::from_seed([4; 32]);
    let unknown = signature_header(&stranger, "acme/pdf", "1.1.0", &other);
    let (status, body) = publish_next(&s, &other, &unknown).await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::BAD_REQUEST, "ValidationError"),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("register")
    );
    let bob = issue_token(
        s.store.as_ref(),
        [9; 32],
        "bob",
        "b",
        vec![TokenScope::PublishNew, TokenScope::PublishUpdate],
        vec![NamespacePattern::Any],
        Timestamp::from_unix_millis(0),
    )
    .await
    .secret;
    let (status, body) = register(&s, &bob, "bob", &pair).await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::CONFLICT, "ConflictError"),
        "a key belongs to one user: {body}"
    );
    let (status, _) = register(&s, &bob, "bob", &stranger).await;
    assert_eq!(status, StatusCode::CREATED);
    let by_bob = signature_header(&stranger, "acme/pdf", "1.1.0", &other);
    let (status, body) = publish_next(&s, &other, &by_bob).await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::FORBIDDEN, "AccessDeniedError"),
        "alice may not publish with bob's key: {body}"
    );
    let (status, body) = publish_next(&s, &other, "ed25519 only-two").await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::BAD_REQUEST, "ValidationError")
    );
    let (status, body) = send(
        &s.app,
        "POST",
        "/api/v1/keys",
        &s.token,
        br#"{"public_key": "abcd", "proof": "00"}"#.to_vec(),
    )
    .await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::BAD_REQUEST, "ValidationError")
    );
    let (status, body) = send(
        &s.app,
        "POST",
        "/api/v1/keys",
        &s.reader_token,
        json!({
            "public_key": hex(&stranger.public_key()),
            "proof": hex(&stranger.registration_proof(&"reader".parse().unwrap())),
        })
        .to_string()
        .into_bytes(),
    )
    .await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::FORBIDDEN, "AccessDeniedError")
    );
    let (status, body) = get(&s.app, "/api/v1/keys/ed25519:0000").await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::NOT_FOUND, "PackageNotFoundError")
    );

    // Finally the good signature for 1.1.0 goes through.
    let (status, body) = publish_next(&s, &other, &good).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

pub(crate) async fn package_registry_standard_surface(s: TestServer) {
    let (status, meta) = get(&s.app, "/.well-known/cleverthis-packages").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(meta["standard"], "package-registry");
    assert_eq!(meta["version"], "1.0.0");
    assert_eq!(meta["types"], json!(["skill"]));
    assert_eq!(meta["auth"]["anonymous_read"], true);

    let uri = |v: &str| format!("/api/v1/skills?namespace=acme&version={v}");
    let first = archive_of("Fills PDF forms", &[]);
    for (version, archive) in [
        ("1.0.0", first.clone()),
        (
            "1.2.0",
            archive_of("Fills PDF forms", &[("notes.md", "more")]),
        ),
        (
            "2.0.0",
            archive_of("Fills PDF forms", &[("notes.md", "most")]),
        ),
    ] {
        let (status, body) = super::publish(&s.app, Some(&s.token), &uri(version), archive).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    let (status, latest) = get(&s.app, "/skill/acme/pdf").await;
    assert_eq!(status, StatusCode::OK, "{latest}");
    assert_eq!(latest["version"], "2.0.0");
    assert_eq!(latest["type"], "skill");
    assert_eq!(latest["namespace"], "acme");
    assert_eq!(latest["name"], "pdf");
    for (alias, expected) in [
        ("latest", "2.0.0"),
        ("v1", "1.2.0"),
        ("v1.x", "1.2.0"),
        ("v1.0.x", "1.0.0"),
        ("v1.2.0", "1.2.0"),
    ] {
        let (status, body) = get(&s.app, &format!("/skill/acme/pdf?version={alias}")).await;
        assert_eq!(status, StatusCode::OK, "{alias}: {body}");
        assert_eq!(body["version"], expected, "{alias}");
    }
    for bad in ["1.0.0", "^1", "v1.2", "vx"] {
        let (status, body) = get(&s.app, &format!("/skill/acme/pdf?version={bad}")).await;
        assert_eq!(
            (status, error_type(&body)),
            (StatusCode::BAD_REQUEST, "InvalidPackageReferenceError"),
            "{bad}: {body}"
        );
    }
    let (status, body) = get(&s.app, "/skill/Acme!/pdf").await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::BAD_REQUEST, "InvalidPackageReferenceError"),
        "{body}"
    );
    let (status, body) = get(&s.app, "/skill/acme/nothing").await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::NOT_FOUND, "PackageNotFoundError")
    );
    let (status, body) = get(&s.app, "/skill/acme/pdf?version=v7").await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::NOT_FOUND, "VersionNotFoundError")
    );

    // The id names the package, and finds it.
    let id = latest["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("pkg_skl_") && id.len() == 48, "{id}");
    let (status, package) = get(&s.app, &format!("/packages/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(package["version"], "2.0.0");
    assert_eq!(package, latest);
    let (_, older) = get(&s.app, "/skill/acme/pdf?version=v1.0.0").await;
    assert_ne!(older["id"], latest["id"], "other content, other id");

    // The same content released again under a new version keeps its id.
    let (status, _) = super::publish(&s.app, Some(&s.token), &uri("3.0.0"), first).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, republished) = get(&s.app, "/skill/acme/pdf?version=v3.0.0").await;
    assert_eq!(republished["id"], older["id"]);
    let (_, by_id) = get(
        &s.app,
        &format!("/packages/{}", older["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        by_id["version"], "3.0.0",
        "the version published last answers"
    );

    for bad in [
        "pkg_skl_123",
        "nope",
        "pkg_skl_ABCDEF0123456789abcdef0123456789abcdef01",
    ] {
        let (status, body) = get(&s.app, &format!("/packages/{bad}")).await;
        assert_eq!(
            (status, error_type(&body)),
            (StatusCode::BAD_REQUEST, "InvalidPackageIdError"),
            "{bad}"
        );
    }
    let (status, body) = get(
        &s.app,
        "/packages/pkg_skl_0000000000000000000000000000000000000000",
    )
    .await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::NOT_FOUND, "PackageNotFoundError")
    );

    // Browse.
    let (status, other) = super::publish(
        &s.app,
        Some(&s.token),
        "/api/v1/skills?namespace=beta&version=1.0.0",
        archive_of("Beta forms", &[]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{other}");
    let (status, all) = get(&s.app, "/browse?type=skill").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["count"], 2);
    let (_, acme) = get(
        &s.app,
        "/browse?type=skill&namespace=acme&limit=10&offset=0",
    )
    .await;
    assert_eq!(acme["count"], 1);
    assert_eq!(acme["packages"][0]["version"], "3.0.0");
    assert_eq!(acme["packages"][0]["id"], older["id"]);
    let (_, none) = get(&s.app, "/browse?type=mcp").await;
    assert_eq!(none, json!({ "packages": [], "count": 0 }));
    let (status, body) = get(&s.app, "/browse?limit=lots").await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::BAD_REQUEST, "ValidationError")
    );
}

/// Finding 17: signing keys could not be revoked. Revoked, a key signs no new publish, stays
/// readable with its revocation time, and only its owner (or an admin) revokes it.
pub(crate) async fn a_revoked_key_signs_nothing_new(s: TestServer) {
    let pair = Ed25519KeyPair::from_seed([5; 32]);
    let (status, _) = register(&s, &s.token, "alice", &pair).await;
    assert_eq!(status, StatusCode::CREATED);
    let archive = archive_of("Fills PDF forms", &[]);
    let first = signature_header(&pair, "acme/pdf", "1.0.0", &archive);
    let (status, body) = signed_publish(
        &s,
        &s.token,
        "/api/v1/skills?namespace=acme&version=1.0.0",
        archive.clone(),
        &first,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let key_path = format!("/api/v1/keys/{}", pair.key_id());
    let (status, body) = send(&s.app, "DELETE", &key_path, &s.reader_token, vec![]).await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::NOT_FOUND, "PackageNotFoundError"),
        "someone else's key: {body}"
    );
    let (status, revoked) = send(&s.app, "DELETE", &key_path, &s.token, vec![]).await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert!(revoked["revoked_at_ms"].is_i64(), "{revoked}");
    let (status, key) = get(&s.app, &key_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(key["revoked_at_ms"], revoked["revoked_at_ms"]);
    let next = archive_of("Fills PDF forms, better", &[]);
    let signature = signature_header(&pair, "acme/pdf", "1.1.0", &next);
    let (status, body) = publish_next(&s, &next, &signature).await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::BAD_REQUEST, "ValidationError"),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoked"),
        "{body}"
    );
    let (status, _) = get(&s.app, "/api/v1/skills/acme/pdf/-/versions/1.1.0").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing published");
    // The version signed before stands, with its signature.
    let (status, version) = get(&s.app, "/api/v1/skills/acme/pdf/-/versions/1.0.0").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(version["signatures"][0]["key_id"], pair.key_id());
    let audit = s.store.audit_log(20).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "key.revoke"), "{audit:?}");
    assert!(
        audit.iter().any(|a| a.action == "key.register"),
        "{audit:?}"
    );
}

/// Finding 17: tokens never expired. A token past its expiry is refused like a revoked
/// one, and a token that expires grants none that outlives it.
pub(crate) async fn tokens_expire(s: TestServer) {
    let store = s.store;
    let (record, secret) = (
        skillreg_core::model::TokenRecord {
            id: "tok-expired".parse().unwrap(),
            user: "alice".parse().unwrap(),
            name: "old".to_owned(),
            secret_digest: skillreg_core::Digest::of(b"skr_expired-secret"),
            scopes: vec![TokenScope::Rate],
            namespaces: vec![NamespacePattern::Any],
            created_at: Timestamp::from_unix_millis(0),
            revoked_at: None,
            expires_at: Some(Timestamp::from_unix_millis(1)),
        },
        "skr_expired-secret",
    );
    let audit = skillreg_core::model::AuditEntry {
        actor: "alice".parse().unwrap(),
        action: "token.create".to_owned(),
        target: "alice:tok-expired".to_owned(),
        at: Timestamp::from_unix_millis(0),
    };
    store.insert_token(&record, &audit).await.unwrap();
    let (status, body) = send(&s.app, "GET", "/api/v1/whoami", secret, vec![]).await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::UNAUTHORIZED, "AuthenticationRequiredError"),
        "{body}"
    );
    // A token made to expire in a day works now, and says when it expires.
    let create = json!({ "name": "day", "scopes": ["yank", "tokens"], "expires_in_days": 1 });
    let (status, day) = send(
        &s.app,
        "POST",
        "/api/v1/tokens",
        &s.token,
        create.to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{day}");
    assert!(day["expires_at_ms"].is_i64(), "{day}");
    let day_secret = day["token"].as_str().unwrap();
    let (status, _) = send(&s.app, "GET", "/api/v1/whoami", day_secret, vec![]).await;
    assert_eq!(status, StatusCode::OK);
    let forever = json!({ "name": "forever", "scopes": ["yank"] });
    let (status, body) = send(
        &s.app,
        "POST",
        "/api/v1/tokens",
        day_secret,
        forever.to_string().into_bytes(),
    )
    .await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::FORBIDDEN, "AccessDeniedError"),
        "{body}"
    );
    for days in [0, 3651] {
        let body = json!({ "name": "x", "scopes": ["yank"], "expires_in_days": days });
        let (status, _) = send(
            &s.app,
            "POST",
            "/api/v1/tokens",
            &s.token,
            body.to_string().into_bytes(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{days} days");
    }
}
