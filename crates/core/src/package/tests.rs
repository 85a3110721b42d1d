use super::*;
use crate::model::{Timestamp, UserId, VersionMeta};

fn version(v: &str, at: i64, description: &str) -> NewVersion {
    NewVersion {
        version: v.parse().unwrap(),
        archive_digest: crate::Digest::of(b"archive"),
        content_digest: crate::Digest::of(b"content"),
        size: 1234,
        meta: VersionMeta {
            description: description.to_owned(),
            license: Some("MIT".to_owned()),
            allowed_tools: vec!["Read".to_owned()],
            tags: vec!["pdf".to_owned()],
            files: vec!["SKILL.md".parse().unwrap()],
        },
        published_by: "alice".parse::<UserId>().unwrap(),
        published_at: Timestamp::from_unix_millis(at),
        signatures: Vec::new(),
        audit: None,
    }
}

#[test]
fn keys_sort_by_utf16_code_units_as_rfc_8785_shows() {
    // The sorting example of RFC 8785 §3.2.3 (less the key NFC would rewrite).
    let doc = Json::Object(
        ["\u{20ac}", "\r", "1", "\u{1f600}", "\u{80}", "\u{f6}"]
            .into_iter()
            .map(|k| (k.to_owned(), Json::Null))
            .collect(),
    );
    assert_eq!(
        doc.canonical(),
        "{\"\\r\":null,\"1\":null,\"\u{80}\":null,\"\u{f6}\":null,\"\u{20ac}\":null,\"\u{1f600}\":null}"
    );
}

#[test]
fn strings_escape_only_what_rfc_8785_escapes_and_are_nfc() {
    let doc = Json::Array(vec![
        Json::Str("q\"b\\\u{08}\t\n\u{0c}\r\u{1f}\u{7f}/é".to_owned()),
        Json::Str("e\u{301}".to_owned()),
        Json::Int(9_007_199_254_740_991),
        Json::Null,
    ]);
    assert_eq!(
        doc.canonical(),
        "[\"q\\\"b\\\\\\b\\t\\n\\f\\r\\u001f\u{7f}/é\",\"\u{e9}\",9007199254740991,null]"
    );
}

#[test]
fn the_id_ignores_version_and_release_date_and_follows_content() {
    let id: SkillId = "acme/pdf-tools".parse().unwrap();
    let first = package_id(&id, &version("1.0.0", 0, "Fills PDF forms"));
    let again = package_id(&id, &version("1.0.1", 86_400_000 * 400, "Fills PDF forms"));
    assert_eq!(first, again);
    let other = package_id(&id, &version("1.0.0", 0, "Fills PDF forms."));
    assert_ne!(first, other);
    let elsewhere = package_id(
        &"beta/pdf-tools".parse().unwrap(),
        &version("1.0.0", 0, "Fills PDF forms"),
    );
    assert_ne!(first, elsewhere);
    assert!(first.as_str().starts_with(PACKAGE_ID_PREFIX));
    assert_eq!(first.as_str().len(), PACKAGE_ID_PREFIX.len() + 40);
    assert_eq!(first.as_str().parse::<PackageId>().unwrap(), first);

    let document = package_document(&id, &version("1.0.0", 0, "Fills PDF forms")).canonical();
    assert!(document.contains("\"release_date\":\"1970-01-01\""));
    assert!(document.contains("\"version\":\"1.0.0\""));
}

#[test]
fn package_ids_are_checked() {
    for bad in [
        "",
        "pkg_skl_",
        "pkg_skl_0123456789abcdef0123456789abcdef0123456",
        "pkg_skl_0123456789abcdef0123456789abcdef012345678",
        "pkg_skl_0123456789ABCDEF0123456789abcdef01234567",
        "pkg_mcp_0123456789abcdef0123456789abcdef01234567",
        "pkg_skl_0123456789abcdef0123456789abcdef0123456é",
    ] {
        assert!(bad.parse::<PackageId>().is_err(), "{bad}");
    }
    assert!(
        "pkg_skl_0123456789abcdef0123456789abcdef01234567"
            .parse::<PackageId>()
            .is_ok()
    );
}

#[test]
fn dates_are_utc_calendar_dates() {
    assert_eq!(Timestamp::from_unix_millis(0).utc_date(), "1970-01-01");
    // 2024-02-29T23:59:59.999Z, a leap day.
    assert_eq!(
        Timestamp::from_unix_millis(1_709_251_199_999).utc_date(),
        "2024-02-29"
    );
    assert_eq!(
        Timestamp::from_unix_millis(1_709_251_200_000).utc_date(),
        "2024-03-01"
    );
    assert_eq!(Timestamp::from_unix_millis(-1).utc_date(), "1969-12-31");
}
