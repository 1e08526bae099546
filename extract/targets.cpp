// An analyst's target sheet to `.bw` blocks and back (targets.hpp). Every cell is read by the
// language's own parser, placed inside the block it belongs in (`indicator x { bands { green
// CELL } }`), so the sheet accepts exactly what a `.bw` file does and says so in the same words;
// the blocks are written by the formatter and checked by the checker, whose findings are taken
// back to the rows that gave them.
#include "extract/targets.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>

#include <csv.h>

#include "csv_reader.hpp"
#include "extract/header.hpp"
#include "rules/checker.hpp"
#include "rules/formatter.hpp"
#include "rules/parser.hpp"

namespace bandwatch::extract {
namespace {

enum Field : std::size_t {
  kIndicator, kTitle, kGroup, kUnit, kPolarity, kFrame, kRound, kCohort, kExpectEvery, kLastYear,
  kNote, kRoutes, kEffectiveFrom, kWhere, kGreen, kAmber, kRed, kFieldCount
};

// The sheet's column headings, in the order export writes them; header_words() of a heading
// joined by spaces must be one of these (or an alternative below).
constexpr std::array<std::string_view, kFieldCount> kHeadings = {
    "indicator", "title", "group", "unit", "polarity", "frame", "round", "cohort", "expect every",
    "last year", "note", "routes", "effective from", "where", "green", "amber", "red"};
// Written by export whether used or not: what an analyst fills in for every indicator.
constexpr std::array<Field, 7> kAlwaysWritten = {kIndicator, kUnit, kPolarity, kEffectiveFrom, kGreen, kAmber, kRed};

std::optional<Field> field_of_heading(const std::string& words) {
  for (std::size_t f = 0; f < kFieldCount; ++f)
    if (kHeadings[f] == words) return static_cast<Field>(f);
  if (words == "better") return kPolarity;
  if (words == "effective date" || words == "from") return kEffectiveFrom;
  return std::nullopt;
}

std::string joined(const std::vector<std::string>& words, std::string_view separator) {
  std::string out;
  for (const std::string& word : words) out += (out.empty() ? "" : std::string(separator)) + word;
  return out;
}

std::string trimmed(std::string_view text) {
  std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(" \t") - first + 1));
}

// ---- reading the CSV ---------------------------------------------------------------------------

struct SheetRow {
  std::size_t line = 0;
  std::vector<std::string> cells;
};

class RowCollector : public CsvSink {
 public:
  explicit RowCollector(std::vector<SheetProblem>& problems) : problems_(problems) {}
  void on_record(const CsvRecord& record) override {
    if (record.blank()) return;
    SheetRow row{record.line, {}};
    for (std::string_view field : record.fields) row.cells.push_back(trimmed(field));
    rows.push_back(std::move(row));
  }
  void on_problem(const CsvProblem& problem) override {
    problems_.push_back({problem.line, "", problem.message});
  }
  std::vector<SheetRow> rows;

 private:
  std::vector<SheetProblem>& problems_;
};

// ---- one cell through the parser --------------------------------------------------------------

// `before + cell + after` parsed as a file of one block. A cell holds one value, so line breaks,
// comments and braces (which could close the block and open another) are refused first.
std::optional<ast::Item> parse_in_block(std::string_view before, std::string_view cell, std::string_view after,
                                        std::string& error) {
  if (cell.find_first_of("\r\n#{}") != std::string_view::npos) {
    error = "a cell holds one value: no line break, '#', '{' or '}'";
    return std::nullopt;
  }
  std::string source = std::string(before) + std::string(cell) + std::string(after);
  ParseResult parsed = parse(source, "cell");
  if (!parsed.ok()) {
    for (const Diagnostic& d : parsed.diagnostics)
      if (d.severity == Severity::error) {
        error = "\"" + std::string(cell) + "\": " + d.message;
        break;
      }
    return std::nullopt;
  }
  if (parsed.file.items.size() != 1 || !parsed.file.comments.empty()) {
    error = "\"" + std::string(cell) + "\" is not one value";
    return std::nullopt;
  }
  return std::move(parsed.file.items.front());
}

