//! Who a skill is: [`Namespace`], [`SkillName`], [`SkillId`] and the lookup key that makes
//! `Email_Validator` and `email-validator` the same skill.
//!
//! Every type here is parsed once ([`FromStr`]) and is valid from then on; `Display` and
//! `FromStr` round-trip, and `Deserialize` goes through the same parser.

use std::str::FromStr;

/// Longest skill name, in bytes (all characters are ASCII).
pub const MAX_NAME_LEN: usize = 64;
/// Longest namespace segment, in bytes.
pub const MAX_SEGMENT_LEN: usize = 64;
/// Most segments a namespace may have (`a/b/c/d`).
pub const MAX_SEGMENTS: usize = 4;
/// Namespaces nobody may publish into: they would shadow routes or impersonate the registry.
pub const RESERVED_NAMESPACES: &[&str] = &[
    "admin",
    "api",
    "www",
    "static",
    "skillreg",
    ".well-known",
    "claude",
    "search",
    "clawhub",
];

/// Why a name, namespace or skill id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The skill name is empty.
    #[error("skill name is empty")]
    EmptyName,
    /// The skill name is longer than [`MAX_NAME_LEN`].
    #[error("skill name `{name}` is {len} characters long; the limit is {MAX_NAME_LEN}")]
    NameTooLong {
        /// The name, cut to the limit.
        name: String,
        /// Its length in characters.
        len: usize,
    },
    /// The skill name has a character outside `a-z`, `0-9`, `-` and `_`.
    #[error("skill name `{name}` contains `{character}`; use lowercase letters, digits and `-`")]
    NameCharacter {
        /// The offending name.
        name: String,
        /// The first character that is not allowed.
        character: char,
    },
    /// The skill name starts or ends with a separator, or has two in a row.
    #[error("skill name `{name}` must not start or end with `-` or contain `--`")]
    NameSeparator {
        /// The offending name.
        name: String,
    },
    /// A namespace segment is empty (`acme//tools`, a leading or trailing `/`).
    #[error("namespace `{namespace}` has an empty segment")]
    EmptySegment {
        /// The offending namespace.
        namespace: String,
    },
    /// A namespace segment is too long.
    #[error("namespace segment `{segment}` is longer than {MAX_SEGMENT_LEN} characters")]
    SegmentTooLong {
        /// The segment, cut to the limit.
        segment: String,
    },
    /// A namespace segment has a character outside `a-z`, `0-9`, `.`, `_`, `-`, or does not
    /// start and end with a letter or digit.
    #[error(
        "namespace segment `{segment}` is not valid; use lowercase letters, digits, `.`, `_` and `-`, starting and ending with a letter or digit"
    )]
    SegmentCharacter {
        /// The offending segment.
        segment: String,
    },
    /// The namespace has more than [`MAX_SEGMENTS`] segments.
    #[error("namespace `{namespace}` has {count} segments; the limit is {MAX_SEGMENTS}")]
    TooManySegments {
        /// The offending namespace.
        namespace: String,
        /// How many segments it has.
        count: usize,
    },
    /// A skill id needs a namespace and a name (`ns/name`).
    #[error("skill id `{id}` needs a namespace: write it as `namespace/name`")]
    MissingNamespace {
        /// The offending id.
        id: String,
    },
}

/// A skill's name, as in the `name` field of its SKILL.md and its folder name.
///
/// `_` is accepted for compatibility with existing skills (docs/FORMATS.md); [`SkillName::key`]
/// folds it to `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SkillName(String);

impl SkillName {
    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lookup key: lowercase with `_` folded to `-`. Two names with one key are one skill.
    pub fn key(&self) -> LookupKey {
        LookupKey(fold(&self.0))
    }

    /// Whether the name uses `_`, which the Agent Skills format does not allow (a warning).
    pub fn has_underscore(&self) -> bool {
        self.0.contains('_')
    }

