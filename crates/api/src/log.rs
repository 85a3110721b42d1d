//! The transparency log on the wire: the log's key, its entries and its proofs. Hashes are
//! standard base64 (padded), as in checkpoints; an entry's canonical bytes are base64 too,
//! so they reach a verifier byte for byte. The checkpoint itself is a signed note, served
//! as text.

use serde::{Deserialize, Serialize};
use skillreg_core::log::{Hash, hash_from_base64, hash_to_base64};
use skillreg_core::usecases::{InclusionProof, LogRead};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// `GET /.well-known/skillreg-log`: how to find and check the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogInfo {
    /// The log's origin: the first line of every checkpoint, and its key's name.
    pub origin: String,
    /// The verifier key, `<name>+<key hash>+<base64 key>` (Go's note format).
    pub key: String,
    /// Where the latest checkpoint is (relative to the registry).
    pub checkpoint: String,
    /// Where entries, inclusion and consistency proofs are.
    pub entries: String,
    /// See `entries`.
    pub inclusion: String,
    /// See `entries`.
    pub consistency: String,
}

/// One entry: its leaf hash always, its bytes when the reader may read what it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntryBody {
    /// Its index.
    pub index: u64,
    /// Its leaf hash, base64.
    pub leaf: String,
    /// Its canonical bytes, base64; `null` when it names a namespace the reader may not
    /// read.
    pub entry: Option<String>,
}

impl From<&LogRead> for LogEntryBody {
    fn from(read: &LogRead) -> Self {
        LogEntryBody {
            index: read.index,
            leaf: hash_to_base64(&read.leaf),
            entry: read.entry.as_ref().map(|bytes| STANDARD.encode(bytes)),
        }
    }
}

impl LogEntryBody {
    /// The leaf hash.
    ///
    /// # Errors
    /// A message when it is not a base64 hash.
    pub fn leaf_hash(&self) -> Result<Hash, String> {
        hash_from_base64(&self.leaf)
    }

    /// The entry's bytes, when given.
    ///
    /// # Errors
    /// A message when they are not base64.
    pub fn entry_bytes(&self) -> Result<Option<Vec<u8>>, String> {
        self.entry
            .as_deref()
            .map(|text| {
                STANDARD
                    .decode(text)
                    .map_err(|_| format!("entry {} is not base64", self.index))
            })
            .transpose()
    }
}

/// `GET /api/v1/log/entries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntries {
    /// In index order.
    pub entries: Vec<LogEntryBody>,
    /// The index to read from next; `null` at the end of the log.
    pub next: Option<u64>,
}

/// `GET /api/v1/log/proof/inclusion`: an entry and the proof it is in a tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InclusionBody {
    /// The entry.
    #[serde(flatten)]
    pub entry: LogEntryBody,
    /// The tree size the proof is for.
    pub size: u64,
    /// The proof, nearest the leaf first, base64.
    pub hashes: Vec<String>,
}

impl From<&InclusionProof> for InclusionBody {
    fn from(proof: &InclusionProof) -> Self {
        InclusionBody {
            entry: LogEntryBody::from(&proof.entry),
            size: proof.size,
            hashes: proof.hashes.iter().map(hash_to_base64).collect(),
        }
    }
}

/// `GET /api/v1/log/proof/consistency`: that one tree extends another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsistencyBody {
    /// The older tree's size.
    pub old: u64,
    /// The newer tree's size.
    pub new: u64,
    /// The proof, base64.
    pub hashes: Vec<String>,
}

/// Hashes read back from base64.
///
/// # Errors
/// A message naming the first that is not a base64 hash.
pub fn hashes_from_base64(hashes: &[String]) -> Result<Vec<Hash>, String> {
    hashes.iter().map(|h| hash_from_base64(h)).collect()
}

/// Query of `GET /api/v1/log/entries`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct LogEntriesParams {
    /// The first index (0 when left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<u64>,
    /// How many (at most 1000, and 1000 when left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Query of `GET /api/v1/log/proof/inclusion`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct InclusionParams {
    /// The entry's index.
    pub index: u64,
    /// The tree size (the latest when left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// Query of `GET /api/v1/log/proof/consistency`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ConsistencyParams {
    /// The older tree's size.
    pub old: u64,
    /// The newer tree's size (the latest when left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<u64>,
}

/// `POST /api/v1/log/cosignatures`: a witness's cosignature of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CosignBody {
    /// The checkpoint as the log signed it, with the witness's signature line added.
    pub note: String,
    /// The witness's verifier key, `<name>+<key hash>+<base64 key>`.
    pub witness: String,
}

/// `GET /api/v1/log/cosignatures` (and the answer to a cosignature): cosigned checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CosignedCheckpoints {
    /// Signed notes with every cosignature kept, largest tree first.
    pub checkpoints: Vec<String>,
}
