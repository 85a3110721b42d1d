//! Tokens and publisher keys.

use super::*;

/// Tokens are found by id and by the digest of their secret, listed per user, revoked
/// once; creating and revoking each leave an audit entry.
pub async fn tokens_are_found_by_secret_and_revoked(store: &dyn SkillStore) {
    let token = token_record("tok-1", "alice", b"secret-1");
    store
        .insert_token(&token, &audit("token.create", "alice:tok-1", T0))
        .await
        .unwrap();
    assert!(matches!(
        store
            .insert_token(&token, &audit("token.create", "again", T0))
            .await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store
            .token_by_secret(&Digest::of(b"secret-1"))
            .await
            .unwrap(),
        Some(token.clone())
    );
    assert_eq!(
        store.token_by_secret(&Digest::of(b"other")).await.unwrap(),
        None
    );
    assert_eq!(store.token(&token.id).await.unwrap(), Some(token.clone()));
    assert_eq!(
        store.token(&"tok-none".parse().unwrap()).await.unwrap(),
        None
    );
    assert_eq!(
        store.tokens_of(&user("alice")).await.unwrap(),
        vec![token.clone()]
    );
    assert!(store.tokens_of(&user("bob")).await.unwrap().is_empty());
    let revoke = audit("token.revoke", "alice:tok-1", T0 + 1);
    assert!(
        !store
            .revoke_token(&user("bob"), &token.id, at(T0 + 1), &revoke)
            .await
            .unwrap(),
        "only the owner revokes"
    );
    assert!(
        store
            .revoke_token(&user("alice"), &token.id, at(T0 + 1), &revoke)
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_token(&user("alice"), &token.id, at(T0 + 2), &revoke)
            .await
            .unwrap()
    );
    let revoked = store
        .token_by_secret(&Digest::of(b"secret-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(at(T0 + 1)));
    let expiring = TokenRecord {
        expires_at: Some(at(T0 + DAY)),
        ..token_record("tok-2", "alice", b"secret-2")
    };
    store
        .insert_token(&expiring, &audit("token.create", "alice:tok-2", T0))
        .await
        .unwrap();
    let read = store.token(&expiring.id).await.unwrap().unwrap();
    assert_eq!(read, expiring, "the expiry is kept");
    assert!(read.is_live(at(T0 + DAY - 1)) && !read.is_live(at(T0 + DAY)));
    let actions: Vec<String> = store
        .audit_log(10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(actions, ["token.create", "token.revoke", "token.create"]);
}

/// A key id belongs to the user who registered it; a new registration is audited once.
pub async fn publisher_keys_belong_to_one_user(store: &dyn SkillStore) {
    let key = PublisherKey {
        key_id: "ed25519:0011".to_owned(),
        user: user("alice"),
        public_key: vec![1, 2, 3],
        created_at: at(T0),
        revoked_at: None,
    };
    let registered = audit("key.register", "ed25519:0011", T0);
    store.add_publisher_key(&key, &registered).await.unwrap();
    store.add_publisher_key(&key, &registered).await.unwrap();
    let stolen = PublisherKey {
        user: user("mallory"),
        ..key.clone()
    };
    assert!(matches!(
        store.add_publisher_key(&stolen, &registered).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store.publisher_key("ed25519:0011").await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(store.publisher_key("ed25519:ffff").await.unwrap(), None);
    assert_eq!(store.audit_log(10).await.unwrap().len(), 1);
    let revoke = audit("key.revoke", "ed25519:0011", T0 + 1);
    assert!(
        store
            .revoke_publisher_key("ed25519:0011", at(T0 + 1), &revoke)
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_publisher_key("ed25519:0011", at(T0 + 2), &revoke)
            .await
            .unwrap(),
        "revoked once"
    );
    assert!(
        !store
            .revoke_publisher_key("ed25519:ffff", at(T0 + 2), &revoke)
            .await
            .unwrap()
    );
    let read = store.publisher_key("ed25519:0011").await.unwrap().unwrap();
    assert_eq!(read.revoked_at, Some(at(T0 + 1)));
    // Registering it again does not bring it back.
    store.add_publisher_key(&key, &registered).await.unwrap();
    assert_eq!(
        store
            .publisher_key("ed25519:0011")
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(at(T0 + 1))
    );
    assert_eq!(store.audit_log(10).await.unwrap().len(), 2);
}
