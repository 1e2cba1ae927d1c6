DROP TABLE IF EXISTS notifier_checkpoints;
