// The control commands of bandwatchd: `bandwatch snapshot`, `bandwatch ack`,
// `bandwatch silence`, `bandwatch status`. Each sends one request to the control socket (Lazy
// Pirate: timeout, retry, give up with exit 3) and prints the answer as text or, with
// `--format json`, as the daemon's JSON.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <boost/program_options.hpp>

#include "commands.hpp"
#include "daemon_common.hpp"
#include "protocol/protocol.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;
using nlohmann::json;

namespace {

struct Common {
  std::string control{protocol::kDefaultControl};
  std::string format = "text";
  ConnectionOptions connection;
};

void add_common(po::options_description& options, Common& common) {
  options.add_options()
      ("help,h", "print this help")
      ("control", po::value<std::string>(&common.control)->default_value(common.control),
       "the daemon's control endpoint")
      ("format", po::value<std::string>(&common.format)->default_value(common.format), "text or json");
  add_connection_options(options, common.connection);
}

/// Parses; returns an exit code to stop with, or -1 to go on.
int parse(const char* command, const char* usage, const Arguments& args, po::options_description& described,
          po::options_description& hidden, po::positional_options_description& positional,
          po::variables_map& vm, const Common& common) {
  po::options_description all;
  all.add(described).add(hidden);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& error) {
    std::fprintf(stderr, "bandwatch %s: %s\n%s", command, error.what(), usage);
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << usage << "\n" << described;
    return kExitOk;
  }
  if (common.format != "text" && common.format != "json") {
    std::fprintf(stderr, "bandwatch %s: --format must be text or json\n", command);
    return kExitUsage;
  }
  return -1;
}

/// Sends one request; prints the error and returns nullopt (with `code` set) on failure.
std::optional<json> ask(const char* command, const Common& common, const json& request, int& code) {
  auto security = client_security(common.connection, command);
  if (!security) {
    code = kExitUsage;
    return std::nullopt;
  }
  zmq::context_t context(1);
  protocol::LazyPirateClient client(context, common.control, *security,
                                  std::chrono::milliseconds(common.connection.timeout_ms),
                                  common.connection.retries);
  client.on_retry = [&](int attempt) {
    std::fprintf(stderr, "bandwatch %s: no reply from %s within %d ms; asking again (attempt %d of %d)\n",
                 command, common.control.c_str(), common.connection.timeout_ms, attempt,
                 common.connection.retries + 1);
  };
  std::string error;
  // Tell a refused request (the daemon answered with an error) from no answer at all.
  std::string text = request.dump();
  std::string_view frames[] = {text};
  std::vector<std::string> reply;
  if (client.request(frames, reply, error) != protocol::RequestStatus::ok) {
    std::fprintf(stderr, "bandwatch %s: %s\n", command, error.c_str());
    code = kExitNoReply;
    return std::nullopt;
  }
  json answer = reply.size() == 1 ? json::parse(reply[0], nullptr, false) : json();
  if (!answer.is_object()) {
    std::fprintf(stderr, "bandwatch %s: unexpected answer from %s\n", command, common.control.c_str());
    code = kExitNoReply;
    return std::nullopt;
  }
  if (answer.contains("error")) {
    std::fprintf(stderr, "bandwatch %s: %s\n", command,
                 answer["error"].is_string() ? answer["error"].get<std::string>().c_str() : answer["error"].dump().c_str());
    code = kExitRejected;
    return std::nullopt;
  }
  return answer;
}

