#include "events/hash_chain.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace catalog::events {

namespace {

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

std::string chain_hash(std::string_view previous, const RecordedEvent& e) {
  // One context per thread: hashing sits on the write path of every event.
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  auto update = [&](std::string_view s) { EVP_DigestUpdate(ctx.get(), s.data(), s.size()); };
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 is not available");
  std::string position = std::to_string(e.position);
  std::string version = std::to_string(e.version);
  std::string recorded = format_iso(e.recorded_at);
  update(previous);
  for (std::string_view part :
       {std::string_view(position), std::string_view(e.stream), std::string_view(version),
        std::string_view(e.type), std::string_view(recorded), std::string_view(e.data)}) {
    update("\n");
    update(part);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace catalog::events
