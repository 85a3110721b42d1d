//! `skillreg serve` processes sharing nothing but one PostgreSQL database and one S3 bucket
//! (a real S3 server, moto, on loopback), as replicas behind a load balancer would: what one
//! writes the others serve at once, and every invariant holds across them.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "in tests an unwrap or a panic is an assertion with a location"
)]

use skillreg_core::bundle::pack;
use skillreg_testkit::fixtures::skill_files;
use skillreg_testkit::s3_server::S3Server;
use skillreg_testkit::serving::{Serving, http};

/// One replica: its own data folder, the shared database, bucket and log key (beside the
/// replicas' folders).
fn start(data_dir: &std::path::Path, database_url: &str, s3: &S3Server) -> Serving {
    let log_key = data_dir.with_file_name("log.key");
    Serving::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_skillreg")),
        data_dir,
        "127.0.0.1:0",
        &[
            "--log-key",
            log_key.to_str().unwrap(),
            "--database-url",
            database_url,
            "--blob-url",
            "s3://skills/registry/blobs",
            // Two failed sign-ins a minute per client address, counted by every replica.
            "--failed-sign-ins-per-minute",
            "2",
        ],
        &s3.environment(),
    )
}

#[expect(
    clippy::disallowed_methods,
    reason = "tests read their one setting from the environment"
)]
fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "TEST_DATABASE_URL is not set: replica tests need PostgreSQL (scripts/test sets it up)"
        )
    })
}

/// What the replicas share, kept alive while a test runs: their data folders and the S3
/// server.
struct Shared {
    _dirs: tempfile::TempDir,
    _s3: S3Server,
}

