#include "server.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "report/daemon_state.hpp"
#include "engine/sample_line.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::daemon {

using nlohmann::json;

namespace {

/// "file:line:col: error: message", one line (no excerpt): for logs and the `reload` answer.
std::string one_line(const Diagnostic& diagnostic) {
  std::string text = render(diagnostic, {});
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

/// Calls visit(line_number, line) for each line of `body`; numbering starts at 1.
template <typename Visit>
void for_each_line(std::string_view body, Visit&& visit) {
  std::size_t number = 0, start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    visit(++number, body.substr(start, end - start));
    start = end + 1;
  }
}

/// An answer with nothing in it yet but the batch's id.
protocol::IngestReply fresh_reply(std::string batch_id) {
  protocol::IngestReply reply;
  reply.batch_id = std::move(batch_id);
  return reply;
}

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

/// Rebuilds an event from its stored JSON, for alerts resolved at startup.
engine::Event event_from_json(const json& stored) {
  engine::Event event;
  event.kind = engine::EventKind::resolved;
  event.alert_id = stored.value("alert_id", std::uint64_t{0});
  std::string source = stored.value("source", "rule");
  event.source = source == "indicator" ? engine::AlertSource::indicator
                 : source == "stale"   ? engine::AlertSource::stale
                                       : engine::AlertSource::rule;
  event.rule = stored.value("rule", "");
  if (auto labels = stored.find("labels"); labels != stored.end() && labels->is_object())
    for (const auto& [name, value] : labels->items())
      if (value.is_string()) event.labels.push_back({name, value.get<std::string>()});
  event.severity = stored.value("severity", "amber") == "red" ? ast::Colour::red : ast::Colour::amber;
  if (auto value = stored.find("value"); value != stored.end() && value->is_number())
    event.value = value->get<double>();
  event.formatted_value = stored.value("formatted_value", "");
  event.message = stored.value("message", "");
  if (auto routes = stored.find("routes"); routes != stored.end() && routes->is_array())
    for (const json& route : *routes)
      if (route.is_string()) event.routes.push_back(route.get<std::string>());
  if (auto since = stored.find("since"); since != stored.end())
    if (auto date = protocol::json_date(*since)) event.since = *date;
  if (auto as_of = stored.find("as_of"); as_of != stored.end())
    if (auto date = protocol::json_date(*as_of)) event.as_of = *date;
  return event;
}

engine::Event event_from_alert(const engine::Alert& alert, Date as_of) {
  engine::Event event;
  event.alert_id = alert.id;
  event.source = alert.source;
  event.rule = alert.rule;
  event.labels = alert.labels;
  event.severity = alert.severity;
  event.value = alert.value;
  event.unit = alert.unit;
  event.formatted_value = alert.formatted_value;
  event.message = alert.message;
  event.routes = alert.routes;
  event.as_of = as_of;
  event.since = alert.since;
  return event;
}

json error_json(std::string message) { return {{"error", std::move(message)}}; }

/// Sends [envelope..., payload] on a ROUTER socket. A peer that went away is dropped silently by
/// ZeroMQ, which is what Lazy Pirate expects.
void send_reply(zmq::socket_t& socket, std::vector<zmq::message_t>& frames, std::size_t envelope,
                std::string_view payload) {
  for (std::size_t i = 0; i < envelope && i < frames.size(); ++i)
    socket.send(zmq::buffer(frames[i].data(), frames[i].size()), zmq::send_flags::sndmore);
  socket.send(zmq::buffer(payload.data(), payload.size()), zmq::send_flags::none);
}

/// Receives one whole message; false when none is waiting.
bool receive_message(zmq::socket_t& socket, std::vector<zmq::message_t>& frames) {
  frames.clear();
  zmq::message_t part;
  if (!socket.recv(part, zmq::recv_flags::dontwait)) return false;
  bool more = part.more();
  frames.push_back(std::move(part));
  while (more) {
    zmq::message_t next;
    (void)socket.recv(next, zmq::recv_flags::none);  // the rest of a message arrives with it
    more = next.more();
    frames.push_back(std::move(next));
  }
  return true;
}

/// Index just after the first empty frame (the REQ delimiter), or 0 when there is none.
std::size_t envelope_size(const std::vector<zmq::message_t>& frames) {
  for (std::size_t i = 0; i < frames.size() && i < 32; ++i)
    if (frames[i].size() == 0) return i + 1;
  return 0;
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

namespace {

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

struct Server::Incoming {
  std::vector<zmq::message_t> frames;
};

struct Server::Work {
  std::size_t envelope = 0;
  protocol::IngestReply reply;
  std::string reply_json;  // the answer, once known
  bool apply = false;      // applied to the engine; stored with the group's commit
  int same_as = -1;        // repeat of a batch earlier in the same group
  protocol::IngestHeader header;
  std::string body;
};

struct Server::InFlight {
  std::vector<Incoming> group;
  std::vector<Work> work;
  std::size_t samples = 0, events = 0;
  std::shared_ptr<IngestCommit> commit;  // null when nothing of the group is to be written
};

namespace {

// Groups evaluated and waiting for the writer: enough to keep both threads busy with a few
// clients; a deeper queue would only hold more evaluated state that a failed commit throws away.
constexpr std::size_t kMaxInFlight = 4;

std::string_view batch_id_of(const std::vector<zmq::message_t>& frames) {
  std::size_t envelope = envelope_size(frames);
  if (envelope == 0 || envelope >= frames.size()) return {};
  return {static_cast<const char*>(frames[envelope].data()), frames[envelope].size()};
}

}  // namespace

// ---- setup ---------------------------------------------------------------------------------

Server::Server(zmq::context_t& context, ServerOptions options, std::shared_ptr<spdlog::logger> log)
    : context_(context),
      options_(std::move(options)),
      log_(std::move(log)),
      ingest_(context, zmq::socket_type::router),
      publish_(context, zmq::socket_type::pub),
      control_(context, zmq::socket_type::router),
      wake_(context, zmq::socket_type::pair) {
  started_ = last_checkpoint_ = last_heartbeat_ = std::chrono::steady_clock::now();
  try {
    store_ = std::make_unique<Store>(options_.state_dir, options_.sync);
    reader_ = std::make_unique<Store>(options_.state_dir, options_.sync);
  } catch (const StoreError& error) {
    throw std::runtime_error(error.what());
  }
  load_program();
  try {
    recover();
  } catch (const StoreError& error) {
    throw std::runtime_error(std::string("cannot restore state: ") + error.what());
  }
  bind_sockets();
  std::string wake_endpoint = "inproc://bandwatchd-writer-" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
  wake_.set(zmq::sockopt::linger, 0);
  wake_.bind(wake_endpoint);
  writer_ = std::make_unique<StoreWriter>(*store_, context_, wake_endpoint,
                                          [this](std::vector<Publication>& publications) { publish(publications); });
}

Server::~Server() = default;

void Server::load_program() {
  loader::LoadedRules loaded = loader::load_rules(options_.rule_paths);
  loader::check_program(loaded);
  if (loaded.files.empty() && !has_errors(loaded.diagnostics))
    loaded.diagnostics.push_back({options_.rule_paths.empty() ? std::string("--rules") : options_.rule_paths.front(),
                                  {}, Severity::error, "no .bw rule files found"});
  for (const Diagnostic& diagnostic : loaded.diagnostics)
    if (diagnostic.severity != Severity::error) log_->warn("{}", one_line(diagnostic));
  if (has_errors(loaded.diagnostics)) {
    std::string message = "the rules have errors:";
    for (const Diagnostic& diagnostic : loaded.diagnostics)
      if (diagnostic.severity == Severity::error) {
        log_->error("{}", one_line(diagnostic));
        message += "\n  " + one_line(diagnostic);
      }
    throw std::runtime_error(message);
  }
  rules_ = std::move(loaded);
  index_program();
}

void Server::index_program() {
  // Names and labels for messages about rejected samples; counts for `status`.
  metric_names_.clear();
  metric_labels_.clear();
  rule_count_ = indicator_count_ = 0;
  for (const ast::File& file : rules_.files)
    for (const ast::Item& item : file.items) {
      if (const auto* metric = std::get_if<ast::MetricDecl>(&item)) {
        metric_names_.push_back(metric->name);
        if (metric->labels) metric_labels_[metric->name] = metric->labels->value;
      } else if (const auto* indicator = std::get_if<ast::IndicatorDecl>(&item)) {
        ++indicator_count_;
        metric_names_.push_back(indicator->name);
      } else if (std::holds_alternative<ast::RuleDecl>(item)) {
        ++rule_count_;
      } else if (const auto* extract = std::get_if<ast::ExtractDecl>(&item)) {
        for (const ast::Binding& binding : extract->bindings)
          if (binding.kind == ast::BindingKind::sample) metric_names_.push_back(binding.name);
      }
    }
  std::sort(metric_names_.begin(), metric_names_.end());
  metric_names_.erase(std::unique(metric_names_.begin(), metric_names_.end()), metric_names_.end());
}

void Server::recover() {
  engine_ = engine::Engine();
  validator_.reset();
  engine::LoadResult loaded = engine_.load(rules_.files);
  for (const Diagnostic& diagnostic : loaded.diagnostics) log_->warn("{}", one_line(diagnostic));
  if (!loaded.ok()) throw std::runtime_error("the engine refused the rules (see the errors above)");

  std::int64_t through = 0, through_event_block = 0;
  std::vector<engine::AlertRecord> checkpoint_alerts;
  recorded_ = {};
  if (auto checkpoint = store_->read_checkpoint()) {
    std::string error;
    std::optional<engine::EngineState> state = engine::decode_state(checkpoint->state, &error);
    if (!state)
      throw std::runtime_error(store_->path() + ": the state checkpoint is unreadable: " + error);
    for (const Diagnostic& diagnostic : engine_.import_state(*state))
      log_->warn("restoring state: {}", one_line(diagnostic));
    through = checkpoint->through_batch;
    through_event_block = checkpoint->through_event_block;
    checkpoint_alerts = std::move(state->alerts);
  }
  checkpoint_through_ = through;
  last_batch_seq_ = through;
  // The date open when the checkpoint was written: its last batch is the checkpoint's.
  open_date_.reset();
  open_batches_ = 0;
  if (auto row = store_->batch_by_seq(through)) {
    std::optional<Date> date = parse_iso_date(row->as_of);
    std::optional<Date> closed = engine_.last_as_of();
    if (date && !row->closes && (!closed || *date > *closed)) open_date_ = date;
  }
  std::size_t replayed = 0;
  // Every batch after the checkpoint was answered `ok` and its events logged: replay it into the
  // engine (same rules, same order, same closes: the same state) and drop the events it yields
  // again.
  auto close_quietly = [&](Date date, const std::string& batch) {
    engine::Evaluation evaluation = engine_.evaluate(date);
    if (!evaluation.ok) log_->warn("replaying batch {}: {}", batch, evaluation.error);
    engine_.recycle(std::move(evaluation.events));
    open_date_.reset();
    open_batches_ = 0;
  };
  store_->for_each_batch_after(through, [&](const BatchRow& row) {
    last_batch_seq_ = row.seq;
    std::optional<Date> as_of = parse_iso_date(row.as_of);
    if (!as_of) {
      log_->error("batch {} has an unreadable as-of date '{}': skipped", row.batch_id, row.as_of);
      return;
    }
    if (open_date_ && *as_of > *open_date_) close_quietly(*open_date_, row.batch_id);
    if (row.body) apply_body(*row.body, *as_of, nullptr);
    else log_->error("batch {} is after the checkpoint but its samples were dropped", row.batch_id);
    open_date_ = *as_of;
    ++open_batches_;
    if (row.closes) close_quietly(*as_of, row.batch_id);
    ++replayed;
  });
  open_since_ = std::chrono::steady_clock::now();
  if (auto last = store_->last_batch()) {
    last_batch_seq_ = std::max(last_batch_seq_, last->seq);
    last_batch_ = {{"id", last->batch_id}, {"as_of", last->as_of}, {"samples", last->samples},
                   {"received_at", last->received_at}};
  }

  sequence_ = 0;
  if (auto stored = store_->meta("sequence")) sequence_ = std::stoull(*stored);
  route_sequences_.clear();
  for (auto& [route, sequence] : store_->route_sequences()) route_sequences_[route] = sequence;
  dirty_routes_.clear();
  acks_.clear();
  for (auto& [id, text] : store_->acks())
    if (auto ack = protocol::acknowledgement_from_json(json::parse(text, nullptr, false))) acks_[id] = *ack;
  silences_.clear();
  for (auto& [id, text] : store_->silences())
    if (auto silence = silence_from_json(id, json::parse(text, nullptr, false))) silences_[id] = *silence;

  // Alerts the subscribers were told are open (firing at the checkpoint, or fired since) that the
  // engine no longer has: their rule or indicator left the rule files while the daemon was down.
  // Tell the subscribers they are resolved.
  std::map<engine::AlertId, engine::Event> told_open;
  Date as_of = engine_.last_as_of().value_or(Date{});
  for (const engine::AlertRecord& record : checkpoint_alerts)
    if (record.alert.state == engine::AlertState::firing)
      told_open[record.alert.id] = event_from_alert(record.alert, as_of);
  store_->for_each_event_block_after(through_event_block, [&](const EventBlock& block) {
    std::size_t start = 0;
    while (start < block.events.size()) {
      std::size_t end = block.events.find('\n', start);
      if (end == std::string::npos) end = block.events.size();
      std::string_view line(block.events.data() + start, end - start);
      start = end + 1;
      json event = json::parse(line.begin(), line.end(), nullptr, false);
      if (!event.is_object()) continue;
      std::string kind = event.value("kind", "");
      engine::AlertId id = event.value("alert_id", engine::AlertId{0});
      if (id == 0) continue;
      if (kind == "fired" || kind == "stale") told_open[id] = event_from_json(event);
      else if (kind == "resolved") told_open.erase(id);
    }
  });
  std::set<engine::AlertId> open;
  for (const engine::Alert& alert : engine_.open_alerts(true)) open.insert(alert.id);
  std::vector<Publication> publications;
  bool changed = false;
  for (auto& [id, told] : told_open) {
    if (open.count(id)) continue;
    if (!changed) store_->begin();
    changed = true;
    engine::Event event = told;
    event.kind = engine::EventKind::resolved;
    event.alert_id = id;
    event.as_of = as_of;
    event.message = "resolved: " + event.rule + " is no longer in the rules";
    log_->info("alert {} ({}) resolved: its rule is no longer loaded", id, event.rule);
    record_event(std::move(event), nullptr);
  }
  for (auto it = acks_.begin(); it != acks_.end();) {
    if (open.count(it->first)) {
      ++it;
      continue;
    }
    if (!changed) store_->begin();
    changed = true;
    store_->delete_ack(it->first);
    it = acks_.erase(it);
  }
  if (changed) {
    write_events(*store_, take_event_writes(), publications);
    store_->commit();
    publish(publications);  // before bind at startup: the event log keeps them
  }
  if (replayed > 0) write_checkpoint();
  log_->info("state restored from {}: {} series, {} open alerts, sequence {} (checkpoint through "
             "batch {}, {} batch(es) replayed)",
             store_->path(), engine_.series_count(), open.size(), sequence_, through, replayed);
}

void Server::bind_sockets() {
  auto secure = [&](zmq::socket_t& socket) {
    socket.set(zmq::sockopt::linger, 0);
    if (!options_.curve) return;
    socket.set(zmq::sockopt::curve_server, 1);
    socket.set(zmq::sockopt::curve_secretkey, options_.curve->secret_key);
    socket.set(zmq::sockopt::zap_domain, "bandwatch");
  };
  auto bind = [&](zmq::socket_t& socket, const std::string& endpoint, const char* what) {
    try {
      socket.bind(endpoint);
    } catch (const zmq::error_t& error) {
      throw std::runtime_error(std::string("cannot bind the ") + what + " socket to " + endpoint +
                               ": " + error.what());
    }
    return socket.get(zmq::sockopt::last_endpoint);
  };
  secure(ingest_);
  // Frames over the limit are cut off by libzmq (the connection drops); a batch split into
  // frames under it is measured whole and refused with an answer.
  ingest_.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(options_.max_batch_bytes + 65536));
  ingest_.set(zmq::sockopt::rcvhwm, 1000);
  secure(publish_);
  publish_.set(zmq::sockopt::sndhwm, options_.publish_hwm);
  secure(control_);
  control_.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(protocol::kMaxControlBytes * 4));
  endpoints_.ingest = bind(ingest_, options_.ingest_endpoint, "ingest");
  endpoints_.publish = bind(publish_, options_.publish_endpoint, "alerts");
  endpoints_.control = bind(control_, options_.control_endpoint, "control");
}

// ---- samples -------------------------------------------------------------------------------

std::size_t Server::apply_body(std::string_view body, Date as_of, protocol::IngestReply* reply) {
  engine::BatchOptions options;
  options.as_of = as_of;
  if (reply) {
    options.earliest = options_.earliest_date;
    options.limits = options_.limits;
  } else {
    // A replay: the batch was taken under the options of its day.
    options.limits.max_line_bytes = options.limits.max_labels = options.limits.max_label_value_bytes =
        std::numeric_limits<std::size_t>::max();
    options.limits.max_reported = 0;
  }
  engine::BatchOutcome outcome = engine::ingest_batch(engine_, body, options);
  if (reply) {
    for (engine::LineProblem& problem : outcome.problems)
      (problem.warning ? reply->warnings : reply->rejected)
          .push_back({problem.line, problem.column, std::move(problem.message)});
    reply->unreported = std::move(outcome.unreported);
  }
  return outcome.accepted;
}

std::optional<std::string> Server::date_refusal(Date as_of) const {
  if (as_of < options_.earliest_date)
    return "as-of date " + as_of.iso() + " is before " + options_.earliest_date.iso() +
           ", the earliest date this daemon takes (--earliest-date): is the year mistyped?";
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  Date latest{static_cast<std::int32_t>(today.time_since_epoch().count()) + options_.future_days};
  if (as_of > latest)
    return "as-of date " + as_of.iso() + " is more than " + std::to_string(options_.future_days) +
           " day(s) after today (--future-days): is the year mistyped?";
  std::optional<Date> closed = engine_.last_as_of();
  if (closed && as_of == *closed)
    return "as-of date " + as_of.iso() + " is closed: its alerts were decided. Send later figures under a " +
           "later date (or `bandwatch withdraw` the batch that was wrong)";
  if (closed && as_of < *closed)
    return "as-of date " + as_of.iso() + " is before the last closed date " + closed->iso() +
           ": batches must arrive in date order";
  return std::nullopt;
}

bool Server::validate_strict(std::string_view body, Date as_of, std::vector<protocol::LineError>& rejected) {
  // The engine cannot take samples back, so a strict batch is tried on a second engine with the
  // same program first. Its store only grows with strict batches; start it afresh now and then.
  if (validator_ && validator_->series_count() > 200'000) validator_.reset();
  if (!validator_) {
    validator_ = std::make_unique<engine::Engine>();
    validator_->load(rules_.files);
  }
  std::swap(engine_, *validator_);
  try {
    protocol::IngestReply reply;
    apply_body(body, as_of, &reply);
    rejected = std::move(reply.rejected);
  } catch (...) {
    std::swap(engine_, *validator_);
    throw;
  }
  std::swap(engine_, *validator_);
  return rejected.empty();
}

// ---- dates ---------------------------------------------------------------------------------

std::vector<engine::Event> Server::close_in_engine(Date date, std::vector<std::string>* notes) {
  engine::Evaluation evaluation = engine_.evaluate(date);
  if (!evaluation.ok) {
    log_->error("closing {}: {}", date.iso(), evaluation.error);
    return {};
  }
  log_->info("{} closed after {} batch(es): {} event(s)", date.iso(), open_batches_, evaluation.events.size());
  for (const engine::EvaluationNote& note : evaluation.notes) {
    std::string labels;
    for (const engine::Label& label : note.labels) labels += (labels.empty() ? "" : ",") + label.name + "=" + label.value;
    std::string text = note.rule + (labels.empty() ? "" : "{" + labels + "}") + ": " + note.message;
    log_->info("{}", text);
    if (notes) notes->push_back(std::move(text));
  }
  if (evaluation.notes_dropped) {
    log_->info("... and {} more such note(s)", evaluation.notes_dropped);
    if (notes) notes->push_back("... and " + std::to_string(evaluation.notes_dropped) + " more such note(s)");
  }
  if (open_date_ == date) {
    open_date_.reset();
    open_batches_ = 0;
  }
  return std::move(evaluation.events);
}

json Server::close_open_date(const std::string& reason) {
  settle();
  if (!open_date_) {
    std::optional<Date> closed = engine_.last_as_of();
    return error_json("no date is open" + (closed ? " (the last closed is " + closed->iso() + ")" : std::string()));
  }
  Date date = *open_date_;
  std::size_t batches = open_batches_;
  std::vector<Publication> publications;
  std::uint64_t before = sequence_;
  std::size_t event_count = 0;
  std::vector<std::string> notes;
  try {
    store_->begin();
    BatchRow row;
    row.batch_id = std::string(protocol::kCloseBatchPrefix) + date.iso();
    row.as_of = date.iso();
    row.body = std::string();
    row.closes = true;
    row.received_at = protocol::utc_now_iso();
    row.reply = protocol::dump_json(json{{"batch", row.batch_id}, {"status", "ok"}, {"closed", {date.iso()}}, {"reason", reason}});
    std::int64_t seq = store_->insert_batch(row);
    std::vector<engine::Event> events = close_in_engine(date, &notes);
    event_count = events.size();
    record_events(std::move(events));
    write_events(*store_, take_event_writes(), publications);
    store_->commit();
    last_batch_seq_ = seq;
  } catch (const StoreError& error) {
    store_->rollback();
    after_store_failure(error.what());
    return error_json(std::string("cannot close ") + date.iso() + ": the state store failed: " + error.what());
  }
  publish(publications);
  log_->info("{} closed ({}): {} batch(es), {} event(s)", date.iso(), reason, batches, event_count);
  return {{"ok", true},
          {"closed", date.iso()},
          {"batches", batches},
          {"events", event_count},
          {"notes", notes},
          {"sequence", sequence_ != before ? json(sequence_) : json(nullptr)}};
}

json Server::close_command(const json& request) {
  if (auto date = request.find("date"); date != request.end() && !date->is_null()) {
    std::string why = "it is not a string";
    std::optional<Date> wanted = date->is_string() ? parse_date(date->get<std::string>(), &why) : std::nullopt;
    if (!wanted) return error_json("\"date\" is not a date: " + why);
    if (!open_date_ || *open_date_ != *wanted)
      return error_json(wanted->iso() + " is not the open date" +
                        (open_date_ ? " (" + open_date_->iso() + " is)" : std::string(" (no date is open)")));
  }
  return close_open_date("control request");
}

// ---- ingest --------------------------------------------------------------------------------

void Server::on_ingest() {
  std::size_t bytes = 0;
  while (waiting_.size() < options_.max_group && bytes < options_.max_batch_bytes) {
    Incoming incoming;
    if (!receive_message(ingest_, incoming.frames)) break;
    for (const zmq::message_t& frame : incoming.frames) bytes += frame.size();
    waiting_.push_back(std::move(incoming));
  }
  dispatch();
}

void Server::dispatch() {
  while (!waiting_.empty() && in_flight_.size() < kMaxInFlight && !failed_) {
    // With the writer idle, evaluate half of what waits now and the other half while the first
    // half is written; with the writer busy, everything that waits.
    std::size_t take = in_flight_.empty() ? (waiting_.size() + 1) / 2 : waiting_.size();
    take = std::min(take, options_.max_group);
    std::vector<Incoming> group;
    for (std::size_t i = 0; i < take; ++i) {
      group.push_back(std::move(waiting_.front()));
      waiting_.pop_front();
    }
    // A repeat of a batch the writer still has gets that batch's stored answer: wait for it.
    bool repeats_in_flight = false;
    for (const Incoming& incoming : group) {
      std::string_view id = batch_id_of(incoming.frames);
      for (const InFlight& flight : in_flight_)
        for (const Work& w : flight.work)
          repeats_in_flight |= w.apply && !id.empty() && w.reply.batch_id == id;
    }
    if (repeats_in_flight) settle();
    process_group(std::move(group));
  }
}

void Server::process_group(std::vector<Incoming> group) {
  InFlight flight;
  std::vector<Work>& work = flight.work;
  work.resize(group.size());
  std::size_t event_count = 0;
  std::map<std::string, std::size_t, std::less<>> applied_ids;
  std::size_t applied = 0, samples = 0;

  auto refuse = [&](Work& w, std::string message) {
    w.reply.ok = false;
    w.reply.error = std::move(message);
    w.reply_json = protocol::encode_ingest_reply(w.reply);
  };

  try {
    for (std::size_t i = 0; i < group.size(); ++i) {
      std::vector<zmq::message_t>& frames = group[i].frames;
      Work& w = work[i];
      w.envelope = envelope_size(frames);
      if (w.envelope == 0) {
        w.envelope = 1;  // answer the identity; the client sent no REQ delimiter
        refuse(w, "malformed request: no empty delimiter frame before [batch-id, header, samples...] "
                  "(use a REQ socket)");
        log_->warn("ingest: malformed request without a delimiter ({} frames)", frames.size());
        continue;
      }
      std::size_t parts = frames.size() - w.envelope;
      if (parts < 2) {
        refuse(w, "malformed request: expected [batch-id, header, samples...], got " +
                      std::to_string(parts) + " frame(s)");
        log_->warn("ingest: malformed request with {} frame(s)", parts);
        continue;
      }
      std::string_view id(static_cast<const char*>(frames[w.envelope].data()), frames[w.envelope].size());
      if (!protocol::valid_batch_id(id)) {
        refuse(w, "malformed request: the batch id must be 1 to " + std::to_string(protocol::kMaxBatchIdBytes) +
                      " printable characters without spaces");
        log_->warn("ingest: malformed batch id ({} bytes)", id.size());
        continue;
      }
      if (id.starts_with(protocol::kCloseBatchPrefix)) {
        refuse(w, "malformed request: batch ids starting with '" + std::string(protocol::kCloseBatchPrefix) +
                      "' are the daemon's own (its record of a date closed)");
        continue;
      }
      w.reply.batch_id = std::string(id);
      std::string error;
      std::optional<protocol::IngestHeader> header = protocol::decode_ingest_header(
          std::string_view(static_cast<const char*>(frames[w.envelope + 1].data()), frames[w.envelope + 1].size()),
          error);
      if (!header) {
        refuse(w, "malformed request: " + error);
        log_->warn("ingest: batch {}: {}", w.reply.batch_id, error);
        continue;
      }
      w.header = *header;
      std::size_t body_bytes = 0;
      for (std::size_t f = w.envelope + 2; f < frames.size(); ++f) body_bytes += frames[f].size();
      if (body_bytes > options_.max_batch_bytes) {
        refuse(w, "batch of " + std::to_string(body_bytes) + " bytes is over the limit of " +
                      std::to_string(options_.max_batch_bytes) + " bytes: split it");
        log_->warn("ingest: batch {} refused: {} bytes over the limit", w.reply.batch_id, body_bytes);
        continue;
      }
      if (auto stored = reader_->batch_reply(id)) {
        json answer = json::parse(*stored, nullptr, false);
        if (!answer.is_object()) {
          protocol::IngestReply repeat;
          repeat.batch_id = std::string(id);
          repeat.ok = true;
          answer = to_json(repeat);
        }
        answer["duplicate"] = true;
        w.reply_json = protocol::dump_json(answer);
        log_->debug("ingest: batch {} is a repeat: not applied again", w.reply.batch_id);
        continue;
      }
      if (auto earlier = applied_ids.find(id); earlier != applied_ids.end()) {
        w.same_as = static_cast<int>(earlier->second);
        continue;
      }
      if (std::optional<std::string> why = date_refusal(w.header.as_of)) {
        refuse(w, *why);
        log_->warn("ingest: batch {} refused: {}", w.reply.batch_id, w.reply.error);
        continue;
      }
      // The lines, whole: frames hold whole lines, joined with a newline where one is missing.
      w.body.reserve(body_bytes + frames.size());
      for (std::size_t f = w.envelope + 2; f < frames.size(); ++f) {
        w.body.append(static_cast<const char*>(frames[f].data()), frames[f].size());
        if (!w.body.empty() && w.body.back() != '\n' && f + 1 < frames.size()) w.body.push_back('\n');
      }
      if (w.header.strict) {
        std::vector<protocol::LineError> rejected;
        if (!validate_strict(w.body, w.header.as_of, rejected)) {
          w.reply.rejected = std::move(rejected);
          refuse(w, "strict batch with " + std::to_string(w.reply.rejected.size()) +
                        " bad line(s): nothing of it was applied");
          log_->info("ingest: strict batch {} refused: {} bad line(s)", w.reply.batch_id,
                     w.reply.rejected.size());
          continue;
        }
      }
      // Events are numbered now, batch by batch, in the order they are applied, and written with
      // the group. A batch for a later date first closes the open one.
      if (open_date_ && w.header.as_of > *open_date_) {
        w.reply.closed.push_back(open_date_->iso());
        std::vector<engine::Event> events = close_in_engine(*open_date_, &w.reply.notes);
        event_count += events.size();
        record_events(std::move(events));
      }
      w.reply.accepted = apply_body(w.body, w.header.as_of, &w.reply);
      if (open_date_ != w.header.as_of) open_batches_ = 0;
      open_date_ = w.header.as_of;
      ++open_batches_;
      open_since_ = std::chrono::steady_clock::now();
      if (w.header.close) {
        w.reply.closed.push_back(w.header.as_of.iso());
        std::vector<engine::Event> events = close_in_engine(w.header.as_of, &w.reply.notes);
        event_count += events.size();
        record_events(std::move(events));
      } else {
        w.reply.open = w.header.as_of;
      }
      w.reply.ok = true;
      w.reply_json = protocol::encode_ingest_reply(w.reply);
      w.apply = true;
      applied_ids.emplace(w.reply.batch_id, i);
      ++applied;
      samples += w.reply.accepted;
    }

    if (applied > 0) {
      auto commit = std::make_shared<IngestCommit>();
      std::string now = protocol::utc_now_iso();
      for (Work& w : work) {
        if (!w.apply) continue;
        BatchRow row;
        row.batch_id = w.reply.batch_id;
        row.as_of = w.header.as_of.iso();
        row.strict = w.header.strict;
        row.closes = w.header.close;
        row.samples = static_cast<std::int64_t>(w.reply.accepted);
        row.body = std::move(w.body);
        row.reply = w.reply_json;
        row.received_at = now;
        commit->batches.push_back(std::move(row));
      }
      commit->events = take_event_writes();
      flight.commit = commit;
      writer_->submit(std::move(commit));
    }
  } catch (const std::exception& error) {
    // Anything unforeseen: nothing of the group is written, so nothing of it may stay in the
    // engine either (after_store_failure rebuilds it from the store).
    std::string message = std::string("the daemon could not apply the batch (") + error.what() +
                          "): nothing of it was applied; send it again";
    for (std::size_t i = 0; i < work.size(); ++i) {
      Work& w = work[i];
      if (w.reply_json.empty() || w.apply || w.same_as >= 0) {
        w.reply = fresh_reply(w.reply.batch_id);
        refuse(w, message);
      }
      if (w.envelope == 0) w.envelope = envelope_size(group[i].frames);
      if (w.envelope == 0) w.envelope = 1;
      send_reply(ingest_, group[i].frames, w.envelope, w.reply_json);
    }
    settle();
    after_store_failure(error.what());
    return;
  }
  flight.group = std::move(group);
  flight.samples = samples;
  flight.events = event_count;
  if (flight.commit) in_flight_.push_back(std::move(flight));
  else finish_group(flight);  // refusals and repeats only: nothing to wait for
}

void Server::on_written() {
  zmq::message_t wake;
  while (wake_.recv(wake, zmq::recv_flags::dontwait)) {
  }
  std::optional<std::string> failure;
  auto finish = [&](const std::vector<std::shared_ptr<IngestCommit>>& finished) {
    for (const auto& commit : finished) {
      // The writer finishes commits in the order they were submitted.
      InFlight& flight = in_flight_.front();
      if (commit->error && !failure) failure = commit->error;
      finish_group(flight);
      in_flight_.pop_front();
    }
  };
  finish(writer_->take_finished());
  if (failure) {
    // Everything queued behind the failure comes back refused; then the engine is rebuilt.
    writer_->wait_idle();
    finish(writer_->take_finished());
    writer_->clear_failure();
    after_store_failure(*failure);
  }
}

void Server::finish_group(InFlight& flight) {
  std::vector<Work>& work = flight.work;
  IngestCommit* commit = flight.commit.get();
  if (commit && commit->error) {
    std::string message = "the daemon could not store the batch (" + *commit->error +
                          "): nothing of it was applied; send it again";
    for (Work& w : work)
      if (w.apply || w.same_as >= 0) {
        w.reply = fresh_reply(w.reply.batch_id);
        w.reply.error = message;
        w.reply_json = protocol::encode_ingest_reply(w.reply);
        w.apply = false;
        w.same_as = -1;
      }
  } else if (commit) {
    last_batch_seq_ = commit->last_batch_seq;
    const BatchRow& row = commit->batches.back();
    last_batch_ = {{"id", row.batch_id}, {"as_of", row.as_of}, {"samples", row.samples},
                   {"received_at", row.received_at}};
  }
  for (std::size_t i = 0; i < work.size(); ++i) {
    Work& w = work[i];
    if (w.same_as >= 0) {
      json answer = json::parse(work[static_cast<std::size_t>(w.same_as)].reply_json);
      answer["duplicate"] = true;
      w.reply_json = protocol::dump_json(answer);
    }
    send_reply(ingest_, flight.group[i].frames, w.envelope, w.reply_json);
    if (w.apply && !w.reply.rejected.empty())
      log_->info("ingest: batch {} ({}): {} sample(s) applied, {} line(s) rejected", w.reply.batch_id,
                 w.header.as_of.iso(), w.reply.accepted, w.reply.rejected.size());
  }
  if (!commit || commit->error) return;
  if (commit->publish_error)
    log_->error("publish: the events of {} batch(es) are stored but could not be sent: {}",
                commit->batches.size(), *commit->publish_error);
  engine_.recycle(std::move(commit->events.events));
  log_->debug("ingest: {} batch(es), {} sample(s), {} event(s) committed", commit->batches.size(),
              flight.samples, flight.events);
  samples_since_checkpoint_ += flight.samples;
}

void Server::settle() {
  if (in_flight_.empty()) return;
  writer_->wait_idle();
  on_written();
}

// ---- events --------------------------------------------------------------------------------

const Silence* Server::silenced(const engine::Event& event) const {
  for (const auto& [id, silence] : silences_)
    if (event.as_of <= silence.until &&
        silence_matches(silence, event.rule, event.labels, event.routes, protocol::topic_severity(event), event.alert_id))
      return &silence;
  return nullptr;
}

bool Server::alert_silenced(const engine::Alert& alert, Date as_of, const Silence** which) const {
  for (const auto& [id, silence] : silences_)
    if (as_of <= silence.until &&
        silence_matches(silence, alert.rule, alert.labels, alert.routes, ast::to_string(alert.severity), alert.id)) {
      if (which) *which = &silence;
      return true;
    }
  return false;
}

void Server::record_event(engine::Event event, const protocol::Acknowledgement* ack) {
  number_event(event, ack);
  recorded_.events.push_back(std::move(event));
}

void Server::record_events(std::vector<engine::Event>&& events) {
  std::size_t needed = recorded_.numbers.size() + events.size();
  if (recorded_.numbers.capacity() < needed) recorded_.numbers.reserve(std::max(needed, 2 * recorded_.numbers.capacity()));
  for (const engine::Event& event : events) number_event(event, nullptr);
  if (recorded_.events.empty()) {
    recorded_.events = std::move(events);  // the usual case: the group's first batch with events
  } else {
    recorded_.events.insert(recorded_.events.end(), std::make_move_iterator(events.begin()),
                            std::make_move_iterator(events.end()));
    // Only the list's storage goes back: the moved-from events own no memory, and as spares the
    // engine would refill them first, allocating every string again.
    events.clear();
    engine_.recycle(std::move(events));
  }
}

void Server::number_event(const engine::Event& event, const protocol::Acknowledgement* ack) {
  EventNumbers& numbered = recorded_.numbers.emplace_back();
  if (const Silence* silence = silenced(event)) {
    numbered.silenced_by = silence->id;
  } else {
    numbered.sequence = ++sequence_;
    for (const std::string& route : protocol::feed_routes(event.routes)) {
      auto found = route_sequences_.find(route);
      if (found == route_sequences_.end()) found = route_sequences_.emplace(route, 0).first;
      numbered.route_sequences.push_back(++found->second);
      if (std::find(dirty_routes_.begin(), dirty_routes_.end(), route) == dirty_routes_.end())
        dirty_routes_.push_back(route);  // a handful of routes: a list beats a set
    }
  }
  // A red alert needs a fresh look: escalation clears the acknowledgement, as resolution does.
  if (!ack && event.alert_id != 0 &&
      (event.kind == engine::EventKind::escalated || event.kind == engine::EventKind::resolved) &&
      acks_.erase(event.alert_id))
    recorded_.deleted_acks.push_back(event.alert_id);
  if (ack) numbered.ack = *ack;
}

EventWrites Server::take_event_writes() {
  EventWrites writes = std::move(recorded_);
  recorded_ = {};
  writes.sequence = sequence_;
  std::sort(dirty_routes_.begin(), dirty_routes_.end());
  dirty_routes_.erase(std::unique(dirty_routes_.begin(), dirty_routes_.end()), dirty_routes_.end());
  for (const std::string& route : dirty_routes_) writes.route_sequences.emplace_back(route, route_sequences_[route]);
  dirty_routes_.clear();
  return writes;
}

void Server::publish(std::vector<Publication>& publications) {
  std::lock_guard lock(publish_mutex_);
  if (!publish_.handle() || endpoints_.publish.empty()) return;  // not bound yet (startup)
  for (Publication& publication : publications) {
    publish_.send(publication.topic, zmq::send_flags::sndmore);
    publish_.send(publication.payload, zmq::send_flags::none);
  }
}

void Server::publish(std::string_view topic, std::string_view payload) {
  std::lock_guard lock(publish_mutex_);
  if (!publish_.handle() || endpoints_.publish.empty()) return;
  publish_.send(zmq::buffer(topic), zmq::send_flags::sndmore);
  publish_.send(zmq::buffer(payload), zmq::send_flags::none);
}

void Server::heartbeat() {
  json routes = json::object();
  for (const auto& [route, sequence] : route_sequences_) routes[route] = sequence;
  std::string payload = protocol::dump_json(json{{"sequence", sequence_}, {"routes", routes}});
  publish(protocol::kHeartbeatTopic, payload);
  last_heartbeat_ = std::chrono::steady_clock::now();
}

void Server::write_checkpoint() {
  std::string state = engine::encode_state(engine_.export_state());
  store_->begin();
  store_->write_checkpoint({last_batch_seq_, store_->last_event_block(), state, protocol::utc_now_iso()});
  store_->drop_bodies_through(last_batch_seq_);
  store_->commit();
  checkpoint_through_ = last_batch_seq_;
  samples_since_checkpoint_ = 0;
  last_checkpoint_ = std::chrono::steady_clock::now();
  log_->debug("checkpoint through batch {} ({} bytes)", last_batch_seq_, state.size());
}

void Server::maybe_checkpoint() {
  if (last_batch_seq_ == checkpoint_through_) return;
  bool due = samples_since_checkpoint_ >= options_.checkpoint_samples ||
             std::chrono::steady_clock::now() - last_checkpoint_ >= options_.checkpoint_interval;
  if (!due) return;
  settle();
  try {
    write_checkpoint();
  } catch (const StoreError& error) {
    store_->rollback();
    // Not fatal: the batches stay in the store and a restart replays them.
    log_->error("cannot write a checkpoint: {}", error.what());
    last_checkpoint_ = std::chrono::steady_clock::now();
  }
}

void Server::after_store_failure(const std::string& what) {
  log_->error("state store failed: {}; rebuilding the engine from the store", what);
  try {
    recover();
  } catch (const std::exception& error) {
    log_->critical("cannot rebuild the state: {}; stopping", error.what());
    failed_ = true;
  }
}

// ---- control -------------------------------------------------------------------------------

void Server::on_control() {
  settle();  // answers see the store and the feed as one
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
    } else if (frames[envelope].size() > protocol::kMaxControlBytes) {
      answer = error_json("request of " + std::to_string(frames[envelope].size()) +
                          " bytes is over the limit of " + std::to_string(protocol::kMaxControlBytes));
    } else {
      std::string_view text(static_cast<const char*>(frames[envelope].data()), frames[envelope].size());
      json request = json::parse(text.begin(), text.end(), nullptr, false);
      if (!request.is_object() || !request.contains("command") || !request["command"].is_string()) {
        answer = error_json("malformed request: expected a JSON object with \"command\"");
      } else {
        try {
          answer = handle_control(request);
        } catch (const StoreError& error) {
          store_->rollback();
          answer = error_json(std::string("state store failed: ") + error.what());
          after_store_failure(error.what());
        } catch (const std::exception& error) {
          answer = error_json(std::string("bad request: ") + error.what());
        }
      }
    }
    if (answer.contains("error")) log_->info("control: {}", answer["error"].get<std::string>());
    send_reply(control_, frames, envelope, protocol::dump_json(answer));
  }
}

