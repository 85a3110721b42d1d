//! What core does not do itself: read the time ([`Clock`]) and make ids and secrets
//! ([`IdSource`]).

use crate::model::{SkillUid, Timestamp};

/// The time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// New ids (adapters use randomness or a sequence; core has neither).
pub trait IdSource: Send + Sync + std::fmt::Debug {
    /// A new, never-used stable skill id.
    fn skill_uid(&self) -> SkillUid;

    /// 32 unpredictable bytes for a token's secret; `None` when there is no source of
    /// randomness (a token is then refused, never made from something guessable).
    fn secret(&self) -> Option<[u8; 32]>;
}
