// What makes a route member one bandwatchd can reach: a mail address (`email "..."`) or a
// Microsoft Teams incoming-webhook URL (`teams "..."`). The checker reports a malformed one at
// its place in the file; the daemon sends only to members that pass. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bandwatch {

/// Why `address` is not a plain mail address (`chair@council.example`: a local part, '@', and a
/// domain name with a dot), in words for the rule author; nullopt when it is one. Display names,
/// angle brackets, spaces, quotes and control characters are refused: they have no place in an
/// envelope recipient, and a newline could forge a mail header.
std::optional<std::string> mail_address_problem(std::string_view address);

/// Why `url` is not a webhook bandwatchd will post to; nullopt when it is one. It must be
/// https://HOST/...; plain http:// is taken only for a receiver on this machine (localhost,
/// 127.x.x.x, [::1]), for testing. No spaces, quotes or control characters.
std::optional<std::string> webhook_url_problem(std::string_view url);

}  // namespace bandwatch
