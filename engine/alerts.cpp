// How live alerts are shown: names, labels, routes and messages, as Alerts and as Events.
#include "alerts.hpp"

#include <algorithm>
#include <utility>

#include "expression.hpp"

namespace bandwatch::engine::detail {

// ---- EventRecycler ----

std::vector<Event> EventRecycler::take_storage(std::size_t expected) {
  std::vector<Event> events;
  if (!spare_storage_.empty()) {
    events = std::move(spare_storage_.back());
    spare_storage_.pop_back();
    events.clear();
  }
  events.reserve(expected);
  return events;
}

void EventRecycler::append_to(std::vector<Event>& events) {
  if (spare_events_.empty()) {
    events.emplace_back();
    return;
  }
  std::vector<Event>& spare = spare_events_.back();
  events.push_back(std::move(spare.back()));
  spare.pop_back();
  --spare_count_;
  if (spare.empty()) {
    if (spare_storage_.size() < kMostSpareStorage) spare_storage_.push_back(std::move(spare));
    spare_events_.pop_back();
  }
}

void EventRecycler::give_back(std::vector<Event>&& spent) {
  if (spent.empty()) {
    if (spent.capacity() && spare_storage_.size() < kMostSpareStorage) spare_storage_.push_back(std::move(spent));
  } else if (spare_count_ + spent.size() <= kMostSpareEvents) {
    spare_count_ += spent.size();
    spare_events_.push_back(std::move(spent));
  }
  spent = {};
}

// ---- AlertPresenter ----

std::uint32_t AlertPresenter::labelset(const LiveAlert& a) const {
  return a.series == kNone ? store_.label_sets.find({}) : store_.series[a.series].labels;
}

ast::Unit AlertPresenter::unit(const LiveAlert& a) const {
  switch (a.source) {
    case AlertSource::rule: return program_.rules[a.owner].value_unit;
    case AlertSource::indicator: return program_.indicators[a.owner].unit;
    case AlertSource::stale: return ast::Unit::days;
  }
  return ast::Unit::none;
}

const std::string& AlertPresenter::name(const LiveAlert& a) const {
  switch (a.source) {
    case AlertSource::rule: return program_.rules[a.owner].name;
    case AlertSource::indicator: return program_.indicators[a.owner].name;
    case AlertSource::stale: break;
  }
  return program_.stale[a.owner].name;
}

const std::vector<std::string>& AlertPresenter::declared_routes(AlertSource source, std::uint32_t owner) const {
  static const std::vector<std::string> kNoRoutes;
  if (source == AlertSource::rule) return program_.rules[owner].routes;
  if (source == AlertSource::indicator) return program_.indicators[owner].routes;
  if (source == AlertSource::stale && owner < program_.stale.size()) return program_.stale[owner].routes;
  return kNoRoutes;
}

void AlertPresenter::routes(const LiveAlert& a, std::vector<std::string>& out) const {
  out = declared_routes(a.source, a.owner);
  for (const std::string& r : a.extra_routes)
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
}

void AlertPresenter::message(const LiveAlert& a, Band band, std::string_view formatted, std::string& text,
                             bool resolved, Closing closing) const {
  text.clear();
  std::span<const LabelPair> labels;
  if (a.source != AlertSource::stale) labels = store_.label_sets.get(labelset(a));
  auto append_labels = [&](bool with_names) {
    if (labels.empty()) return;
    text.append(" (", 2);
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i) text.append(", ", 2);
      if (with_names) {
        text += store_.strings.str(labels[i].name);
        text += '=';
      }
      text += store_.strings.str(labels[i].value);
    }
    text += ')';
  };
  auto fill = [&](const std::vector<MessagePart>& parts) {
    bool after_one = false;  // the part before was a {value} of 1: a plural noun agrees with it
    for (const MessagePart& part : parts) {
      bool one = after_one;
      after_one = false;
      switch (part.kind) {
        case Segment::value:
          text += formatted;
          after_one = formatted == "1" || formatted == "-1";
          break;
        case Segment::label: {
          std::uint32_t v = label_value(labels, part.label);
          if (v != kNone) text += store_.strings.str(v);
          break;
        }
        case Segment::text: {
          std::string_view rest = part.text;
          if (one) rest.remove_prefix(singular_after_one(rest, text));
          text += rest;
          break;
        }
        case Segment::band:
          // An indicator's band (green once resolved); a rule's severity.
          text += a.source == AlertSource::indicator ? to_string(band) : ast::to_string(a.severity);
          break;
        case Segment::target: {
          // An indicator's green band in the block in force for this series.
          const IndicatorSlot* slot = slot_of(a);
          std::uint32_t set = slot ? slot->band_set : kNone;
          const IndicatorDef& ind = program_.indicators[a.owner];
          if (set != kNone && set < ind.band_sets.size())
            text += ind.band_sets[set].green.empty() ? ind.band_sets[set].target : ind.band_sets[set].green;
          else
            text += "none";
          break;
        }
        case Segment::previous: text += previous_figure(a); break;
        case Segment::benchmark: {
          double v = program_.benchmarks[part.label].at(a.decided);
          text += v == v ? format_value(v, unit(a)) : "none";
          break;
        }
      }
    }
  };
  // An entity gone from the data, or a rule gone from the rules, says so whatever the messages:
  // its last value is no news.
  if (resolved && closing != Closing::condition && a.source != AlertSource::stale) {
    text += a.source == AlertSource::rule ? program_.rules[a.owner].title : program_.indicators[a.owner].title;
    append_labels(a.source == AlertSource::rule);
    text += closing == Closing::gone ? ": no longer in the return" : ": no longer in the rules";
    return;
  }
  switch (a.source) {
    case AlertSource::rule: {
      const RuleDef& rule = program_.rules[a.owner];
      const std::vector<MessagePart>& parts = resolved ? rule.resolved_message : rule.message;
      if (!parts.empty()) return fill(parts);
      text += rule.title;
      append_labels(true);
      if (resolved) {
        text.append(": back within limits (", 22);
        text += formatted;
        text += ')';
        return;
      }
      text.append(": ", 2);
      text += formatted;
      return;
    }
    case AlertSource::indicator: {
      const IndicatorDef& ind = program_.indicators[a.owner];
      const std::vector<MessagePart>& parts = resolved ? ind.resolved_message : ind.message;
      if (!parts.empty()) return fill(parts);
      text += ind.title;
      append_labels(false);
      text.append(": ", 2);
      text += formatted;
      text.append(" is ", 4);
      text += to_string(band);
      return;
    }
    case AlertSource::stale: {
      const StaleDef& stale = program_.stale[a.owner];
      if (resolved) {
        text += "data for ";
        text += stale.name;
        text += closing == Closing::removed ? " is no longer watched (expected every " : " arrived again (expected every ";
      } else {
        text += "no data for ";
        text += stale.name;
        text += " for ";
        text += formatted;
        text += " (expected every ";
      }
      text += to_string(stale.every);
      text += ')';
      return;
    }
  }
}

