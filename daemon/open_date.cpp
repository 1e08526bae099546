#include "open_date.hpp"

#include "protocol/protocol.hpp"

namespace bandwatch::daemon {

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

std::size_t close_in_engine(ServerState& state, Date date, std::vector<std::string>* notes, std::size_t part_size,
                            const std::function<void(std::vector<engine::Event>&&)>& take_part) {
  spdlog::logger& log = *state.log;
  std::size_t count = 0;
  engine::Evaluation evaluation = state.engine.evaluate(date, part_size, [&](std::vector<engine::Event>&& part) {
    count += part.size();
    take_part(std::move(part));
  });
  if (!evaluation.ok) {
    log.error("closing {}: {}", date.iso(), evaluation.error);
    return 0;
  }
  log.info("{} closed after {} batch(es): {} event(s)", date.iso(), state.open.batches, count);
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
  return count;
}

bool open_date_expired(const ServerState& state) {
  return state.open.date && state.options.close_after.count() > 0 &&
         std::chrono::steady_clock::now() - state.open.since >= state.options.close_after;
}

}  // namespace bandwatch::daemon
