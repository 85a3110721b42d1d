-- Search reads the words the store splits in Rust, by the rule every store shares (lowercase
-- runs of letters and digits), rather than words PostgreSQL's text parser finds: the same
-- query then matches the same skills whichever index answers it.
--
-- `search_vector` holds those words as lexemes, for the GIN index that intersects several
-- terms inside the index. `search_words` holds them one row per (word, skill), with the
-- fields the word is in (bit 0 name, bit 1 tags, bit 2 description): a btree that lists the
-- skills holding a word prefix, and where, without reading `skills`. A GIN scan must visit
-- each matching skill's row to recheck it; a term found in 8,000 skills cost 6–11 ms that
-- way, the btree lists them in about 2.
--
-- Both are written by the store in the transaction that changes the skill. Rows from before
-- this migration have a NULL `search_vector` until the store fills both in when it opens.
ALTER TABLE skills DROP COLUMN search_vector;
ALTER TABLE skills ADD COLUMN search_vector TSVECTOR;
CREATE INDEX skills_search ON skills USING GIN (search_vector) WITH (fastupdate = off);

CREATE TABLE search_words (
    word TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL REFERENCES skills (seq),
    fields SMALLINT NOT NULL,
    PRIMARY KEY (word, seq) INCLUDE (fields)
);
CREATE INDEX search_words_by_skill ON search_words (seq);

-- A page of a large score group walks the downloads index keeping the group's skills: with
-- each skill's number in the index, the walk never reads `skills`.
DROP INDEX skills_by_downloads;
CREATE INDEX skills_by_downloads ON skills (downloads DESC, id_key) INCLUDE (seq);

-- Every word ever indexed, once: a query term is looked up as the words it starts, so the
-- GIN index reads exact entries (a prefix entry scan costs it two to three times as much).
-- Words are added, never removed: a word no skill holds any more simply finds nothing.
CREATE TABLE search_vocabulary (
    word TEXT COLLATE "C" PRIMARY KEY
);