// The indicator `indicator sheet_cell { PROPERTY CELL }` parses to, or nullopt with `error`.
std::optional<ast::IndicatorDecl> indicator_property(std::string_view property, std::string_view cell,
                                                     std::string& error) {
  std::optional<ast::Item> item =
      parse_in_block("indicator sheet_cell {\n  " + std::string(property) + " ", cell, "\n}\n", error);
  if (!item) return std::nullopt;
  if (auto* decl = std::get_if<ast::IndicatorDecl>(&*item)) return std::move(*decl);
  error = "\"" + std::string(cell) + "\" is not one value";
  return std::nullopt;
}

// ---- building the blocks -----------------------------------------------------------------------

struct SetOrigin {
  std::size_t line = 0;  // the row that gave the band set
};

struct IndicatorBuild {
  ast::IndicatorDecl decl;
  std::size_t first_line = 0;
  std::vector<SetOrigin> sets;                      // parallel to decl.band_sets
  std::array<std::string, kFieldCount> given;       // the indicator-wide cells as first given
  std::array<std::size_t, kFieldCount> given_line{};
  std::array<bool, kFieldCount> unreadable{};       // a cell of this column was reported
};

struct BenchmarkBuild {
  std::string name;
  std::vector<std::pair<ast::BenchmarkEntry, std::size_t>> entries;  // with the row's line
  std::map<std::string, std::string> text_of;                         // indicator -> cell
};

class SheetReader {
 public:
  SheetReader(std::vector<SheetProblem>& problems) : problems_(problems) {}

  bool read_heading(const SheetRow& row) {
    columns_.assign(row.cells.size(), std::nullopt);
    benchmark_of_column_.assign(row.cells.size(), npos);
    std::set<std::string> seen;
    for (std::size_t c = 0; c < row.cells.size(); ++c) {
      std::vector<std::string> words = header_words(row.cells[c]);
      if (words.empty()) continue;  // Excel's trailing empty columns
      std::string key = joined(words, " ");
      if (!seen.insert(key).second) {
        problem(row.line, row.cells[c], "the column appears twice");
        continue;
      }
      if (words.front() == "benchmark" && words.size() > 1) {
        std::string name = joined(std::vector<std::string>(words.begin() + 1, words.end()), "_");
        benchmark_of_column_[c] = benchmarks_.size();
        benchmarks_.push_back({name, {}, {}});
        continue;
      }
      columns_[c] = field_of_heading(key);
      if (!columns_[c]) {
        problem(row.line, row.cells[c],
                "not a targets column (indicator, title, group, unit, polarity, frame, round, cohort, expect every, "
                "last year, note, routes, effective from, where, green, amber, red, benchmark NAME)");
      }
    }
    bool has_indicator = std::find(columns_.begin(), columns_.end(), kIndicator) != columns_.end();
    if (!has_indicator) problem(row.line, "", "no \"indicator\" column in the heading row");
    return has_indicator && problems_.empty();
  }

  void read_row(const SheetRow& row) {
    std::array<std::string, kFieldCount> cell;
    std::vector<std::string> benchmark_cells(benchmarks_.size());
    for (std::size_t c = 0; c < row.cells.size() && c < columns_.size(); ++c) {
      if (columns_[c]) cell[*columns_[c]] = row.cells[c];
      else if (benchmark_of_column_[c] != npos) benchmark_cells[benchmark_of_column_[c]] = row.cells[c];
    }
    const std::string& name = cell[kIndicator];
    if (name.empty()) {
      problem(row.line, "indicator", "no indicator named on this row");
      return;
    }
    std::string error;
    std::optional<ast::Item> item = parse_in_block("indicator ", name, " {}\n", error);
    auto* decl = item ? std::get_if<ast::IndicatorDecl>(&*item) : nullptr;
    if (!decl || decl->name != name) {
      problem(row.line, "indicator", error.empty() ? "\"" + name + "\" is not a name" : error);
      return;
    }
    auto [at, added] = index_.try_emplace(name, indicators_.size());
    if (added) {
      indicators_.push_back({});
      indicators_.back().decl.name = name;
      indicators_.back().first_line = row.line;
    }
    IndicatorBuild& build = indicators_[at->second];
    for (Field f : {kTitle, kGroup, kUnit, kPolarity, kFrame, kRound, kCohort, kExpectEvery, kLastYear, kNote, kRoutes})
      if (!cell[f].empty()) take_property(build, f, cell[f], row.line);
    read_bands(build, cell, row.line);
    for (std::size_t b = 0; b < benchmarks_.size(); ++b)
      if (!benchmark_cells[b].empty()) read_benchmark(benchmarks_[b], name, benchmark_cells[b], row.line);
  }

