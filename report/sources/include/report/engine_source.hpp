// Filling a report Source from an engine as it runs: the offline `bandwatch report --rules
// --samples` records every evaluation of a replay; the daemon can describe its own engine the
// same way for `bandwatch report --control`.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "report/model.hpp"
#include "engine/engine.hpp"
#include "rules/ast.hpp"

namespace bandwatch::report {

/// What the rules say in their own words of an alert's rule or indicator: the meeting pack reads
/// these beside the alerts, from a replay (ProgramFacts) or from a daemon's `report` reply.
struct RuleTexts {
  std::map<std::string, std::string, std::less<>> titles;  // rule and indicator name -> title
  // Rules and indicators with a `resolved message`: their resolution is shown as written.
  std::set<std::string, std::less<>> resolved_messages;

  /// The title of rule or indicator `name`, or the name itself when it has none.
  std::string title_of(std::string_view name) const {
    auto found = titles.find(name);
    return found != titles.end() ? found->second : std::string(name);
  }
  bool has_resolved_message(std::string_view name) const { return resolved_messages.contains(name); }
};

/// What the rules say that the engine does not keep: route titles and cadences, indicator
/// `last_year`, `note` and `round`, rule titles, which rules have their own resolved message.
struct ProgramFacts {
  std::vector<RouteInfo> routes;
  struct Indicator {
    std::string last_year;  // formatted in the indicator's unit
    std::string note;
    std::optional<int> round;
  };
  std::map<std::string, Indicator, std::less<>> indicators;
  RuleTexts texts;
  std::vector<BenchmarkInfo> benchmarks;  // values as written; `text` filled by benchmarks_shown
};
ProgramFacts program_facts(const std::vector<ast::File>& files);

/// Records a replay evaluation by evaluation: the life of every alert (from the events) and the
/// history of every indicator series (from the values after each evaluation).
class SourceRecorder {
 public:
  explicit SourceRecorder(ProgramFacts facts);

  /// Call after each `engine.evaluate`, with its result.
  void record(const engine::Engine& engine, const engine::Evaluation& evaluation);

  /// The Source as of the last evaluation recorded.
  Source finish(const engine::Engine& engine) const;

 private:
  struct SeriesKey {
    std::string indicator;
    Labels labels;
    auto operator<=>(const SeriesKey&) const = default;
  };
  ProgramFacts facts_;
  std::vector<Date> evaluations_;
  std::map<std::uint64_t, AlertHistory> alerts_;
  std::map<SeriesKey, std::vector<Point>> history_;
};

/// The benchmarks of `facts` with each figure as published, in its indicator's unit (entries
/// naming a metric that is no indicator are left out: the RAG tables have no row for them).
std::vector<BenchmarkInfo> benchmarks_shown(const ProgramFacts& facts, const engine::Engine& engine);

/// The text of the value a series' trend compares with: the point of `history` (values as
/// computed) before the one dated `date`, classified and shown as the indicator shows values.
/// Empty when there is none.
std::string previous_value_text(const engine::Engine& engine, std::string_view indicator,
                                const std::vector<Point>& history, Date date);

Labels to_labels(const engine::Labels& labels);
Band to_band(engine::Band band);
Trend to_trend(engine::Trend trend);

}  // namespace bandwatch::report
