//! The records a registry keeps: skills, versions, namespaces, users, tokens, ratings,
//! events and audit entries, and the shapes of search. Plain data; the rules that create and
//! change them live in [`crate::usecases`] and [`crate::conflict`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::bundle::BundlePath;
use crate::digest::Digest;
use crate::identity::{Namespace, SkillId, string_forms};
use crate::signature::Signature;
use crate::version::Version;

mod search;
pub use search::{
    MAX_COUNTED_HITS, PageStart, SearchCursor, SearchHit, SearchPage, SearchQuery, SearchSort,
};

/// A point in time: milliseconds since the Unix epoch, UTC. Read from the [`crate::ports::Clock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// Wraps milliseconds since the epoch.
    pub fn from_unix_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    /// Milliseconds since the epoch.
    pub fn unix_millis(self) -> i64 {
        self.0
    }

    /// The UTC day this time falls in (days since the epoch): the bucket download
    /// counters are kept in.
    pub fn day(self) -> i64 {
        self.0.div_euclid(86_400_000)
    }

    /// The UTC calendar date, `YYYY-MM-DD`.
    pub fn utc_date(self) -> String {
        // Days to a proleptic Gregorian date (the "civil from days" method of H. Hinnant).
        let z = self.day() + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        format!("{year:04}-{month:02}-{day:02}")
    }

    /// This time plus `days` days (for expiry).
    pub fn plus_days(self, days: i64) -> Self {
        Timestamp(self.0.saturating_add(days.saturating_mul(86_400_000)))
    }

    /// This time minus `days` days (for windows such as trending).
    pub fn minus_days(self, days: i64) -> Self {
        Timestamp(self.0.saturating_sub(days.saturating_mul(86_400_000)))
    }
}

/// Why an id or a free-text field was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The value is empty or longer than allowed.
    #[error("{field} must be 1 to {max} characters long")]
    Length {
        /// Which field.
        field: &'static str,
        /// Its limit.
        max: usize,
    },
    /// The value has a character that is not allowed.
    #[error("{field} contains `{character}`, which is not allowed")]
    Character {
        /// Which field.
        field: &'static str,
        /// The character.
        character: char,
    },
    /// A word that is not one of the field's values.
    #[error("{field} `{value}` is not one of: {allowed}")]
    Unknown {
        /// Which field.
        field: &'static str,
        /// What was given.
        value: String,
        /// The values it may take, comma-separated.
        allowed: String,
    },
    /// Stars outside 1–5 or not a multiple of ½.
    #[error("a rating is 1 to 5 stars in steps of a half star; got {0}")]
    Stars(String),
}

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The id as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = FieldError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                if text.is_empty() || text.chars().count() > $max {
                    return Err(FieldError::Length { field: $field, max: $max });
                }
                if let Some(character) =
                    text.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
                {
                    return Err(FieldError::Character { field: $field, character });
                }
                Ok($name(text.to_owned()))
            }
        }

        string_forms! { $name => |v| v.0.as_str(); }
    };
}

opaque_id!(
    /// A user of the registry (the subject of an API token).
    UserId, "user id", 128
);
opaque_id!(
    /// The stable id of a skill: it never changes, not on overwrite, not on rename.
    SkillUid, "skill uid", 64
);
opaque_id!(
    /// The public id of an API token (not its secret).
    TokenId, "token id", 64
);

/// A skill as the registry records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillRecord {
    /// Stable id.
    pub uid: SkillUid,
    /// `namespace/name` as first published.
    pub id: SkillId,
    /// Who created it; a maintainer of it while a member of its namespace.
    pub created_by: UserId,
    /// When it was created.
    pub created_at: Timestamp,
    /// A deprecation message, when deprecated.
    pub deprecation: Option<String>,
}

/// What the manifest says about a version, kept for pages and search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionMeta {
    /// The `description` field.
    pub description: String,
    /// The `license` field.
    pub license: Option<String>,
    /// The `allowed-tools` field.
    pub allowed_tools: Vec<String>,
    /// Tags, from the `tags` entry of `metadata` (comma- or space-separated).
    pub tags: Vec<String>,
    /// Every file path of the bundle, sorted.
    pub files: Vec<BundlePath>,
}

/// A version about to be written: immutable once stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersion {
    /// The version.
    pub version: Version,
    /// `sha256` of the archive bytes; the blob key.
    pub archive_digest: Digest,
    /// The ToolHive-compatible digest of the file set.
    pub content_digest: Digest,
    /// Archive size in bytes.
    pub size: u64,
    /// What the manifest says.
    pub meta: VersionMeta,
    /// Who published it.
    pub published_by: UserId,
    /// When.
    pub published_at: Timestamp,
    /// Publisher signatures over the version statement.
    pub signatures: Vec<Signature>,
    /// The audit at publish; `None` for a version published before the audit existed.
    pub audit: Option<crate::audit::Audited>,
}

