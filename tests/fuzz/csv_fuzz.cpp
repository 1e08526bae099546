// libFuzzer target for the CSV reader and the import through extract mappings: any file must
// give records or problems, never a crash, hang or sanitizer report; read whole or in small
// chunks it must give the same records and problems; and every line the import writes must be
// a sample line the daemon reads. Built only with -DBANDWATCH_FUZZ=ON. Seeds: csv_corpus/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "csv_reader.hpp"  // internal to extract/
#include "engine/sample_line.hpp"
#include "extract/importer.hpp"
#include "loader/rule_files.hpp"

namespace {

using namespace bandwatch;

struct Collected : extract::CsvSink {
  std::vector<std::string> out;
  void on_record(const extract::CsvRecord& record) override {
    std::string row = std::to_string(record.line);
    for (std::string_view field : record.fields) (row += '|') += field;
    out.push_back(std::move(row));
  }
  void on_problem(const extract::CsvProblem& problem) override {
    out.push_back("!" + std::to_string(problem.line) + ":" + std::to_string(problem.column) + problem.message);
  }
};

Collected read(std::string_view text, std::size_t chunk) {
  Collected collected;
  extract::CsvReader reader(collected);
  for (std::size_t at = 0; at < text.size(); at += chunk) reader.feed(text.substr(at, chunk));
  reader.finish();
  return collected;
}

struct Extracts {
  loader::LoadedRules rules;
  std::vector<extract::ExtractSource> sources;
};

const Extracts& extracts() {
  static const Extracts loaded = [] {
    Extracts out;
    out.rules = loader::load_rules({BANDWATCH_FUZZ_EXTRACTS, BANDWATCH_FUZZ_ROUTES});  // the extracts route to these
    loader::check_program(out.rules);
    if (has_errors(out.rules.diagnostics)) __builtin_trap();
    for (const ast::File& file : out.rules.files)
      for (const ast::Item& item : file.items)
        if (const auto* decl = std::get_if<ast::ExtractDecl>(&item); decl && decl->name == "annex_a_list7")
          out.sources.push_back({decl, file.path});
    if (out.sources.empty()) __builtin_trap();
    return out;
  }();
  return loaded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Collected whole = read(text, text.size() + 1);
  if (read(text, 7).out != whole.out) __builtin_trap();

  extract::EvalContext context{Date::from_ymd(2020, 2, 4), nullptr};
  std::string lines;
  extract::SampleSink sink = [&lines](std::string_view out) { lines.append(out); };
  extract::ImportReporter reporter{[](const std::string&) {}, [](const Diagnostic&) {}};
  extract::import_csv_text(text, "fuzz.csv", extracts().sources, context, sink, reporter);
  engine::ParsedSample parsed;
  std::string error;
  std::size_t start = 0;
  while (start < lines.size()) {
    std::size_t end = lines.find('\n', start);
    if (end == std::string::npos) __builtin_trap();  // every line ends in '\n'
    std::size_t column = 0;
    if (engine::parse_sample_line(std::string_view(lines).substr(start, end - start), parsed, error, column) !=
        engine::LineKind::sample)
      __builtin_trap();
    start = end + 1;
  }
  return 0;
}
