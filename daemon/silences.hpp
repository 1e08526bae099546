// Silences: matchers (rule, route, severity, alert, or a label) and a last as-of date. The events
// of alerts a silence matches are logged but not published while their as-of date is on or
// before its `until`; snapshots show the alerts, marked silenced. Kept in the store. Internal to
// bandwatchd; the serving thread's alone.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"
#include "rules/calendar.hpp"
#include "store.hpp"

namespace bandwatch::daemon {

struct Silence {
  std::int64_t id = 0;
  std::map<std::string, std::string> matchers;  // rule, route, severity, alert, or a label name
  Date until;
  std::string by;
  std::string note;
  std::string created_at;
};
nlohmann::json to_json(const Silence& silence);

class Silences {
 public:
  /// Replaces what is held with the active silences in `store` (rows that do not read are
  /// skipped); a failed read is the store's to report (take_status()).
  void load(Store& store);

  /// The silence holding `event` off the feed, or nullptr.
  const Silence* holding(const engine::Event& event) const;
  /// The silence covering an open alert at `as_of`, or nullptr.
  const Silence* covering(const engine::Alert& alert, Date as_of) const;

  /// Stores `silence` in a transaction of its own, giving it its id; held once stored.
  StoreStatus add(Store& store, Silence& silence);
  /// Ends the active silence `id`; `removed` false when there is none.
  StoreStatus remove(Store& store, std::int64_t id, bool& removed);

  const std::map<std::int64_t, Silence>& all() const { return silences_; }
  std::size_t size() const { return silences_.size(); }
  bool empty() const { return silences_.empty(); }

 private:
  std::map<std::int64_t, Silence> silences_;
};

}  // namespace bandwatch::daemon
