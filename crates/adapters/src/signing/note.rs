//! Ed25519 note keys: the registry's log key that signs checkpoints, a witness's key that
//! cosigns them, and checking a note's signatures against a verifier key.
//!
//! A secret note key is written as Go's `note` package writes one:
//! `PRIVATE+KEY+<name>+<key hash>+<base64(0x01 ‖ 32-byte seed)>`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature as EdSignature, Signer as _, SigningKey, VerifyingKey};
use skillreg_core::log::note::ED25519_ALGORITHM;
use skillreg_core::log::{NoteKey, NoteSignature, SignedNote};
use skillreg_core::ports::NoteSigner;

use super::KeyError;

const SECRET_PREFIX: &str = "PRIVATE+KEY+";

/// A note signing key: a name and an Ed25519 key pair.
pub struct NoteKeyPair {
    key: SigningKey,
    public: NoteKey,
}

impl std::fmt::Debug for NoteKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("NoteKeyPair")
            .field("key", &self.public.to_text())
            .finish_non_exhaustive()
    }
}

impl NoteKeyPair {
    /// A new key named `name`, from the operating system's randomness.
    ///
    /// # Errors
    /// [`KeyError`] for a name with spaces or `+`, or when no randomness is available.
    pub fn generate(name: &str) -> Result<Self, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError(format!("no randomness: {e}")))?;
        Self::from_seed(name, seed)
    }

    /// A new key for a log with no address of its own, named after its public key:
    /// `skillreg-<first 4 bytes of the public key, hex>`.
    ///
    /// # Errors
    /// [`KeyError`] when no randomness is available.
    pub fn generate_unnamed() -> Result<Self, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError(format!("no randomness: {e}")))?;
        let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
        Self::from_seed(
            &format!("skillreg-{}", skillreg_core::digest::hex(&public[..4])),
            seed,
        )
    }

    /// The key named `name` of a 32-byte seed.
    ///
    /// # Errors
    /// [`KeyError`] for a name with spaces or `+`.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, KeyError> {
        let key = SigningKey::from_bytes(&seed);
        let public = NoteKey::new(name, key.verifying_key().to_bytes())
            .map_err(|e| KeyError(e.to_string()))?;
        Ok(NoteKeyPair { key, public })
    }

    /// The secret key's text (keep it private: mode 0600).
    pub fn to_secret_text(&self) -> String {
        let mut bytes = vec![ED25519_ALGORITHM];
        bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "{SECRET_PREFIX}{}+{:08x}+{}\n",
            self.public.name,
            self.public.key_hash(),
            STANDARD.encode(bytes)
        )
    }

    /// Reads a secret key's text.
    ///
    /// # Errors
    /// [`KeyError`] for anything [`Self::to_secret_text`] did not write.
    pub fn from_secret_text(text: &str) -> Result<Self, KeyError> {
        let not_a_key = || {
            KeyError(
                "not a note signing key (`PRIVATE+KEY+<name>+<hash>+<key>`, as `skillreg log \
                 keygen` writes)"
                    .to_owned(),
            )
        };
        let rest = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(not_a_key)?;
        // A name has no `+`; base64 may.
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(hash), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(not_a_key());
        };
        let bytes = STANDARD.decode(key).map_err(|_| not_a_key())?;
        let [ED25519_ALGORITHM, seed @ ..] = &bytes[..] else {
            return Err(not_a_key());
        };
        let seed: [u8; 32] = seed.try_into().map_err(|_| not_a_key())?;
        let pair = Self::from_seed(name, seed)?;
        if format!("{:08x}", pair.public.key_hash()) != hash {
            return Err(KeyError(format!(
                "the key `{name}` says its hash is `{hash}`, which is not its key's"
            )));
        }
        Ok(pair)
    }

    /// The verifier key.
    pub fn public(&self) -> &NoteKey {
        &self.public
    }
}

impl NoteSigner for NoteKeyPair {
    fn key(&self) -> &NoteKey {
        &self.public
    }

    fn sign(&self, text: &str) -> NoteSignature {
        NoteSignature {
            name: self.public.name.clone(),
            key_hash: self.public.key_hash(),
            signature: self.key.sign(text.as_bytes()).to_bytes().to_vec(),
        }
    }

    fn verifies(&self, note: &SignedNote, key: &NoteKey) -> bool {
        signed_by(note, key)
    }
}

/// Whether `key` signed `note`: a signature line with its name and hash whose signature
/// checks against the note's text.
pub fn signed_by(note: &SignedNote, key: &NoteKey) -> bool {
    let Ok(verifying) = VerifyingKey::from_bytes(&key.public_key) else {
        return false;
    };
    key.claims(note).any(|line| {
        EdSignature::from_slice(&line.signature).is_ok_and(|signature| {
            verifying
                .verify_strict(note.text.as_bytes(), &signature)
                .is_ok()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use skillreg_core::log::{Checkpoint, NoteKey};

    #[test]
    fn a_key_signs_notes_that_only_it_verifies() {
        let log = NoteKeyPair::from_seed("registry.example.com", [1; 32]).unwrap();
        let other = NoteKeyPair::from_seed("registry.example.com", [2; 32]).unwrap();
        let text = Checkpoint {
            origin: "registry.example.com".into(),
            size: 3,
            root: [4; 32],
            time: 5,
        }
        .to_text();
        let note = SignedNote {
            signatures: vec![log.sign(&text)],
            text: text.clone(),
        };
        let read = SignedNote::parse(&note.to_text()).unwrap();
        assert!(signed_by(&read, log.public()));
        assert!(!signed_by(&read, other.public()));
        let mut changed = read.clone();
        changed.text = text.replace("\n3\n", "\n4\n");
        assert!(!signed_by(&changed, log.public()));

        let again = NoteKeyPair::from_secret_text(&log.to_secret_text()).unwrap();
        assert_eq!(again.public(), log.public());
        assert!(format!("{log:?}").contains("registry.example.com+"));
        assert!(!format!("{log:?}").contains(&log.to_secret_text()));
        assert!(NoteKeyPair::from_secret_text("PRIVATE+KEY+x+00000000+AQ==").is_err());
        let wrong_hash = log
            .to_secret_text()
            .replace(&format!("+{:08x}+", log.public().key_hash()), "+00000000+");
        assert!(NoteKeyPair::from_secret_text(&wrong_hash).is_err());
    }

    /// Base64 has `+` and `/`: every key reads back, whatever its bytes.
    #[test]
    fn every_key_reads_back() {
        let mut with_plus = 0;
        for seed in 0..64u8 {
            let pair = NoteKeyPair::from_seed("log.example", [seed; 32]).unwrap();
            let public = pair.public().to_text();
            with_plus += usize::from(public.matches('+').count() > 2);
            assert_eq!(NoteKey::parse(&public).as_ref(), Ok(pair.public()));
            let again = NoteKeyPair::from_secret_text(&pair.to_secret_text()).unwrap();
            assert_eq!(again.public(), pair.public());
        }
        assert!(with_plus > 0, "some key's base64 has a `+`");
    }
}
