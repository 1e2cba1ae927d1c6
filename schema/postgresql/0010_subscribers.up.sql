-- Telegram subscribers (see the SQLite revision): personal data, not events, in the shared
-- database so that whichever node is the writer serves them. A chat's follows and alerts
-- go with it (ON DELETE CASCADE): /stop is one DELETE.
CREATE TABLE subscribers (
  chat_id       bigint PRIMARY KEY,
  position      bigint NOT NULL,
  subscribed_at bigint NOT NULL
);
-- `seq` keeps the order /following lists them in.
CREATE TABLE subscriber_follows (
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  chat_id     bigint NOT NULL REFERENCES subscribers ON DELETE CASCADE,
  kind        text   NOT NULL CHECK (kind IN ('category', 'tag', 'product')),
  entity_id   bigint NOT NULL,
  followed_at bigint NOT NULL,
  PRIMARY KEY (chat_id, kind, entity_id)
);
CREATE TABLE subscriber_alerts (
  chat_id         bigint           NOT NULL REFERENCES subscribers ON DELETE CASCADE,
  product_id      bigint           NOT NULL,
  price_shmeckles double precision NOT NULL,
  PRIMARY KEY (chat_id, product_id)
);
CREATE TABLE bot_state (
  name  text   PRIMARY KEY,
  value bigint NOT NULL
);