json Server::handle_control(const json& request) {
  const std::string& command = request["command"].get_ref<const std::string&>();
  if (command == "snapshot") return snapshot(request);
  if (command == "ack") return acknowledge(request);
  if (command == "silence") return silence(request);
  if (command == "unsilence") return unsilence(request);
  if (command == "silences") {
    json list = json::array();
    for (const auto& [id, silence] : silences_) list.push_back(to_json(silence));
    return {{"silences", list}};
  }
  if (command == "reload") return reload("control request");
  if (command == "status") return status();
  if (command == "events") return events(request);
  if (command == "probe") return probe(request);
  if (command == "close") return close_command(request);
  // For `bandwatch report --control`: indicators, values and history (report/daemon_state.hpp).
  if (command == "report") return report::report_state_json(engine_, rules_.files);
  return error_json("unknown command '" + command +
                    "' (expected snapshot, ack, silence, unsilence, silences, reload, status, events, probe, close, report)");
}

json Server::snapshot(const json& request) {
  std::optional<std::string> route;
  if (auto value = request.find("route"); value != request.end() && !value->is_null()) {
    if (!value->is_string()) return error_json("\"route\" must be a string");
    route = value->get<std::string>();
  }
  bool detail = request.value("detail", false);
  Date as_of = engine_.last_as_of().value_or(Date{});
  json alerts = json::array();
  for (const engine::Alert& alert : engine_.open_alerts()) {
    if (route && !routes_include(alert.routes, *route)) continue;
    auto ack = acks_.find(alert.id);
    const Silence* which = nullptr;
    if (detail) alert_silenced(alert, as_of, &which);
    json item = protocol::alert_json(alert, ack == acks_.end() ? nullptr : &ack->second, detail,
                                     which ? to_json(*which) : json(nullptr));
    alerts.push_back(std::move(item));
  }
  std::uint64_t sequence = sequence_;
  if (route) {
    auto found = route_sequences_.find(*route);
    sequence = found == route_sequences_.end() ? 0 : found->second;
  }
  return {{"sequence", sequence}, {"alerts", std::move(alerts)}};
}

