// Closing a date: the order of one evaluation. Snapshots first, then stale feeds, then every
// indicator and rule in source order, each one's events in label order.
#include <cassert>

#include "evaluation.hpp"
#include "expression.hpp"
#include "lifecycle.hpp"
#include "metric_snapshots.hpp"

namespace bandwatch::engine::detail {

Evaluation evaluate(const Program& program, State& state, EventRecycler& recycler, Date as_of) {
  Evaluation out;
  out.as_of = as_of;
  if (state.last_as_of && as_of <= *state.last_as_of) {
    out.ok = false;
    out.error = as_of == *state.last_as_of
                    ? "as-of date " + as_of.iso() + " is already closed: its alerts were decided"
                    : "as-of date " + as_of.iso() + " is before the last closed date (" + state.last_as_of->iso() + ")";
    return out;
  }
  ++state.evaluation_index;
  if (!state.first_as_of) state.first_as_of = as_of;
  ++state.stamp;

  ExpressionEvaluator expressions(program, state.store);
  refresh_snapshots(program, state, expressions, as_of);

  AlertPresenter presenter(program, state.store, &state.indicator_slots);
  EventList events(presenter, state.store, recycler, state.last_event_count, as_of);
  Decider decide(program, state, expressions, events, as_of, out);
  decide.stale();
  std::size_t updated = 0;
  for (const ItemRef& item : program.order) {
    std::size_t from = events.size();
    bool in_label_order = false;
    if (item.kind == ItemKind::indicator) {
      in_label_order = decide.indicator(item.index);
      const MetricState& m = state.store.metrics[program.indicators[item.index].metric];
      if (m.changed) updated += m.current.size();
    } else {
      decide.rule(item.index);
    }
    if (!in_label_order) events.order_from(from);
    assert(events.in_label_order(from));  // the debug builds check the claim
  }
  state.last_as_of = as_of;
  state.force_all = false;
  out.events = events.take();
  state.last_event_count = out.events.size();
  out.indicator_values_updated = updated;
  return out;
}

}  // namespace bandwatch::engine::detail
