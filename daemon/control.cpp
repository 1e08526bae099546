#include "control.hpp"

#include <algorithm>

#include "frames.hpp"
#include "open_date.hpp"
#include "recovery.hpp"
#include "withdraw.hpp"
#include "report/daemon_state.hpp"

namespace bandwatch::daemon {

using nlohmann::json;

namespace {

json error_json(std::string message) { return {{"error", std::move(message)}}; }

bool routes_include(const std::vector<std::string>& routes, std::string_view route) {
  const std::vector<std::string>& feeds = protocol::feed_routes(routes);
  return std::find(feeds.begin(), feeds.end(), route) != feeds.end();
}

}  // namespace

// The requests, in the order `unknown command` lists them.
const ControlHandlers::Entry ControlHandlers::kHandlers[] = {
    {"snapshot", &ControlHandlers::snapshot}, {"ack", &ControlHandlers::acknowledge},
    {"silence", &ControlHandlers::silence},   {"unsilence", &ControlHandlers::unsilence},
    {"silences", &ControlHandlers::silences}, {"reload", &ControlHandlers::reload_request},
    {"status", &ControlHandlers::status},     {"events", &ControlHandlers::events},
    {"probe", &ControlHandlers::probe},       {"close", &ControlHandlers::close},
    {"report", &ControlHandlers::report},     {"notify", &ControlHandlers::notify},
    {"withdraw", &ControlHandlers::withdraw},
};

ControlHandlers::ControlHandlers(ServerState& state, IngestPipeline& ingest, zmq::context_t& context)
    : state_(state), ingest_(ingest), control_(context, zmq::socket_type::router) {}

void ControlHandlers::on_control() {
  ingest_.settle();  // answers see the store and the feed as one
  std::vector<zmq::message_t> frames;
  for (int handled = 0; handled < 16 && receive_message(control_, frames); ++handled) {
    std::size_t envelope = envelope_size(frames);
    json answer;
    if (envelope == 0) {
      envelope = 1;
      answer = error_json("malformed request: no empty delimiter frame (use a REQ socket)");
    } else if (frames.size() != envelope + 1) {
      answer = error_json("malformed request: expected one JSON frame, got " +
                          std::to_string(frames.size() - envelope));
    } else if (frames[envelope].size() > state_.options.max_control_bytes) {
      answer = error_json("a request of " + std::to_string(frames[envelope].size()) + " bytes is over the limit of " +
                          std::to_string(state_.options.max_control_bytes) + " (--max-control-bytes)");
    } else {
      std::string_view text(static_cast<const char*>(frames[envelope].data()), frames[envelope].size());
      json request = json::parse(text.begin(), text.end(), nullptr, false);
      if (!request.is_object() || !request.contains("command") || !request["command"].is_string()) {
        answer = error_json("malformed request: expected a JSON object with \"command\"");
      } else {
        try {
          answer = this->answer(request);
        } catch (const std::exception& error) {  // a member of the wrong type (nlohmann's)
          state_.store->rollback();
          answer = error_json(std::string("bad request: ") + error.what());
        }
      }
    }
    if (answer.contains("error")) state_.log->info("control: {}", answer["error"].get<std::string>());
    send_reply(control_, frames, envelope, protocol::dump_json(answer));
  }
}

json ControlHandlers::answer(const json& request) {
  const std::string& command = request["command"].get_ref<const std::string&>();
  for (const Entry& entry : kHandlers)
    if (entry.command == command) return (this->*entry.handler)(request);
  std::string expected;
  for (const Entry& entry : kHandlers) expected += (expected.empty() ? "" : ", ") + std::string(entry.command);
  return error_json("unknown command '" + command + "' (expected " + expected + ")");
}

json ControlHandlers::store_failed(const StoreStatus& status, std::string_view what) {
  after_store_failure(state_, status.error);
  return error_json(std::string(what) + ": " + status.error);
}

json ControlHandlers::silences(const json&) {
  json list = json::array();
  for (const auto& [id, silence] : state_.silences.all()) list.push_back(to_json(silence));
  return {{"silences", list}};
}

json ControlHandlers::reload_request(const json&) { return reload("control request"); }

json ControlHandlers::close(const json& request) {
  const std::optional<Date>& open = state_.open.date;
  if (auto date = request.find("date"); date != request.end() && !date->is_null()) {
    std::string why = "it is not a string";
    std::optional<Date> wanted = date->is_string() ? parse_date(date->get<std::string>(), &why) : std::nullopt;
    if (!wanted) return error_json("\"date\" is not a date: " + why);
    if (!open || *open != *wanted)
      return error_json(wanted->iso() + " is not the open date" +
                        (open ? " (" + open->iso() + " is)" : std::string(" (no date is open)")));
  }
  return ingest_.close_open_date("control request");
}

// For `bandwatch withdraw`: a wrong batch undone (withdraw.hpp).
json ControlHandlers::withdraw(const json& request) { return withdraw_batches(state_, request); }

// For `bandwatch report --control`: indicators, values and history (report/daemon_state.hpp).
json ControlHandlers::report(const json&) { return report::report_state_json(state_.engine, state_.program.rules.files); }

// For `bandwatch notify --route R --digest`: the route's digest, queued now.
json ControlHandlers::notify(const json& request) {
  auto route = request.find("route");
  if (route == request.end() || !route->is_string() || route->get_ref<const std::string&>().empty())
    return error_json("notify needs \"route\": the route whose members to tell");
  if (!request.value("digest", false))
    return error_json("notify needs \"digest\": true (red alerts go out by themselves; a digest is sent on demand)");
  // The writer is settled: the digest covers every date closed so far, not only those the last
  // heartbeat told the notifier of.
  if (std::optional<Date> closed = state_.engine.last_as_of()) state_.notifier->note_closed(*closed);
  return state_.notifier->digest_now(route->get<std::string>(), std::chrono::seconds(10));
}

json ControlHandlers::snapshot(const json& request) {
  std::optional<std::string> route;
  if (auto value = request.find("route"); value != request.end() && !value->is_null()) {
    if (!value->is_string()) return error_json("\"route\" must be a string");
    route = value->get<std::string>();
  }
  bool detail = request.value("detail", false);
  Date as_of = state_.engine.last_as_of().value_or(Date{});
  json alerts = json::array();
  for (const engine::Alert& alert : state_.engine.open_alerts()) {
    if (route && !routes_include(alert.routes, *route)) continue;
    auto ack = state_.acks.find(alert.id);
    const Silence* which = detail ? state_.silences.covering(alert, as_of) : nullptr;
    json item = protocol::alert_json(alert, ack == state_.acks.end() ? nullptr : &ack->second, detail,
                                     which ? to_json(*which) : json(nullptr));
    alerts.push_back(std::move(item));
  }
  std::uint64_t sequence = route ? state_.events.route_sequence(*route) : state_.events.sequence();
  return {{"sequence", sequence}, {"alerts", std::move(alerts)}};
}

json ControlHandlers::acknowledge(const json& request) {
  auto id_field = request.find("alert");
  if (id_field == request.end() || !id_field->is_number_unsigned())
    return error_json("ack needs \"alert\": the id of an open alert");
  engine::AlertId id = id_field->get<engine::AlertId>();
  std::string by = request.value("by", "");
  if (by.empty()) return error_json("ack needs \"by\": who acknowledges");
  protocol::Acknowledgement ack;
  ack.by = by;
  ack.note = request.value("note", "");
  if (auto review = request.find("review"); review != request.end() && !review->is_null()) {
    ack.review = protocol::json_date(*review);
    if (!ack.review) return error_json("\"review\" must be a date, YYYY-MM-DD: " + review->dump());
  }
  ack.at = protocol::utc_now_iso();
  std::vector<engine::Alert> open = state_.engine.open_alerts();
  auto alert = std::find_if(open.begin(), open.end(), [&](const engine::Alert& a) { return a.id == id; });
  if (alert == open.end()) return error_json("no open alert with id " + std::to_string(id));
  // The acknowledgement is made on the date the forum sees: the latest figures' as-of date. A
  // review before it would show as overdue at once (the pack compares it with the meeting).
  Date acknowledged_on = state_.engine.last_as_of().value_or(alert->last_seen);
  if (ack.review && *ack.review < acknowledged_on)
    return error_json("review date " + ack.review->iso() + " is before the acknowledgement's date " +
                      acknowledged_on.iso() + " (the as-of date of the latest figures), so it would be overdue at "
                      "once; give a review date on or after " + acknowledged_on.iso());

  engine::Event event = event_from_alert(*alert, state_.engine.last_as_of().value_or(alert->last_seen));
  std::vector<Publication> publications;
  std::uint64_t before = state_.events.sequence();
  Store& store = *state_.store;
  store.begin();
  state_.acks[id] = ack;
  store.upsert_ack(id, protocol::dump_json(to_json(ack)));
  state_.events.record(std::move(event), &ack);
  write_events(store, state_.events.take_writes(), publications);
  if (StoreStatus status = store.commit(); !status.ok()) return store_failed(status);
  state_.events.publish(publications);
  state_.log->info("alert {} ({}) acknowledged by {}", id, alert->rule, ack.by);
  return {{"ok", true},
          {"alert", id},
          {"sequence", state_.events.sequence() != before ? json(state_.events.sequence()) : json(nullptr)},
          {"acknowledgement", to_json(ack)}};
}

json ControlHandlers::silence(const json& request) {
  Silence silence;
  auto matchers = request.find("matchers");
  if (matchers == request.end() || !matchers->is_object() || matchers->empty())
    return error_json("silence needs \"matchers\": at least one of rule, route, severity, alert or a label");
  for (const auto& [key, value] : matchers->items()) {
    if (key.empty()) return error_json("a matcher needs a name");
    if (value.is_string()) silence.matchers[key] = value.get<std::string>();
    else if (value.is_number_unsigned()) silence.matchers[key] = std::to_string(value.get<std::uint64_t>());
    else return error_json("matcher '" + key + "' must be a string");
  }
  auto until = request.find("until");
  std::optional<Date> date = until == request.end() ? std::nullopt : protocol::json_date(*until);
  if (!date) return error_json("silence needs \"until\": a date, YYYY-MM-DD");
  silence.until = *date;
  silence.by = request.value("by", "");
  if (silence.by.empty()) return error_json("silence needs \"by\": who silences");
  silence.note = request.value("note", "");
  silence.created_at = protocol::utc_now_iso();
  if (StoreStatus status = state_.silences.add(*state_.store, silence); !status.ok()) return store_failed(status);
  std::size_t matching = 0;
  Date as_of = state_.engine.last_as_of().value_or(Date{});
  for (const engine::Alert& alert : state_.engine.open_alerts()) {
    const Silence* which = state_.silences.covering(alert, as_of);
    if (which && which->id == silence.id) ++matching;
  }
  state_.log->info("silence {} by {} until {}: {} open alert(s) match", silence.id, silence.by,
             silence.until.iso(), matching);
  return {{"ok", true}, {"silence", to_json(silence)}, {"matching_alerts", matching}};
}

json ControlHandlers::unsilence(const json& request) {
  auto id = request.find("id");
  if (id == request.end() || !id->is_number_integer()) return error_json("unsilence needs \"id\"");
  std::int64_t which = id->get<std::int64_t>();
  bool removed = false;
  if (StoreStatus status = state_.silences.remove(*state_.store, which, removed); !status.ok())
    return store_failed(status);
  if (!removed) return error_json("no active silence with id " + std::to_string(which));
  state_.log->info("silence {} removed", which);
  return {{"ok", true}};
}

json ControlHandlers::status(const json&) {
  // Counting, not listing, unless a silence needs the alerts looked at: status is polled.
  std::size_t open_count = state_.engine.open_alert_count(), silenced_count = 0;
  if (!state_.silences.empty()) {
    Date as_of = state_.engine.last_as_of().value_or(Date{});
    for (const engine::Alert& alert : state_.engine.open_alerts())
      if (state_.silences.covering(alert, as_of)) ++silenced_count;
  }
  json files = json::array();
  for (const ast::File& file : state_.program.rules.files) files.push_back(file.path);
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - state_.started);
  std::int64_t batches = state_.store->batch_count();
  (void)state_.store->take_status();  // status is polled: a failed count shows as 0
  return {{"rules", state_.program.rule_count},
          {"indicators", state_.program.indicator_count},
          {"rule_files", files},
          {"series", state_.engine.series_count()},
          {"open_alerts", open_count},
          {"silenced_alerts", silenced_count},
          {"acknowledged", state_.acks.size()},
          {"silences", state_.silences.size()},
          {"sequence", state_.events.sequence()},
          {"batches", batches},
          {"last_batch", state_.progress.last_batch},
          {"last_as_of", state_.engine.last_as_of() ? json(state_.engine.last_as_of()->iso()) : json(nullptr)},
          {"open_date", state_.open.date ? json(state_.open.date->iso()) : json(nullptr)},
          {"open_batches", state_.open.batches},
          {"close_after_seconds", state_.options.close_after.count()},
          {"uptime_seconds", uptime.count()},
          {"last_reload", state_.last_reload},
          {"store_failure", state_.store_failure},
          {"curve", state_.options.curve.has_value()},
          {"notifications", state_.notifier->status()},
          {"endpoints",
           {{"ingest", state_.endpoints.ingest}, {"publish", state_.endpoints.publish}, {"control", state_.endpoints.control}}}};
}

