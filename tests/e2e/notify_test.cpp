// Notifications through the real daemon: a local SMTP sink and a local webhook receiver
// (tests/e2e/fixtures, Python's standard library) stand in for the council's relay and Teams.
// Red alerts are mailed at once, one mail per route and evaluation; a digest goes out on demand
// and on its route's cadence; the outbox rides out a relay that is down and a kill -9, and
// nothing is sent twice.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

namespace fs = std::filesystem;

/// A fixture process (the SMTP sink or the webhook receiver) on 127.0.0.1, keeping what it is
/// sent as JSON files in a directory.
class Receiver {
 public:
  Receiver(const std::string& script, const std::string& directory, int port = 0) : directory_(directory) {
    std::string port_file = directory + ".port";
    fs::remove(port_file);
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/python3", source_dir() + "/tests/e2e/fixtures/" + script, "--dir", directory,
                                 "--port", std::to_string(port), "--port-file", port_file},
        directory + ".out", directory + ".err");
    EXPECT_TRUE(wait_until([&] { return fs::exists(port_file) || !process_->running(); }))
        << script << " did not start";
    EXPECT_TRUE(process_->running()) << read_text(directory + ".err");
    if (fs::exists(port_file)) port_ = std::stoi(read_text(port_file));
  }
  ~Receiver() { stop(); }
  void stop() {
    process_->signal(SIGTERM);
    process_->wait(10s);
  }
  int port() const { return port_; }
  /// What was received, in order.
  std::vector<json> received() const {
    std::vector<std::string> names;
    if (fs::exists(directory_))
      for (const auto& entry : fs::directory_iterator(directory_))
        if (entry.path().extension() == ".json") names.push_back(entry.path().string());
    std::sort(names.begin(), names.end());
    std::vector<json> out;
    for (const std::string& name : names) out.push_back(json::parse(read_text(name)));
    return out;
  }

 private:
  std::string directory_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

const char* kRules = R"(
route workload_pressures {
  title "Workload Pressures meeting"
  email "chair@council.example", "tm@council.example"
}
route performance_clinic { title "Performance clinic" }

metric caseload          { unit count  labels worker, team }
metric unallocated_cases { unit count  labels team }

rule practitioner_caseload {
  when     caseload > 20
  severity amber
  route    workload_pressures
  message  "{worker} ({team}) holds {value} cases"
}

rule cases_unallocated {
  when     unallocated_cases > 0
  severity red
  route    workload_pressures
  message  "{team}: {value} unallocated cases"
}

rule clinic_only {
  when     unallocated_cases > 5
  severity red
  route    performance_clinic
  message  "{team}: {value} unallocated cases"
}
)";

class NotifyTest : public ::testing::Test {
 protected:
  std::string file(const std::string& name, const std::string& text) {
    write_text(dir_ / name, text);
    return dir_ / name;
  }
  std::vector<std::string> smtp_options(int port) {
    return {"--sync", "normal", "--heartbeat-ms", "200", "--smtp-url", "smtp://127.0.0.1:" + std::to_string(port),
            "--smtp-from", "bandwatch@council.example", "--notify-retry-first-ms", "100", "--notify-retry-max", "1"};
  }
  std::unique_ptr<Daemon> start_daemon(const std::string& rules, std::vector<std::string> options) {
    auto daemon = std::make_unique<Daemon>(dir_.path(), std::vector<std::string>{rules}, std::move(options));
    daemon->start();
    return daemon;
  }
  /// Waits until the outbox has sent `sent` messages and has none pending.
  bool all_sent(Daemon& daemon, int sent) {
    return wait_until([&] {
      json outbox = daemon.status()["notifications"];
      return outbox["sent"] == sent && outbox["pending"] == 0;
    });
  }

  TempDir dir_;
};

