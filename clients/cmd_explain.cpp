// `bandwatch explain NAME --at DATE [--labels k=v,...] FILES/DIRS SAMPLES...`: for one series of
// a rule or indicator, what decided its state at DATE: the figures it read (each input series'
// return and the figures kept before it), the bands in force or the rule's conditions as they
// came out, the returns counted for `for` and `escalate`, the alert with its counters, and the
// events of the series up to DATE. The samples are replayed through the engine exactly as
// `bandwatch eval` replays them (SampleFiles::replay), stopping after DATE; what is shown is then
// read from the engine (its exported state: series, alerts with their counters; its indicator
// values and band sets; the events and notes of each evaluation), never worked out again here.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <tuple>
#include <string>
#include <vector>

#include "command.hpp"
#include "commands.hpp"
#include "clients/sample_files.hpp"
#include "engine/engine.hpp"
#include "loader/rule_files.hpp"
#include "rules/formatter.hpp"

namespace bandwatch::cli {
namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace bandwatch::engine;

std::string labels_text(const Labels& labels) {
  std::string out;
  for (const Label& l : labels) {
    if (!out.empty()) out += ", ";
    out += l.name + "=\"" + printable(l.value) + "\"";
  }
  return out;
}

std::string series_text(const std::string& name, const Labels& labels) {
  return labels.empty() ? name : name + "{" + labels_text(labels) + "}";
}

/// `team=A,worker="W 1"` -> labels sorted by name; nullopt with `error`.
std::optional<Labels> parse_labels(const std::string& text, std::string& error) {
  Labels out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string pair = text.substr(start, comma - start);
    std::size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0) {
      error = "--labels takes name=value pairs separated by commas, not '" + pair + "'";
      return std::nullopt;
    }
    std::string name = pair.substr(0, equals), value = pair.substr(equals + 1);
    auto trim = [](std::string& s) {
      s.erase(0, s.find_first_not_of(' '));
      s.erase(s.find_last_not_of(' ') + 1);
    };
    trim(name);
    trim(value);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    out.push_back({name, value});
    start = comma + 1;
  }
  std::sort(out.begin(), out.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
  return out;
}

const ast::RuleDecl* find_rule(const std::vector<ast::File>& files, const std::string& name) {
  for (const ast::File& file : files)
    for (const ast::Item& item : file.items)
      if (const auto* rule = std::get_if<ast::RuleDecl>(&item); rule && rule->name == name) return rule;
  return nullptr;
}

const ast::IndicatorDecl* find_indicator(const std::vector<ast::File>& files, const std::string& name) {
  for (const ast::File& file : files)
    for (const ast::Item& item : file.items)
      if (const auto* indicator = std::get_if<ast::IndicatorDecl>(&item); indicator && indicator->name == name)
        return indicator;
  return nullptr;
}

std::vector<std::string> explainable_names(const std::vector<ast::File>& files) {
  std::vector<std::string> names;
  for (const ast::File& file : files)
    for (const ast::Item& item : file.items)
      if (std::holds_alternative<ast::RuleDecl>(item) || std::holds_alternative<ast::IndicatorDecl>(item))
        names.push_back(ast::name_of(item));
  return names;
}

/// What the replay left, read from the engine.
struct Replayed {
  EngineState state;
  std::vector<Event> events;           // of the rule or indicator, every series
  std::vector<std::pair<Date, EvaluationNote>> notes;  // of the rule, every series
};

/// The metrics an expression reads (names declared as metrics or indicators), in order met.
void metrics_read(const ast::Expr& expr, const std::set<std::string>& metrics, std::vector<std::string>& out) {
  if (expr.kind == ast::ExprKind::ref && metrics.count(expr.name) &&
      std::find(out.begin(), out.end(), expr.name) == out.end())
    out.push_back(expr.name);
  for (const ast::Expr& arg : expr.args) metrics_read(arg, metrics, out);
}

bool subset(const Labels& small, const Labels& big) {
  for (const Label& l : small)
    if (std::find(big.begin(), big.end(), l) == big.end()) return false;
  return true;
}

