// A report Source from a running daemon (see control_source.hpp): three control requests
// through the daemon's Lazy Pirate client.
#include "report/control_source.hpp"

#include <algorithm>
#include <map>

#include "report/daemon_state.hpp"
#include "json_fields.hpp"
#include "protocol/client.hpp"

namespace bandwatch::report {

using nlohmann::json;

namespace {

std::optional<Date> date_of(const json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  return parse_iso_date(std::string_view(text).substr(0, 10));  // "2016-09-30" or a timestamp
}

Labels labels_of(const json& value) {
  Labels labels;
  if (value.is_object())
    for (const auto& [name, v] : value.items()) labels.emplace_back(name, v.is_string() ? v.get<std::string>() : v.dump());
  std::sort(labels.begin(), labels.end());
  return labels;
}

ast::Colour colour_of(const json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : "";
  return text == "red" ? ast::Colour::red : text == "green" ? ast::Colour::green : ast::Colour::amber;
}

std::optional<ChangeKind> change_of(const std::string& kind) {
  if (kind == "fired" || kind == "stale") return ChangeKind::fired;
  if (kind == "escalated") return ChangeKind::escalated;
  if (kind == "de-escalated" || kind == "de_escalated") return ChangeKind::de_escalated;
  if (kind == "resolved") return ChangeKind::resolved;
  return std::nullopt;  // pending, unbanded, acknowledged: not a change of the alert's state
}

}  // namespace

std::optional<Source> fetch_source(const ControlOptions& options, std::string& error, bool* no_reply) {
  if (no_reply) *no_reply = false;
  std::optional<protocol::ClientSecurity> security =
      protocol::load_client_security(options.curve_server_key_file, options.curve_secret_key_file, error);
  if (!security) return std::nullopt;
  zmq::context_t context;
  protocol::LazyPirateClient client(context, options.endpoint, *security, options.timeout, options.retries);
  ControlAsk ask = [&](const json& request, std::string& failure) {
    protocol::RequestStatus status = protocol::RequestStatus::ok;
    std::optional<json> answer = protocol::control_request(client, request, failure, &status);
    if (no_reply)
      *no_reply = status == protocol::RequestStatus::no_reply || status == protocol::RequestStatus::refused;
    if (!answer && failure.find("unknown command") != std::string::npos && request.value("command", "") == "report")
      failure = "the daemon at " + options.endpoint + " does not answer `report` (an older bandwatchd?): " + failure;
    return answer;
  };
  ControlSourceReader reader;
  return reader.read(ask, error);
}

std::optional<Source> ControlSourceReader::read(const ControlAsk& ask, std::string& error) {
  // What the rules and the engine know: routes, indicators, values, history.
  std::optional<json> state = ask({{"command", "report"}}, error);
  if (!state) return std::nullopt;
  Source source;
  RuleTexts texts;
  if (!read_report_state(*state, source, texts, error)) return std::nullopt;

  // Every alert's life from the event log, read in pages from where the last read stopped.
  for (;;) {
    std::optional<json> page = ask({{"command", "events"}, {"from", next_}, {"limit", 10000}}, error);
    if (!page) return std::nullopt;
    const json& events = field(*page, "events", kEmptyArray);
    if (!events.is_array() || events.empty()) break;
    std::uint64_t from = next_, last = next_;
    for (const json& event : events) {
      if (!event.is_object()) continue;
      if (field(event, "sequence", kNull).is_number_unsigned())
        last = std::max(last, event["sequence"].get<std::uint64_t>());
      std::optional<ChangeKind> kind = change_of(event.value("kind", ""));
      std::uint64_t id = event.value("alert_id", std::uint64_t{0});
      if (!kind || id == 0) continue;
      auto [it, added] = alerts_.try_emplace(id);
      AlertHistory& alert = it->second;
      std::optional<Date> as_of = date_of(field(event, "as_of", kNull));
      if (added) {
        alert.id = id;
        alert.rule = event.value("rule", "");
        alert.labels = labels_of(field(event, "labels", kEmptyObject));
        alert.since = as_of.value_or(Date{});
      }
      alert.severity = colour_of(field(event, "severity", kNull));
      alert.open = *kind != ChangeKind::resolved;
      alert.value_text = event.value("formatted_value", "");
      alert.message = event.value("message", "");
      if (*kind != ChangeKind::resolved) alert.raised_message = alert.message;
      alert.resolved_message = *kind == ChangeKind::resolved && texts.has_resolved_message(alert.rule);
      alert.routes = event.value("routes", std::vector<std::string>{});
      alert.changes.push_back({*kind, as_of.value_or(Date{}), alert.severity});
    }
    std::uint64_t newest = (*page).value("sequence", std::uint64_t{0});
    next_ = last + 1;
    if (last < from || last >= newest) break;
  }

  // The snapshot is the authority on what is open now, and carries the acknowledgements.
  std::optional<json> snapshot = ask({{"command", "snapshot"}, {"detail", true}}, error);
  if (!snapshot) return std::nullopt;
  std::map<std::uint64_t, AlertHistory> alerts = alerts_;
  for (auto& [id, alert] : alerts) {
    alert.open = false;
    alert.title = texts.title_of(alert.rule);
  }
  for (const json& item : field(*snapshot, "alerts", kEmptyArray)) {
    std::uint64_t id = item.value("id", std::uint64_t{0});
    auto [it, added] = alerts.try_emplace(id);
    AlertHistory& alert = it->second;
    if (added) {  // older than the event log kept: what the snapshot says
      alert.id = id;
      alert.rule = item.value("rule", "");
      alert.title = texts.title_of(alert.rule);
      alert.labels = labels_of(field(item, "labels", kEmptyObject));
      alert.since = date_of(field(item, "since", kNull)).value_or(Date{});
    }
    alert.open = true;
    alert.severity = colour_of(field(item, "severity", kNull));
    if (item.contains("formatted_value")) alert.value_text = item.value("formatted_value", "");
    if (item.contains("message")) alert.message = item.value("message", "");
    if (item.contains("routes")) alert.routes = item.value("routes", std::vector<std::string>{});
    const json& ack = field(item, "acknowledgement", kNull);
    if (ack.is_object()) {
      Acknowledgement a;
      a.who = ack.value("by", "");
      a.note = ack.value("note", "");
      a.review = date_of(field(ack, "review", kNull));
      a.on = date_of(field(ack, "at", kNull));
      alert.acknowledgement = std::move(a);
    } else {
      alert.acknowledgement.reset();
    }
  }
  // An alert the log shows open but the snapshot does not was closed by something the log did
  // not record as an event (a reload dropping its rule): it is gone, not news.
  for (auto& [id, alert] : alerts) {
    if (alert.open) continue;
    bool resolved = !alert.changes.empty() && alert.changes.back().kind == ChangeKind::resolved;
    if (resolved) source.alerts.push_back(std::move(alert));
  }
  for (auto& [id, alert] : alerts)
    if (alert.open) source.alerts.push_back(std::move(alert));
  std::sort(source.alerts.begin(), source.alerts.end(),
            [](const AlertHistory& a, const AlertHistory& b) { return a.id < b.id; });
  return source;
}

}  // namespace bandwatch::report
