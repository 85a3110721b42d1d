//! Every type goes to JSON and back unchanged, and the wire names are the documented ones.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::oci::{OciErrors, TagList};
use crate::prs::{BrowseParams, BrowseResponse, PackageBody, RegistryMetadata};
use crate::*;

/// `value` to JSON, compared with `expected`, and back to an equal value.
fn round_trip<T>(value: &T, expected: &serde_json::Value)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_value(value).unwrap();
    assert_eq!(&json, expected, "the wire form of {value:?}");
    let back: T = serde_json::from_value(json).unwrap();
    assert_eq!(&back, value);
}

fn signature() -> (SignatureBody, serde_json::Value) {
    (
        SignatureBody {
            algorithm: "ed25519".into(),
            key_id: "ed25519:abcd".into(),
            value: "00ff".into(),
        },
        json!({"algorithm": "ed25519", "key_id": "ed25519:abcd", "value": "00ff"}),
    )
}

fn version() -> (VersionBody, serde_json::Value) {
    let (sig, sig_json) = signature();
    (
        VersionBody {
            version: "1.2.0".into(),
            archive_digest: format!("sha256:{}", "a".repeat(64)),
            content_digest: format!("sha256:{}", "b".repeat(64)),
            size: 120,
            yanked: false,
            description: "Fills PDF forms".into(),
            license: Some("MIT".into()),
            files: vec!["SKILL.md".into()],
            published_by: "alice".into(),
            published_at_ms: 1_700_000_000_000,
            signatures: vec![sig],
            audit: Some(AuditBody {
                verdict: "review".into(),
                rules_version: 1,
                findings: vec![AuditFinding {
                    code: "danger.sudo".into(),
                    severity: "info".into(),
                    path: "run.sh".into(),
                    line: 3,
                    message: "runs a command as root".into(),
                    remediation: "say why".into(),
                    fingerprint: "f00d".into(),
                    false_positive: None,
                }],
                overridden: None,
            }),
            log_index: Some(7),
        },
        json!({
            "version": "1.2.0", "archive_digest": format!("sha256:{}", "a".repeat(64)),
            "content_digest": format!("sha256:{}", "b".repeat(64)), "size": 120,
            "yanked": false, "description": "Fills PDF forms", "license": "MIT",
            "files": ["SKILL.md"], "published_by": "alice", "published_at_ms": 1_700_000_000_000_i64,
            "signatures": [sig_json],
            "audit": {"verdict": "review", "rules_version": 1, "findings": [{
                "code": "danger.sudo", "severity": "info", "path": "run.sh", "line": 3,
                "message": "runs a command as root", "remediation": "say why", "fingerprint": "f00d",
            }]},
            "log_index": 7,
        }),
    )
}

#[test]
fn error_types_carry_their_documented_names_and_statuses() {
    for kind in ErrorType::ALL {
        assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.as_str()));
        assert_eq!(ErrorType::from_name(kind.as_str()), Some(kind));
        assert!(kind.as_str().ends_with("Error"));
        assert!((400..600).contains(&kind.status()));
        // The status alone leads back to a type of that status.
        assert_eq!(
            ErrorType::for_status(kind.status()).unwrap().status(),
            kind.status()
        );
    }
    assert_eq!(ErrorType::from_name("SomethingNewError"), None);
    assert_eq!(ErrorType::for_status(418), Some(ErrorType::Validation));
    assert_eq!(ErrorType::for_status(502), Some(ErrorType::Internal));
    assert_eq!(ErrorType::for_status(200), None);
    round_trip(
        &ErrorEnvelope {
            error: ErrorBody {
                kind: ErrorType::VersionNotFound,
                message: "no version of acme/pdf matches ^2".into(),
                details: json!({"id": "acme/pdf", "version": "^2"}),
            },
        },
        &json!({"error": {"type": "VersionNotFoundError",
            "message": "no version of acme/pdf matches ^2",
            "details": {"id": "acme/pdf", "version": "^2"}}}),
    );
}

