// `bandwatch send --to EP [--as-of DATE] [--strict] FILE...`: sends sample files to bandwatchd,
// one batch per as-of date in date order, with the ZeroMQ guide's Lazy Pirate pattern: wait for
// each answer up to --timeout, resend on a fresh socket up to --retries times, then give up with
// a clear error and exit 3. Batch ids come from the content, so sending a file twice is harmless.
#include <cstdio>
#include <iostream>
#include <iterator>

#include <boost/program_options.hpp>

#include "commands.hpp"
#include "daemon_common.hpp"
#include "loader/rule_files.hpp"
#include "protocol/protocol.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;

int run_send(const Arguments& args) {
  SendOptions options;
  options.endpoint = std::string(protocol::kDefaultIngest);
  std::string as_of, format = "text";
  po::options_description described("Options");
  described.add_options()
      ("help,h", "print this help")
      ("to", po::value<std::string>(&options.endpoint)->default_value(options.endpoint),
       "the daemon's ingest endpoint")
      ("as-of", po::value<std::string>(&as_of), "date for lines without one (YYYY-MM-DD)")
      ("strict", po::bool_switch(&options.strict), "a batch with any bad line is refused whole")
      ("format", po::value<std::string>(&format)->default_value(format), "text or json (one object per batch)")
      ("quiet,q", po::bool_switch(&options.quiet), "print errors only");
  add_connection_options(described, options.connection);
  po::options_description hidden;
  hidden.add_options()("files", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(described).add(hidden);
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  const char* usage = "usage: bandwatch send [--to EP] [--as-of DATE] [--strict] FILE...  (- for stdin)\n";
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& error) {
    std::fprintf(stderr, "bandwatch send: %s\n%s", error.what(), usage);
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << usage << "\n" << described << "\nExit status: 0 all applied; 1 lines or batches refused; "
              << "2 usage; 3 no answer from the daemon.\n";
    return kExitOk;
  }
  if (!vm.count("files")) {
    std::fprintf(stderr, "bandwatch send: no sample files given\n%s", usage);
    return kExitUsage;
  }
  if (!as_of.empty()) {
    options.as_of = parse_iso_date(as_of);
    if (!options.as_of) {
      std::fprintf(stderr, "bandwatch send: --as-of must be a date, YYYY-MM-DD: '%s'\n", as_of.c_str());
      return kExitUsage;
    }
  }
  if (format != "text" && format != "json") {
    std::fprintf(stderr, "bandwatch send: --format must be text or json\n");
    return kExitUsage;
  }
  options.json = format == "json";
  std::vector<SampleSource> sources;
  for (const std::string& path : vm["files"].as<std::vector<std::string>>()) {
    SampleSource source{path, {}};
    if (path == "-") {
      source.name = "<stdin>";
      source.text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else if (!loader::read_file(path, source.text)) {
      std::fprintf(stderr, "bandwatch send: %s: cannot read\n", path.c_str());
      return kExitUsage;
    }
    sources.push_back(std::move(source));
  }
  return send_samples(sources, options, "send");
}

}  // namespace bandwatch::cli
