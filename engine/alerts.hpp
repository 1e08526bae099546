// Private to engine/: how a live alert is shown. Its name, labels, unit, routes and message, as
// an Alert (views, persistence) or as an Event appended to an evaluation's list, reusing
// recycled events so that an evaluation yielding many thousands allocates nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "program.hpp"
#include "state.hpp"

namespace bandwatch::engine::detail {

/// Events the caller gave back (Engine::recycle), to be filled again; bounded.
class EventRecycler {
 public:
  /// Where an evaluation builds its events: recycled storage when there is some.
  std::vector<Event> take_storage(std::size_t expected);
  /// Appends a recycled event (contents unspecified) or a new one to `events`.
  void append_to(std::vector<Event>& events);
  void give_back(std::vector<Event>&& spent);

 private:
  static constexpr std::size_t kMostSpareEvents = 1 << 16, kMostSpareStorage = 4;
  std::vector<std::vector<Event>> spare_events_, spare_storage_;
  std::size_t spare_count_ = 0;
};

/// A message's text right after a `{value}` of 1: when it starts with a plural noun the
/// language knows ("children", "cases", "young people", "looked after children"), appends the
/// text up to and including that noun made singular to `out` and returns how much of `text` it
/// stands for; 0 (nothing appended) when it does not. "1 children" reads "1 child".
std::size_t singular_after_one(std::string_view text, std::string& out);

/// Why an alert closes, for the text of its `resolved` event: its condition (or band) says so,
/// its entity is gone from the newest return, or its rule or indicator is gone from the rules.
enum class Closing : std::uint8_t { condition, gone, removed };

/// Reads a live alert's presentation out of the program and the store.
class AlertPresenter {
 public:
  /// `slots` (the state's indicator slots) give an indicator's {target}: the band set in force.
  AlertPresenter(const Program& program, const SeriesStore& store,
                 const std::vector<std::vector<IndicatorSlot>>* slots = nullptr)
      : program_(program), store_(store), slots_(slots) {}

  const std::string& name(const LiveAlert& a) const;
  ast::Unit unit(const LiveAlert& a) const;
  std::uint32_t labelset(const LiveAlert& a) const;
  const std::vector<std::string>& declared_routes(AlertSource source, std::uint32_t owner) const;
  void routes(const LiveAlert& a, std::vector<std::string>& out) const;
  /// The message with placeholders filled, into `text` (cleared first): the firing text, or
  /// with `resolved`, the text of its resolution (`resolved message` or the default).
  void message(const LiveAlert& a, Band band, std::string_view formatted, std::string& text, bool resolved = false,
               Closing closing = Closing::condition) const;
  /// The value as shown, into `out` (cleared first): an indicator's with its places
  /// (append_indicator_value).
  void formatted(const LiveAlert& a, std::string& out) const;
  Alert to_alert(const LiveAlert& a) const;
  static Band band_of(const LiveAlert& a) { return a.severity == ast::Colour::red ? Band::red : Band::amber; }

 private:
  /// The figure of the alert's series before the one it was decided on, formatted; "none".
  std::string previous_figure(const LiveAlert& a) const;
  /// An indicator alert's slot (its series' classification), when the presenter has the slots.
  const IndicatorSlot* slot_of(const LiveAlert& a) const;

  const Program& program_;
  const SeriesStore& store_;
  const std::vector<std::vector<IndicatorSlot>>* slots_;
};

/// An evaluation's events, built in place.
class EventList {
 public:
  EventList(const AlertPresenter& presenter, const SeriesStore& store, EventRecycler& recycler,
            std::size_t expected, Date as_of);

  /// Appends the event of `kind` for `a`; `band` overrides the band named in an indicator's message.
  void emit(EventKind kind, const LiveAlert& a, std::optional<Band> band = std::nullopt,
            Closing closing = Closing::condition);
  std::size_t size() const { return events_.size(); }
  /// Orders the events from `from` on by label set (stable: kinds keep their order per series).
  void order_from(std::size_t from);
  /// Checks (in debug builds) that the events from `from` on are in label order.
  bool in_label_order(std::size_t from) const;
  std::vector<Event> take() { return std::move(events_); }
  /// The events so far, handed over; the list goes on in fresh storage for about `expected` more.
  std::vector<Event> take_part(std::size_t expected);

 private:
  const AlertPresenter& presenter_;
  const SeriesStore& store_;
  EventRecycler& recycler_;
  Date as_of_;
  std::vector<Event> events_;
  std::vector<std::uint32_t> labelsets_;  // label set of each event, for ordering
};

}  // namespace bandwatch::engine::detail
