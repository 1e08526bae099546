// The alert lifecycle: stale feeds, indicator band transitions, and rules (pending for `for`,
// firing, escalating by returns, time or condition, resolving). Every decision is made on a
// return of the data; a rule or indicator whose inputs have no new return is not decided again.
#include "lifecycle.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace bandwatch::engine::detail {
namespace {

/// A limit in force for a value dated `date`: fixed, a benchmark's value then, or months or
/// years as days: the length of that much calendar time ending on `date` for an age `v` (a plan
/// begun on 4 February 2019 is 2 years old on 4 February 2021, 731 days). NaN when it has none.
double limit_of(const Program& program, double fixed, std::uint32_t benchmark, const std::optional<Duration>& calendar,
                double v, Date date) {
  if (benchmark != kNone) return program.benchmarks[benchmark].at(date);
  if (!calendar) return fixed;
  if (v != v) return kMissing;
  Date start{date.days_since_epoch - static_cast<std::int32_t>(std::llround(v))};
  std::optional<Date> reached = add(start, *calendar);
  if (!reached) return kMissing;
  return static_cast<double>(reached->days_since_epoch - start.days_since_epoch);
}

bool in_band(const Program& program, const BandDef& b, double v, Date date) {
  if (b.has_lower) {
    double lower = limit_of(program, b.lower, b.lower_benchmark, b.lower_calendar, v, date);
    if (lower != lower || (b.lower_inclusive ? v < lower : v <= lower)) return false;
  }
  if (b.has_upper) {
    double upper = limit_of(program, b.upper, b.upper_benchmark, b.upper_calendar, v, date);
    if (upper != upper || (b.upper_inclusive ? v > upper : v >= upper)) return false;
  }
  return true;
}

Band band_of_colour(ast::Colour colour) {
  return colour == ast::Colour::green ? Band::green : colour == ast::Colour::amber ? Band::amber : Band::red;
}

}  // namespace

Decider::Decider(const Program& program, State& state, ExpressionEvaluator& expressions, EventList& events,
                 Date as_of, Evaluation& out)
    : program_(program), state_(state), store_(state.store), expressions_(expressions), events_(events),
      as_of_(as_of), out_(out) {}

void Decider::resolve(std::uint32_t& slot, std::optional<Band> band, Closing closing) {
  events_.emit(EventKind::resolved, state_.alerts[slot], band, closing);
  state_.alerts.close(slot);
  slot = kNone;
}

// ---- stale ----

void Decider::stale() {
  for (std::uint32_t i = 0; i < program_.stale.size(); ++i) {
    const StaleDef& s = program_.stale[i];
    std::uint32_t& slot = state_.stale_alerts[i];
    std::optional<Date> latest;
    for (std::uint32_t m : s.metrics) {
      const MetricState& metric = store_.metrics[m];
      if (metric.has_snapshot && (!latest || metric.snapshot > *latest)) latest = metric.snapshot;
    }
    // A feed that has never delivered is not yet being watched: in a program that covers
    // several reports, the metrics of another report's extract would otherwise go stale at once.
    if (!latest) continue;
    if (at_least(*latest, as_of_, s.every)) {
      double days = as_of_.days_since_epoch - latest->days_since_epoch;
      if (slot == kNone) {
        slot = state_.alerts.open();
        LiveAlert& a = state_.alerts[slot];
        a.id = state_.alerts.next_id++;
        a.source = AlertSource::stale;
        a.owner = i;
        a.severity = ast::Colour::amber;
        a.since = a.fired_on = a.changed_on = a.last_seen = as_of_;
        a.decided = a.fired_data = *latest;
        a.value = days;
        events_.emit(EventKind::stale, a);
      } else {
        state_.alerts[slot].value = days;
        state_.alerts[slot].last_seen = as_of_;
      }
    } else if (slot != kNone) {
      resolve(slot);
    }
  }
}

// ---- indicators ----

