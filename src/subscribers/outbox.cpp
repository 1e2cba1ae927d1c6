#include "subscribers/outbox.hpp"

#include "notify/message.hpp"

namespace catalog::subscribers {

namespace {

// As Telegram counts a message's length: a character outside the BMP is two units.
size_t utf16_units(std::string_view s) {
  size_t units = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++units;  // not a continuation byte
    if (c >= 0xF0) ++units;
  }
  return units;
}

constexpr std::string_view separator = "\n\n";

}  // namespace

Outbox::Outbox(OutboxLimits limits, Clock::time_point now)
    : limits_(limits), global_(limits.global_rate, limits.global_rate, now) {}

Outbox::Line* Outbox::find(ChatId chat) {
  auto it = lines_.find(chat);
  return it == lines_.end() ? nullptr : &it->second;
}

const Outbox::Line* Outbox::find(ChatId chat) const {
  auto it = lines_.find(chat);
  return it == lines_.end() ? nullptr : &it->second;
}

bool Outbox::has(ChatId chat) const {
  const Line* l = find(chat);
  return l && l->subscribed;
}

std::optional<int64_t> Outbox::position(ChatId chat) const {
  const Line* l = find(chat);
  if (!l || !l->subscribed) return std::nullopt;
  return l->position;
}

void Outbox::add_chat(ChatId chat, int64_t position, bool follows, Clock::time_point now) {
  auto [it, added] = lines_.try_emplace(chat, limits_.chat_rate, now);
  Line& l = it->second;
  if (!added && l.subscribed) return;
  l.subscribed = true;
  l.position = position;
  l.since = position;
  l.broadcast = !follows;
  if (l.broadcast) {
    cursors_.insert(cursor(l));
    if (has_pending(l)) {
      wake(chat, l);
    } else {
      idle_broadcast_.push_back(chat);
    }
  }
}

void Outbox::remove_chat(ChatId chat) {
  Line* l = find(chat);
  if (!l || !l->subscribed) return;
  if (l->broadcast) {
    cursors_.erase(cursors_.find(cursor(*l)));
    l->broadcast = false;
  }
  l->subscribed = false;
  l->routed.clear();
  if (l->replies.empty() && l->state != State::in_flight) lines_.erase(chat);
  trim();
}

void Outbox::set_follows(ChatId chat, bool follows) {
  Line* l = find(chat);
  if (!l || !l->subscribed || l->broadcast == !follows) return;
  if (follows) {
    // What it had as a chat that gets everything stays pending, in order with its alerts.
    std::deque<Item> merged;
    auto from = std::upper_bound(window_.begin(), window_.end(), cursor(*l),
                                 [](int64_t p, const auto& c) { return p < c.first; });
    const auto& routed = l->routed.view();
    auto r = routed.begin();
    for (auto w = from; w != window_.end(); ++w) {
      while (r != routed.end() && r->position < w->first)
        merged.push_back(*r++);
      merged.push_back({w->first, w->second, 0});
    }
    for (; r != routed.end(); ++r)
      merged.push_back(*r);
    l->routed.assign(std::move(merged));
    cursors_.erase(cursors_.find(cursor(*l)));
    l->broadcast = false;
    trim();
  } else {
    l->since = std::max(l->position, head_);
    l->broadcast = true;
    cursors_.insert(cursor(*l));
    if (!has_pending(*l) && l->state == State::idle) idle_broadcast_.push_back(chat);
  }
}

void Outbox::change(int64_t position, Text text) {
  head_ = position;
  if (cursors_.empty()) return;
  window_.emplace_back(position, std::move(text));
  // Chats whose cursor is past this change (they subscribed later) wait for the next one.
  size_t kept = 0;
  for (ChatId chat : idle_broadcast_) {
    Line* l = find(chat);
    if (!l || !l->broadcast || l->state != State::idle) continue;
    if (has_pending(*l)) {
      wake(chat, *l);
    } else {
      idle_broadcast_[kept++] = chat;
    }
  }
  idle_broadcast_.resize(kept);
}

