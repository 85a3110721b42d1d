//! [`S3BlobStore`]: archives in an S3-compatible bucket, through `object_store`, named by
//! their sha256 under a prefix (`<prefix>/sha256/<hex>`). The same contract as the folder
//! store: a put is create-only (`If-None-Match: *`, so of concurrent writers of one digest
//! exactly one stores it and the rest see it there), an S3 put is atomic (no reader sees a
//! part of an object), and every read checks the bytes against the name.
//!
//! Settings come from the usual `AWS_*` variables (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`, …), then from the
//! options given (the same names without `aws_`: `region`, `endpoint`, `allow_http`,
//! `virtual_hosted_style_request`, …), then from the URL. Requests are path-style unless
//! `virtual_hosted_style_request` is set. With [`S3BlobStore::with_redirect`], downloads
//! go straight to the bucket: `download_url` hands out a presigned GET URL.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::TryStreamExt as _;
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::signer::Signer as _;
use object_store::{ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, PutPayload};
use skillreg_core::Digest;
use skillreg_core::ports::{BlobError, BlobStore, PutOutcome};

/// The S3 blob store.
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    store: Arc<AmazonS3>,
    /// How long a presigned download URL lasts; `None`: no URLs are handed out.
    redirect: Option<std::time::Duration>,
    /// `<prefix>/sha256`.
    folder: Path,
    /// `s3://bucket/prefix`, for messages.
    url: String,
}

fn unavailable(context: &str, error: &object_store::Error) -> BlobError {
    BlobError::Unavailable(format!("{context}: {error}"))
}

impl S3BlobStore {
    /// A store at `url` (`s3://bucket[/prefix]`), with `options` over the `AWS_*`
    /// variables. Checks that the bucket answers.
    ///
    /// # Errors
    /// [`BlobError::Unavailable`] for a URL that is not `s3://bucket[/prefix]`, an option
    /// the S3 client does not know, or a bucket that does not answer a listing.
    pub async fn open(url: &str, options: &BTreeMap<String, String>) -> Result<Self, BlobError> {
        let refuse = |reason: String| BlobError::Unavailable(format!("blob URL `{url}`: {reason}"));
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| refuse("write it as s3://bucket/prefix".to_owned()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(refuse("it names no bucket".to_owned()));
        }
        // The S3 client is reqwest over rustls, built without a provider of its own.
        crate::http::tls_provider();
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (key, value) in options {
            let parsed: AmazonS3ConfigKey = key.parse().map_err(|_| {
                refuse(format!("the S3 option `{key}` is not one the client knows"))
            })?;
            builder = builder.with_config(parsed, value);
        }
        let store = builder
            .build()
            .map_err(|e| refuse(format!("cannot make an S3 client: {e}")))?;
        let prefix = Path::parse(prefix.trim_matches('/'))
            .map_err(|e| refuse(format!("the prefix is not a valid path: {e}")))?;
        let opened = S3BlobStore {
            store: Arc::new(store),
            redirect: None,
            folder: prefix.clone().join("sha256"),
            url: url.to_owned(),
        };
        opened
            .store
            .list_with_delimiter(Some(&opened.folder))
            .await
            .map_err(|e| unavailable(&format!("listing {url}"), &e))?;
        Ok(opened)
    }

    /// Hands out presigned download URLs that last `ttl`.
    #[must_use]
    pub fn with_redirect(mut self, ttl: std::time::Duration) -> Self {
        self.redirect = Some(ttl);
        self
    }

    /// Where a blob lives.
    fn path_of(&self, digest: &Digest) -> Path {
        self.folder.clone().join(digest.hex())
    }

    /// The URL it was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put(&self, digest: &Digest, bytes: &[u8]) -> Result<PutOutcome, BlobError> {
        skillreg_core::ports::check_digest(digest, bytes)?;
        let options = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        let payload = PutPayload::from(bytes.to_vec());
        match self
            .store
            .put_opts(&self.path_of(digest), payload, options)
            .await
        {
            Ok(_) => Ok(PutOutcome::Stored),
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => Ok(PutOutcome::AlreadyPresent),
            Err(error) => Err(unavailable("storing a blob", &error)),
        }
    }

    async fn get(&self, digest: &Digest) -> Result<Option<Vec<u8>>, BlobError> {
        let found = match self.store.get(&self.path_of(digest)).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(unavailable("reading a blob", &error)),
        };
        let bytes = found
            .bytes()
            .await
            .map_err(|e| unavailable("reading a blob", &e))?;
        if &Digest::of(&bytes) != digest {
            return Err(BlobError::Corrupt(*digest));
        }
        Ok(Some(bytes.to_vec()))
    }

    async fn exists(&self, digest: &Digest) -> Result<bool, BlobError> {
        match self.store.head(&self.path_of(digest)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(unavailable("checking a blob", &error)),
        }
    }

    async fn list(&self) -> Result<Vec<Digest>, BlobError> {
        let objects: Vec<_> = self
            .store
            .list(Some(&self.folder))
            .try_collect()
            .await
            .map_err(|e| unavailable("listing blobs", &e))?;
        let mut digests: Vec<Digest> = objects
            .iter()
            // Anything not named like a blob is not one of ours: skip it.
            .filter_map(|meta| meta.location.filename())
            .filter_map(|name| format!("sha256:{name}").parse().ok())
            .collect();
        digests.sort();
        Ok(digests)
    }

    async fn download_url(&self, digest: &Digest) -> Result<Option<String>, BlobError> {
        let Some(ttl) = self.redirect else {
            return Ok(None);
        };
        let url = self
            .store
            .signed_url(reqwest::Method::GET, &self.path_of(digest), ttl)
            .await
            .map_err(|e| unavailable("signing a download URL", &e))?;
        Ok(Some(url.to_string()))
    }

    async fn delete(&self, digest: &Digest) -> Result<bool, BlobError> {
        // S3 deletes whether or not the object is there; the answer needs a look first.
        if !self.exists(digest).await? {
            return Ok(false);
        }
        match self.store.delete(&self.path_of(digest)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(true),
            Err(error) => Err(unavailable("deleting a blob", &error)),
        }
    }
}