void AlertPresenter::formatted(const LiveAlert& a, std::string& out) const {
  out.clear();
  if (a.source != AlertSource::indicator) return append_value(out, a.value, unit(a), -1, false);
  // The places the evaluation worked out for this figure, when it did (finding them is the
  // dearest part of printing it).
  const IndicatorSlot* slot = slot_of(a);
  int places = slot && slot->value == a.value ? slot->shown_places : -1;
  append_indicator_value(out, program_.indicators[a.owner], a.value, places);
}

const IndicatorSlot* AlertPresenter::slot_of(const LiveAlert& a) const {
  if (!slots_ || a.source != AlertSource::indicator || a.series == kNone || a.owner >= slots_->size()) return nullptr;
  const std::vector<IndicatorSlot>& slots = (*slots_)[a.owner];
  std::uint32_t index = store_.series[a.series].index_in_metric;
  return index < slots.size() ? &slots[index] : nullptr;
}

std::string AlertPresenter::previous_figure(const LiveAlert& a) const {
  if (a.series == kNone) return "none";
  const std::vector<Point>& history = store_.series[a.series].history;
  std::size_t i = history.size();
  while (i > 0 && a.decided < history[i - 1].date) --i;  // the figure it was decided on is history[i - 1]
  if (i < 2) return "none";
  double v = history[i - 2].value;
  if (a.source == AlertSource::indicator && program_.indicators[a.owner].round >= 0)
    v = round_decimal(v, program_.indicators[a.owner].round);
  if (a.source == AlertSource::indicator) return format_indicator_value(program_.indicators[a.owner], v);
  return format_value(v, unit(a));
}

