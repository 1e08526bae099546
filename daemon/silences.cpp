#include "silences.hpp"

#include <algorithm>

#include "protocol/protocol.hpp"

namespace bandwatch::daemon {

using nlohmann::json;

namespace {

bool routes_include(const std::vector<std::string>& routes, std::string_view route) {
  const std::vector<std::string>& feeds = protocol::feed_routes(routes);
  return std::find(feeds.begin(), feeds.end(), route) != feeds.end();
}

std::string label_value(const engine::Labels& labels, std::string_view name) {
  for (const engine::Label& label : labels)
    if (label.name == name) return label.value;
  return {};
}

bool label_present(const engine::Labels& labels, std::string_view name) {
  return std::any_of(labels.begin(), labels.end(), [&](const engine::Label& l) { return l.name == name; });
}

/// Whether an alert or event with these fields matches every matcher of a silence.
bool silence_matches(const Silence& silence, std::string_view rule, const engine::Labels& labels,
                     const std::vector<std::string>& routes, std::string_view severity,
                     engine::AlertId id) {
  for (const auto& [key, value] : silence.matchers) {
    if (key == "rule") {
      if (rule != value) return false;
    } else if (key == "route") {
      if (!routes_include(routes, value)) return false;
    } else if (key == "severity") {
      if (severity != value) return false;
    } else if (key == "alert") {
      if (std::to_string(id) != value) return false;
    } else if (!label_present(labels, key) || label_value(labels, key) != value) {
      return false;
    }
  }
  return true;
}

std::optional<Silence> silence_from_json(std::int64_t id, const json& value) {
  if (!value.is_object()) return std::nullopt;
  Silence silence;
  silence.id = id;
  if (auto matchers = value.find("matchers"); matchers != value.end() && matchers->is_object())
    for (const auto& [key, matcher] : matchers->items())
      if (matcher.is_string()) silence.matchers[key] = matcher.get<std::string>();
  auto until = value.find("until");
  if (until == value.end()) return std::nullopt;
  auto date = protocol::json_date(*until);
  if (!date) return std::nullopt;
  silence.until = *date;
  silence.by = value.value("by", "");
  silence.note = value.value("note", "");
  silence.created_at = value.value("created_at", "");
  return silence;
}

}  // namespace

json to_json(const Silence& silence) {
  return {{"id", silence.id},
          {"matchers", silence.matchers},
          {"until", silence.until.iso()},
          {"by", silence.by},
          {"note", silence.note},
          {"created_at", silence.created_at}};
}

void Silences::load(Store& store) {
  silences_.clear();
  for (auto& [id, text] : store.silences())
    if (auto silence = silence_from_json(id, json::parse(text, nullptr, false))) silences_[id] = *silence;
}

const Silence* Silences::holding(const engine::Event& event) const {
  for (const auto& [id, silence] : silences_)
    if (event.as_of <= silence.until &&
        silence_matches(silence, event.rule, event.labels, event.routes, protocol::topic_severity(event), event.alert_id))
      return &silence;
  return nullptr;
}

const Silence* Silences::covering(const engine::Alert& alert, Date as_of) const {
  for (const auto& [id, silence] : silences_)
    if (as_of <= silence.until &&
        silence_matches(silence, alert.rule, alert.labels, alert.routes, ast::to_string(alert.severity), alert.id))
      return &silence;
  return nullptr;
}

StoreStatus Silences::add(Store& store, Silence& silence) {
  store.begin();
  silence.id = store.insert_silence(protocol::dump_json(to_json(silence)));
  store.update_silence(silence.id, protocol::dump_json(to_json(silence)));
  StoreStatus status = store.commit();
  if (status.ok()) silences_[silence.id] = silence;
  return status;
}

StoreStatus Silences::remove(Store& store, std::int64_t id, bool& removed) {
  store.begin();
  removed = store.remove_silence(id);
  StoreStatus status = store.commit();
  if (status.ok() && removed) silences_.erase(id);
  return status;
}

}  // namespace bandwatch::daemon
