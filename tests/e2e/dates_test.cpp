// Dates, returns and periods through the real daemon and clients (issue 12): a date's batches
// add up and the date is decided once when it closes; periods are returns of the rule's own
// data; one alert changes colour; look-backs and calendar durations; dates checked; wrong data
// named. Rules: testdata/dates.bw.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

class DatesTest : public ::testing::Test {
 protected:
  void SetUp() override { daemon_ = start(dir_.path()); }

  std::unique_ptr<Daemon> start(const std::string& directory) {
    auto daemon = std::make_unique<Daemon>(directory, std::vector<std::string>{testdata("dates.bw")},
                                           std::vector<std::string>{"--sync", "normal", "--close-after", "0"});
    daemon->start();
    return daemon;
  }
  std::string file(const std::string& text) {
    std::string path = dir_ / ("s" + std::to_string(++files_) + ".txt");
    write_text(path, text);
    return path;
  }
  /// Sends `text` as one batch and leaves its date open.
  void send_open(Daemon& daemon, const std::string& text) {
    Result sent = daemon.send_open({"--quiet", file(text)});
    ASSERT_EQ(sent.code, 0) << sent.err;
  }
  void close(Daemon& daemon) {
    Result closed = daemon.close_date();
    ASSERT_EQ(closed.code, 0) << closed.err;
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
  int files_ = 0;
};

/// "fired amber workload_high{worker=a} 2020-01-07 #1" for each logged event.
std::vector<std::string> describe(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const json& e : events) {
    std::string labels;
    for (const auto& [name, value] : e["labels"].items())
      labels += (labels.empty() ? "" : ",") + name + "=" + value.get<std::string>();
    out.push_back(e["kind"].get<std::string>() + " " + e["severity"].get<std::string>() + " " +
                  e["rule"].get<std::string>() + (labels.empty() ? "" : "{" + labels + "}") + " " +
                  e["as_of"].get<std::string>() + " #" + std::to_string(e["alert_id"].get<std::uint64_t>()));
  }
  return out;
}

json alert_of(const json& snapshot, const std::string& rule, const std::string& label, const std::string& value) {
  for (const json& alert : snapshot["alerts"])
    if (alert["rule"] == rule && alert["labels"].value(label, "") == value) return alert;
  return nullptr;
}

// Case 1: workers a and b sent as separate batches of one date, three fortnights running. Both
// alerts keep their ids and their acknowledgement, neither is resolved, both escalate together.
TEST_F(DatesTest, ADateInSeveralBatchesIsDecidedOnceAsAWhole) {
  send_open(*daemon_, "workload{worker=\"a\"} 60 2020-01-07\n");
  send_open(*daemon_, "workload{worker=\"b\"} 61 2020-01-07\n");
  EXPECT_EQ(daemon_->status()["open_date"], "2020-01-07");
  EXPECT_EQ(daemon_->status()["open_batches"], 2);
  EXPECT_EQ(daemon_->status()["sequence"], 0);  // nothing decided while the date is open
  close(*daemon_);
  std::string b = std::to_string(alert_of(daemon_->snapshot(), "workload_high", "worker", "b")["id"].get<std::uint64_t>());
  Result ack = daemon_->control("ack", {b, "--by", "Team manager", "--note", "reallocating"});
  ASSERT_EQ(ack.code, 0) << ack.err;

  send_open(*daemon_, "workload{worker=\"a\"} 62 2020-01-21\n");
  // b's figure is not in yet: its alert stands, acknowledged, while the date is open.
  EXPECT_EQ(alert_of(daemon_->snapshot(), "workload_high", "worker", "b")["acknowledgement"]["by"], "Team manager");
  send_open(*daemon_, "workload{worker=\"b\"} 63 2020-01-21\n");
  close(*daemon_);
  EXPECT_EQ(alert_of(daemon_->snapshot(), "workload_high", "worker", "b")["acknowledgement"]["by"], "Team manager");

  send_open(*daemon_, "workload{worker=\"a\"} 64 2020-02-04\n");
  send_open(*daemon_, "workload{worker=\"b\"} 65 2020-02-04\n");
  close(*daemon_);
  EXPECT_EQ(describe(daemon_->event_log()), (std::vector<std::string>{
                                                "fired amber workload_high{worker=a} 2020-01-07 #1",
                                                "fired amber workload_high{worker=b} 2020-01-07 #2",
                                                "acknowledged amber workload_high{worker=b} 2020-01-07 #2",
                                                "escalated red workload_high{worker=a} 2020-02-04 #1",
                                                "escalated red workload_high{worker=b} 2020-02-04 #2",
                                            }));
  // A red alert needs a fresh look: the escalation cleared the acknowledgement.
  EXPECT_TRUE(alert_of(daemon_->snapshot(), "workload_high", "worker", "b")["acknowledgement"].is_null());
}

