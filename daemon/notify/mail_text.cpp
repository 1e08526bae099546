#include "mail_text.hpp"

#include <map>

namespace bandwatch::daemon::notify {

namespace {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::map<Change, std::vector<const NoticeItem*>> by_change(const Notice& notice) {
  std::map<Change, std::vector<const NoticeItem*>> sections;
  for (const NoticeItem& item : notice.items) sections[item.change].push_back(&item);
  return sections;
}

std::string plural(std::size_t count, const char* one, const char* many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

/// "Red. Rule cases_unallocated, value 3, open since 04/02/2020 (alert 7)."
std::string item_facts(const NoticeItem& item) {
  std::string facts = band_word(item.severity) + ". Rule " + item.rule;
  if (!item.value.empty()) facts += ", value " + item.value;
  if (item.change == Change::resolved) {
    facts += ", resolved on the data of " + item.as_of.uk();
    if (item.since) facts += " (open since " + item.since->uk() + ")";
  } else if (item.since) {
    facts += ", open since " + item.since->uk();
  }
  return facts + " (alert " + std::to_string(item.alert_id) + ").";
}

std::string_view band_style(std::string_view severity) {
  if (severity == "red") return "background:#d4351c;color:#ffffff";
  if (severity == "amber") return "background:#f47738;color:#0b0c0c";
  return "background:#b1b4b6;color:#0b0c0c";
}

std::string footer_text(const Notice& notice) {
  std::string text = "\n";
  if (!notice.link.empty()) text += "Meeting pack: " + notice.link + "\n";
  text += "See every open alert with `bandwatch snapshot --route " + notice.route +
          "` and acknowledge one with `bandwatch ack`.\n\n"
          "You receive this because you are a member of the route " + notice.route +
          " in bandwatch's rules. Sent by bandwatch.\n";
  return text;
}

}  // namespace

std::string single_line(std::string_view text, std::size_t limit) {
  std::string out;
  out.reserve(std::min(text.size(), limit + 3));
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    out += byte < 0x20 || byte == 0x7f ? ' ' : c;
  }
  if (out.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    out.resize(cut);
    out += "...";
  }
  return out;
}

std::string digest_counts(const Notice& notice) {
  static const std::map<Change, std::pair<const char*, const char*>> kWords{
      {Change::new_red, {"new red", "new red"}},   {Change::escalated, {"escalated", "escalated"}},
      {Change::new_amber, {"new amber", "new amber"}}, {Change::eased, {"eased", "eased"}},
      {Change::resolved, {"resolved", "resolved"}}, {Change::stale, {"stale", "stale"}},
      {Change::unbanded, {"unbanded", "unbanded"}}};
  auto sections = by_change(notice);
  std::string counts;
  for (Change change : changes_in_order()) {
    auto found = sections.find(change);
    if (found == sections.end()) continue;
    counts += (counts.empty() ? "" : ", ") + std::to_string(found->second.size()) + " " + kWords.at(change).first;
  }
  return counts.empty() ? "nothing new" : counts;
}

std::string headline(const Notice& notice) {
  if (notice.kind == Notice::Kind::digest) return "Digest to " + long_date(notice.as_of) + ": " + digest_counts(notice);
  return "Red: " + plural(notice.items.size(), "alert", "alerts") + " (data of " + long_date(notice.as_of) + ")";
}

MailText compose_mail(const Notice& notice) {
  MailText mail;
  bool digest = notice.kind == Notice::Kind::digest;
  if (!digest && notice.items.size() == 1)
    mail.subject = "[" + notice.route_title + "] Red: " + notice.items.front().message;
  else
    mail.subject = "[" + notice.route_title + "] " + headline(notice);
  mail.subject = single_line(mail.subject, 160);

  std::vector<std::string> intro;
  if (digest) {
    intro.push_back("Digest of the changes " +
                    (notice.from && *notice.from != notice.as_of
                         ? "in the data from " + long_date(*notice.from) + " to " + long_date(notice.as_of)
                         : "in the data of " + long_date(notice.as_of)) +
                    ": " + digest_counts(notice) + ".");
    intro.push_back("Red alerts are mailed when they arise; this digest gathers the rest for the meeting.");
  } else {
    intro.push_back("Red alerts from the data of " + long_date(notice.as_of) + ".");
  }
  std::string& text = mail.text;
  text += notice.route_title + "\n";
  for (const std::string& line : intro) text += line + "\n";
  auto sections = by_change(notice);
  for (Change change : changes_in_order()) {
    auto found = sections.find(change);
    if (found == sections.end()) continue;
    text += "\n" + std::string(change_heading(change)) + " (" + std::to_string(found->second.size()) + ")\n\n";
    for (const NoticeItem* item : found->second) {
      text += "  * " + single_line(item->message, 500) + "\n";
      text += "    " + single_line(item_facts(*item), 500) + "\n";
    }
  }
  if (digest && notice.items.empty()) text += "\nNothing changed since the last digest.\n";
  text += footer_text(notice);

  std::string& html = mail.html;
  html += "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>" + escape_html(mail.subject) +
          "</title></head>\n<body style=\"font-family:Arial,sans-serif;color:#0b0c0c\">\n";
  html += "<h1 style=\"font-size:20px\">" + escape_html(notice.route_title) + "</h1>\n";
  for (const std::string& line : intro) html += "<p>" + escape_html(line) + "</p>\n";
  for (Change change : changes_in_order()) {
    auto found = sections.find(change);
    if (found == sections.end()) continue;
    html += "<h2 style=\"font-size:16px\">" + escape_html(change_heading(change)) + " (" +
            std::to_string(found->second.size()) + ")</h2>\n";
    html += "<table style=\"border-collapse:collapse\" cellpadding=\"4\">\n"
            "<tr><th align=\"left\">Band</th><th align=\"left\">Alert</th><th align=\"left\">Rule</th>"
            "<th align=\"right\">Value</th><th align=\"left\">Open since</th><th align=\"right\">Id</th></tr>\n";
    for (const NoticeItem* item : found->second) {
      html += "<tr><td style=\"" + std::string(band_style(item->severity)) + "\"><strong>" +
              escape_html(band_word(item->severity)) + "</strong></td><td>" + escape_html(item->message) + "</td><td>" +
              escape_html(item->rule) + "</td><td align=\"right\">" + escape_html(item->value) + "</td><td>" +
              (item->since ? item->since->uk() : std::string("-")) + "</td><td align=\"right\">" +
              std::to_string(item->alert_id) + "</td></tr>\n";
    }
    html += "</table>\n";
  }
  if (digest && notice.items.empty()) html += "<p>Nothing changed since the last digest.</p>\n";
  if (!notice.link.empty())
    html += "<p><a href=\"" + escape_html(notice.link) + "\">Meeting pack</a></p>\n";
  html += "<p style=\"color:#505a5f;font-size:13px\">You receive this because you are a member of the route " +
          escape_html(notice.route) + " in bandwatch's rules. Sent by bandwatch.</p>\n</body></html>\n";
  return mail;
}

}  // namespace bandwatch::daemon::notify
