//! `skillreg-core` does no I/O: its dependencies are limited to this allow-list (see
//! docs/ARCHITECTURE.md). Adding one means arguing for it here.

use std::process::Command;

/// Pure crates core may use: data, parsing, hashing, compression over in-memory bytes.
const ALLOWED: &[&str] = &[
    "async-trait",
    // Checkpoints carry hashes and keys as base64 (the signed-note format): `log/`.
    "base64",
    "flate2",
    // The ClawHub fingerprint sorts paths as JavaScript's `localeCompare` does (ICU
    // collation, compiled-in data): `clawhub.rs`.
    "icu_collator",
    // The audit's rules: linear-time matching over untrusted text, one pass per file.
    "regex",
    "semver",
    "serde",
    // A transparency log entry's canonical bytes are compact JSON: `log/entry.rs`.
    "serde_json",
    "serde_yaml_ng",
    "sha1",
    "sha2",
    "tar",
    "thiserror",
    "unicode-normalization",
    // A skill as a Claude Code plugin is a zip, written into memory (`plugin.rs`).
    "zip",
];

#[test]
fn core_depends_only_on_allowed_crates() {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let core = metadata["packages"]
        .as_array()
        .and_then(|packages| packages.iter().find(|p| p["name"] == "skillreg-core"))
        .expect("skillreg-core is in the workspace");
    let mut normal: Vec<String> = core["dependencies"]
        .as_array()
        .expect("dependencies is a list")
        .iter()
        .filter(|d| d["kind"].is_null())
        .map(|d| d["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    normal.sort();
    let outside: Vec<&String> = normal
        .iter()
        .filter(|name| !ALLOWED.contains(&name.as_str()))
        .collect();
    assert!(
        outside.is_empty(),
        "skillreg-core depends on {outside:?}, outside its allow-list {ALLOWED:?}"
    );
    assert!(
        !normal.iter().any(|name| name.starts_with("skillreg-")),
        "skillreg-core must not depend on another workspace crate: {normal:?}"
    );
}
