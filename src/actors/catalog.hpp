// The catalog actor: the single writer of the event log. It decides each command against
// the in-memory write model, appends the resulting events with group commit (commands that
// arrive while a commit is in flight share the next transaction, and its one fsync), and
// hands each committed batch to the projector, which answers the commands.
//
// Accepts: CommandRequest. Its reply is called exactly once, with the Outcome, after the
// command's events are durable and visible in the read model, or with the DomainError.
// stop_atom: commits what is queued, stops the projector and the hub behind it, and quits.
// Each committed batch also goes to the live-event hub, in commit order.
#pragma once

#include <caf/all.hpp>
#include <memory>
#include <string>

#include "actors/projector.hpp"
#include "events/command.hpp"
#include "metrics/metrics.hpp"

namespace catalog::actors {

struct CommandRequest {
  events::Command command;
  Reply reply;
};

struct CatalogState;

// Opens the write connection and folds the whole log into the write model; throws
// db::Error or std::exception with a clear message when it cannot.
std::shared_ptr<CatalogState> open_catalog(const std::string& database_path, bool sql_echo);

caf::actor spawn_catalog(caf::actor_system& sys, std::shared_ptr<CatalogState> state,
                         caf::actor projector, caf::actor hub, metrics::Metrics& metrics);

}  // namespace catalog::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(catalog::actors::CommandRequest)
