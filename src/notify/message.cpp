#include "notify/message.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "projections/as_of.hpp"

namespace catalog::notify {

using namespace catalog::events;

namespace {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

std::string in_quotes(std::string_view name) {
  return "«" + std::string(name) + "»";
}

std::string title(Resource kind) {
  std::string s(resource_name(kind));
  s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string entity(Resource kind, Id id) {
  return title(kind) + " #" + std::to_string(id);
}

std::string tag_list(const std::vector<NamedView>& tags) {
  if (tags.empty()) return "none";
  std::string out;
  for (const auto& t : tags)
    out += (out.empty() ? "" : ", ") + in_quotes(t.name);
  return out;
}

std::string category_of(const ProductView& p) {
  return p.category ? in_quotes(p.category->name) : "none";
}

std::string describe(const ProductView& p) {
  return price_text(p.price_shmeckles) + " shmeckles / " + price_text(p.price_flurbos) +
         " flurbos; category " + category_of(p) + "; tags " + tag_list(p.tags);
}

std::string optional_text(const std::optional<std::string>& s) {
  return s ? in_quotes(*s) : "none";
}

// "name «A» → «B»; price 1 → 2 shmeckles; ...": each changed field, before and after.
std::string changes(const ProductPatch& patch, const ProductView& before,
                    const ProductView& after) {
  std::vector<std::string> parts;
  if (patch.name) parts.push_back("name " + in_quotes(before.name) + " → " + in_quotes(after.name));
  if (patch.price_shmeckles)
    parts.push_back("price " + price_text(before.price_shmeckles) + " → " +
                    price_text(after.price_shmeckles) + " shmeckles");
  if (patch.price_flurbos)
    parts.push_back("price " + price_text(before.price_flurbos) + " → " +
                    price_text(after.price_flurbos) + " flurbos");
  if (patch.category_id)
    parts.push_back("category " + category_of(before) + " → " + category_of(after));
  if (patch.tag_ids)
    parts.push_back("tags " + tag_list(before.tags) + " → " + tag_list(after.tags));
  if (patch.description)
    parts.push_back("description " + optional_text(before.description) + " → " +
                    optional_text(after.description));
  if (patch.image_url)
    parts.push_back("image " + optional_text(before.image_url) + " → " +
                    optional_text(after.image_url));
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

std::string message_for(const RecordedEvent& rec, EventStore& store) {
  Event event = from_json(rec.type, nlohmann::json::parse(rec.data));
  int64_t at = rec.position;
  std::string text = std::visit(
      overloaded{
          [&](const NamedCreated& e) {
            return "🆕 " + entity(e.kind, e.id) + " " + in_quotes(e.name) + " created";
          },
          [&](const NamedRenamed& e) {
            auto before = projections::named_as_of(store, e.kind, e.id, at - 1);
            return "✏️ " + entity(e.kind, e.id) +
                   " renamed: " + in_quotes(before ? before->name : "?") + " → " +
                   in_quotes(e.name);
          },
          [&](const NamedDeleted& e) {
            auto before = projections::named_as_of(store, e.kind, e.id, at - 1);
            return "🗑 " + entity(e.kind, e.id) + " " + in_quotes(before ? before->name : "?") +
                   " deleted";
          },
          [&](const ProductCreated& e) {
            auto after = projections::product_as_of(store, e.id, at);
            return "🆕 " + entity(Resource::product, e.id) + " " + in_quotes(e.fields.name) +
                   " created: " + (after ? describe(*after) : "");
          },
          [&](const ProductUpdated& e) {
            auto before = projections::product_as_of(store, e.id, at - 1);
            auto after = projections::product_as_of(store, e.id, at);
            if (!before || !after) return "✏️ " + entity(Resource::product, e.id) + " updated";
            return "✏️ " + entity(Resource::product, e.id) + " " + in_quotes(after->name) +
                   " updated: " + changes(e.changes, *before, *after);
          },
          [&](const ProductDeleted& e) {
            auto before = projections::product_as_of(store, e.id, at - 1);
            return "🗑 " + entity(Resource::product, e.id) + " " +
                   in_quotes(before ? before->name : "?") + " deleted";
          },
      },
      event);
  return cut_to_limit(text);
}

std::string price_text(double v) {
  char buf[400];  // room for the smallest positive double in fixed notation
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

std::string cut_to_limit(std::string_view text, size_t max_units) {
  static constexpr std::string_view ellipsis = "…";  // one UTF-16 unit
  size_t units = 0;
  size_t i = 0;
  size_t cut = 0;  // the last boundary that leaves room for "…"
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    size_t char_units = len == 4 ? 2 : 1;  // outside the BMP: a surrogate pair
    if (units + char_units <= max_units - 1) cut = i + len;
    units += char_units;
    if (units > max_units) return std::string(text.substr(0, cut)) + std::string(ellipsis);
    i += len;
  }
  return std::string(text);
}

}  // namespace catalog::notify
