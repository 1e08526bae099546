// `bandwatch check FILE|DIR...`: every syntax and semantic error and warning of a program.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "command.hpp"
#include "commands.hpp"
#include "loader/rule_files.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;

int run_check(const Arguments& args) {
  po::options_description options("usage: bandwatch check [options] FILE|DIR...\n\n"
                                   "Checks rule files together as one program. Exit 0 when there\n"
                                   "are no errors (warnings allowed), 1 otherwise.\n\noptions");
  options.add_options()("help,h", "show this help")
      ("quiet,q", "print nothing when there is nothing wrong")
      ("dump-ast", "print the syntax tree of each file (for reporting parser bugs)");
  po::options_description hidden;
  hidden.add_options()("paths", po::value<std::vector<std::string>>(), "files");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("paths", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  if (vm.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  if (!vm.count("paths")) {
    std::cerr << options << "\n";
    return 2;
  }
  loader::LoadedRules loaded = loader::load_rules(vm["paths"].as<std::vector<std::string>>());
  loader::check_program(loaded);
  if (vm.count("dump-ast"))
    for (const ast::File& file : loaded.files) std::cout << "# " << file.path << "\n" << ast::dump(file);
  print_diagnostics(loaded.diagnostics, loaded.sources);
  std::size_t errors = 0, warnings = 0;
  for (const Diagnostic& d : loaded.diagnostics) {
    if (d.severity == Severity::error) ++errors;
    if (d.severity == Severity::warning) ++warnings;
  }
  if (errors || warnings || !vm.count("quiet"))
    std::fprintf(errors ? stderr : stdout, "%zu file%s checked: %zu error%s, %zu warning%s\n",
                 loaded.files.size(), loaded.files.size() == 1 ? "" : "s", errors,
                 errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
  return errors ? 1 : 0;
}

}  // namespace bandwatch::cli
