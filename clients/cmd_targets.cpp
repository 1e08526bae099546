// `bandwatch targets import SHEET.csv` and `bandwatch targets export PATH...`: an analyst's target
// sheet to formatted, checked `.bw` indicator and benchmark blocks, and back (extract/targets.hpp),
// so the analyst can keep the targets in Excel.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "command.hpp"
#include "commands.hpp"
#include "extract/targets.hpp"
#include "loader/rule_files.hpp"

namespace bandwatch::cli {
namespace {

namespace po = boost::program_options;

// Writes `text` to `path`, or to stdout when there is no path.
bool write_output(const std::string& path, const std::string& text, const Command& command) {
  if (path.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    command.fail("cannot write " + path);
    return false;
  }
  return true;
}

int run_targets_import(const Arguments& args) {
  Command command("targets import", "SHEET.csv [--out FILE.bw] [--rules PATH...]",
                  "Turns an analyst's target sheet (CSV as Excel saves it: indicator, unit, polarity, green,\n"
                  "amber, red, effective from, benchmark NAME, ...; see docs/extracts.md) into formatted,\n"
                  "checked indicator and benchmark blocks. Each row that does not make a consistent band set\n"
                  "is reported as SHEET:line, and nothing is written. With --rules, the blocks are checked\n"
                  "with the council's other rules (the indicators and benchmarks the sheet gives replace\n"
                  "theirs there).");
  std::string out;
  std::vector<std::string> rules;
  command.options()
      ("out,o", po::value(&out), "write the blocks here (default: standard output)")
      ("rules", po::value(&rules)->multitoken(), "the rest of the council's rules, to check the blocks with");
  command.positional("sheet", 1, po::value<std::string>());
  if (auto stop = command.parse(args)) return *stop;
  if (!command.has("sheet")) return command.usage_error("no sheet given");
  std::string sheet = command.get<std::string>("sheet");
  std::string csv;
  if (!loader::read_file(sheet, csv)) return command.fail("cannot read " + sheet);

  std::vector<ast::File> context;
  if (!rules.empty()) {
    loader::LoadedRules loaded = loader::load_rules(rules);
    if (has_errors(loaded.diagnostics)) {
      print_diagnostics(loaded.diagnostics, loaded.sources);
      return command.fail("the rules given with --rules do not parse");
    }
    context = std::move(loaded.files);
  }
  extract::TargetsFromSheet result =
      extract::targets_from_sheet(csv, sheet, out.empty() ? "targets.bw" : out, context);
  for (const extract::SheetProblem& problem : result.problems) {
    std::string where = sheet + (problem.line ? ":" + std::to_string(problem.line) : "") + ": ";
    std::string column = problem.column.empty() ? "" : "column \"" + problem.column + "\": ";
    std::fprintf(stderr, "%s%s%s\n", where.c_str(), column.c_str(), problem.message.c_str());
  }
  if (!result.ok()) {
    std::fprintf(stderr, "%s: %zu problem%s; nothing written\n", sheet.c_str(), result.problems.size(),
                 result.problems.size() == 1 ? "" : "s");
    return kExitFailed;
  }
  if (!write_output(out, result.text, command)) return kExitFailed;
  std::fprintf(stderr, "%s: %zu indicator%s, %zu band set%s, %zu benchmark%s\n", sheet.c_str(), result.indicators,
               result.indicators == 1 ? "" : "s", result.band_sets, result.band_sets == 1 ? "" : "s",
               result.benchmarks, result.benchmarks == 1 ? "" : "s");
  return kExitOk;
}

int run_targets_export(const Arguments& args) {
  Command command("targets export", "PATH... [--out FILE.csv]",
                  "Writes the indicators and benchmark values of rule files (or directories of them) as a\n"
                  "target sheet, one row per band set, for an analyst to keep in Excel and import again.");
  std::string out;
  command.options()("out,o", po::value(&out), "write the sheet here (default: standard output)");
  command.positional("paths", -1, po::value<std::vector<std::string>>());
  if (auto stop = command.parse(args)) return *stop;
  if (!command.has("paths")) return command.usage_error("no rule files given");
  loader::LoadedRules loaded = loader::load_rules(command.get<std::vector<std::string>>("paths"));
  if (has_errors(loaded.diagnostics)) {
    print_diagnostics(loaded.diagnostics, loaded.sources);
    return command.fail("the rule files do not parse; nothing written");
  }
  extract::SheetFromTargets sheet = extract::sheet_from_targets(loaded.files);
  if (!write_output(out, sheet.csv, command)) return kExitFailed;
  for (const std::string& value : sheet.left_out)
    std::fprintf(stderr, "bandwatch targets export: not in the sheet, being no indicator's value here: %s\n",
                 value.c_str());
  return sheet.left_out.empty() ? kExitOk : kExitWarnings;
}

}  // namespace

int run_targets(const Arguments& args) {
  if (!args.empty() && args.front() == "import") return run_targets_import(Arguments(args.begin() + 1, args.end()));
  if (!args.empty() && args.front() == "export") return run_targets_export(Arguments(args.begin() + 1, args.end()));
  bool help = !args.empty() && (args.front() == "--help" || args.front() == "-h");
  std::fprintf(help ? stdout : stderr,
               "usage: bandwatch targets import SHEET.csv [--out FILE.bw] [--rules PATH...]\n"
               "       bandwatch targets export PATH... [--out FILE.csv]\n"
               "Target bands kept in a spreadsheet: import turns the sheet into checked indicator blocks,\n"
               "export writes them back. `bandwatch targets import --help` for more.\n");
  return help ? kExitOk : kExitUsage;
}

}  // namespace bandwatch::cli
