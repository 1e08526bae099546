// Private to engine/: the alert lifecycle. At each closed date, decides every rule, indicator
// and `expect every` on the returns the evaluation reads: alerts open (pending or firing),
// escalate, de-escalate and resolve, each change an event.
#pragma once

#include <cstdint>
#include <vector>

#include "alerts.hpp"
#include "expression.hpp"
#include "program.hpp"
#include "state.hpp"

namespace bandwatch::engine::detail {

class Decider {
 public:
  Decider(const Program& program, State& state, ExpressionEvaluator& expressions, EventList& events, Date as_of,
          Evaluation& out);

  /// `expect every`: opens a stale alert when a feed's newest data is too old, resolves it when
  /// fresh data arrives.
  void stale();
  /// Classifies an indicator's values if its metric has a new return; returns whether its
  /// events came out in label order already.
  bool indicator(std::uint32_t index);
  /// Decides a rule if anything it reads has a new return.
  void rule(std::uint32_t index);

 private:
  void transition(std::uint32_t index, IndicatorSlot& slot, std::uint32_t series, Band band,
                  std::optional<Band> previous, double value);
  void open_rule_alert(std::uint32_t index, std::uint32_t& slot, std::uint32_t series, const Ctx& ctx,
                       double value, Date data_date);
  void step_rule_alert(std::uint32_t index, std::uint32_t& slot, const Ctx& ctx, bool cond, bool cleared,
                       double value, bool new_return, Date data_date);
  /// Applies the rule's escalations to a firing alert whose condition holds: time-based ones once
  /// due (and for good), condition ones while their condition holds. Returns whether the
  /// severity or the routes changed.
  bool apply_escalations(const RuleDef& rule, LiveAlert& a, const Ctx& ctx, Date data_date);
  void note_undecided(const RuleDef& rule, const Ctx& ctx, bool holds_alert);
  void resolve(std::uint32_t& slot, std::optional<Band> band = std::nullopt, Closing closing = Closing::condition);

  const Program& program_;
  State& state_;
  SeriesStore& store_;
  ExpressionEvaluator& expressions_;
  EventList& events_;
  Date as_of_;
  Evaluation& out_;
};

}  // namespace bandwatch::engine::detail