bool Decider::indicator(std::uint32_t index) {
  const IndicatorDef& ind = program_.indicators[index];
  const MetricState& m = store_.metrics[ind.metric];
  if (!m.changed) return true;
  // A raw metric's current series are in label order, and so are the events of the loop over
  // them; resolutions of entities that left come in slot order.
  bool in_label_order = !program_.metrics[ind.metric].derived;
  std::vector<IndicatorSlot>& slots = state_.indicator_slots[index];
  if (slots.size() < m.series.size()) slots.resize(m.series.size());
  for (std::uint32_t sid : m.current) {
    Ctx ctx = expressions_.context_for(sid);
    const Series& s = store_.series[sid];
    IndicatorSlot& slot = slots[s.index_in_metric];
    double raw = ctx.value;
    double value = ind.round >= 0 ? round_decimal(raw, ind.round) : raw;
    std::uint32_t set = kNone;
    for (std::uint32_t i = 0; i < ind.band_sets.size() && set == kNone; ++i) {
      const BandSetDef& candidate = ind.band_sets[i];
      if (candidate.has_from && candidate.from > ctx.date) continue;
      if (candidate.where != kNone &&
          !ExpressionEvaluator::truthy(expressions_.eval(ind.program, candidate.where, ctx)))
        continue;
      set = i;
    }
    Band band = Band::unbanded;
    bool small = false;
    if (ind.cohort != kNone) {
      double cohort = expressions_.eval(ind.program, ind.cohort, ctx);
      small = cohort == cohort && cohort < ind.cohort_minimum;
    }
    if (small) {
      band = Band::small_cohort;
    } else if (set != kNone) {
      for (const BandDef& b : ind.band_sets[set].bands)
        if (in_band(program_, b, value, ctx.date)) {
          band = band_of_colour(b.colour);
          break;
        }
    }
    // Short trend against the previous value of this series, compared as both are shown (as
    // classified, at the places shown), so the word agrees with the figures beside it: 4.62%
    // after 4.64% is "unchanged" when both read 4.6%.
    Trend trend = Trend::none;
    int places = -1;  // worked out only for a figure that changed
    if (ind.better != ast::Better::unspecified) {
      const Point* cur = s.at(ctx.date);
      if (cur && cur != s.history.data()) {
        double prev = (cur - 1)->value;
        if (ind.round >= 0) prev = round_decimal(prev, ind.round);
        // The same figure shows the same: most series of a return are unchanged, and finding
        // the places shown is the dearest part of this loop.
        double now = value;
        if (prev != value) {
          // The previous figure is usually the one the slot was last classified on.
          prev = slot.shown_places >= 0 && slot.value == prev ? shown_number(prev, ind.unit, slot.shown_places)
                                                              : shown_indicator_value(ind, prev);
          places = shown_places(ind, value);
          now = shown_number(value, ind.unit, places);
        }
        if (ind.better == ast::Better::closer) {
          // Nearer the target is better; within the tolerance is on it.
          auto off = [&](double v) { return std::max(0.0, std::fabs(v - ind.closer_to) - ind.tolerance); };
          double distance = off(now), before = off(prev);
          trend = distance == before ? Trend::unchanged : distance < before ? Trend::improving : Trend::declining;
        } else if (now == prev) {
          trend = Trend::unchanged;
        } else if ((now > prev) == (ind.better == ast::Better::higher)) {
          trend = Trend::improving;
        } else {
          trend = Trend::declining;
        }
      }
    }
    std::optional<Band> previous = slot.banded ? std::optional<Band>(slot.band) : std::nullopt;
    slot.has = true;
    slot.value = value;
    slot.shown_places = static_cast<std::int8_t>(places);
    slot.raw = raw;
    slot.trend = trend;
    slot.date = ctx.date;
    slot.band_set = set;
    slot.stamp = state_.stamp;
    slot.band = band;
    slot.banded = true;
    transition(index, slot, sid, band, previous, value);
  }
  // Entities missing from the metric's newest return: their values go, their alerts resolve.
  for (IndicatorSlot& slot : slots) {
    if (slot.stamp == state_.stamp) continue;
    if (!slot.has && slot.alert == kNone) continue;
    slot.has = false;
    slot.banded = false;
    if (slot.alert != kNone) {
      resolve(slot.alert, std::nullopt, Closing::gone);
      in_label_order = false;
    }
  }
  return in_label_order;
}

