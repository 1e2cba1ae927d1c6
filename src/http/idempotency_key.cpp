#include "http/idempotency_key.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>

#include "http/response.hpp"

namespace catalog::http {

namespace {

constexpr size_t max_key = 200;

std::string hex(const unsigned char* bytes, size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xf];
  }
  return out;
}

// The same request is the same method, path (with or without its trailing slash, as the
// router reads it) and body; the query string and the other headers are not part of it.
std::string fingerprint(const Request& req) {
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  while (path.size() > 1 && path.back() == '/')
    path.remove_suffix(1);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 is not available");
  std::string_view method = req.method_string();
  for (std::string_view part :
       {method, std::string_view("\n"), path, std::string_view("\n"), std::string_view(req.body())})
    EVP_DigestUpdate(ctx.get(), part.data(), part.size());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  return hex(digest, len);
}

std::optional<std::string> header(const Response& res, beast_http::field f) {
  auto it = res.find(f);
  if (it == res.end()) return std::nullopt;
  return std::string(it->value());
}

}  // namespace

std::variant<std::nullopt_t, std::string, FieldErrors> idempotency_key(const Request& req) {
  auto it = req.find("Idempotency-Key");
  if (it == req.end()) return std::nullopt;
  std::string_view key = it->value();
  bool visible = std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (key.empty() || key.size() > max_key || !visible) {
    return FieldErrors{{nlohmann::json::array({"header", "idempotency-key"}),
                        "Idempotency-Key must be 1 to 200 visible ASCII characters",
                        "value_error.idempotency_key"}};
  }
  return std::string(key);
}

std::string generated_key() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for a key");
  return "catalog-" + hex(bytes, sizeof bytes);
}

Response answer_for(const Request& req, const events::Outcome& outcome,
                    const SuccessAnswer& success) {
  if (const auto* error = std::get_if<events::DomainError>(&outcome))
    return domain_error_response(req, *error);
  return success(req, outcome);
}

events::IdempotencyRequest keyed(const Request& req, std::string key, SuccessAnswer success) {
  const Request* r = &req;
  return events::IdempotencyRequest{
      std::move(key), fingerprint(req),
      [r, success = std::move(success)](const events::Outcome& o, int64_t position) {
        Response res = answer_for(*r, o, success);
        return events::KeptAnswer{{},
                                  {},
                                  static_cast<int>(res.result_int()),
                                  res.body(),
                                  header(res, beast_http::field::location),
                                  header(res, beast_http::field::etag),
                                  position};
      }};
}

Response result_response(const Request& req, const events::CommandResult& result,
                         const SuccessAnswer& success) {
  Response res;
  if (const auto& kept = result.kept) {
    auto status = static_cast<beast_http::status>(kept->status);
    res = kept->body.empty() ? empty_response(req, status) : json_response(req, status, kept->body);
    if (kept->location) res.set(beast_http::field::location, *kept->location);
    if (kept->etag) res.set(beast_http::field::etag, *kept->etag);
  } else {
    res = answer_for(req, result.outcome, success);
  }
  res.set("Catalog-Position",
          std::to_string(result.kept ? result.kept->position : result.position));
  return res;
}

}  // namespace catalog::http
