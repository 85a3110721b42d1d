//! Signatures against values computed outside the project (`fixtures/vectors/`: the
//! RFC 8032 test key, signed with Python's `cryptography`): a change to the signed bytes,
//! the key id or the HMAC scheme fails here, as it would fail every signature in the wild.

use serde_json::Value;
use skillreg_adapters::signing::{Ed25519KeyPair, HmacSigner, TrustedKeys};
use skillreg_core::digest::hex;
use skillreg_core::ports::{Signer as _, Verifier as _};
use skillreg_testkit::vectors::{load as vectors, statement, text};

fn bytes<const N: usize>(value: &Value) -> [u8; N] {
    let text = text(value);
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

#[test]
fn an_ed25519_signature_is_the_one_rfc_8032_s_key_makes() {
    let v = vectors();
    let key = Ed25519KeyPair::from_seed(bytes::<32>(&v["ed25519"]["secret_seed"]));
    assert_eq!(hex(&key.public_key()), text(&v["ed25519"]["public_key"]));
    assert_eq!(key.key_id(), text(&v["ed25519"]["key_id"]));
    let statement = statement(&v);
    let signature = key.sign(&statement).unwrap();
    assert_eq!(signature.key_id, text(&v["ed25519"]["key_id"]));
    assert_eq!(
        hex(&signature.value),
        text(&v["statement"]["ed25519_signature"])
    );
    let proof = key.registration_proof(&text(&v["key_registration"]["user"]).parse().unwrap());
    assert_eq!(
        hex(&proof),
        text(&v["key_registration"]["ed25519_signature"])
    );
    // And a signature made elsewhere verifies here.
    let mut trusted = TrustedKeys::default();
    trusted
        .trust_ed25519(&bytes::<32>(&v["ed25519"]["public_key"]))
        .unwrap();
    let mut outside = signature.clone();
    outside.value = bytes::<64>(&v["statement"]["ed25519_signature"]).to_vec();
    trusted.verify(&statement, &outside).unwrap();
}

#[test]
fn an_hmac_tag_is_the_documented_one() {
    let v = vectors();
    let signer = HmacSigner::new("shared", text(&v["hmac"]["secret"]).as_bytes());
    let tag = signer.sign(&statement(&v)).unwrap();
    assert_eq!(hex(&tag.value), text(&v["hmac"]["tag"]));
}