/// The newest date any series of `metric` has a figure for: the return the last evaluation read.
std::optional<Date> latest_return(const EngineState& state, const std::string& metric) {
  std::optional<Date> latest;
  for (const SeriesRecord& s : state.series)
    if (s.metric == metric && !s.history.empty() && (!latest || s.history.back().first > *latest))
      latest = s.history.back().first;
  return latest;
}

/// The dates of a metric's returns the engine still holds (each series keeps a bounded history).
std::vector<Date> return_dates(const EngineState& state, const std::string& metric) {
  std::set<Date> dates;
  for (const SeriesRecord& s : state.series)
    if (s.metric == metric)
      for (const auto& point : s.history) dates.insert(point.first);
  return {dates.begin(), dates.end()};
}

void print_series(std::string& out, const EngineState& state, const SeriesRecord& series, ast::Unit unit) {
  std::optional<Date> read = latest_return(state, series.metric);
  out += "  " + series_text(series.metric, series.labels) + ": ";
  if (read && !series.history.empty() && series.history.back().first == *read)
    out += format_value(series.history.back().second, unit) + " in the return of " + read->iso() + "\n";
  else
    out += "not in the return of " + (read ? read->iso() : std::string("?")) + " (it has left)\n";
  for (const auto& [date, value] : series.history) out += "    " + date.iso() + "  " + format_value(value, unit) + "\n";
}

void print_returns(std::string& out, const EngineState& state, const std::string& metric) {
  out += "\nReturns of " + metric + " held (what `for` and `escalate ... after N returns` count):";
  for (const Date& date : return_dates(state, metric)) out += " " + date.iso();
  out += "\n";
}

const AlertRecord* alert_of(const EngineState& state, const std::string& name, const Labels& labels) {
  for (const AlertRecord& record : state.alerts)
    if (record.alert.rule == name && record.alert.labels == labels && record.alert.source != AlertSource::stale)
      return &record;
  return nullptr;
}

void print_alert(std::string& out, const AlertRecord* record) {
  if (!record) {
    out += "Alert: none open\n";
    return;
  }
  const Alert& a = record->alert;
  out += "Alert #" + std::to_string(a.id) + ": " + (a.state == AlertState::pending ? "pending" : "firing") + " " +
         std::string(ast::to_string(a.severity)) + ", opened " + a.since.iso();
  if (a.state == AlertState::firing) out += ", firing since " + a.fired_on.iso() + ", severity set " + a.changed_on.iso();
  out += "; {value} " + a.formatted_value + "\n";
  out += "  returns in a row its condition held: " + std::to_string(record->streak) + " (counted up to what `for` asks)";
  if (a.state == AlertState::firing)
    out += "; " + std::to_string(record->returns_since_fired) + " return(s) counted since it fired (on the return of " +
           record->fired_data.iso() + ")";
  out += "; last decided on the return of " + record->decided.iso() + "\n";
}

void print_events(std::string& out, const std::vector<Event>& events, const Labels& labels) {
  out += "\nEvents of this series up to the date:\n";
  bool any = false;
  for (const Event& e : events) {
    if (e.labels != labels) continue;
    any = true;
    std::string kind(to_string(e.kind));
    kind.resize(std::max<std::size_t>(kind.size(), 12), ' ');
    std::string severity(ast::to_string(e.severity));
    severity.resize(std::max<std::size_t>(severity.size(), 5), ' ');
    out += "  " + e.as_of.iso() + "  " + kind + " " + severity + "  " +
           e.formatted_value + "  \"" + printable(e.message) + "\"\n";
  }
  if (!any) out += "  none\n";
}

/// The label sets of `metric`'s series that include `wanted`, sorted.
std::vector<Labels> candidates(const EngineState& state, const std::string& metric, const Labels& wanted) {
  std::vector<Labels> out;
  for (const SeriesRecord& s : state.series)
    if (s.metric == metric && subset(wanted, s.labels) && std::find(out.begin(), out.end(), s.labels) == out.end())
      out.push_back(s.labels);
  std::sort(out.begin(), out.end(), [](const Labels& a, const Labels& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](const Label& x, const Label& y) {
      return std::tie(x.name, x.value) < std::tie(y.name, y.value);
    });
  });
  return out;
}

