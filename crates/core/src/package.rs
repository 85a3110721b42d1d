//! The Package Registry Standard's view of a published version: the package document and
//! its [`PackageId`], `pkg_skl_` followed by the SHA-1 of the document's JCS (RFC 8785)
//! form with every string NFC-normalised and the lifecycle fields `version` and
//! `release_date` left out — so identical content republished under a new version keeps
//! its id.
//!
//! The documents hold only strings, non-negative integers, `null`, arrays and objects, so
//! the canonical form needs no floating-point rules: keys sorted by UTF-16 code units, no
//! whitespace, strings escaped as RFC 8785 says.

use std::fmt;
use std::str::FromStr;

use sha1::{Digest as _, Sha1};
use unicode_normalization::UnicodeNormalization;

use crate::digest::hex;
use crate::identity::SkillId;
use crate::model::NewVersion;

/// The prefix of a skill's package id.
pub const PACKAGE_ID_PREFIX: &str = "pkg_skl_";

/// A package id: `pkg_skl_<40 lowercase hex>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageId(String);

/// Why a package id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a package id: it is `pkg_skl_` and 40 lowercase hex digits")]
pub struct InvalidPackageId(String);

impl PackageId {
    /// The text form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PackageId {
    type Err = InvalidPackageId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let valid = text.strip_prefix(PACKAGE_ID_PREFIX).is_some_and(|digits| {
            digits.len() == 40
                && digits
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        });
        if valid {
            Ok(PackageId(text.to_owned()))
        } else {
            Err(InvalidPackageId(crate::text::sanitize_remote(text)))
        }
    }
}

impl fmt::Display for PackageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A JSON value of the kinds a package document holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Json {
    /// `null`.
    Null,
    /// A non-negative integer (below 2^53, so every JSON reader keeps it exact).
    Int(u64),
    /// A string.
    Str(String),
    /// An array.
    Array(Vec<Json>),
    /// An object; key order does not matter (the canonical form sorts).
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The RFC 8785 canonical text, strings NFC-normalised.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        self.write_canonical(&mut out);
        out
    }

    fn write_canonical(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Int(n) => out.push_str(&n.to_string()),
            Json::Str(s) => write_string(&s.nfc().collect::<String>(), out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_canonical(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                let mut sorted: Vec<(String, &Json)> = members
                    .iter()
                    .map(|(k, v)| (k.nfc().collect::<String>(), v))
                    .collect();
                // RFC 8785 §3.2.3: keys in the order of their UTF-16 code units.
                sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
                out.push('{');
                for (i, (key, value)) in sorted.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(&key, out);
                    out.push(':');
                    value.write_canonical(out);
                }
                out.push('}');
            }
        }
    }
}

/// A JSON string as RFC 8785 writes it: only `"`, `\` and control characters escaped,
/// the short escapes where JSON has them, `\u00xx` in lowercase otherwise.
fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{0c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn strings(items: impl IntoIterator<Item = String>) -> Json {
    Json::Array(items.into_iter().map(Json::Str).collect())
}

/// The package document of one version of `id`, lifecycle fields included.
pub fn package_document(id: &SkillId, version: &NewVersion) -> Json {
    Json::Object(document_members(id, version))
}

fn document_members(id: &SkillId, version: &NewVersion) -> Vec<(String, Json)> {
    let meta = &version.meta;
    vec![
        ("type".into(), Json::Str("skill".into())),
        ("namespace".into(), Json::Str(id.namespace().to_string())),
        ("name".into(), Json::Str(id.name().to_string())),
        ("version".into(), Json::Str(version.version.to_string())),
        (
            "release_date".into(),
            Json::Str(version.published_at.utc_date()),
        ),
        ("description".into(), Json::Str(meta.description.clone())),
        (
            "license".into(),
            meta.license.clone().map_or(Json::Null, Json::Str),
        ),
        ("allowed_tools".into(), strings(meta.allowed_tools.clone())),
        ("tags".into(), strings(meta.tags.clone())),
        (
            "files".into(),
            strings(meta.files.iter().map(ToString::to_string)),
        ),
        (
            "archive_digest".into(),
            Json::Str(version.archive_digest.to_string()),
        ),
        (
            "content_digest".into(),
            Json::Str(version.content_digest.to_string()),
        ),
        ("size".into(), Json::Int(version.size)),
    ]
}

/// The fields left out of the id: they change when the same content is released again.
pub const LIFECYCLE_FIELDS: [&str; 2] = ["version", "release_date"];

/// The package id of one version of `id`.
pub fn package_id(id: &SkillId, version: &NewVersion) -> PackageId {
    let hashed = Json::Object(
        document_members(id, version)
            .into_iter()
            .filter(|(key, _)| !LIFECYCLE_FIELDS.contains(&key.as_str()))
            .collect(),
    );
    let digest = Sha1::digest(hashed.canonical().as_bytes());
    PackageId(format!("{PACKAGE_ID_PREFIX}{}", hex(&digest)))
}

#[cfg(test)]
mod tests;
