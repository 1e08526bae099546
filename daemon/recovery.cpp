#include "recovery.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "ingest.hpp"
#include "protocol/protocol.hpp"

namespace bandwatch::daemon {

using nlohmann::json;

namespace {

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

std::string cannot_restore(const StoreStatus& status) { return "cannot restore state: " + status.error; }

}  // namespace

std::size_t replay_batches(ServerState& state, engine::Engine& engine, std::int64_t after, OpenDate& open_date) {
  Store& store = *state.store;
  spdlog::logger& log = *state.log;
  // The date open when the checkpoint was written: its last batch is the checkpoint's.
  open_date.date.reset();
  open_date.batches = 0;
  if (auto row = store.batch_by_seq(after)) {
    std::optional<Date> date = parse_iso_date(row->as_of);
    std::optional<Date> closed = engine.last_as_of();
    if (date && !row->closes && (!closed || *date > *closed)) open_date.date = date;
  }
  std::size_t replayed = 0;
  // Every batch after the checkpoint was answered `ok` and its events logged: replay it into the
  // engine (same rules, same order, same closes: the same state) and drop the events it yields
  // again. A withdrawn batch is as if it had never come, its close too.
  auto close_quietly = [&](Date date, const std::string& batch) {
    engine::Evaluation evaluation = engine.evaluate(date);
    if (!evaluation.ok) log.warn("replaying batch {}: {}", batch, evaluation.error);
    engine.recycle(std::move(evaluation.events));
    open_date.date.reset();
    open_date.batches = 0;
  };
  store.for_each_batch_after(after, [&](const BatchRow& row) {
    if (row.withdrawn) return;
    std::optional<Date> as_of = parse_iso_date(row.as_of);
    if (!as_of) {
      log.error("batch {} has an unreadable as-of date '{}': skipped", row.batch_id, row.as_of);
      return;
    }
    if (open_date.date && *as_of > *open_date.date) close_quietly(*open_date.date, row.batch_id);
    if (row.body) apply_body(engine, state.options, *row.body, *as_of, nullptr);
    else log.error("batch {} is after the checkpoint but its samples were dropped", row.batch_id);
    open_date.date = *as_of;
    ++open_date.batches;
    if (row.closes) close_quietly(*as_of, row.batch_id);
    ++replayed;
  });
  open_date.since = std::chrono::steady_clock::now();
  return replayed;
}

std::optional<std::string> engine_from_checkpoint(ServerState& state, engine::Engine& engine,
                                                  const std::optional<Checkpoint>& checkpoint,
                                                  std::vector<engine::AlertRecord>* alerts) {
  spdlog::logger& log = *state.log;
  engine::LoadResult loaded = engine.load(state.program.rules.files);
  for (const Diagnostic& diagnostic : loaded.diagnostics) log.warn("{}", one_line(diagnostic));
  if (!loaded.ok()) return "the engine refused the rules (see the errors above)";
  if (!checkpoint) return std::nullopt;
  std::string error;
  std::optional<engine::EngineState> decoded = engine::decode_state(checkpoint->state, &error);
  if (!decoded)
    return state.store->path() + ": the state checkpoint through batch " + std::to_string(checkpoint->through_batch) +
           " is unreadable: " + error;
  for (const Diagnostic& diagnostic : engine.import_state(*decoded)) log.warn("restoring state: {}", one_line(diagnostic));
  if (alerts) *alerts = std::move(decoded->alerts);
  return std::nullopt;
}

std::optional<std::string> recover(ServerState& state) {
  Store& store = *state.store;
  spdlog::logger& log = *state.log;
  state.engine = engine::Engine();
  state.validator.reset();
  std::optional<Checkpoint> checkpoint = store.read_checkpoint();
  std::vector<engine::AlertRecord> checkpoint_alerts;
  if (auto error = engine_from_checkpoint(state, state.engine, checkpoint, &checkpoint_alerts)) return error;
  const std::int64_t through = checkpoint ? checkpoint->through_batch : 0;
  const std::int64_t through_event_block = checkpoint ? checkpoint->through_event_block : 0;
  Progress& progress = state.progress;
  progress.checkpoint_through = through;
  progress.last_batch_seq = through;
  std::size_t replayed = replay_batches(state, state.engine, through, state.open);
  if (auto last = store.last_batch()) {
    progress.last_batch_seq = std::max(progress.last_batch_seq, last->seq);
    progress.last_batch = {{"id", last->batch_id}, {"as_of", last->as_of}, {"samples", last->samples},
                           {"received_at", last->received_at}};
  }

  std::uint64_t sequence = 0;
  if (auto stored = store.meta("sequence")) sequence = std::stoull(*stored);
  state.events.restore(sequence, store.route_sequences());
  state.acks.clear();
  for (auto& [id, text] : store.acks())
    if (auto ack = protocol::acknowledgement_from_json(json::parse(text, nullptr, false))) state.acks[id] = *ack;
  state.silences.load(store);

  // Alerts the subscribers were told are open (firing at the checkpoint, or fired since) that the
  // engine no longer has: their rule or indicator left the rule files while the daemon was down.
  // Tell the subscribers they are resolved.
  std::map<engine::AlertId, engine::Event> told_open;
  Date as_of = state.engine.last_as_of().value_or(Date{});
  for (const engine::AlertRecord& record : checkpoint_alerts)
    if (record.alert.state == engine::AlertState::firing)
      told_open[record.alert.id] = event_from_alert(record.alert, as_of);
  store.for_each_event_block_after(through_event_block, [&](const EventBlock& block) {
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
  if (StoreStatus read = store.take_status(); !read.ok()) return cannot_restore(read);

  std::set<engine::AlertId> open;
  for (const engine::Alert& alert : state.engine.open_alerts(true)) open.insert(alert.id);
  std::vector<Publication> publications;
  bool changed = false;
  for (auto& [id, told] : told_open) {
    if (open.count(id)) continue;
    if (!changed) store.begin();
    changed = true;
    engine::Event event = told;
    event.kind = engine::EventKind::resolved;
    event.alert_id = id;
    event.as_of = as_of;
    event.message = "resolved: " + event.rule + " is no longer in the rules";
    log.info("alert {} ({}) resolved: its rule is no longer loaded", id, event.rule);
    state.events.record(std::move(event), nullptr);
  }
  for (auto it = state.acks.begin(); it != state.acks.end();) {
    if (open.count(it->first)) {
      ++it;
      continue;
    }
    if (!changed) store.begin();
    changed = true;
    store.delete_ack(it->first);
    it = state.acks.erase(it);
  }
  if (changed) {
    write_events(store, state.events.take_writes(), publications);
    if (StoreStatus committed = store.commit(); !committed.ok()) return cannot_restore(committed);
    state.events.publish(publications);  // before bind at startup: the event log keeps them
  }
  // Not fatal (a full disk): the batches stay in the store and the next checkpoint covers them.
  if (replayed > 0)
    if (StoreStatus written = write_checkpoint(state); !written.ok())
      log.error("cannot write a checkpoint: {}", written.error);
  log.info("state restored from {}: {} series, {} open alerts, sequence {} (checkpoint through "
           "batch {}, {} batch(es) replayed)",
           store.path(), state.engine.series_count(), open.size(), state.events.sequence(), through, replayed);
  return std::nullopt;
}

StoreStatus write_checkpoint(ServerState& state) {
  Progress& progress = state.progress;
  std::string encoded = engine::encode_state(state.engine.export_state());
  Store& store = *state.store;
  store.begin();
  // The checkpoint replaced is kept among the earlier ones, with the samples after the oldest of
  // them, so a wrongly dated batch can still be withdrawn (withdraw.hpp).
  store.keep_checkpoint_for_undo(state.options.keep_checkpoints);
  store.write_checkpoint({progress.last_batch_seq, store.last_event_block(), encoded, protocol::utc_now_iso()});
  if (state.options.keep_checkpoints == 0) store.drop_bodies_through(progress.last_batch_seq);
  else if (std::optional<std::int64_t> oldest = store.oldest_kept_checkpoint()) store.drop_bodies_through(*oldest);
  StoreStatus status = store.commit();
  if (!status.ok()) return status;
  progress.checkpoint_through = progress.last_batch_seq;
  progress.samples_since_checkpoint = 0;
  progress.last_checkpoint = std::chrono::steady_clock::now();
  state.log->debug("checkpoint through batch {} ({} bytes)", progress.last_batch_seq, encoded.size());
  return status;
}

void maybe_checkpoint(ServerState& state) {
  Progress& progress = state.progress;
  if (progress.last_batch_seq == progress.checkpoint_through) return;
  bool due = progress.samples_since_checkpoint >= state.options.checkpoint_samples ||
             std::chrono::steady_clock::now() - progress.last_checkpoint >= state.options.checkpoint_interval;
  if (!due) return;
  if (StoreStatus status = write_checkpoint(state); !status.ok()) {
    // Not fatal: the batches stay in the store and a restart replays them.
    state.log->error("cannot write a checkpoint: {}", status.error);
    progress.last_checkpoint = std::chrono::steady_clock::now();
  }
}

void after_store_failure(ServerState& state, const std::string& what) {
  state.log->error("state store failed: {}; rebuilding the engine from the store", what);
  state.store_failure = {{"at", protocol::utc_now_iso()}, {"error", what}};
  std::optional<std::string> error;
  try {
    error = recover(state);
  } catch (const std::exception& failure) {  // out of memory while rebuilding
    error = failure.what();
  }
  if (error) {
    state.log->critical("cannot rebuild the state: {}; stopping", *error);
    state.failed = true;
  }
}

}  // namespace bandwatch::daemon
