DROP FUNCTION IF EXISTS catalog_append(bigint, text, json, json);
DROP TABLE IF EXISTS cluster_nodes;
