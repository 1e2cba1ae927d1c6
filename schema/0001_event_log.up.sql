-- The event log: the source of truth. Append-only (the triggers refuse UPDATE and DELETE),
-- gap-free in position and in each stream's version, each row hash-chained to the one before.
CREATE TABLE events (
  position    INTEGER PRIMARY KEY CHECK (position > 0),
  stream      TEXT    NOT NULL,
  version     INTEGER NOT NULL CHECK (version > 0),
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL CHECK (json_valid(data)),
  recorded_at TEXT    NOT NULL,
  hash        TEXT    NOT NULL CHECK (length(hash) = 64),
  UNIQUE (stream, version)
);

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only: UPDATE refused');
END;

CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only: DELETE refused');
END;

-- Positions follow each other without gaps, and so do versions within a stream.
CREATE TRIGGER events_gap_free BEFORE INSERT ON events
WHEN NEW.position <> (SELECT coalesce(max(position), 0) + 1 FROM events)
  OR NEW.version <> (SELECT coalesce(max(version), 0) + 1 FROM events WHERE stream = NEW.stream)
BEGIN
  SELECT RAISE(ABORT, 'events must be appended at the next position and stream version');
END;
