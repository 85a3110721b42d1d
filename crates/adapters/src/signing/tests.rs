use super::*;

fn statement() -> VersionStatement {
    VersionStatement {
        id: "acme/pdf-tools".parse().unwrap(),
        version: "1.4.2".parse().unwrap(),
        archive_digest: skillreg_core::Digest::of(b"archive"),
        content_digest: skillreg_core::Digest::of(b"content"),
    }
}

#[test]
fn a_signature_verifies_under_its_key_and_under_nothing_else() {
    let pair = Ed25519KeyPair::from_seed([7; 32]);
    let signature = pair.sign(&statement()).unwrap();
    assert_eq!(signature.key_id, pair.key_id());
    assert!(signature.key_id.starts_with("ed25519:"));
    assert_eq!(signature.key_id.len(), "ed25519:".len() + 32);

    let verifier = Ed25519KeyVerifier;
    let signer = verifier
        .verify_with(&pair.public_key(), &statement(), &signature)
        .unwrap();
    assert_eq!(signer.key_id, pair.key_id());

    // Another statement, another key, flipped bits: all mismatches.
    let mut other = statement();
    other.version = "1.4.3".parse().unwrap();
    assert!(matches!(
        verifier.verify_with(&pair.public_key(), &other, &signature),
        Err(VerifyError::Mismatch(_))
    ));
    let stranger = Ed25519KeyPair::from_seed([8; 32]);
    assert!(matches!(
        verifier.verify_with(&stranger.public_key(), &statement(), &signature),
        Err(VerifyError::Mismatch(_))
    ));
    let mut tampered = signature.clone();
    tampered.value[0] ^= 1;
    assert!(matches!(
        verifier.verify_with(&pair.public_key(), &statement(), &tampered),
        Err(VerifyError::Mismatch(_))
    ));
    tampered.value.truncate(10);
    assert!(matches!(
        verifier.verify_with(&pair.public_key(), &statement(), &tampered),
        Err(VerifyError::Mismatch(_))
    ));
    assert!(
        verifier
            .verify_with(&[1, 2, 3], &statement(), &signature)
            .is_err()
    );
}

#[test]
fn secret_key_files_round_trip_and_bad_ones_are_refused() {
    let pair = Ed25519KeyPair::generate().unwrap();
    let text = pair.to_secret_text();
    let read = Ed25519KeyPair::from_secret_text(&text).unwrap();
    assert_eq!(read.public_key(), pair.public_key());
    assert!(!format!("{pair:?}").contains(&hex(pair.key.as_bytes())));

    assert!(Ed25519KeyPair::from_secret_text("hello").is_err());
    let wrong_id = text.replacen("ed25519:", "ed25519:00", 1);
    assert!(Ed25519KeyPair::from_secret_text(&wrong_id).is_err());
    let short = format!("{SECRET_HEADER}\n{}\nabcd\n", pair.key_id());
    assert!(Ed25519KeyPair::from_secret_text(&short).is_err());
}

#[test]
fn trusted_keys_check_ed25519_and_hmac_signatures() {
    let pair = Ed25519KeyPair::from_seed([9; 32]);
    let mut trusted = TrustedKeys::default();
    let key_id = trusted.trust_ed25519(&pair.public_key()).unwrap();
    assert_eq!(key_id, pair.key_id());
    let signature = pair.sign(&statement()).unwrap();
    assert_eq!(
        trusted.verify(&statement(), &signature).unwrap().key_id,
        key_id
    );

    let unknown = Ed25519KeyPair::from_seed([10; 32])
        .sign(&statement())
        .unwrap();
    assert!(matches!(
        trusted.verify(&statement(), &unknown),
        Err(VerifyError::UnknownKey(_))
    ));

    let hmac_signer = HmacSigner::new("ci-secret", b"s3cret");
    let mac = hmac_signer.sign(&statement()).unwrap();
    assert!(matches!(
        trusted.verify(&statement(), &mac),
        Err(VerifyError::UnknownKey(_))
    ));
    trusted.trust_hmac("ci-secret", b"s3cret");
    let verified = trusted.verify(&statement(), &mac).unwrap();
    assert_eq!(verified.algorithm, SignatureAlgorithm::HmacSha256);
    trusted.trust_hmac("ci-secret", b"other");
    assert!(matches!(
        trusted.verify(&statement(), &mac),
        Err(VerifyError::Mismatch(_))
    ));
}