json ControlHandlers::events(const json& request) {
  std::uint64_t from = 1;
  std::size_t limit = 1000;
  if (auto value = request.find("from"); value != request.end()) {
    if (!value->is_number_unsigned()) return error_json("\"from\" must be a sequence number");
    from = value->get<std::uint64_t>();
  }
  if (auto value = request.find("limit"); value != request.end()) {
    if (!value->is_number_unsigned()) return error_json("\"limit\" must be a positive number");
    limit = std::min<std::size_t>(value->get<std::size_t>(), 10000);
  }
  json list = json::array();
  std::vector<EventBlock> blocks = state_.store->event_blocks_from(from, limit);
  if (StoreStatus read = state_.store->take_status(); !read.ok()) return error_json("state store failed: " + read.error);
  for (const EventBlock& block : blocks) {
    std::size_t start = 0;
    while (start < block.events.size() && list.size() < limit) {
      std::size_t end = block.events.find('\n', start);
      if (end == std::string::npos) end = block.events.size();
      std::string_view line(block.events.data() + start, end - start);
      start = end + 1;
      json event = json::parse(line.begin(), line.end(), nullptr, false);
      if (!event.is_object() || !event["sequence"].is_number_unsigned()) continue;  // silenced
      if (event["sequence"].get<std::uint64_t>() < from) continue;
      list.push_back(std::move(event));
    }
  }
  return {{"sequence", state_.events.sequence()}, {"events", std::move(list)}};
}

