//! The [`SkillStore`] contract: what every store (in-memory, SQLite, Postgres) must do,
//! checked with the same calls and the same expected results.
//!
//! One file per port of the store (`catalog`, `namespaces`, `credentials`, `stats`,
//! `search`, `events`, `profiles`, `log`); here the helpers they share.

use std::collections::BTreeSet;

use skillreg_core::auth::{NamespacePattern, Visibility};
use skillreg_core::identity::{Namespace, SkillId};
use skillreg_core::model::{
    AuditEntry, EventKind, NewVersion, PageStart, PublisherKey, RatingRecord, Role, SearchQuery,
    SearchSort, SkillRecord, SkillUid, Stars, Timestamp, TokenRecord, TokenScope, UserId,
    VersionMeta,
};
use skillreg_core::ports::{
    MemberChange, RestrictedNamespace, SkillStore, SkillTarget, StoreError, VersionWrite,
    WriteRight,
};
use skillreg_core::{Digest, Version};

/// 2026-01-01T00:00:00Z, the contract's "now".
pub const T0: i64 = 1_767_225_600_000;
const DAY: i64 = 86_400_000;

fn at(millis: i64) -> Timestamp {
    Timestamp::from_unix_millis(millis)
}

fn user(name: &str) -> UserId {
    name.parse().expect("valid user id")
}

fn id(text: &str) -> SkillId {
    text.parse().expect("valid skill id")
}

fn ver(text: &str) -> Version {
    text.parse().expect("valid version")
}

/// A skill record with a uid derived from its id.
pub fn skill_record(skill_id: &str, creator: &str, created_at: i64) -> SkillRecord {
    SkillRecord {
        uid: format!("uid-{}", skill_id.replace('/', "."))
            .parse()
            .expect("valid uid"),
        id: id(skill_id),
        created_by: user(creator),
        created_at: at(created_at),
        deprecation: None,
    }
}

/// A version whose digests derive from `content` (so equal content means equal digests).
pub fn new_version(
    version: &str,
    content: &str,
    description: &str,
    tags: &[&str],
    published_at: i64,
) -> NewVersion {
    NewVersion {
        version: ver(version),
        archive_digest: Digest::of(format!("archive:{content}").as_bytes()),
        content_digest: Digest::of(format!("content:{content}").as_bytes()),
        size: content.len() as u64,
        meta: VersionMeta {
            description: description.to_owned(),
            license: Some("MIT".to_owned()),
            allowed_tools: vec!["Read".to_owned()],
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            files: vec!["SKILL.md".parse().expect("valid path")],
        },
        published_by: user("alice"),
        published_at: at(published_at),
        signatures: Vec::new(),
        // Every store keeps the audit with the version, finding by finding.
        audit: Some(skillreg_core::audit::Audited::new(
            "policy-digest".to_owned(),
            skillreg_core::audit::stored_finding(
                "danger.sudo",
                skillreg_core::audit::Severity::Info,
                "scripts/run.sh".to_owned(),
                3,
                format!("fingerprint-{content}"),
            )
            .into_iter()
            .collect(),
        )),
    }
}

fn audit(action: &str, target: &str, when: i64) -> AuditEntry {
    AuditEntry {
        actor: user("alice"),
        action: action.to_owned(),
        target: target.to_owned(),
        at: at(when),
    }
}

fn write(target: SkillTarget, version: NewVersion, event: EventKind) -> VersionWrite {
    let audit = audit(
        "publish",
        &format!("{}", version.version),
        version.published_at.unix_millis(),
    );
    // The package id of a version of an existing skill is computed under a stand-in id
    // here; the package-id check writes its own.
    let skill_id = match &target {
        SkillTarget::New(record) => record.id.clone(),
        SkillTarget::Existing { uid, .. } => format!("existing/{uid}")
            .parse()
            .unwrap_or_else(|_| "existing/skill".parse().expect("a valid id")),
    };
    VersionWrite {
        package_id: skillreg_core::package::package_id(&skill_id, &version),
        target,
        version,
        event,
        audit,
        right: WriteRight::Admin,
    }
}

