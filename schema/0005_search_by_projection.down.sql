-- Back to the triggers of 0004, which keep the index without the projection's help. The
-- index itself is the same either way, so it stays as it is.
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
