//! The shapes of search: a query as the store receives it, its hits and pages, and the
//! cursor that pages through them.

use crate::identity::Namespace;
use crate::version::Version;

use super::{RatingSummary, SkillRecord, Stars, Timestamp};

/// How search orders its hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchSort {
    /// Best text match first (ties: more downloads, then id).
    #[default]
    Relevance,
    /// Most downloads first.
    Downloads,
    /// Highest average rating first.
    Rating,
    /// Most recently updated first.
    Newest,
    /// Most installs in the trending window first.
    Trending,
}

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageStart {
    /// Skip this many hits.
    Offset(u64),
    /// Continue after the hit a previous page's [`SearchPage::next_cursor`] named.
    Cursor(String),
}

/// A search request as the store receives it (validated by [`crate::usecases::Registry::search`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// Free text over name, description and tags; `None` lists everything.
    pub text: Option<String>,
    /// Every one of these tags must be present.
    pub tags: Vec<String>,
    /// Only skills in this namespace or under it.
    pub namespace: Option<Namespace>,
    /// Only skills whose average is at least this.
    pub min_rating: Option<Stars>,
    /// Order.
    pub sort: SearchSort,
    /// Start of the page.
    pub start: PageStart,
    /// Most hits on a page.
    pub limit: u32,
    /// Start of the trending window (installs after this count).
    pub trending_since: Timestamp,
    /// Namespaces whose skills the searcher may not see: left out of the hits and the
    /// count.
    pub hidden: Vec<Namespace>,
}

impl SearchQuery {
    /// Whether the query narrows skills by anything besides its text: tags, a namespace,
    /// a minimum rating or namespaces hidden from the searcher.
    pub fn has_filters(&self) -> bool {
        self.namespace.is_some()
            || !self.tags.is_empty()
            || self.min_rating.is_some()
            || !self.hidden.is_empty()
    }
}

/// One skill in a search result.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The skill.
    pub skill: SkillRecord,
    /// Its latest non-yanked version (stable first), if any.
    pub latest: Option<Version>,
    /// That version's description.
    pub description: String,
    /// That version's tags.
    pub tags: Vec<String>,
    /// That version's audit verdict (`None`: not audited).
    pub verdict: Option<crate::audit::Verdict>,
    /// All-time downloads.
    pub downloads: u64,
    /// Downloads in the trending window.
    pub recent_downloads: u64,
    /// Ratings.
    pub rating: RatingSummary,
    /// When the last version was published.
    pub updated_at: Timestamp,
}

/// Hits counted for [`SearchPage::total`]: counting every match of a broad query would
/// cost in proportion to the registry's size, so a count stops here (as large registries'
/// searches do: "1000+ results").
pub const MAX_COUNTED_HITS: u64 = 1000;

/// One page of search results.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    /// The hits, in order.
    pub hits: Vec<SearchHit>,
    /// How many hits the query has, counted up to [`MAX_COUNTED_HITS`].
    pub total: u64,
    /// Whether `total` is the whole count (false: there are more than
    /// [`MAX_COUNTED_HITS`]).
    pub total_exact: bool,
    /// Where the next page starts, if there is one.
    pub next_cursor: Option<String>,
}

/// The position a search cursor encodes: only skills recorded at or before `snapshot` (a
/// store's own insertion sequence) are paged through, so skills published while a client
/// pages never shift the pages; `offset` is how many of those hits came before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchCursor {
    /// The store's skill sequence number when the first page was read.
    pub snapshot: i64,
    /// Hits already returned.
    pub offset: u64,
}

impl SearchCursor {
    /// The opaque text form (`c1-<snapshot>-<offset>`, hex).
    pub fn encode(&self) -> String {
        format!("c1-{:x}-{:x}", self.snapshot, self.offset)
    }

    /// Reads a cursor made by [`SearchCursor::encode`]; anything else is `None`.
    pub fn decode(text: &str) -> Option<Self> {
        let rest = text.strip_prefix("c1-")?;
        let (snapshot, offset) = rest.split_once('-')?;
        let snapshot = i64::from_str_radix(snapshot, 16).ok().filter(|s| *s >= 0)?;
        let offset = u64::from_str_radix(offset, 16).ok()?;
        Some(SearchCursor { snapshot, offset })
    }
}
