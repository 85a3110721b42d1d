//! Relevance ranking from sets of matching rows: what a store computes when its text index
//! can list, for each query term and each field, the rows whose field holds a word starting
//! with the term. The rule is the one every store follows (the in-memory store's too): a
//! skill matches when every term is found in some field; its score is 1000 for a name equal
//! to the query, plus, for each term, 100 if the name holds it, 10 if the tags do and 1 if
//! the description does. Ties go to the most downloaded, then to the lowest id.

use std::collections::BTreeMap;
#[expect(
    clippy::disallowed_types,
    reason = "scores by row are looked up, never iterated into output: rows are regrouped by score and sorted"
)]
use std::collections::HashMap;

use skillreg_core::ports::StoreError;

use super::{folded_query, query_terms};

/// What a term found in each field adds to a score, in the order name, tags, description.
pub(crate) const FIELD_WEIGHTS: [u32; 3] = [100, 10, 1];

/// What a name equal to the whole query adds.
pub(crate) const EXACT_NAME: u32 = 1000;

/// The rows matching a query, grouped by score, best group first; rows within a group are
/// in ascending order.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Ranked {
    pub(crate) groups: Vec<Vec<i64>>,
}

impl Ranked {
    /// Scores the rows of `fields` (for each term, the rows holding it in the name, tags
    /// and description) and `exact` (rows whose name equals the query), keeping rows at or
    /// below `bound`.
    pub(crate) fn score(fields: &[[Vec<i64>; 3]], exact: &[i64], bound: Option<i64>) -> Self {
        let Some((first, rest)) = fields.split_first() else {
            return Self::default();
        };
        let mut scores = term_scores(first);
        for term in rest {
            let found = term_scores(term);
            scores.retain(|row, score| match found.get(row) {
                Some(more) => {
                    *score += more;
                    true
                }
                None => false,
            });
        }
        if let Some(bound) = bound {
            scores.retain(|row, _| *row <= bound);
        }
        for row in exact {
            if let Some(score) = scores.get_mut(row) {
                *score += EXACT_NAME;
            }
        }
        Self::from_scores(scores)
    }

    /// Groups rows already scored.
    pub(crate) fn from_scores(scores: impl IntoIterator<Item = (i64, u32)>) -> Self {
        let mut by_score: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
        for (row, score) in scores {
            by_score.entry(score).or_default().push(row);
        }
        Self {
            groups: by_score
                .into_values()
                .rev()
                .map(|mut rows| {
                    rows.sort_unstable();
                    rows
                })
                .collect(),
        }
    }

    /// How many rows match.
    pub(crate) fn len(&self) -> usize {
        self.groups.iter().map(Vec::len).sum()
    }
}

/// The score of one skill's fields for `terms`, by the same rule as the lists: a field
/// holds a term when one of its words (as [`query_terms`] splits and folds them) starts
/// with it.
pub(crate) fn fields_score(terms: &[String], exact: bool, fields: [&str; 3]) -> u32 {
    let mut score = if exact { EXACT_NAME } else { 0 };
    for (field, weight) in fields.iter().zip(FIELD_WEIGHTS) {
        let words = query_terms(field);
        for term in terms {
            if words.iter().any(|word| word.starts_with(term.as_str())) {
                score += weight;
            }
        }
    }
    score
}

/// Longest word an index keeps, in bytes: longer words are cut (at a character boundary)
/// to this, and so are query terms looked up in that index, so a prefix still finds them.
pub(crate) const MAX_WORD: usize = 200;

/// `word` cut to at most [`MAX_WORD`] bytes.
pub(crate) fn indexed_word(word: &str) -> &str {
    let mut end = word.len().min(MAX_WORD);
    while !word.is_char_boundary(end) {
        end -= 1;
    }
    &word[..end]
}

/// The words of a skill's fields (name, tags, description) as an index keeps them: each
/// distinct word once, with the fields holding it as bits (bit 0 name, bit 1 tags, bit 2
/// description), in word order.
pub(crate) fn field_words(fields: [&str; 3]) -> Vec<(String, i16)> {
    let mut words: BTreeMap<String, i16> = BTreeMap::new();
    for (bit, field) in fields.iter().enumerate() {
        for word in query_terms(field) {
            *words.entry(indexed_word(&word).to_owned()).or_insert(0) |= 1 << bit;
        }
    }
    words.into_iter().collect()
}

/// One term's rows for each field (what [`Ranked::score`] takes), from `(row, fields)`
/// pairs as [`field_words`] marks them; a row may come once per word the term starts.
pub(crate) fn lists_from_fields(mut pairs: Vec<(i64, i16)>) -> [Vec<i64>; 3] {
    pairs.sort_unstable_by_key(|(row, _)| *row);
    let mut lists: [Vec<i64>; 3] = Default::default();
    let mut pairs = pairs.into_iter().peekable();
    while let Some((row, mut fields)) = pairs.next() {
        while let Some((_, more)) = pairs.next_if(|(next, _)| *next == row) {
            fields |= more;
        }
        for (bit, list) in lists.iter_mut().enumerate() {
            if fields & (1 << bit) != 0 {
                list.push(row);
            }
        }
    }
    lists
}

