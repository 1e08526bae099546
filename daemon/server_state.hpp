// What the parts of bandwatchd share: owned by Server, lent to each part (the ingest pipeline,
// the open date, recovery and checkpoints, the control handlers). Each part's own state stays with it; this is
// the state more than one part reads or changes. Internal to bandwatchd.
//
// Thread safety: the serving thread's, but for `store`, which the store writer has while it has
// work (IngestPipeline::settle hands it back), and the event sequencer's feed (its own lock).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstddef>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <zmq.hpp>

#include "engine/engine.hpp"
#include "event_sequencer.hpp"
#include "notify/notifier.hpp"
#include "program.hpp"
#include "server.hpp"
#include "silences.hpp"
#include "store.hpp"

namespace bandwatch::daemon {

/// Where the store and the engine stand against each other.
struct Progress {
  std::int64_t last_batch_seq = 0;      // the last batch stored (and applied)
  std::int64_t checkpoint_through = 0;  // the last batch the checkpoint covers
  std::size_t samples_since_checkpoint = 0;
  std::chrono::steady_clock::time_point last_checkpoint;
  nlohmann::json last_batch = nullptr;  // for `status`
};

/// The date batches are adding up for, not yet evaluated (open_date.hpp).
struct OpenDate {
  std::optional<Date> date;
  std::chrono::steady_clock::time_point since;  // its last batch (for --close-after)
  std::size_t batches = 0;
};

struct ServerState {
  ServerState(zmq::context_t& context, ServerOptions server_options, std::shared_ptr<spdlog::logger> logger)
      : options(std::move(server_options)), log(std::move(logger)), events(context, silences, acks) {}

  ServerOptions options;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<Store> store;   // the writer's while it has work; see IngestPipeline::settle()
  std::unique_ptr<Store> reader;  // the serving thread's: repeat lookups while the writer writes
  Program program;                // the program in force
  engine::Engine engine;
  std::unique_ptr<engine::Engine> validator;  // checks strict batches without touching `engine`
  Acknowledgements acks;
  Silences silences;
  EventSequencer events;  // after acks and silences, which it reads
  Progress progress;
  OpenDate open;
  Server::Endpoints endpoints;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  nlohmann::json last_reload = nullptr;
  std::unique_ptr<notify::Notifier> notifier;  // mails and Teams posts, on threads of its own
  // The last write that failed ({"at", "error"}; a full disk), until a batch is stored again:
  // meanwhile reads are served and batches refused (`status` shows it).
  nlohmann::json store_failure = nullptr;
  bool failed = false;  // the state could not be rebuilt after a store failure: stop
};

}  // namespace bandwatch::daemon
