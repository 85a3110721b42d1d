//! SKILL.md: YAML frontmatter between `---` lines, then markdown. [`parse_skill_md`] checks
//! every rule of docs/FORMATS.md and returns the [`Manifest`] with its warnings, or the first
//! error.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_yaml_ng::{Mapping, Value};

use crate::identity::{IdentityError, SkillName};
use crate::text::sanitize_remote;
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

/// How deep `[` and `{` may nest in the frontmatter. The YAML parser's time grows with this
/// depth times the document's length (seconds for 64 KiB of `[`), and the deserializer
/// refuses nesting this deep anyway.
const MAX_FLOW_DEPTH: usize = 128;

/// Units of work (one per node, one per byte of text) a frontmatter may cost per byte of its
/// source. Without aliases a document costs at most about two per byte (`[:,:]` or `"\L"`),
/// so only alias expansion (a few kilobytes growing into gigabytes) comes near it.
const EXPANSION_PER_BYTE: usize = 4;

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
        if !KNOWN_FIELDS.contains(&key.as_str()) {
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
    let version = match fields.get("version") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(
            text.trim()
                .parse()
                .map_err(|_| ManifestError::InvalidVersion(sanitize_remote(text)))?,
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

/// Parses the frontmatter into a [`Value`] after checking the nesting of `[` and `{`, and
/// with a budget that stops alias expansion.
fn parse_yaml(frontmatter: &str) -> Result<Value, ManifestError> {
    if flow_depth(frontmatter) > MAX_FLOW_DEPTH {
        return Err(ManifestError::YamlTooDeep);
    }
    // The few extra units let an empty or one-word document be `null` or a scalar.
    let budget = Budget {
        left: Cell::new(EXPANSION_PER_BYTE * frontmatter.len() + 16),
        exhausted: Cell::new(false),
    };
    let deserializer = serde_yaml_ng::Deserializer::from_str(frontmatter);
    match (BudgetedValue { budget: &budget }).deserialize(deserializer) {
        Ok(value) => Ok(value),
        Err(_) if budget.exhausted.get() => Err(ManifestError::YamlAliasExpansion),
        Err(error) => Err(ManifestError::InvalidYaml(sanitize_remote(
            &error.to_string(),
        ))),
    }
}

/// The deepest run of `[` and `{` not yet closed, counting every bracket in the text: an
/// overestimate (brackets inside strings count too) that needs no parsing.
fn flow_depth(frontmatter: &str) -> usize {
    let mut depth: usize = 0;
    let mut deepest = 0;
    for byte in frontmatter.bytes() {
        match byte {
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// What is left of the work a frontmatter may cost, and whether it ran out.
#[derive(Debug)]
struct Budget {
    left: Cell<usize>,
    exhausted: Cell<bool>,
}

/// Deserializes one YAML node into a [`Value`], charging every node and every byte of text
/// to a [`Budget`]. serde_yaml_ng expands aliases as it goes and only caps the number of
/// jumps, which lets 30 KB of `[*a, *a, …]` build gigabytes of values.
#[derive(Debug, Clone, Copy)]
struct BudgetedValue<'a> {
    budget: &'a Budget,
}

impl BudgetedValue<'_> {
    fn charge<E: de::Error>(self, cost: usize) -> Result<(), E> {
        match self.budget.left.get().checked_sub(cost) {
            Some(left) => {
                self.budget.left.set(left);
                Ok(())
            }
            None => {
                self.budget.exhausted.set(true);
                Err(E::custom("aliases expand the document too far"))
            }
        }
    }

    fn text<E: de::Error>(self, text: String) -> Result<Value, E> {
        self.charge(1 + text.len())?;
        Ok(Value::String(text))
    }
}

impl<'de> DeserializeSeed<'de> for BudgetedValue<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BudgetedValue<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a YAML value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        self.charge(1)?;
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        self.charge(1)?;
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        self.charge(1)?;
        Ok(Value::Number(n.into()))
    }

    // Integers beyond 64 bits are kept as their digits: they can only be metadata text.
    fn visit_i128<E: de::Error>(self, n: i128) -> Result<Value, E> {
        self.text(n.to_string())
    }

    fn visit_u128<E: de::Error>(self, n: u128) -> Result<Value, E> {
        self.text(n.to_string())
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        self.charge(1)?;
        Ok(Value::Number(n.into()))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Value, E> {
        // Charged before copying, so an expanded alias is refused before it is allocated.
        self.charge(1 + text.len())?;
        Ok(Value::String(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Value, E> {
        self.text(text)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.charge(1)?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        self.charge(1)?;
        let mut sequence = Vec::new();
        while let Some(item) = items.next_element_seed(self)? {
            sequence.push(item);
        }
        Ok(Value::Sequence(sequence))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        self.charge(1)?;
        let mut mapping = Mapping::new();
        while let Some(key) = entries.next_key_seed(self)? {
            if mapping.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key {}",
                    describe_key(&key)
                )));
            }
            let value = entries.next_value_seed(self)?;
            mapping.insert(key, value);
        }
        Ok(Value::Mapping(mapping))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, _tagged: A) -> Result<Value, A::Error> {
        Err(de::Error::custom(
            "YAML tags other than YAML's own (like `!!str`) are not supported",
        ))
    }
}

fn describe_key(key: &Value) -> String {
    match key {
        Value::String(text) => format!("`{text}`"),
        _ => "(not a string)".to_owned(),
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
mod tests {
    use super::*;

    fn skill_md(frontmatter: &str) -> String {
        format!("---\n{frontmatter}---\n# Body\n")
    }

    fn parse(frontmatter: &str) -> Result<ParsedManifest, ManifestError> {
        parse_skill_md(skill_md(frontmatter).as_bytes(), Some("pdf"))
    }

    /// `[*a, *a, …]` over `&a [x, x, …]`: about 28 KB that serde_yaml_ng alone expands into
    /// 49 million values.
    fn flat_alias_bomb() -> String {
        let inner = vec!["x"; 7000].join(",");
        let outer = vec!["*a"; 7000].join(",");
        format!("name: pdf\ndescription: x\nbomb: [&a [{inner}], {outer}]\n")
    }

    #[test]
    fn a_full_manifest_parses() {
        let parsed = parse(
            "name: pdf\ndescription: Fill PDF forms\nlicense: MIT\ncompatibility: needs python3\nmetadata:\n  tags: docs, pdf\n  stars: 5\n  beta: true\nallowed-tools: Read Bash(python:*)\nversion: \"1.2.3\"\n",
        )
        .unwrap();
        let m = &parsed.manifest;
        assert_eq!(m.name().as_str(), "pdf");
        assert_eq!(m.description(), "Fill PDF forms");
        assert_eq!(m.license(), Some("MIT"));
        assert_eq!(m.compatibility(), Some("needs python3"));
        assert_eq!(m.metadata().get("stars").map(String::as_str), Some("5"));
        assert_eq!(m.metadata().get("beta").map(String::as_str), Some("true"));
        assert_eq!(m.allowed_tools(), ["Read", "Bash(python:*)"]);
        assert_eq!(m.version(), Some(&Version::new(1, 2, 3)));
        assert!(parsed.warnings.is_empty());
        assert_eq!(parsed.body, "# Body\n");
    }

    #[test]
    fn every_bad_manifest_has_its_own_error() {
        let wrong = |field, expected| ManifestError::WrongType { field, expected };
        let any_yaml_error = ManifestError::InvalidYaml(String::new());
        let cases: Vec<(String, ManifestError)> = vec![
            // Shape.
            ("".into(), ManifestError::MissingField("name")),
            ("name: [pdf\n".into(), any_yaml_error.clone()),
            (
                "name: pdf\n  description: x\n".into(),
                any_yaml_error.clone(),
            ),
            (
                "name: pdf\nname: pdf\ndescription: x\n".into(),
                any_yaml_error.clone(),
            ),
            (
                "name: pdf\ndescription: !custom x\n".into(),
                any_yaml_error.clone(),
            ),
            (
                "name: pdf\ndescription: !!int x\n".into(),
                any_yaml_error.clone(),
            ),
            (
                "name: pdf\ndescription: *undefined\n".into(),
                any_yaml_error.clone(),
            ),
            ("- a\n- b\n".into(), ManifestError::NotAMapping),
            ("just text\n".into(), ManifestError::NotAMapping),
            (
                "1: pdf\nname: pdf\ndescription: x\n".into(),
                ManifestError::NotAMapping,
            ),
            (
                format!("x: {}\n", "[".repeat(129)),
                ManifestError::YamlTooDeep,
            ),
            (
                format!("x: {}\n", "{a: ".repeat(15_000)),
                ManifestError::YamlTooDeep,
            ),
            (flat_alias_bomb(), ManifestError::YamlAliasExpansion),
            // name.
            (
                "description: x\n".into(),
                ManifestError::MissingField("name"),
            ),
            (
                "name:\ndescription: x\n".into(),
                ManifestError::MissingField("name"),
            ),
            (
                "name: 5\ndescription: x\n".into(),
                wrong("name", "a string"),
            ),
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
            // description.
            (
                "name: pdf\n".into(),
                ManifestError::MissingField("description"),
            ),
            (
                "name: pdf\ndescription:\n".into(),
                ManifestError::EmptyDescription,
            ),
            (
                "name: pdf\ndescription: \"  \"\n".into(),
                ManifestError::EmptyDescription,
            ),
            (
                format!("name: pdf\ndescription: {}\n", "x".repeat(4097)),
                ManifestError::DescriptionTooLong { len: 4097 },
            ),
            (
                "name: pdf\ndescription: use <b>\n".into(),
                ManifestError::DescriptionAngleBrackets,
            ),
            (
                "name: pdf\ndescription: a -> b\n".into(),
                ManifestError::DescriptionAngleBrackets,
            ),
            (
                "name: pdf\ndescription: [1, 2]\n".into(),
                wrong("description", "a string"),
            ),
            (
                "name: pdf\ndescription: 12\n".into(),
                wrong("description", "a string"),
            ),
            // license and compatibility.
            (
                "name: pdf\ndescription: x\nlicense: [MIT]\n".into(),
                wrong("license", "a string"),
            ),
            (
                "name: pdf\ndescription: x\ncompatibility: \"\"\n".into(),
                ManifestError::CompatibilityLength,
            ),
            (
                "name: pdf\ndescription: x\ncompatibility: \" \"\n".into(),
                ManifestError::CompatibilityLength,
            ),
            (
                format!(
                    "name: pdf\ndescription: x\ncompatibility: {}\n",
                    "c".repeat(501)
                ),
                ManifestError::CompatibilityLength,
            ),
            (
                "name: pdf\ndescription: x\ncompatibility: {a: b}\n".into(),
                wrong("compatibility", "a string"),
            ),
            // metadata.
            (
                "name: pdf\ndescription: x\nmetadata: [a]\n".into(),
                wrong("metadata", "a map of strings to strings"),
            ),
            (
                "name: pdf\ndescription: x\nmetadata: text\n".into(),
                wrong("metadata", "a map of strings to strings"),
            ),
            (
                "name: pdf\ndescription: x\nmetadata:\n  a: [1]\n".into(),
                wrong("metadata", "a map of strings to strings"),
            ),
            (
                "name: pdf\ndescription: x\nmetadata:\n  a:\n".into(),
                wrong("metadata", "a map of strings to strings"),
            ),
            // allowed-tools.
            (
                "name: pdf\ndescription: x\nallowed-tools: 5\n".into(),
                wrong(
                    "allowed-tools",
                    "a space-separated string or a list of strings",
                ),
            ),
            (
                "name: pdf\ndescription: x\nallowed-tools: {Read: yes}\n".into(),
                wrong(
                    "allowed-tools",
                    "a space-separated string or a list of strings",
                ),
            ),
            (
                "name: pdf\ndescription: x\nallowed-tools: [Read, 5]\n".into(),
                wrong(
                    "allowed-tools",
                    "a space-separated string or a list of strings",
                ),
            ),
            (
                "name: pdf\ndescription: x\nallowed-tools: [Read, \" \"]\n".into(),
                wrong(
                    "allowed-tools",
                    "a space-separated string or a list of strings",
                ),
            ),
            // version.
            (
                "name: pdf\ndescription: x\nversion: one\n".into(),
                ManifestError::InvalidVersion("one".into()),
            ),
            (
                "name: pdf\ndescription: x\nversion: \"1.0\"\n".into(),
                ManifestError::InvalidVersion("1.0".into()),
            ),
            (
                "name: pdf\ndescription: x\nversion: 1.0\n".into(),
                wrong("version", "a quoted semver string"),
            ),
            (
                "name: pdf\ndescription: x\nversion: 1\n".into(),
                wrong("version", "a quoted semver string"),
            ),
        ];
        for (frontmatter, expected) in cases {
            let shown: String = frontmatter.chars().take(80).collect();
            let error = parse(&frontmatter).unwrap_err();
            match (&error, &expected) {
                (ManifestError::InvalidYaml(message), ManifestError::InvalidYaml(_)) => {
                    assert!(!message.is_empty(), "{shown}");
                    assert!(message.chars().count() <= 257, "{shown}: {message}");
                }
                _ => assert_eq!(error, expected, "{shown}"),
            }
            assert!(!error.to_string().ends_with('.'), "{error}");
        }
    }

    #[test]
    fn yaml_errors_are_short_and_name_the_place() {
        let error = parse("name: pdf\ndescription: [x\n").unwrap_err();
        let ManifestError::InvalidYaml(message) = error else {
            panic!("{error:?}")
        };
        assert!(message.contains("line"), "{message}");
        let error = parse(&format!(
            "name: pdf\n\u{1b}[31m{}: 1\n  x\n",
            "k".repeat(500)
        ))
        .unwrap_err();
        let ManifestError::InvalidYaml(message) = error else {
            panic!("{error:?}")
        };
        assert!(!message.contains('\u{1b}'), "{message}");
        assert!(message.chars().count() <= 257, "{message}");
    }

    #[test]
    fn delimiters_size_and_encoding() {
        let cases: Vec<(Vec<u8>, ManifestError)> = vec![
            (b"name: pdf\n".to_vec(), ManifestError::MissingFrontmatter),
            (
                b"\n---\nname: pdf\n---\n".to_vec(),
                ManifestError::MissingFrontmatter,
            ),
            (
                b" ---\nname: pdf\n---\n".to_vec(),
                ManifestError::MissingFrontmatter,
            ),
            (b"".to_vec(), ManifestError::MissingFrontmatter),
            (b"---".to_vec(), ManifestError::UnterminatedFrontmatter),
            (
                b"---\nname: pdf\n".to_vec(),
                ManifestError::UnterminatedFrontmatter,
            ),
            (
                b"---\nname: pdf\n--- \n".to_vec(),
                ManifestError::UnterminatedFrontmatter,
            ),
            (
                b"---\nname: pdf\n----\n".to_vec(),
                ManifestError::UnterminatedFrontmatter,
            ),
            (
                b"---\nname: pdf\n ---\n".to_vec(),
                ManifestError::UnterminatedFrontmatter,
            ),
            (vec![0xff, 0xfe], ManifestError::NotUtf8),
            (
                b"---\nname: pdf\ndescription: x\n---\n\xc3(".to_vec(),
                ManifestError::NotUtf8,
            ),
            (
                format!(
                    "---\nname: pdf\ndescription: x\nf: \"{}\"\n---\n",
                    "y".repeat(70_000)
                )
                .into_bytes(),
                ManifestError::FrontmatterTooLarge,
            ),
            // No closing line and no line end for megabytes: the scan stops at the limit.
            (
                format!("---\nname: pdf{}", "y".repeat(1 << 20)).into_bytes(),
                ManifestError::FrontmatterTooLarge,
            ),
        ];
        for (contents, expected) in cases {
            assert_eq!(
                parse_skill_md(&contents, None),
                Err(expected),
                "{:?}",
                String::from_utf8_lossy(&contents[..contents.len().min(40)])
            );
        }

        let crlf = "\u{feff}---\r\nname: pdf\r\ndescription: x\r\n---\r\nbody\r\n";
        let parsed = parse_skill_md(crlf.as_bytes(), Some("pdf")).unwrap();
        assert_eq!(parsed.body, "body\r\n");
        let no_body = parse_skill_md(b"---\nname: pdf\ndescription: x\n---", None).unwrap();
        assert_eq!(no_body.body, "");
        let dashes_in_body = "---\nname: pdf\ndescription: x\n---\n---\n";
        assert_eq!(
            parse_skill_md(dashes_in_body.as_bytes(), None)
                .unwrap()
                .body,
            "---\n"
        );
    }

    #[test]
    fn the_frontmatter_limit_is_exact() {
        let fill = |len: usize| {
            let head = "name: pdf\ndescription: x\nf: \"";
            let tail = "\"\n";
            let filler = "y".repeat(len - head.len() - tail.len());
            format!("---\n{head}{filler}{tail}---\nbody\n")
        };
        assert!(parse_skill_md(fill(MAX_FRONTMATTER_BYTES).as_bytes(), None).is_ok());
        assert_eq!(
            parse_skill_md(fill(MAX_FRONTMATTER_BYTES + 1).as_bytes(), None),
            Err(ManifestError::FrontmatterTooLarge)
        );
        let crlf = fill(MAX_FRONTMATTER_BYTES).replace("---\nbody", "---\r\nbody");
        assert!(parse_skill_md(crlf.as_bytes(), None).is_ok());
    }

    #[test]
    fn aliases_that_stay_small_are_fine_and_bombs_are_stopped() {
        let small =
            parse("name: pdf\ndescription: &d Fill forms\nmetadata:\n  summary: *d\n").unwrap();
        assert_eq!(
            small.manifest.metadata().get("summary").map(String::as_str),
            Some("Fill forms")
        );

        // The classic: nine levels, each nine aliases of the one below.
        let mut laughs = String::from("name: pdf\ndescription: x\nl0: &l0 lol\n");
        for level in 1..10 {
            let below = vec![format!("*l{}", level - 1); 9].join(", ");
            laughs.push_str(&format!("l{level}: &l{level} [{below}]\n"));
        }
        assert_eq!(parse(&laughs), Err(ManifestError::YamlAliasExpansion));

        // One long text referred to many times.
        let long_text = format!(
            "name: pdf\ndescription: x\nt: &t {}\nm: [{}]\n",
            "y".repeat(30_000),
            vec!["*t"; 1000].join(", ")
        );
        assert_eq!(parse(&long_text), Err(ManifestError::YamlAliasExpansion));

        // A tab after the colon and flow collections are YAML like any other.
        let tabbed = flat_alias_bomb().replace("bomb: [&a", "bomb:\t[&a");
        assert_eq!(parse(&tabbed), Err(ManifestError::YamlAliasExpansion));
    }

    #[test]
    fn text_that_looks_like_an_anchor_or_alias_is_text() {
        let parsed = parse(
            "name: pdf\ndescription: |\n  *Fills* forms\n  &mdash; fast\ncompatibility: >\n  *nix only\n",
        )
        .unwrap();
        assert_eq!(parsed.manifest.description(), "*Fills* forms\n&mdash; fast");
        assert_eq!(parsed.manifest.compatibility(), Some("*nix only"));
    }

    #[test]
    fn brackets_in_text_count_towards_depth_only_when_unclosed() {
        let balanced = format!("name: pdf\ndescription: \"{}\"\n", "[x] ".repeat(500));
        assert!(parse(&balanced).is_ok());
        let unclosed = format!(
            "name: pdf\ndescription: \"{}\"\n",
            "[".repeat(MAX_FLOW_DEPTH)
        );
        assert!(parse(&unclosed).is_ok());
        let too_many = format!(
            "name: pdf\ndescription: \"{}\"\n",
            "[".repeat(MAX_FLOW_DEPTH + 1)
        );
        assert_eq!(parse(&too_many), Err(ManifestError::YamlTooDeep));
    }

    #[test]
    fn allowed_tools_in_every_accepted_form() {
        let cases: [(&str, &[&str], bool); 7] = [
            ("Read Grep", &["Read", "Grep"], false),
            ("  Read\tGrep  ", &["Read", "Grep"], false),
            (
                "Bash(git add:*) Bash(git status:*) Read",
                &["Bash(git add:*)", "Bash(git status:*)", "Read"],
                false,
            ),
            ("Read, Write", &["Read", "Write"], true),
            ("Read, Bash(git add:*)", &["Read", "Bash(git add:*)"], true),
            ("Read,", &["Read"], true),
            ("\"\"", &[], false),
        ];
        for (written, tools, comma_warning) in cases {
            let parsed = parse(&format!(
                "name: pdf\ndescription: x\nallowed-tools: {written}\n"
            ))
            .unwrap();
            assert_eq!(parsed.manifest.allowed_tools(), tools, "{written}");
            assert_eq!(
                parsed.warnings == [ManifestWarning::CommaSeparatedAllowedTools],
                comma_warning,
                "{written}"
            );
        }
        let list =
            parse("name: pdf\ndescription: x\nallowed-tools:\n  - Read\n  - Bash(git add:*)\n")
                .unwrap();
        assert_eq!(list.manifest.allowed_tools(), ["Read", "Bash(git add:*)"]);
        assert!(list.warnings.is_empty());
    }

    #[test]
    fn metadata_scalars_become_text() {
        let parsed = parse(
            "name: pdf\ndescription: x\nmetadata:\n  n: 3\n  f: 1.5\n  yes: true\n  huge: 123456789012345678901234567890\n  7: seven\n",
        )
        .unwrap();
        let metadata = parsed.manifest.metadata();
        let get = |key: &str| metadata.get(key).map(String::as_str);
        assert_eq!(get("n"), Some("3"));
        assert_eq!(get("f"), Some("1.5"));
        assert_eq!(get("yes"), Some("true"));
        assert_eq!(get("huge"), Some("123456789012345678901234567890"));
        assert_eq!(get("7"), Some("seven"));
    }

    #[test]
    fn warnings() {
        let parsed = parse_skill_md(
            skill_md(
                "name: email_validator\ndescription: x\nallowed-tools: Read, Write\nextra: 1\n",
            )
            .as_bytes(),
            Some("email_validator"),
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
        for warning in &parsed.warnings {
            assert!(!warning.to_string().ends_with('.'), "{warning}");
        }

        let hostile_key = parse(&format!(
            "name: pdf\ndescription: x\n\"\\e[2J{}\": 1\n",
            "k".repeat(1000)
        ))
        .unwrap();
        let [ManifestWarning::UnknownField { field }] = &hostile_key.warnings[..] else {
            panic!("{:?}", hostile_key.warnings)
        };
        assert!(field.starts_with("[2Jkkk"), "{field}");
        assert_eq!(field.chars().count(), 257);
    }

    #[test]
    fn long_files_and_descriptions_are_warnings() {
        let lines = |n: usize| {
            // Four lines of frontmatter and delimiters, the rest body.
            format!(
                "---\nname: pdf\ndescription: x\n---\n{}",
                "line\n".repeat(n - 4)
            )
        };
        let at_limit = parse_skill_md(lines(RECOMMENDED_MAX_LINES).as_bytes(), None).unwrap();
        assert!(at_limit.warnings.is_empty());
        let over = parse_skill_md(lines(RECOMMENDED_MAX_LINES + 1).as_bytes(), None).unwrap();
        assert_eq!(
            over.warnings,
            [ManifestWarning::TooManyLines {
                lines: RECOMMENDED_MAX_LINES + 1
            }]
        );

        let at_limit = parse(&format!("name: pdf\ndescription: {}\n", "x".repeat(1024))).unwrap();
        assert!(at_limit.warnings.is_empty());
        let parsed = parse(&format!("name: pdf\ndescription: {}\n", "x".repeat(1025))).unwrap();
        assert_eq!(
            parsed.warnings,
            [ManifestWarning::LongDescription { len: 1025 }]
        );
        let hard_limit = parse(&format!("name: pdf\ndescription: {}\n", "é".repeat(4096)));
        assert!(hard_limit.is_ok());
    }

    #[test]
    fn mangled_input_never_panics() {
        let base = skill_md(
            "name: pdf\ndescription: Fill PDF forms\nmetadata:\n  a: b\nallowed-tools: [Read]\n",
        )
        .into_bytes();
        let insertions: [&[u8]; 12] = [
            b"[", b"{", b"&a ", b"*a", b"!x ", b"\0", b"\r", b"\t", b"---\n", b"? ", b"\"", b"\xe9",
        ];
        for at in 0..=base.len() {
            let _ = parse_skill_md(&base[..at], Some("pdf"));
            if at < base.len() {
                let mut flipped = base.clone();
                flipped[at] ^= 0x55;
                let _ = parse_skill_md(&flipped, Some("pdf"));
            }
            for insertion in insertions {
                let mut inserted = base.clone();
                inserted.splice(at..at, insertion.iter().copied());
                let _ = parse_skill_md(&inserted, Some("pdf"));
            }
        }
    }

    #[test]
    fn fixture_skills_parse() {
        let fixtures = [
            (
                "brand-guidelines",
                include_str!("../../../fixtures/skills/brand-guidelines/SKILL.md"),
            ),
            (
                "claude-api",
                include_str!("../../../fixtures/skills/claude-api/SKILL.md"),
            ),
            (
                "frontend-design",
                include_str!("../../../fixtures/skills/frontend-design/SKILL.md"),
            ),
            (
                "internal-comms",
                include_str!("../../../fixtures/skills/internal-comms/SKILL.md"),
            ),
        ];
        for (name, text) in fixtures {
            let parsed = parse_skill_md(text.as_bytes(), Some(name))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let manifest = &parsed.manifest;
            assert_eq!(manifest.name().as_str(), name);
            assert!(!manifest.description().is_empty(), "{name}");
            assert_eq!(
                manifest.license(),
                Some("Complete terms in LICENSE.txt"),
                "{name}"
            );
            assert!(
                parsed.warnings.iter().all(|w| matches!(
                    w,
                    ManifestWarning::LongDescription { .. } | ManifestWarning::TooManyLines { .. }
                )),
                "{name}: {:?}",
                parsed.warnings
            );
            assert!(text.ends_with(&parsed.body), "{name}");
        }
    }
}
