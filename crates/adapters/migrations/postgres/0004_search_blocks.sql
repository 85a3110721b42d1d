-- A term's matches are read as a few arrays instead of one index entry per match.
--
-- `search_words` listed each (word, skill) as a btree entry: a word held by 5,500 of 100,000
-- skills was 5,500 entries to read (about 3 ms). `search_blocks` keeps, for each word and
-- each block of 1,024 skill numbers, one sorted array of entries `seq << 3 | fields` (fields
-- as before: bit 0 name, bit 1 tags, bit 2 description). The same word is then at most one
-- row per block, whatever the number of skills holding it.
--
-- The store writes a skill's entries in the transaction that changes the skill; the words
-- it held before are those of its `search_vector`, so an entry is removed from exactly the
-- rows that have it.
CREATE TABLE search_blocks (
    word TEXT COLLATE "C" NOT NULL,
    block BIGINT NOT NULL,
    entries BIGINT[] NOT NULL,
    PRIMARY KEY (word, block)
);

INSERT INTO search_blocks (word, block, entries)
SELECT word, seq >> 10, array_agg((seq << 3) | fields ORDER BY seq)
FROM search_words
GROUP BY word, seq >> 10;

DROP TABLE search_words;
