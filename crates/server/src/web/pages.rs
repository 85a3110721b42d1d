//! The start page, search results and a namespace's page.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use skillreg_api::SearchParams;
use skillreg_core::Namespace;
use skillreg_core::model::{SearchHit, SearchPage, SearchSort};
use skillreg_core::usecases::SearchRequest;

use super::{Shared, Visitor, error_page, failed, layout, page, shown, verdict_chip};

/// The address this registry is reached at, as the request named it.
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// A line to copy: the text, and a copy button once the script runs.
pub(crate) fn copy_line(label: &str, text: &str) -> Markup {
    html! {
        div.install {
            code aria-label=(label) { (text) }
            button.plain type="button" data-copy=(text) aria-label={ "Copy: " (label) } { "Copy" }
        }
    }
}

/// Search hits as a list.
pub(crate) fn hit_list(hits: &[SearchHit]) -> Markup {
    html! {
        ul.hits {
            @for hit in hits {
                li {
                    a.id href={ "/" (hit.skill.id) } { (hit.skill.id) }
                    @if let Some(latest) = &hit.latest { " " span.muted { (latest) } }
                    " "
                    @if let Some(verdict) = hit.verdict { (verdict_chip(verdict.as_str())) }
                    @if hit.skill.deprecation.is_some() { span.chip.deprecated { "deprecated" } }
                    br;
                    span { (shown(&hit.description, 300)) }
                    br;
                    span.muted {
                        (hit.downloads) " installs · "
                        @match hit.rating.average() {
                            Some(average) => { (format!("{average:.1}")) "★ (" (hit.rating.count) ")" }
                            None => { "unrated" }
                        }
                        @for tag in hit.tags.iter().take(8) {
                            " · " a href={ "/search?tag=" (tag) } { (tag) }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /`: search, trending, newest, namespaces, and how to use the registry.
pub(crate) async fn home(
    State(state): State<Shared>,
    visitor: Visitor,
    headers: HeaderMap,
) -> Response {
    let reader = visitor.actor();
    let newest = state
        .registry
        .search(
            reader,
            SearchRequest {
                sort: SearchSort::Newest,
                limit: Some(10),
                ..SearchRequest::default()
            },
        )
        .await;
    let newest = match newest {
        Ok(page) => page,
        Err(error) => return failed(&visitor, error),
    };
    let trending = state
        .registry
        .trending(reader, 10)
        .await
        .unwrap_or_default();
    let popular = state
        .registry
        .search(
            reader,
            SearchRequest {
                sort: SearchSort::Downloads,
                limit: Some(100),
                ..SearchRequest::default()
            },
        )
        .await
        .map(|page| page.hits)
        .unwrap_or_default();
    let mut namespaces: Vec<String> = popular
        .iter()
        .map(|hit| {
            hit.skill
                .id
                .namespace()
                .segments()
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    namespaces.sort();
    namespaces.dedup();
    let origin = state.origin(&headers);
    let host = origin.split_once("://").map_or(origin.as_str(), |(_, h)| h);
    let content = html! {
        h1 { "Skills for your agents" }
        form.search role="search" action="/search" method="get" {
            input type="search" name="q" aria-label="Search skills" placeholder="pdf, git, brand…" data-suggest;
            button type="submit" { "Search" }
        }
        div.grid {
            div {
                h2 { "Newest" }
                @if newest.hits.is_empty() { p.muted { "No skills yet: " code { "skillreg publish ./my-skill" } " adds one." } }
                (hit_list(&newest.hits))
                p { a href="/search?sort=newest" { "All skills (" (newest.total) (if newest.total_exact { "" } else { "+" }) ")" } }
            }
            aside {
                section.card {
                    h2 { "Trending this week" }
                    @if trending.is_empty() { p.muted { "No installs this week." } }
                    ol {
                        @for entry in &trending {
                            li { a href={ "/" (entry.id) } { (entry.id) } " " span.muted { (entry.installs) " installs" } }
                        }
                    }
                }
                section.card {
                    h2 { "Namespaces" }
                    @if namespaces.is_empty() { p.muted { "None yet." } }
                    ul {
                        @for namespace in &namespaces {
                            li { a href={ "/-/namespaces/" (namespace) } { (namespace) } }
                        }
                    }
                }
                section.card {
                    h2 { "Use this registry" }
                    p { "With the " code { "skillreg" } " client:" }
                    (copy_line("add this registry", &format!("skillreg registry add {origin}")))
                    (copy_line("install a skill", "skillreg install <namespace>/<name>"))
                    p { "As OCI artifacts (skopeo, ORAS, ToolHive):" }
                    (copy_line("inspect with skopeo", &format!("skopeo inspect docker://{host}/<namespace>/<name>:<version>")))
                    p { "Package Registry Standard clients: " code { (origin) "/.well-known/cleverthis-packages" } }
                }
            }
        }
    };
    page(StatusCode::OK, layout(&visitor, "skillreg", "/", content))
}

fn query_string(params: &SearchParams, cursor: Option<&str>) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (key, value) in [
        ("q", &params.q),
        ("tag", &params.tag),
        ("namespace", &params.namespace),
        ("sort", &params.sort),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            pairs.push((key, value.to_owned()));
        }
    }
    if let Some(min) = params.min_rating {
        pairs.push(("min_rating", min.to_string()));
    }
    if let Some(cursor) = cursor {
        pairs.push(("cursor", cursor.to_owned()));
    }
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!("/search?{}", encoded.join("&"))
}

/// Percent-encodes a query value.
pub(crate) fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn search_results(params: &SearchParams, results: &SearchPage) -> Markup {
    let sort = params.sort.as_deref().unwrap_or("relevance");
    html! {
        form.filters method="get" action="/search" {
            label { "Words" input type="search" name="q" value=(params.q.as_deref().unwrap_or("")); }
            label { "Tags" input type="text" name="tag" value=(params.tag.as_deref().unwrap_or("")) placeholder="pdf,forms"; }
            label { "Namespace" input type="text" name="namespace" value=(params.namespace.as_deref().unwrap_or("")); }
            label { "Rated at least"
                select name="min_rating" {
                    option value="" { "any" }
                    @for stars in ["1", "2", "3", "4", "4.5"] {
                        option value=(stars) selected[params.min_rating.map(|m| m.to_string()).as_deref() == Some(stars)] { (stars) "★" }
                    }
                }
            }
            label { "Order"
                select name="sort" {
                    @for (value, label) in [("relevance", "best match"), ("downloads", "installs"), ("rating", "rating"), ("newest", "newest"), ("trending", "trending")] {
                        option value=(value) selected[sort == value] { (label) }
                    }
                }
            }
            button type="submit" { "Search" }
        }
        p.muted role="status" {
            (results.total) (if results.total_exact { "" } else { "+" })
            (if results.total == 1 { " skill" } else { " skills" })
        }
        (hit_list(&results.hits))
        nav.pages aria-label="Pages" {
            @if params.cursor.is_some() { a href=(query_string(params, None)) { "← First page" } }
            @if let Some(next) = &results.next_cursor { a rel="next" href=(query_string(params, Some(next))) { "Next page →" } }
        }
    }
}

/// `GET /search?q=&tag=&namespace=&min_rating=&sort=&cursor=`: the registry's search, the
/// query in the address (so it can be shared, and the back button works).
pub(crate) async fn search(
    State(state): State<Shared>,
    visitor: Visitor,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Response {
    let Ok(Query(mut params)) = params else {
        return error_page(
            &visitor,
            StatusCode::BAD_REQUEST,
            "that search does not read; check its filters",
        );
    };
    // An empty field of the form is no filter.
    for field in [
        &mut params.q,
        &mut params.tag,
        &mut params.namespace,
        &mut params.sort,
    ] {
        if field.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *field = None;
        }
    }
    params.limit = Some(20);
    let request = match crate::routes::skills::search_request(params.clone()) {
        Ok(request) => request,
        Err(error) => return error_page(&visitor, StatusCode::BAD_REQUEST, error.message()),
    };
    let results = match state.registry.search(visitor.actor(), request).await {
        Ok(results) => results,
        Err(error) => return failed(&visitor, error),
    };
    let title = params
        .q
        .as_deref()
        .map_or_else(|| "Search".to_owned(), |q| format!("“{}”", shown(q, 80)));
    let canonical = query_string(&params, params.cursor.as_deref());
    let content = html! {
        h1 { "Search" }
        (search_results(&params, &results))
    };
    page(
        StatusCode::OK,
        layout(&visitor, &title, &canonical, content),
    )
}

/// `GET /-/namespaces/<ns…>`: its skills and members.
pub(crate) async fn namespace(
    State(state): State<Shared>,
    visitor: Visitor,
    Path(path): Path<String>,
) -> Response {
    let Ok(namespace) = path.trim_end_matches('/').parse::<Namespace>() else {
        return error_page(&visitor, StatusCode::NOT_FOUND, "that is not a namespace");
    };
    let record = match state.registry.namespace(visitor.actor(), &namespace).await {
        Ok(record) => record,
        Err(error) => return failed(&visitor, error),
    };
    let skills = state
        .registry
        .search(
            visitor.actor(),
            SearchRequest {
                namespace: Some(namespace.clone()),
                sort: SearchSort::Downloads,
                limit: Some(50),
                ..SearchRequest::default()
            },
        )
        .await;
    let skills = match skills {
        Ok(page) => page,
        Err(error) => return failed(&visitor, error),
    };
    let content = html! {
        h1 { (record.namespace) }
        p.muted { (record.visibility.as_str()) " namespace · created " (super::date(record.created_at.unix_millis())) }
        div.grid {
            div {
                h2 { "Skills (" (skills.total) ")" }
                (hit_list(&skills.hits))
                @if skills.next_cursor.is_some() {
                    p { a href={ "/search?sort=downloads&namespace=" (encode(namespace.as_str())) } { "All of them" } }
                }
            }
            aside.card {
                h2 { "Members" }
                ul {
                    @for (user, role) in &record.members {
                        li { (user.as_str()) " " span.muted { (format!("{role:?}").to_lowercase()) } }
                    }
                }
            }
        }
    };
    let canonical = format!("/-/namespaces/{}", record.namespace);
    page(
        StatusCode::OK,
        layout(&visitor, record.namespace.as_str(), &canonical, content),
    )
}
