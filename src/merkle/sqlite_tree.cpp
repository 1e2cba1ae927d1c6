#include "merkle/sqlite_tree.hpp"

#include <stdexcept>

#include "merkle/node_cache.hpp"

namespace catalog::merkle {

namespace {

Hash to_hash(std::string_view blob) {
  Hash h{};
  if (blob.size() != h.size()) throw std::runtime_error("a Merkle tree node is not 32 bytes");
  std::copy(blob.begin(), blob.end(), h.begin());
  return h;
}

std::string name(const NodeId& id) {
  return "node " + std::to_string(id.level) + "/" + std::to_string(id.index);
}

constexpr int64_t progress_every = 65536;

}  // namespace

int64_t node_seq(const NodeId& id) {
  // The leaf that completes the node is number (index + 1) << level; the nodes of all the
  // leaves before it come first, then those this leaf completes, lowest level first.
  return inner_node_count(((id.index + 1) << id.level) - 1) + id.level;
}

std::optional<Hash> SqliteTree::stored(const NodeId& id) {
  db::Reset s(db_.cached("SELECT hash FROM merkle_nodes WHERE seq = ?"));
  s->bind(1, node_seq(id));
  if (!s->step()) return std::nullopt;
  return to_hash(s->blob_view(0));
}

Hash SqliteTree::leaf_at(int64_t position) {
  db::Reset s(db_.cached("SELECT hash FROM events WHERE position = ?"));
  s->bind(1, position);
  if (!s->step())
    throw std::runtime_error("the log has no event at position " + std::to_string(position));
  return leaf_hash(from_hex(s->text_view(0)));
}

void SqliteTree::insert(const NodeId& id, const Hash& h) {
  db::Reset s(db_.cached("INSERT INTO merkle_nodes (seq, hash) VALUES (?, ?)"));
  s->bind(1, node_seq(id)).bind_blob(2, h.data(), h.size());
  s->step();
}

std::vector<Hash> SqliteTree::fetch(const std::vector<NodeId>& ids) {
  std::vector<Hash> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    if (id.level == 0) {
      out.push_back(leaf_at(id.index + 1));
      continue;
    }
    auto h = cache_ && id.level >= NodeCache::lowest_level ? cache_->get(*this, id) : stored(id);
    if (!h) throw std::runtime_error("the Merkle tree lacks " + name(id));
    out.push_back(*h);
  }
  return out;
}

void SqliteTree::add_leaf(int64_t position, std::string_view event_hash) {
  Hash current = leaf_hash(from_hex(event_hash));
  int level = 0;
  for (int64_t index = position - 1; index & 1; index >>= 1) {
    Hash left;
    if (level == 0) {
      left = leaf_at(index);  // the leaf at index - 1 is the event at position index
    } else {
      auto h = stored({level, index - 1});
      if (!h)
        throw std::runtime_error("the Merkle tree lacks " + name({level, index - 1}) +
                                 ", beside the event at position " + std::to_string(position));
      left = *h;
    }
    current = node_hash(left, current);
    ++level;
    insert({level, index >> 1}, current);
  }
}

void SqliteTree::add_leaf(std::optional<Frontier>& edge, int64_t position,
                          std::string_view event_hash) {
  if (!edge || edge->size() != position - 1)
    edge.emplace(position - 1, fetch(decomposition(position - 1)));
  edge->push(leaf_hash(from_hex(event_hash)),
             [this](const NodeId& id, const Hash& h) { insert(id, h); });
}

int64_t SqliteTree::built_size() {
  db::Reset s(db_.cached("SELECT coalesce(max(seq), 0) FROM merkle_nodes"));
  s->step();
  int64_t nodes = s->int64(0);
  // The smallest size with that many nodes (sizes 2k and 2k + 1 have as many); nodes grow
  // with the size, so a binary search finds it.
  int64_t low = 0, high = 2 * nodes + 2;
  while (low < high) {
    int64_t mid = low + (high - low) / 2;
    if (inner_node_count(mid) < nodes)
      low = mid + 1;
    else
      high = mid;
  }
  if (inner_node_count(low) != nodes)
    throw std::runtime_error("the Merkle tree's last node, " + std::to_string(nodes) +
                             ", ends no leaf: the tree is damaged");
  return low;
}

int64_t SqliteTree::catch_up(const std::function<void(int64_t, int64_t)>& progress) {
  int64_t head = 0;
  {
    db::Reset s(db_.cached("SELECT coalesce(max(position), 0) FROM events"));
    s->step();
    head = s->int64(0);
  }
  // Sizes 2k and 2k + 1 have as many nodes: a complete tree is recognised by its node count,
  // so an odd log is not read again at every start.
  {
    db::Reset s(db_.cached("SELECT coalesce(max(seq), 0) FROM merkle_nodes"));
    s->step();
    if (s->int64(0) == inner_node_count(head)) return 0;
  }
  int64_t from = built_size();
  if (from > head)
    throw std::runtime_error("the Merkle tree covers " + std::to_string(from) +
                             " events, more than the log's " + std::to_string(head));
  // Nodes are complete for `from` leaves; check the highest ones it needs are there.
  auto ids = decomposition(from);
  Frontier frontier(from, fetch(ids));
  int64_t total = head - from, done = 0;
  if (total == 0) return 0;
  if (progress) progress(0, total);
  db::Reset rows(
      db_.cached("SELECT position, hash FROM events WHERE position > ? ORDER BY position"));
  rows->bind(1, from);
  while (rows->step()) {
    if (rows->int64(0) != from + done + 1)
      throw std::runtime_error("the log has a gap before position " +
                               std::to_string(rows->int64(0)));
    frontier.push(leaf_hash(from_hex(rows->text_view(1))),
                  [&](const NodeId& id, const Hash& h) { insert(id, h); });
    if (++done % progress_every == 0 && progress) progress(done, total);
  }
  if (progress) progress(done, total);
  return done;
}

std::optional<TreeFault> SqliteTree::check(int64_t until,
                                           const std::function<void(int64_t, int64_t)>& progress) {
  Frontier frontier;
  std::optional<TreeFault> fault;
  db::Reset rows(
      db_.cached("SELECT position, hash FROM events WHERE position <= ? ORDER BY position"));
  rows->bind(1, until);
  int64_t done = 0;
  while (!fault && rows->step()) {
    int64_t position = rows->int64(0);
    Hash leaf;
    try {
      leaf = leaf_hash(from_hex(rows->text_view(1)));
    } catch (const std::invalid_argument&) {
      return TreeFault{position, "its hash is not 64 hex digits"};
    }
    frontier.push(leaf, [&](const NodeId& id, const Hash& h) {
      if (fault) return;
      auto kept = stored(id);
      if (!kept)
        fault = TreeFault{position, "the Merkle tree lacks " + name(id)};
      else if (*kept != h)
        fault =
            TreeFault{position, "the Merkle tree's " + name(id) + " is not the hash of its leaves"};
    });
    if (++done % progress_every == 0 && progress) progress(done, until);
  }
  if (fault) return fault;
  db::Reset count(db_.cached("SELECT count(*) FROM merkle_nodes"));
  count->step();
  if (count->int64(0) != inner_node_count(done))
    return TreeFault{done, "the Merkle tree holds " + std::to_string(count->int64(0)) +
                               " nodes where " + std::to_string(done) + " events make " +
                               std::to_string(inner_node_count(done))};
  return std::nullopt;
}

}  // namespace catalog::merkle