/// Creates a skill with one version; returns its record.
pub async fn create_skill(
    store: &dyn SkillStore,
    skill_id: &str,
    version: NewVersion,
) -> SkillRecord {
    let record = skill_record(skill_id, "alice", version.published_at.unix_millis());
    store
        .write_version(&write(
            SkillTarget::New(record.clone()),
            version,
            EventKind::SkillCreated,
        ))
        .await
        .unwrap_or_else(|e| panic!("create {skill_id}: {e}"));
    record
}

/// Adds a version to an existing skill.
pub async fn add_version(
    store: &dyn SkillStore,
    skill: &SkillRecord,
    version: NewVersion,
) -> Result<u64, StoreError> {
    let target = SkillTarget::Existing {
        uid: skill.uid.clone(),
        expected_creator: skill.created_by.clone(),
    };
    let mut write = write(target, version, EventKind::SkillUpdated);
    write.package_id = skillreg_core::package::package_id(&skill.id, &write.version);
    store.write_version(&write).await
}

fn query(text: Option<&str>) -> SearchQuery {
    SearchQuery {
        text: text.map(str::to_owned),
        tags: Vec::new(),
        namespace: None,
        min_rating: None,
        sort: SearchSort::Relevance,
        start: PageStart::Offset(0),
        limit: 50,
        trending_since: at(T0 - 7 * DAY),
        hidden: Vec::new(),
    }
}

fn hit_ids(page: &skillreg_core::model::SearchPage) -> Vec<String> {
    page.hits.iter().map(|h| h.skill.id.to_string()).collect()
}

fn change(namespace: &Namespace, who: &str, role: Option<Role>, by: Option<&str>) -> MemberChange {
    MemberChange {
        namespace: namespace.clone(),
        user: user(who),
        role,
        by_owner: by.map(user),
        audit: audit("member", &format!("{namespace}:{who}"), T0),
    }
}

fn token_record(id: &str, owner: &str, secret: &[u8]) -> TokenRecord {
    TokenRecord {
        id: id.parse().unwrap(),
        user: user(owner),
        name: "laptop".to_owned(),
        secret_digest: Digest::of(secret),
        scopes: vec![TokenScope::PublishNew, TokenScope::Rate],
        namespaces: vec![NamespacePattern::Any, "acme/*".parse().unwrap()],
        created_at: at(T0),
        revoked_at: None,
        expires_at: None,
    }
}

async fn search_corpus(store: &dyn SkillStore) {
    create_skill(
        store,
        "acme/pdf",
        new_version(
            "1.0.0",
            "p",
            "Fill and merge PDF forms",
            &["documents", "pdf"],
            T0,
        ),
    )
    .await;
    create_skill(
        store,
        "acme/pdf-extract",
        new_version(
            "1.0.0",
            "pe",
            "Extract tables from documents",
            &["pdf"],
            T0 + 1,
        ),
    )
    .await;
    create_skill(
        store,
        "acme/email/validator",
        new_version("1.0.0", "e", "Checks email addresses", &["email"], T0 + 2),
    )
    .await;
    create_skill(
        store,
        "other/reports",
        new_version(
            "1.0.0",
            "r",
            "Write weekly reports as PDF files",
            &["writing"],
            T0 + 3,
        ),
    )
    .await;
    create_skill(
        store,
        "other/brand",
        new_version("1.0.0", "b", "Apply brand colours", &["design"], T0 + 4),
    )
    .await;
}

mod audits;
mod catalog;
mod credentials;
mod events;
mod log;
mod namespaces;
mod profiles;
mod search;
mod stats;
mod visibility;

pub use audits::*;
pub use catalog::*;
pub use credentials::*;
pub use events::*;
pub use log::*;
pub use namespaces::*;
pub use profiles::*;
pub use search::*;
pub use stats::*;
pub use visibility::*;