json Server::acknowledge(const json& request) {
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
  std::vector<engine::Alert> open = engine_.open_alerts();
  auto alert = std::find_if(open.begin(), open.end(), [&](const engine::Alert& a) { return a.id == id; });
  if (alert == open.end()) return error_json("no open alert with id " + std::to_string(id));

  engine::Event event = event_from_alert(*alert, engine_.last_as_of().value_or(alert->last_seen));
  std::vector<Publication> publications;
  std::uint64_t before = sequence_;
  store_->begin();
  acks_[id] = ack;
  store_->upsert_ack(id, protocol::dump_json(to_json(ack)));
  record_event(std::move(event), &ack);
  write_events(*store_, take_event_writes(), publications);
  store_->commit();
  publish(publications);
  log_->info("alert {} ({}) acknowledged by {}", id, alert->rule, ack.by);
  return {{"ok", true},
          {"alert", id},
          {"sequence", sequence_ != before ? json(sequence_) : json(nullptr)},
          {"acknowledgement", to_json(ack)}};
}

json Server::silence(const json& request) {
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
  store_->begin();
  silence.id = store_->insert_silence(protocol::dump_json(to_json(silence)));
  store_->update_silence(silence.id, protocol::dump_json(to_json(silence)));
  store_->commit();
  silences_[silence.id] = silence;
  std::size_t matching = 0;
  Date as_of = engine_.last_as_of().value_or(Date{});
  for (const engine::Alert& alert : engine_.open_alerts()) {
    const Silence* which = nullptr;
    if (alert_silenced(alert, as_of, &which) && which->id == silence.id) ++matching;
  }
  log_->info("silence {} by {} until {}: {} open alert(s) match", silence.id, silence.by,
             silence.until.iso(), matching);
  return {{"ok", true}, {"silence", to_json(silence)}, {"matching_alerts", matching}};
}

