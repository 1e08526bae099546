// ingest_batch and describe_ingest: every driver's way of feeding the engine sample lines.
#include "engine/batch.hpp"

#include <algorithm>
#include <cstring>

#include "rules/diagnostic.hpp"

namespace bandwatch::engine {
namespace {

std::string list_of(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

/// Visits each line of `body` with its 1-based number.
template <typename Visit>
void for_each_line(std::string_view body, Visit&& visit) {
  std::size_t start = 0, number = 0;
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    visit(++number, body.substr(start, end - start));
    start = end + 1;
  }
}

/// The reason of a message without its particulars (numbers become N; bytes that are not
/// printable ASCII, ?), to count unreported problems by. Reasons are keys of the reply's JSON:
/// two reasons differing only in invalid UTF-8 from the input would become one key there.
std::string reason_of(const std::string& message) {
  std::string reason;
  for (std::size_t i = 0; i < message.size() && reason.size() < 100; ++i) {
    char c = message[i];
    if (c >= '0' && c <= '9') {
      if (reason.empty() || reason.back() != 'N') reason += 'N';
      continue;
    }
    if (c < ' ' || c > '~') {
      if (reason.empty() || reason.back() != '?') reason += '?';
      continue;
    }
    reason += c;
  }
  return reason;
}

/// `message` cut to kMaxProblemBytes (at a character boundary), marked where it was cut.
std::string clipped(std::string message) {
  if (message.size() <= kMaxProblemBytes) return message;
  std::size_t cut = kMaxProblemBytes - 3;
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
  message.resize(cut);
  return message + "...";
}

}  // namespace

std::string describe_ingest(const Engine& engine, std::string_view metric, std::span<const LabelView> labels,
                            double value, Date date, const IngestResult& result) {
  std::vector<std::string> declared = engine.metric_labels(metric);
  switch (result.status) {
    case IngestStatus::ok: return "ok";
    case IngestStatus::unknown_metric: {
      std::string text = "unknown metric " + quoted(metric);
      std::string best = did_you_mean(metric, engine.sendable_metrics());
      return best.empty() ? text + ": the rules declare no metric, indicator or extract sample of that name"
                          : text + "; did you mean " + quoted(best) + "?";
    }
    case IngestStatus::unknown_label:
      for (const LabelView& label : labels) {
        if (std::find(declared.begin(), declared.end(), label.name) != declared.end()) continue;
        std::string text = "metric " + quoted(metric) + " has no label " + quoted(label.name);
        std::string best = did_you_mean(label.name, declared);
        if (!best.empty()) return text + "; did you mean " + quoted(best) + "?";
        return declared.empty() ? text + "; it carries no labels (remove " + std::string(label.name) + "=...)"
                                : text + "; it carries " + list_of(declared) + " (remove " + std::string(label.name) +
                                      "=..., or add it to the metric's labels)";
      }
      return "metric " + quoted(metric) + " has no such label";
    case IngestStatus::missing_label: {
      std::vector<std::string> missing;
      for (const std::string& name : declared)
        if (std::none_of(labels.begin(), labels.end(), [&](const LabelView& l) { return l.name == name; }))
          missing.push_back(name);
      return "metric " + quoted(metric) + " needs the labels " + list_of(declared) + "; this sample lacks " +
             list_of(missing) + " (write " + missing.front() + "=\"\" to say it has none)";
    }
    case IngestStatus::duplicate_label:
      for (std::size_t i = 0; i < labels.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
          if (labels[i].name == labels[j].name) return "label " + quoted(labels[i].name) + " is given twice";
      return "a label is given twice";
    case IngestStatus::duplicate_sample:
      return "a second figure for the same series and date " + date.iso() + " in this batch (the first was " +
             format_value(result.previous, engine.metric_unit(metric)) + "); send each series once per date";
    case IngestStatus::date_decided: {
      std::optional<Date> decided = engine.decided_return(metric);
      return "dated " + date.iso() + ", but the figures of " + quoted(metric) + " up to " +
             (decided ? decided->iso() : std::string("that date")) +
             " are decided: alerts were raised on them. Send a correction with a later date, or withdraw the "
             "batch that was wrong";
    }
    case IngestStatus::not_a_number: return "the value is not a finite number";
    case IngestStatus::no_program: return "no rules loaded";
    case IngestStatus::replaced:
      return "replaces " + format_value(result.previous, engine.metric_unit(metric)) + " sent earlier for " +
             quoted(metric) + " on " + date.iso() + " with " + format_value(value, engine.metric_unit(metric));
    case IngestStatus::looks_like_fraction:
      return format_value(value, ast::Unit::number) + " for the percent metric " + quoted(metric) +
             " looks like a fraction (Excel keeps 12.5% as 0.125): percent figures are sent as points, e.g. " +
             format_value(value * 100, ast::Unit::number) + "%";
    case IngestStatus::looks_like_percent:
      return format_value(value, ast::Unit::number) + " for the percent metric " + quoted(metric) +
             " looks like percentage points where its figures so far were fractions under 1";
  }
  return std::string(to_string(result.status));
}

std::optional<std::string> batch_size_problem(std::string_view body, const BatchLimits& limits) {
  std::size_t lines = 0;
  for (const char* at = body.data(); at != body.data() + body.size();) {
    const void* newline = std::memchr(at, '\n', static_cast<std::size_t>(body.data() + body.size() - at));
    ++lines;
    if (!newline) break;
    at = static_cast<const char*>(newline) + 1;
    if (lines > limits.max_lines) break;  // enough to know
  }
  if (lines <= limits.max_lines) return std::nullopt;
  return "a batch of more than " + std::to_string(limits.max_lines) + " lines is over the limit (" +
         std::string(limits.lines_option) + "): split it (a date's batches add up until it closes)";
}

BatchOutcome ingest_batch(Engine& engine, std::string_view body, const BatchOptions& options) {
  BatchOutcome outcome;
  const BatchLimits& limits = options.limits;
  if ((outcome.refused_whole = batch_size_problem(body, limits))) return outcome;
  auto report = [&](std::size_t line, std::size_t column, bool warning, std::string message) {
    if (warning) ++outcome.doubted;
    else ++outcome.refused;
    if (outcome.problems.size() < limits.max_reported) {
      outcome.problems.push_back({line, column, warning, clipped(std::move(message))});
      return;
    }
    std::string reason = (warning ? "warning: " : "error: ") + reason_of(message);
    if (outcome.unreported.size() >= kMaxReasons && !outcome.unreported.count(reason)) reason = "other problems";
    ++outcome.unreported[reason];
  };
  engine.begin_batch();
  ParsedSample parsed;
  std::string error;
  std::size_t column = 0;
  std::string_view cached_name;
  std::optional<Engine::MetricId> cached_id;
  bool have_cache = false;
  for_each_line(body, [&](std::size_t number, std::string_view line) {
    if (line.size() > limits.max_line_bytes) {
      report(number, 0, false,
             "a line of " + std::to_string(line.size()) + " bytes is over the limit of " +
                 std::to_string(limits.max_line_bytes) + " (" + std::string(limits.line_option) + ")");
      return;
    }
    LineKind kind = parse_sample_line(line, parsed, error, column);
    if (kind == LineKind::blank) return;
    if (kind == LineKind::error) return report(number, column, false, error);
    if (parsed.labels.size() > limits.max_labels)
      return report(number, 1, false,
                    std::to_string(parsed.labels.size()) + " labels is over the limit of " +
                        std::to_string(limits.max_labels) + " (" + std::string(limits.labels_option) + ")");
    for (const LabelView& label : parsed.labels)
      if (label.value.size() > limits.max_label_value_bytes) {
        std::size_t at = label.name.data() >= line.data() && label.name.data() < line.data() + line.size()
                             ? static_cast<std::size_t>(label.name.data() - line.data()) + 1
                             : 1;
        return report(number, at, false,
                      "the value of label " + quoted(label.name) + " (" + std::to_string(label.value.size()) +
                          " bytes) is over the limit of " + std::to_string(limits.max_label_value_bytes) + " (" +
                          std::string(limits.label_value_option) + ")");
      }
    Date date = parsed.date.value_or(options.as_of);
    if (date > options.as_of)
      return report(number, 1, false,
                    "dated " + date.iso() + ", after the batch's date " + options.as_of.iso() +
                        ": a batch holds figures up to its own date");
    if (options.earliest && date < *options.earliest)
      return report(number, 1, false,
                    "dated " + date.iso() + ", before " + options.earliest->iso() +
                        ", the earliest date taken (" + std::string(options.earliest_option) + "): is the year mistyped?");
    // Extracts send long runs of one metric: look its id up once per run.
    if (!have_cache || parsed.metric != cached_name) {
      cached_name = parsed.metric;
      cached_id = engine.metric_id(parsed.metric);
      have_cache = true;
    }
    IngestResult result = cached_id ? engine.ingest(*cached_id, parsed.labels, parsed.value, date)
                                    : IngestResult{IngestStatus::unknown_metric};
    if (result.accepted()) ++outcome.accepted;
    if (result.status == IngestStatus::ok) return;
    std::size_t at = 1;
    if (result.status == IngestStatus::unknown_label) {
      std::vector<std::string> declared = engine.metric_labels(parsed.metric);
      for (const LabelView& label : parsed.labels)
        if (std::find(declared.begin(), declared.end(), label.name) == declared.end() &&
            label.name.data() >= line.data() && label.name.data() < line.data() + line.size()) {
          at = static_cast<std::size_t>(label.name.data() - line.data()) + 1;
          break;
        }
    }
    report(number, at, result.accepted(),
           describe_ingest(engine, parsed.metric, parsed.labels, parsed.value, date, result));
  });
  return outcome;
}

}  // namespace bandwatch::engine
