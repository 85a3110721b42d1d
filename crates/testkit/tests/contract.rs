//! The contract suites run against the in-memory fakes: the reference every other adapter
//! must agree with.

use std::sync::Arc;

use skillreg_testkit::fakes::{MemoryBlobs, MemoryStore};

mod skill_store {
    use super::*;
    skillreg_testkit::skill_store_contract!(async { Arc::new(MemoryStore::new()) });
}

mod blob_store {
    use super::*;
    skillreg_testkit::blob_store_contract!(async { Arc::new(MemoryBlobs::new()) });
}
