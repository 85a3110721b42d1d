//! Relevance search on PostgreSQL, by the rule every store shares
//! ([`crate::sql::ranking`]), without visiting every match's row.
//!
//! A GIN index answers whether a skill holds the terms, but each match it returns is a row
//! of `skills` to visit (0.7–1.4 µs each), so a term found in 8,000 of 100,000 skills cost
//! 6–11 ms before any ranking. `search_blocks` holds, for each word and each block of
//! 1,024 skill numbers, one array of the skills holding the word with the fields it is in:
//! one term's matches, and where they are found, come from a short index range scan (a
//! row per block for each word the term starts, not a row per match). So a one-term search scores from those lists in Rust;
//! several terms, or other filters, go through the GIN index, which intersects the terms
//! inside the index, and score the few matches from their fields.
//! Then the page's rows are picked from the score groups it covers, each in download order:
//! a large group by walking the downloads index (which holds each skill's number) and
//! keeping its members, a small one by looking its rows up and sorting them. Only the
//! page's rows are read in full.

use std::collections::BTreeMap;

use skillreg_core::model::SearchQuery;
use skillreg_core::ports::StoreError;
use sqlx::{Postgres, Transaction};

use super::{PostgresDialect, PostgresStore};
use crate::sql::ranking::{
    FIELD_COLUMNS, FIELDS_LIMIT, FieldRow, Ranked, field_words, indexed_word, lists_from_fields,
    page_slices, prefix_end, rank_fields, walk_downloads,
};
use crate::sql::rows::HitRow;
use crate::sql::{
    HIT_COLUMNS, SearchFields, Sql, Tx, folded_query, push_filters, push_hit_source, unavailable,
};

/// How many low bits of a skill's number its position in a block takes: a block holds
/// the entries of 1,024 consecutive skill numbers.
const BLOCK_BITS: u32 = 10;

/// A block entry: the skill's number, then three bits for the fields holding the word.
fn encode_entry(seq: i64, fields: i16) -> i64 {
    (seq << 3) | i64::from(fields & 7)
}

/// A block entry's skill number and fields.
fn decode_entry(entry: i64) -> (i64, i16) {
    (entry >> 3, i16::try_from(entry & 7).unwrap_or(0))
}

/// The block rows a skill's write changes, in word order: each word it holds now with
/// other fields than before (`old`), with the skill's new entry, and each word it no
/// longer holds, with 0. Words held in the same fields as before are left alone.
fn block_changes(
    seq: i64,
    words: &[(String, i16)],
    old: &[(String, i16)],
) -> (Vec<String>, Vec<i64>) {
    let mut changes: BTreeMap<&str, i64> = old.iter().map(|(word, _)| (word.as_str(), 0)).collect();
    for (word, fields) in words {
        if old
            .iter()
            .any(|(held, before)| held == word && before == fields)
        {
            changes.remove(word.as_str());
        } else {
            changes.insert(word, encode_entry(seq, *fields));
        }
    }
    changes
        .into_iter()
        .map(|(word, entry)| (word.to_owned(), entry))
        .unzip()
}

/// A word of the vector being replaced, as `write_words` reads it (`pdf ABC`: the word,
/// a space, the weights of its positions), with its fields; `None` if it is not that.
fn old_word(held: &str) -> Option<(String, i16)> {
    let (word, weights) = held.rsplit_once(' ')?;
    let fields = weights.chars().fold(0, |fields, weight| {
        fields
            | match weight {
                'A' => 1,
                'B' => 2,
                'C' => 4,
                _ => 0,
            }
    });
    Some((word.to_owned(), fields))
}

/// Each term's range of indexed words, as starts and ends. A term is letters and digits, so
/// it always has an end; one made only of the last character there is (not a letter) would
/// find nothing.
fn term_ranges(terms: &[String]) -> (Vec<String>, Vec<String>) {
    terms
        .iter()
        .map(|term| {
            let start = indexed_word(term).to_owned();
            let end = prefix_end(&start).unwrap_or_else(|| start.clone());
            (start, end)
        })
        .unzip()
}

