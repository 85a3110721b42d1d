-- Tokens may expire; publisher keys may be revoked by their owner.
ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE publisher_keys ADD COLUMN revoked_at INTEGER;