Alert AlertPresenter::to_alert(const LiveAlert& a) const {
  Alert out;
  out.id = a.id;
  out.source = a.source;
  out.rule = name(a);
  std::uint32_t ls = labelset(a);
  if (ls != kNone) out.labels = store_.labels_of(ls);
  out.state = a.state;
  out.severity = a.severity;
  out.value = a.value;
  out.unit = unit(a);
  formatted(a, out.formatted_value);
  message(a, band_of(a), out.formatted_value, out.message);
  routes(a, out.routes);
  out.since = a.since;
  out.fired_on = a.fired_on;
  out.changed_on = a.changed_on;
  out.last_seen = a.last_seen;
  return out;
}

// ---- EventList ----

EventList::EventList(const AlertPresenter& presenter, const SeriesStore& store, EventRecycler& recycler,
                     std::size_t expected, Date as_of)
    : presenter_(presenter), store_(store), recycler_(recycler), as_of_(as_of),
      events_(recycler.take_storage(expected)) {}

void EventList::emit(EventKind kind, const LiveAlert& a, std::optional<Band> band, Closing closing) {
  // Built in place, in a recycled event when there is one; every member is set.
  recycler_.append_to(events_);
  Event& e = events_.back();
  e.kind = kind;
  e.alert_id = kind == EventKind::unbanded && !a.in_use ? 0 : a.id;
  e.source = a.source;
  e.rule = presenter_.name(a);
  std::uint32_t ls = presenter_.labelset(a);
  store_.assign_labels(ls, e.labels);
  e.severity = a.severity;
  e.value = a.value;
  e.unit = presenter_.unit(a);
  presenter_.formatted(a, e.formatted_value);
  presenter_.message(a, band.value_or(AlertPresenter::band_of(a)), e.formatted_value, e.message,
                     kind == EventKind::resolved, closing);
  presenter_.routes(a, e.routes);
  e.as_of = as_of_;
  e.since = a.since;
  labelsets_.push_back(ls);
}

std::vector<Event> EventList::take_part(std::size_t expected) {
  std::vector<Event> part = std::exchange(events_, recycler_.take_storage(expected));
  labelsets_.clear();
  return part;
}

bool EventList::in_label_order(std::size_t from) const {
  for (std::size_t i = from + 1; i < events_.size(); ++i)
    if (store_.labels_less(labelsets_[i], labelsets_[i - 1])) return false;
  return true;
}

void EventList::order_from(std::size_t from) {
  if (events_.size() - from < 2 || in_label_order(from)) return;
  std::vector<std::size_t> idx(events_.size() - from);
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = from + i;
  std::stable_sort(idx.begin(), idx.end(),
                   [&](std::size_t a, std::size_t b) { return store_.labels_less(labelsets_[a], labelsets_[b]); });
  std::vector<Event> sorted;
  std::vector<std::uint32_t> keys;
  sorted.reserve(idx.size());
  for (std::size_t i : idx) {
    sorted.push_back(std::move(events_[i]));
    keys.push_back(labelsets_[i]);
  }
  std::move(sorted.begin(), sorted.end(), events_.begin() + static_cast<std::ptrdiff_t>(from));
  std::copy(keys.begin(), keys.end(), labelsets_.begin() + static_cast<std::ptrdiff_t>(from));
}

}  // namespace bandwatch::engine::detail
