//! The ports of [`SqlStore`](crate::sql::dialect::SqlStore), one file per port, and one for
//! the store's own helpers. Each is written once, for any [`Dialect`](crate::sql::Dialect).

mod audits;
pub(crate) mod catalog;
mod credentials;
mod events;
mod inherent;
mod log;
mod moves;
mod namespaces;
mod profiles;
mod search;
pub(crate) mod stats;