std::string text(const json& value) {
  if (value.is_null()) return "-";
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

int run_snapshot(const Arguments& args) {
  Common common;
  std::string route;
  bool detail = false;
  po::options_description described("Options");
  add_common(described, common);
  described.add_options()
      ("route", po::value<std::string>(&route), "only this route's alerts (and its sequence number)")
      ("detail", po::bool_switch(&detail), "add message, routes and silence to each alert");
  po::options_description hidden;
  po::positional_options_description positional;
  po::variables_map vm;
  const char* usage = "usage: bandwatch snapshot [--control EP] [--route R] [--detail] [--format text|json]\n";
  if (int code = parse("snapshot", usage, args, described, hidden, positional, vm, common); code >= 0) return code;
  json request = {{"command", "snapshot"}};
  if (!route.empty()) request["route"] = route;
  // Text output shows the messages, so it asks for them.
  if (detail || common.format == "text") request["detail"] = true;
  int code = kExitOk;
  auto answer = ask("snapshot", common, request, code);
  if (!answer) return code;
  if (common.format == "json") {
    std::printf("%s\n", answer->dump().c_str());
    return kExitOk;
  }
  const json& alerts = (*answer)["alerts"];
  std::printf("sequence %s%s: %zu open alert(s)\n", text((*answer)["sequence"]).c_str(),
              route.empty() ? "" : (" on route " + route).c_str(), alerts.size());
  for (const json& alert : alerts) std::printf("%s\n", format_alert_line(alert).c_str());
  return kExitOk;
}

int run_ack(const Arguments& args) {
  Common common;
  std::string by, note, review;
  const char* user = std::getenv("USER");
  po::options_description described("Options");
  add_common(described, common);
  described.add_options()
      ("by", po::value<std::string>(&by), "who acknowledges (default: $USER)")
      ("note", po::value<std::string>(&note), "what is being done about it")
      ("review", po::value<std::string>(&review), "date to look at it again (YYYY-MM-DD)");
  po::options_description hidden;
  hidden.add_options()("alert", po::value<std::uint64_t>());
  po::positional_options_description positional;
  positional.add("alert", 1);
  po::variables_map vm;
  const char* usage = "usage: bandwatch ack [--control EP] ALERT-ID --by WHO [--note TEXT] [--review DATE]\n";
  if (int code = parse("ack", usage, args, described, hidden, positional, vm, common); code >= 0) return code;
  if (!vm.count("alert")) {
    std::fprintf(stderr, "bandwatch ack: give the alert id (bandwatch snapshot lists them)\n%s", usage);
    return kExitUsage;
  }
  if (by.empty() && user) by = user;
  if (by.empty()) {
    std::fprintf(stderr, "bandwatch ack: --by is required (who acknowledges)\n");
    return kExitUsage;
  }
  json request = {{"command", "ack"}, {"alert", vm["alert"].as<std::uint64_t>()}, {"by", by}, {"note", note}};
  if (!review.empty()) {
    if (!parse_iso_date(review)) {
      std::fprintf(stderr, "bandwatch ack: --review must be a date, YYYY-MM-DD: '%s'\n", review.c_str());
      return kExitUsage;
    }
    request["review"] = review;
  }
  int code = kExitOk;
  auto answer = ask("ack", common, request, code);
  if (!answer) return code;
  if (common.format == "json") std::printf("%s\n", answer->dump().c_str());
  else std::printf("alert %s acknowledged by %s (event %s)\n", text((*answer)["alert"]).c_str(), by.c_str(),
                   text((*answer)["sequence"]).c_str());
  return kExitOk;
}

int run_silence(const Arguments& args) {
  Common common;
  std::string until, by, note;
  bool list = false;
  std::int64_t remove = 0;
  const char* user = std::getenv("USER");
  po::options_description described("Options");
  add_common(described, common);
  described.add_options()
      ("until", po::value<std::string>(&until), "last as-of date the silence covers (YYYY-MM-DD)")
      ("by", po::value<std::string>(&by), "who silences (default: $USER)")
      ("note", po::value<std::string>(&note), "why")
      ("list", po::bool_switch(&list), "list the active silences")
      ("remove", po::value<std::int64_t>(&remove), "end the silence with this id");
  po::options_description hidden;
  hidden.add_options()("matchers", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("matchers", -1);
  po::variables_map vm;
  const char* usage =
      "usage: bandwatch silence [--control EP] --until DATE [--by WHO] [--note TEXT] NAME=VALUE...\n"
      "       bandwatch silence [--control EP] --list\n"
      "       bandwatch silence [--control EP] --remove ID\n"
      "NAME is rule, route, severity, alert or a label name; every matcher must hold.\n"
      "Events of matching alerts with an as-of date up to DATE are kept and shown in snapshots\n"
      "(marked silenced) but not published.\n";
  if (int code = parse("silence", usage, args, described, hidden, positional, vm, common); code >= 0) return code;
  json request;
  if (list) {
    request = {{"command", "silences"}};
  } else if (vm.count("remove")) {
    request = {{"command", "unsilence"}, {"id", remove}};
  } else {
    if (!vm.count("matchers")) {
      std::fprintf(stderr, "bandwatch silence: give at least one NAME=VALUE matcher\n%s", usage);
      return kExitUsage;
    }
    json matchers = json::object();
    for (const std::string& matcher : vm["matchers"].as<std::vector<std::string>>()) {
      std::size_t equals = matcher.find('=');
      if (equals == std::string::npos || equals == 0) {
        std::fprintf(stderr, "bandwatch silence: '%s' is not NAME=VALUE\n", matcher.c_str());
        return kExitUsage;
      }
      std::string value = matcher.substr(equals + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      matchers[matcher.substr(0, equals)] = value;
    }
    if (!parse_iso_date(until)) {
      std::fprintf(stderr, "bandwatch silence: --until DATE (YYYY-MM-DD) is required\n");
      return kExitUsage;
    }
    if (by.empty() && user) by = user;
    if (by.empty()) {
      std::fprintf(stderr, "bandwatch silence: --by is required (who silences)\n");
      return kExitUsage;
    }
    request = {{"command", "silence"}, {"matchers", matchers}, {"until", until}, {"by", by}, {"note", note}};
  }
  int code = kExitOk;
  auto answer = ask("silence", common, request, code);
  if (!answer) return code;
  if (common.format == "json") {
    std::printf("%s\n", answer->dump().c_str());
    return kExitOk;
  }
  auto describe = [](const json& silence) {
    std::string matchers;
    for (const auto& [name, value] : silence["matchers"].items())
      matchers += (matchers.empty() ? "" : " ") + name + "=" + text(value);
    return "#" + text(silence["id"]) + "  " + matchers + "  until " + text(silence["until"]) + "  by " +
           text(silence["by"]) + (silence.value("note", "").empty() ? "" : ": " + silence.value("note", ""));
  };
  if (list) {
    std::printf("%zu active silence(s)\n", (*answer)["silences"].size());
    for (const json& silence : (*answer)["silences"]) std::printf("%s\n", describe(silence).c_str());
  } else if (vm.count("remove")) {
    std::printf("silence %lld removed\n", static_cast<long long>(remove));
  } else {
    std::printf("silence %s; %s open alert(s) match now\n", describe((*answer)["silence"]).c_str(),
                text((*answer)["matching_alerts"]).c_str());
  }
  return kExitOk;
}

int run_status(const Arguments& args) {
  Common common;
  po::options_description described("Options");
  add_common(described, common);
  po::options_description hidden;
  po::positional_options_description positional;
  po::variables_map vm;
  const char* usage = "usage: bandwatch status [--control EP] [--format text|json]\n";
  if (int code = parse("status", usage, args, described, hidden, positional, vm, common); code >= 0) return code;
  int code = kExitOk;
  auto answer = ask("status", common, {{"command", "status"}}, code);
  if (!answer) return code;
  if (common.format == "json") {
    std::printf("%s\n", answer->dump().c_str());
    return kExitOk;
  }
  const json& a = *answer;
  std::printf("rules loaded:    %s rule(s), %s indicator(s) from %zu file(s)\n", text(a["rules"]).c_str(),
              text(a["indicators"]).c_str(), a["rule_files"].size());
  std::printf("series:          %s\n", text(a["series"]).c_str());
  std::printf("open alerts:     %s (%s silenced, %s acknowledged); %s active silence(s)\n",
              text(a["open_alerts"]).c_str(), text(a["silenced_alerts"]).c_str(), text(a["acknowledged"]).c_str(),
              text(a["silences"]).c_str());
  std::printf("sequence:        %s\n", text(a["sequence"]).c_str());
  std::printf("batches:         %s applied; last as-of %s\n", text(a["batches"]).c_str(), text(a["last_as_of"]).c_str());
  if (a["last_batch"].is_object())
    std::printf("last batch:      %s (%s, %s samples, received %s)\n", text(a["last_batch"]["id"]).c_str(),
                text(a["last_batch"]["as_of"]).c_str(), text(a["last_batch"]["samples"]).c_str(),
                text(a["last_batch"]["received_at"]).c_str());
  if (a["last_reload"].is_object()) {
    const json& reload = a["last_reload"];
    std::printf("last reload:     %s (%s): %s\n", text(reload["at"]).c_str(), text(reload["reason"]).c_str(),
                reload.value("ok", false) ? "ok" : "refused, rules in force kept");
    for (const json& error : reload["errors"]) std::printf("                 %s\n", text(error).c_str());
  }
  std::printf("uptime:          %s s%s\n", text(a["uptime_seconds"]).c_str(), a.value("curve", false) ? ", CURVE on" : "");
  return kExitOk;
}

}  // namespace bandwatch::cli

namespace bandwatch::cli {

int run_reload(const Arguments& args) {
  Common common;
  po::options_description described("Options");
  add_common(described, common);
  po::options_description hidden;
  po::positional_options_description positional;
  po::variables_map vm;
  const char* usage = "usage: bandwatch reload [--control EP] [--format text|json]\n"
                      "Same as SIGHUP: the daemon checks the rule files and, if they have errors, keeps\n"
                      "the rules in force and answers with the errors (file:line:col).\n";
  if (int code = parse("reload", usage, args, described, hidden, positional, vm, common); code >= 0) return code;
  int code = kExitOk;
  auto answer = ask("reload", common, {{"command", "reload"}}, code);
  if (!answer) return code;
  bool ok = answer->value("ok", false);
  if (common.format == "json") {
    std::printf("%s\n", answer->dump().c_str());
  } else {
    for (const json& warning : (*answer)["warnings"]) std::fprintf(stderr, "%s\n", text(warning).c_str());
    for (const json& error : (*answer)["errors"]) std::fprintf(stderr, "%s\n", text(error).c_str());
    if (ok)
      std::printf("reloaded: %s file(s), %s rule(s), %s indicator(s); %s alert(s) of removed rules resolved\n",
                  text((*answer)["rule_files"]).c_str(), text((*answer)["rules"]).c_str(),
                  text((*answer)["indicators"]).c_str(), text((*answer)["resolved"]).c_str());
    else
      std::fprintf(stderr, "bandwatch reload: refused: the rules in force are kept\n");
  }
  return ok ? kExitOk : kExitRejected;
}

}  // namespace bandwatch::cli
