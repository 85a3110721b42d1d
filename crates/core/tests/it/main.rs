//! Integration tests of `skillreg-core`: use cases over the in-memory fakes, resolution,
//! property tests against oracles, and the fixture skills.

#![expect(
    clippy::unwrap_used,
    reason = "in tests an unwrap is an assertion with a location"
)]

mod fixtures;
mod import;
mod install;
mod properties;
mod publish;
mod reads;
mod registry_ops;
mod resolve;
mod tokens;

use skillreg_core::auth::Actor;
use skillreg_core::model::TokenScope;

/// An actor with every publishing scope, limited to nothing.
pub(crate) fn actor(user: &str) -> Actor {
    Actor::new(
        user.parse().unwrap(),
        vec![
            TokenScope::PublishNew,
            TokenScope::PublishUpdate,
            TokenScope::Yank,
            TokenScope::Rate,
        ],
        vec!["*".parse().unwrap()],
    )
}
