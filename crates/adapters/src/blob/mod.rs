//! [`FsBlobStore`]: archives in a folder, named by their sha256
//! (`<root>/sha256/ab/abcdef…`). A blob is written to a temporary file in the same
//! filesystem, fsynced, then linked into place (never over an existing blob), so a reader sees all of it or nothing;
//! every read checks the bytes against the name. Several server replicas may share the
//! folder (a network filesystem with atomic rename). [`S3BlobStore`] (`s3.rs`) keeps them in
//! an S3-compatible bucket instead, under the same contract.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use skillreg_core::Digest;

mod s3;
pub use s3::S3BlobStore;
use skillreg_core::ports::{BlobError, BlobStore, PutOutcome};

/// The filesystem blob store.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

fn io_error(context: &str, error: &std::io::Error) -> BlobError {
    BlobError::Unavailable(format!("{context}: {error}"))
}

impl FsBlobStore {
    /// Opens (creating if needed) a blob folder.
    ///
    /// # Errors
    /// [`BlobError::Unavailable`] when the folder cannot be created.
    pub fn open(root: &Path) -> Result<Self, BlobError> {
        for folder in [root.join("sha256"), root.join("tmp")] {
            std::fs::create_dir_all(&folder)
                .map_err(|e| io_error("creating the blob folder", &e))?;
        }
        Ok(FsBlobStore {
            root: root.to_path_buf(),
        })
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where a blob lives.
    pub fn path_of(&self, digest: &Digest) -> PathBuf {
        let hex = digest.hex();
        self.root.join("sha256").join(&hex[..2]).join(hex)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(FsBlobStore) -> Result<T, BlobError> + Send + 'static,
    ) -> Result<T, BlobError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || work(store))
            .await
            .map_err(|e| BlobError::Unavailable(format!("blob task failed: {e}")))?
    }

    fn put_blocking(&self, digest: &Digest, bytes: &[u8]) -> Result<PutOutcome, BlobError> {
        let target = self.path_of(digest);
        if target.exists() {
            return Ok(PutOutcome::AlreadyPresent);
        }
        let folder = target
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        std::fs::create_dir_all(&folder).map_err(|e| io_error("creating a blob folder", &e))?;
        let mut temp = tempfile::NamedTempFile::new_in(self.root.join("tmp"))
            .map_err(|e| io_error("creating a temporary blob", &e))?;
        temp.write_all(bytes)
            .map_err(|e| io_error("writing a blob", &e))?;
        temp.as_file()
            .sync_all()
            .map_err(|e| io_error("syncing a blob", &e))?;
        // Link into place without replacing: exactly one writer of a digest stores it; a
        // writer that lost the race drops its temporary file.
        match temp.persist_noclobber(&target) {
            Ok(_) => {}
            Err(error) if error.error.kind() == ErrorKind::AlreadyExists => {
                return Ok(PutOutcome::AlreadyPresent);
            }
            Err(error) => return Err(io_error("moving a blob into place", &error.error)),
        }
        if let Ok(dir) = std::fs::File::open(&folder) {
            // Make the new name durable; not every platform can sync a folder.
            let _synced = dir.sync_all();
        }
        Ok(PutOutcome::Stored)
    }

    fn get_blocking(&self, digest: &Digest) -> Result<Option<Vec<u8>>, BlobError> {
        match std::fs::read(self.path_of(digest)) {
            Ok(bytes) if &Digest::of(&bytes) == digest => Ok(Some(bytes)),
            Ok(_) => Err(BlobError::Corrupt(*digest)),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(io_error("reading a blob", &error)),
        }
    }

    fn list_blocking(&self) -> Result<Vec<Digest>, BlobError> {
        let mut digests = Vec::new();
        let top = std::fs::read_dir(self.root.join("sha256"))
            .map_err(|e| io_error("listing blobs", &e))?;
        for folder in top {
            let folder = folder.map_err(|e| io_error("listing blobs", &e))?;
            if !folder
                .file_type()
                .map_err(|e| io_error("listing blobs", &e))?
                .is_dir()
            {
                continue;
            }
            for entry in
                std::fs::read_dir(folder.path()).map_err(|e| io_error("listing blobs", &e))?
            {
                let entry = entry.map_err(|e| io_error("listing blobs", &e))?;
                // Anything not named like a blob is not one of ours: skip it.
                if let Some(digest) = entry
                    .file_name()
                    .to_str()
                    .and_then(|name| format!("sha256:{name}").parse().ok())
                {
                    digests.push(digest);
                }
            }
        }
        digests.sort();
        Ok(digests)
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, digest: &Digest, bytes: &[u8]) -> Result<PutOutcome, BlobError> {
        skillreg_core::ports::check_digest(digest, bytes)?;
        let (digest, bytes) = (*digest, bytes.to_vec());
        self.blocking(move |store| store.put_blocking(&digest, &bytes))
            .await
    }

    async fn get(&self, digest: &Digest) -> Result<Option<Vec<u8>>, BlobError> {
        let digest = *digest;
        self.blocking(move |store| store.get_blocking(&digest))
            .await
    }

    async fn exists(&self, digest: &Digest) -> Result<bool, BlobError> {
        let path = self.path_of(digest);
        tokio::fs::try_exists(&path)
            .await
            .map_err(|e| io_error("checking a blob", &e))
    }

    async fn list(&self) -> Result<Vec<Digest>, BlobError> {
        self.blocking(|store| store.list_blocking()).await
    }

    async fn delete(&self, digest: &Digest) -> Result<bool, BlobError> {
        match tokio::fs::remove_file(self.path_of(digest)).await {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(false),
            Err(error) => Err(io_error("deleting a blob", &error)),
        }
    }
}