#[test]
fn skill_bodies_round_trip() {
    let (v, v_json) = version();
    let (sig, sig_json) = signature();
    let rating = RatingBody {
        average: Some(4.5),
        count: 2,
    };
    round_trip(
        &SearchResponse {
            skills: vec![SkillSummary {
                id: "acme/pdf".into(),
                description: "d".into(),
                latest_version: Some("1.2.0".into()),
                tags: vec!["pdf".into()],
                downloads: 7,
                rating: rating.clone(),
                updated_at_ms: 5,
                deprecated: None,
                verdict: Some("warn".into()),
            }],
            total: 1,
            total_exact: true,
            next_cursor: Some("c".into()),
        },
        &json!({"skills": [{"id": "acme/pdf", "description": "d", "latest_version": "1.2.0",
            "tags": ["pdf"], "downloads": 7, "rating": {"average": 4.5, "count": 2},
            "updated_at_ms": 5, "deprecated": null, "verdict": "warn"}], "total": 1, "total_exact": true,
            "next_cursor": "c"}),
    );
    round_trip(
        &PublishResponse {
            status: PublishStatus::Unchanged,
            id: "acme/pdf".into(),
            version: v.clone(),
            warnings: vec![],
        },
        &json!({"status": "unchanged", "id": "acme/pdf", "version": v_json, "warnings": []}),
    );
    round_trip(
        &VersionList {
            id: "acme/pdf".into(),
            versions: vec![v.clone()],
        },
        &json!({"id": "acme/pdf", "versions": [v_json.clone()]}),
    );
    round_trip(
        &SkillDetails {
            id: "acme/pdf".into(),
            created_by: "alice".into(),
            created_at_ms: 1,
            deprecated: Some("use acme/pdf2".into()),
            latest: v,
            downloads: 3,
            rating,
        },
        &json!({"id": "acme/pdf", "created_by": "alice", "created_at_ms": 1,
            "deprecated": "use acme/pdf2", "latest": v_json, "downloads": 3,
            "rating": {"average": 4.5, "count": 2}}),
    );
    round_trip(
        &ResolveResponse {
            id: "acme/pdf".into(),
            version: "1.2.0".into(),
            archive_digest: "sha256:a".into(),
            content_digest: "sha256:b".into(),
            download_url: "/x".into(),
            signatures: vec![sig],
            log_index: Some(3),
        },
        &json!({"id": "acme/pdf", "version": "1.2.0", "archive_digest": "sha256:a",
            "content_digest": "sha256:b", "download_url": "/x", "signatures": [sig_json],
            "log_index": 3}),
    );
    round_trip(
        &RatingsResponse {
            id: "acme/pdf".into(),
            average: None,
            count: 0,
            recent: vec![Review {
                user: "bob".into(),
                stars: 3.5,
                review: None,
                rated_at_ms: 9,
            }],
        },
        &json!({"id": "acme/pdf", "average": null, "count": 0,
            "recent": [{"user": "bob", "stars": 3.5, "review": null, "rated_at_ms": 9}]}),
    );
    round_trip(
        &RatedResponse {
            id: "acme/pdf".into(),
            average: Some(5.0),
            count: 1,
        },
        &json!({"id": "acme/pdf", "average": 5.0, "count": 1}),
    );
    round_trip(
        &RateBody {
            stars: 4.0,
            review: Some("good".into()),
        },
        &json!({"stars": 4.0, "review": "good"}),
    );
    round_trip(
        &YankResponse {
            id: "acme/pdf".into(),
            version: "1.0.0".into(),
            yanked: true,
            changed: false,
        },
        &json!({"id": "acme/pdf", "version": "1.0.0", "yanked": true, "changed": false}),
    );
    round_trip(
        &DeprecationBody { message: None },
        &json!({"message": null}),
    );
    round_trip(
        &DeprecationResponse {
            id: "acme/pdf".into(),
            deprecated: Some("old".into()),
        },
        &json!({"id": "acme/pdf", "deprecated": "old"}),
    );
    round_trip(
        &TrendingResponse {
            skills: vec![TrendingEntry {
                id: "acme/pdf".into(),
                installs: 4,
            }],
        },
        &json!({"skills": [{"id": "acme/pdf", "installs": 4}]}),
    );
}

