//! SKILL.md: YAML frontmatter between `---` lines, then markdown. [`parse_skill_md`] checks
//! every rule of formats.md and returns the [`Manifest`] with its warnings, or the first
//! error.

use std::collections::BTreeMap;

use serde_yaml_ng::Value;

use crate::identity::{IdentityError, SkillName};
use crate::version::Version;

/// Largest frontmatter accepted, in bytes.
pub const MAX_FRONTMATTER_BYTES: usize = 64 * 1024;
/// Longest description the Agent Skills format recommends, in characters: longer earns a
/// warning (real skills exceed it).
pub const MAX_DESCRIPTION_LEN: usize = 1024;
/// Longest description accepted at all, in characters.
pub const HARD_MAX_DESCRIPTION_LEN: usize = 4096;
/// Longest compatibility note, in characters.
pub const MAX_COMPATIBILITY_LEN: usize = 500;
/// Lines above which a SKILL.md earns a warning.
pub const RECOMMENDED_MAX_LINES: usize = 500;

const KNOWN_FIELDS: &[&str] = &[
    "name",
    "description",
    "license",
    "compatibility",
    "metadata",
    "allowed-tools",
    "version",
];

/// What a SKILL.md's frontmatter says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    name: SkillName,
    description: String,
    license: Option<String>,
    compatibility: Option<String>,
    metadata: BTreeMap<String, String>,
    allowed_tools: Vec<String>,
    version: Option<Version>,
}

impl Manifest {
    /// The `name` field.
    pub fn name(&self) -> &SkillName {
        &self.name
    }
    /// The `description` field.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The `license` field.
    pub fn license(&self) -> Option<&str> {
        self.license.as_deref()
    }
    /// The `compatibility` field.
    pub fn compatibility(&self) -> Option<&str> {
        self.compatibility.as_deref()
    }
    /// The `metadata` map (scalar values written as strings).
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }
    /// The `allowed-tools` field, split into tools.
    pub fn allowed_tools(&self) -> &[String] {
        &self.allowed_tools
    }
    /// The `version` field.
    pub fn version(&self) -> Option<&Version> {
        self.version.as_ref()
    }
}

/// Something worth telling the author that does not stop a publish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestWarning {
    /// The name uses `_`, which the Agent Skills format does not allow.
    #[error("name `{name}` uses `_`; the Agent Skills format allows only `-`")]
    UnderscoreInName {
        /// The name.
        name: String,
    },
    /// `allowed-tools` is comma-separated; the canonical form is space-separated.
    #[error("allowed-tools is comma-separated; write it space-separated")]
    CommaSeparatedAllowedTools,
    /// A top-level field the format does not define.
    #[error("unknown field `{field}` in the frontmatter")]
    UnknownField {
        /// The field.
        field: String,
    },
    /// The description is longer than the format's 1024 characters.
    #[error(
        "description is {len} characters long; the Agent Skills format allows {MAX_DESCRIPTION_LEN}"
    )]
    LongDescription {
        /// Its length.
        len: usize,
    },
    /// The file is long; agents load all of it.
    #[error(
        "SKILL.md has {lines} lines; keep it under {RECOMMENDED_MAX_LINES} and move detail into other files"
    )]
    TooManyLines {
        /// How many lines.
        lines: usize,
    },
}

