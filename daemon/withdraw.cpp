#include "withdraw.hpp"

#include <algorithm>
#include <map>

#include "protocol/protocol.hpp"
#include "recovery.hpp"

namespace bandwatch::daemon {

using nlohmann::json;

namespace {

json refusal(std::string message) { return {{"error", "nothing withdrawn: " + std::move(message)}}; }

std::string text_member(const json& request, const char* name) {
  auto member = request.find(name);
  return member != request.end() && member->is_string() ? member->get<std::string>() : std::string();
}

std::map<engine::AlertId, engine::Alert> firing_alerts(const engine::Engine& engine) {
  std::map<engine::AlertId, engine::Alert> firing;
  for (engine::Alert& alert : engine.open_alerts(false)) firing.emplace(alert.id, std::move(alert));
  return firing;
}

}  // namespace

json withdraw_batches(ServerState& state, const json& request) {
  Store& store = *state.store;
  const std::string by = text_member(request, "by"), reason = text_member(request, "reason");
  if (by.empty()) return refusal("say who withdraws (\"by\"): the event log keeps it");
  if (reason.empty()) return refusal("say why (\"reason\"): the event log keeps it");
  const std::string batch_id = text_member(request, "batch"), date_text = text_member(request, "date");
  if (batch_id.empty() == date_text.empty()) return refusal("name one batch (\"batch\") or one date (\"date\")");

  std::vector<BatchRow> targets;
  if (!batch_id.empty()) {
    std::optional<BatchRow> row = store.batch_by_id(batch_id);
    if (!row) return refusal("no batch '" + batch_id + "' was applied");
    targets.push_back(std::move(*row));
  } else {
    std::string why;
    std::optional<Date> date = parse_date(date_text, &why);
    if (!date) return refusal("\"date\" is not a date: " + why);
    targets = store.batches_dated(date->iso());
    if (targets.empty()) return refusal("no batch dated " + date->iso() + " was applied");
  }
  if (StoreStatus read = store.take_status(); !read.ok()) return {{"error", "cannot read the store: " + read.error}};
  std::erase_if(targets, [](const BatchRow& row) { return row.withdrawn.has_value(); });
  if (targets.empty()) return refusal("it was withdrawn before");
  const std::int64_t first = targets.front().seq;

  // The newest checkpoint before the first batch withdrawn; none: the engine from nothing, which
  // needs every batch's samples.
  std::optional<Checkpoint> base;
  std::vector<Checkpoint> kept = store.earlier_checkpoints();
  if (std::optional<Checkpoint> current = store.read_checkpoint()) kept.push_back(std::move(*current));
  for (Checkpoint& checkpoint : kept)
    if (checkpoint.through_batch < first) base = std::move(checkpoint);
  const std::int64_t replay_from = base ? base->through_batch : 0;

  // The engine as if the batches had never come.
  engine::Engine rebuilt;
  if (auto error = engine_from_checkpoint(state, rebuilt, base, nullptr)) return refusal(*error);
  const std::string audit = protocol::dump_json(json{{"by", by}, {"reason", reason}, {"at", protocol::utc_now_iso()}});
  store.begin();
  for (const BatchRow& row : targets) store.mark_withdrawn(row.seq, audit);
  // A batch after the base whose samples a later checkpoint dropped cannot be replayed.
  if (store.batches_without_samples_after(replay_from) > 0) {
    store.rollback();
    return refusal("batch " + targets.front().batch_id + " is older than the state kept for undoing (the " +
                   std::to_string(state.options.keep_checkpoints) +
                   " earlier checkpoint(s) of --keep-checkpoints): restore a backup from before it instead");
  }
  OpenDate open;
  std::size_t replayed = replay_batches(state, rebuilt, replay_from, open);  // inside: sees the marks
  rebuilt.reserve_alert_ids(state.engine.next_alert_id());

  // What the meeting was told against what now stands: each change an event naming the cause.
  const std::string cause = (batch_id.empty() ? "the batches dated " + targets.front().as_of
                                              : "batch " + batch_id + " (dated " + targets.front().as_of + ")") +
                            " withdrawn by " + by + ": " + reason;
  const Date as_of = rebuilt.last_as_of().value_or(state.engine.last_as_of().value_or(Date{}));
  std::map<engine::AlertId, engine::Alert> before = firing_alerts(state.engine), after = firing_alerts(rebuilt);
  std::size_t resolved = 0, reopened = 0, changed = 0;
  for (const auto& [id, alert] : before) {
    auto now = after.find(id);
    if (now == after.end()) {
      engine::Event event = event_from_alert(alert, as_of);
      event.kind = engine::EventKind::resolved;
      event.message = "resolved: " + cause;
      state.events.record(std::move(event), nullptr);
      ++resolved;
    } else if (now->second.severity != alert.severity) {
      engine::Event event = event_from_alert(now->second, as_of);
      event.kind = now->second.severity == ast::Colour::red ? engine::EventKind::escalated : engine::EventKind::de_escalated;
      event.message += " (" + cause + ")";
      state.events.record(std::move(event), nullptr);
      ++changed;
    }
  }
  for (const auto& [id, alert] : after) {
    if (before.count(id)) continue;
    engine::Event event = event_from_alert(alert, as_of);
    event.kind = engine::EventKind::fired;
    event.message += " (open again: " + cause + ")";
    state.events.record(std::move(event), nullptr);
    ++reopened;
  }
  for (const auto& [id, ack] : state.acks)
    if (!after.count(id)) store.delete_ack(id);
  // A restart starts from the base and replays without the withdrawn batches.
  store.discard_checkpoints_from(first);
  if (base) store.write_checkpoint(*base);
  std::vector<Publication> publications;
  write_events(store, state.events.take_writes(), publications);
  if (StoreStatus status = store.commit(); !status.ok()) {
    after_store_failure(state, status.error);
    return {{"error", "nothing withdrawn: the state store failed: " + status.error}};
  }
  state.engine = std::move(rebuilt);
  state.validator.reset();
  state.open = open;
  state.progress.checkpoint_through = replay_from;
  state.events.publish(publications);
  for (auto it = state.acks.begin(); it != state.acks.end();)
    it = after.count(it->first) ? std::next(it) : state.acks.erase(it);

  json withdrawn = json::array();
  for (const BatchRow& row : targets) withdrawn.push_back({{"batch", row.batch_id}, {"as_of", row.as_of}, {"samples", row.samples}});
  state.log->warn("withdrawn: {} batch(es), {}; {} batch(es) replayed; {} alert(s) resolved, {} open again, {} changed",
                  targets.size(), cause, replayed, resolved, reopened, changed);
  std::optional<Date> closed = state.engine.last_as_of();
  return {{"ok", true},
          {"withdrawn", withdrawn},
          {"replayed", replayed},
          {"resolved", resolved},
          {"reopened", reopened},
          {"changed", changed},
          {"last_closed", closed ? json(closed->iso()) : json(nullptr)},
          {"open_date", open.date ? json(open.date->iso()) : json(nullptr)}};
}

}  // namespace bandwatch::daemon
