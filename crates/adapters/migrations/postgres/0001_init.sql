-- skillreg schema, PostgreSQL. Times are milliseconds since the epoch (UTC). Keys and ids
-- use the "C" collation so ordering matches the other stores byte for byte.

CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY,
    created_at BIGINT NOT NULL
);

CREATE TABLE namespaces (
    key TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE namespace_members (
    namespace_key TEXT COLLATE "C" NOT NULL REFERENCES namespaces (key) ON DELETE CASCADE,
    user_id TEXT COLLATE "C" NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    PRIMARY KEY (namespace_key, user_id)
);

CREATE TABLE tokens (
    id TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL,
    name TEXT NOT NULL,
    secret_digest TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    namespaces TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX tokens_by_user ON tokens (user_id, created_at);

CREATE TABLE publisher_keys (
    key_id TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL,
    public_key BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE skills (
    seq BIGSERIAL PRIMARY KEY,
    uid TEXT COLLATE "C" NOT NULL UNIQUE,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    namespace_key TEXT COLLATE "C" NOT NULL,
    name_key TEXT COLLATE "C" NOT NULL,
    id_key TEXT COLLATE "C" NOT NULL,
    created_by TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    deprecation TEXT,
    latest_version TEXT,
    description TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    downloads BIGINT NOT NULL DEFAULT 0,
    rating_count BIGINT NOT NULL DEFAULT 0,
    rating_sum BIGINT NOT NULL DEFAULT 0,
    search_vector TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', translate(name, '-_', '  ')), 'A')
        || setweight(to_tsvector('simple', tags), 'B')
        || setweight(to_tsvector('simple', description), 'C')
    ) STORED,
    CONSTRAINT skills_unique_key UNIQUE (namespace_key, name_key)
);
CREATE INDEX skills_by_name_key ON skills (name_key);
CREATE INDEX skills_by_id_key ON skills (id_key);
CREATE INDEX skills_by_downloads ON skills (downloads DESC, id_key);
CREATE INDEX skills_by_updated ON skills (updated_at DESC, id_key);
CREATE INDEX skills_search ON skills USING GIN (search_vector) WITH (fastupdate = off);
CREATE INDEX skills_namespace_prefix ON skills (namespace_key text_pattern_ops);

-- The tags of each skill's latest version, one row each, for indexed tag filters.
CREATE TABLE skill_tags (
    skill_uid TEXT COLLATE "C" NOT NULL REFERENCES skills (uid),
    tag TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (skill_uid, tag)
);
CREATE INDEX skill_tags_by_tag ON skill_tags (tag, skill_uid);

CREATE TABLE versions (
    skill_uid TEXT COLLATE "C" NOT NULL REFERENCES skills (uid),
    version TEXT COLLATE "C" NOT NULL,
    version_text TEXT NOT NULL,
    archive_digest TEXT NOT NULL,
    content_digest TEXT NOT NULL,
    size BIGINT NOT NULL,
    description TEXT NOT NULL,
    license TEXT,
    allowed_tools TEXT NOT NULL,
    tags TEXT NOT NULL,
    files TEXT NOT NULL,
    signatures TEXT NOT NULL,
    yanked BOOLEAN NOT NULL DEFAULT FALSE,
    published_by TEXT COLLATE "C" NOT NULL,
    published_at BIGINT NOT NULL,
    CONSTRAINT versions_unique PRIMARY KEY (skill_uid, version)
);
CREATE INDEX versions_by_archive ON versions (archive_digest);

CREATE TABLE ratings (
    skill_uid TEXT COLLATE "C" NOT NULL REFERENCES skills (uid),
    user_id TEXT COLLATE "C" NOT NULL,
    half_stars INTEGER NOT NULL CHECK (half_stars BETWEEN 2 AND 10),
    review TEXT,
    rated_at BIGINT NOT NULL,
    PRIMARY KEY (skill_uid, user_id)
);
CREATE INDEX ratings_by_time ON ratings (skill_uid, rated_at DESC);

CREATE TABLE downloads (
    skill_uid TEXT COLLATE "C" NOT NULL REFERENCES skills (uid),
    day BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (skill_uid, day)
);
CREATE INDEX downloads_by_day ON downloads (day, skill_uid);

CREATE TABLE events (
    seq BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    skill_id TEXT NOT NULL,
    version TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    seq BIGSERIAL PRIMARY KEY,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    at BIGINT NOT NULL
);
