-- The read model: projections of the event log that the GET routes query. Disposable:
-- `catalog replay` drops their rows and rebuilds them from the log.
CREATE TABLE categories (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL,
  name_folded TEXT    NOT NULL,
  version     INTEGER NOT NULL
);
CREATE INDEX categories_by_folded_name ON categories (name_folded);

CREATE TABLE tags (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL,
  name_folded TEXT    NOT NULL,
  version     INTEGER NOT NULL
);
CREATE INDEX tags_by_folded_name ON tags (name_folded);

CREATE TABLE products (
  id              INTEGER PRIMARY KEY,
  name            TEXT    NOT NULL,
  name_folded     TEXT    NOT NULL,
  description     TEXT,
  image_url       TEXT,
  price_shmeckles REAL    NOT NULL,
  price_flurbos   REAL    NOT NULL,
  category_id     INTEGER,
  version         INTEGER NOT NULL,
  created_at      TEXT    NOT NULL,
  updated_at      TEXT    NOT NULL
);
CREATE INDEX products_by_category ON products (category_id);
CREATE INDEX products_by_price_shmeckles ON products (price_shmeckles);
CREATE INDEX products_by_price_flurbos ON products (price_flurbos);
CREATE INDEX products_by_folded_name ON products (name_folded);
CREATE INDEX products_by_created_at ON products (created_at);
CREATE INDEX products_by_updated_at ON products (updated_at);

CREATE TABLE product_tags (
  product_id INTEGER NOT NULL,
  tag_id     INTEGER NOT NULL,
  PRIMARY KEY (product_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX product_tags_by_tag ON product_tags (tag_id, product_id);

-- How far each projection has applied the log; written in the same transaction as the
-- rows it covers, so a crash can neither skip an event nor apply one twice.
CREATE TABLE projection_checkpoints (
  name     TEXT    PRIMARY KEY,
  position INTEGER NOT NULL
);