/// Why a SKILL.md was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The file is not UTF-8.
    #[error("SKILL.md is not valid UTF-8")]
    NotUtf8,
    /// The file does not start with a `---` line.
    #[error("SKILL.md must start with a `---` line opening the YAML frontmatter")]
    MissingFrontmatter,
    /// No closing `---` line.
    #[error("SKILL.md frontmatter is not closed by a `---` line")]
    UnterminatedFrontmatter,
    /// The frontmatter is larger than [`MAX_FRONTMATTER_BYTES`].
    #[error("SKILL.md frontmatter is larger than {MAX_FRONTMATTER_BYTES} bytes")]
    FrontmatterTooLarge,
    /// The frontmatter is not valid YAML.
    #[error("SKILL.md frontmatter is not valid YAML: {0}")]
    InvalidYaml(String),
    /// The frontmatter uses YAML anchors or aliases, refused so that no document can
    /// expand into a huge one.
    #[error("SKILL.md frontmatter uses YAML anchors or aliases, which are not allowed")]
    YamlAliases,
    /// The frontmatter is not a mapping of fields.
    #[error("SKILL.md frontmatter must be a mapping of fields")]
    NotAMapping,
    /// A required field is missing.
    #[error("SKILL.md frontmatter has no `{0}` field")]
    MissingField(&'static str),
    /// A field has the wrong YAML type.
    #[error("SKILL.md field `{field}` must be {expected}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// The name is not a valid skill name.
    #[error("SKILL.md name is not valid: {0}")]
    InvalidName(IdentityError),
    /// The name differs from the skill's folder name.
    #[error("SKILL.md name `{name}` must equal the folder name `{folder}`")]
    NameMismatch {
        /// The name in the file.
        name: String,
        /// The folder's name.
        folder: String,
    },
    /// The description is empty.
    #[error("SKILL.md description is empty")]
    EmptyDescription,
    /// The description is too long.
    #[error(
        "SKILL.md description is {len} characters long; the limit is {HARD_MAX_DESCRIPTION_LEN}"
    )]
    DescriptionTooLong {
        /// Its length.
        len: usize,
    },
    /// The description has `<` or `>`.
    #[error("SKILL.md description must not contain `<` or `>`")]
    DescriptionAngleBrackets,
    /// The compatibility note is empty or too long.
    #[error("SKILL.md compatibility must be 1 to {MAX_COMPATIBILITY_LEN} characters long")]
    CompatibilityLength,
    /// The version is not semver.
    #[error("SKILL.md version `{0}` is not a semver version (like 1.2.3)")]
    InvalidVersion(String),
}

/// A parsed SKILL.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedManifest {
    /// The frontmatter.
    pub manifest: Manifest,
    /// What is worth telling the author.
    pub warnings: Vec<ManifestWarning>,
    /// The markdown after the frontmatter.
    pub body: String,
}

/// Parses and validates a SKILL.md. `folder_name`, when given, must equal the `name` field.
///
/// `metadata` values that are YAML scalars (numbers, booleans) are kept as their text; a
/// `version` written as a YAML number (`1.0`) is refused with [`ManifestError::WrongType`]
/// because `1.0` is not a semver version.
///
/// # Errors
/// The first [`ManifestError`] found.
pub fn parse_skill_md(
    contents: &[u8],
    folder_name: Option<&str>,
) -> Result<ParsedManifest, ManifestError> {
    let text = std::str::from_utf8(contents).map_err(|_| ManifestError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (frontmatter, body) = split_frontmatter(text)?;
    if frontmatter.contains('&') || frontmatter.contains('*') {
        refuse_aliases(frontmatter)?;
    }
    let value: Value = match serde_yaml_ng::from_str(frontmatter) {
        Ok(value) => value,
        Err(error) => {
            let message: String = error.to_string().chars().take(200).collect();
            return Err(ManifestError::InvalidYaml(message));
        }
    };
    let mapping = match value {
        Value::Mapping(mapping) => mapping,
        Value::Null => return Err(ManifestError::MissingField("name")),
        _ => return Err(ManifestError::NotAMapping),
    };
    let mut warnings = Vec::new();
    let mut fields: BTreeMap<String, Value> = BTreeMap::new();
    for (key, value) in mapping {
        let Value::String(key) = key else {
            return Err(ManifestError::NotAMapping);
        };
        if !KNOWN_FIELDS.contains(&key.as_str()) {
            warnings.push(ManifestWarning::UnknownField { field: key.clone() });
        }
        fields.insert(key, value);
    }

    let name_text = required_string(&fields, "name")?;
    let name: SkillName = name_text.parse().map_err(ManifestError::InvalidName)?;
    if let Some(folder) = folder_name {
        if folder != name.as_str() {
            return Err(ManifestError::NameMismatch {
                name: name.to_string(),
                folder: folder.to_owned(),
            });
        }
    }
    if name.has_underscore() {
        warnings.push(ManifestWarning::UnderscoreInName {
            name: name.to_string(),
        });
    }

    let description = required_string(&fields, "description")?.trim().to_owned();
    if description.is_empty() {
        return Err(ManifestError::EmptyDescription);
    }
    let len = description.chars().count();
    if len > HARD_MAX_DESCRIPTION_LEN {
        return Err(ManifestError::DescriptionTooLong { len });
    }
    if len > MAX_DESCRIPTION_LEN {
        warnings.push(ManifestWarning::LongDescription { len });
    }
    if description.contains(['<', '>']) {
        return Err(ManifestError::DescriptionAngleBrackets);
    }

    let license = optional_string(&fields, "license")?;
    let compatibility = optional_string(&fields, "compatibility")?;
    if compatibility
        .as_ref()
        .is_some_and(|c| c.is_empty() || c.chars().count() > MAX_COMPATIBILITY_LEN)
    {
        return Err(ManifestError::CompatibilityLength);
    }
    let metadata = metadata(fields.get("metadata"))?;
    let allowed_tools = allowed_tools(fields.get("allowed-tools"), &mut warnings)?;
    let version = match fields.get("version") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(
            text.trim()
                .parse()
                .map_err(|_| ManifestError::InvalidVersion(text.chars().take(64).collect()))?,
        ),
        Some(_) => {
            return Err(ManifestError::WrongType {
                field: "version",
                expected: "a quoted semver string",
            });
        }
    };

    let lines = text.lines().count();
    if lines > RECOMMENDED_MAX_LINES {
        warnings.push(ManifestWarning::TooManyLines { lines });
    }
    Ok(ParsedManifest {
        manifest: Manifest {
            name,
            description,
            license,
            compatibility,
            metadata,
            allowed_tools,
            version,
        },
        warnings,
        body: body.to_owned(),
    })
}

