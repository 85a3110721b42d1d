-- The Package Registry Standard id of each version (`pkg_skl_<sha1>`), so a version can be
-- found by it. Rows written before this column existed hold '' until the store fills them
-- in when it opens (the id is computed in Rust: SHA-1 over a canonical JSON document).
ALTER TABLE versions ADD COLUMN package_id TEXT NOT NULL DEFAULT '';
CREATE INDEX versions_by_package_id ON versions (package_id);
