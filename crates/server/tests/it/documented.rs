//! Every operation the OpenAPI document lists reaches a handler: none falls through to the
//! router's fallback or to a dispatcher's "no such sub-resource".

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;

use super::{TestServer, call};

pub(crate) async fn every_documented_operation_is_routed(s: TestServer) {
    let document: Value = serde_json::from_str(&skillreg_server::openapi_document()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 25, "{}", paths.len());
    for (path, operations) in paths {
        if path == "/api/v1/events" {
            // An endless stream; its own test reads it.
            continue;
        }
        let uri = path
            .replace("{namespace}", "acme")
            .replace("{name}", "pdf")
            .replace("{version}", "1.0.0")
            .replace("{id}", "pkg_skl_0000000000000000000000000000000000000000")
            .replace("{key_id}", "ed25519:00")
            .replace("{user}", "bob");
        for method in operations.as_object().unwrap().keys() {
            let request = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&uri)
                .header("authorization", format!("Bearer {}", s.token))
                .body(Body::from("{}"))
                .unwrap();
            let (status, body, _) = call(&s.app, request).await;
            let text = String::from_utf8_lossy(&body);
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
            for fallthrough in ["no such route", "no route for", "no sub-resource"] {
                assert!(
                    !text.contains(fallthrough),
                    "{method} {uri} is documented but not routed: {text}"
                );
            }
        }
    }
}
