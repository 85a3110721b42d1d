//! The read decision as a table and as properties.

use proptest::prelude::*;

use super::*;
use crate::model::{Role, TokenScope};

/// Who reads, in the table.
#[derive(Debug, Clone, Copy)]
enum Who {
    Anonymous,
    /// A read token for `acme` of a user with no role there.
    Outsider,
    /// A read token for another namespace only.
    ElsewhereToken,
    /// A read token for `acme` of a member.
    Member,
    /// A publish token for `acme/*` of an owner.
    Owner,
    Admin,
}

fn reader(who: Who) -> (Option<Actor>, Option<Role>) {
    let make = |user: &str, scopes: &[TokenScope], patterns: &[&str]| {
        Some(Actor::new(
            user.parse().unwrap(),
            scopes.to_vec(),
            patterns.iter().map(|p| p.parse().unwrap()).collect(),
        ))
    };
    match who {
        Who::Anonymous => (None, None),
        Who::Outsider => (make("olga", &[TokenScope::Read], &["acme"]), None),
        Who::ElsewhereToken => (
            make("mia", &[TokenScope::Read], &["other"]),
            Some(Role::Member),
        ),
        Who::Member => (
            make("mia", &[TokenScope::Read], &["acme"]),
            Some(Role::Member),
        ),
        Who::Owner => (
            make("ola", &[TokenScope::PublishUpdate], &["acme/*"]),
            Some(Role::Owner),
        ),
        Who::Admin => (make("root", &[TokenScope::Admin], &[]), None),
    }
}

#[test]
fn who_reads_what_as_a_table() {
    use Visibility::{Internal, Private, Public};
    use Who::*;
    // (who, visibility, sign-in required, may read)
    let table = [
        (Anonymous, Public, false, true),
        (Anonymous, Internal, false, false),
        (Anonymous, Private, false, false),
        (Anonymous, Public, true, false),
        (Outsider, Public, false, true),
        (Outsider, Internal, false, true),
        (Outsider, Private, false, false),
        (Outsider, Public, true, true),
        (ElsewhereToken, Public, false, true),
        (ElsewhereToken, Internal, false, false),
        (ElsewhereToken, Private, false, false),
        (Member, Public, false, true),
        (Member, Internal, false, true),
        (Member, Private, false, true),
        (Member, Private, true, true),
        (Owner, Private, false, true),
        (Owner, Internal, true, true),
        (Admin, Private, false, true),
        (Admin, Private, true, true),
    ];
    let acme: Namespace = "acme".parse().unwrap();
    for (who, visibility, sign_in, expected) in table {
        let (actor, role) = reader(who);
        assert_eq!(
            may_read(actor.as_ref(), &acme, visibility, role, sign_in),
            expected,
            "{who:?} reading a {visibility} namespace (sign-in required: {sign_in})"
        );
    }
}

#[test]
fn a_new_namespace_is_never_more_open_than_the_one_above_unless_asked() {
    use Visibility::{Internal, Private, Public};
    assert_eq!(Visibility::for_new(None, None, Public), Public);
    assert_eq!(Visibility::for_new(None, None, Internal), Internal);
    assert_eq!(Visibility::for_new(None, Some(Private), Public), Private);
    assert_eq!(Visibility::for_new(None, Some(Public), Internal), Internal);
    assert_eq!(
        Visibility::for_new(Some(Public), Some(Private), Private),
        Public
    );
    assert_eq!("internal".parse::<Visibility>(), Ok(Internal));
    assert_eq!(
        "secret".parse::<Visibility>().unwrap_err().to_string(),
        "visibility `secret` is not one of: public, internal, private"
    );
}

fn any_visibility() -> impl Strategy<Value = Visibility> {
    prop::sample::select(Visibility::ALL.to_vec())
}

fn any_role() -> impl Strategy<Value = Option<Role>> {
    prop::option::of(prop::sample::select(vec![Role::Owner, Role::Member]))
}

fn any_actor() -> impl Strategy<Value = Actor> {
    (
        prop::sample::subsequence(TokenScope::ALL.to_vec(), 1..=3),
        prop::sample::subsequence(vec!["*", "acme", "acme/*", "other", "other/*"], 0..=2),
    )
        .prop_map(|(scopes, patterns)| {
            Actor::new(
                "ada".parse().unwrap(),
                scopes,
                patterns.iter().map(|p| p.parse().unwrap()).collect(),
            )
        })
}

fn any_namespace() -> impl Strategy<Value = Namespace> {
    prop::sample::select(vec!["acme", "acme/tools", "other", "zeta"])
        .prop_map(|ns| ns.parse().unwrap())
}

proptest! {
    /// Closing a namespace, requiring sign-in or losing a role never lets anyone read more;
    /// a token reads at least what an anonymous reader does; an admin reads everything.
    #[test]
    fn reading_only_narrows_as_things_close(
        actor in prop::option::of(any_actor()),
        namespace in any_namespace(),
        visibility in any_visibility(),
        role in any_role(),
        sign_in in any::<bool>(),
    ) {
        let reads = |v: Visibility, r: Option<Role>, s: bool| {
            may_read(actor.as_ref(), &namespace, v, r, s)
        };
        for closer in Visibility::ALL.into_iter().filter(|v| *v > visibility) {
            prop_assert!(!reads(closer, role, sign_in) || reads(visibility, role, sign_in));
        }
        prop_assert!(!reads(visibility, role, true) || reads(visibility, role, false));
        prop_assert!(!reads(visibility, None, sign_in) || reads(visibility, role, sign_in));
        if may_read(None, &namespace, visibility, None, sign_in) {
            prop_assert!(reads(visibility, role, sign_in));
        }
        if actor.as_ref().is_some_and(Actor::is_admin) {
            prop_assert!(reads(visibility, role, sign_in));
        }
    }

    /// A private namespace is read by its members and admins only, and only with a token
    /// that covers it (or an admin's).
    #[test]
    fn private_needs_a_role_and_a_covering_token(
        actor in any_actor(),
        namespace in any_namespace(),
        role in any_role(),
        sign_in in any::<bool>(),
    ) {
        let reads = may_read(Some(&actor), &namespace, Visibility::Private, role, sign_in);
        prop_assert_eq!(
            reads,
            actor.is_admin() || (role.is_some() && actor.may_act_in(&namespace))
        );
    }

    /// A new namespace gets what its creator asks for, else nothing more open than the
    /// namespace above it or the registry's default.
    #[test]
    fn new_namespaces_inherit_the_closer_visibility(
        requested in prop::option::of(any_visibility()),
        above in prop::option::of(any_visibility()),
        default in any_visibility(),
    ) {
        let given = Visibility::for_new(requested, above, default);
        match requested {
            Some(asked) => prop_assert_eq!(given, asked),
            None => {
                prop_assert!(given >= default);
                prop_assert!(above.is_none_or(|above| given >= above));
            }
        }
    }
}
