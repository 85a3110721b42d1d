//! OCI commands: `build` (into the local store), `builds` (list, `rm`), `push`, `pull`, and
//! the `oci://` path of `install`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;
use skillreg_adapters::oci::{
    OciError, OciReference, PulledArtifact, RemoteRegistry, StoredArtifact,
};
use skillreg_core::bundle::{BundleLimits, read_archive};
use skillreg_core::manifest::parse_skill_md;
use skillreg_core::oci::{Artifact, build_artifact, tag_of};
use skillreg_core::text::sanitize_remote;
use skillreg_core::version::Version;

use crate::context::Context;
use crate::output::{Code, Failure};

#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// The skill folder.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The reference to store it under (default `<name>:<version>`).
    #[arg(long, short)]
    tag: Option<String>,
    /// The version (default: the SKILL.md's).
    #[arg(long)]
    version: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct BuildsArgs {
    #[command(subcommand)]
    command: Option<BuildsCommand>,
}

#[derive(Debug, Subcommand)]
enum BuildsCommand {
    /// Remove a build from the local store.
    Rm {
        /// Its reference (as `skillreg builds` lists it).
        reference: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct PushArgs {
    /// A build in the local store (`pdf:1.0.0`).
    tag: String,
    /// Where to: `oci://host[:port]/repository[:tag]`.
    destination: String,
    /// Talk plain HTTP (loopback registries only).
    #[arg(long)]
    plain_http: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PullArgs {
    /// `oci://host[:port]/repository[:tag|@sha256:…]`.
    source: String,
    /// Talk plain HTTP (loopback registries only).
    #[arg(long)]
    plain_http: bool,
}

fn oci_failure(error: &OciError) -> Failure {
    let failure = Failure::new(error.to_string());
    match error {
        OciError::BadReference(_) => failure.code(Code::Usage),
        OciError::PlainHttpRefused(_) => failure
            .hint("use HTTPS for registries on other machines")
            .code(Code::Policy),
        OciError::Name(_) | OciError::DigestMismatch { .. } | OciError::TooLarge { .. } | OciError::NotASkill { .. } => {
            failure
                .hint("nothing was kept or installed; do not use this artifact")
                .code(Code::Policy)
        }
        OciError::NotInStore(_) => failure.hint("list the builds with `skillreg builds`"),
        OciError::Registry { .. } => failure.hint(
            "check the registry address; for a registry on this machine without TLS, pass --plain-http",
        ),
        OciError::Store { .. } => failure,
    }
}

/// Rebuilds the artifact of a stored build from its layer (builds are deterministic, so
/// this gives the same digests).
fn artifact_of(ctx: &Context, entry: &StoredArtifact) -> Result<Artifact, Failure> {
    let store = ctx.local_store();
    let (_, layer) = store.layer(entry).map_err(|e| oci_failure(&e))?;
    let files = read_archive(&layer, &BundleLimits::default())
        .map_err(|e| Failure::new(format!("the build `{}` is damaged: {e}", entry.reference)))?;
    let manifest = parse_skill_md(files.skill_md().contents(), None)
        .map_err(|e| Failure::new(format!("the build `{}` is damaged: {e}", entry.reference)))?
        .manifest;
    let version: Version = entry.version.parse().map_err(|_| {
        Failure::new(format!(
            "the build `{}` has no valid version",
            entry.reference
        ))
    })?;
    build_artifact(&files, &manifest, &version).map_err(|e| Failure::new(e.to_string()))
}

pub(crate) fn build(ctx: &Context, args: &BuildArgs) -> Result<(), Failure> {
    let loaded = crate::author::load(&args.dir)?;
    let manifest = &loaded.parsed.manifest;
    let version: Version = match &args.version {
        Some(text) => text.parse().map_err(|e| {
            Failure::new(format!("`{text}` is not a version: {e}")).code(Code::Usage)
        })?,
        None => manifest.version().cloned().ok_or_else(|| {
            Failure::new("the skill has no version to build")
                .hint("add `metadata:` with `  version: \"0.1.0\"` to its SKILL.md, or pass --version")
                .code(Code::Usage)
        })?,
    };
    let artifact = build_artifact(&loaded.files, manifest, &version)
        .map_err(|e| Failure::new(e.to_string()))?;
    let reference = args
        .tag
        .clone()
        .unwrap_or_else(|| format!("{}:{}", manifest.name(), tag_of(&version)));
    let stored = ctx
        .local_store()
        .put(
            &artifact,
            &reference,
            manifest.name().as_str(),
            &version.to_string(),
        )
        .map_err(|e| oci_failure(&e))?;
    ctx.out.json(&json!({
        "reference": stored.reference, "digest": stored.digest,
        "name": stored.name, "version": stored.version,
    }));
    ctx.out.result(&stored.reference);
    ctx.out
        .line(format!("built {} ({})", stored.reference, stored.digest));
    Ok(())
}

pub(crate) fn builds(ctx: &Context, args: BuildsArgs) -> Result<(), Failure> {
    let store = ctx.local_store();
    if let Some(BuildsCommand::Rm { reference }) = args.command {
        store.remove(&reference).map_err(|e| oci_failure(&e))?;
        ctx.out.json(&json!({ "removed": reference }));
        ctx.out.result(format!("removed {reference}"));
        return Ok(());
    }
    let list = store.list().map_err(|e| oci_failure(&e))?;
    ctx.out.json(&json!(list
        .iter()
        .map(|e| json!({ "reference": e.reference, "name": e.name, "version": e.version, "digest": e.digest }))
        .collect::<Vec<_>>()));
    if list.is_empty() {
        ctx.out
            .result("no builds in the local store (`skillreg build <dir>` makes one)");
    }
    for entry in &list {
        ctx.out.result(format!(
            "{}  {}@{}  {}",
            sanitize_remote(&entry.reference),
            sanitize_remote(&entry.name),
            sanitize_remote(&entry.version),
            entry.digest
        ));
    }
    Ok(())
}

pub(crate) async fn push(ctx: &Context, args: &PushArgs) -> Result<(), Failure> {
    let entry = ctx
        .local_store()
        .get(&args.tag)
        .map_err(|e| oci_failure(&e))?;
    let artifact = artifact_of(ctx, &entry)?;
    let destination = OciReference::parse(&args.destination).map_err(|e| oci_failure(&e))?;
    if destination.digest.is_some() {
        return Err(Failure::new("push to a tag, not a digest").code(Code::Usage));
    }
    let remote = RemoteRegistry::for_reference(&destination, args.plain_http)
        .map_err(|e| oci_failure(&e))?;
    let spinner = ctx.out.spinner(&format!("pushing {destination}"));
    let digest = remote.push(&artifact, &destination).await;
    spinner.finish_and_clear();
    let digest = digest.map_err(|e| oci_failure(&e))?;
    ctx.out
        .json(&json!({ "reference": destination.to_string(), "digest": digest }));
    ctx.out.result(format!("pushed {destination} ({digest})"));
    Ok(())
}

/// Pulls, checks and caches an artifact in the local store.
pub(crate) async fn pull_into_store(
    ctx: &Context,
    source: &OciReference,
    plain_http: bool,
) -> Result<PulledArtifact, Failure> {
    let mut remote =
        RemoteRegistry::for_reference(source, plain_http).map_err(|e| oci_failure(&e))?;
    if let Some(token) = ctx.settings.token_for_authority(&source.registry) {
        remote = remote.with_token(token);
    }
    let spinner = ctx.out.spinner(&format!("pulling {source}"));
    let pulled = remote
        .pull(source, BundleLimits::default().max_archive_size)
        .await;
    spinner.finish_and_clear();
    let pulled = pulled.map_err(|e| oci_failure(&e))?;
    let store = ctx.local_store();
    for part in pulled.parts.iter().chain(std::iter::once(&pulled.layer)) {
        store.put_blob(part).map_err(|e| oci_failure(&e))?;
    }
    let reference = source.to_string();
    let reference = reference.strip_prefix("oci://").unwrap_or(&reference);
    store
        .put_raw(
            &pulled.top,
            reference,
            &pulled.labels.name,
            &pulled.labels.version,
        )
        .map_err(|e| oci_failure(&e))?;
    Ok(pulled)
}

pub(crate) async fn pull(ctx: &Context, args: &PullArgs) -> Result<(), Failure> {
    let source = OciReference::parse(&args.source).map_err(|e| oci_failure(&e))?;
    let pulled = pull_into_store(ctx, &source, args.plain_http).await?;
    ctx.out.json(&json!({
        "reference": source.to_string(), "digest": pulled.digest,
        "name": pulled.labels.name, "version": pulled.labels.version,
    }));
    ctx.out.result(format!(
        "pulled {source} ({}): {}@{}",
        pulled.digest,
        sanitize_remote(&pulled.labels.name),
        sanitize_remote(&pulled.labels.version)
    ));
    Ok(())
}
