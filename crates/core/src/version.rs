//! Versions and version requests: [`Version`] (semver 2.0, build metadata ignored when
//! comparing), [`VersionReq`] (every form of docs/FORMATS.md) and [`select`], which picks the
//! version a request means out of what a registry has.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::identity::string_forms;

/// A semver 2.0 version. Equality, order and hashing ignore build metadata, so `1.0.0+a` and
/// `1.0.0+b` are one version (docs/FORMATS.md).
#[derive(Debug, Clone)]
pub struct Version(semver::Version);

/// Why a version or a version request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// Not a semver 2.0 version.
    #[error("`{text}` is not a semver version (like 1.2.3): {reason}")]
    Version {
        /// What was given.
        text: String,
        /// What the parser said.
        reason: String,
    },
    /// Not a version request of any known form.
    #[error(
        "`{text}` is not a version request; use `latest`, `1.2.3`, `1.2`, `^1.2`, `~1.2.3`, `>=1, <2` or `v1.x`"
    )]
    Request {
        /// What was given.
        text: String,
    },
}

impl Version {
    /// Builds a plain `major.minor.patch` version.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version(semver::Version::new(major, minor, patch))
    }

    /// `0.1.0`: where a skill imported without a version starts.
    pub const fn first() -> Self {
        Version::new(0, 1, 0)
    }

    /// The underlying semver value.
    pub fn semver(&self) -> &semver::Version {
        &self.0
    }

    /// Whether this is a pre-release (`1.0.0-rc.1`).
    pub fn is_prerelease(&self) -> bool {
        !self.0.pre.is_empty()
    }

    /// The version without build metadata: the form uniqueness is checked on.
    pub fn canonical(&self) -> String {
        let mut plain = self.0.clone();
        plain.build = semver::BuildMetadata::EMPTY;
        plain.to_string()
    }

    /// The next patch version (`1.2.3` → `1.2.4`, `1.2.3-rc.1` → `1.2.3`).
    pub fn next_patch(&self) -> Version {
        let v = &self.0;
        if v.pre.is_empty() {
            Version::new(v.major, v.minor, v.patch + 1)
        } else {
            Version::new(v.major, v.minor, v.patch)
        }
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Version {}
impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.0, &other.0);
        (a.major, a.minor, a.patch)
            .cmp(&(b.major, b.minor, b.patch))
            .then_with(|| a.pre.cmp(&b.pre))
    }
}
impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.canonical().hash(state);
    }
}

/// The longest version, in bytes: it becomes an OCI tag (`+` as `_`), whose limit is 128.
pub const MAX_VERSION_LEN: usize = 128;

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() > MAX_VERSION_LEN {
            return Err(VersionError::Version {
                text: text.chars().take(32).collect::<String>() + "…",
                reason: format!("a version is at most {MAX_VERSION_LEN} characters"),
            });
        }
        semver::Version::parse(text)
            .map(Version)
            .map_err(|error| VersionError::Version {
                text: text.to_owned(),
                reason: error.to_string(),
            })
    }
}

/// What a person or a lock file asks for (docs/FORMATS.md, "Version requests").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum VersionReq {
    /// `latest` or nothing: the highest non-yanked stable version, else the highest
    /// non-yanked pre-release.
    #[default]
    Latest,
    /// `1.2.3`, `=1.2.3`, `v1.2.3`: exactly this version, yanked or not.
    Exact(Version),
    /// `1`, `1.*`, `v1.x` (minor `None`) or `1.2`, `1.2.*`, `v1.2.x`: everything inside.
    Partial {
        /// The major version.
        major: u64,
        /// The minor version, when given.
        minor: Option<u64>,
    },
    /// Cargo semantics from the semver crate: `^1.2`, `~1.2.3`, `>=1, <2`, `*`.
    Cargo(semver::VersionReq),
}

impl VersionReq {
    /// Whether `version` satisfies the request, leaving yanked status aside.
    ///
    /// Pre-releases match only a request that names a pre-release: `Latest` considers them
    /// separately (see [`select`]), `Exact` names one, `Partial` never matches them, and
    /// `Cargo` follows the semver crate (a comparator with the same `major.minor.patch` and a
    /// pre-release tag).
    pub fn matches(&self, version: &Version) -> bool {
        let v = version.semver();
        match self {
            VersionReq::Latest => true,
            VersionReq::Exact(exact) => exact == version,
            VersionReq::Partial { major, minor } => {
                v.pre.is_empty() && v.major == *major && minor.is_none_or(|minor| v.minor == minor)
            }
            VersionReq::Cargo(req) => req.matches(v),
        }
    }

