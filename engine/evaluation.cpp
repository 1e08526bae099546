// Closing a date: the order of one evaluation. Snapshots first, then stale feeds, then every
// indicator and rule in source order, each one's events in label order.
#include <algorithm>
#include <cassert>

#include "evaluation.hpp"
#include "expression.hpp"
#include "lifecycle.hpp"
#include "metric_snapshots.hpp"

namespace bandwatch::engine::detail {

Evaluation evaluate(const Program& program, State& state, EventRecycler& recycler, Date as_of, std::size_t part_size,
                    const std::function<void(std::vector<Event>&&)>& take_part) {
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
  EventList events(presenter, state.store, recycler, take_part ? part_size : state.last_event_count, as_of);
  Decider decide(program, state, expressions, events, as_of, out);
  decide.stale();
  std::size_t updated = 0, handed_over = 0;
  auto hand_over = [&] {
    handed_over += events.size();
    take_part(events.take_part(part_size));
  };
  for (const ItemRef& item : program.order) {
    // Between items only: an item's events are ordered among themselves, and final once it is done.
    if (take_part && events.size() >= std::max<std::size_t>(part_size, 1)) hand_over();
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
  if (take_part) {
    handed_over += events.size();
    take_part(events.take());
    state.last_event_count = handed_over;
  } else {
    out.events = events.take();
    state.last_event_count = out.events.size();
  }
  out.indicator_values_updated = updated;
  return out;
}

}  // namespace bandwatch::engine::detail
