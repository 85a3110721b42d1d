//! Commands that change things on a registry or in the settings: `login`, `registry`,
//! `rate`, `yank`/`unyank`, `deprecate`, `token`, `namespace`.

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use skillreg_core::text::sanitize_remote;

use crate::config::RegistryKind;
use crate::context::{Context, parse_id};
use crate::output::{Code, Failure};

#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    /// The token (default: read from standard input).
    #[arg(long)]
    token: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RegistryCommand {
    /// Add a registry (asked after the ones already there).
    Add {
        /// Its name.
        name: String,
        /// Its URL.
        url: String,
        /// `skillreg`, or `package-registry` for a Package Registry Standard registry.
        #[arg(long, default_value = "skillreg")]
        kind: String,
    },
    /// The registries, in resolution order.
    List,
}

#[derive(Debug, Args)]
pub(crate) struct RateArgs {
    /// The skill.
    id: String,
    /// 1 to 5, in halves.
    stars: f64,
    /// A review.
    #[arg(long)]
    review: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct YankArgs {
    /// `namespace/name@version`.
    reference: String,
}

#[derive(Debug, Args)]
pub(crate) struct DeprecateArgs {
    /// The skill.
    id: String,
    /// The message (what to use instead).
    message: Option<String>,
    /// Clear the deprecation.
    #[arg(long, conflicts_with = "message")]
    clear: bool,
}

#[derive(Debug, Args)]
pub(crate) struct MoveArgs {
    /// The skill (`namespace/name`).
    id: String,
    /// The namespace to move it into (its name stays).
    namespace: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a token (its secret is shown once).
    Create {
        /// A name to recognise it by.
        name: String,
        /// read (installs only), publish-new, publish-update, yank, rate, namespace-admin,
        /// tokens, admin (repeatable; every scope includes read).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Namespace patterns it may act on (repeatable; `acme/*`).
        #[arg(long = "namespace")]
        namespaces: Vec<String>,
        /// Another user (admins only).
        #[arg(long)]
        user: Option<String>,
        /// Days until it stops working (1 to 3650); without it, it lives until revoked.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// Your tokens.
    List,
    /// Revoke a token.
    Revoke {
        /// Its id.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum NamespaceCommand {
    /// Create a namespace you own.
    Create {
        /// The namespace.
        namespace: String,
        /// Who may read its skills: public, internal (anyone signed in) or private (its
        /// members) [default: the namespace above it's, else the registry's]
        #[arg(long)]
        visibility: Option<skillreg_core::auth::Visibility>,
    },
    /// Set who may read a namespace's skills (owners only).
    Visibility {
        /// The namespace.
        namespace: String,
        /// public, internal (anyone signed in) or private (its members).
        visibility: skillreg_core::auth::Visibility,
    },
    /// A namespace and its members.
    Show {
        /// The namespace.
        namespace: String,
    },
    /// Add a member or change their role.
    AddMember {
        /// The namespace.
        namespace: String,
        /// The user.
        user: String,
        /// owner or member.
        #[arg(long, default_value = "member")]
        role: skillreg_api::MemberRole,
    },
    /// Remove a member.
    RemoveMember {
        /// The namespace.
        namespace: String,
        /// The user.
        user: String,
    },
}

pub(crate) async fn login(ctx: &Context, args: LoginArgs) -> Result<(), Failure> {
    let token = match args.token {
        Some(token) => token,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| Failure::new(format!("cannot read the token: {e}")))?;
            line
        }
    };
    let token = token.trim().to_owned();
    if token.is_empty() {
        return Err(Failure::new("no token given")
            .hint("pass --token, or pipe it in")
            .code(Code::Usage));
    }
    let registry = ctx.settings.registry(None)?.clone();
    // Check it before storing it.
    let check = skillreg_adapters::http::RegistryClient::new(
        &registry.url,
        skillreg_adapters::http::ClientOptions {
            token: Some(token.clone()),
            ..Default::default()
        },
    )?;
    let tokens = check.tokens().await?;
    let user = tokens.tokens.first().map(|t| sanitize_remote(&t.user));
    let path = ctx.settings.store_token(&registry.url, &token)?;
    ctx.out.json(
        &json!({ "registry": registry.url, "user": user, "stored_in": path.display().to_string() }),
    );
    ctx.out.result(format!(
        "logged in to {}{}; token stored in {}",
        registry.url,
        user.map(|u| format!(" as {u}")).unwrap_or_default(),
        path.display()
    ));
    Ok(())
}

pub(crate) fn registry(ctx: &Context, command: RegistryCommand) -> Result<(), Failure> {
    match command {
        RegistryCommand::Add { name, url, kind } => {
            let kind = match kind.as_str() {
                "skillreg" => RegistryKind::Skillreg,
                "package-registry" => RegistryKind::PackageRegistry,
                other => {
                    return Err(Failure::new(format!("unknown registry kind `{other}`"))
                        .hint("use skillreg or package-registry")
                        .code(Code::Usage));
                }
            };
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(
                    Failure::new(format!("`{url}` is not an http(s) URL")).code(Code::Usage)
                );
            }
            let path = ctx.settings.add_registry(&name, &url, kind)?;
            ctx.out
                .json(&json!({ "name": name, "url": url, "config": path.display().to_string() }));
            ctx.out.result(format!(
                "added registry {name} ({url}) to {}",
                path.display()
            ));
        }
        RegistryCommand::List => {
            let list: Vec<Value> = ctx
                .settings
                .registries
                .iter()
                .map(|r| json!({ "name": r.name, "url": r.url, "kind": r.kind, "logged_in": r.token.is_some() }))
                .collect();
            ctx.out.json(&Value::Array(list));
            if ctx.settings.registries.is_empty() {
                ctx.out.result(
                    "no registries configured (set REGISTRY_URL or `skillreg registry add`)",
                );
            }
            for (index, r) in ctx.settings.registries.iter().enumerate() {
                ctx.out.result(format!(
                    "{}. {} {}{}",
                    index + 1,
                    r.name,
                    r.url,
                    if r.token.is_some() {
                        " (logged in)"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    Ok(())
}

pub(crate) async fn rate(ctx: &Context, args: RateArgs) -> Result<(), Failure> {
    let id = parse_id(&args.id)?;
    let body = ctx
        .client()?
        .rate(&id, args.stars, args.review.as_deref())
        .await?;
    ctx.out.json(&body);
    ctx.out.result(format!(
        "rated {id} {}★; now {} over {} ratings",
        args.stars,
        body.average
            .map_or_else(|| "-".to_owned(), |a| format!("{a:.1}")),
        body.count
    ));
    Ok(())
}

pub(crate) async fn yank(ctx: &Context, args: &YankArgs, yanked: bool) -> Result<(), Failure> {
    let (id, version) = crate::context::parse_reference(&args.reference)?;
    let body = ctx.client()?.set_yanked(&id, &version, yanked).await?;
    ctx.out.json(&body);
    ctx.out.result(format!(
        "{id}@{version} {}{}",
        if yanked { "yanked" } else { "unyanked" },
        if !body.changed {
            " (it already was)"
        } else {
            ""
        }
    ));
    Ok(())
}

pub(crate) async fn deprecate(ctx: &Context, args: DeprecateArgs) -> Result<(), Failure> {
    let id = parse_id(&args.id)?;
    if args.message.is_none() && !args.clear {
        return Err(Failure::new("give a deprecation message, or --clear").code(Code::Usage));
    }
    let body = ctx
        .client()?
        .deprecate(&id, args.message.as_deref())
        .await?;
    ctx.out.json(&body);
    ctx.out.result(match args.message {
        Some(_) => format!("{id} is deprecated"),
        None => format!("{id} is no longer deprecated"),
    });
    Ok(())
}

pub(crate) async fn move_skill(ctx: &Context, args: &MoveArgs) -> Result<(), Failure> {
    let id = parse_id(&args.id)?;
    let body = ctx.client()?.move_skill(&id, &args.namespace).await?;
    ctx.out.json(&body);
    ctx.out.result(format!(
        "moved {} to {}",
        sanitize_remote(&body.from),
        sanitize_remote(&body.to)
    ));
    ctx.out.line(format!(
        "projects follow it with `skillreg install {}`; profiles that hold it already do",
        sanitize_remote(&body.to)
    ));
    Ok(())
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Revoke one of your publisher keys: publishes signed with it are refused from now on,
    /// and installs of versions signed with it say so.
    Revoke {
        /// The key id (`ed25519:…`, as `keygen` printed it).
        key_id: String,
    },
}

pub(crate) async fn key(ctx: &Context, command: KeyCommand) -> Result<(), Failure> {
    let client = ctx.client()?;
    match command {
        KeyCommand::Revoke { key_id } => {
            let key = client.revoke_key(&key_id).await?;
            ctx.out.json(&json!({
                "key_id": key.key_id,
                "revoked_at_ms": key.revoked_at_ms,
            }));
            ctx.out
                .result(format!("key {} revoked", sanitize_remote(&key.key_id)));
            ctx.out
                .line("make a new one with `skillreg keygen --name <name>`");
        }
    }
    Ok(())
}

pub(crate) async fn token(ctx: &Context, command: TokenCommand) -> Result<(), Failure> {
    let client = ctx.client()?;
    match command {
        TokenCommand::Create {
            name,
            scopes,
            namespaces,
            user,
            expires_in_days,
        } => {
            let body = client
                .create_token(&skillreg_api::CreateTokenBody {
                    name,
                    scopes,
                    namespaces,
                    user,
                    expires_in_days,
                })
                .await?;
            ctx.out.json(&body);
            ctx.out.result(sanitize_remote(&body.secret));
            ctx.out.line(format!(
                "token {} created; this is the only time its secret is shown",
                sanitize_remote(&body.token.id)
            ));
        }
        TokenCommand::List => {
            let body = client.tokens().await?;
            ctx.out.json(&body);
            for token in &body.tokens {
                let scopes: Vec<String> = token.scopes.iter().map(|s| sanitize_remote(s)).collect();
                ctx.out.result(format!(
                    "{}  {}  [{}]{}",
                    sanitize_remote(&token.id),
                    sanitize_remote(&token.name),
                    scopes.join(", "),
                    if token.revoked_at_ms.is_none() {
                        ""
                    } else {
                        "  (revoked)"
                    }
                ));
            }
        }
        TokenCommand::Revoke { id } => {
            let body = client.revoke_token(&id).await?;
            ctx.out.json(&body);
            ctx.out
                .result(format!("token {} revoked", sanitize_remote(&id)));
        }
    }
    Ok(())
}

pub(crate) async fn namespace(ctx: &Context, command: NamespaceCommand) -> Result<(), Failure> {
    let client = ctx.client()?;
    let body = match &command {
        NamespaceCommand::Create {
            namespace,
            visibility,
        } => {
            client
                .create_namespace(namespace, visibility.map(Into::into))
                .await?
        }
        NamespaceCommand::Visibility {
            namespace,
            visibility,
        } => {
            client
                .set_visibility(namespace, (*visibility).into())
                .await?
        }
        NamespaceCommand::Show { namespace } => client.namespace(namespace).await?,
        NamespaceCommand::AddMember {
            namespace,
            user,
            role,
        } => client.set_member(namespace, user, Some(*role)).await?,
        NamespaceCommand::RemoveMember { namespace, user } => {
            client.set_member(namespace, user, None).await?
        }
    };
    ctx.out.json(&body);
    ctx.out.result(format!(
        "{} ({})",
        sanitize_remote(&body.namespace),
        skillreg_core::auth::Visibility::from(body.visibility)
    ));
    for member in &body.members {
        ctx.out.result(format!(
            "  {} ({})",
            sanitize_remote(&member.user),
            member.role
        ));
    }
    Ok(())
}
