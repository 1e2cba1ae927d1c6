-- Back to SQLite answering price filters and sorts through its own indexes.
CREATE INDEX products_by_price_shmeckles ON products (price_shmeckles);
CREATE INDEX products_by_price_flurbos ON products (price_flurbos);