void Decider::transition(std::uint32_t index, IndicatorSlot& slot, std::uint32_t sid, Band band,
                         std::optional<Band> previous, double value) {
  LiveAlert* a = slot.alert != kNone ? &state_.alerts[slot.alert] : nullptr;
  if (a) {
    a->value = value;
    a->last_seen = as_of_;
    a->decided = store_.metrics[program_.indicators[index].metric].snapshot;
    a->stamp = state_.stamp;
  }
  switch (band) {
    case Band::green:
      if (a) resolve(slot.alert, band);
      break;
    case Band::amber:
    case Band::red: {
      ast::Colour severity = band == Band::red ? ast::Colour::red : ast::Colour::amber;
      if (!a) {
        slot.alert = state_.alerts.open();
        a = &state_.alerts[slot.alert];
        a->id = state_.alerts.next_id++;
        a->source = AlertSource::indicator;
        a->owner = index;
        a->series = sid;
        a->state = AlertState::firing;
        a->severity = severity;
        a->since = a->fired_on = a->changed_on = a->last_seen = as_of_;
        a->decided = a->fired_data = store_.metrics[program_.indicators[index].metric].snapshot;
        a->streak = 1;
        a->value = value;
        a->stamp = state_.stamp;
        events_.emit(EventKind::fired, *a, band);
      } else if (severity != a->severity) {
        EventKind kind = severity > a->severity ? EventKind::escalated : EventKind::de_escalated;
        a->severity = severity;
        a->changed_on = as_of_;
        events_.emit(kind, *a, band);
      }
      break;
    }
    case Band::unbanded:
      if (previous != Band::unbanded) {
        LiveAlert probe;
        if (a) {
          probe = *a;
        } else {
          probe.source = AlertSource::indicator;
          probe.owner = index;
          probe.series = sid;
          probe.value = value;
          probe.since = as_of_;
        }
        probe.in_use = a != nullptr;
        probe.severity = a ? a->severity : ast::Colour::amber;
        events_.emit(EventKind::unbanded, probe, band);
      }
      break;
    case Band::small_cohort: break;  // shown, never alerting or escalating; an open alert waits
  }
}

// ---- rules ----

bool Decider::apply_escalations(const RuleDef& rule, LiveAlert& a, const Ctx& ctx, Date data_date) {
  ast::Colour target = rule.severity;
  bool routes_added = false;
  for (std::size_t i = 0; i < rule.escalations.size() && i < 32; ++i) {
    const EscalationDef& esc = rule.escalations[i];
    std::uint32_t bit = std::uint32_t{1} << i;
    bool applies = false;
    switch (esc.trigger) {
      case Trigger::returns:
        applies = (a.escalations_done & bit) || a.returns_since_fired >= esc.returns_after;
        break;
      case Trigger::calendar:
        applies = (a.escalations_done & bit) || at_least(a.fired_data, data_date, esc.after);
        break;
      case Trigger::condition:
        applies = ExpressionEvaluator::truthy(expressions_.eval(rule.program, esc.condition, ctx));
        break;
    }
    if (!applies) continue;
    if (esc.trigger != Trigger::condition) a.escalations_done |= bit;
    target = std::max(target, esc.severity);
    if (!esc.to_route.empty() &&
        std::find(a.extra_routes.begin(), a.extra_routes.end(), esc.to_route) == a.extra_routes.end()) {
      a.extra_routes.push_back(esc.to_route);
      routes_added = true;
    }
  }
  bool changed = target != a.severity || routes_added;
  if (target != a.severity) a.severity = target;
  return changed;
}

void Decider::open_rule_alert(std::uint32_t index, std::uint32_t& slot, std::uint32_t sid, const Ctx& ctx,
                              double value, Date data_date) {
  const RuleDef& rule = program_.rules[index];
  slot = state_.alerts.open();
  LiveAlert& a = state_.alerts[slot];
  a.id = state_.alerts.next_id++;
  a.source = AlertSource::rule;
  a.owner = index;
  a.series = sid;
  a.severity = rule.severity;
  a.since = a.last_seen = as_of_;
  a.decided = data_date;
  a.streak = 1;
  a.value = value;
  a.cond = true;
  a.stamp = state_.stamp;
  if (a.streak < rule.required_returns) {
    a.state = AlertState::pending;
    events_.emit(EventKind::pending, a);
    return;
  }
  a.state = AlertState::firing;
  a.fired_on = a.changed_on = as_of_;
  a.fired_data = data_date;
  apply_escalations(rule, a, ctx, data_date);  // it fires at the severity it has reached
  events_.emit(EventKind::fired, a);
}

