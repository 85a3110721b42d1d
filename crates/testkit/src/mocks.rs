//! mockall mocks of the small ports, for tests that script an exact conversation (a source
//! that fails once, a clock read a set number of times). For the store, prefer
//! [`crate::fakes::MemoryStore`]: a scripted store tests the script, not the behaviour.

use async_trait::async_trait;
use mockall::mock;
use skillreg_core::Digest;
use skillreg_core::identity::SkillRef;
use skillreg_core::model::{SkillUid, Timestamp};
use skillreg_core::ports::{
    BlobError, BlobStore, Clock, IdSource, LookupError, PutOutcome, SignError, Signer, SkillLookup,
    SourceSkill, SourceVersion, Verifier, VerifyError,
};
use skillreg_core::signature::{Signature, VerifiedSigner, VersionStatement};
use skillreg_core::version::VersionReq;

mock! {
    /// A scripted [`SkillLookup`].
    pub Lookup {}

    #[async_trait]
    impl SkillLookup for Lookup {
        fn source_name(&self) -> String;
        async fn find(&self, reference: &SkillRef, request: &VersionReq) -> Result<Vec<SourceSkill>, LookupError>;
        async fn fetch(&self, skill: &SourceSkill, version: &SourceVersion) -> Result<Vec<u8>, LookupError>;
    }

    impl std::fmt::Debug for Lookup {
        fn fmt<'a>(&self, f: &mut std::fmt::Formatter<'a>) -> std::fmt::Result;
    }
}

mock! {
    /// A scripted [`BlobStore`].
    pub Blobs {}

    #[async_trait]
    impl BlobStore for Blobs {
        async fn put(&self, digest: &Digest, bytes: &[u8]) -> Result<PutOutcome, BlobError>;
        async fn get(&self, digest: &Digest) -> Result<Option<Vec<u8>>, BlobError>;
        async fn exists(&self, digest: &Digest) -> Result<bool, BlobError>;
        async fn list(&self) -> Result<Vec<Digest>, BlobError>;
        async fn delete(&self, digest: &Digest) -> Result<bool, BlobError>;
    }

    impl std::fmt::Debug for Blobs {
        fn fmt<'a>(&self, f: &mut std::fmt::Formatter<'a>) -> std::fmt::Result;
    }
}

mock! {
    /// A scripted [`Clock`].
    pub Clock {}

    impl Clock for Clock {
        fn now(&self) -> Timestamp;
    }

    impl std::fmt::Debug for Clock {
        fn fmt<'a>(&self, f: &mut std::fmt::Formatter<'a>) -> std::fmt::Result;
    }
}

mock! {
    /// A scripted [`IdSource`].
    pub Ids {}

    impl IdSource for Ids {
        fn skill_uid(&self) -> SkillUid;
        fn secret(&self) -> Option<[u8; 32]>;
    }

    impl std::fmt::Debug for Ids {
        fn fmt<'a>(&self, f: &mut std::fmt::Formatter<'a>) -> std::fmt::Result;
    }
}

mock! {
    /// A scripted [`Signer`].
    pub Signer {}

    impl Signer for Signer {
        fn key_id(&self) -> String;
        fn sign(&self, statement: &VersionStatement) -> Result<Signature, SignError>;
    }

    impl std::fmt::Debug for Signer {
        fn fmt<'a>(&self, f: &mut std::fmt::Formatter<'a>) -> std::fmt::Result;
    }
}

mock! {
    /// A scripted [`Verifier`].
    pub Verifier {}

    impl Verifier for Verifier {
        fn verify(&self, statement: &VersionStatement, signature: &Signature) -> Result<VerifiedSigner, VerifyError>;
    }

    impl std::fmt::Debug for Verifier {
        fn fmt<'a>(&self, f: &mut std::fmt::Formatter<'a>) -> std::fmt::Result;
    }
}
