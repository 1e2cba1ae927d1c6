DROP TRIGGER IF EXISTS events_gap_free;
DROP TRIGGER IF EXISTS events_append_only_delete;
DROP TRIGGER IF EXISTS events_append_only_update;
DROP TABLE IF EXISTS events;
