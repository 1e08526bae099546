// The control socket through the real clients: the snapshot's exact JSON shape, acknowledgements
// (published, kept, cleared by escalation), silences (kept and reported, not published), status.
#include <gtest/gtest.h>

#include <set>

#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

using ControlTest = DaemonTest;

std::set<std::string> keys(const json& object) {
  std::set<std::string> out;
  for (const auto& [key, value] : object.items()) out.insert(key);
  return out;
}

TEST_F(ControlTest, SnapshotJsonShape) {
  ASSERT_EQ(daemon_->send({file("s.txt",
                                "caseload{worker=\"W1\",team=\"Hunts 1\"} 22.5 2020-02-04\n"
                                "icpc_timeliness 80% 2020-02-04\n")})
                .code,
            0);
  Result result = daemon_->control("snapshot", {"--format", "json"});
  ASSERT_EQ(result.code, 0) << result.err;
  json snapshot = json::parse(result.out);
  // {"sequence": N, "alerts": [{"id","rule","labels","severity","since","value","acknowledgement"}]}
  EXPECT_EQ(keys(snapshot), (std::set<std::string>{"sequence", "alerts"}));
  EXPECT_EQ(snapshot["sequence"], 2);
  ASSERT_EQ(snapshot["alerts"].size(), 2u);
  for (const json& alert : snapshot["alerts"]) {
    EXPECT_EQ(keys(alert), (std::set<std::string>{"id", "rule", "labels", "severity", "since", "value",
                                                  "acknowledgement"}));
    EXPECT_TRUE(alert["id"].is_number_unsigned());
    EXPECT_TRUE(alert["rule"].is_string());
    EXPECT_TRUE(alert["labels"].is_object());
    EXPECT_TRUE(alert["severity"].is_string());
    EXPECT_EQ(alert["since"], "2020-02-04");
    EXPECT_TRUE(alert["value"].is_number());
    EXPECT_TRUE(alert["acknowledgement"].is_null());
  }
  json caseload = snapshot["alerts"][0]["rule"] == "practitioner_caseload" ? snapshot["alerts"][0] : snapshot["alerts"][1];
  EXPECT_EQ(caseload["labels"], (json{{"team", "Hunts 1"}, {"worker", "W1"}}));
  EXPECT_EQ(caseload["severity"], "amber");
  EXPECT_DOUBLE_EQ(caseload["value"].get<double>(), 22.5);
  // With --route, that route's alerts and its own sequence number.
  json routed = daemon_->snapshot("workload_pressures");
  EXPECT_EQ(routed["sequence"], 1);
  ASSERT_EQ(routed["alerts"].size(), 1u);
  EXPECT_EQ(routed["alerts"][0]["rule"], "practitioner_caseload");
}

