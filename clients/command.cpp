#include "command.hpp"

#include <charconv>
#include <cstdio>
#include <iostream>

#include "protocol/endpoint.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;

std::string_view exit_status_help() {
  return "exit status (every command):\n"
         "  0  done\n"
         "  1  something was refused or failed (rules with errors, a file that cannot be used, a\n"
         "     batch or request the daemon refused)\n"
         "  2  usage: the command line is wrong\n"
         "  3  the daemon did not answer after every retry, or refused this client's CURVE key\n"
         "  4  done, with warnings about the data to read on stderr (bad sample lines, rejected\n"
         "     rows: the good ones were used)\n";
}

Command::Command(std::string name, std::string synopsis, std::string description)
    : name_(std::move(name)), synopsis_(std::move(synopsis)), description_(std::move(description)),
      own_("options") {
  own_.add_options()("help,h", "show this help");
}

void Command::positional(const char* name, int max, const po::value_semantic* semantic) {
  hidden_.add_options()(name, semantic, "");
  positional_.add(name, max);
}

std::optional<int> Command::parse(const Arguments& args) {
  po::options_description all;
  all.add(own_);
  for (const po::options_description& group : groups_) all.add(group);
  all.add(hidden_);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional_).run(), values_);
    if (values_.count("help")) {
      std::cout << "usage: bandwatch " << name_ << " " << synopsis_ << "\n\n" << description_ << "\n\n" << own_;
      for (const po::options_description& group : groups_) std::cout << "\n" << group;
      std::cout << "\n" << exit_status_help();
      return kExitOk;
    }
    po::notify(values_);
  } catch (const po::error& error) {
    return usage_error(error.what());
  }
  return std::nullopt;
}

po::options_description rule_files_group(loader::CollectOptions& out) {
  po::options_description group("rule files");
  group.add_options()
      ("exclude", po::value<std::vector<std::string>>(&out.exclude)->composing(),
       "leave out of the folders searched what this pattern matches, as a line of a .bwignore file "
       "does (scratch/, *_draft.bw); repeatable");
  return group;
}

void print_files_read(const loader::LoadedRules& loaded, bool verbose) {
  if (verbose) {
    for (const ast::File& file : loaded.files) std::printf("read %s\n", file.path.c_str());
    for (const loader::SkippedPath& skipped : loaded.skipped)
      std::printf("skipped %s (%s)\n", skipped.path.c_str(), skipped.reason.c_str());
    return;
  }
  if (!loaded.skipped.empty())
    std::fprintf(stderr, "%zu path%s excluded by .bwignore or --exclude (-v lists them)\n", loaded.skipped.size(),
                 loaded.skipped.size() == 1 ? "" : "s");
}

int Command::usage_error(std::string_view message) const {
  std::cerr << "bandwatch " << name_ << ": " << printable(message) << "\nusage: bandwatch " << name_ << " " << synopsis_
            << "\n(bandwatch " << name_ << " --help describes the options)\n";
  return kExitUsage;
}

int Command::fail(std::string_view message, int status) const {
  std::cerr << "bandwatch " << name_ << ": " << printable(message) << "\n";
  return status;
}

po::typed_value<std::string>* format_choice(std::string* out, std::vector<std::string> allowed) {
  std::string words;
  for (std::size_t i = 0; i < allowed.size(); ++i)
    words += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + allowed[i];
  return po::value<std::string>(out)->notifier([allowed, words](const std::string& value) {
    for (const std::string& choice : allowed)
      if (value == choice) return;
    throw po::error("--format must be " + words + ", not '" + value + "'");
  });
}

po::typed_value<std::string>* endpoint_value(const char* option, std::string* out) {
  std::string name = option;
  return po::value<std::string>(out)->notifier([name](const std::string& endpoint) {
    if (std::optional<std::string> problem = protocol::endpoint_problem(endpoint))
      throw po::error("--" + name + ": " + *problem);
  });
}

po::typed_value<std::string>* date_value(const char* option, std::optional<Date>* out) {
  std::string name = option;
  return po::value<std::string>()->notifier([name, out](const std::string& text) {
    std::string error;
    *out = parse_date(text, &error);
    if (!*out) throw po::error("--" + name + " wants a date, 2016-09-30 or 30/09/2016: " + error);
  });
}

po::options_description connection_group(ConnectionOptions& out) {
  po::options_description group("connection");
  group.add_options()
      ("timeout", po::value<int>(&out.timeout_ms)->default_value(out.timeout_ms), "milliseconds to wait for each reply")
      ("retries", po::value<int>(&out.retries)->default_value(out.retries),
       "times to resend after a timeout before giving up (exit 3)");
  return group;
}

po::options_description curve_group(CurveOptions& out) {
  po::options_description group("CURVE (when the daemon requires it)");
  group.add_options()
      ("curve-server-key", po::value<std::string>(&out.server_key),
       "the daemon's public key file; needs --curve-secret-key")
      ("curve-secret-key", po::value<std::string>(&out.secret_key),
       "this client's key pair file (bandwatch keygen NAME writes NAME.key)");
  return group;
}

std::optional<protocol::ClientSecurity> client_security(const Command& command, const CurveOptions& curve,
                                                        const ConnectionOptions& connection) {
  if (connection.timeout_ms <= 0) {
    command.usage_error("--timeout must be positive");
    return std::nullopt;
  }
  if (connection.retries < 0) {
    command.usage_error("--retries must be 0 or more");
    return std::nullopt;
  }
  std::string error;
  auto security = protocol::load_client_security(curve.server_key, curve.secret_key, error);
  if (!security) command.usage_error(error);
  return security;
}

int exit_status_of(protocol::RequestStatus status) {
  switch (status) {
    case protocol::RequestStatus::ok: return kExitOk;
    case protocol::RequestStatus::no_reply:
    case protocol::RequestStatus::refused: return kExitNoReply;
    case protocol::RequestStatus::answered_error: return kExitFailed;
  }
  return kExitFailed;
}

void print_diagnostics(const std::vector<Diagnostic>& diagnostics,
                       const std::map<std::string, std::string>& sources) {
  for (const Diagnostic& diagnostic : diagnostics) {
    auto source = sources.find(diagnostic.file);
    std::string text = render(diagnostic, source == sources.end() ? std::string_view{} : source->second);
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
}

void print_sample_errors(const std::vector<SampleLineError>& errors) {
  for (const SampleLineError& e : errors)
    std::fprintf(stderr, "%s:%u:%zu: %s: %s\n", printable(e.file).c_str(), e.line, e.column,
                 e.warning ? "warning" : "error", printable(e.message).c_str());
}

}  // namespace bandwatch::cli
