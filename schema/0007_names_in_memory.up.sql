-- The name filter is answered from the names held in memory (src/projections/name_search.hpp),
-- which the server indexes by trigram as it starts. The FTS5 trigram table it replaces cost a
-- replay of a million events 14.6 of its 24 seconds to rebuild, and each batch of the
-- projector a flush of its pending terms.
DROP TABLE IF EXISTS products_search;
