//! `skillreg profile create|add|remove|show|list`: agent profiles, named sets of skills the
//! registry keeps (`<namespace>/<profile>`); `skillreg install --profile` installs one.

use clap::Subcommand;
use skillreg_api::ProfileBody;
use skillreg_core::profile::ProfileId;
use skillreg_core::text::sanitize_remote;

use crate::context::{Context, parse_id};
use crate::output::{Code, Failure};

#[derive(Debug, Subcommand)]
pub(crate) enum ProfileCommand {
    /// Create an empty profile in a namespace you are a member of.
    Create {
        /// The profile, `namespace/name`.
        profile: String,
        /// What it is for, in a line.
        #[arg(long, short, default_value = "")]
        description: String,
    },
    /// Add skills to a profile (`namespace/name`, or `namespace/name@request` to pin
    /// versions; adding one it holds changes its request).
    Add {
        /// The profile.
        profile: String,
        /// The skills.
        #[arg(required = true)]
        skills: Vec<String>,
    },
    /// Take skills out of a profile.
    Remove {
        /// The profile.
        profile: String,
        /// The skills.
        #[arg(required = true)]
        skills: Vec<String>,
    },
    /// A profile and its skills.
    Show {
        /// The profile.
        profile: String,
    },
    /// The profiles you may see.
    List {
        /// Only this namespace's.
        #[arg(long)]
        namespace: Option<String>,
    },
}

/// Parses `namespace/name` as a profile id.
pub(crate) fn parse_profile(text: &str) -> Result<ProfileId, Failure> {
    text.parse()
        .map_err(|e: skillreg_core::profile::ProfileIdError| {
            Failure::new(e.to_string())
                .hint("write it as namespace/name, e.g. acme/frontend")
                .code(Code::Usage)
        })
}

/// `namespace/name[@request]`.
fn parse_skill(text: &str) -> Result<(skillreg_core::SkillId, skillreg_core::VersionReq), Failure> {
    let (id, request) = text.split_once('@').unwrap_or((text, "latest"));
    let request = request.parse().map_err(|e| {
        Failure::new(format!(
            "`{request}` (for `{id}`) is not a version request: {e}"
        ))
        .hint("use latest, 1.2.3, ^1.2, ~1.2.3, 1.2, >=1, <2, v1 or v1.2.x")
        .code(Code::Usage)
    })?;
    Ok((parse_id(id)?, request))
}

pub(crate) async fn profile(ctx: &Context, command: ProfileCommand) -> Result<(), Failure> {
    let client = ctx.client()?;
    let body = match command {
        ProfileCommand::Create {
            profile,
            description,
        } => {
            let id = parse_profile(&profile)?;
            let body = client.create_profile(&id, &description).await?;
            show(ctx, &body);
            ctx.out.line(format!(
                "add skills with `skillreg profile add {id} <namespace/name>…`"
            ));
            return Ok(());
        }
        ProfileCommand::Add { profile, skills } => {
            let id = parse_profile(&profile)?;
            let parsed = skills
                .iter()
                .map(|s| parse_skill(s))
                .collect::<Result<Vec<_>, _>>()?;
            let mut last = None;
            for (skill, request) in &parsed {
                last = Some(client.add_to_profile(&id, skill, request).await?);
            }
            last
        }
        ProfileCommand::Remove { profile, skills } => {
            let id = parse_profile(&profile)?;
            let parsed = skills
                .iter()
                .map(|s| parse_id(s))
                .collect::<Result<Vec<_>, _>>()?;
            let mut last = None;
            for skill in &parsed {
                last = Some(client.remove_from_profile(&id, skill).await?);
            }
            last
        }
        ProfileCommand::Show { profile } => {
            let id = parse_profile(&profile)?;
            Some(client.profile(&id).await?)
        }
        ProfileCommand::List { namespace } => {
            let list = client.profiles(namespace.as_deref()).await?;
            ctx.out.json(&list);
            if list.profiles.is_empty() {
                ctx.out.result("no profiles");
                ctx.out
                    .line("create one with `skillreg profile create <namespace/name>`");
            }
            for body in &list.profiles {
                ctx.out.result(format!(
                    "{}  {} skill{}, revision {}  {}",
                    sanitize_remote(&body.id),
                    body.skills.len(),
                    if body.skills.len() == 1 { "" } else { "s" },
                    body.revision,
                    sanitize_remote(&body.description),
                ));
            }
            return Ok(());
        }
    };
    if let Some(body) = body {
        show(ctx, &body);
        ctx.out.line(format!(
            "install it with `skillreg install --profile {}`",
            sanitize_remote(&body.id)
        ));
    }
    Ok(())
}

/// Prints one profile.
fn show(ctx: &Context, body: &ProfileBody) {
    ctx.out.json(body);
    let description = if body.description.is_empty() {
        String::new()
    } else {
        format!(" — {}", sanitize_remote(&body.description))
    };
    ctx.out.result(format!(
        "{} (revision {}){description}",
        sanitize_remote(&body.id),
        body.revision
    ));
    if body.skills.is_empty() {
        ctx.out.result("  no skills yet");
    }
    for skill in &body.skills {
        ctx.out.result(format!(
            "  {}  {}",
            sanitize_remote(&skill.id),
            sanitize_remote(&skill.version)
        ));
    }
}
