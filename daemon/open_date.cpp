#include "open_date.hpp"

#include "protocol/protocol.hpp"
#include "recovery.hpp"

namespace bandwatch::daemon {

using nlohmann::json;

std::optional<std::string> date_refusal(const ServerState& state, Date as_of) {
  const ServerOptions& options = state.options;
  if (as_of < options.earliest_date)
    return "as-of date " + as_of.iso() + " is before " + options.earliest_date.iso() +
           ", the earliest date this daemon takes (--earliest-date): is the year mistyped?";
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  Date latest{static_cast<std::int32_t>(today.time_since_epoch().count()) + options.future_days};
  if (as_of > latest)
    return "as-of date " + as_of.iso() + " is more than " + std::to_string(options.future_days) +
           " day(s) after today (--future-days): is the year mistyped?";
  std::optional<Date> closed = state.engine.last_as_of();
  if (closed && as_of == *closed)
    return "as-of date " + as_of.iso() + " is closed: its alerts were decided. Send later figures under a " +
           "later date (or `bandwatch withdraw` the batch that was wrong)";
  if (closed && as_of < *closed)
    return "as-of date " + as_of.iso() + " is before the last closed date " + closed->iso() +
           ": batches must arrive in date order";
  return std::nullopt;
}

std::vector<engine::Event> close_in_engine(ServerState& state, Date date, std::vector<std::string>* notes) {
  spdlog::logger& log = *state.log;
  engine::Evaluation evaluation = state.engine.evaluate(date);
  if (!evaluation.ok) {
    log.error("closing {}: {}", date.iso(), evaluation.error);
    return {};
  }
  log.info("{} closed after {} batch(es): {} event(s)", date.iso(), state.open.batches, evaluation.events.size());
  for (const engine::EvaluationNote& note : evaluation.notes) {
    std::string labels;
    for (const engine::Label& label : note.labels) labels += (labels.empty() ? "" : ",") + label.name + "=" + label.value;
    std::string text = note.rule + (labels.empty() ? "" : "{" + labels + "}") + ": " + note.message;
    log.info("{}", text);
    if (notes) notes->push_back(std::move(text));
  }
  if (evaluation.notes_dropped) {
    log.info("... and {} more such note(s)", evaluation.notes_dropped);
    if (notes) notes->push_back("... and " + std::to_string(evaluation.notes_dropped) + " more such note(s)");
  }
  if (state.open.date == date) {
    state.open.date.reset();
    state.open.batches = 0;
  }
  return std::move(evaluation.events);
}

json close_open_date(ServerState& state, const std::string& reason) {
  if (!state.open.date) {
    std::optional<Date> closed = state.engine.last_as_of();
    return {{"error", "no date is open" + (closed ? " (the last closed is " + closed->iso() + ")" : std::string())}};
  }
  Date date = *state.open.date;
  std::size_t batches = state.open.batches;
  std::vector<Publication> publications;
  std::uint64_t before = state.events.sequence();
  Store& store = *state.store;
  store.begin();
  BatchRow row;
  row.batch_id = std::string(protocol::kCloseBatchPrefix) + date.iso();
  row.as_of = date.iso();
  row.body = std::string();
  row.closes = true;
  row.received_at = protocol::utc_now_iso();
  row.reply = protocol::dump_json(json{{"batch", row.batch_id}, {"status", "ok"}, {"closed", {date.iso()}}, {"reason", reason}});
  std::int64_t seq = store.insert_batch(row);
  std::vector<std::string> notes;
  std::vector<engine::Event> events = close_in_engine(state, date, &notes);
  std::size_t event_count = events.size();
  state.events.record(std::move(events), state.engine);
  write_events(store, state.events.take_writes(), publications);
  if (StoreStatus status = store.commit(); !status.ok()) {
    after_store_failure(state, status.error);
    return {{"error", "cannot close " + date.iso() + ": the state store failed: " + status.error}};
  }
  state.progress.last_batch_seq = seq;
  state.events.publish(publications);
  state.log->info("{} closed ({}): {} batch(es), {} event(s)", date.iso(), reason, batches, event_count);
  return {{"ok", true},
          {"closed", date.iso()},
          {"batches", batches},
          {"events", event_count},
          {"notes", notes},
          {"sequence", state.events.sequence() != before ? json(state.events.sequence()) : json(nullptr)}};
}

bool open_date_expired(const ServerState& state) {
  return state.open.date && state.options.close_after.count() > 0 &&
         std::chrono::steady_clock::now() - state.open.since >= state.options.close_after;
}

}  // namespace bandwatch::daemon
