// The small framework every `bandwatch` subcommand is written in: one exit-code table, a Command
// over Boost.Program_options (--help, usage errors that exit 2), the option groups the daemon
// commands share (connection, CURVE), the one parser of dates a person types, and printing of
// diagnostics and bad sample lines.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "clients/sample_files.hpp"
#include "loader/rule_files.hpp"
#include "protocol/client.hpp"
#include "rules/calendar.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::cli {

using Arguments = std::vector<std::string>;

// ---- exit status: one table for every command ----------------------------------------------

inline constexpr int kExitOk = 0;        // done
inline constexpr int kExitFailed = 1;    // something was refused or failed
inline constexpr int kExitUsage = 2;     // the command line is wrong
inline constexpr int kExitNoReply = 3;   // the daemon did not answer (or refused our CURVE key)
inline constexpr int kExitWarnings = 4;  // done, with warnings about the data the user must read

/// The table above in words, as `bandwatch --help` and every command's --help print it.
std::string_view exit_status_help();

// ---- a command -------------------------------------------------------------------------------

/// One subcommand's command line. Declare the options, parse, then read the values:
///
///     Command command("eval", "--rules PATH... --samples FILE... [options]", "Replays ...");
///     command.options()("timing", "print timings to stderr");
///     if (auto stop = command.parse(args)) return *stop;
///     bool timing = command.has("timing");
///
/// A bad command line (an unknown option, a bad value, a missing argument) is reported as
/// "bandwatch NAME: what is wrong" with the usage line, and parse() returns kExitUsage.
class Command {
 public:
  Command(std::string name, std::string synopsis, std::string description);

  /// Adds options to the command's own group (listed first by --help).
  boost::program_options::options_description_easy_init options() { return own_.add_options(); }
  /// Adds a shared group (connection_group, curve_group) to --help and to parsing.
  void add(const boost::program_options::options_description& group) { groups_.push_back(group); }
  /// Arguments without an option name (FILE...), stored as option `name`: at most `max` of them,
  /// -1 for any number. Not listed among the options; name them in the synopsis.
  void positional(const char* name, int max, const boost::program_options::value_semantic* semantic);

  /// Parses `args`. nullopt: carry on. Otherwise the exit status to stop with: kExitOk after
  /// printing --help, kExitUsage after printing what is wrong.
  std::optional<int> parse(const Arguments& args);

  bool has(const char* option) const { return values_.count(option) > 0; }
  template <typename T>
  const T& get(const char* option) const { return values_[option].as<T>(); }

  /// Prints "bandwatch NAME: message" (printable()) and the usage line to stderr; returns kExitUsage.
  int usage_error(std::string_view message) const;
  /// Prints "bandwatch NAME: message" (printable(): it may quote the data) to stderr; returns `status`.
  int fail(std::string_view message, int status = kExitFailed) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_, synopsis_, description_;
  boost::program_options::options_description own_;
  std::vector<boost::program_options::options_description> groups_;
  boost::program_options::options_description hidden_;
  boost::program_options::positional_options_description positional_;
  boost::program_options::variables_map values_;
};

/// --format's value, which must be one of `allowed` (a usage error "--format must be text, json
/// or summary, not 'xml'" otherwise).
boost::program_options::typed_value<std::string>* format_choice(std::string* out, std::vector<std::string> allowed);

/// An endpoint option (`option` is its name: "to", "control"...), checked by
/// protocol/endpoint.hpp's endpoint_problem; a bad one is a usage error naming why.
boost::program_options::typed_value<std::string>* endpoint_value(const char* option, std::string* out);

/// A date option (`option` is its name: "as-of", "since", "review"...), read by
/// rules/calendar.hpp's parse_date (2020-02-04 or 04/02/2020); a date that is not one is a usage
/// error naming why.
boost::program_options::typed_value<std::string>* date_value(const char* option, std::optional<Date>* out);


// ---- rule files ------------------------------------------------------------------------------

/// --exclude PATTERN (repeatable): what a search of the folders given leaves out, as a
/// `.bwignore` line would (loader/rule_files.hpp).
boost::program_options::options_description rule_files_group(loader::CollectOptions& out);

/// Says which files a search passed over: with `verbose`, each file read and each path skipped
/// with why, to stdout; otherwise one line to stderr when something was skipped.
void print_files_read(const loader::LoadedRules& loaded, bool verbose);

// ---- the daemon commands' shared groups ----------------------------------------------------

/// --timeout, --retries: the Lazy Pirate client's patience.
struct ConnectionOptions {
  int timeout_ms = 3000;
  int retries = 3;
};
boost::program_options::options_description connection_group(ConnectionOptions& out);

/// --curve-server-key, --curve-secret-key: CURVE to a daemon that requires it.
struct CurveOptions {
  std::string server_key;
  std::string secret_key;
};
boost::program_options::options_description curve_group(CurveOptions& out);

/// The client's security from the CURVE files, checked with the connection options; nullopt
/// after printing why (a usage error: kExitUsage).
std::optional<protocol::ClientSecurity> client_security(const Command& command, const CurveOptions& curve,
                                                        const ConnectionOptions& connection);

/// The exit status for a request that got no answer: kExitNoReply (no reply, or CURVE refused),
/// kExitFailed (the daemon answered with an error).
int exit_status_of(protocol::RequestStatus status);

// ---- printing ------------------------------------------------------------------------------

/// Prints diagnostics GCC style to stderr, each with its source line and caret; `sources` maps
/// a file path to its text.
void print_diagnostics(const std::vector<Diagnostic>& diagnostics,
                       const std::map<std::string, std::string>& sources);

/// Prints bad sample lines to stderr as `file:line:col: error: message`.
void print_sample_errors(const std::vector<SampleLineError>& errors);

}  // namespace bandwatch::cli