void Outbox::route(ChatId chat, int64_t position, Text text) {
  Line* l = find(chat);
  if (!l || !l->subscribed || l->broadcast || l->position >= position) return;
  l->routed.push_back({position, std::move(text), 0});
  wake(chat, *l);
}

void Outbox::alert(ChatId chat, int64_t position, Id product, Text text) {
  Line* l = find(chat);
  if (!l || !l->subscribed || l->position >= position) return;
  l->routed.push_back({position, std::move(text), product});
  wake(chat, *l);
}

void Outbox::reply(ChatId chat, std::string text, Clock::time_point now) {
  auto [it, added] = lines_.try_emplace(chat, limits_.chat_rate, now);
  if (added) it->second.subscribed = false;
  it->second.replies.push_back(std::move(text));
  wake(chat, it->second);
}

bool Outbox::has_pending(const Line& l) const {
  if (!l.replies.empty() || !l.routed.empty()) return true;
  return l.broadcast && !window_.empty() && window_.back().first > cursor(l);
}

size_t Outbox::pending(ChatId chat) const {
  const Line* l = find(chat);
  if (!l) return 0;
  size_t n = l->routed.size();
  if (l->broadcast) {
    auto from = std::upper_bound(window_.begin(), window_.end(), cursor(*l),
                                 [](int64_t p, const auto& c) { return p < c.first; });
    n += static_cast<size_t>(window_.end() - from);
  }
  return n;
}

size_t Outbox::largest_pending() const {
  size_t most = 0;
  for (const auto& entry : lines_)
    most = std::max(most, pending(entry.first));
  return most;
}

std::vector<ChatId> Outbox::idle_behind() const {
  std::vector<ChatId> out;
  for (const auto& [chat, l] : lines_)
    if (l.subscribed && l.state == State::idle && l.position < head_ && !has_pending(l))
      out.push_back(chat);
  return out;
}

void Outbox::mark_at_head(ChatId chat) {
  Line* l = find(chat);
  if (l && l->subscribed && !has_pending(*l)) set_cursor(*l, std::max(l->position, head_));
}

void Outbox::wake(ChatId chat, Line& l) {
  if (l.state != State::idle) return;
  l.state = State::ready;
  ready_.push_back(chat);
}

void Outbox::set_cursor(Line& l, int64_t to) {
  if (!l.broadcast) {
    l.position = to;
    return;
  }
  cursors_.erase(cursors_.find(cursor(l)));
  l.position = to;
  cursors_.insert(cursor(l));
  trim();
}

void Outbox::trim() {
  // Every chat that gets all changes is past what is dropped here.
  int64_t keep_after = cursors_.empty() ? INT64_MAX : *cursors_.begin();
  while (!window_.empty() && window_.front().first <= keep_after)
    window_.pop_front();
}

Delivery Outbox::compose(ChatId chat, Line& l) const {
  Delivery d;
  d.chat = chat;
  if (!l.replies.empty()) {
    d.text = notify::cut_to_limit(l.replies.front(), limits_.max_units);
    return d;
  }
  // Changes go in log order, a change with the alerts it fired kept together; whole groups
  // only, but for a first group longer than a message, which is cut.
  auto w = window_.end();
  if (l.broadcast)
    w = std::upper_bound(window_.begin(), window_.end(), cursor(l),
                         [](int64_t p, const auto& c) { return p < c.first; });
  const auto& routed = l.routed.view();
  auto r = routed.begin();
  size_t units = 0;
  while (w != window_.end() || r != routed.end()) {
    int64_t p = INT64_MAX;
    if (w != window_.end()) p = w->first;
    if (r != routed.end()) p = std::min(p, r->position);
    std::string group;
    size_t items = 0;
    std::vector<Id> alerts;
    if (w != window_.end() && w->first == p) {
      group = *w->second;
      ++items;
      ++w;
    }
    for (; r != routed.end() && r->position == p; ++r) {
      if (!group.empty()) group += separator;
      group += *r->text;
      ++items;
      if (r->alert) alerts.push_back(r->alert);
    }
    size_t group_units = utf16_units(group);
    if (d.changes == 0) {
      d.text = notify::cut_to_limit(group, limits_.max_units);
      units = group_units;
    } else {
      if (units + separator.size() + group_units > limits_.max_units) break;
      d.text += separator;
      d.text += group;
      units += separator.size() + group_units;
    }
    d.through = p;
    d.changes += items;
    d.alerts.insert(d.alerts.end(), alerts.begin(), alerts.end());
  }
  return d;
}

