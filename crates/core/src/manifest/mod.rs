//! SKILL.md: YAML frontmatter between `---` lines, then markdown. [`parse_skill_md`] checks
//! every rule of docs/FORMATS.md and returns the [`SkillManifest`] with its warnings, or the first
//! error.

use std::collections::BTreeMap;

use serde_yaml_ng::Value;

use crate::identity::{IdentityError, SkillName};
use crate::text::sanitize_remote;
use crate::version::Version;

mod yaml;

use yaml::parse_yaml;

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

/// How deep `[` and `{` may nest in the frontmatter. The YAML parser's time grows with this
/// depth times the document's length (seconds for 64 KiB of `[`), and the deserializer
/// refuses nesting this deep anyway.
const MAX_FLOW_DEPTH: usize = 128;

/// Units of work (one per node, one per byte of text) a frontmatter may cost per byte of its
/// source. Without aliases a document costs at most about two per byte (`[:,:]` or `"\L"`),
/// so only alias expansion (a few kilobytes growing into gigabytes) comes near it.
const EXPANSION_PER_BYTE: usize = 4;

/// The top-level fields of the Agent Skills specification: a strict consumer refuses any
/// other (a version belongs in `metadata.version`).
pub const SPEC_FIELDS: &[&str] = &[
    "name",
    "description",
    "license",
    "compatibility",
    "metadata",
    "allowed-tools",
];

/// What a SKILL.md's frontmatter says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillManifest {
    name: SkillName,
    description: String,
    license: Option<String>,
    compatibility: Option<String>,
    metadata: BTreeMap<String, String>,
    allowed_tools: Vec<String>,
    version: Option<Version>,
}

impl SkillManifest {
    /// The `name` field.
    pub fn name(&self) -> &SkillName {
        &self.name
    }
    /// The `description` field, without surrounding whitespace.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The `license` field.
    pub fn license(&self) -> Option<&str> {
        self.license.as_deref()
    }
    /// The `compatibility` field, without surrounding whitespace.
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
    /// The version: `metadata.version`, or the older top-level `version`.
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
    /// A top-level `version`, which the specification puts in `metadata.version`.
    #[error(
        "`version` at the top of the frontmatter is not in the Agent Skills specification \
         (strict validators refuse it); write it as `metadata:` / `  version: \"<version>\"`"
    )]
    TopLevelVersion,
    /// A top-level field the format does not define.
    #[error("unknown field `{field}` in the frontmatter")]
    UnknownField {
        /// The field, with control characters removed and cut to a few hundred characters.
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
    /// The frontmatter is larger than [`MAX_FRONTMATTER_BYTES`] (also when no closing `---`
    /// line comes within that many bytes).
    #[error("SKILL.md frontmatter is larger than {MAX_FRONTMATTER_BYTES} bytes")]
    FrontmatterTooLarge,
    /// `[` and `{` nest too deep (counted before parsing, so brackets inside text count
    /// too; it takes more than a hundred unclosed ones).
    #[error("SKILL.md frontmatter nests `[` or `{{` more than {MAX_FLOW_DEPTH} deep")]
    YamlTooDeep,
    /// The frontmatter is not valid YAML.
    #[error("SKILL.md frontmatter is not valid YAML: {0}")]
    InvalidYaml(String),
    /// YAML aliases (`*a`) expand the frontmatter far beyond its size.
    #[error("SKILL.md frontmatter's YAML aliases expand it far beyond its size")]
    YamlAliasExpansion,
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
        /// The folder's name, with control characters removed and cut.
        folder: String,
    },
    /// The description is empty (or only whitespace, or `null`).
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
    /// The compatibility note is empty (or only whitespace) or too long.
    #[error("SKILL.md compatibility must be 1 to {MAX_COMPATIBILITY_LEN} characters long")]
    CompatibilityLength,
    /// The version is not semver.
    #[error("SKILL.md version `{0}` is not a semver version (like 1.2.3)")]
    InvalidVersion(String),
    /// `metadata.version` and a top-level `version` disagree.
    #[error(
        "SKILL.md says version `{metadata}` in metadata.version and `{top}` at the top; keep \
         only metadata.version"
    )]
    ConflictingVersions {
        /// `metadata.version`.
        metadata: String,
        /// The top-level `version`.
        top: String,
    },
}

impl ManifestWarning {
    /// Whether a strict consumer of the specification refuses the SKILL.md for it (a field
    /// outside [`SPEC_FIELDS`]): what `validate --strict` fails on.
    pub fn is_strict_refusal(&self) -> bool {
        matches!(
            self,
            ManifestWarning::TopLevelVersion | ManifestWarning::UnknownField { .. }
        )
    }
}

/// A parsed SKILL.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedManifest {
    /// The frontmatter.
    pub manifest: SkillManifest,
    /// What is worth telling the author.
    pub warnings: Vec<ManifestWarning>,
    /// The markdown after the frontmatter.
    pub body: String,
}