  // After every row: what each indicator must have, and the order of its bands.
  void finish() {
    for (IndicatorBuild& build : indicators_) {
      if (!build.decl.unit && !build.unreadable[kUnit])
        problem(build.first_line, "unit", "indicator " + build.decl.name + " has no unit");
      if (!build.decl.better && !build.unreadable[kPolarity])
        problem(build.first_line, "polarity", "indicator " + build.decl.name + " has no polarity (higher or lower)");
      else if (build.decl.better)
        for (std::size_t s = 0; s < build.decl.band_sets.size(); ++s)
          check_polarity(build.decl.band_sets[s], build.decl.better->value, build.sets[s].line);
    }
  }

  ast::File file() const {
    ast::File out;
    for (const IndicatorBuild& build : indicators_) out.items.push_back(build.decl);
    for (const BenchmarkBuild& benchmark : benchmarks_) {
      if (benchmark.entries.empty()) continue;
      ast::BenchmarkDecl decl;
      decl.name = benchmark.name;
      for (const auto& [entry, line] : benchmark.entries) decl.entries.push_back(entry);
      out.items.push_back(std::move(decl));
    }
    return out;
  }

  const std::vector<IndicatorBuild>& indicators() const { return indicators_; }
  const std::vector<BenchmarkBuild>& benchmarks() const { return benchmarks_; }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  void problem(std::size_t line, std::string column, std::string message) {
    problems_.push_back({line, std::move(column), std::move(message)});
  }

  void take_property(IndicatorBuild& build, Field f, const std::string& text, std::size_t line) {
    std::string column(kHeadings[f]);
    if (!build.given[f].empty()) {
      if (build.given[f] != text)
        problem(line, column, "\"" + text + "\" differs from \"" + build.given[f] + "\" on line " +
                                  std::to_string(build.given_line[f]) + " for indicator " + build.decl.name);
      return;
    }
    ast::IndicatorDecl& decl = build.decl;
    if (f == kTitle || f == kGroup || f == kNote) {
      if (text.find_first_of("\r\n") != std::string::npos) {
        problem(line, column, "a cell holds one line");
        return;
      }
      (f == kTitle ? decl.title : f == kGroup ? decl.group : decl.note) = ast::Located<std::string>{text, {}};
    } else if (f == kRoutes) {
      std::vector<ast::Located<std::string>> routes;
      std::size_t start = 0;
      while (start <= text.size()) {
        std::size_t comma = std::min(text.find(',', start), text.size());
        std::string route = trimmed(std::string_view(text).substr(start, comma - start));
        std::string error;
        std::optional<ast::IndicatorDecl> parsed = indicator_property("route", route, error);
        if (!parsed || parsed->routes.size() != 1) {
          problem(line, column, error.empty() ? "\"" + route + "\" is not a route name" : error);
          return;
        }
        routes.push_back(parsed->routes.front());
        start = comma + 1;
      }
      decl.routes = std::move(routes);
    } else {
      static constexpr std::array<std::pair<Field, std::string_view>, 7> kKeyword = {{
          {kUnit, "unit"}, {kPolarity, "better"}, {kFrame, "frame"}, {kRound, "round"}, {kCohort, "cohort"},
          {kExpectEvery, "expect every"}, {kLastYear, "last_year"}}};
      std::string_view keyword;
      for (const auto& [field, word] : kKeyword)
        if (field == f) keyword = word;
      std::string error;
      std::optional<ast::IndicatorDecl> parsed = indicator_property(keyword, text, error);
      bool set = parsed && (f == kUnit ? parsed->unit.has_value()
                            : f == kPolarity ? parsed->better.has_value()
                            : f == kFrame ? parsed->frame.has_value()
                            : f == kRound ? parsed->round.has_value()
                            : f == kCohort ? parsed->cohort.has_value()
                            : f == kExpectEvery ? parsed->expect_every.has_value()
                                                : parsed->last_year.has_value());
      if (!set) {
        problem(line, column, error.empty() ? "\"" + text + "\" is not a " + column : error);
        build.unreadable[f] = true;
        return;
      }
      switch (f) {
        case kUnit: decl.unit = parsed->unit; break;
        case kPolarity: decl.better = parsed->better; break;
        case kFrame: decl.frame = parsed->frame; break;
        case kRound: decl.round = parsed->round; break;
        case kCohort: decl.cohort = parsed->cohort; break;
        case kExpectEvery: decl.expect_every = parsed->expect_every; break;
        default: decl.last_year = parsed->last_year; break;
      }
    }
    build.given[f] = text;
    build.given_line[f] = line;
  }