    /// Tries `self-2`, `self-3`, ...: the name a rename-on-conflict import would pick as its
    /// `n`th choice. Returns `None` when the suffix would push the name past the limit.
    pub fn with_suffix(&self, n: u32) -> Option<SkillName> {
        format!("{}-{n}", self.0).parse().ok()
    }
}

impl FromStr for SkillName {
    type Err = IdentityError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if name.is_empty() {
            return Err(IdentityError::EmptyName);
        }
        let len = name.chars().count();
        if len > MAX_NAME_LEN {
            return Err(IdentityError::NameTooLong {
                name: name.chars().take(MAX_NAME_LEN).collect(),
                len,
            });
        }
        if let Some(character) = name
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_'))
        {
            return Err(IdentityError::NameCharacter {
                name: name.to_owned(),
                character,
            });
        }
        let is_sep = |c: char| c == '-' || c == '_';
        let starts_or_ends = name.starts_with(is_sep) || name.ends_with(is_sep);
        let doubled = name
            .as_bytes()
            .windows(2)
            .any(|w| is_sep(w[0] as char) && is_sep(w[1] as char));
        if starts_or_ends || doubled {
            return Err(IdentityError::NameSeparator {
                name: name.to_owned(),
            });
        }
        Ok(SkillName(name.to_owned()))
    }
}

/// A namespace: one to four `/`-separated segments (`acme`, `acme/email`, `io.github.someone`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Namespace(String);

impl Namespace {
    /// The namespace as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The segments, in order.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// The lookup key: lowercase with `_` folded to `-`.
    pub fn key(&self) -> LookupKey {
        LookupKey(fold(&self.0))
    }

    /// Whether nobody may publish here (see [`RESERVED_NAMESPACES`]); only the first segment
    /// counts, so `admin/tools` is reserved too.
    pub fn is_reserved(&self) -> bool {
        let first = self.segments().next().unwrap_or_default();
        RESERVED_NAMESPACES.contains(&first)
    }

    /// Whether `self` is `prefix` or lies under it (`acme/email` is under `acme`).
    pub fn is_within(&self, prefix: &Namespace) -> bool {
        let (own, other) = (self.key(), prefix.key());
        own.0 == other.0
            || own
                .0
                .strip_prefix(&other.0)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

impl FromStr for Namespace {
    type Err = IdentityError;

    fn from_str(namespace: &str) -> Result<Self, Self::Err> {
        let count = namespace.split('/').count();
        if count > MAX_SEGMENTS {
            return Err(IdentityError::TooManySegments {
                namespace: namespace.to_owned(),
                count,
            });
        }
        for segment in namespace.split('/') {
            if segment.is_empty() {
                return Err(IdentityError::EmptySegment {
                    namespace: namespace.to_owned(),
                });
            }
            if segment.len() > MAX_SEGMENT_LEN {
                return Err(IdentityError::SegmentTooLong {
                    segment: segment.chars().take(MAX_SEGMENT_LEN).collect(),
                });
            }
            let allowed = |c: char| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            };
            let edge =
                |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
            if !segment.chars().all(allowed)
                || !edge(segment.chars().next())
                || !edge(segment.chars().last())
            {
                return Err(IdentityError::SegmentCharacter {
                    segment: segment.to_owned(),
                });
            }
        }
        Ok(Namespace(namespace.to_owned()))
    }
}

/// A skill's identity, `namespace/name`; the last segment is the name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SkillId {
    namespace: Namespace,
    name: SkillName,
}

impl SkillId {
    /// Puts a namespace and a name together.
    pub fn new(namespace: Namespace, name: SkillName) -> Self {
        SkillId { namespace, name }
    }

    /// The namespace part.
    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    /// The name part.
    pub fn name(&self) -> &SkillName {
        &self.name
    }

    /// The lookup key of the whole id (`ns-key/name-key`).
    pub fn key(&self) -> LookupKey {
        LookupKey(format!("{}/{}", self.namespace.key().0, self.name.key().0))
    }
}