#[test]
fn import_answers_are_told_apart_by_their_status() {
    let conflict = ConflictBody {
        existing_skill_id: "acme/pdf".into(),
        existing_created_by: "alice".into(),
        can_overwrite: false,
    };
    let cases = [
        (
            ImportResponse::Created {
                id: "acme/pdf-2".into(),
                version: "1.0.0".into(),
                renamed: true,
            },
            json!({"status": "created", "id": "acme/pdf-2", "version": "1.0.0", "renamed": true}),
        ),
        (
            ImportResponse::Updated {
                id: "acme/pdf".into(),
                version: "1.1.0".into(),
            },
            json!({"status": "updated", "id": "acme/pdf", "version": "1.1.0"}),
        ),
        (
            ImportResponse::Unchanged {
                id: "acme/pdf".into(),
            },
            json!({"status": "unchanged", "id": "acme/pdf"}),
        ),
        (
            ImportResponse::Skipped(conflict.clone()),
            json!({"status": "skipped", "existing_skill_id": "acme/pdf",
                "existing_created_by": "alice", "can_overwrite": false}),
        ),
        (
            ImportResponse::Conflict(conflict),
            json!({"status": "conflict", "existing_skill_id": "acme/pdf",
                "existing_created_by": "alice", "can_overwrite": false}),
        ),
    ];
    for (value, expected) in &cases {
        round_trip(value, expected);
    }
}

