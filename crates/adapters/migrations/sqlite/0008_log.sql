-- The transparency log: one row per entry, `idx` from 0 with no gap. `entry` holds the
-- entry's canonical bytes and `leaf` their RFC 6962 leaf hash; the namespaces an entry
-- names decide who may read it. A version's `log_index` is the entry that put it where it
-- answers (its publish, or its last move). Versions written before the log are appended
-- when the store opens.
CREATE TABLE log_entries (
    idx INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    from_namespace TEXT,
    entry BLOB NOT NULL,
    leaf BLOB NOT NULL
);
ALTER TABLE versions ADD COLUMN log_index INTEGER;
-- Checkpoints witnesses cosigned: the note's text (one row per text) and the whole note
-- with every signature; the newest are kept.
CREATE TABLE log_cosigned (
    text TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    note TEXT NOT NULL
);
-- The verifier key of the key that signs the log, recorded by the first replica to start:
-- a replica given another key refuses to start.
CREATE TABLE log_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    verifier TEXT NOT NULL
);
