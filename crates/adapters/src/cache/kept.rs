//! What the caching store keeps, and what a write drops of it.

use std::collections::BTreeMap;

use skillreg_core::model::{NamespaceRecord, SearchPage, SkillRecord, TokenRecord, VersionRecord};
use skillreg_core::ports::RestrictedNamespace;

/// A skill with its versions, or its absence.
pub(super) type SkillEntry = Option<(SkillRecord, Vec<VersionRecord>)>;

#[derive(Debug, Default)]
pub(super) struct Cached {
    /// Bumped by every write.
    pub(super) generation: u64,
    pub(super) skills: BTreeMap<String, SkillEntry>,
    pub(super) searches: BTreeMap<String, SearchPage>,
    pub(super) namespaces: BTreeMap<String, Option<NamespaceRecord>>,
    /// By user (empty: anonymous).
    pub(super) restricted: BTreeMap<String, Vec<RestrictedNamespace>>,
    /// Live tokens by secret digest (unknown secrets are not kept).
    pub(super) tokens: BTreeMap<String, Option<TokenRecord>>,
}

/// What a write may change, beyond search pages (which every write drops).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Changes {
    /// Counters only.
    Counters,
    /// Skills and versions.
    Skills,
    /// Namespaces: members, visibility.
    Namespaces,
    /// Tokens.
    Tokens,
}

impl Cached {
    /// Drops what a write may have changed: search pages always, and what `changes`
    /// names; bumps the generation, so reads that began before it keep nothing.
    pub(super) fn drop_changed(&mut self, changes: Changes) {
        self.generation += 1;
        match changes {
            Changes::Counters => {}
            Changes::Skills => self.skills.clear(),
            Changes::Namespaces => {
                self.namespaces.clear();
                self.restricted.clear();
            }
            Changes::Tokens => self.tokens.clear(),
        }
        self.searches.clear();
    }
}