#[test]
fn token_namespace_key_and_event_bodies_round_trip() {
    let token = TokenBody {
        id: "tok-1".into(),
        user: "alice".into(),
        name: "ci".into(),
        scopes: vec!["publish-new".into()],
        namespaces: vec!["acme/*".into()],
        created_at_ms: 1,
        revoked_at_ms: None,
        expires_at_ms: Some(2),
    };
    let token_json = json!({"id": "tok-1", "user": "alice", "name": "ci",
        "scopes": ["publish-new"], "namespaces": ["acme/*"], "created_at_ms": 1,
        "revoked_at_ms": null, "expires_at_ms": 2});
    round_trip(
        &CreatedToken {
            token: token.clone(),
            secret: "skr_secret".into(),
        },
        &{
            let mut created = token_json.clone();
            created["token"] = json!("skr_secret");
            created
        },
    );
    round_trip(
        &TokenList {
            tokens: vec![token],
        },
        &json!({"tokens": [token_json]}),
    );
    round_trip(
        &CreateTokenBody {
            name: "ci".into(),
            scopes: vec!["yank".into()],
            namespaces: vec![],
            user: None,
            expires_in_days: Some(30),
        },
        &json!({"name": "ci", "scopes": ["yank"], "namespaces": [], "expires_in_days": 30}),
    );
    round_trip(
        &RevokedToken {
            id: "tok-1".into(),
            revoked: true,
        },
        &json!({"id": "tok-1", "revoked": true}),
    );
    round_trip(
        &WhoamiBody {
            user: "alice".into(),
            scopes: vec!["admin".into()],
            namespaces: vec!["*".into()],
        },
        &json!({"user": "alice", "scopes": ["admin"], "namespaces": ["*"]}),
    );
    round_trip(
        &NamespaceBody {
            namespace: "acme".into(),
            members: vec![MemberView {
                user: "alice".into(),
                role: MemberRole::Owner,
            }],
            visibility: NamespaceVisibility::Internal,
            created_at_ms: 3,
        },
        &json!({"namespace": "acme", "members": [{"user": "alice", "role": "owner"}],
            "visibility": "internal", "created_at_ms": 3}),
    );
    round_trip(
        &MemberBody {
            role: MemberRole::Member,
        },
        &json!({"role": "member"}),
    );
    round_trip(
        &CreateNamespaceBody {
            namespace: "acme/tools".into(),
            visibility: None,
        },
        &json!({"namespace": "acme/tools"}),
    );
    round_trip(
        &CreateNamespaceBody {
            namespace: "acme/secret".into(),
            visibility: Some(NamespaceVisibility::Private),
        },
        &json!({"namespace": "acme/secret", "visibility": "private"}),
    );
    round_trip(
        &VisibilityBody {
            visibility: NamespaceVisibility::Internal,
        },
        &json!({"visibility": "internal"}),
    );
    round_trip(
        &RegisterKeyBody {
            algorithm: None,
            public_key: "ab".into(),
            proof: "cd".into(),
        },
        &json!({"public_key": "ab", "proof": "cd"}),
    );
    round_trip(
        &PublisherKeyBody {
            key_id: "ed25519:ab".into(),
            algorithm: "ed25519".into(),
            public_key: "ab".into(),
            user: "alice".into(),
            created_at_ms: 1,
            revoked_at_ms: None,
        },
        &json!({"key_id": "ed25519:ab", "algorithm": "ed25519", "public_key": "ab",
            "user": "alice", "created_at_ms": 1, "revoked_at_ms": null}),
    );
    round_trip(
        &EventBody {
            skill: Some("acme/pdf".into()),
            version: Some("1.0.0".into()),
            profile: None,
            revision: None,
            at_ms: 4,
        },
        &json!({"skill": "acme/pdf", "version": "1.0.0", "at_ms": 4}),
    );
    round_trip(
        &EventBody {
            skill: None,
            version: None,
            profile: Some("acme/frontend".into()),
            revision: Some(3),
            at_ms: 5,
        },
        &json!({"profile": "acme/frontend", "revision": 3, "at_ms": 5}),
    );
    round_trip(
        &ProfileBody {
            id: "acme/frontend".into(),
            description: "Frontend agent".into(),
            revision: 2,
            skills: vec![ProfileSkill {
                id: "acme/pdf".into(),
                uid: "u1".into(),
                version: "^1".into(),
            }],
            created_by: "ann".into(),
            created_at_ms: 1,
            updated_at_ms: 2,
        },
        &json!({"id": "acme/frontend", "description": "Frontend agent", "revision": 2,
            "skills": [{"id": "acme/pdf", "uid": "u1", "version": "^1"}],
            "created_by": "ann", "created_at_ms": 1, "updated_at_ms": 2}),
    );
}

#[test]
fn query_parameters_leave_out_what_is_not_set() {
    round_trip(&SearchParams::default(), &json!({}));
    round_trip(
        &SearchParams {
            q: Some("pdf".into()),
            limit: Some(5),
            ..SearchParams::default()
        },
        &json!({"q": "pdf", "limit": 5}),
    );
    round_trip(
        &BrowseParams {
            kind: Some("skill".into()),
            ..BrowseParams::default()
        },
        &json!({"type": "skill"}),
    );
}

