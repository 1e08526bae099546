#include "board_handlers.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "board_page.hpp"
#include "report/model.hpp"
#include "rules/calendar.hpp"

namespace bandwatch::daemon::http {

namespace bhttp = boost::beast::http;
using nlohmann::json;
using protocol::Role;

namespace {

constexpr const char* kUnrouted = "unrouted";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') out += ' ';
    else if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else out += text[i];
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') out += static_cast<char>(c);
    else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

/// name=value&... (a query string or a urlencoded form), decoded.
std::map<std::string, std::string> parse_pairs(std::string_view text) {
  std::map<std::string, std::string> pairs;
  std::size_t at = 0;
  while (at <= text.size() && !text.empty()) {
    std::size_t end = text.find('&', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view pair = text.substr(at, end - at);
    std::size_t equals = pair.find('=');
    if (!pair.empty())
      pairs[url_decode(pair.substr(0, equals))] = equals == std::string_view::npos ? "" : url_decode(pair.substr(equals + 1));
    at = end + 1;
    if (end == text.size()) break;
  }
  return pairs;
}

bool wants_json(const Request& request) {
  auto accept = request.find(bhttp::field::accept);
  return accept != request.end() && accept->value().find("application/json") != boost::beast::string_view::npos;
}

std::string header(const Request& request, std::string_view name) {
  auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  return it == request.end() ? std::string() : std::string(it->value());
}

bool valid_text(std::string_view text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

/// Whether the open alert `id` is on `route`'s agenda in `source`.
bool alert_on_route(const report::Source& source, std::uint64_t id, const std::string& route) {
  for (const report::AlertHistory& alert : source.alerts) {
    if (alert.id != id || !alert.open) continue;
    if (route == kUnrouted) return alert.routes.empty();
    return std::find(alert.routes.begin(), alert.routes.end(), route) != alert.routes.end();
  }
  return false;
}

}  // namespace

BoardHandlers::BoardHandlers(const BoardOptions& options, BoardHub& hub, BoardAuth& auth,
                             std::shared_ptr<spdlog::logger> log, boost::asio::io_context& io)
    : options_(options), hub_(hub), auth_(auth), log_(std::move(log)), io_(io) {}

Response BoardHandlers::page(const Request& request, unsigned status, std::string body, const char* type) {
  Response response{static_cast<bhttp::status>(status), request.version()};
  response.set(bhttp::field::server, "bandwatchd");
  response.set(bhttp::field::content_type, type);
  response.set(bhttp::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "same-origin");
  // Inline style and script only; nothing from elsewhere; forms post here only.
  response.set("Content-Security-Policy",
               "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; "
               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

std::optional<StreamStart> BoardHandlers::handle(const Request& request, const boost::asio::ip::address& peer,
                                                 Respond respond) {
  std::string target(request.target());
  std::string path = url_decode(target.substr(0, target.find('?')));
  std::map<std::string, std::string> query =
      parse_pairs(target.find('?') == std::string::npos ? std::string_view() : std::string_view(target).substr(target.find('?') + 1));
  Identity who = auth_.identify(header(request, "Cookie"), options_.trusted_header.empty() ? "" : header(request, options_.trusted_header),
                                header(request, "X-Forwarded-Proto"), peer);
  bool json_answer = wants_json(request);
  auto refuse = [&](unsigned status, const std::string& why) {
    if (json_answer) {
      Response response = page(request, status, json{{"ok", false}, {"error", why}}.dump(), "application/json");
      respond(std::move(response));
    } else {
      std::string title = status == 403 ? "Not allowed" : status == 404 ? "Not found" : status == 503 ? "Not ready" : "Refused";
      respond(page(request, status, render_message(title, why)));
    }
    return std::nullopt;
  };
  auto redirect = [&](const std::string& to, const std::string& cookie = "") {
    Response response = page(request, 303, "");
    response.set(bhttp::field::location, to);
    if (!cookie.empty()) response.set(bhttp::field::set_cookie, cookie);
    respond(std::move(response));
    return std::nullopt;
  };
  bool get = request.method() == bhttp::verb::get || request.method() == bhttp::verb::head;
  bool post = request.method() == bhttp::verb::post;
  if (!get && !post) return refuse(405, "Only GET and POST are answered.");

  // ---- sign-in and sign-out ----
  if (path == "/signin") {
    if (!auth_.has_accounts()) return refuse(404, "This board has no accounts file: sign-in is through the proxy, or not at all.");
    respond(signin(request, who, peer));
    return std::nullopt;
  }
  if (path == "/signout" && post) {
    std::map<std::string, std::string> form = parse_pairs(request.body());
    if (!auth_.check_csrf(who, form["csrf"])) return refuse(403, "The form's token is missing or not this session's (CSRF).");
    return redirect("/", auth_.sign_out(who));
  }

  // ---- everything else needs someone allowed to look ----
  if (!auth_.may_view(who)) {
    if (get && auth_.has_accounts() && !json_answer) return redirect("/signin?next=" + url_encode(path));
    return refuse(403, who.user.empty() ? "Sign in to see the board." : "Your account has no role on any forum.");
  }
  std::shared_ptr<const BoardView> view = hub_.view();

  if (get && path == "/events") return StreamStart{"", std::strtoull(query["after"].c_str(), nullptr, 10)};
  if (!view) {
    std::string error = hub_.error();
    return refuse(503, error.empty() ? "The board is reading the daemon's state; try again in a moment."
                                     : "The board cannot read the daemon's state: " + error);
  }
  std::vector<std::string> routes;
  for (const report::RouteInfo& route : view->source.routes) routes.push_back(route.name);
  routes.push_back(kUnrouted);

  if (get && path == "/") {
    report::Options options;
    options.title = "Live board";
    report::BuildResult built = report::build_model(view->source, options);
    std::vector<ForumSummary> forums;
    auto summarise = [&](const std::string& name, const std::string& title, const report::RouteReport* report) {
      if (auth_.role(who, name) == Role::none) return;
      ForumSummary forum{name, title};
      if (report)
        for (const report::AgendaItem& item : report->items) {
          if (item.kind == report::AgendaKind::resolved) ++forum.resolved;
          else {
            (item.severity == ast::Colour::red ? forum.red : forum.amber)++;
            if (!item.acknowledgement) ++forum.unacknowledged;
          }
          if (item.kind == report::AgendaKind::new_alert) ++forum.new_items;
          if (item.kind == report::AgendaKind::escalated) ++forum.escalated;
        }
      forums.push_back(std::move(forum));
    };
    for (const report::RouteInfo& route : view->source.routes) {
      auto found = std::find_if(built.model.routes.begin(), built.model.routes.end(),
                                [&](const report::RouteReport& r) { return r.name == route.name; });
      summarise(route.name, route.title.empty() ? route.name : route.title,
                found == built.model.routes.end() ? nullptr : &*found);
    }
    auto unrouted = std::find_if(built.model.routes.begin(), built.model.routes.end(),
                                 [](const report::RouteReport& r) { return r.name.empty(); });
    if (unrouted != built.model.routes.end()) summarise(kUnrouted, unrouted->title, &*unrouted);
    Viewer viewer{who.user, who.name, Role::none, auth_.csrf_for(who), auth_.has_accounts(), !who.session.empty()};
    respond(page(request, 200, render_index(forums, built.model, view->sequence(""), viewer)));
    return std::nullopt;
  }

  // ---- /route/NAME, /route/NAME/events, /route/NAME/ack, /route/NAME/silence ----
  if (path.rfind("/route/", 0) != 0) return refuse(404, "No such page.");
  std::string rest = path.substr(7);
  std::string name = rest.substr(0, rest.find('/'));
  std::string tail = rest.find('/') == std::string::npos ? "" : rest.substr(rest.find('/'));
  if (std::find(routes.begin(), routes.end(), name) == routes.end()) return refuse(404, "No forum is called '" + name + "'.");
  Role role = auth_.role(who, name);
  if (role == Role::none) return refuse(403, "Your account has no role on this forum.");

  if (get && tail == "/events") {
    std::uint64_t after = std::strtoull(query["after"].c_str(), nullptr, 10);
    return StreamStart{name, after};
  }
  if (post && (tail == "/ack" || tail == "/silence")) {
    action(request, who, name, tail.substr(1), std::move(respond));
    return std::nullopt;
  }
  if (!get || !tail.empty()) return refuse(404, "No such page.");

  report::Options options;
  options.title = "Live board";
  if (name != kUnrouted) options.route = name;
  report::BuildResult built = report::build_model(view->source, options);
  if (!built.ok()) return refuse(404, built.error);
  report::RouteReport route;
  route.name = name;
  route.title = "Alerts not routed to a forum";
  route.since = built.model.as_of;
  route.since_basis = "nothing routed";
  for (const report::RouteReport& r : built.model.routes)
    if (r.name == (name == kUnrouted ? std::string() : name)) route = r;
  if (name != kUnrouted && route.title.empty()) route.title = name;
  Viewer viewer{who.user, who.name, role, auth_.csrf_for(who), auth_.has_accounts(), !who.session.empty()};
  respond(page(request, 200, render_route(built.model, route, name, view->sequence(name), viewer, query["part"] == "main")));
  return std::nullopt;
}

Response BoardHandlers::signin(const Request& request, const Identity& who, const boost::asio::ip::address&) {
  std::string cookie_header = header(request, "Cookie");
  std::string set_cookie;
  if (request.method() == bhttp::verb::post) {
    std::map<std::string, std::string> form = parse_pairs(request.body());
    std::string next = form["next"];
    if (next.empty() || next[0] != '/' || next.rfind("//", 0) == 0) next = "/";  // never off this site
    if (!auth_.check_signin_csrf(cookie_header, form["csrf"])) {
      std::string token = auth_.signin_csrf(cookie_header, set_cookie);
      Response response = page(request, 403, render_signin(token, next, "The form had expired: please sign in again."));
      if (!set_cookie.empty()) response.set(bhttp::field::set_cookie, set_cookie);
      return response;
    }
    std::string error;
    std::optional<std::string> session = auth_.sign_in(form["user"], form["password"], who.https, error);
    if (!session) {
      Response response = page(request, 401, render_signin(auth_.signin_csrf(cookie_header, set_cookie), next, error));
      if (!set_cookie.empty()) response.set(bhttp::field::set_cookie, set_cookie);
      return response;
    }
    Response response = page(request, 303, "");
    response.set(bhttp::field::location, next);
    response.set(bhttp::field::set_cookie, *session);
    return response;
  }
  std::string target(request.target());
  std::string next = target.find('?') == std::string::npos ? "" : parse_pairs(std::string_view(target).substr(target.find('?') + 1))["next"];
  if (next.empty() || next[0] != '/' || next.rfind("//", 0) == 0) next = "/";
  std::string token = auth_.signin_csrf(cookie_header, set_cookie);
  Response response = page(request, 200, render_signin(token, next, ""));
  if (!set_cookie.empty()) response.set(bhttp::field::set_cookie, set_cookie);
  return response;
}

void BoardHandlers::action(const Request& request, const Identity& who, const std::string& route, const std::string& what,
                           Respond respond) {
  bool json_answer = wants_json(request);
  Request shell;  // what the answer needs of the request, kept for an answer that comes later
  shell.version(request.version());
  shell.keep_alive(request.keep_alive());
  auto answer = [this, shell, json_answer](unsigned status, bool ok, const std::string& text, const std::string& back) {
    const Request& request = shell;
    if (json_answer)
      return page(request, status, json{{"ok", ok}, {ok ? "message" : "error", text}}.dump(), "application/json");
    if (ok) {
      Response response = page(request, 303, "");
      response.set(bhttp::field::location, back);
      return response;
    }
    return page(request, status, render_message(status == 403 ? "Not allowed" : "Not done", text));
  };
  std::string back = "/route/" + url_encode(route);
  if (who.user.empty()) return respond(answer(403, false, "Sign in to " + std::string(what == "ack" ? "acknowledge" : "silence") + ".", back));
  std::map<std::string, std::string> form = parse_pairs(request.body());
  std::string token = form.count("csrf") ? form["csrf"] : header(request, "X-CSRF-Token");
  if (!auth_.check_csrf(who, token)) {
    log_->warn("board: {} by {} refused: the form's CSRF token is missing or not this session's", what, who.user);
    return respond(answer(403, false, "The form's token is missing or not this session's (CSRF): reload the page.", back));
  }
  Role role = auth_.role(who, route);
  Role needed = what == "ack" ? Role::member : Role::chair;
  if (role < needed)
    return respond(answer(403, false,
                          std::string(what == "ack" ? "Acknowledging needs the role member or chair"
                                                    : "Silencing needs the role chair") +
                              " on this forum; yours is " + std::string(protocol::to_string(role)) + ".",
                          back));
  char* end = nullptr;
  std::uint64_t id = std::strtoull(form["alert"].c_str(), &end, 10);
  std::shared_ptr<const BoardView> view = hub_.view();
  if (form["alert"].empty() || *end != '\0' || !view || !alert_on_route(view->source, id, route))
    return respond(answer(404, false, "Alert " + form["alert"] + " is not open on this forum.", back));
  std::string note = form["note"];
  if (note.size() > 500 || !valid_text(note)) return respond(answer(400, false, "A note is one line of at most 500 bytes.", back));

  json control;
  std::string done_text;
  if (what == "ack") {
    control = {{"command", "ack"}, {"alert", id}, {"by", who.name}, {"note", note}};
    if (!form["review"].empty()) {
      std::string why;
      std::optional<Date> review = parse_date(form["review"], &why);
      if (!review) return respond(answer(400, false, "The review date: " + why, back));
      control["review"] = review->iso();
    }
    done_text = "Acknowledged as " + who.name + ".";
  } else {
    std::string why;
    std::optional<Date> until = parse_date(form["until"], &why);
    if (!until) return respond(answer(400, false, "Silence until: " + (form["until"].empty() ? std::string("give a date") : why), back));
    control = {{"command", "silence"},
               {"matchers", {{"alert", std::to_string(id)}}},
               {"until", until->iso()},
               {"by", who.name},
               {"note", note}};
    done_text = "Silenced until " + until->uk() + " by " + who.name + ".";
  }
  log_->info("board: {} asks to {} alert {} on {}", who.user, what, id, route);
  hub_.request(control, [this, respond, answer, back, done_text](std::optional<json> reply, std::string error) {
    boost::asio::post(io_, [respond, answer, back, done_text, reply = std::move(reply), error = std::move(error)] {
      if (reply) respond(answer(200, true, done_text, back));
      else respond(answer(502, false, "The daemon refused: " + error, back));
    });
  });
}

}  // namespace bandwatch::daemon::http
