// A notice as a mail's subject, plain-text part and HTML part: UK dates ("4 February 2020",
// 04/02/2020), the band as a word (the HTML shades it too, but never by colour alone), each
// alert's message, rule, value, open-since date and id, and nothing else. Internal to
// bandwatchd; pure.
#pragma once

#include <string>

#include "notice.hpp"

namespace bandwatch::daemon::notify {

struct MailText {
  std::string subject;  // one line, control characters removed
  std::string text;     // lines ending in "\n"
  std::string html;     // a whole document, every value escaped
};

MailText compose_mail(const Notice& notice);

/// "2 new amber, 1 resolved" (or "nothing new"): the counts a digest's subject and card give.
std::string digest_counts(const Notice& notice);

/// The headline both views start with: "Red: 3 alerts (data of 4 February 2020)", "Digest to
/// 18 February 2020: 2 new amber, 1 resolved".
std::string headline(const Notice& notice);

/// `text` with every character that is not printable replaced by a space, and cut to `limit`
/// bytes (on a UTF-8 boundary, with "..." added) when longer.
std::string single_line(std::string_view text, std::size_t limit);

}  // namespace bandwatch::daemon::notify
