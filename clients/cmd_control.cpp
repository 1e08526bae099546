// The control commands of bandwatchd: `bandwatch snapshot`, `bandwatch ack`,
// `bandwatch silence`, `bandwatch status`, `bandwatch reload`. Each sends one request to the
// control socket (Lazy Pirate: timeout, retry, give up with exit 3) and prints the answer as text
// or, with `--format json`, as the daemon's JSON; a refusal is exit 1.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <boost/program_options.hpp>

#include "command.hpp"
#include "commands.hpp"
#include "daemon_common.hpp"
#include "protocol/protocol.hpp"

namespace bandwatch::cli {

namespace po = boost::program_options;
using nlohmann::json;

namespace {

/// What every control command has: the endpoint, --format, the connection and CURVE groups.
struct ControlCommand {
  ControlCommand(const char* name, const char* synopsis, const char* description)
      : command(name, synopsis, description) {
    command.options()
        ("control", endpoint_value("control", &control)->default_value(control), "the daemon's control endpoint")
        ("format", format_choice(&format, {"text", "json"})->default_value(format), "text or json");
  }
  /// Parses, with the shared groups last in --help.
  std::optional<int> parse(const Arguments& args) {
    command.add(connection_group(connection));
    command.add(curve_group(curve));
    return command.parse(args);
  }
  /// Sends one request. nullopt, after printing why, with `status` the exit status: kExitNoReply,
  /// kExitFailed (the daemon refused it) or kExitUsage (bad CURVE options).
  std::optional<json> ask(const json& request, int& status) const {
    auto security = client_security(command, curve, connection);
    if (!security) {
      status = kExitUsage;
      return std::nullopt;
    }
    zmq::context_t context(1);
    protocol::LazyPirateClient client(context, control, *security, std::chrono::milliseconds(connection.timeout_ms),
                                      connection.retries);
    client.on_retry = [&](int attempt) {
      command.fail("no reply from " + control + " within " + std::to_string(connection.timeout_ms) +
                   " ms; asking again (attempt " + std::to_string(attempt) + " of " +
                   std::to_string(connection.retries + 1) + ")");
    };
    std::string error;
    protocol::RequestStatus request_status = protocol::RequestStatus::ok;
    std::optional<json> answer = protocol::control_request(client, request, error, &request_status);
    if (!answer) status = command.fail(error, exit_status_of(request_status));
    return answer;
  }
  bool json_output() const { return format == "json"; }

