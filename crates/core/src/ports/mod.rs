//! The ports: traits `core` owns and adapters implement. Each states its contract as MUST
//! sentences; the contract suites in `skillreg-testkit` check every adapter against them.
//!
//! Ports are used as trait objects (`Arc<dyn SkillStore>`): one registry process picks its
//! adapters at start-up from configuration, so dynamic dispatch keeps the wiring and the
//! server's state free of generic parameters. The cost (one indirect call per port call) is
//! nothing next to the I/O behind it.
//!
//! By concern: [`store`] (the registry's records; agent profiles' port in [`profiles`]),
//! [`blobs`] (archives), [`lookup`] (the client's sources), [`signing`], [`system`] (time
//! and ids), [`install`] (skill folders on disk) and [`limits`] (rate limits every replica
//! shares), [`log`] (the transparency log's entries).

pub mod blobs;
pub mod install;
pub mod limits;
pub mod log;
pub mod lookup;
pub mod profiles;
pub mod signing;
pub mod store;
pub mod stores;
pub mod system;

pub use blobs::*;
pub use install::*;
pub use limits::{LimitStore, Rate};
pub use log::{LogStore, MAX_COSIGNED, StoredEntry};
pub use lookup::*;
pub use profiles::{NewProfile, ProfileEdit};
pub use signing::*;
pub use store::*;
pub use stores::Stores;
pub use system::*;