// Case 2: a period is a return of the rule's own data. An unrelated figure arriving ten days
// later is no period; neither is the same stale workload figure months on.
TEST_F(DatesTest, PeriodsAreReturnsOfTheRulesOwnData) {
  ASSERT_EQ(daemon_->send({file("workload{worker=\"a\"} 60 2020-01-07\n")}).code, 0);
  for (const char* date : {"2020-01-17", "2020-01-27", "2020-02-06", "2020-06-01"})
    ASSERT_EQ(daemon_->send({file(std::string("front_door_contacts 812 ") + date + "\n")}).code, 0);
  EXPECT_EQ(alert_of(daemon_->snapshot(), "workload_high", "worker", "a")["severity"], "amber");
  ASSERT_EQ(daemon_->send({file("workload{worker=\"a\"} 61 2020-06-15\n")}).code, 0);
  ASSERT_EQ(daemon_->send({file("workload{worker=\"a\"} 62 2020-06-29\n")}).code, 0);
  EXPECT_EQ(describe(daemon_->event_log()), (std::vector<std::string>{
                                                "fired amber workload_high{worker=a} 2020-01-07 #1",
                                                "escalated red workload_high{worker=a} 2020-06-29 #1",
                                            }));
}

// Case 3: "over 20 on two consecutive returns" is one rule, and the meeting sees one item turn
// from amber to red (and reach the clinic), never one resolve and another open. The same for a
// child protection plan at 18 months, then two years.
TEST_F(DatesTest, OneAlertChangesColour) {
  ASSERT_EQ(daemon_->send({file("caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n"
                                "cp_plan_age{child=\"C1\"} 549 2020-02-04\n")})
                .code,
            0);
  ASSERT_EQ(daemon_->send({file("caseload{worker=\"W1\",team=\"Hunts 1\"} 23 2020-02-18\n"
                                "cp_plan_age{child=\"C1\"} 563 2020-02-18\n")})
                .code,
            0);
  ASSERT_EQ(daemon_->send({file("cp_plan_age{child=\"C1\"} 731 2020-08-04\n")}).code, 0);
  EXPECT_EQ(describe(daemon_->event_log()), (std::vector<std::string>{
                                                "fired amber caseload_over_target{team=Hunts 1,worker=W1} 2020-02-04 #1",
                                                "fired amber cp_plan_long{child=C1} 2020-02-04 #2",
                                                "escalated red caseload_over_target{team=Hunts 1,worker=W1} 2020-02-18 #1",
                                                "escalated red cp_plan_long{child=C1} 2020-08-04 #2",
                                            }));
  json clinic = daemon_->snapshot("performance_clinic");
  EXPECT_EQ(alert_of(clinic, "caseload_over_target", "worker", "W1")["severity"], "red");
}

// Case 4: a year earlier is the figure for the same point a year earlier, within a month either
// side, or nothing; and the daemon says which.
TEST_F(DatesTest, AYearEarlierIsTheSamePointOrNothing) {
  ASSERT_EQ(daemon_->send({file("looked_after_children 391 2019-12-31\n")}).code, 0);
  Result later = daemon_->send({file("looked_after_children 423 2021-03-31\n")});
  ASSERT_EQ(later.code, 0) << later.err;
  EXPECT_NE(later.out.find("note: looked_after_rising: not decided on 2021-03-31: no figure of looked_after_children "
                           "within 31 days of 2020-03-31 (1 year earlier)"),
            std::string::npos)
      << later.out;
  EXPECT_EQ(daemon_->event_log().size(), 0u);
  ASSERT_EQ(daemon_->send({file("looked_after_children 400 2021-04-30\n")}).code, 0);
  ASSERT_EQ(daemon_->send({file("looked_after_children 430 2022-04-28\n")}).code, 0);
  EXPECT_EQ(describe(daemon_->event_log()), std::vector<std::string>{"fired amber looked_after_rising 2022-04-28 #1"});
  EXPECT_EQ(daemon_->event_log()[0]["message"], "children in care up 7.5% on a year earlier");
}

