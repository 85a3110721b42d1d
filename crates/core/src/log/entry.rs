//! A log entry: one change to what a client may install, and its canonical bytes.
//!
//! The bytes are compact JSON with the fields in a fixed order and only the fields of the
//! entry's kind (docs/FORMATS.md, "Transparency log entries"). [`LogEntry::parse`] accepts
//! exactly the bytes [`LogEntry::to_bytes`] makes, so one entry has one leaf hash.

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::identity::SkillId;
use crate::model::{NewVersion, Timestamp};
use crate::version::Version;

/// The format version every entry carries.
pub const ENTRY_FORMAT: u8 = 1;

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A new version (a publish, an import, an import that overwrote).
    Publish,
    /// A version now answers under another id (its skill moved namespace).
    Move,
    /// A version was yanked.
    Yank,
    /// A yanked version was restored.
    Unyank,
    /// A skill was deprecated (with a message).
    Deprecate,
    /// A skill's deprecation was lifted.
    Undeprecate,
}

impl EntryKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Publish => "publish",
            EntryKind::Move => "move",
            EntryKind::Yank => "yank",
            EntryKind::Unyank => "unyank",
            EntryKind::Deprecate => "deprecate",
            EntryKind::Undeprecate => "undeprecate",
        }
    }

    /// Whether entries of this kind name a version and its digests.
    pub fn names_content(self) -> bool {
        matches!(self, EntryKind::Publish | EntryKind::Move)
    }
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
    /// [`ENTRY_FORMAT`].
    pub v: u8,
    /// What it records.
    pub kind: EntryKind,
    /// The skill's id when the change was made.
    pub id: SkillId,
    /// For a move: the id it had before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<SkillId>,
    /// The version (all kinds but deprecations), as published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// For a publish or move: the archive's digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<Digest>,
    /// For a publish or move: the file set's digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Digest>,
    /// For a publish or move: the key ids of the publisher signatures, sorted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signers: Option<Vec<String>>,
    /// For a deprecation: its message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When, in milliseconds since the epoch.
    pub time: i64,
}

/// Why bytes are not an entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a log entry: {0}")]
pub struct EntryError(String);

impl LogEntry {
    /// A new version of `id`.
    pub fn published(id: &SkillId, version: &NewVersion) -> Self {
        Self::content(EntryKind::Publish, id, None, version, version.published_at)
    }

    /// `version` answering as `to` from now on, having been `from`'s.
    pub fn moved(from: &SkillId, to: &SkillId, version: &NewVersion, at: Timestamp) -> Self {
        Self::content(EntryKind::Move, to, Some(from), version, at)
    }

    fn content(
        kind: EntryKind,
        id: &SkillId,
        from: Option<&SkillId>,
        version: &NewVersion,
        at: Timestamp,
    ) -> Self {
        let mut signers: Vec<String> = version
            .signatures
            .iter()
            .map(|s| s.key_id.clone())
            .collect();
        signers.sort();
        signers.dedup();
        LogEntry {
            v: ENTRY_FORMAT,
            kind,
            id: id.clone(),
            from: from.cloned(),
            version: Some(version.version.to_string()),
            archive: Some(version.archive_digest),
            content: Some(version.content_digest),
            signers: Some(signers),
            message: None,
            time: at.unix_millis(),
        }
    }

    /// `version` of `id` yanked (or restored).
    pub fn yanked(id: &SkillId, version: &Version, yanked: bool, at: Timestamp) -> Self {
        LogEntry {
            v: ENTRY_FORMAT,
            kind: if yanked {
                EntryKind::Yank
            } else {
                EntryKind::Unyank
            },
            id: id.clone(),
            from: None,
            version: Some(version.to_string()),
            archive: None,
            content: None,
            signers: None,
            message: None,
            time: at.unix_millis(),
        }
    }

    /// `id` deprecated with `message`, or its deprecation lifted (`None`).
    pub fn deprecated(id: &SkillId, message: Option<&str>, at: Timestamp) -> Self {
        LogEntry {
            v: ENTRY_FORMAT,
            kind: if message.is_some() {
                EntryKind::Deprecate
            } else {
                EntryKind::Undeprecate
            },
            id: id.clone(),
            from: None,
            version: None,
            archive: None,
            content: None,
            signers: None,
            message: message.map(str::to_owned),
            time: at.unix_millis(),
        }
    }

    /// The canonical bytes: what the leaf hash is taken over.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Strings, numbers and digests only: serializing cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The leaf hash of [`LogEntry::to_bytes`].
    pub fn leaf_hash(&self) -> super::Hash {
        super::leaf_hash(&self.to_bytes())
    }

    /// The version the entry names, parsed.
    pub fn parsed_version(&self) -> Option<Version> {
        self.version.as_deref().and_then(|v| v.parse().ok())
    }

