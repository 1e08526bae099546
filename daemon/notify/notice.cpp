#include "notice.hpp"

#include <array>
#include <cctype>

#include "protocol/protocol.hpp"

namespace bandwatch::daemon::notify {

using nlohmann::json;

Timing timing_of(std::string_view kind, std::string_view severity) {
  if (kind == "fired") return severity == "red" ? Timing::at_once : Timing::digest;
  if (kind == "escalated") return Timing::at_once;
  if (kind == "de-escalated" || kind == "resolved" || kind == "stale" || kind == "unbanded") return Timing::digest;
  return Timing::none;
}

namespace {

std::optional<Change> change_of(std::string_view kind, std::string_view severity) {
  if (kind == "fired") return severity == "red" ? Change::new_red : Change::new_amber;
  if (kind == "escalated") return Change::escalated;
  if (kind == "de-escalated") return Change::eased;
  if (kind == "resolved") return Change::resolved;
  if (kind == "stale") return Change::stale;
  if (kind == "unbanded") return Change::unbanded;
  return std::nullopt;
}

constexpr std::array<std::pair<Change, std::string_view>, 7> kChangeNames{{
    {Change::new_red, "new_red"},
    {Change::escalated, "escalated"},
    {Change::new_amber, "new_amber"},
    {Change::eased, "eased"},
    {Change::resolved, "resolved"},
    {Change::stale, "stale"},
    {Change::unbanded, "unbanded"},
}};

std::string text_of(const json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

}  // namespace

std::optional<NoticeItem> notice_item(const json& event) {
  if (!event.is_object()) return std::nullopt;
  auto sequence = event.find("sequence");
  if (sequence == event.end() || !sequence->is_number_unsigned()) return std::nullopt;
  std::string kind = text_of(event, "kind"), severity = text_of(event, "severity");
  if (timing_of(kind, severity) == Timing::none) return std::nullopt;
  std::optional<Change> change = change_of(kind, severity);
  std::optional<Date> as_of = protocol::json_date(event.value("as_of", json()));
  if (!change || !as_of) return std::nullopt;
  NoticeItem item;
  item.change = *change;
  item.severity = severity;
  item.rule = text_of(event, "rule");
  item.message = text_of(event, "message");
  item.value = text_of(event, "formatted_value");
  item.since = protocol::json_date(event.value("since", json()));
  item.as_of = *as_of;
  item.alert_id = event.value("alert_id", std::uint64_t{0});
  item.sequence = sequence->get<std::uint64_t>();
  return item;
}

json to_json(const NoticeItem& item) {
  std::string_view change;
  for (const auto& [which, name] : kChangeNames)
    if (which == item.change) change = name;
  return {{"change", change},
          {"severity", item.severity},
          {"rule", item.rule},
          {"message", item.message},
          {"value", item.value},
          {"since", item.since ? json(item.since->iso()) : json(nullptr)},
          {"as_of", item.as_of.iso()},
          {"alert_id", item.alert_id},
          {"sequence", item.sequence}};
}

std::optional<NoticeItem> notice_item_from_json(const json& stored) {
  if (!stored.is_object()) return std::nullopt;
  NoticeItem item;
  std::string change = text_of(stored, "change");
  bool known = false;
  for (const auto& [which, name] : kChangeNames)
    if (name == change) item.change = which, known = true;
  std::optional<Date> as_of = protocol::json_date(stored.value("as_of", json()));
  if (!known || !as_of) return std::nullopt;
  item.severity = text_of(stored, "severity");
  item.rule = text_of(stored, "rule");
  item.message = text_of(stored, "message");
  item.value = text_of(stored, "value");
  item.since = protocol::json_date(stored.value("since", json()));
  item.as_of = *as_of;
  item.alert_id = stored.value("alert_id", std::uint64_t{0});
  item.sequence = stored.value("sequence", std::uint64_t{0});
  return item;
}

std::string band_word(std::string_view severity) {
  if (severity == "red") return "Red";
  if (severity == "amber") return "Amber";
  if (severity == "unbanded") return "Unbanded";
  if (severity.empty()) return "-";
  std::string word(severity);
  word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
  return word;
}

std::string long_date(Date date) {
  static constexpr const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                            "July",    "August",   "September", "October", "November", "December"};
  return std::to_string(date.day()) + " " + kMonths[date.month() - 1] + " " + std::to_string(date.year());
}

std::string_view change_heading(Change change) {
  switch (change) {
    case Change::new_red: return "New red alerts";
    case Change::escalated: return "Escalated to red";
    case Change::new_amber: return "New amber alerts";
    case Change::eased: return "Eased from red to amber";
    case Change::resolved: return "Resolved";
    case Change::stale: return "Data not received when expected (stale)";
    case Change::unbanded: return "Values in no band";
  }
  return "";
}

const std::vector<Change>& changes_in_order() {
  static const std::vector<Change> kOrder{Change::new_red,  Change::escalated, Change::new_amber, Change::eased,
                                          Change::resolved, Change::stale,     Change::unbanded};
  return kOrder;
}

}  // namespace bandwatch::daemon::notify
