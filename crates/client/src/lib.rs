//! The skillreg client's application logic, apart from its command line: the project's
//! files as types ([`project`]), the ordered list of sources and the keys that check a
//! resolution's signatures ([`sources`]), the checks between fetching and writing
//! ([`checks`]), installing and uninstalling one skill ([`install`]) and which locked skills
//! are behind ([`mod@outdated`]), what following the lock does, skill by skill ([`sync`]),
//! what following an agent profile does ([`profiles`]), and checking a registry's
//! transparency log before an install ([`transparency`]) and walking all of it
//! ([`mod@monitor`]). The CLI parses arguments,
//! builds adapters, calls these and prints.

pub mod checks;
pub mod install;
pub mod monitor;
pub mod outdated;
pub mod profiles;
pub mod project;
pub mod sources;
pub mod sync;
pub mod transparency;

pub use checks::{ArchiveChanged, SignerChanged, check_locked_archive, check_signer, signer_text};
pub use install::{
    Comparison, InstallFailure, Installed, Installer, Notes, Trust, Uninstall, folders, skill_dirs,
};
pub use monitor::{MonitorReport, Problem, monitor};
pub use outdated::{Outdated, outdated};
pub use profiles::{ProfilePlan, plan_profile};
pub use project::{Lock, LockEntry, Project, ProjectError, ProjectManifest, write_atomically};
pub use sources::{KeyError, KeyLookup, PublisherKey, ResolutionKeys, Source, resolution_keys};
pub use sync::{InstallStep, SyncError, UpdateStep, Wanted, plan_install, plan_update};
pub use transparency::{LogFailure, LogTrust, LogView};
