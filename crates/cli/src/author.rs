//! Commands for publishers: `init`, `validate`, `pack`, `publish`, `import`, `keygen`.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;
use skillreg_adapters::fs::read_skill_folder;
use skillreg_adapters::signing::Ed25519KeyPair;
use skillreg_core::SkillId;
use skillreg_core::bundle::{
    Archive, BundleLimits, FileSet, SKILL_MD, pack as pack_files, read_archive,
};
use skillreg_core::manifest::{ParsedManifest, parse_skill_md};
use skillreg_core::ports::Signer as _;
use skillreg_core::signature::VersionStatement;
use skillreg_core::version::Version;

use crate::config::write_private;
use crate::context::Context;
use crate::output::{Code, Failure};

/// A skill folder to validate.
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The skill folder.
    #[arg(default_value = ".")]
    pub(crate) dir: PathBuf,
    /// Fail on every frontmatter field a strict consumer of the Agent Skills specification
    /// refuses (any top-level field but name, description, license, compatibility, metadata
    /// and allowed-tools; a version belongs in `metadata.version`).
    #[arg(long)]
    pub(crate) strict: bool,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The folder to create; its name is the skill's name.
    dir: PathBuf,
    /// The description.
    #[arg(
        long,
        default_value = "Describe what this skill does and when to use it."
    )]
    description: String,
}

#[derive(Debug, Args)]
pub(crate) struct PackArgs {
    /// The skill folder.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Where to write the archive (default: `<name>-<version>.tar.gz` here).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct PublishArgs {
    /// The skill folder or its `.tar.gz` archive.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The namespace (default: REGISTRY_ORG or the config's default).
    #[arg(long)]
    namespace: Option<String>,
    /// The version (default: the SKILL.md's `metadata.version`; without one, a skill already
    /// published takes its version with the same files, else the next patch after its newest;
    /// a first publish must name one).
    #[arg(long)]
    version: Option<String>,
    /// Sign the version statement with a key made by `skillreg keygen`.
    #[arg(long)]
    sign: bool,
    /// The secret key file to sign with (default: the config folder's `keys/default.key`).
    #[arg(long)]
    key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// The key's file name in the config folder's `keys/`.
    #[arg(long, default_value = "default")]
    name: String,
    /// Replace an existing key file.
    #[arg(long)]
    force: bool,
    /// Do not register the public key with the registry.
    #[arg(long)]
    no_register: bool,
}

/// A skill read from a folder or an archive, validated.
pub(crate) struct Loaded {
    pub(crate) files: FileSet,
    pub(crate) parsed: ParsedManifest,
    pub(crate) archive: Archive,
}

/// Reads, validates and packs a folder or a `.tar.gz`.
pub(crate) fn load(path: &Path) -> Result<Loaded, Failure> {
    let limits = BundleLimits::default();
    let (files, folder_name) = if path.is_dir() {
        let files = read_skill_folder(path, &limits).map_err(|e| {
            Failure::new(format!("{} is not a valid skill: {e}", path.display()))
                .hint("fix it and run `skillreg validate`")
        })?;
        let name = std::fs::canonicalize(path)
            .ok()
            .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned));
        (files, name)
    } else {
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))?;
        let files = read_archive(&bytes, &limits).map_err(|e| {
            Failure::new(format!(
                "{} is not a valid skill archive: {e}",
                path.display()
            ))
        })?;
        (files, None)
    };
    let parsed =
        parse_skill_md(files.skill_md().contents(), folder_name.as_deref()).map_err(|e| {
            Failure::new(format!("{}: {SKILL_MD} is not valid: {e}", path.display()))
                .hint("see the SKILL.md rules in the README")
        })?;
    let archive = pack_files(&files).map_err(|e| Failure::new(format!("cannot pack: {e}")))?;
    Ok(Loaded {
        files,
        parsed,
        archive,
    })
}

