//! A skill version as a Claude Code plugin (docs/FORMATS.md, "Claude Code marketplaces"): a
//! zip with one top-level folder, the plugin's name, holding `.claude-plugin/plugin.json`
//! and the skill under `skills/<name>/`. Built from the version's files alone, entries in a
//! fixed order with fixed times and modes, so the same version gives the same bytes (and
//! the same sha256) on every replica.

use std::io::Write as _;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::bundle::FileSet;
use crate::digest::Digest;
use crate::identity::SkillId;
use crate::package::Json;
use crate::version::Version;

/// Why a plugin (or another zip) could not be built (only the zip writer can fail, on
/// memory).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("building the zip archive failed: {0}")]
pub struct PluginError(String);

/// A built plugin archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginArchive {
    /// The plugin's name (the skill name's lookup key).
    pub name: String,
    /// The zip's bytes.
    pub bytes: Vec<u8>,
    /// Their digest.
    pub digest: Digest,
}

/// The plugin of `id` at `version`, from its files and its description.
///
/// # Errors
/// [`PluginError`] when the zip writer fails.
pub fn build_plugin(
    id: &SkillId,
    version: &Version,
    description: &str,
    license: Option<&str>,
    files: &FileSet,
) -> Result<PluginArchive, PluginError> {
    let name = id.name().key().as_str().to_owned();
    let manifest = plugin_json(&name, version, description, license);
    let bytes = write_zip(
        std::iter::once((
            format!("{name}/.claude-plugin/plugin.json"),
            manifest.as_bytes(),
            false,
        ))
        .chain(files.files().map(|file| {
            (
                format!("{name}/skills/{name}/{}", file.path().as_str()),
                file.contents(),
                file.executable(),
            )
        })),
    )?;
    Ok(PluginArchive {
        name,
        digest: Digest::of(&bytes),
        bytes,
    })
}

/// A zip of `entries` (path, bytes, executable), in the order given, deflated, every time
/// and mode fixed: the same entries give the same bytes.
///
/// # Errors
/// [`PluginError`] when the zip writer fails.
pub fn write_zip<'a>(
    entries: impl IntoIterator<Item = (String, &'a [u8], bool)>,
) -> Result<Vec<u8>, PluginError> {
    let fail = |e: &dyn std::fmt::Display| PluginError(e.to_string());
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, contents, executable) in entries {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(DateTime::default())
            .unix_permissions(if executable { 0o755 } else { 0o644 });
        zip.start_file(path, options).map_err(|e| fail(&e))?;
        zip.write_all(contents).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}

/// `plugin.json`: name, version, description and license, in the canonical JSON form the
/// package documents use (keys sorted, so the bytes are fixed).
fn plugin_json(name: &str, version: &Version, description: &str, license: Option<&str>) -> String {
    let mut members = vec![
        ("name".to_owned(), Json::Str(name.to_owned())),
        ("version".to_owned(), Json::Str(version.to_string())),
        ("description".to_owned(), Json::Str(description.to_owned())),
    ];
    if let Some(license) = license {
        members.push(("license".to_owned(), Json::Str(license.to_owned())));
    }
    Json::Object(members).canonical()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{BundleFile, BundleLimits};

    fn files() -> FileSet {
        FileSet::new(
            [
                BundleFile::new(
                    "SKILL.md".parse().unwrap(),
                    b"---\nname: pdf\ndescription: d\n---\n".to_vec(),
                    false,
                ),
                BundleFile::new(
                    "scripts/run.sh".parse().unwrap(),
                    b"echo hi\n".to_vec(),
                    true,
                ),
            ],
            &BundleLimits::default(),
        )
        .unwrap()
    }

    #[test]
    fn the_same_version_gives_the_same_bytes() {
        let id: SkillId = "acme/pdf".parse().unwrap();
        let version: Version = "1.2.0".parse().unwrap();
        let one =
            build_plugin(&id, &version, "Fills \"PDF\" forms", Some("MIT"), &files()).unwrap();
        let two =
            build_plugin(&id, &version, "Fills \"PDF\" forms", Some("MIT"), &files()).unwrap();
        assert_eq!(one, two);
        assert_eq!(one.name, "pdf");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(one.bytes)).unwrap();
        let names: Vec<String> = archive
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "pdf/.claude-plugin/plugin.json",
                "pdf/skills/pdf/SKILL.md",
                "pdf/skills/pdf/scripts/run.sh"
            ]
        );
        let mut manifest = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("pdf/.claude-plugin/plugin.json").unwrap(),
            &mut manifest,
        )
        .unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&manifest).unwrap();
        assert_eq!(parsed["description"], "Fills \"PDF\" forms");
        assert_eq!(parsed["version"], "1.2.0");
        assert_eq!(
            archive
                .by_name("pdf/skills/pdf/scripts/run.sh")
                .unwrap()
                .unix_mode(),
            Some(0o100_755)
        );
    }

    #[test]
    fn plugin_json_escapes_what_json_needs() {
        let text = plugin_json("pdf", &"1.0.0".parse().unwrap(), "a\"b\\c\nd\u{1}", None);
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["description"], "a\"b\\c\nd\u{1}");
        assert!(text.contains("\\u0001"), "{text}");
    }
}
