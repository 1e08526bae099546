// `bandwatch`: the command rule authors, the data team and the meetings use.
#include <cstdio>
#include <exception>
#include <string_view>

#include "command.hpp"
#include "commands.hpp"

namespace {

struct Command {
  std::string_view name;
  int (*run)(const bandwatch::cli::Arguments&);
  std::string_view summary;
};

// Keep in the order a new user meets them.
constexpr Command kCommands[] = {
    {"check", bandwatch::cli::run_check, "check rule files: errors, warnings, band coverage"},
    {"fmt", bandwatch::cli::run_fmt, "format rule files in the canonical layout"},
    {"import", bandwatch::cli::run_import, "turn CSV lists into samples through extract blocks"},
    {"targets", bandwatch::cli::run_targets, "target bands kept in a spreadsheet: import a sheet as indicator blocks, export them"},
    {"test", bandwatch::cli::run_test, "run the rule tests (`test` blocks) of rule files"},
    {"eval", bandwatch::cli::run_eval, "replay sample files through the rules: RAG table and alerts"},
    {"explain", bandwatch::cli::run_explain, "why one series of a rule or indicator is in its state at a date"},
    {"report", bandwatch::cli::run_report, "the meeting pack: agenda per forum and RAG tables (HTML, Markdown, PDF)"},
    {"lsp", bandwatch::cli::run_lsp, "the language server editors start: diagnostics, hover, completion, formatting"},
    {"send", bandwatch::cli::run_send, "send sample files to bandwatchd (acknowledged, retried, idempotent)"},
    {"watch", bandwatch::cli::run_watch, "follow the alerts feed: snapshot, then events as they happen"},
    {"snapshot", bandwatch::cli::run_snapshot, "the open alerts held by bandwatchd"},
    {"ack", bandwatch::cli::run_ack, "acknowledge an alert: who, a note, a review date"},
    {"silence", bandwatch::cli::run_silence, "keep matching alerts from being published until a date"},
    {"status", bandwatch::cli::run_status, "what bandwatchd holds: rules, series, alerts, last batch"},
    {"keygen", bandwatch::cli::run_keygen, "write a CURVE key pair for bandwatchd or a client"},
    {"passwd", bandwatch::cli::run_passwd, "set a person's password and roles for the live board (bandwatchd --http)"},
    {"reload", bandwatch::cli::run_reload, "reload bandwatchd's rules now (kept as they are if the new ones have errors)"},
    {"close", bandwatch::cli::run_close, "close the open date now: its alerts are decided and published"},
    {"withdraw", bandwatch::cli::run_withdraw, "undo a wrong batch (a mistyped date): state rebuilt without it, audited"},
    {"verify", bandwatch::cli::run_verify, "verify bandwatchd's state directory: integrity, sequence numbers, checkpoint"},
    {"backup", bandwatch::cli::run_backup, "back bandwatchd's database up to a file while it runs"},
    {"notify", bandwatch::cli::run_notify, "send a route's digest to its members now (mail, Teams)"},
};

void print_usage(std::FILE* out) {
  std::fprintf(out, "usage: bandwatch <command> [options]\n\ncommands:\n");
  for (const Command& command : kCommands)
    std::fprintf(out, "  %-10s %.*s\n", std::string(command.name).c_str(),
                 static_cast<int>(command.summary.size()), command.summary.data());
  std::fprintf(out, "\n`bandwatch <command> --help` describes each command's options.\n\n%.*s",
               static_cast<int>(bandwatch::cli::exit_status_help().size()), bandwatch::cli::exit_status_help().data());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return bandwatch::cli::kExitUsage;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return bandwatch::cli::kExitOk;
  }
  for (const Command& command : kCommands) {
    if (command.name != name) continue;
    try {
      return command.run(bandwatch::cli::Arguments(argv + 2, argv + argc));
    } catch (const std::exception& error) {
      // Usage errors are the command's to report (exit 2); anything thrown here is a failure.
      std::fprintf(stderr, "bandwatch %s: %s\n", argv[1], error.what());
      return bandwatch::cli::kExitFailed;
    }
  }
  std::fprintf(stderr, "bandwatch: unknown command '%s'\n\n", argv[1]);
  print_usage(stderr);
  return bandwatch::cli::kExitUsage;
}
