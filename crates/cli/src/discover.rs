//! Commands that read a registry: `search`, `info`, `versions`, `ratings`, `trending`.
//! Registry text is sanitized (control characters stripped, 256 characters at most) before
//! it reaches the terminal.

use clap::Args;
use skillreg_api::SearchParams;
use skillreg_core::text::sanitize_remote;

use crate::context::{Context, parse_id};
use crate::output::Failure;

#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// Free text over name, description and tags.
    query: Option<String>,
    /// Only skills with this tag (repeatable: all must match).
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Only this namespace.
    #[arg(long)]
    namespace: Option<String>,
    /// Only skills rated at least this.
    #[arg(long)]
    min_rating: Option<f64>,
    /// relevance, downloads, rating, newest or trending.
    #[arg(long)]
    sort: Option<String>,
    /// Page size.
    #[arg(long, default_value_t = 20)]
    limit: u32,
    /// Skip this many.
    #[arg(long)]
    offset: Option<u64>,
    /// The cursor a previous page printed.
    #[arg(long)]
    cursor: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct IdArgs {
    /// The skill, `namespace/name`.
    pub(crate) id: String,
}

#[derive(Debug, Args)]
pub(crate) struct TrendingArgs {
    /// How many.
    #[arg(long, default_value_t = 10)]
    limit: u32,
}

/// Registry text for the terminal, `-` when there is none.
fn text(value: Option<&str>) -> String {
    value.map_or_else(|| "-".to_owned(), sanitize_remote)
}

pub(crate) async fn search(ctx: &Context, args: SearchArgs) -> Result<(), Failure> {
    let client = ctx.client()?;
    let params = SearchParams {
        q: args.query,
        tag: (!args.tags.is_empty()).then(|| args.tags.join(",")),
        namespace: args.namespace,
        min_rating: args.min_rating,
        sort: args.sort,
        limit: Some(args.limit),
        offset: args.offset,
        cursor: args.cursor,
    };
    let page = client.search(&params).await?;
    ctx.out.json(&page);
    if page.skills.is_empty() {
        ctx.out.result("no skills found");
        return Ok(());
    }
    for hit in &page.skills {
        let rating = hit.rating.average.map_or_else(
            || "unrated".to_owned(),
            |a| format!("{a:.1}★ ({})", hit.rating.count),
        );
        // The audit's verdict when it asks for attention: `audit: warn`.
        let audit = hit
            .verdict
            .as_deref()
            .filter(|v| matches!(*v, "warn" | "block"))
            .map(|v| format!(", audit: {}", sanitize_remote(v)))
            .unwrap_or_default();
        ctx.out.result(format!(
            "{}@{}  {}  [{} installs, {}{audit}]{}",
            sanitize_remote(&hit.id),
            sanitize_remote(hit.latest_version.as_deref().unwrap_or("-")),
            sanitize_remote(&hit.description),
            hit.downloads,
            rating,
            hit.deprecated
                .as_deref()
                .map(|m| format!(" DEPRECATED: {}", sanitize_remote(m)))
                .unwrap_or_default()
        ));
    }
    ctx.out
        .line(format!("{} of {} shown", page.skills.len(), page.total));
    if let Some(cursor) = &page.next_cursor {
        ctx.out
            .line(format!("next page: --cursor {}", sanitize_remote(cursor)));
    }
    Ok(())
}

pub(crate) async fn info(ctx: &Context, args: &IdArgs) -> Result<(), Failure> {
    let id = parse_id(&args.id)?;
    let client = ctx.client()?;
    let skill = client.skill(&id).await?;
    ctx.out.json(&skill);
    let latest = &skill.latest;
    ctx.out.result(format!(
        "{}@{}",
        text(Some(&skill.id)),
        text(Some(&latest.version))
    ));
    ctx.out
        .result(format!("  {}", text(Some(&latest.description))));
    if let Some(message) = &skill.deprecated {
        ctx.out
            .result(format!("  deprecated: {}", sanitize_remote(message)));
    }
    ctx.out
        .result(format!("  license: {}", text(latest.license.as_deref())));
    match &latest.audit {
        Some(audit) => ctx.out.result(format!(
            "  audit: {} ({} finding{}; `skillreg findings {}@{}` lists them)",
            sanitize_remote(&audit.verdict),
            audit.findings.len(),
            if audit.findings.len() == 1 { "" } else { "s" },
            text(Some(&skill.id)),
            text(Some(&latest.version)),
        )),
        None => ctx.out.result("  audit: not audited"),
    }
    ctx.out.result(format!(
        "  created by {}; latest published by {}",
        text(Some(&skill.created_by)),
        text(Some(&latest.published_by))
    ));
    ctx.out.result(format!(
        "  installs: {}; rating: {} ({} ratings)",
        skill.downloads,
        skill
            .rating
            .average
            .map_or_else(|| "-".to_owned(), |a| format!("{a:.1}")),
        skill.rating.count
    ));
    ctx.out
        .result(format!("  archive: {}", text(Some(&latest.archive_digest))));
    ctx.out
        .result(format!("  content: {}", text(Some(&latest.content_digest))));
    let signers: Vec<String> = latest
        .signatures
        .iter()
        .map(|s| text(Some(&s.key_id)))
        .collect();
    if !signers.is_empty() {
        ctx.out
            .result(format!("  signed by: {}", signers.join(", ")));
    }
    ctx.out.result(format!("  files ({}):", latest.files.len()));
    for file in latest.files.iter().take(50) {
        ctx.out.result(format!("    {}", text(Some(file))));
    }
    Ok(())
}

pub(crate) async fn versions(ctx: &Context, args: &IdArgs) -> Result<(), Failure> {
    let id = parse_id(&args.id)?;
    let versions = ctx.client()?.versions(&id).await?;
    ctx.out.json(&versions);
    for version in &versions {
        // The audit's verdict, when the registry audited it: `audit: warn (2 findings)`.
        let audit = version.audit.as_ref().map_or_else(String::new, |a| {
            format!(
                "  audit: {} ({} finding{})",
                sanitize_remote(&a.verdict),
                a.findings.len(),
                if a.findings.len() == 1 { "" } else { "s" }
            )
        });
        ctx.out.result(format!(
            "{}  {}{}{}{audit}",
            sanitize_remote(&version.version),
            sanitize_remote(&version.archive_digest),
            if version.yanked { "  (yanked)" } else { "" },
            if version.signatures.is_empty() {
                ""
            } else {
                "  (signed)"
            },
        ));
    }
    Ok(())
}

pub(crate) async fn ratings(ctx: &Context, args: &IdArgs) -> Result<(), Failure> {
    let id = parse_id(&args.id)?;
    let body = ctx.client()?.ratings(&id).await?;
    ctx.out.json(&body);
    ctx.out.result(format!(
        "{}: {} ({} ratings)",
        text(Some(&body.id)),
        body.average
            .map_or_else(|| "unrated".to_owned(), |a| format!("{a:.1}★")),
        body.count
    ));
    for review in &body.recent {
        ctx.out.result(format!(
            "  {:?}★ {}: {}",
            review.stars,
            text(Some(&review.user)),
            text(review.review.as_deref())
        ));
    }
    Ok(())
}

pub(crate) async fn trending(ctx: &Context, args: &TrendingArgs) -> Result<(), Failure> {
    let body = ctx.client()?.trending(args.limit).await?;
    ctx.out.json(&body);
    for entry in &body.skills {
        ctx.out.result(format!(
            "{}  {} installs",
            text(Some(&entry.id)),
            entry.installs
        ));
    }
    Ok(())
}
