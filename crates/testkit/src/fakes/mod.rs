//! In-memory fakes of every port of `skillreg-core`.

mod blobs;
mod install;
mod lookup;
mod misc;
mod store;

pub use blobs::MemoryBlobs;
pub use install::{FailPoint, MemoryInstallTarget};
pub use lookup::{FakeLookup, LookupBehaviour};
pub use misc::{FakeSigner, FakeVerifier, ManualClock, SequentialIds};
pub use store::MemoryStore;
