// The Annex A lists 1-11: which list a file is, the built-in mappings (data/returns/annex_a.bw)
// parsed and checked with the metric declarations, and each list's data-quality gate.
#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <regex>

#include "extract/dates.hpp"
#include "extract/header.hpp"
#include "extract/mapping.hpp"
#include "extract/returns.hpp"
#include "return_common.hpp"
#include "table_reader.hpp"
#include "../text.hpp"
#include "rules/checker.hpp"
#include "rules/parser.hpp"

namespace bandwatch::extract {
namespace {

constexpr const char* kMetricsFile = "<built-in>/metrics.bw";
constexpr const char* kAnnexAFile = "<built-in>/annex_a.bw";

/// A column only list N has, to recognise a file whose name does not say (Annex A template).
constexpr std::string_view kSignatures[] = {
    "",
    "Date of Contact",
    "Organisation completing assessment",
    "Referral NFA?",
    "Continuous Assessment Start Date",
    "Strategy discussion initiating Section 47 Enquiry Start Date",
    "CIN Start Date",
    "Child Protection Plan Start Date",
    "Date Started to be Looked After",
    "Allocated Personal Advisor",
    "Date of Decision that Child Should be Placed for Adoption",
    "Individual adopter identifier",
};

/// Two date columns of a list that must be in order (`before` on or before `after`).
struct DateOrder {
  std::string_view before;
  std::string_view after;
};

struct ListGate {
  std::vector<DateOrder> orders;
  std::string_view code_column;              // a coded column, checked against `codes`
  std::vector<std::string_view> codes;
};

ListGate gate_of(int list) {
  switch (list) {
    case 1: return {{{"Date of Birth", "Date of Contact"}}, {}, {}};
    case 2: return {{{"Assessment start date", "Assessment completion date"}}, {}, {}};
    case 3: return {{{"Date of Birth", "Date of referral"}}, {}, {}};
    case 4:
      return {{{"Continuous Assessment Start Date|Assessment Start Date",
                "Continuous Assessment Date of Authorisation|Assessment Authorisation Date"}},
              {}, {}};
    case 5:
      return {{{"Strategy discussion initiating Section 47 Enquiry Start Date", "Date of Initial Child Protection Conference"}},
              {}, {}};
    case 6:
      return {{{"CIN Start Date", "CIN Closure Date|Case Closure Date"}},
              "Primary Need Code",
              {"N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9"}};
    case 7:
      return {{{"Child Protection Plan Start Date", "Child Protection Plan End Date"},
               {"Child Protection Plan Start Date", "Date of latest review conference"}},
              {}, {}};
    case 8:
      return {{{"Date of Birth", "Date Started to be Looked After"},
               {"Date Started to be Looked After", "Date Ceased to be Looked After"},
               {"Date Started to be Looked After", "Date of Latest Statutory Review"}},
              "Child's Legal Status|Legal Status",
              {"C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3"}};
    case 10:
      return {{{"Date the Child Entered Care", "Date Placed for Adoption"},
               {"Date of Placement Order", "Date of Matching Child and Prospective Adopters"},
               {"Date Placed for Adoption", "Date of Adoption Order"}},
              {}, {}};
    case 11:
      return {{{"Date Stage 1 started", "Date Stage 1 ended"},
               {"Date Stage 1 ended", "Date Stage 2 started"},
               {"Date Stage 2 started", "Date Stage 2 ended"},
               {"Date application submitted", "Date application approved"}},
              {}, {}};
    default: return {};
  }
}

/// The gate of one list over one file's header: each date pair in order, no date of an event
/// after the as-of date (the list describes that day), the coded column in its list. A column
/// the file lacks is not checked (the mappings say what they need).
class AnnexAGate : public RowGate {
 public:
  AnnexAGate(int list, Date as_of) : gate_(gate_of(list)), as_of_(as_of) {}

  void bind(const HeaderIndex& header) override {
    pairs_.clear();
    dated_.clear();
    code_column_.reset();
    std::string error;
    auto column = [&](std::string_view name) -> std::optional<std::size_t> {
      std::optional<HeaderMatch> match = header.find(name, error);
      if (!match) return std::nullopt;
      return match->index;
    };
    for (const DateOrder& order : gate_.orders) {
      std::optional<std::size_t> before = column(order.before), after = column(order.after);
      if (before && after) pairs_.push_back({*before, *after});
      for (auto [index, name] : {std::pair{before, order.before}, std::pair{after, order.after}})
        if (index && name != "Date of Birth" && std::find(dated_.begin(), dated_.end(), *index) == dated_.end())
          dated_.push_back(*index);
    }
    if (!gate_.code_column.empty()) code_column_ = column(gate_.code_column);
    header_ = &header;
  }

  void check(const std::vector<std::string_view>& fields, std::vector<RowError>& errors) override {
    dates_.assign(fields.size(), std::nullopt);
    auto date_at = [&](std::size_t index) -> std::optional<Date> {
      if (index >= fields.size() || is_blank(fields[index])) return std::nullopt;
      if (!dates_[index]) {
        DateParse parsed = parse_date(fields[index]);
        if (!parsed.date) {
          errors.push_back(RowError{index, parsed.reason});
          dates_[index] = Date{INT32_MIN};
          return std::nullopt;
        }
        dates_[index] = *parsed.date;
      }
      if (dates_[index]->days_since_epoch == INT32_MIN) return std::nullopt;
      return dates_[index];
    };
    for (auto [before, after] : pairs_) {
      std::optional<Date> a = date_at(before), b = date_at(after);
      if (a && b && *b < *a)
        errors.push_back(RowError{after, b->uk() + " is before \"" + header_->header(before) + "\" (" + a->uk() + ")"});
    }
    for (std::size_t index : dated_) {
      std::optional<Date> d = date_at(index);
      if (d && *d > as_of_)
        errors.push_back(RowError{index, d->uk() + " is after the list's as-of date (" + as_of_.uk() + ")"});
    }
    if (code_column_ && *code_column_ < fields.size() && !is_blank(fields[*code_column_])) {
      std::string code(code_of(normalised(fields[*code_column_])));
      for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (std::find(gate_.codes.begin(), gate_.codes.end(), std::string_view(code)) == gate_.codes.end())
        errors.push_back(RowError{*code_column_, "\"" + code + "\" is not one of its codes"});
    }
  }

