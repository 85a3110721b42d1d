//! A skill's pages, reached through the router's fallback: `/<ns…>/<name>` (its latest
//! version), `/<ns…>/<name>@<version>`, `…/-/files/<path>` (one file, as text), and the
//! forms that change it (`…/-/rate`, `…@<version>/-/yank`, `…/-/deprecate`). A path of one
//! segment is a namespace's page.

use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use skillreg_core::bundle::FileSet;
use skillreg_core::clients::CLIENTS;
use skillreg_core::model::{RatingRecord, Stars, VersionRecord};
use skillreg_core::usecases::SkillPage;
use skillreg_core::{SkillId, Version, VersionReq};

use super::markdown::Document;
use super::pages::{copy_line, encode};
use super::session::csrf_holds;
use super::{
    AppState, Visitor, date, error_page, failed, layout, page, shown, trusted, verdict_chip,
};

/// The longest file shown on a page, in bytes (the download has the rest).
const MAX_SHOWN_FILE: usize = 512 * 1024;

/// What a path names.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    id: SkillId,
    version: Option<Version>,
    /// What follows `/-/`, if anything.
    sub: Option<String>,
}

/// Decodes `%XX` escapes of a path.
fn decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn target(path: &str) -> Option<Target> {
    let path = path.trim_start_matches('/');
    let (id_part, sub) = match path.split_once("/-/") {
        Some((id, sub)) => (id, Some(decode(sub)?)),
        None => (path.trim_end_matches('/'), None),
    };
    let (id_text, version) = match id_part.rsplit_once('@') {
        Some((id, version)) => (id, Some(version.parse().ok()?)),
        None => (id_part, None),
    };
    Some(Target {
        id: id_text.parse().ok()?,
        version,
        sub,
    })
}

/// Every path no other route has.
pub(crate) async fn dispatch(
    state: &AppState,
    visitor: &Visitor,
    method: &Method,
    uri: &Uri,
    body: &[u8],
) -> Response {
    let path = uri.path();
    if !super::is_page(path) {
        return crate::routes::not_found_response();
    }
    let segments = path.trim_matches('/').split('/').count();
    if segments == 1 && !path.contains('@') && method == Method::GET {
        return Redirect::permanent(&format!("/-/namespaces/{}", path.trim_matches('/')))
            .into_response();
    }
    let Some(target) = target(path) else {
        return error_page(visitor, StatusCode::NOT_FOUND, "no page here");
    };
    match (method, target.sub.as_deref()) {
        (&Method::GET | &Method::HEAD, None) => skill_page(state, visitor, &target).await,
        (&Method::GET | &Method::HEAD, Some(sub)) if sub.starts_with("files/") => {
            file_page(state, visitor, &target, &sub["files/".len()..]).await
        }
        (&Method::POST, Some("rate" | "yank" | "deprecate")) => {
            change(state, visitor, &target, body).await
        }
        _ => error_page(visitor, StatusCode::NOT_FOUND, "no page here"),
    }
}

fn request_of(target: &Target) -> VersionReq {
    target
        .version
        .clone()
        .map_or(VersionReq::Latest, VersionReq::Exact)
}

fn stars(rating: &RatingRecord) -> String {
    format!("{:.1}★", rating.stars.stars())
}

fn file_list(base: &str, files: &FileSet) -> Markup {
    html! {
        table {
            thead { tr { th { "File" } th.num { "Size" } th { "" } } }
            tbody {
                @for file in files.files() {
                    @let text = std::str::from_utf8(file.contents()).is_ok();
                    tr {
                        td { a href={ (base) "/-/files/" (file.path().as_str()) } { code { (file.path().as_str()) } } }
                        td.num { (file.contents().len()) " B" }
                        td.muted {
                            @if !text { "binary · " code { (skillreg_core::Digest::of(file.contents()).to_string().get(..19).unwrap_or_default()) "…" } }
                            @if file.executable() { " executable" }
                        }
                    }
                }
            }
        }
    }
}