impl FromStr for SkillId {
    type Err = IdentityError;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        let Some((namespace, name)) = id.rsplit_once('/') else {
            return Err(IdentityError::MissingNamespace { id: id.to_owned() });
        };
        Ok(SkillId {
            namespace: namespace.parse()?,
            name: name.parse()?,
        })
    }
}

/// A plain name or a full id, as a person types it to find a skill (`pdf-tools`,
/// `acme/pdf-tools`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SkillRef {
    namespace: Option<Namespace>,
    name: SkillName,
}

impl SkillRef {
    /// A reference to exactly one skill id.
    pub fn qualified(id: SkillId) -> Self {
        SkillRef {
            namespace: Some(id.namespace),
            name: id.name,
        }
    }

    /// A plain name, to be looked for in every namespace.
    pub fn plain(name: SkillName) -> Self {
        SkillRef {
            namespace: None,
            name,
        }
    }

    /// The namespace, if the reference names one.
    pub fn namespace(&self) -> Option<&Namespace> {
        self.namespace.as_ref()
    }

    /// The name part.
    pub fn name(&self) -> &SkillName {
        &self.name
    }

    /// Whether `id` is what this reference asks for (by lookup key).
    pub fn matches(&self, id: &SkillId) -> bool {
        id.name().key() == self.name.key()
            && self
                .namespace
                .as_ref()
                .is_none_or(|ns| ns.key() == id.namespace().key())
    }
}

impl FromStr for SkillRef {
    type Err = IdentityError;

    fn from_str(reference: &str) -> Result<Self, Self::Err> {
        if reference.contains('/') {
            Ok(SkillRef::qualified(reference.parse()?))
        } else {
            Ok(SkillRef::plain(reference.parse()?))
        }
    }
}

/// A folded name, namespace or id: what uniqueness and lookups compare.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LookupKey(String);

impl LookupKey {
    /// The key as a string (for a database column).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Lowercase and `_` → `-`: the folding rule of docs/FORMATS.md, applied to any text.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

macro_rules! string_forms {
    ($($ty:ty => |$value:ident| $display:expr;)*) => {$(
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let $value = self;
                f.write_str(&$display)
            }
        }
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    )*};
}
pub(crate) use string_forms;

string_forms! {
    SkillName => |v| v.0.as_str();
    Namespace => |v| v.0.as_str();
    SkillId => |v| format!("{}/{}", v.namespace, v.name);
    SkillRef => |v| match &v.namespace { Some(ns) => format!("{ns}/{}", v.name), None => v.name.to_string() };
    LookupKey => |v| v.0.as_str();
}

