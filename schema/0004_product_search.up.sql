-- A trigram index of the case-folded product names, so that a substring search does not
-- scan every product. External content: the names live in `products` only; the triggers
-- keep the index in step with every change the projection makes.
CREATE VIRTUAL TABLE products_search USING fts5(
  name_folded, content='products', content_rowid='id', tokenize='trigram case_sensitive 1'
);
INSERT INTO products_search (products_search) VALUES ('rebuild');

CREATE TRIGGER products_search_insert AFTER INSERT ON products
BEGIN
  INSERT INTO products_search (rowid, name_folded) VALUES (new.id, new.name_folded);
END;

CREATE TRIGGER products_search_delete AFTER DELETE ON products
BEGIN
  INSERT INTO products_search (products_search, rowid, name_folded)
  VALUES ('delete', old.id, old.name_folded);
END;

CREATE TRIGGER products_search_rename AFTER UPDATE OF name_folded ON products
WHEN old.name_folded <> new.name_folded
BEGIN
  INSERT INTO products_search (products_search, rowid, name_folded)
  VALUES ('delete', old.id, old.name_folded);
  INSERT INTO products_search (rowid, name_folded) VALUES (new.id, new.name_folded);
END;
