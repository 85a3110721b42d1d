//! The fuzz corpus (`fuzz/corpus/<target>/`: seeds from the fixtures and tests, and every
//! input `cargo fuzz` kept) replayed through each target's check as an ordinary test, so
//! what a fuzzer once found stays fixed.

use std::path::Path;

#[test]
fn every_saved_input_passes_its_targets_check() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for (target, check) in skillreg_fuzz::TARGETS {
        let dir = corpus.join(target);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e} (every target keeps a corpus)", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{} has no seeds", dir.display());
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                panic!("{target}: {} fails its check", input.display());
            }
        }
    }
}