std::string explain_rule(const ast::RuleDecl& rule, const Engine& engine, const Replayed& replayed,
                         const std::vector<std::string>& reads, const std::string& driver, const Labels& labels,
                         Date at) {
  std::string out = "rule " + series_text(rule.name, labels) + " at " + at.iso() + "\n";
  if (rule.title) out += "  \"" + printable(rule.title->value) + "\"\n";
  if (rule.when) out += "  when " + format_expression(*rule.when) + "\n";
  if (rule.unless) out += "  unless " + format_expression(*rule.unless) + "\n";
  if (rule.clear_when) out += "  clear when " + format_expression(*rule.clear_when) + "\n";
  if (rule.for_returns) out += "  for " + to_string(rule.for_returns->value) + "\n";
  out += "  severity " + std::string(rule.severity ? ast::to_string(rule.severity->value) : "amber") + "\n";
  for (const ast::Escalation& e : rule.escalations) {
    out += "  escalate " + std::string(ast::to_string(e.severity)) +
           (e.when ? " when " + format_expression(*e.when) : " after " + to_string(e.after));
    if (e.to_route) out += " to " + *e.to_route;
    out += "\n";
  }
  out += "\nFigures read (each series' figure in its metric's latest return, then the figures held):\n";
  for (const std::string& metric : reads) {
    // The driver's own series; each other metric's series with the most of its labels (the join).
    const SeriesRecord* best = nullptr;
    for (const SeriesRecord& s : replayed.state.series) {
      if (s.metric != metric) continue;
      if (metric == driver ? s.labels == labels : subset(s.labels, labels) && (!best || s.labels.size() > best->labels.size()))
        best = &s;
    }
    if (best) print_series(out, replayed.state, *best, engine.metric_unit(metric));
    else out += "  " + metric + ": no series for these labels (its figure is missing)\n";
  }
  print_returns(out, replayed.state, driver);
  out += "\nDecision:\n";
  const AlertRecord* alert = alert_of(replayed.state, rule.name, labels);
  bool has_notes = std::any_of(replayed.notes.begin(), replayed.notes.end(),
                               [&](const auto& note) { return note.second.labels == labels; });
  if (!alert && has_notes)
    out += "  no alert: on the last return read the condition did not hold, or could not be decided (see the notes)\n";
  else if (!alert)
    out += "  no alert: on the last return read the condition did not hold\n";
  else if (alert->alert.state == AlertState::pending)
    out += "  the condition holds, but not yet on the " + std::to_string(rule.for_returns ? rule.for_returns->value.amount : 1) +
           " returns in a row `for` asks\n";
  else
    out += "  the condition holds: the alert fires\n";
  print_alert(out, alert);
  bool noted = false;
  for (const auto& [date, note] : replayed.notes) {
    if (note.labels != labels) continue;
    if (!noted) out += "Notes of the evaluations:\n";
    noted = true;
    out += "  " + date.iso() + "  " + printable(note.message) + "\n";
  }
  print_events(out, replayed.events, labels);
  return out;
}

std::string bounds_text(const BandInfo& band, ast::Unit unit) {
  std::string out;
  if (band.lower) out += (band.lower_inclusive ? ">= " : "> ") + format_value(*band.lower, unit);
  if (band.lower && band.upper) out += " and ";
  if (band.upper) out += (band.upper_inclusive ? "<= " : "< ") + format_value(*band.upper, unit);
  return out.empty() ? "any value" : out;
}