    /// Whether the request names one version exactly (then yanked versions are allowed).
    pub fn is_exact(&self) -> bool {
        matches!(self, VersionReq::Exact(_))
    }
}

impl FromStr for VersionReq {
    type Err = VersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let refuse = || VersionError::Request {
            text: text.to_owned(),
        };
        if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("latest") {
            return Ok(VersionReq::Latest);
        }
        // `v1`, `v1.x`, `v1.2.x`, `v1.2.3`: the `v` is only a prefix when a digit follows.
        let unprefixed = match trimmed.strip_prefix(['v', 'V']) {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
            Some(_) => return Err(refuse()),
            None => trimmed,
        };
        let exact = unprefixed.strip_prefix('=').unwrap_or(unprefixed).trim();
        match exact.parse::<Version>() {
            Ok(version) => return Ok(VersionReq::Exact(version)),
            // A version this registry refuses (its build metadata too long, say) is not
            // asked for some other way: semver's request would silently drop the build
            // metadata (found by fuzzing).
            Err(_) if semver::Version::parse(exact).is_ok() => return Err(refuse()),
            Err(_) => {}
        }
        if let Some(partial) = parse_partial(unprefixed) {
            return Ok(partial);
        }
        if unprefixed.len() != trimmed.len() {
            return Err(refuse());
        }
        semver::VersionReq::parse(trimmed)
            .map(VersionReq::Cargo)
            .map_err(|_| refuse())
    }
}

/// `1`, `1.*`, `1.x`, `1.x.x`, `1.2`, `1.2.*`, `1.2.x`.
fn parse_partial(text: &str) -> Option<VersionReq> {
    let number = |part: &str| {
        (!part.is_empty()
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0')))
        .then(|| part.parse::<u64>().ok())
        .flatten()
    };
    let wildcard = |part: &str| matches!(part, "*" | "x" | "X");
    let parts: Vec<&str> = text.split('.').collect();
    match parts.as_slice() {
        [major] => Some(VersionReq::Partial {
            major: number(major)?,
            minor: None,
        }),
        [major, w] if wildcard(w) => Some(VersionReq::Partial {
            major: number(major)?,
            minor: None,
        }),
        // `1.x.x` is `1.x` (found by fuzzing: semver read it and wrote back `1.*`).
        [major, w, v] if wildcard(w) && wildcard(v) => Some(VersionReq::Partial {
            major: number(major)?,
            minor: None,
        }),
        [major, minor] => Some(VersionReq::Partial {
            major: number(major)?,
            minor: Some(number(minor)?),
        }),
        [major, minor, w] if wildcard(w) => Some(VersionReq::Partial {
            major: number(major)?,
            minor: Some(number(minor)?),
        }),
        _ => None,
    }
}

string_forms! {
    Version => |v| v.0.to_string();
    VersionReq => |v| match v {
        VersionReq::Latest => "latest".to_owned(),
        VersionReq::Exact(version) => format!("={version}"),
        VersionReq::Partial { major, minor: None } => format!("{major}.*"),
        VersionReq::Partial { major, minor: Some(minor) } => format!("{major}.{minor}.*"),
        VersionReq::Cargo(req) => req.to_string(),
    };
}

/// One version a registry has, as selection sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// The version.
    pub version: &'a Version,
    /// Whether it was yanked.
    pub yanked: bool,
}

