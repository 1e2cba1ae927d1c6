-- The Merkle tree over the log (RFC 9162 §2.1): the hash of every complete subtree of two or
-- more leaves, written in the transaction that appends the leaf completing it, so the tree and
-- the log never disagree. Subtree `idx` of `level` covers the leaves
-- [idx * 2^level, (idx + 1) * 2^level); leaves themselves (level 0) are not stored: each is
-- SHA-256(0x00 || the event's hash). The root of any size and any proof read O(log n) rows.
-- `catalog migrate` (and `catalog serve`) then builds the nodes of the events already logged,
-- in code: SQLite has no SHA-256.
CREATE TABLE merkle_nodes (
  level INTEGER NOT NULL CHECK (level > 0),
  idx   INTEGER NOT NULL CHECK (idx >= 0),
  hash  BLOB    NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TRIGGER merkle_nodes_append_only_update BEFORE UPDATE ON merkle_nodes
BEGIN
  SELECT RAISE(ABORT, 'the Merkle tree is append-only: UPDATE refused');
END;

CREATE TRIGGER merkle_nodes_append_only_delete BEFORE DELETE ON merkle_nodes
BEGIN
  SELECT RAISE(ABORT, 'the Merkle tree is append-only: DELETE refused');
END;