json Server::unsilence(const json& request) {
  auto id = request.find("id");
  if (id == request.end() || !id->is_number_integer()) return error_json("unsilence needs \"id\"");
  std::int64_t which = id->get<std::int64_t>();
  store_->begin();
  bool removed = store_->remove_silence(which);
  store_->commit();
  if (!removed) return error_json("no active silence with id " + std::to_string(which));
  silences_.erase(which);
  log_->info("silence {} removed", which);
  return {{"ok", true}};
}

json Server::status() {
  // Counting, not listing, unless a silence needs the alerts looked at: status is polled.
  std::size_t open_count = engine_.open_alert_count(), silenced_count = 0;
  if (!silences_.empty()) {
    Date as_of = engine_.last_as_of().value_or(Date{});
    for (const engine::Alert& alert : engine_.open_alerts())
      if (alert_silenced(alert, as_of, nullptr)) ++silenced_count;
  }
  json files = json::array();
  for (const ast::File& file : rules_.files) files.push_back(file.path);
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  return {{"rules", rule_count_},
          {"indicators", indicator_count_},
          {"rule_files", files},
          {"series", engine_.series_count()},
          {"open_alerts", open_count},
          {"silenced_alerts", silenced_count},
          {"acknowledged", acks_.size()},
          {"silences", silences_.size()},
          {"sequence", sequence_},
          {"batches", store_->batch_count()},
          {"last_batch", last_batch_},
          {"last_as_of", engine_.last_as_of() ? json(engine_.last_as_of()->iso()) : json(nullptr)},
          {"open_date", open_date_ ? json(open_date_->iso()) : json(nullptr)},
          {"open_batches", open_batches_},
          {"close_after_seconds", options_.close_after.count()},
          {"uptime_seconds", uptime.count()},
          {"last_reload", last_reload_},
          {"curve", options_.curve.has_value()},
          {"endpoints", {{"ingest", endpoints_.ingest}, {"publish", endpoints_.publish}, {"control", endpoints_.control}}}};
}

