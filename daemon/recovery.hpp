// Recovery and checkpoints: the engine rebuilt from the store (the checkpoint, then every batch
// after it replayed, the same rules in the same order giving the same state), the numbering,
// acknowledgements and silences restored, and the subscribers told of alerts whose rule left the
// files while the daemon was down; checkpoints written now and then so a restart replays little.
// Internal to bandwatchd.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server_state.hpp"

namespace bandwatch::daemon {

/// Replays into `engine` every batch stored after batch `after` that was not withdrawn, closing
/// dates where they were closed; leaves in `open` the date still adding up. Returns how many.
/// Needs the store.
std::size_t replay_batches(ServerState& state, engine::Engine& engine, std::int64_t after, OpenDate& open);

/// Loads `engine` with the program in force and, when given, the checkpoint's state (its alert
/// records into `alerts`, if asked). nullopt on success; otherwise what went wrong.
std::optional<std::string> engine_from_checkpoint(ServerState& state, engine::Engine& engine,
                                                  const std::optional<Checkpoint>& checkpoint,
                                                  std::vector<engine::AlertRecord>* alerts);

/// Rebuilds `state.engine` and the numbering, acknowledgements and silences from the store,
/// with the program in force. nullopt on success; otherwise what went wrong, for the operator.
/// Needs the store (the writer idle).
std::optional<std::string> recover(ServerState& state);

/// Writes a checkpoint of the engine's state through the last batch, in its own transaction,
/// and drops the sample text it covers.
StoreStatus write_checkpoint(ServerState& state);

/// A checkpoint when enough samples or time have gone by since the last one. A failure is logged
/// and not fatal: the batches stay in the store and a restart replays them. Needs the store.
void maybe_checkpoint(ServerState& state);

/// After a transaction failed: rebuilds the engine from the store, so memory never holds a batch
/// the disk does not; when even that fails, marks the daemon failed (it stops).
void after_store_failure(ServerState& state, const std::string& what);

}  // namespace bandwatch::daemon
