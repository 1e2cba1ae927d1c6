-- The answers to mutations sent with an Idempotency-Key, kept verbatim for 24 hours (see the
-- SQLite revision). In the shared database, written in the writer's append transaction, so
-- that a retry sent to any node after a failover still finds the first answer.
CREATE TABLE idempotency_keys (
  key         text        PRIMARY KEY,
  fingerprint text        NOT NULL,
  status      integer     NOT NULL,
  body        text        NOT NULL,
  location    text,
  etag        text,
  position    bigint      NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