fn versions_table(id: &SkillId, versions: &[VersionRecord], shown_version: &Version) -> Markup {
    html! {
        table {
            thead { tr { th { "Version" } th { "Published" } th { "By" } th { "" } } }
            tbody {
                @for v in versions.iter().rev() {
                    tr {
                        td {
                            a href={ "/" (id) "@" (v.version()) } { (v.version()) }
                            @if v.version() == shown_version { " " span.muted { "(shown)" } }
                        }
                        td { (date(v.published.published_at.unix_millis())) }
                        td { (v.published.published_by.as_str()) }
                        td {
                            @if v.yanked { span.chip.yanked { "yanked" } }
                            @if !v.published.signatures.is_empty() { span.chip { "signed" } }
                            @if let Some(audit) = &v.published.audit { (verdict_chip(audit.verdict().as_str())) }
                        }
                    }
                }
            }
        }
    }
}

fn audit_section(version: &VersionRecord) -> Markup {
    html! {
        h2 id="audit" { "Audit" }
        @match &version.published.audit {
            None => { p.muted { "Published before the registry audited; not audited yet." } }
            Some(audit) => {
                p { (verdict_chip(audit.verdict().as_str())) " " (audit.findings.len()) " finding(s), rules version " (audit.rules_version) }
                @if let Some(o) = &audit.overridden {
                    p.notice { "Verdict set by " (o.by.as_str()) ": " (shown(&o.note, 500)) }
                }
                @if !audit.findings.is_empty() {
                    ul.findings {
                        @for f in &audit.findings {
                            li {
                                span class={ "chip verdict-" (match f.severity.as_str() { "info" => "review", other => other }) } { (f.severity.as_str()) }
                                code { (f.code) } " " code { (f.path) ":" (f.line) } " — " (f.message)
                                br; span.muted { "Fix: " (f.remediation) }
                                @if let Some(mark) = audit.false_positive(&f.fingerprint) {
                                    br; span { "Marked a false positive by " (mark.by.as_str()) ": " (shown(&mark.note, 500)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn skill_page(state: &AppState, visitor: &Visitor, target: &Target) -> Response {
    let found = match state
        .registry
        .skill_page(visitor.actor(), &target.id, &request_of(target))
        .await
    {
        Ok(found) => found,
        Err(error) => return failed(visitor, error),
    };
    let SkillPage {
        skill,
        version,
        versions,
        files,
        downloads,
        rating,
        recent,
    } = &found;
    let skill_md = String::from_utf8_lossy(files.skill_md().contents());
    let document = state
        .rendered
        .get_or_render(&version.published.archive_digest, || {
            Document::of(&skill_md)
        });
    let id = &skill.id;
    let v = version.version();
    let base = format!("/{id}@{v}");
    let meta = &version.published.meta;
    let content = html! {
        h1 { (id) " " span.muted { (v) } }
        p { (shown(&meta.description, 1024)) }
        p {
            @if let Some(audit) = &version.published.audit { a href="#audit" { (verdict_chip(audit.verdict().as_str())) } }
            @if version.yanked { span.chip.yanked { "yanked" } }
            @if !version.published.signatures.is_empty() { span.chip { "signed" } }
            span.muted { (downloads) " installs · " (rating.count) " ratings" }
        }
        @if let Some(message) = &skill.deprecation { p.notice.error { "Deprecated: " (shown(message, 1024)) } }
        @if version.yanked { p.notice.error { "This version was yanked: installs choose another unless asked for it exactly." } }
        div.grid {
            div {
                section.readme aria-label="SKILL.md" {
                    @match &document.html {
                        Some(html) => { (trusted(html)) }
                        None => { pre.file { (skill_md) } }
                    }
                }
                h2 { "Files (" (files.len()) ")" }
                (file_list(&base, files))
                (audit_section(version))
                h2 { "Versions" }
                (versions_table(id, versions, v))
                h2 { "Ratings" }
                p { @match rating.average() { Some(a) => { (format!("{a:.1}")) "★ from " (rating.count) }, None => { "Not rated yet." } } }
                ul {
                    @for r in recent {
                        li { (stars(r)) " " (r.user.as_str()) @if let Some(text) = &r.review { ": " (shown(text, 2000)) } }
                    }
                }
                @if let Some(csrf) = &visitor.csrf {
                    form method="post" action={ "/" (id) "/-/rate" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="stars" { "Your rating " }
                        select id="stars" name="stars" { @for s in ["5", "4.5", "4", "3.5", "3", "2.5", "2", "1.5", "1"] { option value=(s) { (s) "★" } } }
                        " "
                        label for="review" { "Review " }
                        input id="review" type="text" name="review" maxlength="2000";
                        " " button type="submit" { "Rate" }
                    }
                }
            }
            aside {
                section.card aria-label="Install" {
                    h2 { "Install" }
                    p.muted { "Into every agent client on this machine:" }
                    (copy_line("install with skillreg", &format!("skillreg install {id}@{v}")))
                    details {
                        summary { "Into one client" }
                        @for client in CLIENTS {
                            (copy_line(&format!("install for {}", client.id()), &format!("skillreg install {id}@{v} --client {}", client.id())))
                        }
                    }
                    p { a.button href={ "/api/v1/skills/" (id) "/-/download?version=" (encode(&format!("={v}"))) } { "Download the archive" } }
                }
                section.card aria-label="Facts" {
                    dl.facts {
                        dt { "License" } dd { (meta.license.as_deref().unwrap_or("not stated")) }
                        @if let Some(c) = &document.compatibility { dt { "Needs" } dd { (shown(c, 500)) } }
                        dt { "Allowed tools" } dd { @if meta.allowed_tools.is_empty() { "none pre-approved" } @else { code { (meta.allowed_tools.join(" ")) } } }
                        @if !meta.tags.is_empty() { dt { "Tags" } dd { @for t in &meta.tags { a href={ "/search?tag=" (encode(t)) } { (t) } " " } } }
                        dt { "Namespace" } dd { a href={ "/-/namespaces/" (id.namespace()) } { (id.namespace()) } }
                        dt { "Created by" } dd { (skill.created_by.as_str()) }
                        dt { "Published" } dd { (date(version.published.published_at.unix_millis())) " by " (version.published.published_by.as_str()) }
                        dt { "Signatures" } dd {
                            @if version.published.signatures.is_empty() { "none" }
                            @for s in &version.published.signatures { code { (s.key_id) } " (verified at publish) " }
                        }
                        dt { "Archive" } dd { code { (version.published.archive_digest) } }
                        dt { "Content" } dd { code { (version.published.content_digest) } }
                    }
                }
                @if let Some(csrf) = &visitor.csrf {
                    section.card aria-label="Manage" {
                        h2 { "Manage" }
                        form method="post" action={ (base) "/-/yank" } {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="action" value=(if version.yanked { "unyank" } else { "yank" });
                            button.plain type="submit" { (if version.yanked { "Unyank " } else { "Yank " }) (v) }
                        }
                        form method="post" action={ "/" (id) "/-/deprecate" } {
                            input type="hidden" name="csrf" value=(csrf);
                            label for="message" { "Deprecation message (empty clears it)" } br;
                            input id="message" type="text" name="message" maxlength="1024" value=(skill.deprecation.as_deref().unwrap_or(""));
                            " " button.plain type="submit" { "Save" }
                        }
                    }
                }
            }
        }
    };
    let canonical = if target.version.is_some() {
        base
    } else {
        format!("/{id}")
    };
    page(
        StatusCode::OK,
        layout(visitor, &format!("{id} {v}"), &canonical, content),
    )
}

async fn file_page(state: &AppState, visitor: &Visitor, target: &Target, path: &str) -> Response {
    let found = match state
        .registry
        .version_files(visitor.actor(), &target.id, &request_of(target))
        .await
    {
        Ok(found) => found,
        Err(error) => return failed(visitor, error),
    };
    let Some(file) = found.files.get(path) else {
        return error_page(
            visitor,
            StatusCode::NOT_FOUND,
            &format!(
                "{} {} has no file `{}`",
                found.skill.id,
                found.version.version(),
                shown(path, 200)
            ),
        );
    };
    let id = &found.skill.id;
    let v = found.version.version();
    let content = html! {
        p { a href={ "/" (id) "@" (v) } { "← " (id) " " (v) } }
        h1 { code { (file.path().as_str()) } }
        p.muted { (file.contents().len()) " bytes" @if file.executable() { " · executable" } " · " code { (skillreg_core::Digest::of(file.contents())) } }
        @match std::str::from_utf8(file.contents()) {
            Ok(text) if text.len() <= MAX_SHOWN_FILE => { pre.file { code { (text) } } }
            Ok(_) => { p { "Too long to show here; download the archive to read it." } }
            Err(_) => { p { "Not text: shown as its size and digest only." } }
        }
    };
    page(
        StatusCode::OK,
        layout(
            visitor,
            &format!("{} · {id}", file.path().as_str()),
            &format!("/{id}@{v}/-/files/{path}"),
            content,
        ),
    )
}

#[derive(Debug, Deserialize)]
struct ChangeForm {
    csrf: String,
    stars: Option<f64>,
    review: Option<String>,
    action: Option<String>,
    message: Option<String>,
}

/// A form that changes the skill: rate, yank or unyank, deprecate.
async fn change(state: &AppState, visitor: &Visitor, target: &Target, body: &[u8]) -> Response {
    let Some(actor) = visitor.actor() else {
        return Redirect::to("/-/sign-in").into_response();
    };
    let Ok(form) = serde_urlencoded_form(body) else {
        return error_page(visitor, StatusCode::BAD_REQUEST, "that form does not read");
    };
    if !csrf_holds(visitor, &form.csrf) {
        return error_page(
            visitor,
            StatusCode::FORBIDDEN,
            "the form has expired; reload the page",
        );
    }
    let id = &target.id;
    let done = match target.sub.as_deref() {
        Some("rate") => {
            let Some(stars) = form.stars.and_then(|s| Stars::from_stars(s).ok()) else {
                return error_page(
                    visitor,
                    StatusCode::BAD_REQUEST,
                    "a rating is 1 to 5 stars in halves",
                );
            };
            let review = form.review.filter(|r| !r.trim().is_empty());
            state
                .registry
                .rate(actor, id, stars, review)
                .await
                .map(drop)
        }
        Some("yank") => {
            let Some(version) = &target.version else {
                return error_page(visitor, StatusCode::BAD_REQUEST, "yank names a version");
            };
            let yanked = form.action.as_deref() != Some("unyank");
            state
                .registry
                .set_yanked(actor, id, version, yanked)
                .await
                .map(drop)
        }
        _ => {
            let message = form.message.filter(|m| !m.trim().is_empty());
            state
                .registry
                .deprecate(actor, id, message.as_deref())
                .await
        }
    };
    match done {
        Ok(()) => {
            let back = match &target.version {
                Some(v) => format!("/{id}@{v}"),
                None => format!("/{id}"),
            };
            Redirect::to(&back).into_response()
        }
        Err(error) => failed(visitor, error),
    }
}

fn serde_urlencoded_form(body: &[u8]) -> Result<ChangeForm, serde_urlencoded::de::Error> {
    serde_urlencoded::from_bytes(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_a_skill_a_version_and_a_sub_page() {
        let t = target("/acme/tools/pdf@1.2.0/-/files/scripts/a%20b.sh").unwrap();
        assert_eq!(t.id.to_string(), "acme/tools/pdf");
        assert_eq!(t.version.unwrap().to_string(), "1.2.0");
        assert_eq!(t.sub.as_deref(), Some("files/scripts/a b.sh"));
        let t = target("/acme/pdf").unwrap();
        assert_eq!(
            (t.id.to_string(), t.version, t.sub),
            ("acme/pdf".to_owned(), None, None)
        );
        assert!(target("/acme/pdf@not-a-version").is_none());
        assert!(target("/acme/pdf/-/files/%zz").is_none());
    }
}