TEST_F(NotifyTest, RedAlertIsMailedAtOnceToTheRouteMembers) {
  Receiver sink("smtp_sink.py", dir_ / "mails");
  auto daemon = start_daemon(file("rules.bw", kRules), smtp_options(sink.port()));
  ASSERT_EQ(daemon->send({file("s1.txt", "unallocated_cases{team=\"Hunts 1\"} 3 2020-02-04\n"
                                         "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n")})
                .code,
            0);
  ASSERT_TRUE(all_sent(*daemon, 1)) << daemon->status().dump();
  std::vector<json> mails = sink.received();
  ASSERT_EQ(mails.size(), 1u);  // the amber alert waits for the digest
  const json& mail = mails[0];
  EXPECT_EQ(mail["mail_from"], "bandwatch@council.example");
  EXPECT_EQ(mail["rcpt_tos"], json::array({"chair@council.example", "tm@council.example"}));
  EXPECT_EQ(mail["from"], "bandwatch <bandwatch@council.example>");
  EXPECT_EQ(mail["to"], "chair@council.example, tm@council.example");
  EXPECT_EQ(mail["subject"], "[Workload Pressures meeting] Red: Hunts 1: 3 unallocated cases");
  EXPECT_EQ(mail["text"],
            "Workload Pressures meeting\n"
            "Red alerts from the data of 4 February 2020.\n"
            "\n"
            "New red alerts (1)\n"
            "\n"
            "  * Hunts 1: 3 unallocated cases\n"
            "    Red. Rule cases_unallocated, value 3, open since 04/02/2020 (alert 2).\n"
            "\n"
            "See every open alert with `bandwatch snapshot --route workload_pressures` and acknowledge one with "
            "`bandwatch ack`.\n"
            "\n"
            "You receive this because you are a member of the route workload_pressures in bandwatch's rules. Sent by "
            "bandwatch.\n");
  std::string html = mail["html"];
  EXPECT_NE(html.find("<td style=\"background:#d4351c;color:#ffffff\"><strong>Red</strong></td><td>Hunts 1: 3 "
                      "unallocated cases</td><td>cases_unallocated</td><td align=\"right\">3</td><td>04/02/2020</td>"),
            std::string::npos)
      << html;
  std::string message_id = mail["message_id"];
  EXPECT_EQ(message_id.rfind("<alerts.workload_pressures.", 0), 0u) << message_id;

  // The other route has no members: its alert is not mailed. Hunts 1's alert resolving and W1's
  // amber alert wait for the digest; the state says so.
  ASSERT_EQ(daemon->send({file("s2.txt", "unallocated_cases{team=\"Hunts 2\"} 9 2020-02-18\n")}).code, 0);
  ASSERT_TRUE(all_sent(*daemon, 2));
  mails = sink.received();
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_EQ(mails[1]["subject"], "[Workload Pressures meeting] Red: Hunts 2: 9 unallocated cases");
  Result status = daemon->control("status");
  EXPECT_NE(status.out.find("notifications:   2 sent, 0 pending, 0 failed; 2 change(s) waiting for a digest; 1 "
                            "route(s) with members; mail relay smtp://127.0.0.1:" +
                            std::to_string(sink.port()) + "\n"),
            std::string::npos)
      << status.out;
}

TEST_F(NotifyTest, ThousandAlertsOfOneEvaluationAreOneMail) {
  Receiver sink("smtp_sink.py", dir_ / "mails");
  auto daemon = start_daemon(file("rules.bw", kRules), smtp_options(sink.port()));
  std::string lines;
  for (int team = 1; team <= 1000; ++team)
    lines += "unallocated_cases{team=\"Team " + std::to_string(team) + "\"} 1 2020-02-04\n";
  ASSERT_EQ(daemon->send({file("burst.txt", lines)}).code, 0);
  ASSERT_TRUE(all_sent(*daemon, 1)) << daemon->status().dump();
  std::vector<json> mails = sink.received();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0]["subject"], "[Workload Pressures meeting] Red: 1000 alerts (data of 4 February 2020)");
  std::string text = mails[0]["text"];
  EXPECT_NE(text.find("\nNew red alerts (1000)\n"), std::string::npos);
  EXPECT_NE(text.find("  * Team 1: 1 unallocated case\n"), std::string::npos);
  EXPECT_NE(text.find("  * Team 1000: 1 unallocated case\n"), std::string::npos);
}