impl FromStr for LookupKey {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(LookupKey(fold(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_agent_skills_rules() {
        for good in ["pdf", "pdf-tools", "a1", "email_validator", "x"] {
            assert!(good.parse::<SkillName>().is_ok(), "{good}");
        }
        type Check = fn(&IdentityError) -> bool;
        let cases: &[(&str, Check)] = &[
            ("", |e| matches!(e, IdentityError::EmptyName)),
            ("PDF", |e| {
                matches!(e, IdentityError::NameCharacter { character: 'P', .. })
            }),
            ("pdf tools", |e| {
                matches!(e, IdentityError::NameCharacter { character: ' ', .. })
            }),
            ("-pdf", |e| matches!(e, IdentityError::NameSeparator { .. })),
            ("pdf-", |e| matches!(e, IdentityError::NameSeparator { .. })),
            ("pdf--tools", |e| {
                matches!(e, IdentityError::NameSeparator { .. })
            }),
            ("pdf_-tools", |e| {
                matches!(e, IdentityError::NameSeparator { .. })
            }),
        ];
        for (bad, check) in cases {
            let error = bad.parse::<SkillName>().unwrap_err();
            assert!(check(&error), "{bad}: {error}");
        }
        let long = "a".repeat(65);
        assert!(matches!(
            long.parse::<SkillName>(),
            Err(IdentityError::NameTooLong { len: 65, .. })
        ));
        assert!("a".repeat(64).parse::<SkillName>().is_ok());
    }

    #[test]
    fn lookup_keys_fold_case_and_separators() {
        let a: SkillName = "email_validator".parse().unwrap();
        let b: SkillName = "email-validator".parse().unwrap();
        assert_eq!(a.key(), b.key());
        assert!(a.has_underscore());
        assert!(
            "Acme".parse::<Namespace>().is_err(),
            "namespaces are written in lowercase"
        );
        let ns: Namespace = "acme_corp".parse().unwrap();
        assert_eq!(ns.key().as_str(), "acme-corp");
    }

    #[test]
    fn namespaces_have_up_to_four_segments() {
        for good in [
            "acme",
            "acme/email",
            "io.github.someone",
            "a/b/c/d",
            "a_b",
            "x-1",
        ] {
            assert!(good.parse::<Namespace>().is_ok(), "{good}");
        }
        assert!(matches!(
            "a/b/c/d/e".parse::<Namespace>(),
            Err(IdentityError::TooManySegments { count: 5, .. })
        ));
        assert!(matches!(
            "acme//x".parse::<Namespace>(),
            Err(IdentityError::EmptySegment { .. })
        ));
        assert!(matches!(
            "/acme".parse::<Namespace>(),
            Err(IdentityError::EmptySegment { .. })
        ));
        assert!(matches!(
            ".acme".parse::<Namespace>(),
            Err(IdentityError::SegmentCharacter { .. })
        ));
        assert!(matches!(
            "acme-".parse::<Namespace>(),
            Err(IdentityError::SegmentCharacter { .. })
        ));
        assert!(matches!(
            "a".repeat(65).parse::<Namespace>(),
            Err(IdentityError::SegmentTooLong { .. })
        ));
    }

    #[test]
    fn reserved_namespaces_are_known() {
        for ns in ["admin", "api", "www", "static", "skillreg", "admin/tools"] {
            assert!(ns.parse::<Namespace>().unwrap().is_reserved(), "{ns}");
        }
        assert!(!"acme".parse::<Namespace>().unwrap().is_reserved());
        // `.well-known` cannot even be written as a namespace (segments start with a letter or
        // digit), so it is doubly out of reach.
        assert!(".well-known".parse::<Namespace>().is_err());
    }

    #[test]
    fn skill_ids_split_on_the_last_slash() {
        let id: SkillId = "acme/email/validator".parse().unwrap();
        assert_eq!(id.namespace().as_str(), "acme/email");
        assert_eq!(id.name().as_str(), "validator");
        assert_eq!(id.to_string(), "acme/email/validator");
        assert!(matches!(
            "validator".parse::<SkillId>(),
            Err(IdentityError::MissingNamespace { .. })
        ));
        let reference: SkillRef = "email_validator".parse().unwrap();
        assert!(reference.matches(&"acme/email-validator".parse().unwrap()));
        let reference: SkillRef = "other/email_validator".parse().unwrap();
        assert!(!reference.matches(&"acme/email-validator".parse().unwrap()));
    }

    #[test]
    fn within_compares_whole_segments() {
        let ns: Namespace = "acme/email".parse().unwrap();
        assert!(ns.is_within(&"acme".parse().unwrap()));
        assert!(ns.is_within(&"acme/email".parse().unwrap()));
        assert!(!ns.is_within(&"acm".parse().unwrap()));
        assert!(
            !"acmex"
                .parse::<Namespace>()
                .unwrap()
                .is_within(&"acme".parse().unwrap())
        );
    }

    #[test]
    fn deserialize_goes_through_the_parser() {
        let id: SkillId = serde_json::from_str("\"acme/pdf\"").unwrap();
        assert_eq!(id.to_string(), "acme/pdf");
        assert!(serde_json::from_str::<SkillId>("\"acme/PDF\"").is_err());
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"acme/pdf\"");
    }
}