/// Picks the version `request` means among `available` (any order), following docs/FORMATS.md:
/// yanked versions only for an exact request; `latest` prefers stable versions and falls back
/// to the highest pre-release; otherwise the highest matching version.
pub fn select<'a, I>(request: &VersionReq, available: I) -> Option<&'a Version>
where
    I: IntoIterator<Item = Candidate<'a>>,
{
    let eligible = available
        .into_iter()
        .filter(|c| (!c.yanked || request.is_exact()) && request.matches(c.version));
    match request {
        VersionReq::Latest => {
            let (mut best_stable, mut best_pre): (Option<&Version>, Option<&Version>) =
                (None, None);
            for candidate in eligible {
                let slot = if candidate.version.is_prerelease() {
                    &mut best_pre
                } else {
                    &mut best_stable
                };
                if slot.is_none_or(|best| candidate.version > best) {
                    *slot = Some(candidate.version);
                }
            }
            best_stable.or(best_pre)
        }
        _ => eligible.map(|c| c.version).max(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(text: &str) -> VersionReq {
        text.parse().unwrap()
    }

    /// A registry written as `1.0.0 1.1.0 yanked:1.2.0 2.0.0-rc.1`.
    fn registry(spec: &str) -> Vec<(Version, bool)> {
        spec.split_whitespace()
            .map(|item| match item.strip_prefix("yanked:") {
                Some(v) => (v.parse().unwrap(), true),
                None => (item.parse().unwrap(), false),
            })
            .collect()
    }

    fn check(spec: &str, request: &str, expected: Option<&str>) {
        let versions = registry(spec);
        let picked = select(
            &req(request),
            versions.iter().map(|(version, yanked)| Candidate {
                version,
                yanked: *yanked,
            }),
        );
        assert_eq!(
            picked.map(ToString::to_string).as_deref(),
            expected,
            "{request} over {spec}"
        );
    }

    /// Two requests fuzzing found written back as other requests: `1.x.x` (read by semver,
    /// written `1.*`) and an exact version whose build metadata is over the limit (read by
    /// semver without it).
    #[test]
    fn fuzzing_finds_stay_fixed() {
        assert_eq!(
            req("1.x.x"),
            VersionReq::Partial {
                major: 1,
                minor: None
            }
        );
        assert_eq!(
            req("1.x.x").to_string().parse::<VersionReq>(),
            Ok(req("1.x.x"))
        );
        let long = format!("=1.0.7+{}", "x".repeat(130));
        assert!(long.parse::<VersionReq>().is_err());
    }

    #[test]
    fn every_form_of_the_table_parses() {
        assert_eq!(req(""), VersionReq::Latest);
        assert_eq!(req("latest"), VersionReq::Latest);
        for exact in ["1.2.3", "=1.2.3", "v1.2.3", "= 1.2.3"] {
            assert_eq!(
                req(exact),
                VersionReq::Exact(Version::new(1, 2, 3)),
                "{exact}"
            );
        }
        for partial in ["1.2", "1.2.*", "v1.2.x", "1.2.x"] {
            assert_eq!(
                req(partial),
                VersionReq::Partial {
                    major: 1,
                    minor: Some(2)
                },
                "{partial}"
            );
        }
        for partial in ["1", "1.*", "v1", "v1.x"] {
            assert_eq!(
                req(partial),
                VersionReq::Partial {
                    major: 1,
                    minor: None
                },
                "{partial}"
            );
        }
        for cargo in ["^1.2.3", "~1.2.3", ">=1, <2", "*", "<0.5"] {
            assert!(matches!(req(cargo), VersionReq::Cargo(_)), "{cargo}");
        }
        for bad in ["vx", "1.2.3.4", "abc", "v^1", ">=", "01.2"] {
            assert!(bad.parse::<VersionReq>().is_err(), "{bad}");
        }
    }

    #[test]
    fn selection_follows_the_rules() {
        let reg = "1.0.0 1.1.0 yanked:1.2.0 1.3.0-rc.1 2.0.0-beta.1";
        check(reg, "latest", Some("1.1.0"));
        check(reg, "1.2.0", Some("1.2.0")); // exact may pick a yanked version
        check(reg, "1.2", None); // ...a range may not
        check(reg, "1", Some("1.1.0"));
        check(reg, "^1.0", Some("1.1.0"));
        check(reg, "~1.0.0", Some("1.0.0"));
        check(reg, ">=1.3.0-rc.1", Some("1.3.0-rc.1"));
        check(reg, "2", None); // pre-releases only when asked for
        check("2.0.0-beta.1 yanked:1.0.0", "latest", Some("2.0.0-beta.1"));
        check("yanked:1.0.0", "latest", None);
        check("", "latest", None);
        check("1.0.0+build.5", "1.0.0", Some("1.0.0+build.5"));
    }

    #[test]
    fn build_metadata_is_not_part_of_identity() {
        let a: Version = "1.0.0+a".parse().unwrap();
        let b: Version = "1.0.0+b".parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.canonical(), "1.0.0");
        assert_eq!(a.to_string(), "1.0.0+a");
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "latest",
            "=1.2.3",
            "1.*",
            "1.2.*",
            "^1.2",
            ">=1, <2",
            "*",
            "=1.0.0-rc.1+b",
        ] {
            let parsed = req(text);
            assert_eq!(
                parsed.to_string().parse::<VersionReq>().unwrap(),
                parsed,
                "{text}"
            );
        }
    }
}