/// The least string above every string starting with `prefix` (its last character
/// stepped up), for reading a prefix as a key range; `None` when there is none.
pub(crate) fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Up to how many matches of an unfiltered search are scored from their fields rather
/// than from each term's lists: reading a match's fields costs about as much as listing it
/// for each field, and the lists of a term found everywhere cost more than the few
/// matches of several terms together.
pub(crate) const FIELDS_LIMIT: usize = 1000;

/// What a search selects to score matches from their fields: [`FieldRow`]s.
pub(crate) const FIELD_COLUMNS: &str =
    "SELECT s.seq, s.name, s.tags, s.description, s.name_key FROM skills s";

/// A match's row number, name, tags, description and name key.
pub(crate) type FieldRow = (i64, String, String, String, String);

/// Ranks matches read with [`FIELD_COLUMNS`] by [`fields_score`]; `text` is the query.
pub(crate) fn rank_fields(text: &str, terms: &[String], rows: &[FieldRow]) -> Ranked {
    let exact = folded_query(text);
    Ranked::from_scores(rows.iter().map(|(seq, name, tags, description, name_key)| {
        let fields = [name.as_str(), tags.as_str(), description.as_str()];
        (*seq, fields_score(terms, *name_key == exact, fields))
    }))
}

/// One term's score for each row holding it somewhere.
#[expect(clippy::disallowed_types, reason = "a lookup table, see the import")]
fn term_scores(fields: &[Vec<i64>; 3]) -> HashMap<i64, u32> {
    let mut scores = HashMap::new();
    for (rows, weight) in fields.iter().zip(FIELD_WEIGHTS) {
        for row in rows {
            *scores.entry(*row).or_insert(0) += weight;
        }
    }
    scores
}

/// Reads a comma-separated list of row numbers (what `group_concat` or `string_agg`
/// returns; `None` for no rows).
pub(crate) fn parse_rows(text: Option<&str>) -> Result<Vec<i64>, StoreError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(Vec::new());
    };
    text.split(',')
        .map(|n| {
            n.trim()
                .parse()
                .map_err(|e| super::rows::corrupt("row number", e))
        })
        .collect()
}

/// A list of row numbers as a JSON array, for `json_each` or a cast to an array.
pub(crate) fn json_rows(rows: &[i64]) -> String {
    let rows: Vec<String> = rows.iter().map(i64::to_string).collect();
    format!("[{}]", rows.join(","))
}

/// Which rows of a ranked result a page needs: for each group in turn, the part of it the
/// page covers, as (group index, rows to skip in it, rows to take from it).
pub(crate) fn page_slices(ranked: &Ranked, offset: u64, wanted: u64) -> Vec<(usize, u64, u64)> {
    let mut skip = offset;
    let mut wanted = wanted;
    let mut slices = Vec::new();
    for (index, group) in ranked.groups.iter().enumerate() {
        if wanted == 0 {
            break;
        }
        let size = group.len() as u64;
        if skip >= size {
            skip -= size;
            continue;
        }
        let take = wanted.min(size - skip);
        slices.push((index, skip, take));
        wanted -= take;
        skip = 0;
    }
    slices
}

