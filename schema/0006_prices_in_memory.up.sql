-- Lists filtered or sorted by a price are answered from the filter index the service keeps in
-- memory (src/projections/filter_index.hpp), so these two B-trees only cost writes: their keys
-- are random, and each create touched about two pages of them, each price change four, of
-- the roughly seven pages of WAL a create wrote. Without them, POST /products/ went from
-- 12,000 to 15,100-16,100 req/s and PUT from 13,600 to 15,200-16,100 (256 connections, 10,000
-- products). The SQL that remains for a reader the index cannot serve scans the table.
DROP INDEX IF EXISTS products_by_price_shmeckles;
DROP INDEX IF EXISTS products_by_price_flurbos;