  void read_bands(IndicatorBuild& build, const std::array<std::string, kFieldCount>& cell, std::size_t line) {
    ast::BandSet set;
    bool wrong = false;
    if (!cell[kEffectiveFrom].empty()) {
      std::string error;
      set.from = parse_date(cell[kEffectiveFrom], &error);
      if (!set.from) {
        problem(line, "effective from", error);
        wrong = true;
      }
    }
    if (!cell[kWhere].empty()) {
      ast::Expr where;
      ParseResult parsed = parse_expression(cell[kWhere], where);
      if (!parsed.ok()) {
        problem(line, "where", "\"" + cell[kWhere] + "\": " + parsed.diagnostics.front().message);
        wrong = true;
      } else {
        set.where = std::move(where);
      }
    }
    for (auto [f, colour] : {std::pair{kGreen, ast::Colour::green}, std::pair{kAmber, ast::Colour::amber},
                             std::pair{kRed, ast::Colour::red}}) {
      if (cell[f].empty()) continue;
      // Two bands of one colour (red at both ends) share the cell, joined by "or".
      std::string_view rest = cell[f];
      while (!rest.empty()) {
        std::size_t or_at = rest.find(" or ");
        std::string one = trimmed(rest.substr(0, or_at));
        rest = or_at == std::string_view::npos ? std::string_view{} : rest.substr(or_at + 4);
        std::string error;
        std::optional<ast::Item> item = parse_in_block(
            "indicator sheet_cell {\n  bands {\n    " + std::string(ast::to_string(colour)) + " ", one, "\n  }\n}\n",
            error);
        auto* decl = item ? std::get_if<ast::IndicatorDecl>(&*item) : nullptr;
        if (!decl || decl->band_sets.size() != 1 || decl->band_sets[0].bands.size() != 1) {
          problem(line, std::string(kHeadings[f]), error.empty() ? "\"" + one + "\" is not one band" : error);
          wrong = true;
          break;
        }
        set.bands.push_back(decl->band_sets[0].bands[0]);
      }
    }
    if (wrong) return;
    if (set.bands.empty()) {
      if (set.from || set.where) problem(line, "", "bands with an effective date or a where, but no green, amber or red");
      return;
    }
    std::string key = (set.from ? set.from->iso() : "") + "|" + (set.where ? format_expression(*set.where) : "");
    for (std::size_t s = 0; s < build.decl.band_sets.size(); ++s) {
      const ast::BandSet& other = build.decl.band_sets[s];
      std::string other_key =
          (other.from ? other.from->iso() : "") + "|" + (other.where ? format_expression(*other.where) : "");
      if (other_key == key) {
        problem(line, "", "indicator " + build.decl.name + " already has bands " +
                              (set.from ? "from " + set.from->iso() : "with no effective date") +
                              (set.where ? " where " + format_expression(*set.where) : "") + " on line " +
                              std::to_string(build.sets[s].line));
        return;
      }
    }
    build.decl.band_sets.push_back(std::move(set));
    build.sets.push_back({line});
  }

  void read_benchmark(BenchmarkBuild& benchmark, const std::string& indicator, const std::string& text,
                      std::size_t line) {
    std::string column = "benchmark " + benchmark.name;
    if (auto known = benchmark.text_of.find(indicator); known != benchmark.text_of.end()) {
      if (known->second != text) {
        std::size_t first = 0;
        for (const auto& [entry, at] : benchmark.entries)
          if (entry.indicator == indicator) first = at;
        problem(line, column, "\"" + text + "\" differs from \"" + known->second + "\" on line " +
                                  std::to_string(first) + " for indicator " + indicator);
      }
      return;
    }
    std::string error;
    std::optional<ast::Item> item = parse_in_block("benchmark " + benchmark.name + " {\n  " + indicator + " ", text,
                                                   "\n}\n", error);
    auto* decl = item ? std::get_if<ast::BenchmarkDecl>(&*item) : nullptr;
    if (!decl || decl->name != benchmark.name || decl->entries.size() != 1) {
      problem(line, column, error.empty() ? "\"" + text + "\" is not one value" : error);
      return;
    }
    benchmark.text_of[indicator] = text;
    benchmark.entries.push_back({decl->entries.front(), line});
  }

