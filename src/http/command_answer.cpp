#include "http/command_answer.hpp"

#include "http/response.hpp"

namespace catalog::http {

void submit_command(const Services& services, const RouteContext& ctx, events::Command command,
                    SuccessAnswer success, Respond respond) {
  const Request* req = &ctx.request;
  services.submit(std::move(command), [req, success = std::move(success),
                                       respond = std::move(respond)](events::Outcome outcome) {
    if (auto* error = std::get_if<events::DomainError>(&outcome)) {
      respond(domain_error_response(*req, *error));
    } else {
      respond(success(*req, outcome));
    }
  });
}

}  // namespace catalog::http
