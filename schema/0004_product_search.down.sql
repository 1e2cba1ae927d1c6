DROP TRIGGER IF EXISTS products_search_rename;
DROP TRIGGER IF EXISTS products_search_delete;
DROP TRIGGER IF EXISTS products_search_insert;
DROP TABLE IF EXISTS products_search;
