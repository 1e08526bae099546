// `bandwatch passwd USER [--accounts FILE] [--name NAME] [--role ROUTE=ROLE ...] [--no-password]
// [--remove]`: sets a person's password (read from the terminal without echo, twice, or the first
// line of stdin when it is not a terminal), the name their acknowledgements carry, and their roles
// on the live board's forums (docs/board.md). The file holds Argon2id hashes only.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "command.hpp"
#include "commands.hpp"
#include "protocol/accounts.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;

namespace {

/// One line from stdin; without echo when it is a terminal (the prompt on stderr).
std::optional<std::string> read_secret(const char* prompt) {
  bool terminal = ::isatty(STDIN_FILENO);
  termios saved{};
  if (terminal) {
    std::fprintf(stderr, "%s", prompt);
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (terminal) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

int run_passwd(const Arguments& args) {
  std::string accounts_file = "accounts.json";
  std::string name;
  std::vector<std::string> roles;
  bool no_password = false, remove = false;
  Command command("passwd", "USER [--accounts FILE] [--name NAME] [--role ROUTE=ROLE ...] [--no-password | --remove]",
                  "Sets USER's password for bandwatchd's live board (read without echo, twice, from the terminal,\n"
                  "or the first line of stdin), the name their acknowledgements carry and their role per forum:\n"
                  "viewer (reads), member (also acknowledges, notes, review dates), chair (also silences). A role\n"
                  "for ROUTE * holds on every forum without its own. The file keeps Argon2id hashes (mode 0600);\n"
                  "bandwatchd --http-accounts FILE reads it again when it changes.");
  command.options()("accounts", po::value<std::string>(&accounts_file)->default_value(accounts_file), "the accounts file")(
      "name", po::value<std::string>(&name), "the person's name as acknowledgements show it (default: USER, or as before)")(
      "role", po::value<std::vector<std::string>>(&roles)->multitoken(),
      "ROUTE=ROLE (viewer, member, chair, or none to take a role away); repeat or list several")(
      "no-password", po::bool_switch(&no_password),
      "keep or set only the name and roles (a user the trusted proxy signs in); no password")(
      "remove", po::bool_switch(&remove), "remove USER from the file");
  command.positional("user", 1, po::value<std::string>());
  if (auto stop = command.parse(args)) return *stop;
  if (!command.has("user")) return command.usage_error("give the USER whose password to set");
  std::string user = command.get<std::string>("user");
  if (auto problem = protocol::user_name_problem(user)) return command.usage_error(*problem);

  std::string error;
  protocol::Accounts accounts;
  if (std::filesystem::exists(accounts_file)) {
    std::optional<protocol::Accounts> read = protocol::read_accounts(accounts_file, error);
    if (!read) return command.fail(error);
    accounts = std::move(*read);
  }
  if (remove) {
    if (!accounts.erase(user)) return command.fail(accounts_file + ": has no account '" + user + "'");
    if (!protocol::write_accounts(accounts_file, accounts, error)) return command.fail(error);
    std::printf("removed %s from %s\n", user.c_str(), accounts_file.c_str());
    return kExitOk;
  }
  protocol::Account& account = accounts[user];
  for (const std::string& given : roles) {
    std::size_t equals = given.find('=');
    if (equals == std::string::npos || equals == 0)
      return command.usage_error("--role " + given + ": expected ROUTE=ROLE (workload_pressures=chair, *=viewer)");
    std::string route = given.substr(0, equals), role = given.substr(equals + 1);
    if (role == "none") {
      account.roles.erase(route);
    } else if (std::optional<protocol::Role> parsed = protocol::parse_role(role)) {
      account.roles[route] = *parsed;
    } else {
      return command.usage_error("--role " + given + ": the role must be viewer, member, chair or none");
    }
  }
  if (!name.empty()) account.name = name;
  if (account.name.empty()) account.name = user;
  if (!no_password) {
    std::optional<std::string> password = read_secret("New password: ");
    if (!password || password->empty()) return command.fail("no password given (nothing changed)");
    if (password->size() < 8) return command.fail("a password needs at least 8 characters (nothing changed)");
    if (::isatty(STDIN_FILENO)) {
      std::optional<std::string> again = read_secret("Again: ");
      if (!again || *again != *password) return command.fail("the two passwords differ (nothing changed)");
    }
    account.hash = protocol::hash_password(*password);
    if (account.hash.empty()) return command.fail("cannot hash the password (out of memory?)");
  }
  if (!protocol::write_accounts(accounts_file, accounts, error)) return command.fail(error);
  std::string listed;
  for (const auto& [route, role] : account.roles)
    listed += (listed.empty() ? "" : ", ") + route + "=" + std::string(protocol::to_string(role));
  std::printf("%s: %s (%s)%s, roles: %s\n", accounts_file.c_str(), user.c_str(), account.name.c_str(),
              account.hash.empty() ? ", no password" : "", listed.empty() ? "none" : listed.c_str());
  return kExitOk;
}

}  // namespace bandwatch::cli
