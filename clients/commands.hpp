// The subcommands of `bandwatch`. Each parses its own options (Boost.Program_options) from the
// arguments after the subcommand name and returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace bandwatch::cli {

using Arguments = std::vector<std::string>;

int run_check(const Arguments& args);
int run_fmt(const Arguments& args);
int run_import(const Arguments& args);
int run_eval(const Arguments& args);
int run_test(const Arguments& args);
int run_report(const Arguments& args);

int run_send(const Arguments& args);
int run_watch(const Arguments& args);
int run_snapshot(const Arguments& args);
int run_ack(const Arguments& args);
int run_silence(const Arguments& args);
int run_status(const Arguments& args);
int run_keygen(const Arguments& args);
int run_reload(const Arguments& args);
}  // namespace bandwatch::cli
