//! Checkpoints (signed tree heads) as signed notes.
//!
//! A note is UTF-8 text ending in a newline, then a blank line, then one signature line
//! per signer: `— <key name> <base64(key hash ‖ signature)>`. The key hash is the first
//! four bytes (big-endian) of `SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)` for an Ed25519
//! key. A verifier key is written `<name>+<key hash, 8 hex digits>+<base64(0x01 ‖ public
//! key)>`. These are the formats of Go's `golang.org/x/mod/sumdb/note` and the C2SP
//! signed-note specification, so existing tooling reads them.
//!
//! A checkpoint's text is `<origin>\n<size>\n<base64 root hash>\n`, then (skillreg's
//! extension line) `time <milliseconds since the epoch>\n`.
//!
//! This module only reads and writes the text; making and checking the Ed25519 signatures
//! is the adapters' (`skillreg_adapters::signing::note`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};

use super::{Hash, hash_from_base64, hash_to_base64};

/// The algorithm byte of an Ed25519 note key.
pub const ED25519_ALGORITHM: u8 = 1;

/// Why a note, a checkpoint or a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoteError(pub String);

fn bad(message: impl Into<String>) -> NoteError {
    NoteError(message.into())
}

/// A tree head: how many entries, the root hash over them, when it was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name (its key's name).
    pub origin: String,
    /// How many entries.
    pub size: u64,
    /// The root hash of the first `size` entries.
    pub root: Hash,
    /// When the log signed it, in milliseconds since the epoch.
    pub time: i64,
}

impl Checkpoint {
    /// The note text.
    pub fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\ntime {}\n",
            self.origin,
            self.size,
            hash_to_base64(&self.root),
            self.time
        )
    }

    /// Reads a checkpoint's text (a note's text, signatures taken off).
    ///
    /// # Errors
    /// [`NoteError`] naming the line that is wrong.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("a checkpoint ends with a newline"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, root, time] = lines[..] else {
            return Err(bad(format!(
                "a checkpoint has four lines (origin, size, root hash, time), not {}",
                lines.len()
            )));
        };
        if origin.is_empty() {
            return Err(bad("the checkpoint's origin is empty"));
        }
        let size_ok = !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_digit())
            && (size == "0" || !size.starts_with('0'));
        let size: u64 = size
            .parse()
            .ok()
            .filter(|_| size_ok)
            .ok_or_else(|| bad(format!("`{size}` is not a tree size")))?;
        let root = hash_from_base64(root).map_err(bad)?;
        let time = time
            .strip_prefix("time ")
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| bad(format!("`{time}` is not a `time <milliseconds>` line")))?;
        let checkpoint = Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            time,
        };
        if checkpoint.to_text() != text {
            return Err(bad("the checkpoint is not in its canonical form"));
        }
        Ok(checkpoint)
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The signer's key name.
    pub name: String,
    /// The signer's key hash ([`NoteKey::key_hash`]).
    pub key_hash: u32,
    /// The signature over the note's text.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line, newline included.
    pub fn to_line(&self) -> String {
        let mut bytes = self.key_hash.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.signature);
        format!("\u{2014} {} {}\n", self.name, STANDARD.encode(bytes))
    }
}

/// A note: its text and the signatures over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    /// The signed text, ending in a newline.
    pub text: String,
    /// The signatures, in the order they appear.
    pub signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// The whole note: text, blank line, signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for signature in &self.signatures {
            out.push_str(&signature.to_line());
        }
        out
    }

    /// Reads a note. Signatures are read, not checked.
    ///
    /// # Errors
    /// [`NoteError`] for a note with no signature block, a malformed signature line, or
    /// control characters in its text.
    pub fn parse(note: &str) -> Result<Self, NoteError> {
        let split = note
            .rfind("\n\n")
            .ok_or_else(|| bad("a note has its text, a blank line, then signatures"))?;
        let (text, signatures) = (&note[..=split], &note[split + 2..]);
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' || c == '\u{feff}')
        {
            return Err(bad("a note's text has no control characters"));
        }
        let lines = signatures
            .strip_suffix('\n')
            .ok_or_else(|| bad("a note's signatures end with a newline"))?;
        let mut parsed = Vec::new();
        for line in lines.split('\n') {
            let rest = line
                .strip_prefix("\u{2014} ")
                .ok_or_else(|| bad(format!("`{line}` is not a signature line")))?;
            let (name, value) = rest
                .split_once(' ')
                .ok_or_else(|| bad(format!("`{line}` is not a signature line")))?;
            check_key_name(name)?;
            let bytes = STANDARD
                .decode(value)
                .map_err(|_| bad(format!("the signature of `{name}` is not base64")))?;
            if bytes.len() < 5 {
                return Err(bad(format!("the signature of `{name}` is too short")));
            }
            let (hash, signature) = bytes.split_at(4);
            parsed.push(NoteSignature {
                name: name.to_owned(),
                key_hash: u32::from_be_bytes([hash[0], hash[1], hash[2], hash[3]]),
                signature: signature.to_vec(),
            });
        }
        Ok(SignedNote {
            text: text.to_owned(),
            signatures: parsed,
        })
    }
}

fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(bad(format!(
            "`{name}` is not a key name (no spaces, no `+`, not empty)"
        )));
    }
    Ok(())
}

/// An Ed25519 note verifier key: a name and a public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteKey {
    /// The key's name (for the log's key, the log's origin).
    pub name: String,
    /// The Ed25519 public key.
    pub public_key: [u8; 32],
}

impl NoteKey {
    /// A key, after checking its name.
    ///
    /// # Errors
    /// [`NoteError`] for a name with spaces or `+`.
    pub fn new(name: &str, public_key: [u8; 32]) -> Result<Self, NoteError> {
        check_key_name(name)?;
        Ok(NoteKey {
            name: name.to_owned(),
            public_key,
        })
    }

    /// The key hash signature lines carry.
    pub fn key_hash(&self) -> u32 {
        let mut hasher = Sha256::new();
        hasher.update(self.name.as_bytes());
        hasher.update(b"\n");
        hasher.update([ED25519_ALGORITHM]);
        hasher.update(self.public_key);
        let digest = hasher.finalize();
        u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
    }

    /// `<name>+<key hash>+<base64(0x01 ‖ public key)>`.
    pub fn to_text(&self) -> String {
        let mut bytes = vec![ED25519_ALGORITHM];
        bytes.extend_from_slice(&self.public_key);
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.key_hash(),
            STANDARD.encode(bytes)
        )
    }

    /// Reads a verifier key.
    ///
    /// # Errors
    /// [`NoteError`] for text that is not an Ed25519 verifier key, or whose hash does not
    /// match its name and key.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let text = text.trim();
        let not_a_key = || {
            bad(format!(
                "`{text}` is not a note verifier key (name+hash+key)"
            ))
        };
        // A name has no `+`; base64 may.
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(hash), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(not_a_key());
        };
        let bytes = STANDARD.decode(key).map_err(|_| not_a_key())?;
        let [algorithm, public_key @ ..] = &bytes[..] else {
            return Err(not_a_key());
        };
        if *algorithm != ED25519_ALGORITHM {
            return Err(bad(format!(
                "key `{name}` is not an Ed25519 key (algorithm {algorithm})"
            )));
        }
        let public_key: [u8; 32] = public_key.try_into().map_err(|_| not_a_key())?;
        let key = NoteKey::new(name, public_key)?;
        if hash.len() != 8 || u32::from_str_radix(hash, 16).ok() != Some(key.key_hash()) {
            return Err(bad(format!(
                "key `{name}`: its hash `{hash}` does not match the key"
            )));
        }
        Ok(key)
    }

    /// The signature lines of `note` this key claims (name and key hash match).
    pub fn claims<'a>(&'a self, note: &'a SignedNote) -> impl Iterator<Item = &'a NoteSignature> {
        let hash = self.key_hash();
        note.signatures
            .iter()
            .filter(move |s| s.name == self.name && s.key_hash == hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "registry.example.com/skills".into(),
            size: 42,
            root: [7; 32],
            time: 1_764_892_800_000,
        }
    }

    #[test]
    fn a_checkpoint_reads_back_and_only_in_its_canonical_form() {
        let text = checkpoint().to_text();
        assert_eq!(
            text,
            "registry.example.com/skills\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\ntime 1764892800000\n"
        );
        assert_eq!(Checkpoint::parse(&text), Ok(checkpoint()));
        for wrong in [
            text.trim_end(),
            &text.replace("\n42\n", "\n042\n"),
            &text.replace("\n42\n", "\n-1\n"),
            &text.replace("time ", "at "),
            &format!("{text}extra\n"),
            &text.replace("registry.example.com/skills", ""),
        ] {
            assert!(Checkpoint::parse(wrong).is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn a_note_and_a_key_read_back() {
        let key = NoteKey::new("registry.example.com", [3; 32]).unwrap_or_else(|_| unreachable!());
        let text = key.to_text();
        assert_eq!(NoteKey::parse(&text), Ok(key.clone()));
        let mut tampered = text.clone();
        tampered.replace_range(0..1, "R");
        assert!(NoteKey::parse(&tampered).is_err());
        assert!(NoteKey::new("two words", [0; 32]).is_err());

        let note = SignedNote {
            text: checkpoint().to_text(),
            signatures: vec![NoteSignature {
                name: key.name.clone(),
                key_hash: key.key_hash(),
                signature: vec![9; 64],
            }],
        };
        let whole = note.to_text();
        assert!(whole.contains("\n\n\u{2014} registry.example.com "));
        let read = SignedNote::parse(&whole);
        assert_eq!(read, Ok(note.clone()));
        assert_eq!(key.claims(&note).count(), 1);
        for wrong in [
            note.text.clone(),
            whole.replace('\u{2014}', "-"),
            format!("{}\u{7}\n\n{}", "x", note.signatures[0].to_line()),
        ] {
            assert!(SignedNote::parse(&wrong).is_err(), "{wrong:?}");
        }
    }
}