std::string explain_indicator(const ast::IndicatorDecl& decl, const IndicatorInfo& info, const IndicatorValue& v,
                              const Engine& engine, const Replayed& replayed, Date at) {
  std::string out = "indicator " + series_text(info.name, v.labels) + " at " + at.iso() + "\n";
  if (decl.title) out += "  \"" + printable(decl.title->value) + "\"\n";
  out += "  unit " + std::string(ast::to_string(info.unit)) + ", better " +
         (info.better == ast::Better::unspecified ? std::string("not given") : std::string(ast::to_string(info.better)));
  if (info.round >= 0) out += ", round " + std::to_string(info.round);
  out += "\n\nFigures read (the series' figure in the latest return, then the figures held):\n";
  for (const SeriesRecord& s : replayed.state.series)
    if (s.metric == info.name && s.labels == v.labels) print_series(out, replayed.state, s, engine.metric_unit(info.name));
  print_returns(out, replayed.state, info.name);
  out += "\nValue: " + format_value(v.value, v.unit);
  if (v.raw_value != v.value)
    out += " (" + format_value(v.raw_value, v.unit) + " as computed, rounded to " + std::to_string(info.round) +
           " decimal places before banding)";
  out += ", from the return of " + v.date.iso() + "\n";
  out += "Band sets, in the order tried (the first whose `where` matches and whose `from` has come is in force;\n"
         "within it the first band containing the value wins):\n";
  for (std::size_t i = 0; i < info.band_sets.size(); ++i) {
    const BandSetInfo& set = info.band_sets[i];
    bool in_force = v.band_set && *v.band_set == i;
    out += std::string(in_force ? "  * " : "    ") + "bands";
    if (!set.where.empty()) out += " where " + set.where;
    if (set.from) out += " from " + set.from->iso();
    out += ": " + set.target + (in_force ? "   (in force)" : "") + "\n";
    if (in_force)
      for (const BandInfo& band : set.bands)
        out += "      " + std::string(ast::to_string(band.colour)) + " " + bounds_text(band, v.unit) + ": " +
               (band.contains(v.value) ? "contains " : "does not contain ") + format_value(v.value, v.unit) + "\n";
  }
  out += "Band: " + std::string(to_string(v.band));
  if (v.band == Band::unbanded) out += " (the value is in none of the bands in force)";
  if (v.band == Band::small_cohort) out += " (the cohort is under its minimum: shown, never alerting)";
  out += "; trend " + std::string(to_string(v.trend)) + "\n";
  print_alert(out, alert_of(replayed.state, info.name, v.labels));
  print_events(out, replayed.events, v.labels);
  return out;
}

}  // namespace