/// Splits `---\n<yaml>\n---\n<body>`, without reading further than the frontmatter limit
/// to find the closing line.
fn split_frontmatter(text: &str) -> Result<(&str, &str), ManifestError> {
    let after_open = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or(ManifestError::MissingFrontmatter)?;
    let mut offset = 0;
    for line in after_open.split_inclusive('\n') {
        if line.trim_end_matches(['\n', '\r']) == "---" {
            let frontmatter = &after_open[..offset];
            let body = &after_open[offset + line.len()..];
            return Ok((frontmatter, body));
        }
        offset += line.len();
        if offset > MAX_FRONTMATTER_BYTES {
            return Err(ManifestError::FrontmatterTooLarge);
        }
    }
    Err(ManifestError::UnterminatedFrontmatter)
}

/// Refuses anchors (`&a`) and aliases (`*a`) in YAML structure, leaving `&` and `*` inside
/// quoted or plain scalar text alone as far as a line-level check can tell: a token that
/// starts a value or list item.
fn refuse_aliases(frontmatter: &str) -> Result<(), ManifestError> {
    for line in frontmatter.lines() {
        let trimmed = line.trim_start().trim_start_matches("- ");
        let value = trimmed
            .split_once(": ")
            .map_or(trimmed, |(_, value)| value)
            .trim_start();
        let starts_node = |c: char| {
            value.starts_with(c) && value.chars().nth(1).is_some_and(|n| n.is_alphanumeric())
        };
        if starts_node('&') || starts_node('*') || trimmed.starts_with("<<:") {
            return Err(ManifestError::YamlAliases);
        }
    }
    Ok(())
}

fn required_string(
    fields: &BTreeMap<String, Value>,
    field: &'static str,
) -> Result<String, ManifestError> {
    optional_string(fields, field)?.ok_or(ManifestError::MissingField(field))
}

fn optional_string(
    fields: &BTreeMap<String, Value>,
    field: &'static str,
) -> Result<Option<String>, ManifestError> {
    match fields.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ManifestError::WrongType {
            field,
            expected: "a string",
        }),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn metadata(value: Option<&Value>) -> Result<BTreeMap<String, String>, ManifestError> {
    let wrong = ManifestError::WrongType {
        field: "metadata",
        expected: "a map of strings to strings",
    };
    match value {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Mapping(mapping)) => mapping
            .iter()
            .map(|(k, v)| match (scalar_text(k), scalar_text(v)) {
                (Some(k), Some(v)) => Ok((k, v)),
                _ => Err(wrong.clone()),
            })
            .collect(),
        Some(_) => Err(wrong),
    }
}

