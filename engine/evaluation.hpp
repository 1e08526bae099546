// Private to engine/: closing a date (one evaluation) and the state's persistence. Free
// functions over a program and its state; Engine (engine.cpp) is the public face of both.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "alerts.hpp"
#include "engine/engine.hpp"
#include "program.hpp"
#include "state.hpp"

namespace bandwatch::engine::detail {

/// Closes `as_of`: moves every metric to the return it reads, decides stale feeds, indicators
/// and rules in source order, and returns the events, or with `take_part` hands them over in
/// parts of whole items, each of at least `part_size` events but the last (Engine::evaluate).
/// Refused (and nothing changes) when `as_of` is not after the last closed date.
Evaluation evaluate(const Program& program, State& state, EventRecycler& recycler, Date as_of,
                    std::size_t part_size = 0, const std::function<void(std::vector<Event>&&)>& take_part = {});

/// The state as plain records (persistence.cpp).
EngineState export_state(const Program& program, const State& state);
/// A state for `program` built from records; records naming what the program lacks are skipped
/// and reported as warnings.
std::vector<Diagnostic> import_state(const Program& program, const EngineState& records, State& state);

}  // namespace bandwatch::engine::detail
