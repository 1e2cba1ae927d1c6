-- The event log of a cluster: the source of truth that every node tails. The same rows as
-- the SQLite log; `data` and `recorded_at` are the exact text that was hashed (not jsonb or
-- timestamptz, which would render them anew). Append-only: the triggers refuse UPDATE,
-- DELETE and TRUNCATE. Every insert must continue the chain: its predecessor is the head,
-- its stream version the next one, and its hash the SHA-256 of its predecessor's hash and
-- its own fields, recomputed here, so no client of the database can fork or break it.
CREATE TABLE events (
  position    bigint PRIMARY KEY CHECK (position > 0),
  stream      text   NOT NULL,
  version     bigint NOT NULL CHECK (version > 0),
  type        text   NOT NULL,
  data        text   NOT NULL CHECK ((data::json) IS NOT NULL),
  recorded_at text   NOT NULL,
  hash        text   NOT NULL CHECK (length(hash) = 64),
  UNIQUE (stream, version)
);

CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only: % refused', TG_OP USING ERRCODE = 'CA003';
END
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

CREATE FUNCTION events_continue_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  previous_hash text := repeat('0', 64);
  last_version bigint;
BEGIN
  IF NEW.position > 1 THEN
    SELECT hash INTO previous_hash FROM events WHERE position = NEW.position - 1;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'event % does not follow the head of the log', NEW.position
        USING ERRCODE = 'CA002';
    END IF;
  END IF;
  SELECT max(version) INTO last_version FROM events WHERE stream = NEW.stream;
  IF NEW.version <> coalesce(last_version, 0) + 1 THEN
    RAISE EXCEPTION 'event % is not the next version of stream %', NEW.position, NEW.stream
      USING ERRCODE = 'CA002';
  END IF;
  IF NEW.hash <> encode(sha256(convert_to(concat_ws(E'\n', previous_hash, NEW.position::text,
       NEW.stream, NEW.version::text, NEW.type, NEW.recorded_at, NEW.data), 'UTF8')), 'hex') THEN
    RAISE EXCEPTION 'event % does not chain to the event before it', NEW.position
      USING ERRCODE = 'CA002';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER events_chained BEFORE INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION events_continue_chain();