/// `count` replicas on a fresh database and one bucket, and the first admin token.
fn replicas(count: usize) -> (Shared, Vec<Serving>, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = runtime
        .block_on(skillreg_adapters::postgres::testing::fresh_database(
            &admin_url(),
        ))
        .unwrap();
    let dirs = tempfile::tempdir().unwrap();
    let s3 = S3Server::start();
    s3.create_bucket("skills");
    let started: Vec<Serving> = (0..count)
        .map(|i| start(&dirs.path().join(format!("replica-{i}")), &url, &s3))
        .collect();
    let admin = std::fs::read_to_string(dirs.path().join("replica-0/admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    let shared = Shared {
        _dirs: dirs,
        _s3: s3,
    };
    (shared, started, admin)
}

#[test]
fn three_replicas_share_one_database_and_one_bucket() {
    let (_shared, replicas, token) = replicas(3);
    let (a, b, c) = (&replicas[0], &replicas[1], &replicas[2]);

    // A publish through one is resolvable through the other at once.
    let archive = pack(&skill_files("pdf", "PDF tools", "", &[]))
        .unwrap()
        .into_bytes();
    let (status, body) = http(
        &a.address,
        "POST",
        "/api/v1/skills?namespace=acme&version=1.0.0",
        Some(&token),
        &archive,
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(
        &b.address,
        "GET",
        "/api/v1/resolve?name=acme/pdf",
        None,
        &[],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"version\":\"1.0.0\""), "{body}");
    for replica in [b, c] {
        let (status, _) = http(
            &replica.address,
            "GET",
            "/api/v1/skills/acme/pdf/-/download",
            None,
            &[],
        );
        assert_eq!(
            status, 200,
            "the blob written through one replica is served by the others"
        );
    }

    // 32 concurrent publishes of one version, split across all three: one creates.
    let same = pack(&skill_files("docx", "Word tools", "", &[("a.txt", "same")]))
        .unwrap()
        .into_bytes();
    let other = pack(&skill_files(
        "docx",
        "Word tools",
        "",
        &[("a.txt", "other")],
    ))
    .unwrap()
    .into_bytes();
    // Each publisher's answer, with the bytes it sent.
    let answers: Vec<(bool, u16, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..32)
            .map(|i| {
                let address = &replicas[i % 3].address;
                let sent_other = i % 4 == 3;
                let bytes = if sent_other { &other } else { &same };
                let token = &token;
                scope.spawn(move || {
                    let (status, body) = http(
                        address,
                        "POST",
                        "/api/v1/skills?namespace=acme&version=1.0.0",
                        Some(token),
                        bytes,
                    );
                    (sent_other, status, body)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<bool> = answers
        .iter()
        .filter(|(_, status, _)| *status == 201)
        .map(|(sent_other, _, _)| *sent_other)
        .collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    for (sent_other, status, body) in &answers {
        if *status == 201 {
            continue;
        }
        // The winner's bytes again are the same version; other bytes are a conflict.
        let expected = if *sent_other == winners[0] { 200 } else { 409 };
        assert_eq!(*status, expected, "{body}");
        if expected == 409 {
            assert!(body.contains("\"ConflictError\""), "{body}");
        }
    }

    // The same user's ratings through both replicas are one rating.
    let five = br#"{"stars": 5}"#;
    let two = br#"{"stars": 2}"#;
    let (first, second) = std::thread::scope(|scope| {
        let first = scope.spawn(|| {
            http(
                &a.address,
                "POST",
                "/api/v1/skills/acme/pdf/-/ratings",
                Some(&token),
                five,
            )
        });
        let second = scope.spawn(|| {
            http(
                &b.address,
                "POST",
                "/api/v1/skills/acme/pdf/-/ratings",
                Some(&token),
                two,
            )
        });
        (first.join().unwrap(), second.join().unwrap())
    });
    assert_eq!(first.0, 200, "{}", first.1);
    assert_eq!(second.0, 200, "{}", second.1);
    let (status, body) = http(
        &b.address,
        "GET",
        "/api/v1/skills/acme/pdf/-/ratings",
        None,
        &[],
    );
    assert_eq!(status, 200);
    assert!(body.contains("\"count\":1"), "{body}");

    // Failed sign-ins count once across the set: two bad tokens (on two replicas) use the
    // client's allowance, and the third replica refuses the next at once, while a good
    // token still works there.
    let bad = Some("skr_0000000000000000000000000000000000000000000");
    assert_eq!(http(&a.address, "GET", "/api/v1/skills", bad, b"").0, 401);
    assert_eq!(http(&b.address, "GET", "/api/v1/skills", bad, b"").0, 401);
    let (status, body) = http(&c.address, "GET", "/api/v1/skills", bad, b"");
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("failed sign-ins"), "{body}");
    assert_eq!(http(&a.address, "GET", "/api/v1/skills", bad, b"").0, 429);
    assert_eq!(
        http(&c.address, "GET", "/api/v1/skills", Some(&token), b"").0,
        200
    );
}

/// What one replica changes about who may read holds on the other from the next request:
/// a member removed, a token revoked, a namespace closed. Replicas on one database cache
/// no grant.
#[test]
fn read_grants_end_on_every_replica_at_once() {
    let (_shared, replicas, admin) = replicas(2);
    let (a, b) = (&replicas[0], &replicas[1]);
    let on = |replica: &Serving, method: &str, path: &str, token: Option<&str>, body: &str| {
        http(&replica.address, method, path, token, body.as_bytes())
    };
    let (status, body) = on(
        a,
        "POST",
        "/api/v1/namespaces",
        Some(&admin),
        r#"{"namespace": "vault", "visibility": "private"}"#,
    );
    assert_eq!(status, 201, "{body}");
    let archive = pack(&skill_files("ledger", "Ledger tools", "", &[]))
        .unwrap()
        .into_bytes();
    let (status, body) = http(
        &a.address,
        "POST",
        "/api/v1/skills?namespace=vault&version=1.0.0",
        Some(&admin),
        &archive,
    );
    assert_eq!(status, 201, "{body}");
    let member = r#"{"role": "member"}"#;
    let (status, _) = on(
        a,
        "PUT",
        "/api/v1/namespaces/vault/-/members/ci",
        Some(&admin),
        member,
    );
    assert_eq!(status, 200);
    let read_token = |name: &str| {
        let request = format!(
            r#"{{"name": "{name}", "scopes": ["read"], "namespaces": ["vault"], "user": "ci"}}"#
        );
        let (status, body) = on(a, "POST", "/api/v1/tokens", Some(&admin), &request);
        assert_eq!(status, 201, "{body}");
        let created: serde_json::Value = serde_json::from_str(&body).unwrap();
        (
            created["token"].as_str().unwrap().to_owned(),
            created["id"].as_str().unwrap().to_owned(),
        )
    };
    let (first, _) = read_token("first");
    let (second, second_id) = read_token("second");
    let skill = "/api/v1/skills/vault/ledger";

    // Removing the member on one replica: the other refuses the very next read.
    assert_eq!(on(b, "GET", skill, Some(&first), "").0, 200);
    let (status, _) = on(
        a,
        "DELETE",
        "/api/v1/namespaces/vault/-/members/ci",
        Some(&admin),
        "",
    );
    assert_eq!(status, 200);
    assert_eq!(on(b, "GET", skill, Some(&first), "").0, 404);

    // Revoking a token on one replica: the other refuses it on the next request.
    let (status, _) = on(
        a,
        "PUT",
        "/api/v1/namespaces/vault/-/members/ci",
        Some(&admin),
        member,
    );
    assert_eq!(status, 200);
    assert_eq!(on(b, "GET", skill, Some(&second), "").0, 200);
    let (status, body) = on(
        a,
        "DELETE",
        &format!("/api/v1/tokens/{second_id}"),
        Some(&admin),
        "",
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(on(b, "GET", skill, Some(&second), "").0, 401);

    // Opening and closing the namespace on one replica shows on the other at once.
    let visibility = "/api/v1/namespaces/vault/-/visibility";
    assert_eq!(on(b, "GET", skill, None, "").0, 404);
    let (status, _) = on(
        a,
        "PUT",
        visibility,
        Some(&admin),
        r#"{"visibility": "public"}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(on(b, "GET", skill, None, "").0, 200);
    let (status, _) = on(
        a,
        "PUT",
        visibility,
        Some(&admin),
        r#"{"visibility": "private"}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(on(b, "GET", skill, None, "").0, 404);
    let (status, body) = on(b, "GET", "/api/v1/skills?q=ledger", None, "");
    assert_eq!(status, 200);
    assert!(body.contains("\"total\":0"), "{body}");
}