pub(crate) fn init(ctx: &Context, args: &InitArgs) -> Result<(), Failure> {
    let name = args
        .dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Failure::new("give the folder to create").code(Code::Usage))?;
    let name: skillreg_core::SkillName = name.parse().map_err(|e| {
        Failure::new(format!("`{name}` cannot be a skill name: {e}"))
            .hint("use lowercase letters, digits and single hyphens, e.g. pdf-tools")
            .code(Code::Usage)
    })?;
    let skill_md = args.dir.join(SKILL_MD);
    if skill_md.exists() {
        return Err(
            Failure::new(format!("{} already exists", skill_md.display()))
                .hint("edit it, or pick another folder")
                .code(Code::Policy),
        );
    }
    let description = args.description.replace(['<', '>'], "");
    let text = format!(
        "---\nname: {name}\ndescription: {description}\nlicense: Apache-2.0\nmetadata:\n  version: \"0.1.0\"\n---\n\n# {name}\n\nWrite the instructions the agent follows here: when to use this skill, the steps,\nand the files under `scripts/` or `references/` it may use.\n"
    );
    // Checked before anything is written.
    parse_skill_md(text.as_bytes(), Some(name.as_str()))
        .map_err(|e| Failure::new(format!("the description does not fit SKILL.md: {e}")))?;
    std::fs::create_dir_all(&args.dir)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", args.dir.display())))?;
    crate::output::write_file(&skill_md, text.as_bytes())?;
    ctx.out
        .json(&json!({ "name": name.to_string(), "path": skill_md.display().to_string() }));
    ctx.out.result(format!("created {}", skill_md.display()));
    ctx.out.line(format!(
        "next: edit it, then `skillreg publish {}`",
        args.dir.display()
    ));
    Ok(())
}

pub(crate) fn validate(ctx: &Context, args: &ValidateArgs) -> Result<(), Failure> {
    let loaded = load(&args.dir)?;
    let refused: Vec<String> = loaded
        .parsed
        .warnings
        .iter()
        .filter(|w| w.is_strict_refusal())
        .map(ToString::to_string)
        .collect();
    if args.strict && !refused.is_empty() {
        return Err(Failure::new(format!(
            "{}: a strict consumer of the Agent Skills specification refuses {} field(s):\n  {}",
            args.dir.display(),
            refused.len(),
            refused.join("\n  ")
        ))
        .hint("keep name, description, license, compatibility, metadata and allowed-tools at the top; move the rest under metadata"));
    }
    let warnings: Vec<String> = loaded
        .parsed
        .warnings
        .iter()
        .map(ToString::to_string)
        .collect();
    for warning in &warnings {
        ctx.out.warn(warning);
    }
    let manifest = &loaded.parsed.manifest;
    ctx.out.json(&json!({
        "valid": true,
        "name": manifest.name().to_string(),
        "version": manifest.version().map(ToString::to_string),
        "files": loaded.files.len(),
        "content_digest": loaded.files.content_digest().to_string(),
        "archive_digest": loaded.archive.digest().to_string(),
        "warnings": warnings,
    }));
    ctx.out.result(format!(
        "{} is valid: {} files, content {}",
        manifest.name(),
        loaded.files.len(),
        loaded.files.content_digest()
    ));
    Ok(())
}

pub(crate) fn pack(ctx: &Context, args: &PackArgs) -> Result<(), Failure> {
    let loaded = load(&args.dir)?;
    let manifest = &loaded.parsed.manifest;
    let output = args.output.clone().unwrap_or_else(|| {
        PathBuf::from(match manifest.version() {
            Some(version) => format!("{}-{version}.tar.gz", manifest.name()),
            None => format!("{}.tar.gz", manifest.name()),
        })
    });
    crate::output::write_file(&output, loaded.archive.bytes())?;
    ctx.out.json(&json!({
        "path": output.display().to_string(),
        "archive_digest": loaded.archive.digest().to_string(),
        "content_digest": loaded.files.content_digest().to_string(),
        "size": loaded.archive.bytes().len(),
    }));
    ctx.out.result(format!(
        "wrote {} ({} bytes, {})",
        output.display(),
        loaded.archive.bytes().len(),
        loaded.archive.digest()
    ));
    Ok(())
}

fn signing_key(ctx: &Context, path: Option<&Path>) -> Result<Ed25519KeyPair, Failure> {
    let path = path.map_or_else(
        || ctx.settings.keys_dir().join("default.key"),
        Path::to_path_buf,
    );
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Failure::new(format!(
            "cannot read the signing key {}: {e}",
            path.display()
        ))
        .hint("make one with `skillreg keygen`, or pass --key")
    })?;
    Ed25519KeyPair::from_secret_text(&text)
        .map_err(|e| Failure::new(format!("{}: {e}", path.display())))
}