std::optional<Delivery> Outbox::next(Clock::time_point now, Clock::time_point& wake_at) {
  while (!timed_.empty() && timed_.begin()->first <= now) {
    ChatId chat = timed_.begin()->second;
    timed_.erase(timed_.begin());
    Line* l = find(chat);
    if (l && l->state == State::timed) {
      l->state = State::ready;
      ready_.push_back(chat);
    }
  }
  wake_at = timed_.empty() ? Clock::time_point::max() : timed_.begin()->first;
  while (!ready_.empty()) {
    if (auto wait = global_.wait(now); wait > Clock::duration::zero()) {
      wake_at = std::min(wake_at, now + wait);
      return std::nullopt;
    }
    ChatId chat = ready_.front();
    ready_.pop_front();
    Line* l = find(chat);
    if (!l || l->state != State::ready) continue;
    if (!has_pending(*l)) {
      l->state = State::idle;
      if (l->broadcast) idle_broadcast_.push_back(chat);
      continue;
    }
    auto until = std::max(l->not_before, now + l->bucket.wait(now));
    if (until > now) {
      l->state = State::timed;
      timed_.emplace(until, chat);
      wake_at = std::min(wake_at, until);
      continue;
    }
    l->bucket.take(now);
    global_.take(now);
    l->state = State::in_flight;
    return compose(chat, *l);
  }
  return std::nullopt;
}

std::chrono::milliseconds Outbox::backoff(int failures) const {
  auto ceiling = limits_.first_backoff.count() << std::min(failures - 1, 20);
  return std::chrono::milliseconds(std::min<int64_t>(ceiling, limits_.max_backoff.count()));
}

std::optional<int64_t> Outbox::done(const Delivery& d, Outcome outcome, Clock::time_point now,
                                    std::chrono::milliseconds retry_after) {
  Line* l = find(d.chat);
  if (!l) return std::nullopt;
  l->state = State::idle;
  std::optional<int64_t> moved;
  switch (outcome) {
    case Outcome::sent:
    case Outcome::refused:
      l->failures = 0;
      if (d.through == 0) {
        if (!l->replies.empty()) l->replies.pop_front();
      } else if (l->subscribed) {
        while (!l->routed.empty() && l->routed.front().position <= d.through)
          l->routed.pop_front();
        if (d.through > l->position) {
          set_cursor(*l, d.through);
          moved = d.through;
        }
      }
      break;
    case Outcome::rate_limited:
      l->bucket.hold_until(now + retry_after);
      break;
    case Outcome::transient:
      ++l->failures;
      l->not_before = now + backoff(l->failures);
      break;
    case Outcome::gone:
      l->replies.clear();
      remove_chat(d.chat);
      break;
  }
  l = find(d.chat);
  if (!l) return moved;
  if (!l->subscribed && l->replies.empty()) {
    lines_.erase(d.chat);
  } else if (has_pending(*l)) {
    wake(d.chat, *l);
  } else if (l->broadcast) {
    idle_broadcast_.push_back(d.chat);
  }
  return moved;
}

}  // namespace catalog::subscribers