TEST_F(ControlTest, AcknowledgeIsPublishedKeptAndClearedByEscalation) {
  Watch watch(*daemon_, dir_.path(), {"--route", "workload_pressures"});
  ASSERT_EQ(daemon_->send({file("s1.txt", "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n")}).code, 0);
  json alert = daemon_->snapshot()["alerts"].at(0);
  std::string id = std::to_string(alert["id"].get<std::uint64_t>());
  Result ack = daemon_->control("ack", {id, "--by", "Team manager", "--note", "reallocating two cases",
                                        "--review", "2020-02-18", "--format", "json"});
  ASSERT_EQ(ack.code, 0) << ack.err;
  json answer = json::parse(ack.out);
  EXPECT_TRUE(answer["ok"].get<bool>());
  EXPECT_EQ(answer["sequence"], 2);

  json acknowledged = daemon_->snapshot()["alerts"].at(0)["acknowledgement"];
  EXPECT_EQ(acknowledged["by"], "Team manager");
  EXPECT_EQ(acknowledged["note"], "reallocating two cases");
  EXPECT_EQ(acknowledged["review"], "2020-02-18");
  EXPECT_TRUE(acknowledged["at"].is_string());
  ASSERT_TRUE(watch.wait_for([](const auto& lines) { return lines.size() >= 3; }));
  json event = watch.events().at(1);
  EXPECT_EQ(event["kind"], "acknowledged");
  EXPECT_EQ(event["acknowledgement"]["by"], "Team manager");
  EXPECT_EQ(event["alert_id"], alert["id"]);

  // Still over 20 two evaluations after it fired: red, and the acknowledgement is cleared.
  ASSERT_EQ(daemon_->send({file("s2.txt",
                                "caseload{worker=\"W1\",team=\"Hunts 1\"} 23 2020-02-18\n"
                                "caseload{worker=\"W1\",team=\"Hunts 1\"} 24 2020-03-03\n")})
                .code,
            0);
  json escalated = daemon_->snapshot()["alerts"].at(0);
  EXPECT_EQ(escalated["id"], alert["id"]);
  EXPECT_EQ(escalated["severity"], "red");
  EXPECT_TRUE(escalated["acknowledgement"].is_null());
  EXPECT_EQ(daemon_->snapshot("performance_clinic")["alerts"].size(), 1u);

  Result unknown = daemon_->control("ack", {"9999", "--by", "x"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("no open alert with id 9999"), std::string::npos) << unknown.err;
}

TEST_F(ControlTest, AReviewDateBeforeTheAcknowledgementIsRefused) {
  ASSERT_EQ(daemon_->send({file("s1.txt", "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n")}).code, 0);
  std::string id = std::to_string(daemon_->snapshot()["alerts"].at(0)["id"].get<std::uint64_t>());
  // A day before the figures the forum is looking at: it would read "review overdue" at once.
  Result early = daemon_->control("ack", {id, "--by", "Team manager", "--review", "03/02/2020"});
  EXPECT_EQ(early.code, 1);
  EXPECT_NE(early.err.find("review date 2020-02-03 is before the acknowledgement's date 2020-02-04 (the as-of date "
                           "of the latest figures), so it would be overdue at once; give a review date on or after "
                           "2020-02-04"),
            std::string::npos)
      << early.err;
  EXPECT_TRUE(daemon_->snapshot()["alerts"].at(0)["acknowledgement"].is_null());
  // The same day is not overdue: accepted.
  Result same_day = daemon_->control("ack", {id, "--by", "Team manager", "--review", "2020-02-04"});
  ASSERT_EQ(same_day.code, 0) << same_day.err;
  EXPECT_EQ(daemon_->snapshot()["alerts"].at(0)["acknowledgement"]["review"], "2020-02-04");
}

TEST_F(ControlTest, SilencedAlertsAreKeptAndReportedNotPublished) {
  Watch watch(*daemon_, dir_.path());
  Result silence = daemon_->control("silence", {"rule=cases_unallocated", "team=Hunts 2", "--until", "2020-02-28",
                                                "--by", "Head of Service", "--note", "known: agency cover from March",
                                                "--format", "json"});
  ASSERT_EQ(silence.code, 0) << silence.err;
  std::int64_t silence_id = json::parse(silence.out)["silence"]["id"];
  ASSERT_EQ(daemon_->send({file("s1.txt",
                                "unallocated_cases{team=\"Hunts 2\"} 4 2020-02-04\n"
                                "unallocated_cases{team=\"Hunts 3\"} 1 2020-02-04\n")})
                .code,
            0);
  // Only Hunts 3's alert is published; Hunts 2's is open, silenced, and in the snapshot.
  ASSERT_TRUE(watch.wait_for([](const auto& lines) { return lines.size() >= 2; }));
  std::vector<json> events = watch.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["labels"]["team"], "Hunts 3");
  EXPECT_EQ(events[0]["sequence"], 1);
  json snapshot = daemon_->snapshot();
  EXPECT_EQ(snapshot["alerts"].size(), 2u);
  Result detail = daemon_->control("snapshot", {"--detail", "--format", "json"});
  int silenced = 0;
  json detailed = json::parse(detail.out);
  for (const json& alert : detailed["alerts"])
    if (alert["silenced"].is_object()) {
      ++silenced;
      EXPECT_EQ(alert["labels"]["team"], "Hunts 2");
      EXPECT_EQ(alert["silenced"]["until"], "2020-02-28");
    }
  EXPECT_EQ(silenced, 1);
  json status = daemon_->status();
  EXPECT_EQ(status["silenced_alerts"], 1);
  EXPECT_EQ(status["silences"], 1);
  // The event log keeps the silenced event, without a sequence number.
  EXPECT_EQ(daemon_->event_log().size(), 1u);
  Result text = daemon_->control("snapshot");
  EXPECT_NE(text.out.find("[silenced until 2020-02-28 by Head of Service]"), std::string::npos) << text.out;

  // After the silence's date, events are published again.
  ASSERT_EQ(daemon_->send({file("s2.txt", "unallocated_cases{team=\"Hunts 2\"} 0 2020-03-03\n")}).code, 0);
  ASSERT_TRUE(watch.wait_for([](const auto& lines) { return lines.size() >= 3; }));
  EXPECT_EQ(watch.events().at(1)["kind"], "resolved");
  EXPECT_EQ(watch.events().at(1)["labels"]["team"], "Hunts 2");

  Result list = daemon_->control("silence", {"--list"});
  EXPECT_NE(list.out.find("1 active silence(s)"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("rule=cases_unallocated team=Hunts 2  until 2020-02-28"), std::string::npos) << list.out;
  ASSERT_EQ(daemon_->control("silence", {"--remove", std::to_string(silence_id)}).code, 0);
  EXPECT_EQ(daemon_->status()["silences"], 0);
  Result again = daemon_->control("silence", {"--remove", std::to_string(silence_id)});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("no active silence"), std::string::npos);
}

