// Private to engine/: moving every metric to the return an evaluation reads.
#pragma once

#include "expression.hpp"
#include "program.hpp"
#include "state.hpp"

namespace bandwatch::engine::detail {

/// Sets each metric's snapshot to its latest return dated on or before `as_of` (derived metrics
/// computed from their inputs', in dependency order) and marks the metrics whose snapshot
/// changed (MetricState::changed): only those are decided again.
void refresh_snapshots(const Program& program, State& state, ExpressionEvaluator& expressions, Date as_of);

}  // namespace bandwatch::engine::detail
