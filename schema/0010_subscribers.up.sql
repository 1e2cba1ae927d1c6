-- Telegram subscribers: personal data, not events. Nothing of a chat is in the log, so
-- /stop (or Telegram answering 403, the bot blocked) erases it by deleting these rows.
-- `position` is the last log position delivered to the chat (or passed over as not its
-- concern); it only moves forward. Times are milliseconds since the epoch.
CREATE TABLE subscribers (
  chat_id       INTEGER PRIMARY KEY,
  position      INTEGER NOT NULL,
  subscribed_at INTEGER NOT NULL
);
-- What a chat follows; a chat with no row here gets every change. The rowid keeps the
-- order /following lists them in.
CREATE TABLE subscriber_follows (
  chat_id     INTEGER NOT NULL,
  kind        TEXT    NOT NULL CHECK (kind IN ('category', 'tag', 'product')),
  entity_id   INTEGER NOT NULL,
  followed_at INTEGER NOT NULL,
  UNIQUE (chat_id, kind, entity_id)
);
-- One price alert per chat and product, gone once it fired.
CREATE TABLE subscriber_alerts (
  chat_id         INTEGER NOT NULL,
  product_id      INTEGER NOT NULL,
  price_shmeckles REAL    NOT NULL,
  PRIMARY KEY (chat_id, product_id)
) WITHOUT ROWID;
-- The bot's own state, such as the offset of getUpdates long polling (the next update_id).
CREATE TABLE bot_state (
  name  TEXT    PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
