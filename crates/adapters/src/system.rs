//! The operating system's clock and randomness, behind core's [`Clock`] and [`IdSource`].

use skillreg_core::model::{SkillUid, Timestamp};
use skillreg_core::ports::{Clock, IdSource};

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "this is the one place that reads the wall clock"
    )]
    fn now(&self) -> Timestamp {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
            });
        Timestamp::from_unix_millis(millis)
    }
}

/// 32 bytes from the operating system's random source.
///
/// # Errors
/// When the operating system cannot provide randomness.
pub fn random_bytes() -> Result<[u8; 32], getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// Random skill uids (`skl_<32 hex>`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn skill_uid(&self) -> SkillUid {
        // Without randomness a uid from the clock and a counter is still unique here.
        let bytes = random_bytes().unwrap_or_else(|_| {
            static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let now = SystemClock.now().unix_millis();
            *skillreg_core::Digest::of(format!("{now}:{n}:{}", std::process::id()).as_bytes())
                .as_bytes()
        });
        match format!("skl_{}", skillreg_core::digest::hex(&bytes[..16])).parse() {
            Ok(uid) => uid,
            Err(error) => unreachable!("`skl_<hex>` is a valid uid: {error}"),
        }
    }

    fn secret(&self) -> Option<[u8; 32]> {
        random_bytes().ok()
    }
}
