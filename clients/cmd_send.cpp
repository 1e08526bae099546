// `bandwatch send --to EP [--as-of DATE] [--strict] FILE...`: sends sample files to bandwatchd,
// one batch per as-of date in date order, with the ZeroMQ guide's Lazy Pirate pattern: wait for
// each answer up to --timeout, resend on a fresh socket up to --retries times, then give up with
// a clear error and exit 3. Batch ids come from the content, so sending a file twice is harmless.
#include <iostream>
#include <iterator>

#include "command.hpp"
#include "commands.hpp"
#include "daemon_common.hpp"
#include "loader/rule_files.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;

int run_send(const Arguments& args) {
  SendOptions options;
  options.endpoint = std::string(protocol::kDefaultIngest);
  std::string format = "text";
  Command command("send", "[--to EP] [--as-of DATE] [--strict] [--close] FILE...  (- for standard input)",
                  "Sends sample files to bandwatchd in acknowledged batches by as-of date, in date order.\n"
                  "A line the daemon refuses or doubts is reported as file:line:col and the good lines are\n"
                  "applied (exit 4); with --strict a batch with a bad line is refused whole (exit 1).\n"
                  "A date's batches add up until the date closes: --close closes the last date sent, so\n"
                  "its alerts are decided now; a batch for a later date closes the earlier ones.");
  command.options()
      ("to", endpoint_value("to", &options.endpoint)->default_value(options.endpoint), "the daemon's ingest endpoint")
      ("as-of", date_value("as-of", &options.as_of), "date for lines without one (2020-02-04 or 04/02/2020)")
      ("strict", po::bool_switch(&options.strict), "a batch with any bad line is refused whole")
      ("close", po::bool_switch(&options.close),
       "close the last date once sent: its alerts are decided now (without it the date stays open for "
       "other batches of that date, until a later date, `bandwatch close`, or the daemon's --close-after)")
      ("format", format_choice(&format, {"text", "json"})->default_value(format), "text or json (one object per batch)")
      ("batch-lines", po::value<std::size_t>(&options.batch_lines)->default_value(options.batch_lines),
       "most lines in one batch: a date with more is sent as several (they add up until it closes); "
       "with --strict, each batch is refused or applied whole")
      ("quiet,q", po::bool_switch(&options.quiet), "print errors only");
  command.add(connection_group(options.connection));
  command.add(curve_group(options.curve));
  command.positional("files", -1, po::value<std::vector<std::string>>());
  if (auto stop = command.parse(args)) return *stop;
  if (!command.has("files")) return command.usage_error("no sample files given");
  options.json = format == "json";
  if (options.batch_lines == 0) return command.usage_error("--batch-lines must be positive");

  std::vector<SampleSource> sources;
  for (const std::string& path : command.get<std::vector<std::string>>("files")) {
    SampleSource source{path, {}};
    if (path == "-") {
      source.name = "<stdin>";
      source.text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else if (!loader::read_file(path, source.text)) {
      return command.fail(path + ": cannot read");
    }
    sources.push_back(std::move(source));
  }
  return send_samples(command, sources, options);
}

}  // namespace bandwatch::cli
