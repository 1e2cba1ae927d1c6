-- The projection now keeps products_search in step itself, row by row, instead of through
-- triggers. A trigger made every write to `products` a multi-statement change, and FTS5
-- writes its pending index to disk at each such statement's savepoint: one tiny segment
-- per product, merged again later. Written directly, a batch's names go to disk once, at
-- its commit.
DROP TRIGGER IF EXISTS products_search_rename;
DROP TRIGGER IF EXISTS products_search_delete;
DROP TRIGGER IF EXISTS products_search_insert;
