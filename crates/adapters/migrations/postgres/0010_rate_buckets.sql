-- Token buckets every replica shares (failed sign-ins per client address). `updated` is
-- the database's clock in seconds since the epoch, so replicas' clocks need not agree.
-- UNLOGGED: a crash forgets the buckets, which then start full, as an idle one would.
CREATE UNLOGGED TABLE rate_buckets (
    key TEXT COLLATE "C" PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    updated DOUBLE PRECISION NOT NULL,
    taken BOOLEAN NOT NULL
);
CREATE INDEX rate_buckets_by_age ON rate_buckets (updated);
