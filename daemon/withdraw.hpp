// Undoing a wrongly dated or wrong batch (`bandwatch withdraw`): the batch is marked withdrawn in
// the store (who, when, why), the engine is rebuilt from the last checkpoint before it with every
// later batch but the withdrawn ones replayed, and the alerts that change are published as
// events whose message names the withdrawal, so the event log audits it. Alert ids already
// published are never given to other alerts. Internal to bandwatchd.
#pragma once

#include <nlohmann/json.hpp>

#include "server_state.hpp"

namespace bandwatch::daemon {

/// The `withdraw` control request: {"batch": ID} or {"date": DATE} (every batch of that date, its
/// close included), with "by" and "reason". Answers what was withdrawn and the events it caused,
/// or {"error"} naming why nothing was (unknown id, already withdrawn, older than the state kept
/// for undoing: --keep-checkpoints). Needs the store (the writer settled).
nlohmann::json withdraw_batches(ServerState& state, const nlohmann::json& request);

}  // namespace bandwatch::daemon
