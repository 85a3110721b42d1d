//! A version's audit over HTTP: read, marked by its owner, overridden by an admin,
//! rescanned; the verdict in search and on the event stream.

use super::*;
use crate::attacks::token_of;

/// Publishes `acme/setup` 1.0.0 with a script that uses `sudo` (a note: `review`).
pub(crate) async fn publish_noted(s: &TestServer) {
    let noted = archive_named(
        "setup",
        "Sets things up",
        &[("install.sh", "sudo apt-get install -y jq\n")],
    );
    let (status, body) = send(
        &s.app,
        "POST",
        "/api/v1/skills?namespace=acme&version=1.0.0",
        &s.token,
        noted,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

const AUDIT: &str = "/api/v1/skills/acme/setup/-/versions/1.0.0/audit";

/// The audit reads at its own route; the owner's mark shows with its finding; a stranger's
/// mark, a mark of no finding and an empty note are refused; only an admin overrides, and
/// the override shows in the version, in search and on the event stream.
pub(crate) async fn a_versions_audit_is_read_marked_and_overridden(s: TestServer) {
    publish_noted(&s).await;
    let (status, body) = get(&s.app, AUDIT).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let read: skillreg_api::VersionAudit = serde_json::from_value(body).unwrap();
    let audit = read.audit.unwrap();
    assert_eq!(audit.verdict, "review");
    let finding = &audit.findings[0];
    assert_eq!(
        (finding.code.as_str(), finding.path.as_str(), finding.line),
        ("danger.sudo", "install.sh", 1)
    );
    let fingerprint = finding.fingerprint.clone();

    let mark = |fingerprint: &str, note: &str| {
        json_bytes(serde_json::json!({ "fingerprint": fingerprint, "note": note }))
    };
    let marks = format!("{AUDIT}/false-positives");
    let stranger = token_of(&s, 21, "mallory", &[TokenScope::Yank], &["*"]).await;
    for (token, body, status, kind) in [
        (
            &stranger,
            mark(&fingerprint, "mine"),
            StatusCode::FORBIDDEN,
            "AccessDeniedError",
        ),
        (
            &s.token,
            mark("0000", "x"),
            StatusCode::NOT_FOUND,
            "PackageNotFoundError",
        ),
        (
            &s.token,
            mark(&fingerprint, " "),
            StatusCode::BAD_REQUEST,
            "ValidationError",
        ),
    ] {
        let (got, answer) = send(&s.app, "POST", &marks, token, body).await;
        assert_eq!((got, error_type(&answer)), (status, kind), "{answer}");
    }
    let (status, body) = send(
        &s.app,
        "POST",
        &marks,
        &s.token,
        mark(&fingerprint, "jq comes from the distribution"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["audit"]["verdict"], "review");
    assert_eq!(
        body["audit"]["findings"][0]["false_positive"]["note"],
        "jq comes from the distribution"
    );
    assert_eq!(
        body["audit"]["findings"][0]["false_positive"]["by"],
        "alice"
    );

    let overrides = format!("{AUDIT}/override");
    let verdict = |v: &str| json_bytes(serde_json::json!({ "verdict": v, "note": "checked" }));
    let (status, body) = send(&s.app, "PUT", &overrides, &s.token, verdict("pass")).await;
    assert_eq!(
        (status, error_type(&body)),
        (StatusCode::FORBIDDEN, "AccessDeniedError"),
        "{body}"
    );
    let admin = token_of(&s, 22, "root", &[TokenScope::Admin], &["*"]).await;
    let (status, body) = send(&s.app, "PUT", &overrides, &admin, verdict("fine")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = send(&s.app, "PUT", &overrides, &admin, verdict("warn")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["audit"]["verdict"], "warn");
    assert_eq!(body["audit"]["overridden"]["by"], "root");
    let (_, found) = get(&s.app, "/api/v1/skills?q=setup").await;
    assert_eq!(found["skills"][0]["verdict"], "warn", "{found}");
    let (_, version) = get(&s.app, "/api/v1/skills/acme/setup/-/versions/1.0.0").await;
    assert_eq!(version["audit"]["verdict"], "warn");
    let (status, body) = send(&s.app, "DELETE", &overrides, &admin, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["audit"]["verdict"], "review");
    assert!(body["audit"].get("overridden").is_none(), "{body}");
    let kinds: Vec<&str> = s
        .store
        .events_after(0, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "skill.created",
            "skill.verdict_changed",
            "skill.verdict_changed"
        ]
    );
    let (status, body) = get(&s.app, "/api/v1/skills/acme/setup/-/versions/9.9.9/audit").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

/// A version audited under another policy is due: the rescan audits it again from its
/// archive, reports the change of verdict and records its event; then nothing is due.
pub(crate) async fn a_rescan_audits_what_another_policy_audited(s: TestServer) {
    use skillreg_core::ports::{AuditWrite, WriteRight};
    publish_noted(&s).await;
    let skill = s
        .store
        .skill(&"acme/setup".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let version: skillreg_core::Version = "1.0.0".parse().unwrap();
    let stored = s
        .store
        .version(&skill.uid, &version)
        .await
        .unwrap()
        .unwrap();
    // As if a policy that turned the rule off had audited it: no findings, `pass`.
    let old = skillreg_core::audit::Audited::new("an-old-policy".to_owned(), Vec::new());
    let applied = s
        .store
        .write_audit(&AuditWrite {
            skill: skill.uid.clone(),
            version: version.clone(),
            audit: skillreg_core::audit::Audited {
                revision: stored.published.audit.unwrap().revision,
                ..old
            },
            verdict_changed: false,
            entry: None,
            at: Timestamp::from_unix_millis(1),
            right: WriteRight::Admin,
        })
        .await
        .unwrap();
    assert!(applied);

    let admin = token_of(&s, 23, "root", &[TokenScope::Admin], &["*"]).await;
    let (status, body) = send(&s.app, "POST", "/api/v1/admin/rescan", &s.token, Vec::new()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let bad = json_bytes(serde_json::json!({ "after": "no cursor" }));
    let (status, body) = send(&s.app, "POST", "/api/v1/admin/rescan", &admin, bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = send(&s.app, "POST", "/api/v1/admin/rescan", &admin, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let batch: skillreg_api::RescanResponse = serde_json::from_value(body).unwrap();
    assert_eq!(batch.scanned, 1);
    assert_eq!(batch.next, None);
    assert!(batch.failed.is_empty(), "{batch:?}");
    let change = &batch.changed[0];
    assert_eq!(
        (
            change.id.as_str(),
            change.from.as_deref(),
            change.to.as_str()
        ),
        ("acme/setup", Some("pass"), "review")
    );
    let (_, body) = get(&s.app, AUDIT).await;
    assert_eq!(body["audit"]["findings"][0]["code"], "danger.sudo");
    let last = s.store.events_after(0, 10).await.unwrap();
    assert_eq!(
        last.last().map(|e| e.kind.as_str()),
        Some("skill.verdict_changed")
    );
    let (_, body) = send(&s.app, "POST", "/api/v1/admin/rescan", &admin, Vec::new()).await;
    assert_eq!(body["scanned"], 0, "{body}");
}
