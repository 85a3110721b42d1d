//! Test support for skillreg: in-memory fakes and mockall mocks of every port, proptest
//! strategies, the port contract suites every adapter runs, the fixture loader, and an HTTP
//! request reader for canned servers.
//!
//! Everything here is for tests: helpers panic with a clear message on broken fixtures
//! rather than return errors.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test support: a broken fixture or a failed contract check is a test failure with a location"
)]

pub mod contract;
pub mod fakes;
pub mod fixtures;
pub mod http;
pub mod mocks;
pub mod oci_registry;
pub mod process;
pub mod race;
pub mod s3_server;
pub mod serving;
pub mod strategies;
pub mod vectors;

use std::sync::Arc;

use skillreg_core::usecases::{Registry, RegistryConfig};

/// The in-memory parts a [`Registry`] is assembled from, kept so tests can look inside.
#[derive(Debug, Clone)]
pub struct TestRegistry {
    /// The registry under test.
    pub registry: Registry,
    /// Its store.
    pub store: Arc<fakes::MemoryStore>,
    /// Its blobs.
    pub blobs: Arc<fakes::MemoryBlobs>,
    /// Its clock.
    pub clock: Arc<fakes::ManualClock>,
}

impl TestRegistry {
    /// A registry over fresh in-memory fakes, default settings.
    pub fn new() -> Self {
        TestRegistry::with_config(RegistryConfig::default())
    }

    /// A registry over fresh in-memory fakes.
    pub fn with_config(config: RegistryConfig) -> Self {
        let store = Arc::new(fakes::MemoryStore::new());
        let blobs = Arc::new(fakes::MemoryBlobs::new());
        let clock = Arc::new(fakes::ManualClock::default());
        let registry = Registry::new(
            store.clone(),
            blobs.clone(),
            clock.clone(),
            Arc::new(fakes::SequentialIds::default()),
            config,
        );
        TestRegistry {
            registry,
            store,
            blobs,
            clock,
        }
    }
}

impl TestRegistry {
    /// Another registry over the same store, blobs and clock, with other settings (a
    /// restart with a new policy, say).
    pub fn reconfigured(&self, config: RegistryConfig) -> Self {
        TestRegistry {
            registry: Registry::new(
                self.store.clone(),
                self.blobs.clone(),
                self.clock.clone(),
                Arc::new(fakes::SequentialIds::default()),
                config,
            ),
            ..self.clone()
        }
    }

    /// Every event recorded so far.
    ///
    /// # Panics
    /// Never: the in-memory store does not fail.
    pub async fn store_events(&self) -> Vec<skillreg_core::model::EventRecord> {
        use skillreg_core::ports::EventStore as _;
        self.store
            .events_after(0, u32::MAX)
            .await
            .unwrap_or_default()
    }

    /// Every stored blob's digest.
    pub async fn blob_digests(&self) -> Vec<skillreg_core::Digest> {
        use skillreg_core::ports::BlobStore as _;
        self.blobs.list().await.unwrap_or_default()
    }
}

impl Default for TestRegistry {
    fn default() -> Self {
        TestRegistry::new()
    }
}

/// Gives `user` `role` in `namespace` (`None` removes them) straight in the store, as an
/// admin would; the store's own rules (the last owner stays) still apply.
///
/// # Errors
/// What [`skillreg_core::ports::NamespaceStore::set_member`] returns.
pub async fn set_role(
    store: &dyn skillreg_core::ports::SkillStore,
    namespace: &str,
    user: &str,
    role: Option<skillreg_core::model::Role>,
) -> Result<(), skillreg_core::ports::StoreError> {
    store
        .set_member(&skillreg_core::ports::MemberChange {
            namespace: namespace.parse().expect("a valid namespace"),
            user: user.parse().expect("a valid user"),
            role,
            by_owner: None,
            audit: skillreg_core::model::AuditEntry {
                actor: "admin".parse().expect("a valid user"),
                action: "member.set".to_owned(),
                target: format!("{namespace}:{user}"),
                at: skillreg_core::model::Timestamp::default(),
            },
        })
        .await
}

/// Stores a token straight into `store`, bypassing who may grant it (a test's first users
/// have no one to grant them anything); its secret comes from `random`.
pub async fn issue_token(
    store: &dyn skillreg_core::ports::SkillStore,
    random: [u8; 32],
    user: &str,
    name: &str,
    scopes: Vec<skillreg_core::model::TokenScope>,
    namespaces: Vec<skillreg_core::auth::NamespacePattern>,
    now: skillreg_core::model::Timestamp,
) -> skillreg_core::usecases::IssuedToken {
    let issued = skillreg_core::usecases::mint_token(
        random,
        user.parse().unwrap(),
        name,
        scopes,
        namespaces,
        now,
    )
    .unwrap();
    let audit = skillreg_core::model::AuditEntry {
        actor: issued.record.user.clone(),
        action: "token.create".to_owned(),
        target: format!("{}:{}", issued.record.user, issued.record.id),
        at: now,
    };
    store.insert_token(&issued.record, &audit).await.unwrap();
    issued
}
