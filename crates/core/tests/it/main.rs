//! Integration tests of `skillreg-core`: use cases over the in-memory fakes, resolution,
//! property tests against oracles, and the fixture skills.

#![expect(
    clippy::unwrap_used,
    reason = "in tests an unwrap is an assertion with a location"
)]

mod audit;
mod fixtures;
mod import;
mod install;
mod profiles;
mod properties;
mod publish;
mod reads;
mod registry_ops;
mod resolve;
mod tokens;
mod vectors;
mod visibility;

use skillreg_core::auth::Actor;
use skillreg_core::model::TokenScope;
use skillreg_core::usecases::{BundleInput, PublishRequest};
use skillreg_testkit::TestRegistry;
use skillreg_testkit::fixtures::skill_files;

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

/// Publishes `version` of `namespace/name` as alice: a SKILL.md with `description` and the
/// extra frontmatter lines `frontmatter`, and a file that differs per version.
pub(crate) async fn publish_version(
    t: &TestRegistry,
    namespace: &str,
    name: &str,
    version: &str,
    description: &str,
    frontmatter: &str,
) {
    t.registry
        .publish(
            &actor("alice"),
            PublishRequest {
                namespace: namespace.parse().unwrap(),
                bundle: BundleInput::Files(skill_files(
                    name,
                    description,
                    frontmatter,
                    &[("v.txt", version)],
                )),
                version: Some(version.parse().unwrap()),
                signatures: Vec::new(),
            },
        )
        .await
        .unwrap();
}

/// A skill id.
pub(crate) fn id(text: &str) -> skillreg_core::SkillId {
    text.parse().unwrap()
}
