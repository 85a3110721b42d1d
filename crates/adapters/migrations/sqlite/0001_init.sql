-- skillreg schema, SQLite. Times are milliseconds since the epoch (UTC).

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);

CREATE TABLE namespaces (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE namespace_members (
    namespace_key TEXT NOT NULL REFERENCES namespaces (key) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    PRIMARY KEY (namespace_key, user_id)
);

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    secret_digest TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    namespaces TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX tokens_by_user ON tokens (user_id, created_at);

CREATE TABLE publisher_keys (
    key_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    public_key BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- One row per skill. `seq` orders skills by creation (search cursors page below a
-- snapshot of it); the columns after `deprecation` are kept in step with the versions
-- and counters for search.
CREATE TABLE skills (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    namespace_key TEXT NOT NULL,
    name_key TEXT NOT NULL,
    id_key TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deprecation TEXT,
    latest_version TEXT,
    description TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    downloads INTEGER NOT NULL DEFAULT 0,
    rating_count INTEGER NOT NULL DEFAULT 0,
    rating_sum INTEGER NOT NULL DEFAULT 0,
    UNIQUE (namespace_key, name_key)
);
CREATE INDEX skills_by_name_key ON skills (name_key);
CREATE INDEX skills_by_id_key ON skills (id_key);
CREATE INDEX skills_by_downloads ON skills (downloads DESC, id_key);
CREATE INDEX skills_by_updated ON skills (updated_at DESC, id_key);

CREATE VIRTUAL TABLE skills_fts USING fts5 (name, tags, description, tokenize = 'unicode61');

-- The tags of each skill's latest version, one row each, for indexed tag filters.
CREATE TABLE skill_tags (
    skill_uid TEXT NOT NULL REFERENCES skills (uid),
    tag TEXT NOT NULL,
    PRIMARY KEY (skill_uid, tag)
);
CREATE INDEX skill_tags_by_tag ON skill_tags (tag, skill_uid);

CREATE TABLE versions (
    skill_uid TEXT NOT NULL REFERENCES skills (uid),
    version TEXT NOT NULL,          -- canonical: no build metadata; unique per skill
    version_text TEXT NOT NULL,     -- as published
    archive_digest TEXT NOT NULL,
    content_digest TEXT NOT NULL,
    size INTEGER NOT NULL,
    description TEXT NOT NULL,
    license TEXT,
    allowed_tools TEXT NOT NULL,    -- JSON array
    tags TEXT NOT NULL,             -- JSON array
    files TEXT NOT NULL,            -- JSON array
    signatures TEXT NOT NULL,       -- JSON array
    yanked INTEGER NOT NULL DEFAULT 0,
    published_by TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    PRIMARY KEY (skill_uid, version)
);
CREATE INDEX versions_by_archive ON versions (archive_digest);

CREATE TABLE ratings (
    skill_uid TEXT NOT NULL REFERENCES skills (uid),
    user_id TEXT NOT NULL,
    half_stars INTEGER NOT NULL CHECK (half_stars BETWEEN 2 AND 10),
    review TEXT,
    rated_at INTEGER NOT NULL,
    PRIMARY KEY (skill_uid, user_id)
);
CREATE INDEX ratings_by_time ON ratings (skill_uid, rated_at DESC);

-- Downloads in UTC day buckets.
CREATE TABLE downloads (
    skill_uid TEXT NOT NULL REFERENCES skills (uid),
    day INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (skill_uid, day)
);
CREATE INDEX downloads_by_day ON downloads (day, skill_uid);

CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    skill_id TEXT NOT NULL,
    version TEXT NOT NULL,
    at INTEGER NOT NULL
);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    at INTEGER NOT NULL
);
