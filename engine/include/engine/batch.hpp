// One way to feed the engine a batch of sample lines, used by every driver (the daemon,
// `bandwatch eval`, `report`, `test`, the benchmarks): the same checks, the same limits and the
// same words for each refusal and doubt, with the did-you-mean `check` gives. Pure: the caller
// reads the text and supplies the dates it will take.
//
//     BatchOptions options;
//     options.as_of = date;
//     BatchOutcome outcome = ingest_batch(engine, body, options);   // then engine.evaluate(...)
//     for (const LineProblem& p : outcome.problems) ...               // line:column: message
#pragma once

#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "engine/sample_line.hpp"

namespace bandwatch::engine {

/// Bounds on what one batch may hold. Each breach refuses the line (or the batch, for the line
/// count) with a message naming the limit and `option`, the setting that changes it.
struct BatchLimits {
  // Lines of one batch (a date's batches add up: a big date is split). No bound unless the
  // driver sets one (bandwatchd: --max-batch-lines).
  std::size_t max_lines = std::numeric_limits<std::size_t>::max();
  std::size_t max_line_bytes = 64 * 1024;
  std::size_t max_labels = 32;
  std::size_t max_label_value_bytes = 1024;
  std::size_t max_reported = 100;  // problems reported in full; beyond, counted by reason
  std::string_view lines_option = "--max-batch-lines";
  std::string_view line_option = "--max-line-bytes";
  std::string_view labels_option = "--max-labels";
  std::string_view label_value_option = "--max-label-value-bytes";
};

/// What a report of problems is bounded by, whatever the lines hold: a message quotes at most
/// kMaxProblemBytes of its line's text, and unreported problems are counted under at most
/// kMaxReasons reasons (the rest under "other"). With max_reported, the report a batch gets
/// (and the daemon stores) is at most about max_reported * kMaxProblemBytes + kMaxReasons * 100
/// bytes.
inline constexpr std::size_t kMaxProblemBytes = 400;
inline constexpr std::size_t kMaxReasons = 20;

/// Why `body` is refused whole before any line is read (more than limits.max_lines lines), naming
/// the limit and its option; nothing when it may be ingested.
std::optional<std::string> batch_size_problem(std::string_view body, const BatchLimits& limits);

struct BatchOptions {
  Date as_of;                      // the batch's date: lines without a date take it, and no line
                                   // may be dated after it
  std::optional<Date> earliest;    // no line may be dated before it (the daemon's floor)
  std::string_view earliest_option = "--earliest-date";
  BatchLimits limits;
};

/// A line refused (error) or accepted with a doubt (warning).
struct LineProblem {
  std::size_t line = 0;    // 1-based within the batch
  std::size_t column = 0;  // 1-based byte column; 0 when the whole line is meant
  bool warning = false;
  std::string message;
};

struct BatchOutcome {
  std::size_t accepted = 0;  // samples stored, with or without a doubt
  std::size_t refused = 0;   // sample lines refused
  std::size_t doubted = 0;   // samples stored with a warning
  std::vector<LineProblem> problems;  // the first limits.max_reported, in line order
  /// Problems beyond max_reported, counted by reason ("unknown metric 'x'": 12034).
  std::map<std::string, std::size_t> unreported;
  std::optional<std::string> refused_whole;  // batch_size_problem's: nothing was ingested
};

/// Parses `body` ('\n'-separated sample lines, a trailing '\r' ignored) and ingests each sample
/// as one batch (Engine::begin_batch), dated by its line or `options.as_of`. Bad lines are
/// refused, good ones stored; nothing is evaluated. A body batch_size_problem refuses is not
/// read: `refused_whole` says why.
BatchOutcome ingest_batch(Engine& engine, std::string_view body, const BatchOptions& options);

/// The words for a sample ingest refused or doubted: what is wrong, what the metric expects,
/// and a did-you-mean. `value` and `date` are the sample's.
std::string describe_ingest(const Engine& engine, std::string_view metric, std::span<const LabelView> labels,
                            double value, Date date, const IngestResult& result);

}  // namespace bandwatch::engine
