DROP TABLE IF EXISTS merkle_nodes;
