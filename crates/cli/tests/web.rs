//! The pages in a real browser: Debian's Chromium, driven through chromedriver (WebDriver)
//! with fantoccini, against a real `skillreg serve` holding the fixture skills. A person's
//! visit (search, open a skill, page through results, the back button, sign in, rate, yank
//! and unyank, sign out), the same with JavaScript off, a hostile skill's page (no dialog,
//! nothing loaded from another host), axe-core's accessibility rules on the main pages,
//! and screenshots at a phone's and a desktop's width, light and dark, written to
//! `target/screenshots`.
//!
//! `scripts/test` installs what this needs and names it: SKILLREG_CHROMIUM,
//! SKILLREG_CHROMEDRIVER, SKILLREG_AXE. A missing tool fails the test with that message.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods,
    reason = "in tests an unwrap or a panic is an assertion; the tools' paths come from the environment"
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use skillreg_testkit::process::Server;

fn tool(variable: &str, fallback: &str) -> PathBuf {
    let path = std::env::var_os(variable).map_or_else(|| PathBuf::from(fallback), PathBuf::from);
    assert!(
        path.is_file(),
        "{} is missing: set {variable}, or run scripts/test, which installs it ({})",
        path.display(),
        "Debian's chromium and chromium-driver, axe-core from npm"
    );
    path
}

fn serve() -> Server {
    Server::start(Path::new(env!("CARGO_BIN_EXE_skillreg")), &[])
}

/// A running chromedriver.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver() -> Driver {
    let binary = tool("SKILLREG_CHROMEDRIVER", "/usr/bin/chromedriver");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Driver {
        child: Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return driver;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("chromedriver did not start on port {port}");
}

