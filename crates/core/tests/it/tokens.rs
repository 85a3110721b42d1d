//! Making tokens: a token's secret authenticates its user until it is revoked or expires;
//! lifetimes are bounded; the first admin token is made once per database.

use skillreg_core::auth::Actor;
use skillreg_core::model::TokenScope;
use skillreg_core::usecases::{NewToken, RegistryError, is_token_shaped};
use skillreg_testkit::TestRegistry;

fn granter() -> Actor {
    Actor::new(
        "alice".parse().unwrap(),
        vec![TokenScope::Tokens, TokenScope::Yank],
        vec!["*".parse().unwrap()],
    )
}

fn request(days: Option<u32>) -> NewToken {
    NewToken {
        user: None,
        name: "ci".to_owned(),
        scopes: vec![TokenScope::Yank],
        namespaces: Vec::new(),
        expires_in_days: days,
    }
}

#[tokio::test]
async fn a_made_token_authenticates_its_user_until_it_expires() {
    let t = TestRegistry::new();
    let issued = t
        .registry
        .create_token(&granter(), request(Some(1)))
        .await
        .unwrap();
    assert!(is_token_shaped(&issued.secret));
    assert_eq!(issued.record.user.to_string(), "alice");
    assert_eq!(
        issued.record.namespaces.len(),
        1,
        "every namespace when none is given"
    );
    let actor = t
        .registry
        .authenticate(&issued.secret)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(actor.user().to_string(), "alice");
    assert_eq!(actor.scopes(), [TokenScope::Yank]);
    // A day and a moment later it stands for no one.
    t.clock.advance_days(1);
    t.clock.advance_millis(1);
    assert_eq!(t.registry.authenticate(&issued.secret).await.unwrap(), None);
    assert_eq!(t.registry.authenticate("skr_unknown").await.unwrap(), None);
}

#[tokio::test]
async fn lifetimes_outside_the_bounds_make_nothing() {
    let t = TestRegistry::new();
    for days in [0, 3651] {
        let error = t
            .registry
            .create_token(&granter(), request(Some(days)))
            .await
            .unwrap_err();
        assert!(matches!(error, RegistryError::Invalid(_)), "{error}");
    }
    let tokens = t.registry.tokens(&granter()).await.unwrap();
    assert!(tokens.is_empty(), "{tokens:?}");
}

#[tokio::test]
async fn the_first_admin_token_is_made_once() {
    let t = TestRegistry::new();
    let first = t.registry.first_admin_token(None).await.unwrap().unwrap();
    assert_eq!(first.record.id.to_string(), "tok-first-admin");
    assert!(
        t.registry
            .authenticate(&first.secret)
            .await
            .unwrap()
            .unwrap()
            .is_admin()
    );
    assert_eq!(t.registry.first_admin_token(None).await.unwrap(), None);
    // A given secret must look like a token.
    let fresh = TestRegistry::new();
    for bad in ["not-a-token", "skr_short"] {
        assert!(matches!(
            fresh.registry.first_admin_token(Some(bad)).await,
            Err(RegistryError::Invalid(_))
        ));
    }
    let given = format!("skr_{}", "7".repeat(64));
    let made = fresh
        .registry
        .first_admin_token(Some(&given))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(made.secret, given);
}
