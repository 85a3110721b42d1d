-- The audit of each version at publish, as JSON (`{"rules_version", "findings"}`); empty for
-- versions published before the audit existed.
ALTER TABLE versions ADD COLUMN audit TEXT NOT NULL DEFAULT '';