/// A fresh headless Chromium; `javascript: false` turns scripts off, `dark` asks for the
/// dark colour scheme.
async fn browser(driver: &Driver, javascript: bool, dark: bool) -> Client {
    let chromium = tool("SKILLREG_CHROMIUM", "/usr/bin/chromium");
    let mut args = vec![
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ];
    if dark {
        args.push("--force-dark-mode");
    }
    let mut options = json!({ "binary": chromium, "args": args });
    if !javascript {
        options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("chromium starts under chromedriver")
}

/// The text of the first element `css` finds, once the page shows one (a page still
/// loading after a click is waited for).
async fn text_of(client: &Client, css: &str) -> String {
    for _ in 0..50 {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
        {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {css} on {}", path_of(client).await)
}

/// Waits until the text of what `css` finds satisfies `wanted` (the page a click or a
/// submit leads to may still be loading); fails after five seconds.
async fn until(client: &Client, css: &str, wanted: impl Fn(&str) -> bool) {
    let mut last = String::new();
    for _ in 0..50 {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
        {
            if wanted(&text) {
                return;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{css} never showed what was expected on {}: {last}",
        path_of(client).await
    );
}

/// Clicks what `locator` finds.
async fn click(client: &Client, locator: Locator<'_>) {
    client
        .find(locator)
        .await
        .unwrap_or_else(|e| panic!("{locator:?}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Waits until the browser shows `expected` (a path with its query).
async fn arrive(client: &Client, expected: &str) {
    for _ in 0..50 {
        if path_of(client).await == expected
            && client
                .execute("return document.readyState", Vec::new())
                .await
                .is_ok_and(|state| state == "complete")
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(path_of(client).await, expected);
}

async fn path_of(client: &Client) -> String {
    let url = client.current_url().await.unwrap();
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Writes a skill folder `name` with a description.
fn skill_folder(root: &Path, name: &str, description: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        format!("---\nname: {name}\ndescription: {description}\n---\n# {name}\n\nUse it well.\n"),
    )
    .unwrap();
    dir
}

/// The registry the visits see: the fixture skills, 24 small ones (two pages of search),
/// and a reader who may rate and yank.
fn registry() -> (Server, String) {
    let server = serve();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/skills");
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        server.publish(&entry.unwrap().path(), "anthropic");
    }
    let folders = tempfile::tempdir().unwrap();
    for i in 0..24 {
        let folder = skill_folder(
            folders.path(),
            &format!("tool-{i:02}"),
            &format!("Tool number {i}"),
        );
        server.publish(&folder, "acme");
    }
    let created = server.cli(
        &[
            "--json", "token", "create", "browser", "--scope", "read", "--scope", "rate",
            "--scope", "yank", "--scope", "tokens",
        ],
        &[],
    );
    let token: serde_json::Value = serde_json::from_str(&created).unwrap();
    (server, token["token"].as_str().unwrap().to_owned())
}

/// Search, open, page, go back; sign in, rate, yank and unyank, sign out.
async fn a_visit(client: &Client, server: &Server, token: &str) {
    client.goto(&server.url).await.unwrap();
    assert_eq!(client.title().await.unwrap(), "skillreg · skillreg");
    let search = client
        .find(Locator::Css("main input[name=q]"))
        .await
        .unwrap();
    search.send_keys("brand").await.unwrap();
    click(client, Locator::Css("main form.search button")).await;
    arrive(client, "/search?q=brand").await;
    click(client, Locator::LinkText("anthropic/brand-guidelines")).await;
    arrive(client, "/anthropic/brand-guidelines").await;
    assert!(
        text_of(client, "h1")
            .await
            .starts_with("anthropic/brand-guidelines")
    );
    assert!(
        text_of(client, "section.readme")
            .await
            .contains("Anthropic Brand Styling")
    );
    client.back().await.unwrap();
    arrive(client, "/search?q=brand").await;
    client.forward().await.unwrap();
    arrive(client, "/anthropic/brand-guidelines").await;

    // Two pages of the newest skills, and back to the first.
    client
        .goto(&format!("{}/search?sort=newest", server.url))
        .await
        .unwrap();
    let first = text_of(client, "ul.hits").await;
    assert!(
        text_of(client, "[role=status]")
            .await
            .starts_with("28 skills")
    );
    click(client, Locator::Css("a[rel=next]")).await;
    until(client, "ul.hits", |t| t != first).await;
    assert!(path_of(client).await.contains("cursor="));
    client.back().await.unwrap();
    until(client, "ul.hits", |t| t == first).await;

    // Signed in: rate, yank and unyank, sign out.
    client
        .goto(&format!("{}/-/sign-in", server.url))
        .await
        .unwrap();
    client
        .find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(token)
        .await
        .unwrap();
    click(client, Locator::Css("main button[type=submit]")).await;
    arrive(client, "/").await;
    assert!(text_of(client, "header.top").await.contains("admin"));
    client
        .goto(&format!("{}/acme/tool-03", server.url))
        .await
        .unwrap();
    let rating = client
        .form(Locator::Css("form[action$='/-/rate']"))
        .await
        .unwrap();
    rating.set_by_name("stars", "4").await.unwrap();
    rating
        .set_by_name("review", "does what it says")
        .await
        .unwrap();
    rating.submit().await.unwrap();
    until(client, "main", |t| {
        t.contains("4.0★ admin: does what it says")
    })
    .await;
    click(client, Locator::Css("form[action$='/-/yank'] button")).await;
    until(client, "main", |t| t.contains("This version was yanked")).await;
    click(client, Locator::Css("form[action$='/-/yank'] button")).await;
    until(client, "main", |t| !t.contains("This version was yanked")).await;
    click(client, Locator::Css("form[action='/-/sign-out'] button")).await;
    arrive(client, "/").await;
    assert!(text_of(client, "header.top").await.contains("Sign in"));
}

/// The pages' accessibility by axe-core: no serious or critical violation.
async fn accessible(client: &Client, url: &str) {
    let axe = std::fs::read_to_string(tool(
        "SKILLREG_AXE",
        "target/web-tools/node_modules/axe-core/axe.min.js",
    ))
    .unwrap();
    client.goto(url).await.unwrap();
    client.execute(&axe, Vec::new()).await.unwrap();
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, { resultTypes: ['violations'] })\
               .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\
               .map(v => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html) }))))\
               .catch(e => done([{ id: 'axe failed', help: String(e) }]));",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(result, json!([]), "{url}");
}

fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshots(client: &Client, server: &Server, scheme: &str) {
    for (width, height) in [(390, 844), (1280, 900)] {
        client.set_window_size(width, height).await.unwrap();
        for (name, path) in [
            ("home", "/"),
            ("search", "/search?q=design"),
            ("skill", "/anthropic/frontend-design"),
        ] {
            client.goto(&format!("{}{path}", server.url)).await.unwrap();
            let png = client.screenshot().await.unwrap();
            assert!(png.starts_with(b"\x89PNG"));
            std::fs::write(
                screenshots_dir().join(format!("{name}-{width}-{scheme}.png")),
                png,
            )
            .unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_uses_the_pages_in_a_browser() {
    let (server, token) = registry();
    let driver = chromedriver();
    let client = browser(&driver, true, false).await;
    a_visit(&client, &server, &token).await;
    for path in [
        "/",
        "/search?q=design",
        "/anthropic/frontend-design",
        "/-/sign-in",
    ] {
        accessible(&client, &format!("{}{path}", server.url)).await;
    }
    screenshots(&client, &server, "light").await;
    client.close().await.unwrap();

    let dark = browser(&driver, true, true).await;
    accessible(&dark, &format!("{}/anthropic/frontend-design", server.url)).await;
    screenshots(&dark, &server, "dark").await;
    dark.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_work_without_javascript() {
    let (server, token) = registry();
    let driver = chromedriver();
    let client = browser(&driver, false, false).await;
    client.goto(&server.url).await.unwrap();
    let classes = client
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap();
    assert_eq!(classes, None, "the script did not run");
    a_visit(&client, &server, &token).await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_skill_s_page_runs_and_loads_nothing() {
    let server = serve();
    let folders = tempfile::tempdir().unwrap();
    let dir = folders.path().join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("SKILL.md"),
        skillreg_testkit::fixtures::hostile_skill_md(),
    )
    .unwrap();
    server.publish(&dir, "acme");
    let driver = chromedriver();
    let client = browser(&driver, true, false).await;
    client
        .goto(&format!("{}/acme/hostile", server.url))
        .await
        .unwrap();
    // A script that ran would have opened a dialog.
    assert!(client.get_alert_text().await.is_err(), "a dialog opened");
    assert!(
        text_of(&client, "section.readme")
            .await
            .contains("line 5000")
    );
    // Everything the page loaded came from the registry.
    let loaded = client
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name)",
            Vec::new(),
        )
        .await
        .unwrap();
    for name in loaded.as_array().unwrap() {
        assert!(
            name.as_str().unwrap().starts_with(&server.url),
            "loaded from elsewhere: {name}"
        );
    }
    // Links to another host are plain links, and `javascript:` ones are gone.
    let hrefs = client
        .execute(
            "return [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))",
            Vec::new(),
        )
        .await
        .unwrap();
    for href in hrefs.as_array().unwrap() {
        let href = href.as_str().unwrap().to_lowercase();
        assert!(
            !href.starts_with("javascript:") && !href.starts_with("data:"),
            "{href}"
        );
    }
    client.close().await.unwrap();
}