TEST_F(ControlTest, StatusReportsWhatTheDaemonHolds) {
  ASSERT_EQ(daemon_->send({file("s.txt",
                                "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n"
                                "caseload{worker=\"W2\",team=\"Hunts 1\"} 12 2020-02-04\n")})
                .code,
            0);
  json status = daemon_->status();
  EXPECT_EQ(status["rules"], 2);
  EXPECT_EQ(status["indicators"], 1);
  EXPECT_EQ(status["rule_files"].size(), 1u);
  EXPECT_EQ(status["series"], 2);
  EXPECT_EQ(status["open_alerts"], 1);
  EXPECT_EQ(status["sequence"], 1);
  EXPECT_EQ(status["batches"], 1);
  EXPECT_EQ(status["last_batch"]["as_of"], "2020-02-04");
  EXPECT_EQ(status["last_batch"]["samples"], 2);
  EXPECT_TRUE(status["uptime_seconds"].is_number());
  EXPECT_FALSE(status["curve"].get<bool>());
  Result text = daemon_->control("status");
  EXPECT_NE(text.out.find("2 rule(s), 1 indicator(s) from 1 file(s)"), std::string::npos) << text.out;
}

TEST_F(ControlTest, MalformedControlRequestsGetErrors) {
  auto ask = [&](const std::string& text) {
    auto reply = raw_request(daemon_->control_endpoint, {text});
    EXPECT_TRUE(reply);
    return reply ? json::parse(reply->back()) : json();
  };
  EXPECT_NE(ask("nonsense")["error"].get<std::string>().find("expected a JSON object"), std::string::npos);
  EXPECT_NE(ask(R"({"command":"dance"})")["error"].get<std::string>().find("unknown command 'dance'"), std::string::npos);
  EXPECT_NE(ask(R"({"command":"ack","alert":"one"})")["error"].get<std::string>().find("\"alert\""), std::string::npos);
  EXPECT_NE(ask(R"({"command":"silence","matchers":{},"until":"2020-01-01","by":"x"})")["error"].get<std::string>().find("matchers"),
            std::string::npos);
  EXPECT_NE(ask(R"({"command":"snapshot","route":7})")["error"].get<std::string>().find("route"), std::string::npos);
  EXPECT_NE(ask(R"({"command":"probe","topic":"workload_pressures.red.x"})")["error"].get<std::string>().find("$probe."),
            std::string::npos);
  EXPECT_TRUE(daemon_->running());
}

}  // namespace
}  // namespace bandwatch::e2e
