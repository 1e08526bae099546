// What a notification says, before it is a mail or a Teams card: the notice (a route's red
// alerts of one evaluation, or its digest) and its items, each carrying only what the alert's
// event carries (rule, band, message, value, dates, id: no labels beyond the message, no names).
// And the policy that decides which events go out at once and which wait for the digest.
// Internal to bandwatchd; pure (no I/O, no clock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/calendar.hpp"

namespace bandwatch::daemon::notify {

/// How an event reaches a route's members.
enum class Timing {
  none,     // not for people: pending, acknowledged
  at_once,  // a red alert, new or escalated: mailed with the evaluation that raised it
  digest,   // amber, eased from red, resolved, stale, unbanded: gathered for the digest
};

/// The policy, from an event's "kind" and "severity" as the log holds them.
Timing timing_of(std::string_view kind, std::string_view severity);

/// What changed, as the notice groups it.
enum class Change { new_red, escalated, new_amber, eased, resolved, stale, unbanded };

struct NoticeItem {
  Change change = Change::new_red;
  std::string severity;  // "red", "amber", "unbanded": the band word comes from it
  std::string rule;
  std::string message;
  std::string value;     // as formatted in its unit ("22", "96.6%"); may be empty
  std::optional<Date> since;
  Date as_of;
  std::uint64_t alert_id = 0;
  std::uint64_t sequence = 0;
};

/// The item for an event of the log (its JSON line), nullopt when the policy sends nothing for
/// it or the line is not an event with a sequence number (a silence held it off the feed: its
/// members are not told either).
std::optional<NoticeItem> notice_item(const nlohmann::json& event);

nlohmann::json to_json(const NoticeItem& item);
std::optional<NoticeItem> notice_item_from_json(const nlohmann::json& stored);

struct Notice {
  enum class Kind { alerts, digest } kind = Kind::alerts;
  std::string route;
  std::string route_title;
  Date as_of;                // alerts: the date evaluated; digest: the latest data it covers
  std::optional<Date> from;  // digest: the earliest date among its items
  std::vector<NoticeItem> items;
  std::string link;          // the meeting pack or board for this route; empty: none
};

/// "Red", "Amber", "Unbanded": the band as a word.
std::string band_word(std::string_view severity);
/// "4 February 2020".
std::string long_date(Date date);

/// The heading each change is listed under ("New red alerts", "Resolved", ...).
std::string_view change_heading(Change change);
/// The changes in the order a notice lists them.
const std::vector<Change>& changes_in_order();

}  // namespace bandwatch::daemon::notify
