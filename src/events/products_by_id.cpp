#include "events/products_by_id.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace catalog::events {

namespace {

// The packed product, in this order:
//   version                      varint
//   flags                        one byte, the bits below
//   created_at                   zigzag varint
//   updated_at - created_at      zigzag varint: one byte while they are equal
//   price_shmeckles, flurbos     zigzag varint of hundredths with in_hundredths, else 8 bytes
//   category_id                  zigzag varint, with has_category
//   tag count, then each tag     varint; zigzag varints of the step from the one before
//   name                         varint length, bytes
//   description, image_url       the same, with has_description, has_image
// The version comes first for version(), the references before the strings for
// references(). Arithmetic on ids and times is modulo 2^64, so any value comes back.
enum Flag : uint8_t {
  has_description = 1,
  has_image = 2,
  has_category = 4,
  shmeckles_in_hundredths = 8,
  flurbos_in_hundredths = 16,
};

uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

int64_t unzigzag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

size_t varint_size(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7)
    ++n;
  return n;
}

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

// Prices are mostly decimals of two places ("12.34"), whose double is exactly the quotient
// of their hundredths by 100, division being correctly rounded; a price that would not
// come back bit for bit (-0.0, 0.1 + 0.2, ...) keeps its 8 bytes.
std::optional<int64_t> hundredths(double price) {
  if (!(std::fabs(price) < 1e13)) return std::nullopt;  // beyond 2^53 hundredths, or NaN
  int64_t k = std::llround(price * 100);
  if (std::bit_cast<uint64_t>(static_cast<double>(k) / 100) != std::bit_cast<uint64_t>(price))
    return std::nullopt;
  return k;
}

void put_price(std::string& out, double price, uint8_t& flags, uint8_t flag) {
  if (auto k = hundredths(price)) {
    flags |= flag;
    put_varint(out, zigzag(*k));
  } else {
    char raw[sizeof price];
    std::memcpy(raw, &price, sizeof price);
    out.append(raw, sizeof raw);
  }
}

std::string pack(const ProductState& p) {
  const auto& f = p.fields;
  std::string out;
  out.reserve(24 + 2 * f.tag_ids.size() + f.name.size() +
              (f.description ? f.description->size() : 0) +
              (f.image_url ? f.image_url->size() : 0));
  put_varint(out, static_cast<uint64_t>(p.version));
  size_t flags_at = out.size();
  out.push_back(0);
  uint8_t flags = 0;
  put_varint(out, zigzag(p.created_at));
  put_varint(out, zigzag(static_cast<int64_t>(static_cast<uint64_t>(p.updated_at) -
                                              static_cast<uint64_t>(p.created_at))));
  put_price(out, f.price_shmeckles, flags, shmeckles_in_hundredths);
  put_price(out, f.price_flurbos, flags, flurbos_in_hundredths);
  if (f.category_id) {
    flags |= has_category;
    put_varint(out, zigzag(*f.category_id));
  }
  put_varint(out, f.tag_ids.size());
  uint64_t previous = 0;
  for (Id t : f.tag_ids) {
    put_varint(out, zigzag(static_cast<int64_t>(static_cast<uint64_t>(t) - previous)));
    previous = static_cast<uint64_t>(t);
  }
  put_string(out, f.name);
  if (f.description) {
    flags |= has_description;
    put_string(out, *f.description);
  }
  if (f.image_url) {
    flags |= has_image;
    put_string(out, *f.image_url);
  }
  out[flags_at] = static_cast<char>(flags);
  return out;
}

// Reads what pack() and append() wrote, which this program alone writes: no bounds checks.
struct Reader {
  const char* at;

  uint64_t varint() {
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
      auto b = static_cast<uint8_t>(*at++);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  }
  uint8_t byte() { return static_cast<uint8_t>(*at++); }
  double price(bool in_hundredths) {
    if (in_hundredths) return static_cast<double>(unzigzag(varint())) / 100;
    double v;
    std::memcpy(&v, at, sizeof v);
    at += sizeof v;
    return v;
  }
  std::string string() {
    size_t n = varint();
    std::string s(at, n);
    at += n;
    return s;
  }

