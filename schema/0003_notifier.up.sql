-- Where each notifier has got to in the log. Apart from the read model's checkpoint on
-- purpose: rebuilding or dropping the read model must never make notifications repeat.
CREATE TABLE notifier_checkpoints (
  name     TEXT    PRIMARY KEY,
  position INTEGER NOT NULL
);
