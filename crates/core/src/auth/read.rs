//! Who may read what: a namespace's [`Visibility`] and the one decision, [`may_read`], that
//! every surface asks (docs/ARCHITECTURE.md, "Reading is decided once"). A skill the reader
//! may not see is answered exactly as a skill that does not exist.

use std::fmt;
use std::str::FromStr;

use crate::identity::Namespace;
use crate::model::{FieldError, Role};

use super::Actor;

/// Who may read a namespace's skills. Ordered from the most open to the most closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Visibility {
    /// Anyone, signed in or not (unless the registry requires signing in for every read).
    #[default]
    Public,
    /// Anyone signed in to the registry with a token that covers the namespace.
    Internal,
    /// The namespace's members (owners and publishers), with a token that covers it.
    Private,
}

impl Visibility {
    /// Every visibility, from the most open.
    pub const ALL: [Visibility; 3] = [
        Visibility::Public,
        Visibility::Internal,
        Visibility::Private,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Internal => "internal",
            Visibility::Private => "private",
        }
    }

    /// The visibility a new namespace gets: the one asked for, else the closer of the
    /// nearest namespace above it and the registry's default, so a namespace made under a
    /// private one is never more open than it unless its creator says so.
    pub fn for_new(
        requested: Option<Visibility>,
        above: Option<Visibility>,
        default: Visibility,
    ) -> Visibility {
        requested.unwrap_or_else(|| above.map_or(default, |above| above.max(default)))
    }
}

impl FromStr for Visibility {
    type Err = FieldError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Visibility::ALL
            .into_iter()
            .find(|visibility| visibility.as_str() == text)
            .ok_or_else(|| FieldError::Unknown {
                field: "visibility",
                value: text.to_owned(),
                allowed: Visibility::ALL.map(Visibility::as_str).join(", "),
            })
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `reader` (`None`: anonymous) may read the skills of `namespace`, whose
/// visibility is `visibility` and in which the reader's user has `role`. With
/// `sign_in_required` (a registry served with `--private`) nobody anonymous reads anything.
///
/// The rule: an admin reads everything; a public namespace is read by anyone allowed in at
/// all; an internal one by a signed-in reader whose token covers the namespace; a private
/// one by a member whose token covers it. Any live token allows reading: every scope
/// includes `read`.
pub fn may_read(
    reader: Option<&Actor>,
    namespace: &Namespace,
    visibility: Visibility,
    role: Option<Role>,
    sign_in_required: bool,
) -> bool {
    match reader {
        None => visibility == Visibility::Public && !sign_in_required,
        Some(actor) if actor.is_admin() => true,
        Some(actor) => match visibility {
            Visibility::Public => true,
            Visibility::Internal => actor.may_act_in(namespace),
            Visibility::Private => actor.may_act_in(namespace) && role.is_some(),
        },
    }
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