  // The fields up to the strings; what references() needs, and find() before them.
  struct Head {
    int64_t version;
    uint8_t flags;
    Millis created_at;
    Millis updated_at;
    double shmeckles;
    double flurbos;
    std::optional<Id> category_id;
  };
  Head head(std::vector<Id>& tags) {
    Head h;
    h.version = static_cast<int64_t>(varint());
    h.flags = byte();
    h.created_at = unzigzag(varint());
    h.updated_at = static_cast<Millis>(static_cast<uint64_t>(h.created_at) +
                                       static_cast<uint64_t>(unzigzag(varint())));
    h.shmeckles = price(h.flags & shmeckles_in_hundredths);
    h.flurbos = price(h.flags & flurbos_in_hundredths);
    h.category_id.reset();
    if (h.flags & has_category) h.category_id = unzigzag(varint());
    tags.resize(varint());
    uint64_t previous = 0;
    for (Id& t : tags) {
      previous += static_cast<uint64_t>(unzigzag(varint()));
      t = static_cast<Id>(previous);
    }
    return h;
  }
};

}  // namespace

std::string_view ProductsById::payload(Slot s) const {
  const char* at = chunks_[(s >> 32) - 1].data.get() + static_cast<uint32_t>(s);
  Reader r{at};
  r.varint();  // the id
  size_t n = r.varint();
  return {r.at, n};
}

std::optional<ProductState> ProductsById::find(Id id) const {
  Slot s = slot(id);
  if (!s) return std::nullopt;
  Reader r{payload(s).data()};
  std::optional<ProductState> out(std::in_place);
  auto& f = out->fields;
  auto h = r.head(f.tag_ids);
  out->version = h.version;
  out->created_at = h.created_at;
  out->updated_at = h.updated_at;
  f.price_shmeckles = h.shmeckles;
  f.price_flurbos = h.flurbos;
  f.category_id = h.category_id;
  f.name = r.string();
  if (h.flags & has_description) f.description = r.string();
  if (h.flags & has_image) f.image_url = r.string();
  return out;
}

std::optional<int64_t> ProductsById::version(Id id) const {
  Slot s = slot(id);
  if (!s) return std::nullopt;
  return static_cast<int64_t>(Reader{payload(s).data()}.varint());
}

bool ProductsById::references(Id id, References& out) const {
  Slot s = slot(id);
  if (!s) return false;
  out.category_id = Reader{payload(s).data()}.head(out.tag_ids).category_id;
  return true;
}

std::string ProductsById::packed(Id id) const {
  Slot s = slot(id);
  return s ? std::string(payload(s)) : std::string();
}

void ProductsById::put(Id id, const ProductState& state) {
  set(id, pack(state));
}

void ProductsById::put_packed(Id id, std::string_view record) {
  if (record.empty()) return erase(id);
  set(id, record);
}

void ProductsById::erase(Id id) {
  Slot s = slot(id);
  if (!s) return;
  slot_for_writing(id) = 0;
  --size_;
  drop(s);
  compact();
}

ProductsById::Slot& ProductsById::slot_for_writing(Id id) {
  if (id < 0) throw std::invalid_argument("a product id is not negative");
  auto at = static_cast<size_t>(id);
  while (slots_.size() <= at / slots_per_chunk)
    slots_.push_back(std::make_shared<SlotChunk>());  // value-initialized: all 0
  auto& block = slots_[at / slots_per_chunk];
  if (shared(block)) block = std::make_shared<SlotChunk>(*block);  // 32 KB, copied on write
  return (*block)[at % slots_per_chunk];
}

void ProductsById::set(Id id, std::string_view record) {
  Slot& s = slot_for_writing(id);
  Slot before = s;
  s = append(id, record);
  if (before) {
    drop(before);
    compact();
  } else {
    ++size_;
  }
}

