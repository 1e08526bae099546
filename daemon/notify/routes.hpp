// The routes as the notifier needs them: each forum's title, cadence and members (`email`,
// `teams` in its `route` block), taken from the program in force. Internal to bandwatchd.
//
// Thread safety: a plain value; the serving thread builds one and hands a copy to the notifier.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rules/ast.hpp"
#include "rules/calendar.hpp"

namespace bandwatch::daemon::notify {

struct RouteMembers {
  std::string title;  // the route's name when it has no title
  std::optional<Duration> cadence;
  std::vector<std::string> emails;
  std::vector<std::string> teams;  // webhook URLs
  bool empty() const { return emails.empty() && teams.empty(); }
};

/// Route name -> its members; only routes with at least one member.
using NotifyRoutes = std::map<std::string, RouteMembers, std::less<>>;

/// The routes of `files` that list members (the checker has already refused malformed ones).
NotifyRoutes notify_routes(const std::vector<ast::File>& files);

}  // namespace bandwatch::daemon::notify
