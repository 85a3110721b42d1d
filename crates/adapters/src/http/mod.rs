//! The client of a skillreg registry's HTTP API ([`RegistryClient`]), which is also a
//! [`SkillLookup`](skillreg_core::ports::SkillLookup) source of the resolution cascade, and
//! [`PrsClient`], a source over any registry that speaks the Package Registry Standard read
//! surface.
//!
//! Errors map the envelope's `type` first and the status code second. Only idempotent
//! calls (reads) are retried: on connection failures, on 5xx, and on 429 when the
//! `Retry-After` it names is short enough to wait for; everything else fails at once with
//! the registry's own message (sanitized: control characters stripped, cut at 256
//! characters).

mod error;
mod log;
mod profiles;
mod prs;
mod registry;
mod transport;

pub use error::{ApiFailure, ClientError};
pub use prs::PrsClient;
pub use registry::RegistryClient;
pub(crate) use transport::tls_provider;
pub use transport::{ClientOptions, RetryPolicy, TransferProgress};

#[cfg(test)]
mod tests;