/// A page position as an index (a page never comes near `usize::MAX`).
fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// What `index_search` writes for a skill: its words with their fields, and the same words
/// as a `tsvector` literal.
fn skill_words(name: &str, fields: &SearchFields) -> (Vec<(String, i16)>, String) {
    if fields.latest_version.is_none() {
        // A skill with no version to install is found by no search.
        return (Vec::new(), String::new());
    }
    let words = field_words([name, &fields.tags, &fields.description]);
    let vector = words
        .iter()
        .map(|(word, found)| {
            let positions: Vec<String> = (0..3)
                .filter(|bit| found & (1 << bit) != 0)
                .map(|bit| format!("{}{}", bit + 1, ["A", "B", "C"][bit]))
                .collect();
            format!("{}:{}", lexeme(word), positions.join(","))
        })
        .collect::<Vec<_>>()
        .join(" ");
    (words, vector)
}

/// A word quoted as a `tsvector` or `tsquery` lexeme. Words hold letters and digits (and
/// what lowercasing adds to them), but quotes and backslashes are escaped all the same.
fn lexeme(word: &str) -> String {
    format!("'{}'", word.replace('\\', "\\\\").replace('\'', "''"))
}

/// The terms as a `tsquery` literal matching every term as a word prefix (`'pdf':* &
/// 'form':*`), with no text parser between the terms and the index.
pub(super) fn ts_query(terms: &[String]) -> String {
    terms
        .iter()
        .map(|term| format!("{}:*", lexeme(indexed_word(term))))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Up to how many known words a term is spelled out as in a `tsquery`; a term starting
/// more words stays a prefix.
const MAX_SPELLED: usize = 16;

/// A term as a `tsquery` operand: the known `words` it starts (`('pdf' | 'pdfs')`), or
/// the prefix itself when there are too many.
fn spelled_term(term: &str, words: &[String]) -> String {
    if words.len() > MAX_SPELLED {
        format!("{}:*", lexeme(indexed_word(term)))
    } else {
        let words: Vec<String> = words.iter().map(|w| lexeme(w)).collect();
        format!("({})", words.join(" | "))
    }
}

impl PostgresStore {
    /// Writes a skill's words to `search_blocks` and `search_vector`, replacing what was
    /// there, inside the caller's transaction (which holds the skill's row).
    pub(super) async fn write_words(
        tx: &mut Tx<PostgresDialect>,
        seq: i64,
        name: &str,
        fields: &SearchFields,
    ) -> Result<(), StoreError> {
        let (words, vector) = skill_words(name, fields);
        // What the skill held before is in the vector being replaced: each word with the
        // weights of its positions (`A` name, `B` tags, `C` description), as `word ABC`.
        let (old,): (Vec<String>,) = sqlx::query_as(
            "UPDATE skills s SET search_vector = $1::tsvector \
             FROM (SELECT seq, search_vector FROM skills WHERE seq = $2 FOR UPDATE) o \
             WHERE s.seq = o.seq RETURNING ARRAY(\
                 SELECT v.lexeme || ' ' || coalesce(array_to_string(v.weights, ''), '') \
                 FROM unnest(o.search_vector) AS v)",
        )
        .bind(vector)
        .bind(seq)
        .fetch_one(&mut *tx.inner)
        .await
        .map_err(unavailable)?;
        let old: Vec<(String, i16)> = old.iter().filter_map(|held| old_word(held)).collect();
        let (changed, entries) = block_changes(seq, &words, &old);
        Self::write_blocks(&mut tx.inner, seq >> BLOCK_BITS, &[seq], &changed, &entries).await
    }

    /// Rewrites the rows of `block` for `words` (sorted), each paired with an entry of one
    /// of the skills `seqs` (0 for none): each row loses the entries of those skills it had
    /// and gains the new ones. Then adds the words held to the vocabulary.
    ///
    /// Rows are locked in word order, and a write only touches rows of one block, after
    /// the rows of the skills it writes: so two writers changing the same rows wait for
    /// each other but never deadlock.
    async fn write_blocks(
        tx: &mut Transaction<'_, Postgres>,
        block: i64,
        seqs: &[i64],
        words: &[String],
        entries: &[i64],
    ) -> Result<(), StoreError> {
        if words.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO search_blocks (word, block, entries) \
             SELECT w.word, $1, \
                 coalesce(array_agg(w.entry ORDER BY w.entry) FILTER (WHERE w.entry <> 0), '{}') \
             FROM unnest($2::text[], $3::bigint[]) AS w(word, entry) \
             GROUP BY w.word ORDER BY w.word \
             ON CONFLICT (word, block) DO UPDATE SET entries = ARRAY(\
                 SELECT e FROM unnest(search_blocks.entries) AS e WHERE e >> 3 <> ALL($4) \
                 UNION ALL SELECT unnest(EXCLUDED.entries) ORDER BY 1)",
        )
        .bind(block)
        .bind(words)
        .bind(entries)
        .bind(seqs)
        .execute(&mut **tx)
        .await
        .map_err(unavailable)?;
        let mut held: Vec<&String> = words
            .iter()
            .zip(entries)
            .filter(|(_, entry)| **entry != 0)
            .map(|(word, _)| word)
            .collect();
        held.dedup();
        if !held.is_empty() {
            sqlx::query(
                "INSERT INTO search_vocabulary (word) SELECT unnest($1::text[]) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(held)
            .execute(&mut **tx)
            .await
            .map_err(unavailable)?;
        }
        Ok(())
    }

    /// Fills in the words of skills written before the store kept its own (a NULL
    /// `search_vector`). Run after migrating, while other replicas may be writing: a
    /// transaction per block of skill numbers locks its skills' rows, then writes their
    /// words to that block's rows in word order, as a single write does (so the two never
    /// wait on each other in a cycle); a skill written since it was listed is left as it
    /// is. The commits don't wait for the disk: one lost in a crash leaves the vectors
    /// NULL, to be filled in on the next open.
    pub(super) async fn backfill_words(&self) -> Result<(), StoreError> {
        loop {
            let seqs: Vec<i64> = sqlx::query_scalar(
                "SELECT seq FROM skills WHERE search_vector IS NULL ORDER BY seq LIMIT 2000",
            )
            .fetch_all(&self.writer)
            .await
            .map_err(unavailable)?;
            if seqs.is_empty() {
                return Ok(());
            }
            for block in seqs.chunk_by(|a, b| a >> BLOCK_BITS == b >> BLOCK_BITS) {
                self.backfill_block(block).await?;
            }
        }
    }

    /// Fills in the words of `seqs` (skills of one block), in one transaction.
    async fn backfill_block(&self, seqs: &[i64]) -> Result<(), StoreError> {
        let Some(first) = seqs.first() else {
            return Ok(());
        };
        let mut tx = self.writer.begin().await.map_err(unavailable)?;
        sqlx::query("SET LOCAL synchronous_commit = off")
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        let rows: Vec<(i64, String, Option<String>, String, String)> = sqlx::query_as(
            "SELECT seq, name, latest_version, tags, description FROM skills \
             WHERE seq = ANY($1) AND search_vector IS NULL ORDER BY seq FOR UPDATE",
        )
        .bind(seqs)
        .fetch_all(&mut *tx)
        .await
        .map_err(unavailable)?;
        let mut filled = Vec::with_capacity(rows.len());
        let mut vectors = Vec::with_capacity(rows.len());
        let mut pairs = Vec::new();
        for (seq, name, latest_version, tags, description) in rows {
            let fields = SearchFields {
                latest_version,
                description,
                tags,
                verdict: String::new(),
                updated_at: 0,
            };
            let (words, vector) = skill_words(&name, &fields);
            pairs.extend(
                words
                    .into_iter()
                    .map(|(word, found)| (word, encode_entry(seq, found))),
            );
            filled.push(seq);
            vectors.push(vector);
        }
        sqlx::query(
            "UPDATE skills SET search_vector = v.vector::tsvector \
             FROM unnest($1::bigint[], $2::text[]) AS v(seq, vector) WHERE skills.seq = v.seq",
        )
        .bind(&filled)
        .bind(&vectors)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        pairs.sort_unstable();
        let (words, entries): (Vec<String>, Vec<i64>) = pairs.into_iter().unzip();
        Self::write_blocks(&mut tx, first >> BLOCK_BITS, &filled, &words, &entries).await?;
        tx.commit().await.map_err(unavailable)
    }

    /// One page of a relevance search for `terms` (not empty) and its total, among skills
    /// recorded at or before `bound`; `skills` is the highest skill number, for choosing
    /// how to read a group.
    pub(super) async fn ranked_page(
        &self,
        query: &SearchQuery,
        terms: &[String],
        bound: Option<i64>,
        offset: u64,
        skills: i64,
    ) -> Result<(Vec<HitRow>, u64), StoreError> {
        let filtered = query.has_filters();
        let ranked = if terms.len() == 1 && !filtered {
            self.ranked_by_lists(query, terms, bound).await?
        } else {
            let limit = (!filtered).then_some(FIELDS_LIMIT);
            match self.ranked_by_fields(query, terms, bound, limit).await? {
                Some(ranked) => ranked,
                None => self.ranked_by_lists(query, terms, bound).await?,
            }
        };
        let total = ranked.len() as u64;
        let mut page = Vec::new();
        for (index, skip, take) in page_slices(&ranked, offset, u64::from(query.limit) + 1) {
            let group = &ranked.groups[index];
            let (skip, take) = (to_usize(skip), to_usize(take));
            let ordered = if walk_downloads(group.len(), (skip + take) as u64, skills) {
                self.walk_group(group, skip + take, skills).await?
            } else {
                self.sort_group(group).await?
            };
            page.extend(ordered.into_iter().skip(skip).take(take));
        }
        if page.is_empty() {
            return Ok((Vec::new(), total));
        }
        let mut select = Sql::new(HIT_COLUMNS);
        push_hit_source(&mut select, query);
        select
            .push(" WHERE s.seq = ANY(")
            .push_bind(page.as_slice())
            .push(") ORDER BY array_position(")
            .push_bind(page.as_slice())
            .push(", s.seq)");
        let hits: Vec<HitRow> = self.all(select).await?;
        Ok((hits, total))
    }

    /// The first `needed` rows of `group` (ascending) in download order, found by walking
    /// the downloads index (it holds each skill's number, so the walk never reads
    /// `skills`): about `skills / group` entries per row kept; a walk that falls short
    /// goes on twice as far.
    async fn walk_group(
        &self,
        group: &[i64],
        needed: usize,
        skills: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let skills = usize::try_from(skills).unwrap_or(usize::MAX);
        let mut length = (needed.saturating_mul(skills) / group.len().max(1))
            .saturating_mul(2)
            .saturating_add(100);
        loop {
            let walked: Option<Vec<i64>> = sqlx::query_scalar(
                "SELECT array_agg(seq) FROM \
                 (SELECT seq FROM skills ORDER BY downloads DESC, id_key LIMIT $1) w",
            )
            .bind(i64::try_from(length).unwrap_or(i64::MAX))
            .fetch_one(&self.reader)
            .await
            .map_err(unavailable)?;
            let walked = walked.unwrap_or_default();
            let found: Vec<i64> = walked
                .iter()
                .copied()
                .filter(|seq| group.binary_search(seq).is_ok())
                .take(needed)
                .collect();
            if found.len() >= needed || walked.len() < length {
                return Ok(found);
            }
            length = length.saturating_mul(2);
        }
    }

    /// Every row of `group` in download order (most first, then by id), looked up.
    async fn sort_group(&self, group: &[i64]) -> Result<Vec<i64>, StoreError> {
        let mut rows: Vec<(i64, i64, String)> =
            sqlx::query_as("SELECT seq, downloads, id_key FROM skills WHERE seq = ANY($1)")
                .bind(group)
                .fetch_all(&self.reader)
                .await
                .map_err(unavailable)?;
        rows.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.2.cmp(&b.2)));
        Ok(rows.into_iter().map(|(seq, _, _)| seq).collect())
    }

    /// The terms as a `tsquery` of the words each starts (see [`spelled_term`]); `None`
    /// when a term starts no known word, so nothing matches.
    async fn spelled_query(&self, terms: &[String]) -> Result<Option<String>, StoreError> {
        let (starts, ends) = term_ranges(terms);
        let rows: Vec<(i64, Vec<String>)> = sqlx::query_as(
            "SELECT t.i, array_agg(v.word) \
             FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(start, stop, i) \
             CROSS JOIN LATERAL (SELECT word FROM search_vocabulary \
                 WHERE word >= t.start AND word < t.stop LIMIT $3) v \
             GROUP BY t.i",
        )
        .bind(&starts)
        .bind(&ends)
        .bind(i64::try_from(MAX_SPELLED + 1).unwrap_or(i64::MAX))
        .persistent(false)
        .fetch_all(&self.reader)
        .await
        .map_err(unavailable)?;
        let mut spelled = Vec::with_capacity(terms.len());
        for (index, term) in terms.iter().enumerate() {
            let number = i64::try_from(index + 1).unwrap_or(i64::MAX);
            match rows.iter().find(|(i, _)| *i == number) {
                Some((_, words)) => spelled.push(spelled_term(term, words)),
                None => return Ok(None),
            }
        }
        Ok(Some(spelled.join(" & ")))
    }

    /// The matches that pass the query's filters, scored from their fields, read through
    /// the GIN index; `None` when there are more than `limit`.
    async fn ranked_by_fields(
        &self,
        query: &SearchQuery,
        terms: &[String],
        bound: Option<i64>,
        limit: Option<usize>,
    ) -> Result<Option<Ranked>, StoreError> {
        let Some(ts_query) = self.spelled_query(terms).await? else {
            return Ok(Some(Ranked::default()));
        };
        let mut select = Sql::new(FIELD_COLUMNS);
        push_filters(&mut select, query, bound);
        select
            .push(" AND s.search_vector @@ CAST(")
            .push_bind(ts_query)
            .push(" AS tsquery)");
        if let Some(limit) = limit {
            select.push(format!(" LIMIT {}", limit + 1));
        }
        let rows: Vec<FieldRow> = self.all(select.plan_each_time(true)).await?;
        if limit.is_some_and(|limit| rows.len() > limit) {
            return Ok(None);
        }
        let text = query.text.as_deref().unwrap_or_default();
        Ok(Some(rank_fields(text, terms, &rows)))
    }

    /// The rows matching every term, scored from `search_blocks` alone: one statement
    /// reads each term's blocks from an index range, and the skills named as the query.
    async fn ranked_by_lists(
        &self,
        query: &SearchQuery,
        terms: &[String],
        bound: Option<i64>,
    ) -> Result<Ranked, StoreError> {
        let (starts, ends) = term_ranges(terms);
        let rows: Vec<(i64, Option<Vec<i64>>)> = sqlx::query_as(
            "SELECT t.i, b.entries \
             FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(start, stop, i) \
             CROSS JOIN LATERAL (SELECT entries FROM search_blocks \
                 WHERE word >= t.start AND word < t.stop) b \
             UNION ALL SELECT 0, array_agg(seq) FROM skills WHERE name_key = $3",
        )
        .bind(&starts)
        .bind(&ends)
        .bind(folded_query(query.text.as_deref().unwrap_or_default()))
        .persistent(false)
        .fetch_all(&self.reader)
        .await
        .map_err(unavailable)?;
        let mut pairs: Vec<Vec<(i64, i16)>> = vec![Vec::new(); terms.len()];
        let mut exact = Vec::new();
        for (i, entries) in rows {
            let entries = entries.unwrap_or_default();
            match usize::try_from(i).ok().and_then(|i| i.checked_sub(1)) {
                None => exact = entries,
                Some(term) => {
                    if let Some(slot) = pairs.get_mut(term) {
                        slot.extend(entries.into_iter().map(decode_entry));
                    }
                }
            }
        }
        let fields: Vec<[Vec<i64>; 3]> = pairs.into_iter().map(lists_from_fields).collect();
        Ok(Ranked::score(&fields, &exact, bound))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_lexemes_with_their_fields() {
        let fields = SearchFields {
            latest_version: Some("1.0.0".into()),
            description: "Fill PDF forms".into(),
            tags: "pdf".into(),
            verdict: String::new(),
            updated_at: 0,
        };
        let (words, vector) = skill_words("pdf-tools", &fields);
        assert_eq!(words.len(), 4);
        assert_eq!(vector, "'fill':3C 'forms':3C 'pdf':1A,2B,3C 'tools':1A");
        let yanked = SearchFields {
            latest_version: None,
            ..fields
        };
        assert_eq!(
            skill_words("pdf-tools", &yanked),
            (Vec::new(), String::new())
        );
    }

    #[test]
    fn block_entries_hold_the_skill_and_its_fields() {
        assert_eq!(decode_entry(encode_entry(70_000, 5)), (70_000, 5));
        assert_eq!(encode_entry(1, 1), 9);
        let words = vec![
            ("forms".to_owned(), 4),
            ("pdf".to_owned(), 3),
            ("tools".to_owned(), 1),
        ];
        // `fill` is gone, `pdf` changes its fields, `forms` is new, `tools` is unchanged.
        let old = vec![
            ("fill".to_owned(), 4),
            ("pdf".to_owned(), 1),
            ("tools".to_owned(), 1),
        ];
        assert_eq!(
            block_changes(2, &words, &old),
            (
                vec!["fill".to_owned(), "forms".to_owned(), "pdf".to_owned()],
                vec![0, 20, 19]
            )
        );
        assert_eq!(block_changes(2, &words, &words), (Vec::new(), Vec::new()));
        assert_eq!(old_word("pdf ABC"), Some(("pdf".to_owned(), 7)));
        assert_eq!(old_word("forms C"), Some(("forms".to_owned(), 4)));
        assert_eq!(old_word("pdf"), None);
        assert_eq!(block_changes(2, &[], &[]), (Vec::new(), Vec::new()));
    }

    #[test]
    fn queries_are_quoted_prefixes() {
        let terms = vec!["pdf".to_owned(), "o'k\\".to_owned()];
        assert_eq!(ts_query(&terms), "'pdf':* & 'o''k\\\\':*");
    }

    #[test]
    fn terms_are_spelled_out_as_the_words_they_start() {
        let words = |n: usize| (0..n).map(|i| format!("pdf{i}")).collect::<Vec<_>>();
        assert_eq!(
            spelled_term("pdf", &["pdf".to_owned(), "pdfs".to_owned()]),
            "('pdf' | 'pdfs')"
        );
        assert!(spelled_term("pdf", &words(MAX_SPELLED)).starts_with("('pdf0' | "));
        assert_eq!(spelled_term("pdf", &words(MAX_SPELLED + 1)), "'pdf':*");
        assert_eq!(
            term_ranges(&["pdf".to_owned()]),
            (vec!["pdf".to_owned()], vec!["pdg".to_owned()])
        );
    }
}
