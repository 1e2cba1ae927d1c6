// What the catalog answers a command with, and what a keyed command (Idempotency-Key) brings
// along so that its answer can be kept with its events.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "events/kept_answer.hpp"
#include "events/views.hpp"

namespace catalog::events {

struct CommandResult {
  Outcome outcome;
  // Catalog-Position: the last position the command wrote, or for a command that wrote
  // nothing, the head of the log it was decided at.
  int64_t position = 0;
  // For a keyed command: the answer to give, verbatim, whether it was decided now or kept
  // from the first time the key was sent.
  std::optional<KeptAnswer> kept;
};

struct IdempotencyRequest {
  std::string key;
  std::string fingerprint;  // of the method, path and body
  // Renders the answer the client gets for an outcome; called on the catalog's thread
  // before the commit, so the answer is kept in the same transaction as the events.
  std::function<KeptAnswer(const Outcome&, int64_t position)> render;
};

}  // namespace catalog::events
