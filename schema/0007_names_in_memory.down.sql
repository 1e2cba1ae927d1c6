-- Revision 6 searched names through this table, written by the projection itself (0005).
CREATE VIRTUAL TABLE products_search USING fts5(
  name_folded, content='products', content_rowid='id', tokenize='trigram case_sensitive 1'
);
INSERT INTO products_search (products_search) VALUES ('rebuild');