  // With polarity higher every green value lies above every amber one, and every amber above
  // every red (lower: below). Gaps and overlaps are the checker's; here only the order.
  void check_polarity(const ast::BandSet& set, ast::Better better, std::size_t line) {
    auto rank = [&](ast::Colour colour) {
      int r = colour == ast::Colour::red ? 0 : colour == ast::Colour::amber ? 1 : 2;
      return better == ast::Better::higher ? r : -r;
    };
    auto split = [&](ast::Colour colour) {  // red at both ends has no one place in the order
      return std::count_if(set.bands.begin(), set.bands.end(), [&](const ast::Band& b) { return b.colour == colour; }) > 1;
    };
    for (const ast::Band& low : set.bands)
      for (const ast::Band& high : set.bands) {
        if (rank(low.colour) >= rank(high.colour) || split(low.colour) || split(high.colour)) continue;
        // `low` must lie wholly below `high`.
        bool below = low.upper && high.lower && low.upper->quantity.value <= high.lower->quantity.value;
        if (below) continue;
        problem(line, std::string(ast::to_string(high.colour)),
                std::string("with polarity ") + std::string(ast::to_string(better)) + ", " +
                    std::string(ast::to_string(high.colour)) + " (" + format_band_bounds(high) + ") must lie " +
                    (better == ast::Better::higher ? "above " : "below ") + std::string(ast::to_string(low.colour)) +
                    " (" + format_band_bounds(low) + ")");
        return;
      }
  }

  std::vector<SheetProblem>& problems_;
  std::vector<std::optional<Field>> columns_;
  std::vector<std::size_t> benchmark_of_column_;
  std::vector<IndicatorBuild> indicators_;
  std::map<std::string, std::size_t> index_;
  std::vector<BenchmarkBuild> benchmarks_;
};

// The row (and column) of the sheet behind a finding of the checker at `line` of the written
// file: the items are written in the order they were built, each band set from one row.
SheetProblem row_of(const ast::File& written, const SheetReader& reader, const Diagnostic& d) {
  const ast::Item* item = nullptr;
  std::size_t index = 0;
  for (std::size_t i = 0; i < written.items.size(); ++i)
    if (ast::location_of(written.items[i]).line <= d.loc.line) {
      item = &written.items[i];
      index = i;
    }
  SheetProblem out{0, "", d.message};
  if (!item) return out;
  if (const auto* indicator = std::get_if<ast::IndicatorDecl>(item)) {
    const IndicatorBuild& build = reader.indicators()[index];
    out.line = build.first_line;
    for (std::size_t s = 0; s < indicator->band_sets.size(); ++s) {
      if (indicator->band_sets[s].loc.line > d.loc.line) break;
      out.line = build.sets[s].line;
      for (const ast::Band& band : indicator->band_sets[s].bands)
        if (band.loc.line == d.loc.line) out.column = std::string(ast::to_string(band.colour));
    }
    out.message = "indicator " + indicator->name + ": " + d.message;
  } else if (const auto* benchmark = std::get_if<ast::BenchmarkDecl>(item)) {
    out.column = "benchmark " + benchmark->name;
    for (const BenchmarkBuild& build : reader.benchmarks())
      if (build.name == benchmark->name)
        for (std::size_t e = 0; e < benchmark->entries.size() && e < build.entries.size(); ++e)
          if (benchmark->entries[e].loc.line <= d.loc.line) out.line = build.entries[e].second;
  }
  return out;
}

// ---- writing a sheet ---------------------------------------------------------------------------

void write_cell(std::string& out, const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos && trimmed(text) == text) {
    out += text;
    return;
  }
  // libcsv quotes it (every cell it writes is quoted, quotes doubled).
  std::string quoted(text.size() * 2 + 2, '\0');
  quoted.resize(csv_write(quoted.data(), quoted.size(), text.data(), text.size()));
  out += quoted;
}

}  // namespace

