// The projector actor: applies committed events to the read tables (with the checkpoint in
// the same transaction), then answers the commands whose events it applied, which is what
// makes a mutation's answer imply that a following GET sees it (read-your-writes).
//
// On a cluster node the read model file also holds the node's copy of the log: the
// projector appends each batch's events to it in the same transaction as their rows.
// Once a batch is applied it moves the node's read position, hands the events to the
// live-event hub (SSE streams, the notifier) and answers the commands.
//
// Accepts: ProjectBatch, stop_atom (after the last batch; it stops the hub too). Answers
// nothing itself; it calls each batch entry's reply.
#pragma once

#include <caf/all.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "events/command_result.hpp"
#include "events/recorded_event.hpp"
#include "projections/filter_index.hpp"
#include "projections/product_cache.hpp"
#include "projections/read_position.hpp"

namespace catalog::actors {

using Reply = std::function<void(events::CommandResult)>;

// Asks the catalog actor, and through it the projector, to finish what is queued and stop.
using stop_atom = caf::atom_constant<caf::atom("stop")>;

struct AnsweredCommand {
  Reply reply;
  events::CommandResult result;
};

// One committed group-commit batch: its events (possibly none, when every command of the
// batch was refused or changed nothing) and the answers that wait for them.
struct ProjectBatch {
  std::shared_ptr<const std::vector<events::RecordedEvent>> events;  // shared with the hub
  std::vector<AnsweredCommand> answers;
};

struct ProjectorState;

// Opens the projector's connection and brings the read tables up to the head of the log
// before the actor starts, so the server never serves a stale read model after a restart.
// `mirror_log`: the file is a cluster node's read model, whose events table is a copy of
// the shared log that the projector writes itself.
std::shared_ptr<ProjectorState> open_projector(const std::string& database_path, bool sql_echo,
                                               bool mirror_log,
                                               projections::ReadPosition& read_position);

// The in-memory filter index the projector keeps in step with the read tables.
std::shared_ptr<projections::FilterIndex> filter_index(const ProjectorState& state);
// The rendered products the projector takes out before it commits a change to them.
std::shared_ptr<projections::ProductCache> product_cache(const ProjectorState& state);

caf::actor spawn_projector(caf::actor_system& sys, std::shared_ptr<ProjectorState> state,
                           caf::actor hub);

}  // namespace catalog::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(catalog::actors::ProjectBatch)
