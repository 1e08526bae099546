// `bandwatch verify --state-dir DIR` and `bandwatch backup --state-dir DIR FILE`: the operator's
// look at bandwatchd's state directory, safe while the daemon runs (state/state_dir.hpp).
#include <cstdio>

#include "command.hpp"
#include "commands.hpp"
#include "state/state_dir.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;

int run_verify(const Arguments& args) {
  Command command("verify", "--state-dir DIR",
                  "Verifies bandwatchd's state directory without changing it (the daemon may be running):\n"
                  "SQLite's integrity check, the sequence numbers of the event log (each once, in order,\n"
                  "meta.sequence the last), and the checkpoint against the batches and the event log.\n"
                  "Exit 0 when sound, 1 with each problem on stderr.");
  std::string state_dir;
  command.options()("state-dir,s", po::value<std::string>(&state_dir), "the daemon's --state-dir");
  if (auto stop = command.parse(args)) return *stop;
  if (state_dir.empty()) return command.usage_error("--state-dir is required");
  state::VerifyReport report = state::verify_state_dir(state_dir);
  for (const std::string& fact : report.facts) std::printf("%s\n", printable(fact).c_str());
  for (const std::string& problem : report.problems) command.fail(problem);
  if (!report.ok())
    return command.fail(std::to_string(report.problems.size()) + " problem(s) in " + state_dir);
  std::printf("%s: sound\n", printable(state_dir).c_str());
  return kExitOk;
}

int run_backup(const Arguments& args) {
  Command command("backup", "--state-dir DIR FILE",
                  "Copies bandwatchd's database to FILE (a new file) while the daemon runs, through SQLite's\n"
                  "online backup: the state after one commit, whole, verified before it is put in place.\n"
                  "To restore: stop the daemon and copy FILE to DIR/bandwatch.db.");
  std::string state_dir, out;
  command.options()("state-dir,s", po::value<std::string>(&state_dir), "the daemon's --state-dir");
  command.positional("out", 1, po::value<std::string>(&out));
  if (auto stop = command.parse(args)) return *stop;
  if (state_dir.empty()) return command.usage_error("--state-dir is required");
  if (out.empty()) return command.usage_error("give the FILE to write the backup to");
  std::string error;
  std::optional<std::string> summary = state::backup_state_dir(state_dir, out, error);
  if (!summary) return command.fail(error);
  std::printf("%s\n", printable(*summary).c_str());
  return kExitOk;
}

}  // namespace bandwatch::cli
