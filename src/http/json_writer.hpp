// A small streaming JSON writer: appends straight to the response body, so rendering a
// list of products builds no intermediate document.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace catalog::http {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(int64_t n);
  JsonWriter& value(double d);
  JsonWriter& value(bool b);
  JsonWriter& null();
  // Inserts already-encoded JSON (an event's stored data).
  JsonWriter& raw(std::string_view json);
  template <class T>
  JsonWriter& value(const std::optional<T>& v) {
    return v ? value(*v) : null();
  }

 private:
  void separate();
  std::string& out_;
  bool first_ = true;  // no comma before the next member or element
};

}  // namespace catalog::http
