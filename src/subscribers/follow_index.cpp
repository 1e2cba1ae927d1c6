#include "subscribers/follow_index.hpp"

#include <algorithm>

namespace catalog::subscribers {

namespace {

// Removes one `value` from `v` without keeping the order; true when it was there.
template <class T>
bool erase_one(std::vector<T>& v, T value) {
  auto it = std::find(v.begin(), v.end(), value);
  if (it == v.end()) return false;
  *it = v.back();
  v.pop_back();
  return true;
}

}  // namespace

// Ids are positive and far below 2^62: the kind takes the two top bits.
FollowIndex::Key FollowIndex::key(FollowKind kind, Id id) {
  return (static_cast<Key>(kind) << 62) | static_cast<Key>(id);
}

std::pair<FollowKind, Id> FollowIndex::unkey(Key k) {
  return {static_cast<FollowKind>(k >> 62), static_cast<Id>(k & ((Key{1} << 62) - 1))};
}

bool FollowIndex::add(ChatId chat, FollowKind kind, Id id) {
  auto k = key(kind, id);
  auto& mine = by_chat_[chat];
  if (std::find(mine.begin(), mine.end(), k) != mine.end()) return false;
  mine.push_back(k);
  followers_[k].push_back(chat);
  ++follows_;
  return true;
}

bool FollowIndex::remove(ChatId chat, FollowKind kind, Id id) {
  auto k = key(kind, id);
  auto mine = by_chat_.find(chat);
  if (mine == by_chat_.end()) return false;
  auto it = std::find(mine->second.begin(), mine->second.end(), k);
  if (it == mine->second.end()) return false;
  mine->second.erase(it);  // keeps the order /following lists them in
  if (mine->second.empty()) by_chat_.erase(mine);
  auto f = followers_.find(k);
  erase_one(f->second, chat);
  if (f->second.empty()) followers_.erase(f);
  --follows_;
  return true;
}

void FollowIndex::forget(ChatId chat) {
  auto mine = by_chat_.find(chat);
  if (mine == by_chat_.end()) return;
  for (auto k : mine->second) {
    auto f = followers_.find(k);
    erase_one(f->second, chat);
    if (f->second.empty()) followers_.erase(f);
    --follows_;
  }
  by_chat_.erase(mine);
}

bool FollowIndex::follows(ChatId chat, FollowKind kind, Id id) const {
  auto mine = by_chat_.find(chat);
  return mine != by_chat_.end() &&
         std::find(mine->second.begin(), mine->second.end(), key(kind, id)) != mine->second.end();
}

std::vector<std::pair<FollowKind, Id>> FollowIndex::follows(ChatId chat) const {
  std::vector<std::pair<FollowKind, Id>> out;
  if (auto mine = by_chat_.find(chat); mine != by_chat_.end())
    for (auto k : mine->second)
      out.push_back(unkey(k));
  return out;
}

void FollowIndex::collect(Key k, std::vector<ChatId>& out) const {
  if (auto f = followers_.find(k); f != followers_.end())
    out.insert(out.end(), f->second.begin(), f->second.end());
}

void FollowIndex::route(const Concern& c, std::vector<ChatId>& out) const {
  auto first = out.size();
  if (c.product > 0) collect(key(FollowKind::product, c.product), out);
  for (auto id : c.categories)
    collect(key(FollowKind::category, id), out);
  for (auto id : c.tags)
    collect(key(FollowKind::tag, id), out);
  auto begin = out.begin() + static_cast<std::ptrdiff_t>(first);
  std::sort(begin, out.end());
  out.erase(std::unique(begin, out.end()), out.end());
}

}  // namespace catalog::subscribers
