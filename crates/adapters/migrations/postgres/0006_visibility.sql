-- Who may read a namespace's skills: `public`, `internal` (signed-in readers) or `private`
-- (its members). Namespaces made before this are public, as every read was.
ALTER TABLE namespaces ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'
    CHECK (visibility IN ('public', 'internal', 'private'));

-- Every skill's namespace has a record, so reads decide from it.
INSERT INTO namespaces (key, name, created_at)
SELECT namespace_key, MIN(namespace), MIN(created_at) FROM skills
WHERE namespace_key NOT IN (SELECT key FROM namespaces)
GROUP BY namespace_key;

-- The namespaces a reader's lists are checked against: few, read on every search.
CREATE INDEX namespaces_restricted ON namespaces (key) WHERE visibility <> 'public';
