-- A version's audit changes after publish (rescans, owners' false-positive marks, admins'
-- overrides): `audit_revision` counts the changes (each is made from a revision and applies
-- only at it), `audit_stamp` is what audited it (rules' version and policy digest; empty:
-- never audited, or audited before stamps existed, so due for a rescan), `verdict` the
-- verdict that counts (empty: not audited).
ALTER TABLE versions ADD COLUMN audit_revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE versions ADD COLUMN audit_stamp TEXT NOT NULL DEFAULT '';
ALTER TABLE versions ADD COLUMN verdict TEXT NOT NULL DEFAULT '';
-- The verdict of a skill's latest version, for search (kept in step like the other search
-- columns).
ALTER TABLE skills ADD COLUMN verdict TEXT NOT NULL DEFAULT '';
