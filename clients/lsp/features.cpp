#include "features.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "rules/formatter.hpp"
#include "rules/parser.hpp"
#include "text.hpp"

namespace bandwatch::lsp {

namespace {

// LSP's enumerations, as numbers.
constexpr int kSeverityError = 1, kSeverityWarning = 2, kSeverityInformation = 3;
constexpr int kKindFunction = 3, kKindField = 5, kKindVariable = 6, kKindClass = 7, kKindModule = 9,
              kKindKeyword = 14, kKindEnumMember = 20, kKindConstant = 21, kKindEvent = 23;

int lsp_severity(Severity severity) {
  switch (severity) {
    case Severity::error: return kSeverityError;
    case Severity::warning: return kSeverityWarning;
    case Severity::note: return kSeverityInformation;
  }
  return kSeverityError;
}

std::string_view source_of(const Analysis& analysis, const std::string& path) {
  auto it = analysis.loaded.sources.find(path);
  return it == analysis.loaded.sources.end() ? std::string_view() : std::string_view(it->second);
}

std::string uri_of(const Analysis& analysis, const std::string& path) {
  (void)analysis;
  return path.starts_with("/") ? path_to_uri(path) : path;
}

// ---- the program's names ----------------------------------------------------------------

/// Every named thing of the program, for hover and completion.
struct Symbols {
  std::multimap<std::string, const ast::Item*> items;    // by name (a metric and an indicator may share one)
  std::map<std::string, std::set<std::string>> labels;   // label -> the metrics and extracts carrying it
  std::map<std::string, std::vector<std::string>> metric_labels;  // metric -> its labels
};

void labels_of_expr(const ast::Expr& expr, std::vector<std::string>& out) {
  if (expr.kind == ast::ExprKind::aggregate)
    for (const std::string& label : expr.by) out.push_back(label);
}

Symbols symbols_of(const Analysis& analysis) {
  Symbols symbols;
  for (const ast::File& file : analysis.loaded.files) {
    for (const ast::Item& item : file.items) {
      if (std::holds_alternative<ast::TestDecl>(item)) continue;
      symbols.items.emplace(ast::name_of(item), &item);
      if (const auto* metric = std::get_if<ast::MetricDecl>(&item)) {
        std::vector<std::string> labels;
        if (metric->labels) labels = metric->labels->value;
        if (metric->derived) labels_of_expr(*metric->derived, labels);
        for (const std::string& label : labels) symbols.labels[label].insert(metric->name);
        symbols.metric_labels[metric->name] = labels;
      } else if (const auto* extract = std::get_if<ast::ExtractDecl>(&item)) {
        for (const ast::Binding& binding : extract->bindings)
          if (binding.kind != ast::BindingKind::sample) symbols.labels[binding.name].insert("extract " + extract->name);
      }
    }
  }
  return symbols;
}

// ---- hover --------------------------------------------------------------------------------

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

std::string bands_text(const ast::IndicatorDecl& indicator) {
  std::string out;
  for (const ast::BandSet& set : indicator.band_sets) {
    out += "- bands";
    if (set.where) out += " where `" + format_expression(*set.where) + "`";
    if (set.from) out += " from " + set.from->iso();
    out += ": ";
    for (std::size_t i = 0; i < set.bands.size(); ++i) {
      if (i) out += ", ";
      out += std::string(ast::to_string(set.bands[i].colour)) + " " + format_band_bounds(set.bands[i]);
    }
    out += "\n";
  }
  return out;
}

std::string labels_text(const engine::Labels& labels) {
  std::string out;
  for (const engine::Label& label : labels) {
    if (!out.empty()) out += ", ";
    out += label.name + "=" + quoted(printable(label.value));
  }
  return out.empty() ? "(no labels)" : out;
}

constexpr std::size_t kMostValuesShown = 10;

std::string indicator_hover(const ast::IndicatorDecl& indicator, const engine::Engine* values,
                            const std::string& values_source) {
  std::string out = "**indicator** `" + indicator.name + "`";
  if (indicator.title) out += " — " + indicator.title->value;
  out += "\n\n";
  std::vector<std::string> facts;
  if (indicator.unit) facts.push_back("unit " + std::string(ast::to_string(indicator.unit->value)));
  facts.push_back(indicator.better ? "better " + std::string(ast::to_string(indicator.better->value))
                                   : std::string("no polarity (no `better`)"));
  if (indicator.frame) facts.push_back("frame " + std::string(ast::to_string(indicator.frame->value)));
  if (indicator.round) facts.push_back("round " + std::to_string(indicator.round->value));
  if (indicator.decimals) facts.push_back("decimals " + std::to_string(indicator.decimals->value));
  if (indicator.cohort)
    facts.push_back("cohort " + indicator.cohort->value.metric + " minimum " + std::to_string(indicator.cohort->value.minimum));
  if (indicator.group) facts.push_back("group " + quoted(indicator.group->value));
  for (std::size_t i = 0; i < facts.size(); ++i) out += (i ? " · " : "") + facts[i];
  out += "\n\n";
  if (indicator.band_sets.empty()) out += "No bands: its values are never green, amber or red.\n";
  else out += bands_text(indicator);
  if (!indicator.routes.empty()) {
    out += "\nRoutes:";
    for (const auto& route : indicator.routes) out += " " + route.value;
    out += "\n";
  }
  if (indicator.note) out += "\nNote: " + indicator.note->value + "\n";
  if (values) {
    std::vector<engine::IndicatorValue> all = values->indicator_values();
    std::vector<const engine::IndicatorValue*> mine;
    for (const engine::IndicatorValue& value : all)
      if (value.indicator == indicator.name) mine.push_back(&value);
    out += "\nLast values (" + values_source + "):\n";
    if (mine.empty()) out += "- none\n";
    for (std::size_t i = 0; i < mine.size() && i < kMostValuesShown; ++i) {
      const engine::IndicatorValue& v = *mine[i];
      out += "- " + labels_text(v.labels) + ": " + engine::format_value(v.value, v.unit) + " **" +
             std::string(engine::to_string(v.band)) + "** (" + v.date.iso() + ")\n";
    }
    if (mine.size() > kMostValuesShown)
      out += "- and " + std::to_string(mine.size() - kMostValuesShown) + " more label sets\n";
  } else if (!values_source.empty()) {
    out += "\nLast values: " + values_source + "\n";
  }
  return out;
}

std::string metric_hover(const ast::MetricDecl& metric, const Symbols& symbols, const engine::Engine* values,
                         const std::string& values_source) {
  std::string out = "**metric** `" + metric.name + "`";
  if (metric.title) out += " — " + metric.title->value;
  out += "\n\n";
  if (metric.derived) out += "`= " + format_expression(*metric.derived) + "`\n\n";
  if (metric.unit) out += "unit " + std::string(ast::to_string(metric.unit->value)) + "\n\n";
  auto labels = symbols.metric_labels.find(metric.name);
  if (labels == symbols.metric_labels.end() || labels->second.empty()) {
    out += "Labels: none\n";
  } else {
    out += "Labels:";
    for (std::size_t i = 0; i < labels->second.size(); ++i) out += (i ? ", " : " ") + labels->second[i];
    out += "\n";
  }
  if (metric.expect_every) out += "\nExpected every " + to_string(metric.expect_every->value) + "\n";
  if (values) {
    std::vector<engine::MetricValue> series = values->metric_values(metric.name);
    out += "\nLast values (" + values_source + "):\n";
    if (series.empty()) out += "- none\n";
    for (std::size_t i = 0; i < series.size() && i < kMostValuesShown; ++i)
      out += "- " + labels_text(series[i].labels) + ": " + engine::format_value(series[i].value, series[i].unit) +
             " (" + series[i].date.iso() + ")\n";
    if (series.size() > kMostValuesShown)
      out += "- and " + std::to_string(series.size() - kMostValuesShown) + " more label sets\n";
  } else if (!values_source.empty()) {
    out += "\nLast values: " + values_source + "\n";
  }
  return out;
}

std::string other_hover(const ast::Item& item) {
  std::string out = "**" + std::string(ast::kind_of(item)) + "** `" + ast::name_of(item) + "`";
  if (const auto* route = std::get_if<ast::RouteDecl>(&item)) {
    if (route->title) out += " — " + route->title->value;
    out += "\n\n";
    if (route->cadence) out += "Digest every " + to_string(route->cadence->value) + "\n\n";
    out += std::to_string(route->emails.size()) + " mail member(s), " + std::to_string(route->teams.size()) +
           " Teams channel(s)\n";
  } else if (const auto* rule = std::get_if<ast::RuleDecl>(&item)) {
    if (rule->title) out += " — " + rule->title->value;
    out += "\n\n";
    if (rule->when) out += "when `" + format_expression(*rule->when) + "`\n\n";
    if (rule->severity) out += "severity " + std::string(ast::to_string(rule->severity->value)) + "\n\n";
    if (!rule->routes.empty()) {
      out += "Routes:";
      for (const auto& route : rule->routes) out += " " + route.value;
      out += "\n";
    }
  } else if (const auto* benchmark = std::get_if<ast::BenchmarkDecl>(&item)) {
    if (benchmark->title) out += " — " + benchmark->title->value;
    out += "\n\n";
    for (const ast::BenchmarkEntry& entry : benchmark->entries)
      out += "- " + entry.indicator + " " + format_quantity(entry.quantity) + "\n";
  } else if (const auto* extract = std::get_if<ast::ExtractDecl>(&item)) {
    if (extract->title) out += " — " + extract->title->value;
    out += "\n";
  }
  return out;
}

/// The name under a byte offset of a line: [begin, end) of the word, dotted parts separate.
std::pair<std::size_t, std::size_t> word_at(std::string_view line, std::size_t at) {
  std::size_t begin = std::min(at, line.size()), end = begin;
  while (begin > 0 && is_name_char(line[begin - 1])) --begin;
  while (end < line.size() && is_name_char(line[end])) ++end;
  return {begin, end};
}

// ---- completion ------------------------------------------------------------------------------

const std::vector<std::string_view> kKeywords = {
    // blocks
    "metric", "indicator", "benchmark", "route", "rule", "extract", "test",
    // properties
    "title", "unit", "labels", "label", "key", "sample", "better", "frame", "group", "round", "decimals", "cohort", "minimum",
    "last_year", "note", "bands", "where", "from", "when", "unless", "clear", "for", "severity", "escalate",
    "after", "to", "message", "resolved", "expect", "every", "cadence", "email", "teams", "date_format", "closer", "within",
    // tests
    "at", "alert", "no", "value",
    // expressions
    "and", "or", "not", "in", "by", "match", "else",
};
const std::vector<std::string_view> kColours = {"green", "amber", "red"};
const std::vector<std::string_view> kOutcomes = {"unbanded", "small_cohort"};
const std::vector<std::string_view> kBetter = {"higher", "lower"};
const std::vector<std::string_view> kUnits = {"percent", "count", "days", "rate_per_10k", "gbp", "fte", "number"};
const std::vector<std::string_view> kFrames = {"year_to_date", "rolling_year", "quarter", "month", "end_of_period",
                                               "snapshot"};
const std::vector<std::string_view> kDurations = {"days", "weeks", "months", "years", "periods", "returns"};
const std::vector<std::string_view> kFunctions = {"pct_change", "change", "prev", "avg_over", "sum_over", "min_over",
                                                  "max_over", "age", "abs", "count", "sum", "avg", "min", "max",
                                                  "share", "date", "days_between", "working_days_between",
                                                  "is_blank", "code"};

struct Items {
  json list = json::array();
  std::set<std::string> seen;
  void add(const std::string& label, int kind, const std::string& detail = "") {
    if (!seen.insert(label).second) return;
    json item = {{"label", label}, {"kind", kind}};
    if (!detail.empty()) item["detail"] = detail;
    list.push_back(std::move(item));
  }
  void add_all(const std::vector<std::string_view>& words, int kind, const std::string& detail) {
    for (std::string_view word : words) add(std::string(word), kind, detail);
  }
};

/// Trailing spaces and tabs removed.
std::string_view trim_right(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// The word just before the end of `text` (after trimming blanks), or empty.
std::string_view last_word(std::string_view text) {
  text = trim_right(text);
  std::size_t begin = text.size();
  while (begin > 0 && is_name_char(text[begin - 1])) --begin;
  return text.substr(begin);
}

void add_routes(Items& items, const Symbols& symbols) {
  for (const auto& [name, item] : symbols.items)
    if (const auto* route = std::get_if<ast::RouteDecl>(item))
      items.add(name, kKindModule, route->title ? route->title->value : "route");
}

void add_labels(Items& items, const Symbols& symbols, const std::vector<std::string>* only) {
  for (const auto& [label, carriers] : symbols.labels) {
    if (only && std::find(only->begin(), only->end(), label) == only->end()) continue;
    std::string detail = "label of";
    for (const std::string& carrier : carriers) detail += " " + carrier;
    items.add(label, kKindField, detail);
  }
}

}  // namespace

const std::vector<std::string_view>& keywords() { return kKeywords; }

json diagnostics_for(const Analysis& analysis, const Document& document) {
  json list = json::array();
  std::string_view text = document.text;
  const std::vector<Diagnostic>& all = analysis.loaded.diagnostics;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Diagnostic& d = all[i];
    if (d.file != document.path) continue;
    json item = {{"range", token_range(text, d.loc.line, d.loc.column)},
                 {"severity", lsp_severity(d.severity)},
                 {"source", "bandwatch"},
                 {"message", d.message}};
    // The notes that follow a diagnostic explain it ("first declared here").
    json related = json::array();
    for (std::size_t k = i + 1; k < all.size() && all[k].severity == Severity::note && d.severity != Severity::note; ++k) {
      std::string_view source = source_of(analysis, all[k].file);
      related.push_back({{"location", {{"uri", uri_of(analysis, all[k].file)},
                                       {"range", token_range(source, all[k].loc.line, all[k].loc.column)}}},
                         {"message", all[k].message}});
    }
    if (!related.empty()) item["relatedInformation"] = std::move(related);
    list.push_back(std::move(item));
  }
  if (analysis.first_syntax_error && analysis.first_syntax_error->file != document.path) {
    const Diagnostic& stop = *analysis.first_syntax_error;
    list.push_back({{"range", token_range(text, 0, 0)},
                    {"severity", kSeverityInformation},
                    {"source", "bandwatch"},
                    {"message", "names, labels and units are checked once the syntax error at " + stop.file + ":" +
                                    std::to_string(stop.loc.line) + ":" + std::to_string(stop.loc.column) +
                                    " is fixed: " + stop.message}});
  }
  return {{"uri", document.uri}, {"version", document.version}, {"diagnostics", std::move(list)}};
}

json hover(const Analysis& analysis, const Document& document, std::size_t line0, std::size_t character,
           const engine::Engine* values, const std::string& values_source) {
  std::string_view line = line_of(document.text, line0);
  std::size_t at = offset_of(document.text, line0, character) - (offset_of(document.text, line0, 0));
  auto [begin, end] = word_at(line, at);
  if (begin == end) return nullptr;
  std::string word(line.substr(begin, end - begin));
  Symbols symbols = symbols_of(analysis);
  std::string markdown;
  auto [first, last] = symbols.items.equal_range(word);
  // An indicator before the metric of the same name: the indicator is what the author reads.
  for (auto it = first; it != last; ++it)
    if (const auto* indicator = std::get_if<ast::IndicatorDecl>(it->second))
      markdown += indicator_hover(*indicator, values, values_source);
  for (auto it = first; it != last; ++it) {
    if (std::holds_alternative<ast::IndicatorDecl>(*it->second)) continue;
    if (!markdown.empty()) markdown += "\n---\n\n";
    if (const auto* metric = std::get_if<ast::MetricDecl>(it->second))
      markdown += metric_hover(*metric, symbols, values, values_source);
    else
      markdown += other_hover(*it->second);
  }
  if (markdown.empty()) {
    auto label = symbols.labels.find(word);
    if (label == symbols.labels.end()) return nullptr;
    markdown = "**label** `" + word + "` of";
    for (const std::string& carrier : label->second) markdown += " " + carrier;
    markdown += "\n";
  }
  json range = {{"start", {{"line", line0}, {"character", utf16_length(line, begin)}}},
                {"end", {{"line", line0}, {"character", utf16_length(line, end)}}}};
  return {{"contents", {{"kind", "markdown"}, {"value", markdown}}}, {"range", range}};
}

json completion(const Analysis& analysis, const Document& document, std::size_t line0, std::size_t character) {
  std::string_view line = line_of(document.text, line0);
  std::size_t at = offset_of(document.text, line0, character) - offset_of(document.text, line0, 0);
  std::string_view before = line.substr(0, std::min(at, line.size()));
  // What is being typed is left for the editor to filter by; the context is what comes before it.
  std::size_t word_begin = before.size();
  while (word_begin > 0 && is_name_char(before[word_begin - 1])) --word_begin;
  std::string_view context = before.substr(0, word_begin);
  Symbols symbols = symbols_of(analysis);
  Items items;

  // Inside a label matcher `metric{...`: that metric's labels (nothing while a value is typed).
  std::size_t brace = context.rfind('{');
  if (brace != std::string_view::npos && context.find('}', brace) == std::string_view::npos && brace > 0 &&
      is_name_char(context[brace - 1])) {
    std::string_view inside = context.substr(brace + 1);
    std::size_t comma = inside.rfind(',');
    std::string_view current = comma == std::string_view::npos ? inside : inside.substr(comma + 1);
    if (current.find('=') != std::string_view::npos) return {{"isIncomplete", false}, {"items", json::array()}};
    std::string metric(last_word(context.substr(0, brace)));
    auto labels = symbols.metric_labels.find(metric);
    add_labels(items, symbols, labels == symbols.metric_labels.end() ? nullptr : &labels->second);
    return {{"isIncomplete", false}, {"items", std::move(items.list)}};
  }
  std::string_view trimmed = trim_right(context);
  std::string_view previous = last_word(context);
  bool after_space = trimmed.size() < context.size();
  // `to NAME` (an escalation), and `route NAME` inside a block (at the start of a line it is
  // the name of a new route block).
  bool indented = !line.empty() && (line.front() == ' ' || line.front() == '\t');
  if (after_space && (previous == "to" || (previous == "route" && indented))) {
    add_routes(items, symbols);
    return {{"isIncomplete", false}, {"items", std::move(items.list)}};
  }
  if (after_space && previous == "unit") items.add_all(kUnits, kKindEnumMember, "unit");
  else if (after_space && previous == "better") items.add_all(kBetter, kKindEnumMember, "polarity");
  else if (after_space && previous == "frame") items.add_all(kFrames, kKindEnumMember, "frame");
  else if (after_space && (previous == "severity" || previous == "escalate")) items.add_all(kColours, kKindEnumMember, "severity");
  if (!items.list.empty()) return {{"isIncomplete", false}, {"items", std::move(items.list)}};
  if (trimmed.ends_with("by (") || (trimmed.ends_with(",") && trimmed.find("by (") != std::string_view::npos &&
                                    trimmed.find(')', trimmed.rfind("by (")) == std::string_view::npos)) {
    add_labels(items, symbols, nullptr);
    return {{"isIncomplete", false}, {"items", std::move(items.list)}};
  }

  // Anywhere else: every name of the program, then the language's words.
  for (const auto& [name, item] : symbols.items) {
    if (const auto* metric = std::get_if<ast::MetricDecl>(item))
      items.add(name, kKindVariable, metric->title ? "metric: " + metric->title->value : "metric");
  }
  for (const auto& [name, item] : symbols.items) {
    if (const auto* indicator = std::get_if<ast::IndicatorDecl>(item))
      items.add(name, kKindClass, indicator->title ? "indicator: " + indicator->title->value : "indicator");
    else if (std::holds_alternative<ast::BenchmarkDecl>(*item))
      items.add(name, kKindConstant, "benchmark");
    else if (std::holds_alternative<ast::RuleDecl>(*item))
      items.add(name, kKindEvent, "rule");
    else if (std::holds_alternative<ast::RouteDecl>(*item))
      items.add(name, kKindModule, "route");
  }
  add_labels(items, symbols, nullptr);
  items.add_all(kFunctions, kKindFunction, "function");
  items.add_all(kKeywords, kKindKeyword, "keyword");
  items.add_all(kColours, kKindEnumMember, "band");
  items.add_all(kOutcomes, kKindEnumMember, "outcome");
  items.add_all(kDurations, kKindEnumMember, "duration");
  return {{"isIncomplete", false}, {"items", std::move(items.list)}};
}

bool formatting(const Document& document, json& edits, std::string& error) {
  ParseResult parsed = parse(document.text, document.path);
  if (!parsed.ok()) {
    for (const Diagnostic& d : parsed.diagnostics)
      if (d.severity == Severity::error) {
        error = "cannot format a file with a syntax error: " + std::to_string(d.loc.line) + ":" +
                std::to_string(d.loc.column) + ": " + d.message;
        break;
      }
    return false;
  }
  std::string formatted = format(parsed.file);
  ParseResult again = parse(formatted, document.path);
  if (!again.ok() || ast::dump(again.file) != ast::dump(parsed.file)) {
    error = "bandwatch fmt would change the meaning of this file; left it untouched (a bug in bandwatch, please report it)";
    return false;
  }
  edits = json::array();
  if (formatted != document.text) edits.push_back({{"range", whole_range(document.text)}, {"newText", formatted}});
  return true;
}

}  // namespace bandwatch::lsp
