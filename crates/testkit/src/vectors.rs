//! The known-answer vectors of `fixtures/vectors/vectors.json` (computed outside the
//! project, see `fixtures/README.md`), for the tests that hold the code to them.

use serde_json::Value;
use skillreg_core::signature::VersionStatement;

/// The whole vector file.
pub fn load() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/vectors/vectors.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A string of the file.
pub fn text(value: &Value) -> &str {
    value.as_str().unwrap()
}

/// The version statement the vectors sign.
pub fn statement(vectors: &Value) -> VersionStatement {
    let s = &vectors["statement"];
    VersionStatement {
        id: text(&s["id"]).parse().unwrap(),
        version: text(&s["version"]).parse().unwrap(),
        archive_digest: text(&s["archive_digest"]).parse().unwrap(),
        content_digest: text(&s["content_digest"]).parse().unwrap(),
    }
}