TEST_F(NotifyTest, DigestOnDemandGathersAmberAndResolved) {
  Receiver sink("smtp_sink.py", dir_ / "mails");
  auto daemon = start_daemon(file("rules.bw", kRules), smtp_options(sink.port()));
  ASSERT_EQ(daemon->send({file("s1.txt", "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n"
                                         "caseload{worker=\"W2\",team=\"Hunts 2\"} 24 2020-02-04\n")})
                .code,
            0);
  ASSERT_EQ(daemon->send({file("s2.txt", "caseload{worker=\"W1\",team=\"Hunts 1\"} 18 2020-02-18\n"
                                         "caseload{worker=\"W2\",team=\"Hunts 2\"} 24 2020-02-18\n")})
                .code,
            0);
  Result notify = daemon->control("notify", {"--route", "workload_pressures", "--digest"});
  ASSERT_EQ(notify.code, 0) << notify.err;
  EXPECT_EQ(notify.out, "digest of workload_pressures queued: 3 item(s) in 1 message(s)\n");
  ASSERT_TRUE(all_sent(*daemon, 1));
  std::vector<json> mails = sink.received();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0]["subject"], "[Workload Pressures meeting] Digest to 18 February 2020: 2 new amber, 1 resolved");
  std::string text = mails[0]["text"];
  EXPECT_EQ(text.substr(0, text.find("\nSee every")),
            "Workload Pressures meeting\n"
            "Digest of the changes in the data from 4 February 2020 to 18 February 2020: 2 new amber, 1 resolved.\n"
            "Red alerts are mailed when they arise; this digest gathers the rest for the meeting.\n"
            "\n"
            "New amber alerts (2)\n"
            "\n"
            "  * W1 (Hunts 1) holds 22 cases\n"
            "    Amber. Rule practitioner_caseload, value 22, open since 04/02/2020 (alert 1).\n"
            "  * W2 (Hunts 2) holds 24 cases\n"
            "    Amber. Rule practitioner_caseload, value 24, open since 04/02/2020 (alert 2).\n"
            "\n"
            "Resolved (1)\n"
            "\n"
            "  * practitioner_caseload (team=Hunts 1, worker=W1): back within limits (18)\n"
            "    Amber. Rule practitioner_caseload, value 18, resolved on the data of 18/02/2020 (open since "
            "04/02/2020) (alert 1).\n");

  // Asked again with nothing new: a digest that says so.
  notify = daemon->control("notify", {"--route", "workload_pressures", "--digest"});
  EXPECT_EQ(notify.out, "digest of workload_pressures queued: 0 item(s) in 1 message(s)\n");
  ASSERT_TRUE(all_sent(*daemon, 2));
  mails = sink.received();
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_EQ(mails[1]["subject"], "[Workload Pressures meeting] Digest to 18 February 2020: nothing new");

  // A route without members has nobody to send to.
  notify = daemon->control("notify", {"--route", "performance_clinic", "--digest"});
  EXPECT_EQ(notify.code, 1);
  EXPECT_EQ(notify.err,
            "bandwatch notify: route performance_clinic has no members to send a digest to (list them with `email` or "
            "`teams` in its route block)\n");
}

TEST_F(NotifyTest, DigestGoesOutOnTheRouteCadence) {
  Receiver sink("smtp_sink.py", dir_ / "mails");
  std::string rules = kRules;
  rules.replace(rules.find("  email"), 0, "  cadence 14 days\n");
  auto daemon = start_daemon(file("rules.bw", rules), smtp_options(sink.port()));
  ASSERT_EQ(daemon->send({file("s1.txt", "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n")}).code, 0);
  ASSERT_EQ(daemon->send({file("s2.txt", "caseload{worker=\"W1\",team=\"Hunts 1\"} 23 2020-02-11\n")}).code, 0);
  // A week after the first change: not yet due.
  ASSERT_TRUE(wait_until([&] { return daemon->status()["notifications"]["digest_items"] == 1; }));
  ASSERT_EQ(daemon->send({file("s3.txt", "caseload{worker=\"W1\",team=\"Hunts 1\"} 23 2020-02-18\n")}).code, 0);
  ASSERT_TRUE(all_sent(*daemon, 1)) << daemon->status().dump();
  std::vector<json> mails = sink.received();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0]["subject"], "[Workload Pressures meeting] Digest to 18 February 2020: 1 new amber");
  EXPECT_EQ(daemon->status()["notifications"]["digest_items"], 0);
}

TEST_F(NotifyTest, RelayDownThenUpLosesNothingAndDoublesNothing) {
  int port = 0;
  {
    Receiver probe("smtp_sink.py", dir_ / "mails");  // finds a free port, then frees it: the relay is down
    port = probe.port();
  }
  auto daemon = start_daemon(file("rules.bw", kRules), smtp_options(port));
  ASSERT_EQ(daemon->send({file("s1.txt", "unallocated_cases{team=\"Hunts 1\"} 3 2020-02-04\n")}).code, 0);
  ASSERT_EQ(daemon->send({file("s2.txt", "unallocated_cases{team=\"Hunts 2\"} 4 2020-02-18\n")}).code, 0);
  ASSERT_TRUE(wait_until([&] {
    json outbox = daemon->status()["notifications"];
    if (outbox["pending"] != 2) return false;
    for (const json& message : outbox["messages"])
      if (message["attempts"].get<int>() < 2) return false;
    return true;
  })) << daemon->status().dump();
  json outbox = daemon->status()["notifications"];
  EXPECT_EQ(outbox["sent"], 0);
  EXPECT_NE(outbox["last_error"].get<std::string>().find("Couldn't connect to server"), std::string::npos)
      << outbox.dump();

  Receiver sink("smtp_sink.py", dir_ / "mails", port);  // the relay is back
  ASSERT_TRUE(all_sent(*daemon, 2)) << daemon->status().dump();
  std::vector<json> mails = sink.received();
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_EQ(mails[0]["subject"], "[Workload Pressures meeting] Red: Hunts 1: 3 unallocated cases");
  EXPECT_EQ(mails[1]["subject"], "[Workload Pressures meeting] Red: Hunts 2: 4 unallocated cases");
}

