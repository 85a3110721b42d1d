//! The `SkillStore` the SQLite and PostgreSQL stores share, one file per port of the store
//! (and one for the store's own helpers), each a macro instantiated for a store type and its
//! database by [`sql_skill_store`](crate::sql::sql_skill_store).

pub(crate) mod catalog;
pub(crate) mod credentials;
pub(crate) mod events;
pub(crate) mod inherent;
pub(crate) mod namespaces;
pub(crate) mod search;
pub(crate) mod stats;