    /// Reads an entry back from its canonical bytes.
    ///
    /// # Errors
    /// [`EntryError`] for bytes that are not an entry, not of this format, missing or
    /// carrying a field its kind does not have, or not canonical.
    pub fn parse(bytes: &[u8]) -> Result<Self, EntryError> {
        let entry: LogEntry =
            serde_json::from_slice(bytes).map_err(|e| EntryError(e.to_string()))?;
        if entry.v != ENTRY_FORMAT {
            return Err(EntryError(format!("format {} is not known", entry.v)));
        }
        let content = entry.kind.names_content();
        let shape_holds = entry.from.is_some() == (entry.kind == EntryKind::Move)
            && entry.version.is_some()
                == !matches!(entry.kind, EntryKind::Deprecate | EntryKind::Undeprecate)
            && entry.archive.is_some() == content
            && entry.content.is_some() == content
            && entry.signers.is_some() == content
            && entry.message.is_some() == (entry.kind == EntryKind::Deprecate);
        if !shape_holds {
            return Err(EntryError(format!(
                "a {} entry with the wrong fields",
                entry.kind.as_str()
            )));
        }
        if entry.version.is_some() && entry.parsed_version().is_none() {
            return Err(EntryError("its version is not a version".into()));
        }
        if entry.to_bytes() != bytes {
            return Err(EntryError("the bytes are not canonical".into()));
        }
        Ok(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{UserId, VersionMeta};
    use crate::signature::{Signature, SignatureAlgorithm};

    fn version() -> NewVersion {
        NewVersion {
            version: "1.2.0".parse().unwrap_or_else(|_| Version::new(0, 0, 0)),
            archive_digest: Digest::of(b"archive"),
            content_digest: Digest::of(b"content"),
            size: 7,
            meta: VersionMeta::default(),
            published_by: "alice".parse::<UserId>().unwrap_or_else(|_| unreachable!()),
            published_at: Timestamp::from_unix_millis(1_764_892_800_123),
            signatures: vec![Signature {
                algorithm: SignatureAlgorithm::Ed25519,
                key_id: "ed25519:0123456789abcdef".into(),
                value: vec![1, 2, 3],
            }],
            audit: None,
        }
    }

    fn id(text: &str) -> SkillId {
        text.parse().unwrap_or_else(|_| {
            SkillId::new(
                "a".parse().unwrap_or_else(|_| unreachable!()),
                "b".parse().unwrap_or_else(|_| unreachable!()),
            )
        })
    }

    /// The canonical bytes are the format: pinned here, in docs/FORMATS.md, and in every
    /// client that verifies an entry. Changing them changes every leaf hash.
    #[test]
    fn canonical_bytes_are_pinned() {
        let publish = LogEntry::published(&id("acme/pdf-tools"), &version());
        assert_eq!(
            String::from_utf8(publish.to_bytes()).unwrap_or_default(),
            r#"{"v":1,"kind":"publish","id":"acme/pdf-tools","version":"1.2.0","archive":"sha256:0eb3e36bfb24dcd9bb1d1bece1531216b59539a8fde17ee80224af0653c92aa3","content":"sha256:ed7002b439e9ac845f22357d822bac1444730fbdb6016d3ec9432297b9ec9f73","signers":["ed25519:0123456789abcdef"],"time":1764892800123}"#
        );
        assert_eq!(
            super::super::hex(&publish.leaf_hash()),
            "c8004e8063b7655c39c7a0078acdf15b67dd29ba19a957e822cf6002d244a564"
        );
        let moved = LogEntry::moved(
            &id("acme/pdf-tools"),
            &id("tools/pdf-tools"),
            &version(),
            Timestamp::from_unix_millis(5),
        );
        let yank = LogEntry::yanked(
            &id("acme/pdf-tools"),
            &version().version,
            true,
            Timestamp::from_unix_millis(6),
        );
        assert_eq!(
            String::from_utf8(yank.to_bytes()).unwrap_or_default(),
            r#"{"v":1,"kind":"yank","id":"acme/pdf-tools","version":"1.2.0","time":6}"#
        );
        let deprecate = LogEntry::deprecated(
            &id("acme/pdf-tools"),
            Some("use \"tools/pdf\"\n"),
            Timestamp::from_unix_millis(7),
        );
        assert_eq!(
            String::from_utf8(deprecate.to_bytes()).unwrap_or_default(),
            r#"{"v":1,"kind":"deprecate","id":"acme/pdf-tools","message":"use \"tools/pdf\"\n","time":7}"#
        );
        assert_eq!(
            super::super::hex(&yank.leaf_hash()),
            super::super::hex(&super::super::leaf_hash(&yank.to_bytes()))
        );
        for entry in [publish, moved, yank, deprecate] {
            assert_eq!(LogEntry::parse(&entry.to_bytes()), Ok(entry));
        }
    }

    #[test]
    fn only_canonical_entries_of_the_right_shape_parse() {
        let refused = [
            &b"not json"[..],
            br#"{"v":2,"kind":"yank","id":"a/b","version":"1.0.0","time":1}"#,
            br#"{"kind":"yank","v":1,"id":"a/b","version":"1.0.0","time":1}"#,
            br#"{"v":1, "kind":"yank","id":"a/b","version":"1.0.0","time":1}"#,
            br#"{"v":1,"kind":"yank","id":"a/b","time":1}"#,
            br#"{"v":1,"kind":"yank","id":"a/b","version":"one","time":1}"#,
            br#"{"v":1,"kind":"yank","id":"a/b","version":"1.0.0","message":"m","time":1}"#,
            br#"{"v":1,"kind":"publish","id":"a/b","version":"1.0.0","time":1}"#,
            br#"{"v":1,"kind":"yank","id":"a/b","version":"1.0.0","time":1,"extra":1}"#,
            br#"{"v":1,"kind":"deprecate","id":"a/b","time":1}"#,
        ];
        for bytes in refused {
            assert!(
                LogEntry::parse(bytes).is_err(),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
        assert!(
            LogEntry::parse(br#"{"v":1,"kind":"yank","id":"a/b","version":"1.0.0","time":1}"#)
                .is_ok()
        );
    }
}
