// Every product's case-folded name, in memory, with the ids of the names that hold each
// trigram (three consecutive code points): the name filter of GET /products/ looked up
// without SQLite. It replaced an FTS5 trigram table (migration 0007), whose rebuild alone
// took 14.6 s of a 24 s replay of a million events, and whose pending terms the projector
// flushed to the WAL with every batch. This index is built from the products table when
// the server starts instead (start-up at a million products: 4.3 s before, 5.2-5.5 s).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "events/event.hpp"
#include "projections/posting_list.hpp"
#include "projections/term_memo.hpp"

namespace catalog::projections {

class NameSearch {
 public:
  // Replaced names stay in the store until they are more than half of it and at least
  // `compact_after` bytes; then the store is written again without them.
  // `memo_min_ids`: the least answer kept for the next search of a term shorter than a
  // trigram or not UTF-8; longer terms are kept whatever their answer (term_memo.hpp).
  explicit NameSearch(uint64_t memo_min_ids = TermMemo::default_min_ids,
                      size_t compact_after = size_t{1} << 20)
      : compact_after_(compact_after), memo_(TermMemo::default_max_bytes, memo_min_ids) {}

  // For a bulk load: room for ids below `ids`, then names in ascending id order, then
  // index() once.
  void reserve(size_t ids);
  void append(events::Id id, std::string_view folded);
  void index();

  // Gives `id` the name `folded`, or takes its name away (nullopt).
  void set(events::Id id, std::optional<std::string_view> folded);

  // The ids, ascending, of the names that contain `term` (case-folded, as they are).
  std::vector<events::Id> find(std::string_view term) const;
  // The same as a bitmap, kept for the next request (term_memo.hpp).
  std::shared_ptr<const Roaring> matching(std::string_view term) const;
  // The same into `out` (emptied first), so that a caller can keep one buffer.
  void find(std::string_view term, std::vector<events::Id>& out) const;

  size_t size() const { return names_; }
  const TermMemo& memo() const { return memo_; }

 private:
  struct Slot {
    uint64_t offset : 48;  // chunk << chunk_bits | the name's first byte in the chunk
    uint64_t length : 16;  // 0: no name (a product's name is never empty)
  };
  // The names are kept in chunks of 1 MiB: one string would double as it grew, and hold
  // twice the names while it is copied.
  static constexpr unsigned chunk_bits = 20;

  std::string_view name(size_t id) const;
  Slot store(std::string_view folded);
  void post(uint32_t id, std::string_view folded);
  void post(uint32_t id, const std::vector<uint64_t>& grams);
  void unpost(uint32_t id, const std::vector<uint64_t>& grams);
  // The trigram under which the memo files `term`'s answer, if it has one (term_memo.hpp).
  std::optional<uint64_t> anchor(std::string_view term) const;
  void compact();

  size_t compact_after_;
  std::vector<std::string> chunks_;  // the names, one after another
  size_t stored_ = 0;                // bytes in chunks_
  size_t garbage_ = 0;               // of them, no slot points at
  size_t names_ = 0;
  std::vector<Slot> slots_;                             // by id
  std::unordered_map<uint64_t, PostingList> postings_;  // trigram -> ids
  TermMemo memo_;
};

}  // namespace catalog::projections