/// A stored version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    /// The skill it belongs to.
    pub skill: SkillUid,
    /// Everything written at publish time.
    pub published: NewVersion,
    /// Whether it was yanked (hidden from every request but an exact one).
    pub yanked: bool,
    /// The index of the transparency log's entry that put this version where it answers
    /// now (its publish, or its last move); `None` only from a store without a log.
    pub log_index: Option<u64>,
}

impl VersionRecord {
    /// The version number.
    pub fn version(&self) -> &Version {
        &self.published.version
    }
}

/// A member's role in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// May publish and manage members.
    Owner,
    /// May publish.
    Member,
}

/// A namespace, who may publish into it and who may read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceRecord {
    /// The namespace.
    pub namespace: Namespace,
    /// Members and their roles.
    pub members: BTreeMap<UserId, Role>,
    /// Who may read its skills.
    pub visibility: crate::auth::Visibility,
    /// When it was created.
    pub created_at: Timestamp,
}

impl NamespaceRecord {
    /// The role of `user`, if any.
    pub fn role_of(&self, user: &UserId) -> Option<Role> {
        self.members.get(user).copied()
    }
}

/// What a token allows (docs/PRODUCT.md, "Trust").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenScope {
    /// Read what the token's namespaces allow the user to read, and nothing else. Every
    /// other scope includes it.
    Read,
    /// Create new skills.
    PublishNew,
    /// Publish new versions of existing skills.
    PublishUpdate,
    /// Yank and unyank, deprecate.
    Yank,
    /// Rate skills.
    Rate,
    /// Change the members of namespaces the user owns (and create namespaces).
    NamespaceAdmin,
    /// List and revoke the user's tokens that grant no more than this one.
    Tokens,
    /// Everything, everywhere.
    Admin,
}

impl TokenScope {
    /// Every scope, in a fixed order.
    pub const ALL: [TokenScope; 8] = [
        TokenScope::Read,
        TokenScope::PublishNew,
        TokenScope::PublishUpdate,
        TokenScope::Yank,
        TokenScope::Rate,
        TokenScope::NamespaceAdmin,
        TokenScope::Tokens,
        TokenScope::Admin,
    ];

    /// Every scope's wire name, comma-separated, for messages.
    pub fn names() -> String {
        TokenScope::ALL.map(TokenScope::as_str).join(", ")
    }

    /// The scope's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::PublishNew => "publish-new",
            TokenScope::PublishUpdate => "publish-update",
            TokenScope::Yank => "yank",
            TokenScope::Rate => "rate",
            TokenScope::NamespaceAdmin => "namespace-admin",
            TokenScope::Tokens => "tokens",
            TokenScope::Admin => "admin",
        }
    }
}

impl FromStr for TokenScope {
    type Err = FieldError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        TokenScope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == text)
            .ok_or_else(|| FieldError::Unknown {
                field: "scope",
                value: text.to_owned(),
                allowed: TokenScope::names(),
            })
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An API token as stored: the secret itself is never kept, only its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Public id.
    pub id: TokenId,
    /// Whose token it is.
    pub user: UserId,
    /// A label the user chose.
    pub name: String,
    /// `sha256` of the secret.
    pub secret_digest: Digest,
    /// What it allows.
    pub scopes: Vec<TokenScope>,
    /// Namespace patterns it is limited to (`*`, `acme`, `acme/*`).
    pub namespaces: Vec<crate::auth::NamespacePattern>,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
}

impl TokenRecord {
    /// Whether the token works at `now`: not revoked, not expired.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expiry| now < expiry)
    }
}

/// 1–5 stars in half-star steps, kept as a count of half stars (2..=10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stars(u8);

impl Stars {
    /// From a count of half stars (2..=10).
    ///
    /// # Errors
    /// [`FieldError::Stars`] outside 2..=10.
    pub fn from_half_stars(half_stars: u8) -> Result<Self, FieldError> {
        if (2..=10).contains(&half_stars) {
            Ok(Stars(half_stars))
        } else {
            Err(FieldError::Stars(format!(
                "{}",
                f64::from(half_stars) / 2.0
            )))
        }
    }

