//! The pages, through the router in process: what they show, what they keep from readers
//! who may not see, what hostile text becomes, and sessions with their CSRF tokens. (The
//! same pages in a real browser: `crates/cli/tests/web.rs`.)

use axum::http::HeaderMap;

use super::*;

/// A page: its status, headers and text; with a cookie and a form body when given.
async fn visit(
    s: &TestServer,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> (StatusCode, HeaderMap, String) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if form.is_some() {
        request = request.header("content-type", "application/x-www-form-urlencoded");
    }
    let body = form.map_or_else(Body::empty, |f| Body::from(f.to_owned()));
    let (status, body, headers) = call(&s.app, request.body(body).unwrap()).await;
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

async fn publish_archive(s: &TestServer, namespace: &str, archive: Vec<u8>) {
    let uri = format!("/api/v1/skills?namespace={namespace}&version=1.0.0");
    let (status, body) = publish(&s.app, Some(&s.token), &uri, archive).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// The only scripts a page loads: its own asset.
fn scripts(html: &str) -> Vec<String> {
    html.match_indices("<script")
        .map(|(at, _)| html[at..].chars().take(60).collect())
        .collect()
}

/// Home, search, a skill, one of its files, a namespace, an asset and a 404: HTML with
/// the pages' headers, the registry's content in them.
pub(crate) async fn the_pages_show_the_registry(s: TestServer) {
    for name in FIXTURE_SKILLS {
        publish_archive(
            &s,
            "anthropic",
            pack(&load_fixture(name)).unwrap().into_bytes(),
        )
        .await;
    }
    let (status, headers, home) = visit(&s, "GET", "/", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(home.contains("anthropic/brand-guidelines"), "{home}");
    assert!(home.contains("<title>skillreg · skillreg</title>") || home.contains("<title>"));

    let (status, _, results) = visit(&s, "GET", "/search?q=brand&sort=relevance", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        results.contains("href=\"/anthropic/brand-guidelines\""),
        "{results}"
    );
    assert!(results.contains("1 skill"), "{results}");

    let (status, _, skill) = visit(&s, "GET", "/anthropic/brand-guidelines", None, None).await;
    assert_eq!(status, StatusCode::OK, "{skill}");
    for shown in [
        "<h1>anthropic/brand-guidelines",
        "SKILL.md",
        "skillreg install anthropic/brand-guidelines@1.0.0 --client claude-code",
        "/api/v1/skills/anthropic/brand-guidelines/-/download?version=%3D1.0.0",
        "audit: ",
        "rel=\"canonical\" href=\"/anthropic/brand-guidelines\"",
    ] {
        assert!(skill.contains(shown), "{shown} is not on the page");
    }
    assert_eq!(scripts(&skill).len(), 1, "{:?}", scripts(&skill));

    // The page's download link saves the archive; a browser reads nothing in it.
    let (status, headers, _) = visit(
        &s,
        "GET",
        "/api/v1/skills/anthropic/brand-guidelines/-/download?version=%3D1.0.0",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"brand-guidelines-1.0.0.tar.gz\""
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");

    let (status, _, file) = visit(
        &s,
        "GET",
        "/anthropic/brand-guidelines@1.0.0/-/files/SKILL.md",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(file.contains("name: brand-guidelines"), "{file}");

    let (status, _, namespace) = visit(&s, "GET", "/-/namespaces/anthropic", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(namespace.contains("alice"), "its owner: {namespace}");

    let style = home
        .split("href=\"")
        .find(|part| part.starts_with("/-/assets/style."))
        .and_then(|part| part.split('"').next())
        .unwrap()
        .to_owned();
    let (status, headers, css) = visit(&s, "GET", &style, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(css.contains("prefers-color-scheme: dark"));

    let (status, headers, missing) = visit(&s, "GET", "/anthropic/nothing", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(missing.contains("Not found"), "{missing}");
}

/// A skill in a private namespace: its page, its files and its namespace's page answer an
/// outsider exactly as for a skill that does not exist.
pub(crate) async fn a_hidden_skill_s_page_is_a_missing_one(s: TestServer) {
    let body = json_bytes(serde_json::json!({ "namespace": "vault", "visibility": "private" }));
    let (status, answer) = send(&s.app, "POST", "/api/v1/namespaces", &s.token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    publish_archive(&s, "vault", archive_named("secret", "Hidden", &[])).await;
    for (hidden, missing) in [
        ("/vault/secret", "/vault/nothing"),
        (
            "/vault/secret@1.0.0/-/files/SKILL.md",
            "/vault/nothing@1.0.0/-/files/SKILL.md",
        ),
    ] {
        let (h_status, _, h_page) = visit(&s, "GET", hidden, None, None).await;
        let (m_status, _, m_page) = visit(&s, "GET", missing, None, None).await;
        assert_eq!(h_status, m_status, "{hidden}");
        assert_eq!(
            h_page.replace("vault/secret", "vault/nothing"),
            m_page,
            "{hidden}"
        );
        assert!(!h_page.contains("Hidden"));
    }
    let (status, _, page) = visit(&s, "GET", "/", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("vault"), "{page}");
}

/// A hostile SKILL.md: nothing from it runs, loads or escapes into the page.
pub(crate) async fn a_hostile_skill_s_page_runs_nothing(s: TestServer) {
    let hostile = skillreg_testkit::fixtures::hostile_skill_md();
    let files = skillreg_core::bundle::FileSet::new(
        [skillreg_core::bundle::BundleFile::new(
            "SKILL.md".parse().unwrap(),
            hostile.into_bytes(),
            false,
        )],
        &skillreg_core::bundle::BundleLimits::default(),
    )
    .unwrap();
    publish_archive(&s, "acme", pack(&files).unwrap().into_bytes()).await;
    let (status, _, page) = visit(&s, "GET", "/acme/hostile", None, None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        scripts(&page).len(),
        1,
        "only the page's own script: {:?}",
        scripts(&page)
    );
    // Escaped text may say anything; no tag may carry it.
    let lower = page.to_lowercase();
    let tags: Vec<&str> = lower
        .split('<')
        .skip(1)
        .filter_map(|rest| rest.split('>').next())
        .collect();
    for banned in [
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "data:",
        "iframe",
        "svg",
        "img",
        " style=",
        "form action",
    ] {
        assert!(
            !tags.iter().any(|tag| tag.contains(banned)),
            "{banned} reached a tag: {:?}",
            tags.iter().find(|tag| tag.contains(banned))
        );
    }
    assert!(
        !tags.iter().any(|tag| tag.starts_with("style")),
        "a style element"
    );
    // Another host appears only as a link to follow, never as something loaded.
    for tag in tags.iter().filter(|tag| tag.contains("evil.example")) {
        assert!(tag.starts_with("a href=\"https://evil.example"), "{tag}");
    }
    assert!(
        page.contains("line 4999"),
        "a long document still renders whole"
    );
}

fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn cookie_value(set: &[String], name: &str) -> String {
    set.iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_owned()
}

fn csrf_in(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    page[at..].split('"').next().unwrap().to_owned()
}

/// Signing in makes a session (an HttpOnly cookie); its forms need its CSRF token; a bad
/// token or an expired form is refused; signing out ends the session server-side.
pub(crate) async fn sessions_sign_in_change_and_sign_out(s: TestServer) {
    publish_archive(&s, "acme", archive_named("pdf", "PDF forms", &[])).await;
    let (status, headers, form) = visit(&s, "GET", "/-/sign-in", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let set = set_cookies(&headers);
    let form_cookie = format!(
        "skillreg_sign_in={}",
        cookie_value(&set, "skillreg_sign_in")
    );
    let csrf = csrf_in(&form);
    assert!(
        set[0].contains("HttpOnly") && set[0].contains("SameSite=Strict"),
        "{set:?}"
    );

    let sign_in = |token: &str, csrf: &str| format!("token={token}&csrf={csrf}");
    let (status, _, _) = visit(
        &s,
        "POST",
        "/-/sign-in",
        Some(&form_cookie),
        Some(&sign_in(&s.token, "forged")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a form from elsewhere");
    let (status, _, page) = visit(
        &s,
        "POST",
        "/-/sign-in",
        Some(&form_cookie),
        Some(&sign_in(
            "skr_0000000000000000000000000000000000000000000000000000000000000000",
            &csrf,
        )),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
    assert!(page.contains("not valid"));
    let (status, headers, _) = visit(
        &s,
        "POST",
        "/-/sign-in",
        Some(&form_cookie),
        Some(&sign_in(&s.token, &csrf)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let set = set_cookies(&headers);
    let session = set
        .iter()
        .find(|c| c.starts_with("skillreg_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    let cookie = format!(
        "skillreg_session={}",
        cookie_value(&set, "skillreg_session")
    );
    assert_ne!(
        cookie_value(&set, "skillreg_session"),
        s.token,
        "a session token of its own"
    );

    let (_, _, page) = visit(&s, "GET", "/acme/pdf", Some(&cookie), None).await;
    assert!(
        page.contains("Sign out") && page.contains(">alice<"),
        "{page}"
    );
    let csrf = csrf_in(&page);
    let (status, _, _) = visit(
        &s,
        "POST",
        "/acme/pdf/-/rate",
        Some(&cookie),
        Some("stars=4&csrf=nope"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The session has its token's rights and no more: alice's token cannot rate.
    let (status, _, page) = visit(
        &s,
        "POST",
        "/acme/pdf/-/rate",
        Some(&cookie),
        Some(&format!("stars=4.5&review=handy&csrf={csrf}")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("`rate` scope"), "{page}");
    let (status, _, _) = visit(
        &s,
        "POST",
        "/acme/pdf@1.0.0/-/yank",
        Some(&cookie),
        Some(&format!("action=yank&csrf={csrf}")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = visit(&s, "GET", "/acme/pdf@1.0.0", Some(&cookie), None).await;
    assert!(page.contains("This version was yanked"), "{page}");
    // An anonymous form post changes nothing.
    let (status, _, _) = visit(&s, "POST", "/acme/pdf/-/rate", None, Some("stars=1&csrf=x")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "sent to sign in");

    let (status, headers, _) = visit(
        &s,
        "POST",
        "/-/sign-out",
        Some(&cookie),
        Some(&format!("csrf={csrf}")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        set_cookies(&headers)
            .iter()
            .any(|c| c.contains("Max-Age=0"))
    );
    // The old cookie is no session any more: an anonymous page, and the cookie cleared.
    let (status, headers, page) = visit(&s, "GET", "/acme/pdf@1.0.0", Some(&cookie), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Sign in") && !page.contains("Sign out"));
    assert!(
        set_cookies(&headers)
            .iter()
            .any(|c| c.contains("Max-Age=0"))
    );
    let actions: Vec<String> = s
        .store
        .audit_log(20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"session.start".to_owned())
            && actions.contains(&"session.end".to_owned()),
        "{actions:?}"
    );
}

/// Clients that reach the registry over HTTPS get Secure cookies.
pub(crate) async fn cookies_are_secure_behind_https(s: TestServer) {
    let app = router(
        s.state
            .clone()
            .with_public_url("https://skills.example.com"),
    );
    let (_, _, headers) = call(
        &app,
        Request::get("/-/sign-in").body(Body::empty()).unwrap(),
    )
    .await;
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}
