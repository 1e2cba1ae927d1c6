-- Where the notifier has got to in the log. In the shared database, so that a new writer's
-- notifier resumes where the old one stopped. Only ever moved forward (GREATEST), so a
-- writer that was paused and wakes up cannot move it back.
CREATE TABLE notifier_checkpoints (
  name     text   PRIMARY KEY,
  position bigint NOT NULL
);
