// Offline acknowledgements (see acknowledgements.hpp).
#include "report/acknowledgements.hpp"

#include <algorithm>

#include "report/render.hpp"

namespace bandwatch::report {

using nlohmann::json;

namespace {

std::optional<Date> date_field(const json& item, const char* key, std::string& error) {
  auto it = item.find(key);
  if (it == item.end() || it->is_null()) return std::nullopt;
  std::optional<Date> date = it->is_string() ? parse_iso_date(std::string_view(it->get_ref<const std::string&>()).substr(0, 10))
                                             : std::nullopt;
  if (!date) error = std::string("\"") + key + "\" must be a date YYYY-MM-DD";
  return date;
}

}  // namespace

bool apply_acknowledgements(const json& list, Source& source, std::vector<std::string>& warnings, std::string& error) {
  if (!list.is_array()) {
    error = "acknowledgements must be a JSON array of objects";
    return false;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& item = list[i];
    std::string where = "acknowledgement " + std::to_string(i + 1);
    if (!item.is_object() || !item.contains("rule") || !item["rule"].is_string()) {
      error = where + ": needs \"rule\"";
      return false;
    }
    std::string rule = item["rule"].get<std::string>();
    Labels wanted;
    if (auto labels = item.find("labels"); labels != item.end() && !labels->is_null()) {
      if (!labels->is_object()) {
        error = where + ": \"labels\" must be an object";
        return false;
      }
      for (const auto& [name, value] : labels->items()) {
        if (!value.is_string()) {
          error = where + ": label \"" + name + "\" must be a string";
          return false;
        }
        wanted.emplace_back(name, value.get<std::string>());
      }
    }
    Acknowledgement ack;
    ack.who = item.value("by", "");
    ack.note = item.value("note", "");
    std::string date_error;
    ack.review = date_field(item, "review", date_error);
    ack.on = date_field(item, "at", date_error);
    if (!date_error.empty()) {
      error = where + ": " + date_error;
      return false;
    }
    std::string name = rule + (wanted.empty() ? "" : " {" + labels_text(wanted) + "}");
    std::size_t matched = 0;
    for (AlertHistory& alert : source.alerts) {
      if (!alert.open || alert.rule != rule) continue;
      bool all = std::all_of(wanted.begin(), wanted.end(), [&](const auto& label) {
        return std::find(alert.labels.begin(), alert.labels.end(), label) != alert.labels.end();
      });
      if (!all) continue;
      ++matched;
      std::optional<Date> escalated;
      for (const AlertChange& change : alert.changes)
        if (change.kind == ChangeKind::escalated) escalated = change.on;
      if (ack.on && escalated && *ack.on < *escalated) {
        warnings.push_back(name + ": acknowledged on " + ack.on->uk() + ", cleared by the escalation on " +
                           escalated->uk());
        alert.acknowledgement.reset();
        continue;
      }
      alert.acknowledgement = ack;
    }
    if (matched == 0) warnings.push_back(name + ": no open alert to acknowledge");
  }
  return true;
}

}  // namespace bandwatch::report