json Server::events(const json& request) {
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
  for (const EventBlock& block : store_->event_blocks_from(from, limit)) {
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
  return {{"sequence", sequence_}, {"events", std::move(list)}};
}

json Server::probe(const json& request) {
  std::string topic = request.value("topic", "");
  if (topic.rfind(protocol::kProbeTopicPrefix, 0) != 0 || topic.size() > 128)
    return error_json("probe needs \"topic\": \"$probe.\" followed by a token");
  publish(topic, "{}");
  return {{"ok", true}};
}

json Server::reload(const std::string& reason) {
  loader::LoadedRules loaded = loader::load_rules(options_.rule_paths);
  loader::check_program(loaded);
  std::vector<std::string> errors, warnings;
  for (const Diagnostic& diagnostic : loaded.diagnostics)
    (diagnostic.severity == Severity::error ? errors : warnings).push_back(one_line(diagnostic));
  if (loaded.files.empty() && errors.empty()) errors.push_back("no .bw rule files found");
  std::vector<engine::Event> resolved;
  if (errors.empty()) {
    engine::LoadResult result = engine_.reload(loaded.files, &resolved);
    for (const Diagnostic& diagnostic : result.diagnostics)
      (diagnostic.severity == Severity::error ? errors : warnings).push_back(one_line(diagnostic));
  }
  for (const std::string& warning : warnings) log_->warn("{}", warning);
  if (!errors.empty()) {
    log_->error("reload ({}) refused: the rules have {} error(s); the rules in force are kept", reason,
                errors.size());
    for (const std::string& error : errors) log_->error("{}", error);
    last_reload_ = {{"at", protocol::utc_now_iso()}, {"reason", reason}, {"ok", false}, {"errors", errors}};
    return {{"ok", false}, {"errors", errors}, {"warnings", warnings}};
  }
  // The new program is in force: keep its files, and make the checkpoint match it so a restart
  // replays later batches under the rules they were applied with.
  rules_ = std::move(loaded);
  index_program();
  validator_.reset();
  std::vector<Publication> publications;
  try {
    store_->begin();
    for (const engine::Event& event : resolved) record_event(event, nullptr);
    write_events(*store_, take_event_writes(), publications);
    store_->write_checkpoint({last_batch_seq_, store_->last_event_block(),
                              engine::encode_state(engine_.export_state()), protocol::utc_now_iso()});
    store_->drop_bodies_through(last_batch_seq_);
    store_->commit();
    checkpoint_through_ = last_batch_seq_;
    samples_since_checkpoint_ = 0;
  } catch (const StoreError& error) {
    store_->rollback();
    after_store_failure(error.what());
    return error_json(std::string("reload applied but the state store failed: ") + error.what());
  }
  publish(publications);
  log_->info("reloaded ({}): {} file(s), {} rule(s), {} indicator(s); {} alert(s) of removed rules resolved",
             reason, rules_.files.size(), rule_count_, indicator_count_, resolved.size());
  last_reload_ = {{"at", protocol::utc_now_iso()}, {"reason", reason}, {"ok", true}, {"errors", json::array()}};
  return {{"ok", true},
          {"errors", json::array()},
          {"warnings", warnings},
          {"rule_files", rules_.files.size()},
          {"rules", rule_count_},
          {"indicators", indicator_count_},
          {"resolved", resolved.size()}};
}

// ---- the loop ------------------------------------------------------------------------------

int Server::run(const std::string& pipe_endpoint) {
  zmq::socket_t pipe(context_, zmq::socket_type::pair);
  pipe.set(zmq::sockopt::linger, 0);
  pipe.connect(pipe_endpoint);
  int code = 0;
  try {
    for (;;) {
      auto now = std::chrono::steady_clock::now();
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(last_heartbeat_ + options_.heartbeat - now);
      if (wait.count() < 0) wait = std::chrono::milliseconds(0);
      // While the writer is full, batches wait in the socket (and the clients wait for answers).
      short ingest_events = in_flight_.size() < kMaxInFlight ? ZMQ_POLLIN : 0;
      zmq::pollitem_t items[] = {{pipe.handle(), 0, ZMQ_POLLIN, 0},
                                 {wake_.handle(), 0, ZMQ_POLLIN, 0},
                                 {control_.handle(), 0, ZMQ_POLLIN, 0},
                                 {ingest_.handle(), 0, ingest_events, 0}};
      zmq::poll(items, 4, wait);
      if (items[0].revents & ZMQ_POLLIN) {
        zmq::message_t message;
        (void)pipe.recv(message, zmq::recv_flags::none);
        std::string text = message.to_string();
        if (text == kPipeStop) break;
        if (text.rfind(kPipeReload, 0) == 0) {
          std::string reason = text.size() > kPipeReload.size() + 1 ? text.substr(kPipeReload.size() + 1) : "reload";
          settle();
          json answer = reload(reason);
          (void)answer;
        }
      }
      if (items[1].revents & ZMQ_POLLIN) on_written();
      // Control first, so a flood of batches cannot starve a snapshot or an ack.
      if (items[2].revents & ZMQ_POLLIN) on_control();
      if (items[3].revents & ZMQ_POLLIN) on_ingest();
      if (std::chrono::steady_clock::now() - last_heartbeat_ >= options_.heartbeat) {
        settle();  // the heartbeat tells the last sequence number: every event up to it is out
        heartbeat();
        maybe_checkpoint();
        // A date with no batch for --close-after closes itself: its senders are done.
        if (open_date_ && options_.close_after.count() > 0 && waiting_.empty() && in_flight_.empty() &&
            std::chrono::steady_clock::now() - open_since_ >= options_.close_after)
          close_open_date("no batch for " + std::to_string(options_.close_after.count()) + " s (--close-after)");
        if (waiting_.empty() && !(items[3].revents & ZMQ_POLLIN)) store_->checkpoint_wal();  // idle
      }
      // Whatever freed the writer (a commit, a settle for a control request or a heartbeat)
      // lets waiting batches go on at once, not at the next message.
      dispatch();
      if (failed_) {
        code = 1;
        break;
      }
    }
  } catch (const zmq::error_t& error) {
    if (error.num() != ETERM) {
      log_->critical("socket error: {}", error.what());
      code = 1;
    }
  } catch (const std::exception& error) {
    // Input errors are answered where they arise; this is a bug. Stop cleanly (systemd
    // restarts the daemon, and the store has every answered batch).
    log_->critical("stopping on an unexpected error: {}", error.what());
    code = 1;
    failed_ = true;
  }
  try {
    settle();  // what the writer has is written and answered before the daemon stops
  } catch (const std::exception& error) {
    log_->error("stopping: {}", error.what());
  }
  if (!failed_ && last_batch_seq_ != checkpoint_through_) {
    try {
      write_checkpoint();
    } catch (const StoreError& error) {
      store_->rollback();
      log_->error("cannot write the final checkpoint: {} (a restart replays the batches)", error.what());
    }
  }
  ingest_.close();
  {
    std::lock_guard lock(publish_mutex_);
    publish_.close();
  }
  control_.close();
  pipe.close();
  return code;
}

}  // namespace bandwatch::daemon