    /// From a number of stars such as `4.5`.
    ///
    /// # Errors
    /// [`FieldError::Stars`] unless it is 1, 1.5, ..., 5.
    pub fn from_stars(stars: f64) -> Result<Self, FieldError> {
        let doubled = stars * 2.0;
        if doubled.fract() != 0.0 || !(2.0..=10.0).contains(&doubled) {
            return Err(FieldError::Stars(stars.to_string()));
        }
        // In 2..=10 and whole, so the cast is exact.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked to be a whole number in 2..=10"
        )]
        Ok(Stars(doubled as u8))
    }

    /// The count of half stars.
    pub fn half_stars(self) -> u8 {
        self.0
    }

    /// The number of stars.
    pub fn stars(self) -> f64 {
        f64::from(self.0) / 2.0
    }
}

/// One user's rating of one skill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRecord {
    /// Who rated.
    pub user: UserId,
    /// How many stars.
    pub stars: Stars,
    /// An optional review.
    pub review: Option<String>,
    /// When (the last time it was changed).
    pub rated_at: Timestamp,
}

/// The aggregate of a skill's ratings. Kept as integers so every store computes it the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RatingSummary {
    /// How many users rated.
    pub count: u64,
    /// The sum of their half stars.
    pub half_star_sum: u64,
}

impl RatingSummary {
    /// The average in stars, if anyone rated.
    #[expect(clippy::cast_precision_loss, reason = "counts stay far below 2^52")]
    pub fn average(&self) -> Option<f64> {
        (self.count > 0).then(|| self.half_star_sum as f64 / 2.0 / self.count as f64)
    }
}

/// What happened to a skill or a profile, as the event stream tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// A new skill was created (with its first version).
    SkillCreated,
    /// An existing skill got a new version (publish, or import overwrite).
    SkillUpdated,
    /// A version was yanked.
    SkillYanked,
    /// A version's audit verdict changed (a rescan, or an admin's override).
    VerdictChanged,
    /// A profile was created, or its skills or description changed.
    ProfileUpdated,
    /// A skill moved to another namespace (the event names its new id and newest version).
    SkillMoved,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 6] = [
        EventKind::SkillCreated,
        EventKind::SkillUpdated,
        EventKind::SkillYanked,
        EventKind::VerdictChanged,
        EventKind::ProfileUpdated,
        EventKind::SkillMoved,
    ];

    /// The wire name (`skill.created`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::SkillCreated => "skill.created",
            EventKind::SkillUpdated => "skill.updated",
            EventKind::SkillYanked => "skill.yanked",
            EventKind::VerdictChanged => "skill.verdict_changed",
            EventKind::ProfileUpdated => "profile.updated",
            EventKind::SkillMoved => "skill.moved",
        }
    }

    /// The kind with this wire name.
    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSubject {
    /// A version of a skill.
    Version {
        /// The skill.
        skill: SkillId,
        /// The version.
        version: Version,
    },
    /// A profile, at the revision the change made.
    Profile {
        /// The profile.
        profile: crate::profile::ProfileId,
        /// Its revision after the change.
        revision: u64,
    },
}

impl EventSubject {
    /// The namespace it lives in: who may read that may see the event.
    pub fn namespace(&self) -> &crate::identity::Namespace {
        match self {
            EventSubject::Version { skill, .. } => skill.namespace(),
            EventSubject::Profile { profile, .. } => profile.namespace(),
        }
    }

    /// The skill's or the profile's id, as text.
    pub fn id(&self) -> String {
        match self {
            EventSubject::Version { skill, .. } => skill.to_string(),
            EventSubject::Profile { profile, .. } => profile.to_string(),
        }
    }
}

/// An event in the outbox, numbered in commit order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Position in the stream (strictly increasing).
    pub sequence: i64,
    /// What happened.
    pub kind: EventKind,
    /// To what.
    pub subject: EventSubject,
    /// When.
    pub at: Timestamp,
}

/// A write someone made, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Who.
    pub actor: UserId,
    /// What (`publish`, `import.overwrite`, `yank`, ...).
    pub action: String,
    /// On what (`acme/pdf@1.2.0`).
    pub target: String,
    /// When.
    pub at: Timestamp,
}

/// A skill's place in the trending list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendingEntry {
    /// The skill.
    pub id: SkillId,
    /// Installs in the window.
    pub installs: u64,
}

/// A public key a publisher signs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherKey {
    /// Key id (`ed25519:<hex>`), as signatures name it.
    pub key_id: String,
    /// Whose key.
    pub user: UserId,
    /// The raw public key.
    pub public_key: Vec<u8>,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When its owner revoked it: signatures by it are refused from then on, and the ones
    /// made before are shown as made by a revoked key.
    pub revoked_at: Option<Timestamp>,
}
