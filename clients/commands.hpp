// The subcommands of `bandwatch`. Each is a Command (command.hpp) over the arguments after the
// subcommand name and returns the process exit status (command.hpp's table).
#pragma once

#include "command.hpp"

namespace bandwatch::cli {

int run_check(const Arguments& args);
int run_fmt(const Arguments& args);
int run_import(const Arguments& args);
int run_eval(const Arguments& args);
int run_test(const Arguments& args);
int run_report(const Arguments& args);
int run_targets(const Arguments& args);
int run_lsp(const Arguments& args);
int run_explain(const Arguments& args);

int run_send(const Arguments& args);
int run_watch(const Arguments& args);
int run_snapshot(const Arguments& args);
int run_ack(const Arguments& args);
int run_silence(const Arguments& args);
int run_status(const Arguments& args);
int run_keygen(const Arguments& args);
int run_passwd(const Arguments& args);
int run_reload(const Arguments& args);
int run_close(const Arguments& args);
int run_withdraw(const Arguments& args);
int run_verify(const Arguments& args);
int run_backup(const Arguments& args);
int run_notify(const Arguments& args);
}  // namespace bandwatch::cli
