-- The Merkle tree over the log (RFC 9162 §2.1): the hash of every complete subtree of two or
-- more leaves, written in the transaction that appends the leaf completing it, so the tree and
-- the log never disagree. Leaves themselves are not stored: each is SHA-256(0x00 || the event's
-- hash). The root of any size and any proof read O(log n) rows.
-- A node's key `seq` is its place in the order nodes are written: the nodes of the first k
-- leaves are rows 1 .. k - popcount(k), and each appended event adds its nodes at the end of
-- the table, so a commit dirties the last page only (src/merkle/sqlite_tree.cpp, node_seq).
-- `catalog migrate` (and `catalog serve`) then builds the nodes of the events already logged,
-- in code: SQLite has no SHA-256.
CREATE TABLE merkle_nodes (
  seq   INTEGER PRIMARY KEY,
  hash  BLOB NOT NULL CHECK (length(hash) = 32)
);

CREATE TRIGGER merkle_nodes_append_only_update BEFORE UPDATE ON merkle_nodes
BEGIN
  SELECT RAISE(ABORT, 'the Merkle tree is append-only: UPDATE refused');
END;

CREATE TRIGGER merkle_nodes_append_only_delete BEFORE DELETE ON merkle_nodes
BEGIN
  SELECT RAISE(ABORT, 'the Merkle tree is append-only: DELETE refused');
END;
