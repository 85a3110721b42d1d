//! The filesystem blob store: the contract suite, a reader racing writers, corruption.

use std::sync::Arc;

use skillreg_adapters::FsBlobStore;
use skillreg_core::Digest;
use skillreg_core::ports::{BlobError, BlobStore, PutOutcome};

struct TempBlobs {
    store: FsBlobStore,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TempBlobs {
    type Target = FsBlobStore;
    fn deref(&self) -> &FsBlobStore {
        &self.store
    }
}

async fn blobs() -> TempBlobs {
    let dir = tempfile::tempdir().unwrap();
    TempBlobs {
        store: FsBlobStore::open(dir.path()).unwrap(),
        _dir: dir,
    }
}

mod contract {
    skillreg_testkit::blob_store_contract!(super::blobs());
}

struct TempCachedBlobs {
    store: skillreg_adapters::cache::CachingBlobs,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TempCachedBlobs {
    type Target = skillreg_adapters::cache::CachingBlobs;
    fn deref(&self) -> &Self::Target {
        &self.store
    }
}

async fn cached_blobs() -> TempCachedBlobs {
    let dir = tempfile::tempdir().unwrap();
    TempCachedBlobs {
        store: skillreg_adapters::cache::CachingBlobs::new(
            Arc::new(FsBlobStore::open(dir.path()).unwrap()),
            64 * 1024,
        ),
        _dir: dir,
    }
}

mod cached_contract {
    skillreg_testkit::blob_store_contract!(super::cached_blobs());
}

/// An S3 blob store on a real S3 server of its own (moto), in a fresh bucket.
struct TempS3 {
    store: skillreg_adapters::S3BlobStore,
    _server: skillreg_testkit::s3_server::S3Server,
}

impl std::ops::Deref for TempS3 {
    type Target = skillreg_adapters::S3BlobStore;
    fn deref(&self) -> &Self::Target {
        &self.store
    }
}

async fn s3_blobs() -> TempS3 {
    let server = skillreg_testkit::s3_server::S3Server::start();
    server.create_bucket("skills");
    let store =
        skillreg_adapters::S3BlobStore::open("s3://skills/registry/blobs", &server.options())
            .await
            .unwrap();
    TempS3 {
        store,
        _server: server,
    }
}

mod s3_contract {
    skillreg_testkit::blob_store_contract!(super::s3_blobs());
}

/// An object changed behind the store's back is refused, not served; a foreign object
/// beside the blobs is not listed as one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_blobs_are_checked_when_read() {
    let s3 = s3_blobs().await;
    let bytes = b"an archive".to_vec();
    let digest = Digest::of(&bytes);
    s3.put(&digest, &bytes).await.unwrap();
    let key = format!("registry/blobs/sha256/{}", digest.hex());
    s3._server.put_object("skills", &key, b"other bytes").await;
    assert_eq!(s3.get(&digest).await, Err(BlobError::Corrupt(digest)));
    s3._server
        .put_object("skills", "registry/blobs/sha256/notes.txt", b"not a blob")
        .await;
    assert_eq!(s3.list().await.unwrap(), vec![digest]);
}

/// A URL that is not `s3://bucket/…`, an unknown option and a bucket that is not there are
/// refused when the store opens, each naming what was wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_settings_are_checked_when_the_store_opens() {
    let server = skillreg_testkit::s3_server::S3Server::start();
    let options = server.options();
    let message = |result: Result<skillreg_adapters::S3BlobStore, BlobError>| match result {
        Err(BlobError::Unavailable(message)) => message,
        other => panic!("{other:?}"),
    };
    let wrong = message(skillreg_adapters::S3BlobStore::open("https://bucket/x", &options).await);
    assert!(wrong.contains("s3://bucket/prefix"), "{wrong}");
    let mut unknown = options.clone();
    unknown.insert("colour".to_owned(), "blue".to_owned());
    let wrong = message(skillreg_adapters::S3BlobStore::open("s3://skills", &unknown).await);
    assert!(wrong.contains("`colour`"), "{wrong}");
    let wrong = message(skillreg_adapters::S3BlobStore::open("s3://missing/x", &options).await);
    assert!(wrong.contains("s3://missing/x"), "{wrong}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_racing_writers_see_all_or_nothing() {
    let blobs = Arc::new(blobs().await);
    let bytes: Arc<Vec<u8>> = Arc::new((0..4_000_000u32).map(|i| (i % 253) as u8).collect());
    let digest = Digest::of(&bytes);
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (blobs, bytes) = (Arc::clone(&blobs), Arc::clone(&bytes));
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                blobs.put(&digest, &bytes).await.map(|_| ())
            } else {
                for _ in 0..20 {
                    if let Some(read) = blobs.get(&digest).await? {
                        assert!(
                            read.as_slice() == bytes.as_slice(),
                            "a reader saw a partial blob"
                        );
                    }
                }
                Ok(())
            }
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(blobs.list().await.unwrap(), vec![digest]);
    let leftovers = std::fs::read_dir(blobs.root().join("tmp")).unwrap().count();
    assert_eq!(leftovers, 0, "no temporary files are left behind");
}

#[tokio::test]
async fn a_blob_whose_bytes_changed_is_not_served() {
    let blobs = blobs().await;
    let bytes = b"the archive".to_vec();
    let digest = Digest::of(&bytes);
    assert_eq!(
        blobs.put(&digest, &bytes).await.unwrap(),
        PutOutcome::Stored
    );
    std::fs::write(blobs.path_of(&digest), b"the archivf").unwrap();
    assert_eq!(blobs.get(&digest).await, Err(BlobError::Corrupt(digest)));
}

#[tokio::test]
async fn stray_files_are_not_listed() {
    let blobs = blobs().await;
    std::fs::create_dir_all(blobs.root().join("sha256/zz")).unwrap();
    std::fs::write(blobs.root().join("sha256/zz/not-a-digest"), b"x").unwrap();
    assert!(blobs.list().await.unwrap().is_empty());
}