int run_explain(const Arguments& args) {
  Command command("explain", "NAME --at DATE [--labels k=v,...] FILE|DIR... SAMPLES...",
                  "Shows, for one series of a rule or indicator, what decided its state at DATE: the figures\n"
                  "it read, the bands in force or its conditions, the returns counted, the alert and its events.\n"
                  "The samples are replayed through the rules up to DATE as `bandwatch eval` replays them.\n"
                  "Paths: folders and .bw files are rules, other files samples (or give --rules and --samples).");
  std::optional<Date> at;
  std::string labels_option;
  std::vector<std::string> rules, samples;
  command.options()
      ("at", date_value("at", &at), "the date (2020-02-04 or 04/02/2020): the last evaluation on or before it")
      ("labels,l", po::value<std::string>(&labels_option), "the series: name=value pairs, e.g. team=A,worker=W1")
      ("rules,r", po::value<std::vector<std::string>>(&rules)->multitoken(), "rule files or folders")
      ("samples,s", po::value<std::vector<std::string>>(&samples)->multitoken(), "sample files");
  loader::CollectOptions collect;
  command.add(rule_files_group(collect));
  command.positional("args", -1, po::value<std::vector<std::string>>());
  if (auto stop = command.parse(args)) return *stop;
  if (!command.has("args")) return command.usage_error("give the rule or indicator to explain");
  std::vector<std::string> positional = command.get<std::vector<std::string>>("args");
  std::string name = positional.front();
  for (std::size_t i = 1; i < positional.size(); ++i) {
    std::error_code error;
    const std::string& path = positional[i];
    if (fs::is_directory(path, error) || fs::path(path).extension() == ".bw") rules.push_back(path);
    else samples.push_back(path);
  }
  if (!at) return command.usage_error("give --at DATE");
  if (rules.empty()) return command.usage_error("give the rule files (a folder or .bw files)");
  if (samples.empty()) return command.usage_error("give the sample files to replay");
  std::string error;
  std::optional<Labels> wanted = parse_labels(labels_option, error);
  if (!wanted) return command.usage_error(error);

  loader::LoadedRules loaded = loader::load_rules(rules, collect);
  loader::check_program(loaded);
  print_files_read(loaded, false);
  std::vector<Diagnostic> errors;
  for (const Diagnostic& d : loaded.diagnostics)
    if (d.severity == Severity::error) errors.push_back(d);
  print_diagnostics(errors, loaded.sources);
  if (!errors.empty()) return kExitFailed;
  const ast::RuleDecl* rule = find_rule(loaded.files, name);
  const ast::IndicatorDecl* indicator = find_indicator(loaded.files, name);
  if (!rule && !indicator) {
    std::string message = "no rule or indicator named '" + name + "'";
    std::string suggestion = did_you_mean(name, explainable_names(loaded.files));
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    return command.usage_error(message);
  }
  Engine engine;
  LoadResult result = engine.load(loaded.files);
  if (!result.ok()) {
    print_diagnostics(result.diagnostics, loaded.sources);
    return kExitFailed;
  }
  SampleFiles files;
  if (!files.read(engine, samples, std::nullopt, error)) return command.fail(error);
  Replayed replayed;
  bool ok = files.replay(engine, [&](const Evaluation& evaluation) {
    for (const Event& e : evaluation.events)
      if (e.rule == name && e.source != AlertSource::stale) replayed.events.push_back(e);
    for (const EvaluationNote& note : evaluation.notes)
      if (note.rule == name) replayed.notes.emplace_back(evaluation.as_of, note);
  }, error, at);
  if (!ok) return command.fail(error);
  print_sample_errors(files.errors());
  if (!engine.last_as_of()) return command.fail("no samples dated on or before " + at->iso());
  replayed.state = engine.export_state();

  // The series to explain: the indicator's, or the rule's driver (the metric it reads with the
  // most labels, the first on a tie), narrowed by --labels.
  std::vector<Labels> found;
  std::vector<std::string> reads;
  std::string driver;
  std::vector<IndicatorValue> values;
  if (indicator) {
    for (IndicatorValue& v : engine.indicator_values())
      if (v.indicator == name && subset(*wanted, v.labels)) {
        found.push_back(v.labels);
        values.push_back(std::move(v));
      }
  } else {
    std::set<std::string> metrics;
    for (const ast::File& file : loaded.files)
      for (const ast::Item& item : file.items)
        if (std::holds_alternative<ast::MetricDecl>(item) || std::holds_alternative<ast::IndicatorDecl>(item))
          metrics.insert(ast::name_of(item));
    if (rule->when) metrics_read(*rule->when, metrics, reads);
    if (rule->unless) metrics_read(*rule->unless, metrics, reads);
    if (rule->clear_when) metrics_read(*rule->clear_when, metrics, reads);
    std::size_t most = 0;
    for (const std::string& metric : reads) {
      std::size_t labels = 0;
      for (const SeriesRecord& s : replayed.state.series)
        if (s.metric == metric) labels = std::max(labels, s.labels.size());
      if (driver.empty() || labels > most) {
        driver = metric;
        most = labels;
      }
    }
    found = candidates(replayed.state, driver, *wanted);
  }
  if (found.empty())
    return command.fail("no series of '" + name + "'" + (wanted->empty() ? "" : " with " + labels_text(*wanted)) +
                        " has figures on or before " + at->iso());
  if (found.size() > 1) {
    command.fail(std::to_string(found.size()) + " series of '" + name + "' match; choose one with --labels:");
    for (std::size_t i = 0; i < found.size() && i < 20; ++i) std::fprintf(stderr, "  %s\n", labels_text(found[i]).c_str());
    if (found.size() > 20) std::fprintf(stderr, "  ...\n");
    return kExitUsage;
  }
  std::string out;
  if (indicator) {
    std::vector<IndicatorInfo> infos = engine.indicators();
    auto info = std::find_if(infos.begin(), infos.end(), [&](const IndicatorInfo& i) { return i.name == name; });
    out = explain_indicator(*indicator, *info, values.front(), engine, replayed, *at);
  } else {
    out = explain_rule(*rule, engine, replayed, reads, driver, found.front(), *at);
  }
  if (*engine.last_as_of() != *at)
    out += "\n(The last date with samples on or before " + at->iso() + " is " + engine.last_as_of()->iso() + ".)\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return files.errors().empty() ? kExitOk : kExitWarnings;
}

}  // namespace bandwatch::cli