/// Parses and validates a SKILL.md. `folder_name`, when given, must equal the `name` field.
///
/// Decisions beyond docs/FORMATS.md:
/// - `metadata` values (and keys) that are YAML scalars (numbers, booleans) are kept as their
///   text; `null`, lists and maps are refused.
/// - A `version` written as a YAML number (`1.0`) is refused with
///   [`ManifestError::WrongType`], because `1.0` is not a semver version; `1.2.3` is text to
///   YAML and parses.
/// - `allowed-tools` splits on spaces (or commas) outside parentheses, so
///   `Bash(git add:*) Read` is two tools.
/// - YAML aliases are allowed as long as they do not expand the document far beyond its size
///   ([`ManifestError::YamlAliasExpansion`]); tags other than YAML's own are refused.
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
    let mapping = match parse_yaml(frontmatter)? {
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
        if key == "version" {
            warnings.push(ManifestWarning::TopLevelVersion);
        } else if !SPEC_FIELDS.contains(&key.as_str()) {
            warnings.push(ManifestWarning::UnknownField {
                field: sanitize_remote(&key),
            });
        }
        fields.insert(key, value);
    }

    let name_text = required_string(&fields, "name")?;
    let name: SkillName = name_text.parse().map_err(ManifestError::InvalidName)?;
    if let Some(folder) = folder_name
        && folder != name.as_str()
    {
        return Err(ManifestError::NameMismatch {
            name: name.to_string(),
            folder: sanitize_remote(folder),
        });
    }
    if name.has_underscore() {
        warnings.push(ManifestWarning::UnderscoreInName {
            name: name.to_string(),
        });
    }

    let description = match fields.get("description") {
        Some(Value::Null) => return Err(ManifestError::EmptyDescription),
        _ => required_string(&fields, "description")?.trim().to_owned(),
    };
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
    let compatibility = optional_string(&fields, "compatibility")?.map(|c| c.trim().to_owned());
    if compatibility
        .as_ref()
        .is_some_and(|c| c.is_empty() || c.chars().count() > MAX_COMPATIBILITY_LEN)
    {
        return Err(ManifestError::CompatibilityLength);
    }
    let metadata = metadata(fields.get("metadata"))?;
    let allowed_tools = allowed_tools(fields.get("allowed-tools"), &mut warnings)?;
    let top = match fields.get("version") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.trim().to_owned()),
        Some(_) => {
            return Err(ManifestError::WrongType {
                field: "version",
                expected: "a quoted semver string",
            });
        }
    };
    let in_metadata = metadata.get("version").map(|v| v.trim().to_owned());
    let text_version = match (in_metadata, top) {
        (Some(metadata), Some(top)) if metadata != top => {
            return Err(ManifestError::ConflictingVersions {
                metadata: sanitize_remote(&metadata),
                top: sanitize_remote(&top),
            });
        }
        (Some(text), _) | (None, Some(text)) => Some(text),
        (None, None) => None,
    };
    let version = text_version
        .map(|text| {
            text.parse()
                .map_err(|_| ManifestError::InvalidVersion(sanitize_remote(&text)))
        })
        .transpose()?;

    let lines = text.lines().count();
    if lines > RECOMMENDED_MAX_LINES {
        warnings.push(ManifestWarning::TooManyLines { lines });
    }
    Ok(ParsedManifest {
        manifest: SkillManifest {
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

/// Splits `---\n<yaml>\n---\n<body>` (either line end), looking no further than the
/// frontmatter limit for the closing line.
fn split_frontmatter(text: &str) -> Result<(&str, &str), ManifestError> {
    let after_open = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or(if text == "---" {
            ManifestError::UnterminatedFrontmatter
        } else {
            ManifestError::MissingFrontmatter
        })?;
    let bytes = after_open.as_bytes();
    // `start` is where a line begins, which is also the frontmatter's length should that
    // line close it. Every index below is just after a `\n`, so slicing there is safe.
    let mut start = 0;
    loop {
        if start > MAX_FRONTMATTER_BYTES {
            return Err(ManifestError::FrontmatterTooLarge);
        }
        if let Some(after) = bytes[start..].strip_prefix(b"---") {
            let body_start = match after {
                [] => Some(start + 3),
                [b'\n', ..] => Some(start + 4),
                [b'\r', b'\n', ..] => Some(start + 5),
                _ => None,
            };
            if let Some(body_start) = body_start {
                return Ok((&after_open[..start], &after_open[body_start..]));
            }
        }
        let search_end = bytes.len().min(MAX_FRONTMATTER_BYTES + 1);
        let next_newline = bytes
            .get(start..search_end)
            .and_then(|line| line.iter().position(|&b| b == b'\n'));
        match next_newline {
            Some(newline) => start += newline + 1,
            None if bytes.len() > MAX_FRONTMATTER_BYTES => {
                return Err(ManifestError::FrontmatterTooLarge);
            }
            None => return Err(ManifestError::UnterminatedFrontmatter),
        }
    }
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
        Some(Value::String(text)) => {
            let (by_comma, has_comma) = split_outside_parentheses(text, |c| c == ',');
            if has_comma {
                warnings.push(ManifestWarning::CommaSeparatedAllowedTools);
                Ok(by_comma)
            } else {
                Ok(split_outside_parentheses(text, char::is_whitespace).0)
            }
        }
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

/// Splits at separators outside parentheses, so that a tool pattern such as
/// `Bash(git add:*)` stays whole; trims the pieces and drops empty ones. Also says whether
/// there was any such separator.
fn split_outside_parentheses(
    text: &str,
    is_separator: impl Fn(char) -> bool,
) -> (Vec<String>, bool) {
    let mut pieces = Vec::new();
    let mut depth: usize = 0;
    let mut piece_start = 0;
    for (index, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 && is_separator(c) => {
                pieces.push(&text[piece_start..index]);
                piece_start = index + c.len_utf8();
            }
            _ => {}
        }
    }
    let had_separator = !pieces.is_empty();
    pieces.push(&text[piece_start..]);
    let pieces = pieces
        .into_iter()
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(str::to_owned)
        .collect();
    (pieces, had_separator)
}

#[cfg(test)]
mod tests;
