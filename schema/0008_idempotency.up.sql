-- The answers to mutations sent with an Idempotency-Key, kept verbatim for 24 hours so that
-- a client that retries (after a 503 or a lost answer) gets the first answer again instead of
-- a second change. Written in the same transaction as the events of the answer it keeps.
-- `fingerprint` is the SHA-256 of the method, path and body: the same key with another
-- request is refused. `created_at` is in milliseconds since the epoch.
CREATE TABLE idempotency_keys (
  key         TEXT    PRIMARY KEY,
  fingerprint TEXT    NOT NULL,
  status      INTEGER NOT NULL,
  body        TEXT    NOT NULL,
  location    TEXT,
  etag        TEXT,
  position    INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
