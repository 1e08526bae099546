#include "rules/route_members.hpp"

#include <cctype>

namespace bandwatch {

namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// RFC 5322's atext, without the characters that mean something to a shell or a mail client
// when an address is copied about ('`', '|', '{', '}' are legal but never seen in council mail).
bool local_char(char c) { return is_alnum(c) || std::string_view("!#$%&'*+-/=?^_~.").find(c) != std::string_view::npos; }

/// A host name: labels of letters, digits and '-' (not at either end of a label), 1 to 63
/// characters each, separated by dots.
bool host_name(std::string_view host, bool need_dot) {
  if (host.empty() || host.size() > 253) return false;
  bool dotted = false;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!is_alnum(c) && c != '-') return false;
    if (dot == std::string_view::npos) break;
    dotted = true;
    start = dot + 1;
  }
  return dotted || !need_dot;
}

std::optional<std::string> forbidden_character(std::string_view text, const std::string& what) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return what + std::string(" has a control character (a newline or tab?)");
    if (c == ' ') return what + std::string(" has a space");
    if (c == '"' || c == '<' || c == '>' || c == ',' || c == ';' || c == '\\')
      return what + std::string(" has '") + c + "': write one address alone, without a name or <>";
    if (byte >= 0x80) return what + std::string(" has a character outside ASCII");
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> mail_address_problem(std::string_view address) {
  std::string quoted = "'" + std::string(address) + "'";
  if (address.empty()) return std::string("an empty mail address");
  if (address.size() > 254) return quoted + " is longer than a mail address can be (254 characters)";
  if (auto bad = forbidden_character(address, quoted)) return bad;
  std::size_t at = address.rfind('@');
  if (at == std::string_view::npos) return quoted + " is not a mail address: it has no '@'";
  std::string_view local = address.substr(0, at), domain = address.substr(at + 1);
  if (local.find('@') != std::string_view::npos) return quoted + " is not a mail address: it has more than one '@'";
  if (local.empty()) return quoted + " is not a mail address: nothing before the '@'";
  if (local.size() > 64) return quoted + " is not a mail address: the part before '@' is over 64 characters";
  for (char c : local)
    if (!local_char(c)) return quoted + " is not a mail address: '" + std::string(1, c) + "' before the '@'";
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    return quoted + " is not a mail address: a '.' at the start or end of the name, or two together";
  if (domain.empty()) return quoted + " is not a mail address: nothing after the '@'";
  if (!host_name(domain, true))
    return quoted + " is not a mail address: '" + std::string(domain) +
           "' is not a domain name (such as council.gov.uk)";
  return std::nullopt;
}

std::optional<std::string> webhook_url_problem(std::string_view url) {
  std::string quoted = "'" + std::string(url) + "'";
  if (auto bad = forbidden_character(url, quoted)) return bad;
  constexpr std::string_view kHttps = "https://", kHttp = "http://";
  bool secure = url.substr(0, kHttps.size()) == kHttps;
  if (!secure && url.substr(0, kHttp.size()) != kHttp)
    return quoted + " is not a webhook URL: it must start with https://";
  std::string_view rest = url.substr(secure ? kHttps.size() : kHttp.size());
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos)
    return quoted + " is not a webhook URL: it has a user name or password before the host";
  std::string_view host = authority;
  bool bracketed = !host.empty() && host.front() == '[';
  std::size_t port_colon = bracketed ? host.find("]:") : host.rfind(':');
  if (port_colon != std::string_view::npos) {
    std::string_view port = host.substr(port_colon + (bracketed ? 2 : 1));
    if (port.empty() || port.size() > 5) return quoted + " is not a webhook URL: its port is not a number";
    for (char c : port)
      if (!std::isdigit(static_cast<unsigned char>(c))) return quoted + " is not a webhook URL: its port is not a number";
    host = host.substr(0, port_colon + (bracketed ? 1 : 0));
  }
  bool loopback = host == "localhost" || host == "[::1]" || host.substr(0, 4) == "127.";
  if (host.empty() || (!bracketed && !host_name(host, false)))
    return quoted + " is not a webhook URL: it has no host name";
  if (bracketed && !loopback) return quoted + " is not a webhook URL: write the host by name";
  if (!secure && !loopback)
    return quoted + " is not a webhook URL: it must start with https:// (http:// is only for a receiver on this machine)";
  return std::nullopt;
}

}  // namespace bandwatch