TargetsFromSheet targets_from_sheet(std::string_view csv, std::string_view sheet, std::string_view output_name,
                                    const std::vector<ast::File>& context) {
  TargetsFromSheet result;
  RowCollector collector(result.problems);
  CsvReader reader(collector);
  reader.feed(csv);
  reader.finish();
  if (!result.ok()) return result;
  if (collector.rows.empty()) {
    result.problems.push_back({0, "", "the sheet is empty: it needs a heading row (indicator, unit, polarity, green, "
                                      "amber, red, ...)"});
    return result;
  }
  SheetReader sheet_reader(result.problems);
  if (!sheet_reader.read_heading(collector.rows.front())) return result;
  for (std::size_t r = 1; r < collector.rows.size(); ++r) sheet_reader.read_row(collector.rows[r]);
  sheet_reader.finish();
  // The checker runs on the rows that did read, so a gap is reported beside a mistyped cell.

  std::string text = "# Targets from " + std::string(sheet) +
                     " (bandwatch targets import): change the sheet and import it\n"
                     "# again; `bandwatch targets export` writes these blocks back as a sheet.\n\n" +
                     format(sheet_reader.file());
  ParseResult written = parse(text, output_name);
  if (!written.ok()) {
    result.problems.push_back({0, "", "the blocks written do not parse: " + written.diagnostics.front().message});
    return result;
  }
  std::size_t row_problems = result.problems.size();
  std::set<std::size_t> reported_lines;  // a row already reported: the checker's findings there follow from it
  for (const SheetProblem& problem : result.problems) reported_lines.insert(problem.line);
  // The program as it will be: the council's other rules without the blocks the sheet replaces.
  std::set<std::string> indicators, benchmarks;
  for (const ast::Item& item : written.file.items)
    (std::holds_alternative<ast::IndicatorDecl>(item) ? indicators : benchmarks).insert(ast::name_of(item));
  std::vector<ast::File> program;
  for (const ast::File& file : context) {
    ast::File kept{file.path, {}, file.comments};
    for (const ast::Item& item : file.items) {
      bool replaced = (std::holds_alternative<ast::IndicatorDecl>(item) && indicators.count(ast::name_of(item))) ||
                      (std::holds_alternative<ast::BenchmarkDecl>(item) && benchmarks.count(ast::name_of(item)));
      if (!replaced) kept.items.push_back(item);
    }
    program.push_back(std::move(kept));
  }
  program.push_back(written.file);
  std::set<std::string> errors_before;
  auto error_text = [](const Diagnostic& d) {
    return d.file + ":" + std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + ": " + d.message;
  };
  if (!context.empty())
    for (const Diagnostic& d : check(context))
      if (d.severity == Severity::error) errors_before.insert(error_text(d));
  for (const Diagnostic& d : check(program)) {
    if (d.file == output_name && d.severity != Severity::note) {
      SheetProblem problem = row_of(written.file, sheet_reader, d);
      if (!reported_lines.count(problem.line)) result.problems.push_back(std::move(problem));
    }
    else if (d.file != output_name && d.severity == Severity::error && !errors_before.count(error_text(d)) &&
             row_problems == 0)
      result.problems.push_back({0, "", "with the sheet's blocks in place of theirs, " + error_text(d)});
  }
  if (!result.ok()) {
    std::stable_sort(result.problems.begin(), result.problems.end(),
                     [](const SheetProblem& a, const SheetProblem& b) { return a.line < b.line; });
    return result;
  }
  result.text = std::move(text);
  result.indicators = indicators.size();
  result.benchmarks = benchmarks.size();
  for (const IndicatorBuild& build : sheet_reader.indicators()) result.band_sets += build.decl.band_sets.size();
  return result;
}