 private:
  ListGate gate_;
  Date as_of_;
  const HeaderIndex* header_ = nullptr;
  std::vector<std::pair<std::size_t, std::size_t>> pairs_;
  std::vector<std::size_t> dated_;
  std::optional<std::size_t> code_column_;
  std::vector<std::optional<Date>> dates_;
};

}  // namespace

int annex_a_list_of(std::string_view file_name, const std::vector<std::string>& header) {
  std::string base = std::filesystem::path(file_name).filename().string();
  static const std::regex kListName("list[ _-]*0?([0-9]{1,2})(?![0-9])", std::regex::icase);
  std::smatch match;
  if (std::regex_search(base, match, kListName)) {
    int list = std::stoi(match[1].str());
    if (list >= 1 && list <= 11) return list;
  }
  std::vector<std::string> keys;
  for (const std::string& column : header) keys.push_back(header_key(column));
  for (int list = 1; list <= 11; ++list)
    if (std::find(keys.begin(), keys.end(), header_key(kSignatures[list])) != keys.end()) return list;
  return 0;
}

std::vector<ast::File> builtin_annex_a_program(std::vector<Diagnostic>& diagnostics) {
  std::vector<ast::File> files;
  for (auto [name, text] : {std::pair{kMetricsFile, builtin_metrics()}, std::pair{kAnnexAFile, builtin_annex_a()}}) {
    ParseResult parsed = parse(text, name);
    diagnostics.insert(diagnostics.end(), parsed.diagnostics.begin(), parsed.diagnostics.end());
    files.push_back(std::move(parsed.file));
  }
  if (has_errors(diagnostics)) return {};
  for (Diagnostic& diagnostic : check(files)) diagnostics.push_back(std::move(diagnostic));
  for (const ast::Item& item : files[1].items)
    if (const auto* decl = std::get_if<ast::ExtractDecl>(&item))
      for (Diagnostic& diagnostic : check_extract(*decl, kAnnexAFile)) diagnostics.push_back(std::move(diagnostic));
  if (has_errors(diagnostics)) return {};
  return files;
}

std::vector<ExtractSource> annex_a_extracts(const std::vector<ast::File>& program, int list) {
  std::vector<ExtractSource> sources;
  std::string name = "annex_a_list" + std::to_string(list);
  for (const ast::File& file : program)
    for (const ast::Item& item : file.items)
      if (const auto* decl = std::get_if<ast::ExtractDecl>(&item))
        if (decl->name == name || decl->name.starts_with(name + "_")) sources.push_back({decl, file.path});
  return sources;
}

std::unique_ptr<RowGate> annex_a_gate(int list, Date as_of) { return std::make_unique<AnnexAGate>(list, as_of); }

ReturnSummary import_annex_a(const std::vector<std::string>& paths, Date as_of, const ReturnOptions& options,
                             const SampleSink& sink, const ImportReporter& reporter) {
  ReturnSummary summary;
  returns::Problems problems(reporter);
  std::vector<Diagnostic> diagnostics;
  std::vector<ast::File> program = builtin_annex_a_program(diagnostics);
  if (program.empty()) {
    for (const Diagnostic& diagnostic : diagnostics)
      if (reporter.diagnostic) reporter.diagnostic(diagnostic);
    summary.failed = true;
    return summary;
  }
  std::vector<std::string> missing;
  std::vector<std::string> files = returns::expand_paths(paths, ".csv", missing);
  for (const std::string& path : missing) problems.report(path, 0, "no such file or directory");
  if (!missing.empty() || files.empty()) {
    if (files.empty() && missing.empty()) problems.report(paths.empty() ? "annex_a" : paths.front(), 0, "no .csv files");
    summary.failed = true;
    return summary;
  }
  EvalContext context{as_of, options.holidays};
  for (const std::string& path : files) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!in) {
      problems.report(path, 0, "cannot open the file");
      summary.failed = true;
      continue;
    }
    int list = annex_a_list_of(path, returns::read_header(in.get()));
    std::rewind(in.get());
    if (list == 0) {
      problems.report(path, 0, "not an Annex A list: neither its name (\"List 7 ...\") nor its columns say which");
      summary.failed = true;
      continue;
    }
    std::vector<ExtractSource> extracts = annex_a_extracts(program, list);
    std::unique_ptr<RowGate> gate = annex_a_gate(list, as_of);
    ImportSummary imported = import_csv(in.get(), path, extracts, context, sink, reporter, gate.get());
    if (imported.failed) summary.failed = true;
    summary.tables.push_back(TableCounts{path, "list" + std::to_string(list), imported.rows_read,
                                         imported.rejected + imported.held_back});
    summary.samples += imported.samples;
  }
  return summary;
}

}  // namespace bandwatch::extract
