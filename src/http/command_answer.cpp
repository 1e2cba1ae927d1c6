#include "http/command_answer.hpp"

#include "http/cluster_mutation.hpp"
#include "http/response.hpp"

namespace catalog::http {

void submit_command(const Services& services, const RouteContext& ctx, events::Command command,
                    SuccessAnswer success, Respond respond) {
  const Request* req = &ctx.request;
  auto key = idempotency_key(*req);
  if (auto* errors = std::get_if<FieldErrors>(&key)) {
    respond(validation_response(*req, *errors));
    return;
  }
  auto* given = std::get_if<std::string>(&key);
  if (services.node) {
    relay_mutation(services, *req, std::move(command), std::move(success), std::move(respond),
                   given ? *given : generated_key());
    return;
  }
  std::optional<events::IdempotencyRequest> keyed_request;
  if (given) keyed_request = keyed(*req, *given, success);
  services.submit(
      std::move(command), std::move(keyed_request),
      [req, success = std::move(success), respond = std::move(respond)](
          events::CommandResult result) { respond(result_response(*req, result, success)); });
}

}  // namespace catalog::http
