-- What the nodes of a cluster know of each other: a heartbeat row per node, with PostgreSQL's
-- clock, and the backend that holds the writer lock (when it is this node), so that any node
-- can tell which URL the lock holder answers at.
CREATE TABLE cluster_nodes (
  url      text        PRIMARY KEY,
  role     text        NOT NULL,
  position bigint      NOT NULL,
  lock_pid integer,
  seen_at  timestamptz NOT NULL DEFAULT now()
);

-- The writer's append: one call, one transaction. It refuses a session that does not hold
-- the writer lock (advisory lock 'CATA', 1: see src/pg/advisory_locks.hpp) and a batch that
-- does not continue the head it was decided on (its first position and the hash before it),
-- so a writer that lost its place fails here instead of forking the log; the chain trigger
-- of revision 0001 then checks every event. Event time never goes below the head's, not
-- even after a failover to a node whose clock is behind. The answers to keyed mutations
-- are kept in the same transaction, and the commit wakes the followers.
CREATE FUNCTION catalog_append(first_position bigint, previous_hash text, batch json,
                               answers json) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  head events%ROWTYPE;
  last_position bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                   AND classid = 1128354881 AND objid = 1 AND objsubid = 2 AND granted) THEN
    RAISE EXCEPTION 'this session does not hold the writer lock' USING ERRCODE = 'CA001';
  END IF;
  SELECT * INTO head FROM events ORDER BY position DESC LIMIT 1;
  IF coalesce(head.position, 0) <> first_position - 1
     OR coalesce(head.hash, repeat('0', 64)) <> previous_hash THEN
    RAISE EXCEPTION 'the batch does not continue the head of the log (position %)',
      coalesce(head.position, 0) USING ERRCODE = 'CA002';
  END IF;
  IF EXISTS (SELECT 1 FROM json_to_recordset(batch) AS e(recorded_at text)
             WHERE e.recorded_at COLLATE "C" < head.recorded_at COLLATE "C") THEN
    RAISE EXCEPTION 'the batch is recorded before the head of the log' USING ERRCODE = 'CA002';
  END IF;
  INSERT INTO events (position, stream, version, type, data, recorded_at, hash)
    SELECT e.position, e.stream, e.version, e.type, e.data, e.recorded_at, e.hash
    FROM json_to_recordset(batch) AS e(position bigint, stream text, version bigint, type text,
                                       data text, recorded_at text, hash text)
    ORDER BY e.position;
  INSERT INTO idempotency_keys AS k (key, fingerprint, status, body, location, etag, position)
    SELECT a.key, a.fingerprint, a.status, a.body, a.location, a.etag, a.position
    FROM json_to_recordset(answers) AS a(key text, fingerprint text, status integer, body text,
                                         location text, etag text, position bigint)
  ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, status = excluded.status,
    body = excluded.body, location = excluded.location, etag = excluded.etag,
    position = excluded.position, created_at = now();
  last_position := first_position + json_array_length(batch) - 1;
  IF last_position >= first_position THEN
    PERFORM pg_notify('catalog_events', last_position::text);
  END IF;
END
$$;