ProductsById::Slot ProductsById::append(Id id, std::string_view record) {
  size_t length =
      varint_size(static_cast<uint64_t>(id)) + varint_size(record.size()) + record.size();
  size_t c;
  if (length > chunk_bytes_) {
    c = new_chunk(length);  // its own: the head keeps its room for the next ones
  } else {
    if (!head_ || chunks_[*head_].used + length > chunks_[*head_].capacity ||
        shared(chunks_[*head_].data))
      head_ = new_chunk(chunk_bytes_);
    c = *head_;
  }
  auto& chunk = chunks_[c];
  std::string header;
  put_varint(header, static_cast<uint64_t>(id));
  put_varint(header, record.size());
  char* to = chunk.data.get() + chunk.used;
  std::memcpy(to, header.data(), header.size());
  std::memcpy(to + header.size(), record.data(), record.size());
  Slot s = static_cast<Slot>(c + 1) << 32 | chunk.used;
  chunk.used += length;
  stored_ += length;
  return s;
}

void ProductsById::drop(Slot s) {
  size_t c = (s >> 32) - 1;
  std::string_view p = payload(s);
  size_t length =
      static_cast<size_t>(p.data() + p.size() - (chunks_[c].data.get() + static_cast<uint32_t>(s)));
  chunks_[c].garbage += length;
  garbage_ += length;
  // A record of its own chunk, or the last of a full one, gives the chunk back at once.
  if (chunks_[c].garbage == chunks_[c].used && c != head_) free_chunk(c);
}

ProductsById ProductsById::clone() const {
  return ProductsById(*this);
}

size_t ProductsById::new_chunk(size_t capacity) {
  // A slot keeps a record's offset in 32 bits.
  if (capacity > UINT32_MAX) throw std::length_error("a product's record is over 4 GiB");
  size_t c;
  if (!free_chunks_.empty()) {
    c = free_chunks_.back();
    free_chunks_.pop_back();
  } else {
    c = chunks_.size();
    chunks_.emplace_back();
  }
  chunks_[c] = Chunk{std::make_shared_for_overwrite<char[]>(capacity), capacity, 0, 0};
  return c;
}

void ProductsById::free_chunk(size_t c) {
  stored_ -= chunks_[c].used;
  garbage_ -= chunks_[c].garbage;
  chunks_[c] = Chunk{};
  free_chunks_.push_back(c);
}

// Once a quarter of the stored bytes are garbage, the chunks with the most of it, in
// proportion, have their live records moved to the head and are freed, until an eighth
// is left. Chunk by chunk, the store never holds a second copy of itself; and garbage
// piles up where updates go, so the chunks of products nobody changes stay where they are.
// Reclaiming an eighth of the store moves at most three times that in live records.
void ProductsById::compact() {
  if (garbage_ < chunk_bytes_ || garbage_ * 4 <= stored_) return;
  std::vector<size_t> order;
  for (size_t c = 0; c < chunks_.size(); ++c) {
    if (chunks_[c].data && chunks_[c].garbage > 0) order.push_back(c);
  }
  std::sort(order.begin(), order.end(), [this](size_t a, size_t b) {
    return chunks_[a].garbage * chunks_[b].used > chunks_[b].garbage * chunks_[a].used;
  });
  for (size_t c : order) {
    if (garbage_ * 8 <= stored_) break;
    evacuate(c);
  }
}

void ProductsById::evacuate(size_t c) {
  if (c == head_) head_.reset();
  // The chunk's bytes stay where they are while others are added to chunks_.
  const char* data = chunks_[c].data.get();
  size_t used = chunks_[c].used;
  for (size_t at = 0; at < used;) {
    Reader r{data + at};
    auto id = static_cast<Id>(r.varint());
    size_t n = r.varint();
    Slot here = static_cast<Slot>(c + 1) << 32 | at;
    if (slot(id) == here) slot_for_writing(id) = append(id, {r.at, n});
    at = static_cast<size_t>(r.at + n - data);
  }
  free_chunk(c);
}

size_t ProductsById::bytes() const {
  size_t n = slots_.capacity() * sizeof(slots_[0]) + slots_.size() * sizeof(SlotChunk) +
             chunks_.capacity() * sizeof(Chunk) + free_chunks_.capacity() * sizeof(size_t);
  for (const auto& c : chunks_)
    n += c.capacity;
  return n;
}

}  // namespace catalog::events
