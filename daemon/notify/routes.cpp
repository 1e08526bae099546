#include "routes.hpp"

#include <algorithm>
#include <variant>

namespace bandwatch::daemon::notify {

NotifyRoutes notify_routes(const std::vector<ast::File>& files) {
  NotifyRoutes routes;
  for (const ast::File& file : files)
    for (const ast::Item& item : file.items) {
      const auto* route = std::get_if<ast::RouteDecl>(&item);
      if (!route || (route->emails.empty() && route->teams.empty())) continue;
      RouteMembers members;
      members.title = route->title ? route->title->value : route->name;
      if (route->cadence) members.cadence = route->cadence->value;
      // Listed twice is still one member: one copy of each mail.
      auto add = [](std::vector<std::string>& to, const std::string& value) {
        if (std::find(to.begin(), to.end(), value) == to.end()) to.push_back(value);
      };
      for (const auto& address : route->emails) add(members.emails, address.value);
      for (const auto& url : route->teams) add(members.teams, url.value);
      routes.emplace(route->name, std::move(members));
    }
  return routes;
}

}  // namespace bandwatch::daemon::notify
