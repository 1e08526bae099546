// The open date: a date's batches add up, and nothing is decided on it until it closes (a batch
// that asks, a batch for a later date, `bandwatch close`, or --close-after with no batch for it);
// then it is evaluated once and its alerts decided. And which dates a batch may not have: before
// the floor, too far in the future, on or before the last closed date. Internal to bandwatchd.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "server_state.hpp"

namespace bandwatch::daemon {

/// Why a batch dated `as_of` cannot be taken now (before the floor, too far in the future, on
/// or before the last closed date), or nothing.
std::optional<std::string> date_refusal(const ServerState& state, Date as_of);

/// Evaluates `date`: its alerts are decided. The open date ends if it is this one. The events
/// go to `take_part` in parts as they are decided (engine::Engine::evaluate), to be recorded;
/// returns how many. What it could not decide is logged and added to `notes` ("rule{labels}: not
/// decided ..."). Closing the open date in a transaction of its own is the ingest pipeline's
/// (IngestPipeline::close_open_date), which has the writer.
std::size_t close_in_engine(ServerState& state, Date date, std::vector<std::string>* notes, std::size_t part_size,
                            const std::function<void(std::vector<engine::Event>&&)>& take_part);

/// Whether the open date has had no batch for --close-after (and so closes itself).
bool open_date_expired(const ServerState& state);

}  // namespace bandwatch::daemon
