#include "protocol/accounts.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace bandwatch::protocol {

using nlohmann::json;

std::string_view to_string(Role role) {
  switch (role) {
    case Role::none: return "none";
    case Role::viewer: return "viewer";
    case Role::member: return "member";
    case Role::chair: return "chair";
  }
  return "none";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "viewer") return Role::viewer;
  if (text == "member") return Role::member;
  if (text == "chair") return Role::chair;
  return std::nullopt;
}

Role Account::role(const std::string& route) const {
  if (auto it = roles.find(route); it != roles.end()) return it->second;
  if (auto it = roles.find("*"); it != roles.end()) return it->second;
  return Role::none;
}

std::optional<std::string> user_name_problem(std::string_view user) {
  if (user.empty()) return "a user name cannot be empty";
  if (user.size() > 64) return "a user name has at most 64 bytes";
  for (unsigned char c : user)
    if (c <= ' ' || c == 0x7f || c == ':' || c == '/')
      return "a user name cannot hold spaces, control characters, ':' or '/'";
  return std::nullopt;
}

std::optional<Accounts> read_accounts(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot read the accounts file (" + std::strerror(errno) +
            "); `bandwatch passwd USER --accounts " + path + "` makes it";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  json file = json::parse(text.str(), nullptr, false);
  auto bad = [&](const std::string& why) {
    error = path + ": " + why;
    return std::nullopt;
  };
  if (!file.is_object() || !file.contains("accounts") || !file["accounts"].is_object())
    return bad("not an accounts file: expected {\"accounts\": {USER: {\"hash\": ..., \"roles\": {...}}}}");
  Accounts accounts;
  for (const auto& [user, entry] : file["accounts"].items()) {
    if (auto problem = user_name_problem(user)) return bad("account '" + user + "': " + *problem);
    if (!entry.is_object()) return bad("account '" + user + "' is not an object");
    Account account;
    if (entry.contains("hash") && !entry["hash"].is_null()) {
      if (!entry["hash"].is_string()) return bad("account '" + user + "': \"hash\" must be a string");
      account.hash = entry["hash"].get<std::string>();
    }
    if (!account.hash.empty() && account.hash.rfind("$argon2id$", 0) != 0)
      return bad("account '" + user + "': the hash is not an Argon2id hash (set it with bandwatch passwd)");
    account.name = entry.contains("name") && entry["name"].is_string() ? entry["name"].get<std::string>() : user;
    if (account.name.empty()) account.name = user;
    if (entry.contains("roles")) {
      if (!entry["roles"].is_object()) return bad("account '" + user + "': \"roles\" must be an object of route: role");
      for (const auto& [route, role] : entry["roles"].items()) {
        std::optional<Role> parsed = role.is_string() ? parse_role(role.get<std::string>()) : std::nullopt;
        if (!parsed)
          return bad("account '" + user + "': the role on '" + route + "' must be viewer, member or chair, not " +
                     role.dump());
        account.roles[route] = *parsed;
      }
    }
    accounts.emplace(user, std::move(account));
  }
  return accounts;
}

bool write_accounts(const std::string& path, const Accounts& accounts, std::string& error) {
  json list = json::object();
  for (const auto& [user, account] : accounts) {
    json roles = json::object();
    for (const auto& [route, role] : account.roles) roles[route] = std::string(to_string(role));
    list[user] = {{"name", account.name}, {"hash", account.hash.empty() ? json(nullptr) : json(account.hash)}, {"roles", roles}};
  }
  std::string text = json{{"accounts", list}}.dump(2) + "\n";
  std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = temporary + ": cannot write (" + std::strerror(errno) + ")";
    return false;
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) {
    error = path + ": cannot write (" + std::strerror(ok ? errno : saved) + ")";
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

std::string hash_password(std::string_view password) {
  if (sodium_init() < 0) return {};
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return {};
  return out;
}

bool verify_password(const std::string& hash, std::string_view password) {
  if (hash.empty() || sodium_init() < 0) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace bandwatch::protocol
