// An event as the log holds it: its place in the log and in its stream, its data as the
// exact JSON text that was hashed, and the hash that chains it to the event before.
#pragma once

#include <cstdint>
#include <string>

#include "events/clock.hpp"

namespace catalog::events {

struct RecordedEvent {
  int64_t position = 0;  // 1, 2, 3, ... over the whole log, without gaps
  std::string stream;    // "product-7"
  int64_t version = 0;   // 1, 2, 3, ... within the stream
  std::string type;      // "ProductUpdated"
  std::string data;      // JSON object text, exactly as hashed
  Millis recorded_at = 0;
  std::string hash;  // hex SHA-256, see hash_chain.hpp
};

}  // namespace catalog::events