// Case 5: durations on the calendar. A plan begun on 29 Feb 2020 is two years old on 1 Mar 2022,
// not on 28 Feb.
TEST_F(DatesTest, TwoYearsFromALeapDayIsTheFirstOfMarch) {
  ASSERT_EQ(daemon_->send({file("cp_plan_age{child=\"C2\"} 730 2022-02-28\n")}).code, 0);
  EXPECT_EQ(alert_of(daemon_->snapshot(), "cp_plan_long", "child", "C2")["severity"], "amber");
  ASSERT_EQ(daemon_->send({file("cp_plan_age{child=\"C2\"} 731 2022-03-01\n")}).code, 0);
  EXPECT_EQ(alert_of(daemon_->snapshot(), "cp_plan_long", "child", "C2")["severity"], "red");
}

// Case 6: a mistyped year is refused, naming the date, and blocks nothing after it.
TEST_F(DatesTest, MistypedYearsAreRefusedAndBlockNothing) {
  Result future = daemon_->send({file("workload{worker=\"a\"} 60 2200-01-20\n")});
  EXPECT_EQ(future.code, 1);
  EXPECT_NE(future.err.find("batch for 2200-01-20 refused: as-of date 2200-01-20 is more than 3 day(s) after today "
                            "(--future-days): is the year mistyped?"),
            std::string::npos)
      << future.err;
  Result ancient = daemon_->send({file("workload{worker=\"a\"} 60 0000-01-20\n")});
  EXPECT_EQ(ancient.code, 1);
  EXPECT_NE(ancient.err.find("as-of date 0000-01-20 is before 2000-01-01, the earliest date this daemon takes "
                             "(--earliest-date): is the year mistyped?"),
            std::string::npos)
      << ancient.err;
  ASSERT_EQ(daemon_->send({file("workload{worker=\"a\"} 60 2020-01-07\n")}).code, 0);
  EXPECT_EQ(daemon_->status()["last_as_of"], "2020-01-07");
  // A line may not be dated after its batch.
  auto reply = raw_request(daemon_->ingest, {"b1", R"({"v":1,"as_of":"2020-01-21"})",
                                             "workload{worker=\"a\"} 61 2020-03-01\n"});
  ASSERT_TRUE(reply);
  json answer = json::parse(reply->back());
  EXPECT_EQ(answer["rejected"][0]["message"],
            "dated 2020-03-01, after the batch's date 2020-01-21: a batch holds figures up to its own date");
}