void Decider::step_rule_alert(std::uint32_t index, std::uint32_t& slot, const Ctx& ctx, bool cond, bool cleared,
                              double value, bool new_return, Date data_date) {
  const RuleDef& rule = program_.rules[index];
  LiveAlert& a = state_.alerts[slot];
  a.stamp = state_.stamp;
  a.value = value;
  a.cond = cond;
  a.last_seen = as_of_;
  if (new_return) a.decided = data_date;
  if (a.state == AlertState::pending) {
    if (!cond) return resolve(slot);
    if (new_return) ++a.streak;
    if (a.streak >= rule.required_returns) {
      a.state = AlertState::firing;
      a.fired_on = a.changed_on = as_of_;
      a.fired_data = data_date;
      apply_escalations(rule, a, ctx, data_date);
      events_.emit(EventKind::fired, a);
    }
    return;
  }
  if (cleared) return resolve(slot);
  if (new_return) ++a.returns_since_fired;
  if (!cond) return;  // held open by `clear when`, but escalation needs the condition
  ast::Colour before = a.severity;
  if (apply_escalations(rule, a, ctx, data_date)) {
    a.changed_on = as_of_;
    events_.emit(a.severity < before ? EventKind::de_escalated : EventKind::escalated, a);
  }
}

void Decider::note_undecided(const RuleDef& rule, const Ctx& ctx, bool holds_alert) {
  const MissingLookback& m = expressions_.missing;
  std::string message;
  if (m.missing && m.older_data) {
    message = "not decided on " + ctx.date.iso() + ": no figure of " + program_.metrics[m.metric].name + " within " +
              std::to_string(m.tolerance_days) + " days of " + m.wanted.iso() + " (" + to_string(m.window) +
              " earlier)";
  } else if (holds_alert) {
    message = "not decided on " + ctx.date.iso() + ": a figure its condition reads is missing";
  } else {
    // A series too young for its look-back is the normal start of a history, not news.
    return;
  }
  if (holds_alert) message += "; the open alert stays as it was";
  if (out_.notes.size() >= Evaluation::kMostNotes) {
    ++out_.notes_dropped;
    return;
  }
  out_.notes.push_back({rule.name, store_.labels_of(store_.series[ctx.series].labels), std::move(message)});
}

void Decider::rule(std::uint32_t index) {
  const RuleDef& rule = program_.rules[index];
  const MetricState& driver = store_.metrics[rule.program.driver];
  bool changed = state_.force_all, new_return = false;
  std::optional<Date> data_date;
  for (std::uint32_t m : rule.program.reads) {
    const MetricState& metric = store_.metrics[m];
    changed = changed || metric.changed;
    new_return = new_return || metric.new_return;
    if (metric.has_snapshot && (!data_date || metric.snapshot > *data_date)) data_date = metric.snapshot;
  }
  if (!changed || !data_date) return;  // nothing new to decide on
  std::vector<std::uint32_t>& slots = state_.rule_slots[index];
  if (slots.size() < driver.series.size()) slots.resize(driver.series.size(), kNone);
  for (std::uint32_t sid : driver.current) {
    Ctx ctx = expressions_.context_for(sid);
    std::uint32_t& slot = slots[store_.series[sid].index_in_metric];
    expressions_.missing = {};
    double when = expressions_.eval(rule.program, rule.when, ctx);
    if (when != when) {
      // Undecidable (a figure it compares with is missing): not evidence either way, so an open
      // alert stays exactly as it was, and the evaluation says why.
      if (new_return) note_undecided(rule, ctx, slot != kNone);
      if (slot != kNone) state_.alerts[slot].stamp = state_.stamp;
      continue;
    }
    bool cond = ExpressionEvaluator::truthy(when);
    if (cond && rule.unless != kNone && ExpressionEvaluator::truthy(expressions_.eval(rule.program, rule.unless, ctx)))
      cond = false;
    if (slot == kNone && !cond) continue;
    double value = expressions_.eval(rule.program, rule.value, ctx);
    if (slot == kNone) {
      open_rule_alert(index, slot, sid, ctx, value, *data_date);
      continue;
    }
    bool cleared = !cond;
    if (rule.clear != kNone && state_.alerts[slot].state == AlertState::firing)
      cleared = ExpressionEvaluator::truthy(expressions_.eval(rule.program, rule.clear, ctx));
    step_rule_alert(index, slot, ctx, cond, cleared, value, new_return, *data_date);
  }
  // Entities missing from the driver's newest return: their alerts resolve.
  for (std::uint32_t& slot : slots)
    if (slot != kNone && state_.alerts[slot].stamp != state_.stamp) resolve(slot, std::nullopt, Closing::gone);
}

}  // namespace bandwatch::engine::detail
