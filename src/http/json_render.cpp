#include "http/json_render.hpp"

namespace catalog::http {

void write(JsonWriter& w, const events::NamedView& v) {
  w.begin_object().key("id").value(v.id).key("name").value(v.name).end_object();
}

void write(JsonWriter& w, const events::ProductView& v) {
  w.begin_object();
  w.key("id").value(v.id);
  w.key("name").value(v.name);
  w.key("description").value(v.description);
  w.key("image_url").value(v.image_url);
  w.key("price_shmeckles").value(v.price_shmeckles);
  w.key("price_flurbos").value(v.price_flurbos);
  w.key("category_id");
  if (v.category) {
    w.value(v.category->id);
    w.key("category");
    write(w, *v.category);
  } else {
    w.null().key("category").null();
  }
  w.key("tags").begin_array();
  for (const auto& t : v.tags)
    write(w, t);
  w.end_array();
  w.key("version").value(v.version);
  w.key("created_at").value(events::format_iso(v.created_at));
  w.key("updated_at").value(events::format_iso(v.updated_at));
  w.end_object();
}

void write(JsonWriter& w, const events::RecordedEvent& e) {
  w.begin_object();
  w.key("position").value(e.position);
  w.key("type").value(e.type);
  w.key("stream").value(e.stream);
  w.key("version").value(e.version);
  w.key("data").raw(e.data);  // stored as the JSON text that was hashed
  w.key("recorded_at").value(events::format_iso(e.recorded_at));
  w.key("hash").value(e.hash);
  w.end_object();
}

namespace {

template <class T>
std::string render_one(const T& v) {
  std::string out;
  JsonWriter w(out);
  write(w, v);
  return out;
}

template <class T>
std::string render_list(const std::vector<T>& list) {
  std::string out;
  out.reserve(list.size() * 256);
  JsonWriter w(out);
  w.begin_array();
  for (const auto& v : list)
    write(w, v);
  w.end_array();
  return out;
}

}  // namespace

std::string render(const events::NamedView& v) {
  return render_one(v);
}
std::string render(const events::ProductView& v) {
  return render_one(v);
}
std::string render(const std::vector<events::NamedView>& list) {
  return render_list(list);
}
std::string render(const std::vector<events::ProductView>& list) {
  return render_list(list);
}
std::string render(const events::RecordedEvent& e) {
  return render_one(e);
}
std::string render(const std::vector<events::RecordedEvent>& list) {
  return render_list(list);
}

std::shared_ptr<const projections::CachedProduct> render(const events::ProductView& v,
                                                         int64_t position) {
  return std::make_shared<const projections::CachedProduct>(
      projections::CachedProduct{render(v), v.version, position});
}

std::string render(const projections::ProductPage& page, projections::ProductCache* cache) {
  if (page.kept.empty()) return render(page.items);
  std::string body = "[";
  auto read = page.items.begin();
  for (const auto& kept : page.kept) {
    if (body.size() > 1) body += ',';
    if (kept) {
      body += kept->json;
      continue;
    }
    auto rendered = render(*read, page.position);
    body += rendered->json;
    if (cache) cache->insert(read->id, std::move(rendered));
    ++read;
  }
  body += ']';
  return body;
}

}  // namespace catalog::http