// Case 6, the way back: a batch dated November for January (inside the daemon's horizon, so not
// refused) resolved a genuine alert and closed its date; every real batch after it was refused.
// `bandwatch withdraw` undoes it: the alert is open again under its own id, the withdrawal is in
// the event log with who and why, the real figures go in, the same file is refused if sent again,
// and a restart keeps all of it.
TEST_F(DatesTest, AWronglyDatedBatchIsWithdrawnAndTheRealOneGoesIn) {
  ASSERT_EQ(daemon_->send({file("workload{worker=\"a\"} 60 2020-01-07\n")}).code, 0);
  ASSERT_EQ(alert_of(daemon_->snapshot(), "workload_high", "worker", "a")["id"], 1);
  std::string wrong = file("workload{worker=\"a\"} 10 2020-11-21\n");
  ASSERT_EQ(daemon_->send({wrong}).code, 0);
  EXPECT_EQ(alert_of(daemon_->snapshot(), "workload_high", "worker", "a"), nullptr);
  Result blocked = daemon_->send({file("workload{worker=\"a\"} 62 2020-01-21\n")});
  EXPECT_EQ(blocked.code, 1);

  Result missing = daemon_->control("withdraw", {"--date", "2020-11-22", "--by", "Data team", "--reason", "typo"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("nothing withdrawn: no batch dated 2020-11-22 was applied"), std::string::npos) << missing.err;
  Result undone = daemon_->control(
      "withdraw", {"--date", "21/11/2020", "--by", "Data team", "--reason", "month typed 11 for 01"});
  ASSERT_EQ(undone.code, 0) << undone.err;
  EXPECT_NE(undone.out.find("1 batch(es) replayed; alerts: 0 resolved, 1 open again, 0 changed colour\n"
                            "last closed date: 2020-01-07; open date: none\n"),
            std::string::npos)
      << undone.out;
  json alert = alert_of(daemon_->snapshot(), "workload_high", "worker", "a");
  ASSERT_NE(alert, nullptr);
  EXPECT_EQ(alert["id"], 1);
  std::vector<json> log = daemon_->event_log();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back()["kind"], "fired");
  EXPECT_EQ(log.back()["alert_id"], 1);
  EXPECT_EQ(log.back()["message"],
            "a holds 60 cases (open again: the batches dated 2020-11-21 withdrawn by Data team: month typed 11 for 01)");

  Result again = daemon_->send({wrong});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("was withdrawn by Data team (month typed 11 for 01): nothing of it was applied again"),
            std::string::npos)
      << again.err;
  ASSERT_EQ(daemon_->send({file("workload{worker=\"a\"} 62 2020-01-21\n")}).code, 0);
  EXPECT_EQ(daemon_->status()["last_as_of"], "2020-01-21");
  EXPECT_EQ(alert_of(daemon_->snapshot(), "workload_high", "worker", "a")["id"], 1);

  // Withdrawn is withdrawn after a restart too, from a checkpoint or from the batches.
  ASSERT_EQ(daemon_->stop(), 0);
  daemon_->start(true);
  EXPECT_EQ(daemon_->status()["last_as_of"], "2020-01-21");
  EXPECT_EQ(alert_of(daemon_->snapshot(), "workload_high", "worker", "a")["id"], 1);
  Result twice = daemon_->control("withdraw", {"--date", "2020-11-21", "--by", "Data team", "--reason", "again"});
  EXPECT_EQ(twice.code, 1);
  EXPECT_NE(twice.err.find("nothing withdrawn: it was withdrawn before"), std::string::npos) << twice.err;
}