  Command command;
  std::string control{protocol::kDefaultControl};
  std::string format = "text";
  ConnectionOptions connection;
  CurveOptions curve;
};

/// A member of the daemon's answer as text to print: printable(), since it can come from the data
/// (label values, notes, rule file names).
std::string text(const json& value) {
  if (value.is_null()) return "-";
  return printable(value.is_string() ? value.get<std::string>() : value.dump());
}

/// The outbox lines of `status`: counts, then each message not yet sent.
void print_notifications(const json& outbox) {
  if (!outbox.is_object()) return;
  std::printf("notifications:   %s sent, %s pending, %s failed; %s change(s) waiting for a digest; %s route(s) "
              "with members; mail relay %s\n",
              text(outbox["sent"]).c_str(), text(outbox["pending"]).c_str(), text(outbox["failed"]).c_str(),
              text(outbox["digest_items"]).c_str(), text(outbox["routes"]).c_str(),
              outbox["smtp"].is_string() ? text(outbox["smtp"]).c_str() : "not set (--smtp-url)");
  for (const json& message : outbox.value("messages", json::array())) {
    std::string state = text(message["state"]);
    if (state == "sent") continue;
    std::printf("  #%s %s %s %s of %s, %s attempt(s)%s%s: %s\n", text(message["id"]).c_str(), state.c_str(),
                text(message["kind"]).c_str(), text(message["channel"]).c_str(), text(message["route"]).c_str(),
                text(message["attempts"]).c_str(),
                state == "pending" ? (", next " + text(message["next_attempt"])).c_str() : "",
                message["last_error"].is_string() && !message["last_error"].get<std::string>().empty()
                    ? (" (" + printable(text(message["last_error"])) + ")").c_str()
                    : "",
                printable(text(message["summary"])).c_str());
  }
}

}  // namespace

int run_snapshot(const Arguments& args) {
  ControlCommand control("snapshot", "[--control EP] [--route R] [--detail] [--format text|json]",
                         "The open alerts held by bandwatchd, and the sequence number they are as of.");
  std::string route;
  bool detail = false;
  control.command.options()
      ("route", po::value<std::string>(&route), "only this route's alerts (and its sequence number)")
      ("detail", po::bool_switch(&detail), "add message, routes and silence to each alert");
  if (auto stop = control.parse(args)) return *stop;
  json request = {{"command", "snapshot"}};
  if (!route.empty()) request["route"] = route;
  // Text output shows the messages, so it asks for them.
  if (detail || !control.json_output()) request["detail"] = true;
  int status = kExitOk;
  auto answer = control.ask(request, status);
  if (!answer) return status;
  if (control.json_output()) {
    std::printf("%s\n", answer->dump().c_str());
    return kExitOk;
  }
  const json& alerts = (*answer)["alerts"];
  std::printf("sequence %s%s: %zu open alert(s)\n", text((*answer)["sequence"]).c_str(),
              route.empty() ? "" : (" on route " + route).c_str(), alerts.size());
  for (const json& alert : alerts) std::printf("%s\n", format_alert_line(alert).c_str());
  return kExitOk;
}

/// `by` as given, else the login name; nullopt (after a usage error naming `who`) when neither.
std::optional<int> default_by_to_user(ControlCommand& control, std::string& by, std::string_view who) {
  if (by.empty())
    if (const char* user = std::getenv("USER")) by = user;
  if (by.empty()) return control.command.usage_error("--by is required (" + std::string(who) + ")");
  return std::nullopt;
}

int run_ack(const Arguments& args) {
  ControlCommand control("ack", "[--control EP] ALERT-ID --by WHO [--note TEXT] [--review DATE]",
                         "Acknowledges an open alert: who, a note, a date to look at it again. An escalation\n"
                         "clears it.");
  std::string by, note;
  std::optional<Date> review;
  control.command.options()
      ("by", po::value<std::string>(&by), "who acknowledges (default: $USER)")
      ("note", po::value<std::string>(&note), "what is being done about it")
      ("review", date_value("review", &review), "date to look at it again (2020-02-04 or 04/02/2020)");
  control.command.positional("alert", 1, po::value<std::uint64_t>());
  if (auto stop = control.parse(args)) return *stop;
  if (!control.command.has("alert"))
    return control.command.usage_error("give the alert id (bandwatch snapshot lists them)");
  if (auto stop = default_by_to_user(control, by, "who acknowledges")) return *stop;
  json request = {{"command", "ack"}, {"alert", control.command.get<std::uint64_t>("alert")}, {"by", by}, {"note", note}};
  if (review) request["review"] = review->iso();
  int status = kExitOk;
  auto answer = control.ask(request, status);
  if (!answer) return status;
  if (control.json_output()) std::printf("%s\n", answer->dump().c_str());
  else std::printf("alert %s acknowledged by %s (event %s)\n", text((*answer)["alert"]).c_str(), printable(by).c_str(),
                   text((*answer)["sequence"]).c_str());
  return kExitOk;
}

int run_silence(const Arguments& args) {
  ControlCommand control("silence",
                         "[--control EP] --until DATE [--by WHO] [--note TEXT] NAME=VALUE...\n"
                         "       bandwatch silence [--control EP] --list\n"
                         "       bandwatch silence [--control EP] --remove ID",
                         "NAME is rule, route, severity, alert or a label name; every matcher must hold.\n"
                         "Events of matching alerts with an as-of date up to DATE are kept and shown in snapshots\n"
                         "(marked silenced) but not published.");
  std::string by, note;
  std::optional<Date> until;
  bool list = false;
  std::int64_t remove = 0;
  control.command.options()
      ("until", date_value("until", &until), "last as-of date the silence covers (2020-02-04 or 04/02/2020)")
      ("by", po::value<std::string>(&by), "who silences (default: $USER)")
      ("note", po::value<std::string>(&note), "why")
      ("list", po::bool_switch(&list), "list the active silences")
      ("remove", po::value<std::int64_t>(&remove), "end the silence with this id");
  control.command.positional("matchers", -1, po::value<std::vector<std::string>>());
  if (auto stop = control.parse(args)) return *stop;
  json request;
  if (list) {
    request = {{"command", "silences"}};
  } else if (control.command.has("remove")) {
    request = {{"command", "unsilence"}, {"id", remove}};
  } else {
    if (!control.command.has("matchers")) return control.command.usage_error("give at least one NAME=VALUE matcher");
    json matchers = json::object();
    for (const std::string& matcher : control.command.get<std::vector<std::string>>("matchers")) {
      std::size_t equals = matcher.find('=');
      if (equals == std::string::npos || equals == 0)
        return control.command.usage_error("'" + matcher + "' is not NAME=VALUE");
      std::string value = matcher.substr(equals + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      matchers[matcher.substr(0, equals)] = value;
    }
    if (!until) return control.command.usage_error("--until DATE is required");
    if (auto stop = default_by_to_user(control, by, "who silences")) return *stop;
    request = {{"command", "silence"}, {"matchers", matchers}, {"until", until->iso()}, {"by", by}, {"note", note}};
  }
  int status = kExitOk;
  auto answer = control.ask(request, status);
  if (!answer) return status;
  if (control.json_output()) {
    std::printf("%s\n", answer->dump().c_str());
    return kExitOk;
  }
  auto describe = [](const json& silence) {
    std::string matchers;
    for (const auto& [name, value] : silence["matchers"].items())
      matchers += (matchers.empty() ? "" : " ") + printable(name) + "=" + text(value);
    return "#" + text(silence["id"]) + "  " + matchers + "  until " + text(silence["until"]) + "  by " +
           text(silence["by"]) + (silence.value("note", "").empty() ? "" : ": " + text(silence["note"]));
  };
  if (list) {
    std::printf("%zu active silence(s)\n", (*answer)["silences"].size());
    for (const json& silence : (*answer)["silences"]) std::printf("%s\n", describe(silence).c_str());
  } else if (control.command.has("remove")) {
    std::printf("silence %lld removed\n", static_cast<long long>(remove));
  } else {
    std::printf("silence %s; %s open alert(s) match now\n", describe((*answer)["silence"]).c_str(),
                text((*answer)["matching_alerts"]).c_str());
  }
  return kExitOk;
}

int run_status(const Arguments& args) {
  ControlCommand control("status", "[--control EP] [--format text|json]",
                         "What bandwatchd holds: rules, series, alerts, silences, the last batch and reload.");
  if (auto stop = control.parse(args)) return *stop;
  int status = kExitOk;
  auto answer = control.ask({{"command", "status"}}, status);
  if (!answer) return status;
  if (control.json_output()) {
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
  if (a["store_failure"].is_object())
    std::printf("store:           cannot write since %s: %s; batches are refused until it can (free space, then "
                "send them again)\n",
                text(a["store_failure"]["at"]).c_str(), text(a["store_failure"]["error"]).c_str());
  std::printf("uptime:          %s s%s\n", text(a["uptime_seconds"]).c_str(), a.value("curve", false) ? ", CURVE on" : "");
  print_notifications(a["notifications"]);
  return kExitOk;
}

int run_notify(const Arguments& args) {
  ControlCommand control("notify", "--route R --digest [--control EP] [--format text|json]",
                         "Sends route R's digest to its members now (the amber, eased, resolved, stale and unbanded\n"
                         "changes gathered since its last digest), instead of waiting for its cadence; a digest\n"
                         "with nothing in it says so. Red alerts need no command: they go out as they arise.\n"
                         "The messages are queued durably; `bandwatch status` shows when they are sent.");
  std::string route;
  bool digest = false;
  control.command.options()
      ("route", po::value<std::string>(&route)->required(), "the route whose members to tell")
      ("digest", po::bool_switch(&digest), "send the route's digest");
  if (auto stop = control.parse(args)) return *stop;
  if (!digest) return control.command.usage_error("say what to send: --digest");
  int status = kExitOk;
  auto answer = control.ask({{"command", "notify"}, {"route", route}, {"digest", true}}, status);
  if (!answer) return status;
  if (control.json_output())
    std::printf("%s\n", answer->dump().c_str());
  else
    std::printf("digest of %s queued: %s item(s) in %s message(s)\n", route.c_str(), text((*answer)["items"]).c_str(),
                text((*answer)["messages"]).c_str());
  return kExitOk;
}

}  // namespace bandwatch::cli

namespace bandwatch::cli {

int run_reload(const Arguments& args) {
  ControlCommand control("reload", "[--control EP] [--format text|json]",
                         "Same as SIGHUP: the daemon checks the rule files and, if they have errors, keeps\n"
                         "the rules in force and answers with the errors (file:line:col): exit 1.");
  if (auto stop = control.parse(args)) return *stop;
  int status = kExitOk;
  auto answer = control.ask({{"command", "reload"}}, status);
  if (!answer) return status;
  bool ok = answer->value("ok", false);
  if (control.json_output()) {
    std::printf("%s\n", answer->dump().c_str());
  } else {
    for (const json& warning : (*answer)["warnings"]) std::fprintf(stderr, "%s\n", text(warning).c_str());
    for (const json& error : (*answer)["errors"]) std::fprintf(stderr, "%s\n", text(error).c_str());
    if (ok)
      std::printf("reloaded: %s file(s), %s rule(s), %s indicator(s); %s alert(s) of removed rules resolved\n",
                  text((*answer)["rule_files"]).c_str(), text((*answer)["rules"]).c_str(),
                  text((*answer)["indicators"]).c_str(), text((*answer)["resolved"]).c_str());
    else
      control.command.fail("refused: the rules in force are kept");
  }
  return ok ? kExitOk : kExitFailed;
}

int run_close(const Arguments& args) {
  ControlCommand control("close", "[--control EP] [--date DATE] [--format text|json]",
                         "Closes the open date now: the batches sent for it so far are its whole data, and its\n"
                         "alerts are decided and published. A date also closes when a batch for a later date\n"
                         "arrives, when a batch asks (send --close), or after the daemon's --close-after.");
  std::optional<Date> date;
  control.command.options()("date", date_value("date", &date),
                            "the date you mean to close (refused if another date is the open one)");
  if (auto stop = control.parse(args)) return *stop;
  json request = {{"command", "close"}};
  if (date) request["date"] = date->iso();
  int status = kExitOk;
  auto answer = control.ask(request, status);
  if (!answer) return status;
  if (control.json_output())
    std::printf("%s\n", answer->dump().c_str());
  else
  {
    std::printf("%s closed: %s batch(es), %s event(s)\n", text((*answer)["closed"]).c_str(),
                text((*answer)["batches"]).c_str(), text((*answer)["events"]).c_str());
    for (const json& note : (*answer)["notes"]) std::printf("note: %s\n", printable(text(note)).c_str());
  }
  return kExitOk;
}

int run_withdraw(const Arguments& args) {
  ControlCommand control("withdraw", "[--control EP] (BATCH-ID | --date DATE) --reason TEXT [--by WHO]",
                         "Undoes a batch that should not have been applied (a mistyped date, the wrong file): the\n"
                         "daemon rebuilds its state without it, publishes the alerts that change with the reason,\n"
                         "and keeps who and why. --date withdraws every batch of that date, its close included, so\n"
                         "the date can be sent again. `bandwatch send` prints each batch's id.");
  std::string by, reason;
  std::optional<Date> date;
  control.command.options()
      ("date", date_value("date", &date), "withdraw every batch dated DATE (2020-02-04 or 04/02/2020)")
      ("by", po::value<std::string>(&by), "who withdraws (default: $USER)")
      ("reason", po::value<std::string>(&reason), "why: kept in the event log with the alerts that change");
  control.command.positional("batch", 1, po::value<std::string>());
  if (auto stop = control.parse(args)) return *stop;
  bool batch = control.command.has("batch");
  if (batch == date.has_value()) return control.command.usage_error("give a batch id or --date, not both");
  if (reason.empty()) return control.command.usage_error("--reason is required (it goes into the event log)");
  if (auto stop = default_by_to_user(control, by, "who withdraws")) return *stop;
  json request = {{"command", "withdraw"}, {"by", by}, {"reason", reason}};
  if (batch) request["batch"] = control.command.get<std::string>("batch");
  else request["date"] = date->iso();
  int status = kExitOk;
  auto answer = control.ask(request, status);
  if (!answer) return status;
  if (control.json_output()) {
    std::printf("%s\n", answer->dump().c_str());
    return kExitOk;
  }
  for (const json& row : (*answer)["withdrawn"])
    std::printf("withdrawn: batch %s dated %s (%s sample(s))\n", printable(text(row["batch"])).c_str(),
                text(row["as_of"]).c_str(), text(row["samples"]).c_str());
  std::printf("%s batch(es) replayed; alerts: %s resolved, %s open again, %s changed colour\n",
              text((*answer)["replayed"]).c_str(), text((*answer)["resolved"]).c_str(),
              text((*answer)["reopened"]).c_str(), text((*answer)["changed"]).c_str());
  const json& closed = (*answer)["last_closed"];
  const json& open = (*answer)["open_date"];
  std::printf("last closed date: %s; open date: %s\n", closed.is_string() ? text(closed).c_str() : "none",
              open.is_string() ? text(open).c_str() : "none");
  return kExitOk;
}

}  // namespace bandwatch::cli