json ControlHandlers::probe(const json& request) {
  std::string topic = request.value("topic", "");
  if (topic.rfind(protocol::kProbeTopicPrefix, 0) != 0 || topic.size() > 128 || topic.find(' ') != std::string::npos)
    return error_json("probe needs \"topic\": \"$probe.\" followed by a token without spaces");
  state_.events.publish(topic, "{}");
  return {{"ok", true}};
}

json ControlHandlers::reload(const std::string& reason) {
  ProgramLoad loaded = load_program(state_.options.rule_paths);
  std::vector<std::string> errors = std::move(loaded.errors), warnings = std::move(loaded.warnings);
  if (loaded.no_files) errors.push_back("no .bw rule files found");
  std::vector<engine::Event> resolved;
  if (errors.empty()) {
    engine::LoadResult result = state_.engine.reload(loaded.program->rules.files, &resolved);
    for (const Diagnostic& diagnostic : result.diagnostics)
      (diagnostic.severity == Severity::error ? errors : warnings).push_back(one_line(diagnostic));
  }
  for (const std::string& warning : warnings) state_.log->warn("{}", warning);
  if (!errors.empty()) {
    state_.log->error("reload ({}) refused: the rules have {} error(s); the rules in force are kept", reason,
                      errors.size());
    for (const std::string& error : errors) state_.log->error("{}", error);
    state_.last_reload = {{"at", protocol::utc_now_iso()}, {"reason", reason}, {"ok", false}, {"errors", errors}};
    return {{"ok", false}, {"errors", errors}, {"warnings", warnings}};
  }
  // The new program is in force: keep its files, and make the checkpoint match it so a restart
  // replays later batches under the rules they were applied with.
  state_.program = std::move(*loaded.program);
  state_.validator.reset();
  state_.notifier->set_routes(notify::notify_routes(state_.program.rules.files));
  std::vector<Publication> publications;
  Store& store = *state_.store;
  Progress& progress = state_.progress;
  store.begin();
  for (const engine::Event& event : resolved) state_.events.record(event, nullptr);
  write_events(store, state_.events.take_writes(), publications);
  store.write_checkpoint({progress.last_batch_seq, store.last_event_block(),
                          engine::encode_state(state_.engine.export_state()), protocol::utc_now_iso()});
  store.drop_bodies_through(progress.last_batch_seq);
  if (StoreStatus status = store.commit(); !status.ok())
    return store_failed(status, "reload applied but the state store failed");
  progress.checkpoint_through = progress.last_batch_seq;
  progress.samples_since_checkpoint = 0;
  state_.events.publish(publications);
  state_.log->info("reloaded ({}): {} file(s), {} rule(s), {} indicator(s); {} alert(s) of removed rules resolved",
                   reason, state_.program.rules.files.size(), state_.program.rule_count,
                   state_.program.indicator_count, resolved.size());
  state_.last_reload = {{"at", protocol::utc_now_iso()}, {"reason", reason}, {"ok", true}, {"errors", json::array()}};
  return {{"ok", true},
          {"errors", json::array()},
          {"warnings", warnings},
          {"rule_files", state_.program.rules.files.size()},
          {"rules", state_.program.rule_count},
          {"indicators", state_.program.indicator_count},
          {"resolved", resolved.size()}};
}

}  // namespace bandwatch::daemon
