// Private to engine/: closing a date (one evaluation) and the state's persistence. Free
// functions over a program and its state; Engine (engine.cpp) is the public face of both.
#pragma once

#include <vector>

#include "alerts.hpp"
#include "engine/engine.hpp"
#include "program.hpp"
#include "state.hpp"

namespace bandwatch::engine::detail {

/// Closes `as_of`: moves every metric to the return it reads, decides stale feeds, indicators
/// and rules in source order, and returns the events. Refused (and nothing changes) when
/// `as_of` is not after the last closed date.
Evaluation evaluate(const Program& program, State& state, EventRecycler& recycler, Date as_of);

/// The state as plain records (persistence.cpp).
EngineState export_state(const Program& program, const State& state);
/// A state for `program` built from records; records naming what the program lacks are skipped
/// and reported as warnings.
std::vector<Diagnostic> import_state(const Program& program, const EngineState& records, State& state);

}  // namespace bandwatch::engine::detail