TEST_F(NotifyTest, KillNineWithAPendingOutboxDeliversOnceAfterRestart) {
  int port = 0;
  {
    Receiver probe("smtp_sink.py", dir_ / "mails");
    port = probe.port();
  }
  auto daemon = start_daemon(file("rules.bw", kRules), smtp_options(port));
  ASSERT_EQ(daemon->send({file("s1.txt", "unallocated_cases{team=\"Hunts 1\"} 3 2020-02-04\n")}).code, 0);
  ASSERT_TRUE(wait_until([&] {
    json outbox = daemon->status()["notifications"];
    return outbox["pending"] == 1 && !outbox["last_error"].is_null();
  })) << daemon->status().dump();
  daemon->kill9();

  Receiver sink("smtp_sink.py", dir_ / "mails", port);
  daemon->start(true);
  ASSERT_TRUE(all_sent(*daemon, 1)) << daemon->status().dump();
  std::vector<json> mails = sink.received();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0]["subject"], "[Workload Pressures meeting] Red: Hunts 1: 3 unallocated cases");
  EXPECT_EQ(daemon->status()["notifications"]["messages"][0]["attempts"].get<int>() >= 2, true);

  // A later alert is one more mail: the restart queued nothing again.
  ASSERT_EQ(daemon->send({file("s2.txt", "unallocated_cases{team=\"Hunts 2\"} 4 2020-02-18\n")}).code, 0);
  ASSERT_TRUE(all_sent(*daemon, 2));
  mails = sink.received();
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_EQ(mails[1]["subject"], "[Workload Pressures meeting] Red: Hunts 2: 4 unallocated cases");
}

TEST_F(NotifyTest, TeamsChannelGetsAnAdaptiveCard) {
  Receiver hook("webhook_receiver.py", dir_ / "posts");
  std::string rules = kRules;
  rules.replace(rules.find("  email \"chair"), 0,
                "  teams \"http://127.0.0.1:" + std::to_string(hook.port()) + "/workflows/csc\"\n");
  // No mail relay: the Teams channel is enough.
  auto daemon = start_daemon(file("rules.bw", rules), {"--sync", "normal", "--heartbeat-ms", "200"});
  ASSERT_EQ(daemon->send({file("s1.txt", "unallocated_cases{team=\"Hunts 1\"} 3 2020-02-04\n"
                                         "unallocated_cases{team=\"Hunts 2\"} 1 2020-02-04\n")})
                .code,
            0);
  ASSERT_TRUE(all_sent(*daemon, 1)) << daemon->status().dump();
  std::vector<json> posts = hook.received();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0]["path"], "/workflows/csc");
  EXPECT_EQ(posts[0]["content_type"], "application/json; charset=utf-8");
  const json& message = posts[0]["body"];
  EXPECT_EQ(message["type"], "message");
  ASSERT_EQ(message["attachments"].size(), 1u);
  EXPECT_EQ(message["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive");
  const json& card = message["attachments"][0]["content"];
  EXPECT_EQ(card["type"], "AdaptiveCard");
  EXPECT_EQ(card["version"], "1.4");
  const json& body = card["body"];
  ASSERT_EQ(body.size(), 5u);
  EXPECT_EQ(body[0]["text"], "Workload Pressures meeting");
  EXPECT_EQ(body[1]["text"], "Red: 2 alerts (data of 4 February 2020)");
  EXPECT_EQ(body[2]["text"], "New red alerts");
  EXPECT_EQ(body[3]["items"][0]["text"], "Hunts 1: 3 unallocated cases");
  EXPECT_EQ(body[3]["items"][0]["color"], "Attention");
  EXPECT_EQ(body[3]["items"][1]["facts"],
            json::parse(R"([{"title":"Band","value":"Red"},{"title":"Rule","value":"cases_unallocated"},)"
                        R"({"title":"Value","value":"3"},{"title":"Open since","value":"04/02/2020"},)"
                        R"({"title":"Alert","value":"1"}])"));
  EXPECT_EQ(body[4]["items"][0]["text"], "Hunts 2: 1 unallocated case");
  // Mail members without a relay: the daemon says so in its log.
  EXPECT_NE(daemon->log().find("route workload_pressures lists mail members but bandwatchd has no --smtp-url"),
            std::string::npos);
}

}  // namespace
}  // namespace bandwatch::e2e