pub(crate) async fn publish(ctx: &Context, args: PublishArgs) -> Result<(), Failure> {
    let loaded = load(&args.path)?;
    let namespace = ctx.namespace(args.namespace.as_deref())?;
    let version: Option<Version> = match &args.version {
        Some(text) => Some(text.parse().map_err(|e| {
            Failure::new(format!("`{text}` is not a version: {e}")).code(Code::Usage)
        })?),
        None => loaded.parsed.manifest.version().cloned(),
    };
    for warning in &loaded.parsed.warnings {
        ctx.out.warn(warning);
    }
    let id = SkillId::new(namespace.clone(), loaded.parsed.manifest.name().clone());
    let mut signatures = Vec::new();
    if args.sign {
        let Some(version) = &version else {
            return Err(Failure::new("a signed publish needs a version")
                .hint("add `metadata:` with `  version: \"0.1.0\"` to the SKILL.md, or pass --version")
                .code(Code::Usage));
        };
        let key = signing_key(ctx, args.key.as_deref())?;
        let statement = VersionStatement {
            id: id.clone(),
            version: version.clone(),
            archive_digest: *loaded.archive.digest(),
            content_digest: loaded.files.content_digest(),
        };
        signatures.push(
            key.sign(&statement)
                .map_err(|e| Failure::new(e.to_string()))?,
        );
    }
    let client = ctx.client()?;
    let size = loaded.archive.bytes().len();
    let spinner = ctx.out.spinner(&format!("uploading {id} ({size} bytes)"));
    let reply = client
        .publish(
            &namespace,
            version.as_ref(),
            loaded.archive.into_bytes(),
            &signatures,
        )
        .await;
    spinner.finish_and_clear();
    let reply = reply.map_err(|e| {
        let failure = Failure::from(e);
        if failure.message.contains("signing key")
            || failure.message.contains("unknown key")
            || failure.message.contains("was revoked")
        {
            failure.hint("register the key with `skillreg keygen` (it registers the public key)")
        } else {
            failure
        }
    })?;
    for warning in &reply.warnings {
        ctx.out.warn(skillreg_core::text::sanitize_remote(warning));
    }
    ctx.out.json(&reply);
    ctx.out.result(format!(
        "{} {}@{} ({}{})",
        if reply.status == skillreg_api::PublishStatus::Unchanged {
            "unchanged:"
        } else {
            "published"
        },
        reply.id,
        reply.version.version,
        reply.version.archive_digest,
        if signatures.is_empty() {
            ""
        } else {
            ", signed"
        }
    ));
    Ok(())
}

pub(crate) async fn keygen(ctx: &Context, args: KeygenArgs) -> Result<(), Failure> {
    let file_name: skillreg_core::SkillName = args.name.parse().map_err(|_| {
        Failure::new(format!("`{}` cannot be a key name", args.name))
            .hint("use lowercase letters, digits and hyphens")
            .code(Code::Usage)
    })?;
    let path = ctx.settings.keys_dir().join(format!("{file_name}.key"));
    if path.exists() && !args.force {
        return Err(Failure::new(format!("{} already exists", path.display()))
            .hint("pass --force to replace it, or --name for another key")
            .code(Code::Policy));
    }
    let pair = Ed25519KeyPair::generate().map_err(|e| Failure::new(e.to_string()))?;
    write_private(&path, pair.to_secret_text().as_bytes())?;
    let mut registered = false;
    if !args.no_register {
        let client = ctx.client()?;
        let whoami = client.whoami().await?;
        let user: skillreg_core::model::UserId = whoami
            .user
            .parse()
            .map_err(|_| Failure::new("the registry named a malformed user"))?;
        client
            .register_key(&pair.public_key(), &pair.registration_proof(&user))
            .await?;
        registered = true;
    }
    ctx.out.json(&json!({
        "key_id": pair.key_id(),
        "public_key": skillreg_core::digest::hex(&pair.public_key()),
        "path": path.display().to_string(),
        "registered": registered,
    }));
    ctx.out.result(format!(
        "key {} written to {}",
        pair.key_id(),
        path.display()
    ));
    if registered {
        ctx.out
            .line("the public key is registered: publish with `skillreg publish --sign`");
    } else {
        ctx.out.line("register the public key before signing publishes: run keygen again without --no-register");
    }
    Ok(())
}
