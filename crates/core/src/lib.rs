//! The skillreg domain: what a skill, a version, a bundle and a registry are, the rules that
//! decide conflicts and resolution, the ports adapters implement, and the use cases over them.
//!
//! This crate does no I/O: no files, no network, no clock, no randomness. Time and ids come
//! through ports ([`ports::Clock`], [`ports::IdSource`]); bytes come in as slices.

pub mod audit;
pub mod auth;
pub mod bundle;
pub mod clawhub;
pub mod clients;
pub mod conflict;
pub mod digest;
pub mod identity;
pub mod install;
pub mod log;
pub mod manifest;
pub mod model;
pub mod oci;
pub mod package;
pub mod plugin;
pub mod ports;
pub mod profile;
pub mod resolve;
pub mod signature;
pub mod text;
pub mod usecases;
pub mod version;

pub use digest::Digest;
pub use identity::{LookupKey, Namespace, SkillId, SkillName, SkillRef};
pub use version::{Version, VersionReq};
