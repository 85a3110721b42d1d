//! SKILL.md as a page shows it: CommonMark (with tables and strikethrough) rendered by
//! pulldown-cmark, then cleaned by ammonia to a small allow-list. Nothing from the document
//! can run or load: no scripts, event handlers, styles, forms, frames, SVG or images (an
//! image is shown as its alt text), links only to `http`, `https` and `mailto` (and
//! relative ones) with `rel="noopener noreferrer nofollow"`. Rendered documents are kept
//! by archive digest, since an archive never changes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use skillreg_core::Digest;

/// How many rendered documents the cache keeps.
const CACHED_DOCUMENTS: usize = 1024;

/// The largest document rendered as Markdown; a longer one is shown as text.
pub(crate) const MAX_RENDERED_BYTES: usize = 512 * 1024;

#[expect(
    clippy::disallowed_types,
    reason = "ammonia's builder takes HashSets; they are looked up, never iterated into output"
)]
fn cleaner() -> &'static ammonia::Builder<'static> {
    use std::collections::HashSet;
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "a",
            "abbr",
            "b",
            "blockquote",
            "br",
            "code",
            "dd",
            "del",
            "details",
            "div",
            "dl",
            "dt",
            "em",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "hr",
            "i",
            "kbd",
            "li",
            "ol",
            "p",
            "pre",
            "q",
            "s",
            "small",
            "span",
            "strong",
            "sub",
            "summary",
            "sup",
            "table",
            "tbody",
            "td",
            "tfoot",
            "th",
            "thead",
            "tr",
            "ul",
        ]
        .into_iter()
        .collect();
        let mut builder = ammonia::Builder::default();
        builder
            .tags(tags)
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .link_rel(Some("noopener noreferrer nofollow"))
            .strip_comments(true)
            .generic_attributes(HashSet::new())
            .tag_attributes(
                [
                    ("a", ["href", "title"].into_iter().collect()),
                    ("code", ["class"].into_iter().collect()),
                    ("td", ["align"].into_iter().collect()),
                    ("th", ["align"].into_iter().collect()),
                ]
                .into_iter()
                .collect(),
            );
        builder
    })
}

/// Renders Markdown to clean HTML.
pub(crate) fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    // Images become their alt text: a skill's page loads nothing from anywhere.
    let mut in_image = 0usize;
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Start(Tag::Image { .. }) => {
            in_image += 1;
            None
        }
        Event::End(TagEnd::Image) => {
            in_image = in_image.saturating_sub(1);
            None
        }
        other => Some(other),
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    cleaner().clean(&html).to_string()
}

/// The body of SKILL.md after its frontmatter.
pub(crate) fn body_of(skill_md: &str) -> &str {
    let text = skill_md.strip_prefix('\u{feff}').unwrap_or(skill_md);
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return text;
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        offset += line.len();
        if line.trim_end() == "---" {
            return &rest[offset..];
        }
    }
    text
}

/// What a skill's page shows of its SKILL.md, made once per archive.
#[derive(Debug)]
pub(crate) struct Document {
    /// The body rendered and cleaned; `None` when it is too long to render (it is shown as
    /// text then).
    pub(crate) html: Option<String>,
    /// The frontmatter's `compatibility`, if any.
    pub(crate) compatibility: Option<String>,
}

impl Document {
    pub(crate) fn of(skill_md: &str) -> Self {
        Document {
            html: (skill_md.len() <= MAX_RENDERED_BYTES).then(|| render(body_of(skill_md))),
            compatibility: skillreg_core::manifest::parse_skill_md(skill_md.as_bytes(), None)
                .ok()
                .and_then(|parsed| parsed.manifest.compatibility().map(str::to_owned)),
        }
    }
}

/// Rendered documents by the digest of the archive they came from.
#[derive(Debug, Default)]
pub(crate) struct Rendered {
    kept: Mutex<BTreeMap<Digest, Arc<Document>>>,
}

impl Rendered {
    /// The document of the SKILL.md of the archive `digest`, made by `make` once.
    pub(crate) fn get_or_render(
        &self,
        digest: &Digest,
        make: impl FnOnce() -> Document,
    ) -> Arc<Document> {
        if let Some(found) = self
            .kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(digest)
        {
            return Arc::clone(found);
        }
        let rendered = Arc::new(make());
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= CACHED_DOCUMENTS {
            kept.pop_first();
        }
        kept.insert(*digest, Arc::clone(&rendered));
        rendered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_in_a_document_can_run_or_load() {
        let hostile = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "[data](data:text/html,<script>alert(1)</script>)",
            "<svg><script>alert(1)</script></svg>",
            "<iframe src=https://evil.example></iframe>",
            "<form action=https://evil.example><input></form>",
            "<a href=\"https://x.example\" onclick=\"alert(1)\">x</a>",
            "![alt text](https://tracker.example/pixel.png)",
            "<style>body{display:none}</style>",
            "<div style=\"background:url(https://x.example)\">x</div>",
            "<object data=x></object><embed src=x>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        ];
        for text in hostile {
            let html = render(text).to_lowercase();
            for banned in [
                "<script",
                "onerror",
                "onclick",
                "javascript:",
                "data:",
                "<svg",
                "<iframe",
                "<form",
                "<img",
                "<style",
                "style=",
                "<object",
                "<embed",
                "tracker.example",
            ] {
                assert!(!html.contains(banned), "{text:?} rendered {html:?}");
            }
        }
        assert!(render("![alt text](https://x/p.png)").contains("alt text"));
        let link = render("[docs](https://docs.example/x)");
        assert!(link.contains("href=\"https://docs.example/x\""), "{link}");
        assert!(
            link.contains("rel=\"noopener noreferrer nofollow\""),
            "{link}"
        );
    }

    #[test]
    fn the_frontmatter_is_left_out() {
        assert_eq!(body_of("---\nname: x\n---\n# Hi\n"), "# Hi\n");
        assert_eq!(body_of("# No frontmatter\n"), "# No frontmatter\n");
    }
}
