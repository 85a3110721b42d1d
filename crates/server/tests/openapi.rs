//! The committed OpenAPI document is the one the code generates.

#[test]
fn the_committed_openapi_document_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = skillreg_server::openapi_document();
    assert!(
        committed == generated,
        "docs/openapi.json is stale; regenerate it with \
         `cargo run -p skillreg-cli -- openapi > docs/openapi.json`"
    );
    let document: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
}