fn allowed_tools(
    value: Option<&Value>,
    warnings: &mut Vec<ManifestWarning>,
) -> Result<Vec<String>, ManifestError> {
    let wrong = ManifestError::WrongType {
        field: "allowed-tools",
        expected: "a space-separated string or a list of strings",
    };
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(text)) if text.contains(',') => {
            warnings.push(ManifestWarning::CommaSeparatedAllowedTools);
            Ok(text
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect())
        }
        Some(Value::String(text)) => Ok(text.split_whitespace().map(str::to_owned).collect()),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(tool) if !tool.trim().is_empty() => Ok(tool.trim().to_owned()),
                _ => Err(wrong.clone()),
            })
            .collect(),
        Some(_) => Err(wrong),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skill_md(frontmatter: &str) -> String {
        format!("---\n{frontmatter}---\n# Body\n")
    }

    fn parse(frontmatter: &str) -> Result<ParsedManifest, ManifestError> {
        parse_skill_md(skill_md(frontmatter).as_bytes(), Some("pdf"))
    }

    #[test]
    fn a_full_manifest_parses() {
        let parsed = parse(
            "name: pdf\ndescription: Fill PDF forms\nlicense: MIT\ncompatibility: needs python3\nmetadata:\n  tags: docs, pdf\n  stars: 5\nallowed-tools: Read Bash(python:*)\nversion: \"1.2.3\"\n",
        )
        .unwrap();
        let m = &parsed.manifest;
        assert_eq!(m.name().as_str(), "pdf");
        assert_eq!(m.description(), "Fill PDF forms");
        assert_eq!(m.license(), Some("MIT"));
        assert_eq!(m.compatibility(), Some("needs python3"));
        assert_eq!(m.metadata().get("stars").map(String::as_str), Some("5"));
        assert_eq!(m.allowed_tools(), ["Read", "Bash(python:*)"]);
        assert_eq!(m.version(), Some(&Version::new(1, 2, 3)));
        assert!(parsed.warnings.is_empty());
        assert_eq!(parsed.body, "# Body\n");
    }

    #[test]
    fn every_bad_manifest_has_its_own_error() {
        let long = "x".repeat(4097);
        let cases: Vec<(String, ManifestError)> = vec![
            (
                "name: pdf\n".into(),
                ManifestError::MissingField("description"),
            ),
            (
                "description: x\n".into(),
                ManifestError::MissingField("name"),
            ),
            ("".into(), ManifestError::MissingField("name")),
            (
                "name: [pdf\n".into(),
                ManifestError::InvalidYaml(String::new()),
            ),
            ("- a\n- b\n".into(), ManifestError::NotAMapping),
            (
                "name: PDF\ndescription: x\n".into(),
                ManifestError::InvalidName(IdentityError::NameCharacter {
                    name: "PDF".into(),
                    character: 'P',
                }),
            ),
            (
                "name: docx\ndescription: x\n".into(),
                ManifestError::NameMismatch {
                    name: "docx".into(),
                    folder: "pdf".into(),
                },
            ),
            (
                "name: pdf\ndescription: \"  \"\n".into(),
                ManifestError::EmptyDescription,
            ),
            (
                format!("name: pdf\ndescription: {long}\n"),
                ManifestError::DescriptionTooLong { len: 4097 },
            ),
            (
                "name: pdf\ndescription: use <b>\n".into(),
                ManifestError::DescriptionAngleBrackets,
            ),
            (
                "name: pdf\ndescription: [1, 2]\n".into(),
                ManifestError::WrongType {
                    field: "description",
                    expected: "a string",
                },
            ),
            (
                "name: pdf\ndescription: x\ncompatibility: \"\"\n".into(),
                ManifestError::CompatibilityLength,
            ),
            (
                "name: pdf\ndescription: x\nmetadata: [a]\n".into(),
                ManifestError::WrongType {
                    field: "metadata",
                    expected: "a map of strings to strings",
                },
            ),
            (
                "name: pdf\ndescription: x\nmetadata:\n  a: [1]\n".into(),
                ManifestError::WrongType {
                    field: "metadata",
                    expected: "a map of strings to strings",
                },
            ),
            (
                "name: pdf\ndescription: x\nallowed-tools: 5\n".into(),
                ManifestError::WrongType {
                    field: "allowed-tools",
                    expected: "a space-separated string or a list of strings",
                },
            ),
            (
                "name: pdf\ndescription: x\nversion: one\n".into(),
                ManifestError::InvalidVersion("one".into()),
            ),
            (
                "name: pdf\ndescription: x\nversion: 1.0\n".into(),
                ManifestError::WrongType {
                    field: "version",
                    expected: "a quoted semver string",
                },
            ),
            (
                "name: pdf\ndescription: &a x\nlicense: *a\n".into(),
                ManifestError::YamlAliases,
            ),
        ];
        for (frontmatter, expected) in cases {
            let error = parse(&frontmatter).unwrap_err();
            match (&error, &expected) {
                (ManifestError::InvalidYaml(_), ManifestError::InvalidYaml(_)) => {}
                _ => assert_eq!(error, expected, "{frontmatter}"),
            }
        }
    }

    #[test]
    fn delimiters_size_and_encoding() {
        assert_eq!(
            parse_skill_md(b"name: pdf\n", None),
            Err(ManifestError::MissingFrontmatter)
        );
        assert_eq!(
            parse_skill_md(b"---\nname: pdf\n", None),
            Err(ManifestError::UnterminatedFrontmatter)
        );
        assert_eq!(
            parse_skill_md(&[0xff, 0xfe], None),
            Err(ManifestError::NotUtf8)
        );
        let big = format!(
            "---\nname: pdf\ndescription: x\nfiller: \"{}\"\n---\n",
            "y".repeat(70_000)
        );
        assert_eq!(
            parse_skill_md(big.as_bytes(), None),
            Err(ManifestError::FrontmatterTooLarge)
        );
        let crlf = "\u{feff}---\r\nname: pdf\r\ndescription: x\r\n---\r\nbody\r\n";
        assert!(parse_skill_md(crlf.as_bytes(), Some("pdf")).is_ok());
    }

    #[test]
    fn warnings() {
        let parsed = parse_skill_md(
            skill_md(
                "name: email_validator\ndescription: x\nallowed-tools: Read, Write\nextra: 1\n",
            )
            .as_bytes(),
            None,
        )
        .unwrap();
        assert_eq!(parsed.manifest.allowed_tools(), ["Read", "Write"]);
        assert_eq!(
            parsed.warnings,
            [
                ManifestWarning::UnknownField {
                    field: "extra".into()
                },
                ManifestWarning::UnderscoreInName {
                    name: "email_validator".into()
                },
                ManifestWarning::CommaSeparatedAllowedTools,
            ]
        );
        let long = format!(
            "---\nname: pdf\ndescription: x\n---\n{}",
            "line\n".repeat(600)
        );
        let parsed = parse_skill_md(long.as_bytes(), None).unwrap();
        assert!(matches!(
            parsed.warnings[..],
            [ManifestWarning::TooManyLines { lines: 604 }]
        ));
        let list =
            parse("name: pdf\ndescription: x\nallowed-tools:\n  - Read\n  - Grep\n").unwrap();
        assert_eq!(list.manifest.allowed_tools(), ["Read", "Grep"]);
    }

    #[test]
    fn a_long_description_is_a_warning_up_to_the_hard_limit() {
        let parsed = parse(&format!("name: pdf\ndescription: {}\n", "x".repeat(1025))).unwrap();
        assert_eq!(
            parsed.warnings,
            [ManifestWarning::LongDescription { len: 1025 }]
        );
    }

    #[test]
    fn mangled_input_never_panics() {
        let base =
            skill_md("name: pdf\ndescription: Fill PDF forms\nmetadata:\n  a: b\n").into_bytes();
        for cut in 0..base.len() {
            let _ = parse_skill_md(&base[..cut], Some("pdf"));
            let mut flipped = base.clone();
            flipped[cut] ^= 0x55;
            let _ = parse_skill_md(&flipped, Some("pdf"));
        }
    }

    #[test]
    fn fixture_skills_parse() {
        let fixtures = [
            (
                "brand-guidelines",
                include_str!("../../../../shared/fixtures/skills/brand-guidelines/SKILL.md"),
            ),
            (
                "claude-api",
                include_str!("../../../../shared/fixtures/skills/claude-api/SKILL.md"),
            ),
            (
                "frontend-design",
                include_str!("../../../../shared/fixtures/skills/frontend-design/SKILL.md"),
            ),
            (
                "internal-comms",
                include_str!("../../../../shared/fixtures/skills/internal-comms/SKILL.md"),
            ),
        ];
        for (name, text) in fixtures {
            let parsed = parse_skill_md(text.as_bytes(), Some(name))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(parsed.manifest.name().as_str(), name);
        }
    }
}