// A batch whose samples the kept checkpoints no longer cover cannot be withdrawn: refused,
// naming the option, and nothing changes.
TEST_F(DatesTest, ABatchOlderThanTheKeptStateIsNotWithdrawn) {
  TempDir other;
  Daemon daemon(other.path(), {testdata("dates.bw")}, {"--sync", "normal", "--close-after", "0", "--keep-checkpoints", "0"});
  daemon.start();
  ASSERT_EQ(daemon.send({file("workload{worker=\"a\"} 60 2020-01-07\n")}).code, 0);
  ASSERT_EQ(daemon.send({file("workload{worker=\"a\"} 61 2020-01-21\n")}).code, 0);
  ASSERT_EQ(daemon.stop(), 0);  // a checkpoint at shutdown: with none kept, the samples go
  daemon.start(true);
  Result refused = daemon.control("withdraw", {"--date", "2020-01-21", "--by", "Data team", "--reason", "late"});
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("nothing withdrawn: batch "), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find(" is older than the state kept for undoing (the 0 earlier checkpoint(s) of "
                             "--keep-checkpoints): restore a backup from before it instead"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(daemon.status()["last_as_of"], "2020-01-21");
  EXPECT_EQ(alert_of(daemon.snapshot(), "workload_high", "worker", "a")["id"], 1);
}

// Case 7: wrong data is named, and the exit status says so.
TEST_F(DatesTest, WrongDataIsNamedAndTheExitStatusSaysSo) {
  ASSERT_EQ(daemon_->send({file("assessment_timeliness{team=\"A\"} 92.5 2020-02-04\n")}).code, 0);
  std::string bad = file(
      "caseload{worker=\"W1\"} 22 2020-02-18\n"
      "caseload{worker=\"W2\",team=\"T\"} 22 2020-02-18\n"
      "caseload{worker=\"W2\",team=\"T\"} 25 2020-02-18\n"
      "assessment_timeliness{team=\"A\"} 0.125 2020-02-18\n");
  Result sent = daemon_->send({bad});
  EXPECT_EQ(sent.code, 4);  // done, with lines to read
  EXPECT_EQ(sent.err,
            bad + ":1:1: error: metric 'caseload' needs the labels team, worker; this sample lacks team (write "
                  "team=\"\" to say it has none)\n" +
                bad + ":3:1: error: a second figure for the same series and date 2020-02-18 in this batch (the first "
                      "was 22); send each series once per date\n" +
                bad + ":4:1: warning: 0.125 for the percent metric 'assessment_timeliness' looks like a fraction "
                      "(Excel keeps 12.5% as 0.125): percent figures are sent as points, e.g. 12.5%\n");
  // The doubted figure was taken (and shown red, as sent); the refused ones were not.
  json snapshot = daemon_->snapshot();
  EXPECT_EQ(alert_of(snapshot, "assessment_timeliness", "team", "A")["value"], 0.125);
  EXPECT_EQ(alert_of(snapshot, "caseload_over_target", "worker", "W2")["value"], 22);
  EXPECT_TRUE(alert_of(snapshot, "caseload_over_target", "worker", "W1").is_null());
}

// The same samples sent as one batch per date, and as many batches per date in random order,
// give the same events under the same sequence numbers and the same open alerts.
TEST_F(DatesTest, BatchesOfADateInAnyNumberAndOrderGiveTheSameAlerts) {
  std::mt19937 random(20200204);
  std::vector<std::string> dates = {"2020-01-07", "2020-01-21", "2020-02-04", "2020-02-18", "2020-03-03"};
  std::vector<std::vector<std::string>> lines(dates.size());
  for (std::size_t d = 0; d < dates.size(); ++d) {
    for (int w = 0; w < 30; ++w) {
      std::string worker = "W" + std::to_string(w);
      if (random() % 10 == 0) continue;  // now and then a worker is not in a date's lists
      lines[d].push_back("workload{worker=\"" + worker + "\"} " + std::to_string(40 + random() % 25) + " " + dates[d]);
      lines[d].push_back("caseload{worker=\"" + worker + "\",team=\"T" + std::to_string(w % 4) + "\"} " +
                         std::to_string(15 + random() % 10) + " " + dates[d]);
    }
    for (int c = 0; c < 6; ++c)
      lines[d].push_back("cp_plan_age{child=\"C" + std::to_string(c) + "\"} " + std::to_string(500 + 14 * d + 30 * c) +
                         " " + dates[d]);
    lines[d].push_back("assessment_timeliness{team=\"T" + std::to_string(d % 3) + "\"} " +
                       std::to_string(75 + random() % 20) + " " + dates[d]);
  }

  // One batch per date.
  for (const auto& date_lines : lines) {
    std::string text;
    for (const std::string& line : date_lines) text += line + "\n";
    ASSERT_EQ(daemon_->send({file(text)}).code, 0);
  }
  std::vector<json> expected_log = daemon_->event_log();
  json expected_snapshot = daemon_->snapshot();
  ASSERT_GT(expected_log.size(), 20u);

  // Many batches per date, lines shuffled, dates closed only by the next date (and the last by
  // `bandwatch close`).
  TempDir other_dir;
  std::unique_ptr<Daemon> other = start(other_dir.path());
  for (auto& date_lines : lines) {
    std::shuffle(date_lines.begin(), date_lines.end(), random);
    std::size_t parts = 2 + random() % 5;
    for (std::size_t p = 0; p < parts; ++p) {
      std::string text;
      for (std::size_t i = p; i < date_lines.size(); i += parts) text += date_lines[i] + "\n";
      send_open(*other, text);
    }
  }
  close(*other);
  std::vector<json> log = other->event_log();
  ASSERT_EQ(log.size(), expected_log.size());
  for (std::size_t i = 0; i < log.size(); ++i) EXPECT_EQ(log[i], expected_log[i]) << "event " << i + 1;
  EXPECT_EQ(other->snapshot(), expected_snapshot);
}

}  // namespace
}  // namespace bandwatch::e2e
