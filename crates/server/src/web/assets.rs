//! The pages' two assets, embedded in the binary and served under names that carry a hash
//! of their bytes, so a browser keeps them for a year and a new binary's are new names.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest as _, Sha256};

/// One embedded asset.
pub(crate) struct Asset {
    stem: &'static str,
    extension: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    path: OnceLock<String>,
}

impl Asset {
    /// Its path, with the first 12 hex digits of its SHA-256 in the name.
    pub(crate) fn path(&self) -> &str {
        self.path.get_or_init(|| {
            let digest = Sha256::digest(self.bytes);
            let hash: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
            format!("/-/assets/{}.{hash}.{}", self.stem, self.extension)
        })
    }
}

pub(crate) static STYLE: Asset = Asset {
    stem: "style",
    extension: "css",
    content_type: "text/css; charset=utf-8",
    bytes: include_bytes!("assets/style.css"),
    path: OnceLock::new(),
};

pub(crate) static SCRIPT: Asset = Asset {
    stem: "app",
    extension: "js",
    content_type: "text/javascript; charset=utf-8",
    bytes: include_bytes!("assets/app.js"),
    path: OnceLock::new(),
};

/// `GET /-/assets/<name>.<hash>.<ext>`: an asset by its current name; any other name is a
/// 404 (an old page asking for last release's asset gets the new one on reload).
pub(crate) async fn serve(Path(file): Path<String>) -> Response {
    let wanted = format!("/-/assets/{file}");
    let Some(asset) = [&STYLE, &SCRIPT].into_iter().find(|a| a.path() == wanted) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let mut response = asset.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    super::secure(headers);
    response
}
