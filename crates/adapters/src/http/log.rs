//! The transparency log calls of [`RegistryClient`] (`/.well-known/skillreg-log`,
//! `/api/v1/log/…`): the log's key, its checkpoint, entries, proofs and cosignatures.

use reqwest::Method;

use super::error::ClientError;
use super::registry::RegistryClient;
use super::transport::Call;

impl RegistryClient {
    /// The transparency log's key and where its parts are (`/.well-known/skillreg-log`).
    ///
    /// # Errors
    /// [`ClientError`] (a 404 for a registry without a log).
    pub async fn log_info(&self) -> Result<skillreg_api::LogInfo, ClientError> {
        self.http.json(Call::get("/.well-known/skillreg-log")).await
    }

    /// The latest signed checkpoint, as the note's text.
    ///
    /// # Errors
    /// [`ClientError`], or [`ClientError::Protocol`] for a body that is not UTF-8.
    pub async fn log_checkpoint(&self) -> Result<String, ClientError> {
        let bytes = self
            .http
            .bytes(Call::get("/api/v1/log/checkpoint"), "checkpoint")
            .await?;
        String::from_utf8(bytes).map_err(|_| ClientError::Protocol {
            registry: self.base().to_owned(),
            reason: "the checkpoint is not text".to_owned(),
        })
    }

    /// The proof that entry `index` is in the tree of `size` entries, with the entry.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn log_inclusion(
        &self,
        index: u64,
        size: u64,
    ) -> Result<skillreg_api::InclusionBody, ClientError> {
        let call =
            Call::get("/api/v1/log/proof/inclusion").params(&skillreg_api::InclusionParams {
                index,
                size: Some(size),
            });
        self.http.json(call).await
    }

    /// The proof that the tree of `new` entries extends the tree of `old` entries.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn log_consistency(
        &self,
        old: u64,
        new: u64,
    ) -> Result<skillreg_api::ConsistencyBody, ClientError> {
        let call =
            Call::get("/api/v1/log/proof/consistency").params(&skillreg_api::ConsistencyParams {
                old,
                new: Some(new),
            });
        self.http.json(call).await
    }

    /// The cosigned checkpoints the registry keeps, largest tree first.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn log_cosigned(&self) -> Result<skillreg_api::CosignedCheckpoints, ClientError> {
        self.http.json(Call::get("/api/v1/log/cosignatures")).await
    }

    /// Hands the registry a witness's cosignature; the checkpoint as kept comes back.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn log_cosign(
        &self,
        body: &skillreg_api::CosignBody,
    ) -> Result<skillreg_api::CosignedCheckpoints, ClientError> {
        let call = Call::with(Method::POST, "/api/v1/log/cosignatures").json(body);
        self.http.json(call).await
    }

    /// Entries from `start`, at most `limit`.
    ///
    /// # Errors
    /// [`ClientError`].
    pub async fn log_entries(
        &self,
        start: u64,
        limit: u32,
    ) -> Result<skillreg_api::LogEntries, ClientError> {
        let call = Call::get("/api/v1/log/entries").params(&skillreg_api::LogEntriesParams {
            start: Some(start),
            limit: Some(limit),
        });
        self.http.json(call).await
    }
}