/// Whether a group of `size` rows is better read by walking the downloads index (checking
/// each skill against the group) than by looking every row up and sorting: the walk passes
/// about `skills / size` skills per row it keeps, a lookup costs about four steps of the
/// walk, so the walk wins once `size²` exceeds a quarter of `needed × skills`.
pub(crate) fn walk_downloads(size: usize, needed: u64, skills: i64) -> bool {
    let size = size as u128;
    let skills = u128::try_from(skills).unwrap_or(0);
    size * size * 4 > u128::from(needed) * skills
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(name: &[i64], tags: &[i64], description: &[i64]) -> [Vec<i64>; 3] {
        [name.to_vec(), tags.to_vec(), description.to_vec()]
    }

    #[test]
    fn scores_follow_the_fields_each_term_is_found_in() {
        // Row 1: name and tags; row 2: description only; row 3: name only; row 4: tags.
        let ranked = Ranked::score(&[fields(&[1, 3], &[1, 4], &[2])], &[], None);
        assert_eq!(ranked.groups, vec![vec![1], vec![3], vec![4], vec![2]]);
        assert_eq!(ranked.len(), 4);
    }

    #[test]
    fn every_term_must_be_found_and_scores_add_up() {
        let ranked = Ranked::score(
            &[
                fields(&[1, 2], &[], &[3]),
                // Row 1 lacks the second term; rows 2 and 3 have it in the tags.
                fields(&[], &[2, 3], &[5]),
            ],
            &[],
            None,
        );
        assert_eq!(ranked.groups, vec![vec![2], vec![3]]);
    }

    #[test]
    fn an_exact_name_ranks_first_and_the_bound_drops_newer_rows() {
        let ranked = Ranked::score(&[fields(&[1, 2, 9], &[1, 9], &[])], &[2, 7], Some(8));
        assert_eq!(ranked.groups, vec![vec![2], vec![1]]);
        assert_eq!(Ranked::score(&[], &[1], None), Ranked::default());
    }

    #[test]
    fn fields_score_like_the_lists() {
        let terms = vec!["pdf".to_owned(), "form".to_owned()];
        assert_eq!(
            fields_score(&terms, false, ["pdf-tools", "Forms pdf", "Fill PDF forms"]),
            100 + 10 + 1 + 10 + 1
        );
        assert_eq!(fields_score(&terms, true, ["pdf-form", "", ""]), 1000 + 200);
        assert_eq!(fields_score(&terms, false, ["xpdf", "", "reform"]), 0);
        assert_eq!(
            Ranked::from_scores([(4, 1), (2, 100), (3, 1)]).groups,
            vec![vec![2], vec![3, 4]]
        );
    }

    #[test]
    fn words_are_kept_once_with_their_fields() {
        assert_eq!(
            field_words(["pdf-tools", "pdf forms", "Fill PDF forms, then PDFs"]),
            vec![
                ("fill".to_owned(), 4),
                ("forms".to_owned(), 2 | 4),
                ("pdf".to_owned(), 1 | 2 | 4),
                ("pdfs".to_owned(), 4),
                ("then".to_owned(), 4),
                ("tools".to_owned(), 1),
            ]
        );
        let long = "é".repeat(150);
        assert_eq!(indexed_word(&long).len(), MAX_WORD);
        assert_eq!(indexed_word(&format!("a{long}")).len(), MAX_WORD - 1);
        assert_eq!(indexed_word("pdf"), "pdf");
    }

    #[test]
    fn a_rows_words_merge_into_one_entry_per_field() {
        // Row 5 holds two words starting with the term: in the name, then in the tags.
        let lists = lists_from_fields(vec![(5, 1), (2, 4), (5, 2 | 4), (3, 1)]);
        assert_eq!(lists, [vec![3, 5], vec![5], vec![2, 5]]);
    }

    #[test]
    fn prefix_ranges_end_past_every_extension() {
        assert_eq!(prefix_end("pdf").as_deref(), Some("pdg"));
        assert_eq!(prefix_end("caf\u{e9}").as_deref(), Some("caf\u{ea}"));
        assert_eq!(prefix_end("a\u{d7ff}").as_deref(), Some("a\u{e000}"));
        assert_eq!(prefix_end("a\u{10ffff}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{10ffff}"), None);
        assert!(prefix_end("pdf").unwrap().as_str() > "pdfzzzz");
    }

    #[test]
    fn row_lists_read_and_write() {
        assert_eq!(parse_rows(Some("3,1,20")).unwrap(), vec![3, 1, 20]);
        assert_eq!(parse_rows(None).unwrap(), Vec::<i64>::new());
        assert_eq!(parse_rows(Some("")).unwrap(), Vec::<i64>::new());
        assert!(matches!(
            parse_rows(Some("1,x")),
            Err(StoreError::Corrupt(_))
        ));
        assert_eq!(json_rows(&[1, 22, 3]), "[1,22,3]");
        assert_eq!(json_rows(&[]), "[]");
    }

    #[test]
    fn page_slices_skip_whole_groups_and_span_several() {
        let ranked = Ranked {
            groups: vec![vec![1, 2, 3], vec![4], vec![5, 6, 7, 8]],
        };
        assert_eq!(page_slices(&ranked, 0, 2), vec![(0, 0, 2)]);
        assert_eq!(
            page_slices(&ranked, 2, 3),
            vec![(0, 2, 1), (1, 0, 1), (2, 0, 1)]
        );
        assert_eq!(page_slices(&ranked, 4, 10), vec![(2, 0, 4)]);
        assert_eq!(page_slices(&ranked, 8, 5), vec![]);
    }

    #[test]
    fn large_groups_walk_and_small_ones_are_looked_up() {
        assert!(walk_downloads(2_800, 21, 100_000));
        assert!(walk_downloads(100_000, 21, 100_000));
        assert!(!walk_downloads(500, 21, 100_000));
        assert!(!walk_downloads(3, 21, 10));
        // Deep pages need more of the walk.
        assert!(!walk_downloads(2_800, 2_000, 100_000));
    }
}