#[test]
fn package_documents_round_trip_and_read_the_standard_minimum() {
    let (sig, sig_json) = signature();
    let package = PackageBody {
        id: "pkg_skl_00".into(),
        kind: "skill".into(),
        namespace: "acme".into(),
        name: "pdf".into(),
        version: "1.0.0".into(),
        release_date: "2026-01-02".into(),
        description: "d".into(),
        license: None,
        allowed_tools: vec!["Bash".into()],
        tags: vec![],
        files: vec!["SKILL.md".into()],
        archive_digest: "sha256:a".into(),
        content_digest: Some("sha256:b".into()),
        size: 10,
        skill_id: "acme/pdf".into(),
        yanked: false,
        download_url: "/d".into(),
        signatures: vec![sig],
    };
    let package_json = json!({"id": "pkg_skl_00", "type": "skill", "namespace": "acme",
        "name": "pdf", "version": "1.0.0", "release_date": "2026-01-02", "description": "d",
        "license": null, "allowed_tools": ["Bash"], "tags": [], "files": ["SKILL.md"],
        "archive_digest": "sha256:a", "content_digest": "sha256:b", "size": 10,
        "skill_id": "acme/pdf", "yanked": false, "download_url": "/d",
        "signatures": [sig_json]});
    round_trip(
        &BrowseResponse {
            packages: vec![package],
            count: 1,
        },
        &json!({"packages": [package_json], "count": 1}),
    );
    // Another registry of the standard, without skillreg's additions.
    let minimal: PackageBody = serde_json::from_value(json!({"namespace": "acme", "name": "pdf",
        "version": "1.0.0", "archive_digest": "sha256:a", "download_url": "/d"}))
    .unwrap();
    assert_eq!(minimal.kind, "skill");
    assert!(minimal.signatures.is_empty() && !minimal.yanked);
    let metadata = serde_json::to_value(RegistryMetadata::skillreg(
        "https://skills.example.com",
        true,
    ))
    .unwrap();
    assert_eq!(metadata["standard"], "package-registry");
    assert_eq!(
        metadata["endpoints"]["package"],
        "https://skills.example.com/packages/{id}"
    );
}

#[test]
fn oci_bodies_round_trip() {
    round_trip(
        &OciErrors::one("NAME_UNKNOWN", "no skill"),
        &json!({"errors": [{"code": "NAME_UNKNOWN", "message": "no skill", "detail": null}]}),
    );
    round_trip(
        &TagList {
            name: "acme/pdf".into(),
            tags: vec!["1.0.0".into(), "latest".into()],
        },
        &json!({"name": "acme/pdf", "tags": ["1.0.0", "latest"]}),
    );
}

#[test]
fn audit_bodies_round_trip() {
    let note = |text: &str| AuditNote {
        note: text.into(),
        by: "alice".into(),
        at_ms: 9,
    };
    round_trip(
        &VersionAudit {
            id: "acme/pdf".into(),
            version: "1.2.0".into(),
            audit: Some(AuditBody {
                verdict: "pass".into(),
                rules_version: 1,
                findings: vec![AuditFinding {
                    code: "danger.sudo".into(),
                    severity: "warn".into(),
                    path: "run.sh".into(),
                    line: 3,
                    message: "m".into(),
                    remediation: "r".into(),
                    fingerprint: "f00d".into(),
                    false_positive: Some(note("runs apt in a container")),
                }],
                overridden: Some(OverrideBody {
                    verdict: "pass".into(),
                    note: note("checked"),
                }),
            }),
        },
        &json!({"id": "acme/pdf", "version": "1.2.0", "audit": {"verdict": "pass",
            "rules_version": 1, "findings": [{"code": "danger.sudo", "severity": "warn",
            "path": "run.sh", "line": 3, "message": "m", "remediation": "r", "fingerprint": "f00d",
            "false_positive": {"note": "runs apt in a container", "by": "alice", "at_ms": 9}}],
            "overridden": {"verdict": "pass", "note": "checked", "by": "alice", "at_ms": 9}}}),
    );
    round_trip(
        &RescanResponse {
            scanned: 2,
            changed: vec![VerdictChangeBody {
                id: "acme/pdf".into(),
                version: "1.2.0".into(),
                from: None,
                to: "warn".into(),
            }],
            failed: vec![RescanFailureBody {
                skill_uid: "u1".into(),
                version: "1.0.0".into(),
                reason: "gone".into(),
            }],
            next: Some("u1/1.2.0".into()),
        },
        &json!({"scanned": 2, "changed": [{"id": "acme/pdf", "version": "1.2.0", "from": null,
            "to": "warn"}], "failed": [{"skill_uid": "u1", "version": "1.0.0", "reason": "gone"}],
            "next": "u1/1.2.0"}),
    );
}
