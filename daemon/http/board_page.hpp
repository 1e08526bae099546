// The live board's pages: the meeting pack's model (report/model.hpp, the same one `bandwatch
// report` renders) drawn for a screen that stays open: a page per forum with its agenda as
// cards (new and escalated first, then open by age, then resolved since the last meeting), the
// acknowledgement, note and review date of each, forms to acknowledge and silence for those
// whose role allows it, and the RAG tables with sparklines. Everything inline (CSS, SVG, a small
// script for the live updates); nothing fetched from elsewhere. Internal to bandwatchd.
//
// Thread safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/accounts.hpp"
#include "report/model.hpp"

namespace bandwatch::daemon::http {

/// Who is looking, and what the page may offer them.
struct Viewer {
  std::string user;        // empty: not signed in
  std::string name;        // as acknowledgements show it
  protocol::Role role = protocol::Role::none;  // on the page's route
  std::string csrf;        // the token every form carries
  bool can_sign_in = false;  // an accounts file is configured (a sign-in link makes sense)
  bool can_sign_out = false; // signed in by password (not by the proxy)
};

/// One forum on the index.
struct ForumSummary {
  std::string name;   // the route's name ("unrouted" for alerts without a route)
  std::string title;
  std::size_t red = 0, amber = 0, new_items = 0, escalated = 0, resolved = 0, unacknowledged = 0;
};

/// `/`: the forums, with what each has open.
std::string render_index(const std::vector<ForumSummary>& forums, const report::ReportModel& model,
                         std::uint64_t sequence, const Viewer& viewer);

/// `/route/NAME`: the whole page; `main_only` gives just the <main> element the script swaps
/// in when an event arrives.
std::string render_route(const report::ReportModel& model, const report::RouteReport& route,
                         const std::string& route_name, std::uint64_t sequence, const Viewer& viewer,
                         bool main_only);

/// `/signin`, with a message (a failed attempt) when not empty.
std::string render_signin(const std::string& csrf, const std::string& next, const std::string& message);

/// A short page for an error or a refusal (403, 404, 503).
std::string render_message(const std::string& title, const std::string& text);

}  // namespace bandwatch::daemon::http
