-- Agent profiles: named sets of skills, bound by skill uid (an overwrite keeps the binding,
-- a rename follows it). `key` is the profile id's lookup key; `revision` counts changes.
CREATE TABLE profiles (
    key TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    namespace_key TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    revision INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX profiles_by_namespace ON profiles (namespace_key, key);

CREATE TABLE profile_skills (
    profile_key TEXT NOT NULL REFERENCES profiles (key),
    skill_uid TEXT NOT NULL REFERENCES skills (uid),
    request TEXT NOT NULL,
    PRIMARY KEY (profile_key, skill_uid)
);
