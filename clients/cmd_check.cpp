// `bandwatch check FILE|DIR...`: every syntax and semantic error and warning of a program.
#include <cstdio>
#include <iostream>

#include "command.hpp"
#include "commands.hpp"
#include "loader/rule_files.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;

int run_check(const Arguments& args) {
  Command command("check", "[options] FILE|DIR...",
                  "Checks rule files together as one program: errors as file:line:col with a caret, band\n"
                  "gap and overlap warnings. Exit 0 when there are no errors (warnings allowed), 1 otherwise.");
  command.options()
      ("quiet,q", "print nothing when there is nothing wrong")
      ("verbose,v", "list the files read, and those a folder's search left out and why")
      ("dump-ast", "print the syntax tree of each file (for reporting parser bugs)");
  loader::CollectOptions collect;
  command.add(rule_files_group(collect));
  command.positional("paths", -1, po::value<std::vector<std::string>>());
  if (auto stop = command.parse(args)) return *stop;
  if (!command.has("paths")) return command.usage_error("no rule files given");
  std::vector<std::string> paths = command.get<std::vector<std::string>>("paths");
  loader::LoadedRules loaded = loader::load_rules(paths, collect);
  loader::check_program(loaded);
  if (!command.has("quiet") || command.has("verbose")) print_files_read(loaded, command.has("verbose"));
  if (command.has("dump-ast"))
    for (const ast::File& file : loaded.files) std::cout << "# " << file.path << "\n" << ast::dump(file);
  print_diagnostics(loaded.diagnostics, loaded.sources);
  std::size_t errors = 0, warnings = 0;
  for (const Diagnostic& d : loaded.diagnostics) {
    if (d.severity == Severity::error) ++errors;
    if (d.severity == Severity::warning) ++warnings;
  }
  if (errors || warnings || !command.has("quiet"))
    std::fprintf(errors ? stderr : stdout, "%zu file%s checked: %zu error%s, %zu warning%s\n",
                 loaded.files.size(), loaded.files.size() == 1 ? "" : "s", errors,
                 errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
  return errors ? kExitFailed : kExitOk;
}

}  // namespace bandwatch::cli
