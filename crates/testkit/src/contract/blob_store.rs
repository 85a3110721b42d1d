//! The [`BlobStore`] contract.

use futures::future::join_all;
use skillreg_core::Digest;
use skillreg_core::ports::{BlobError, BlobStore, PutOutcome};

/// Put, get, exists, list and delete agree with each other.
pub async fn put_get_exists_list_delete(store: &dyn BlobStore) {
    let (a, b) = (b"first blob".to_vec(), b"second blob".to_vec());
    let (da, db) = (Digest::of(&a), Digest::of(&b));
    assert!(!store.exists(&da).await.unwrap());
    assert_eq!(store.get(&da).await.unwrap(), None);
    assert_eq!(store.put(&da, &a).await.unwrap(), PutOutcome::Stored);
    assert_eq!(store.put(&db, &b).await.unwrap(), PutOutcome::Stored);
    assert!(store.exists(&da).await.unwrap());
    assert_eq!(store.get(&da).await.unwrap().as_deref(), Some(a.as_slice()));
    let mut expected = vec![da, db];
    expected.sort();
    assert_eq!(store.list().await.unwrap(), expected);
    assert!(store.delete(&da).await.unwrap());
    assert!(!store.delete(&da).await.unwrap());
    assert_eq!(store.list().await.unwrap(), vec![db]);
}

/// A second put of the same digest stores nothing and says so.
pub async fn put_is_create_only(store: &dyn BlobStore) {
    let bytes = b"same bytes".to_vec();
    let digest = Digest::of(&bytes);
    assert_eq!(
        store.put(&digest, &bytes).await.unwrap(),
        PutOutcome::Stored
    );
    assert_eq!(
        store.put(&digest, &bytes).await.unwrap(),
        PutOutcome::AlreadyPresent
    );
    assert_eq!(store.list().await.unwrap(), vec![digest]);
}

/// Bytes offered under another digest are refused and nothing is stored.
pub async fn put_refuses_mismatched_bytes(store: &dyn BlobStore) {
    let claimed = Digest::of(b"what was promised");
    let error = store.put(&claimed, b"something else").await.unwrap_err();
    assert_eq!(
        error,
        BlobError::DigestMismatch {
            expected: claimed,
            actual: Digest::of(b"something else")
        }
    );
    assert!(!store.exists(&claimed).await.unwrap());
    assert!(store.list().await.unwrap().is_empty());
}

/// Many writers and readers of one digest at once: every put succeeds, every read sees
/// either nothing or the whole blob.
pub async fn concurrent_puts_of_one_blob_agree(store: &dyn BlobStore) {
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let digest = Digest::of(&bytes);
    let puts = (0..8).map(|_| store.put(&digest, &bytes));
    let gets = (0..8).map(|_| store.get(&digest));
    let (put_results, get_results) = futures::join!(join_all(puts), join_all(gets));
    let stored = put_results
        .iter()
        .filter(|r| matches!(r, Ok(PutOutcome::Stored)))
        .count();
    assert!(put_results.iter().all(Result::is_ok), "{put_results:?}");
    assert_eq!(stored, 1, "exactly one put stores the blob, {stored} did");
    for got in get_results {
        match got.unwrap() {
            None => {}
            Some(read) => assert!(read == bytes, "a reader saw a partial blob"),
        }
    }
    assert_eq!(
        store.get(&digest).await.unwrap().as_deref(),
        Some(bytes.as_slice())
    );
}
