#include "board_auth.hpp"

#include <sodium.h>

#include <algorithm>

namespace bandwatch::daemon::http {

namespace fs = std::filesystem;
using protocol::Role;

namespace {

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  hex.pop_back();
  return hex;
}

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string cookie_value(std::string_view header, std::string_view name) {
  std::size_t at = 0;
  while (at < header.size()) {
    std::size_t end = header.find(';', at);
    if (end == std::string_view::npos) end = header.size();
    std::string_view part = header.substr(at, end - at);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    at = end + 1;
  }
  return {};
}

BoardAuth::BoardAuth(const BoardOptions& options, std::shared_ptr<spdlog::logger> log)
    : options_(options), log_(std::move(log)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
  key_.resize(crypto_auth_KEYBYTES);
  randombytes_buf(key_.data(), key_.size());
}

bool BoardAuth::load(std::string& error) {
  if (options_.accounts_file.empty()) return true;
  std::optional<protocol::Accounts> accounts = protocol::read_accounts(options_.accounts_file, error);
  if (!accounts) return false;
  accounts_ = std::move(*accounts);
  std::error_code ignored;
  accounts_time_ = fs::last_write_time(options_.accounts_file, ignored);
  return true;
}

void BoardAuth::reload_if_changed() {
  if (options_.accounts_file.empty()) return;
  std::error_code failed;
  auto time = fs::last_write_time(options_.accounts_file, failed);
  if (failed || time == accounts_time_) return;
  std::string error;
  if (load(error)) log_->info("board: accounts read again from {} ({} account(s))", options_.accounts_file, accounts_.size());
  else {
    accounts_time_ = time;  // not again until it changes again
    log_->error("board: {}; the accounts read before stay in force", error);
  }
}

Identity BoardAuth::identify(std::string_view cookie_header, std::string_view proxy_user, std::string_view forwarded_proto,
                             const boost::asio::ip::address& peer) {
  reload_if_changed();
  Identity who;
  std::string address = peer.is_v6() && peer.to_v6().is_v4_mapped()
                            ? boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, peer.to_v6()).to_string()
                            : peer.to_string();
  bool from_proxy = std::find(options_.trusted_proxies.begin(), options_.trusted_proxies.end(), address) !=
                    options_.trusted_proxies.end();
  who.loopback = peer.is_loopback() && !from_proxy;
  if (from_proxy) who.https = forwarded_proto == "https";
  if (from_proxy && !options_.trusted_header.empty() && !proxy_user.empty()) {
    who.user = std::string(proxy_user);
    who.by_proxy = true;
    if (auto account = accounts_.find(who.user); account != accounts_.end()) {
      who.name = account->second.name;
      who.roles = account->second.roles;
    } else {
      who.name = who.user;
      who.roles["*"] = options_.proxy_role;
    }
    return who;
  }
  std::string token = cookie_value(cookie_header, "bw_session");
  if (token.empty()) return who;
  auto session = sessions_.find(token);
  if (session == sessions_.end()) return who;
  if (session->second.expires < std::chrono::steady_clock::now()) {
    sessions_.erase(session);
    return who;
  }
  auto account = accounts_.find(session->second.user);
  if (account == accounts_.end() || account->second.hash.empty()) {  // removed from the file since
    sessions_.erase(session);
    return who;
  }
  who.user = session->second.user;
  who.name = account->second.name;
  who.roles = account->second.roles;
  who.session = token;
  return who;
}

Role BoardAuth::role(const Identity& who, const std::string& route) const {
  Role role = Role::none;
  if (!who.user.empty()) {
    if (auto it = who.roles.find(route); it != who.roles.end()) role = it->second;
    else if (auto any = who.roles.find("*"); any != who.roles.end()) role = any->second;
  }
  if (role == Role::none && (who.loopback || options_.insecure_public)) role = Role::viewer;
  return role;
}

bool BoardAuth::may_view(const Identity& who) const {
  if (who.loopback || options_.insecure_public) return true;
  if (who.user.empty()) return false;
  return std::any_of(who.roles.begin(), who.roles.end(), [](const auto& r) { return r.second != Role::none; });
}

std::string BoardAuth::mac(std::string_view text) const {
  unsigned char out[crypto_auth_BYTES];
  crypto_auth(out, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
              reinterpret_cast<const unsigned char*>(key_.data()));
  char hex[crypto_auth_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

std::string BoardAuth::csrf_for(const Identity& who) const {
  if (!who.session.empty()) return mac("session:" + who.session);
  if (who.by_proxy) return mac("proxy:" + who.user);
  return {};
}

bool BoardAuth::check_csrf(const Identity& who, std::string_view token) const {
  std::string expected = csrf_for(who);
  return !expected.empty() && same(expected, token);
}

std::string BoardAuth::cookie_attributes(bool https) const {
  return std::string("; Path=/; HttpOnly; SameSite=Strict") + (https || options_.secure_cookies ? "; Secure" : "");
}

std::string BoardAuth::signin_csrf(std::string_view cookie_header, std::string& set_cookie) const {
  std::string pre = cookie_value(cookie_header, "bw_pre");
  if (pre.size() != 32) {
    pre = random_hex(16);
    set_cookie = "bw_pre=" + pre + cookie_attributes(false);
  }
  return mac("signin:" + pre);
}

bool BoardAuth::check_signin_csrf(std::string_view cookie_header, std::string_view token) const {
  std::string pre = cookie_value(cookie_header, "bw_pre");
  return pre.size() == 32 && same(mac("signin:" + pre), token);
}

std::optional<std::string> BoardAuth::sign_in(const std::string& user, const std::string& password, bool https,
                                              std::string& error) {
  reload_if_changed();
  auto account = accounts_.find(user);
  // The hash is checked even for an unknown user, so the time taken does not tell which.
  static const std::string kDummy = protocol::hash_password("not a password of anyone");
  bool ok = account != accounts_.end() && !account->second.hash.empty()
                ? protocol::verify_password(account->second.hash, password)
                : (protocol::verify_password(kDummy, password + "\x01"), false);
  if (!ok) {
    error = "The user name or password is not right.";
    log_->warn("board: sign-in refused for '{}'", user.substr(0, 64));
    return std::nullopt;
  }
  auto now = std::chrono::steady_clock::now();
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = it->second.expires < now ? sessions_.erase(it) : std::next(it);
  if (sessions_.size() >= options_.max_sessions) {
    // The oldest session goes: a flood of sign-ins cannot grow the table without bound.
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(),
                                   [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
    sessions_.erase(oldest);
  }
  std::string token = random_hex(32);
  sessions_[token] = {user, now + options_.session_lifetime};
  log_->info("board: {} signed in", user);
  return "bw_session=" + token + cookie_attributes(https) +
         "; Max-Age=" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.session_lifetime).count());
}

std::string BoardAuth::sign_out(const Identity& who) {
  if (!who.session.empty()) {
    sessions_.erase(who.session);
    log_->info("board: {} signed out", who.user);
  }
  return "bw_session=" + cookie_attributes(who.https) + "; Max-Age=0";
}

}  // namespace bandwatch::daemon::http