SheetFromTargets sheet_from_targets(const std::vector<ast::File>& files) {
  SheetFromTargets result;
  std::set<std::string> exported;
  for (const ast::File& file : files)
    for (const ast::Item& item : file.items)
      if (std::holds_alternative<ast::IndicatorDecl>(item)) exported.insert(ast::name_of(item));
  std::vector<std::string> benchmark_names;
  std::map<std::pair<std::string, std::string>, std::string> benchmark_value;  // (benchmark, indicator)
  for (const ast::File& file : files)
    for (const ast::Item& item : file.items)
      if (const auto* benchmark = std::get_if<ast::BenchmarkDecl>(&item)) {
        if (std::find(benchmark_names.begin(), benchmark_names.end(), benchmark->name) == benchmark_names.end())
          benchmark_names.push_back(benchmark->name);
        for (const ast::BenchmarkEntry& entry : benchmark->entries) {
          benchmark_value[{benchmark->name, entry.indicator}] = format_quantity(entry.quantity);
          if (!exported.count(entry.indicator))
            result.left_out.push_back("benchmark " + benchmark->name + ": " + entry.indicator + " " +
                                      format_quantity(entry.quantity));
        }
      }
  // A benchmark column only when some exported indicator has a value in it.
  std::erase_if(benchmark_names, [&](const std::string& name) {
    return std::none_of(exported.begin(), exported.end(),
                        [&](const std::string& indicator) { return benchmark_value.count({name, indicator}); });
  });

  std::vector<std::array<std::string, kFieldCount>> rows;
  std::vector<std::vector<std::string>> benchmark_cells;
  for (const ast::File& file : files)
    for (const ast::Item& item : file.items) {
      const auto* decl = std::get_if<ast::IndicatorDecl>(&item);
      if (!decl) continue;
      std::array<std::string, kFieldCount> common;
      common[kIndicator] = decl->name;
      if (decl->title) common[kTitle] = decl->title->value;
      if (decl->group) common[kGroup] = decl->group->value;
      if (decl->unit) common[kUnit] = ast::to_string(decl->unit->value);
      if (decl->better && decl->better->value != ast::Better::unspecified)
        common[kPolarity] = ast::to_string(decl->better->value);
      if (decl->frame) common[kFrame] = ast::to_string(decl->frame->value);
      if (decl->round) common[kRound] = std::to_string(decl->round->value);
      if (decl->cohort) common[kCohort] = decl->cohort->value.metric + " minimum " + std::to_string(decl->cohort->value.minimum);
      if (decl->expect_every) common[kExpectEvery] = to_string(decl->expect_every->value);
      if (decl->last_year) common[kLastYear] = format_quantity(decl->last_year->value);
      if (decl->note) common[kNote] = decl->note->value;
      for (const ast::Located<std::string>& route : decl->routes)
        common[kRoutes] += (common[kRoutes].empty() ? "" : ", ") + route.value;
      std::vector<std::string> values;
      for (const std::string& name : benchmark_names) {
        auto found = benchmark_value.find({name, decl->name});
        values.push_back(found == benchmark_value.end() ? "" : found->second);
      }
      if (decl->band_sets.empty()) {
        rows.push_back(common);
        benchmark_cells.push_back(values);
      }
      for (const ast::BandSet& set : decl->band_sets) {
        std::array<std::string, kFieldCount> row = common;
        if (set.from) row[kEffectiveFrom] = set.from->iso();
        if (set.where) row[kWhere] = format_expression(*set.where);
        for (const ast::Band& band : set.bands) {
          Field f = band.colour == ast::Colour::green ? kGreen : band.colour == ast::Colour::amber ? kAmber : kRed;
          // Two bands of one colour in a set (red at both ends) share the cell, as `or`.
          row[f] += (row[f].empty() ? "" : " or ") + format_band_bounds(band);
        }
        rows.push_back(row);
        benchmark_cells.push_back(values);
      }
    }

  std::vector<Field> written;
  for (std::size_t f = 0; f < kFieldCount; ++f) {
    bool always = std::find(kAlwaysWritten.begin(), kAlwaysWritten.end(), f) != kAlwaysWritten.end();
    bool used = std::any_of(rows.begin(), rows.end(), [&](const auto& row) { return !row[f].empty(); });
    if (always || used) written.push_back(static_cast<Field>(f));
  }
  std::string& out = result.csv;
  auto end_row = [&] { out += "\r\n"; };
  for (std::size_t i = 0; i < written.size(); ++i) {
    if (i) out += ',';
    std::string heading(kHeadings[written[i]]);
    write_cell(out, heading);
  }
  for (const std::string& name : benchmark_names) {
    out += ',';
    write_cell(out, "benchmark " + name);
  }
  end_row();
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t i = 0; i < written.size(); ++i) {
      if (i) out += ',';
      write_cell(out, rows[r][written[i]]);
    }
    for (const std::string& value : benchmark_cells[r]) {
      out += ',';
      write_cell(out, value);
    }
    end_row();
  }
  return result;
}

}  // namespace bandwatch::extract
