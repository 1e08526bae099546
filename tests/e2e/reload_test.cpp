// Reload without risk: through `bandwatch reload`, SIGHUP and a change to a rule file. Broken
// rules keep the rules in force and are reported as file:line:col; good ones carry alert state
// over for the rules that stay and resolve the alerts of rules that went.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

class ReloadTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra) {
    std::filesystem::create_directories(dir_ / "rules");
    write_text(rules(), read_text(testdata("rules.bw")));
    extra.insert(extra.end(), {"--sync", "normal"});
    daemon_ = std::make_unique<Daemon>(dir_.path(), std::vector<std::string>{dir_ / "rules"}, extra);
    daemon_->start();
  }
  std::string rules() const { return dir_ / "rules/rules.bw"; }
  std::string file(const std::string& name, const std::string& text) {
    write_text(dir_ / name, text);
    return dir_ / name;
  }
  void break_rules() {
    // A typo on line 21 (`severty`): a syntax error at a known place.
    std::string text = read_text(testdata("rules.bw"));
    std::size_t at = text.find("severity red");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 8, "severty");
    write_text(rules(), text);
  }
  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(ReloadTest, BrokenRulesKeepTheRulesInForceAndNameTheError) {
  start({"--watch-interval-ms", "0"});
  ASSERT_EQ(daemon_->send({file("s1.txt", "unallocated_cases{team=\"A\"} 1 2020-02-04\n")}).code, 0);
  break_rules();
  Result reload = daemon_->control("reload");
  EXPECT_EQ(reload.code, 1);
  EXPECT_NE(reload.err.find(rules() + ":21:"), std::string::npos) << reload.err;
  EXPECT_NE(reload.err.find(": error: "), std::string::npos) << reload.err;
  EXPECT_NE(reload.err.find("refused: the rules in force are kept"), std::string::npos) << reload.err;
  json answer = json::parse(daemon_->control("reload", {"--format", "json"}).out);
  EXPECT_FALSE(answer["ok"].get<bool>());
  ASSERT_FALSE(answer["errors"].empty());
  EXPECT_EQ(answer["errors"][0].get<std::string>().rfind(rules() + ":21:", 0), 0u);
  // The old rules still work: the same rule fires for another team (A is still in the extract:
  // a team missing from a newer extract has vanished, and its alert would resolve).
  ASSERT_EQ(daemon_->send({file("s2.txt",
                                "unallocated_cases{team=\"A\"} 1 2020-02-18\n"
                                "unallocated_cases{team=\"B\"} 1 2020-02-18\n")})
                .code,
            0);
  EXPECT_EQ(daemon_->snapshot()["alerts"].size(), 2u);
  json status = daemon_->status();
  EXPECT_FALSE(status["last_reload"]["ok"].get<bool>());
  EXPECT_NE(daemon_->log().find(rules() + ":21:"), std::string::npos);
}

TEST_F(ReloadTest, SighupReloads) {
  start({"--watch-interval-ms", "0"});
  break_rules();
  daemon_->process().signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return daemon_->log().find("reload (SIGHUP) refused") != std::string::npos; }))
      << daemon_->log();
  EXPECT_NE(daemon_->log().find(rules() + ":21:"), std::string::npos);
  write_text(rules(), read_text(testdata("rules.bw")));
  daemon_->process().signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return daemon_->log().find("reloaded (SIGHUP)") != std::string::npos; }))
      << daemon_->log();
}

TEST_F(ReloadTest, ChangedRuleFileIsReloaded) {
  start({"--watch-interval-ms", "100"});
  break_rules();
  ASSERT_TRUE(wait_until([&] { return daemon_->log().find("reload (rule files changed) refused") != std::string::npos; }))
      << daemon_->log();
  EXPECT_NE(daemon_->log().find(rules() + ":21:"), std::string::npos);
}

TEST_F(ReloadTest, AlertsCarryOverAndRemovedRulesResolve) {
  start({"--watch-interval-ms", "0"});
  ASSERT_EQ(daemon_->send({file("s1.txt",
                                "unallocated_cases{team=\"A\"} 1 2020-02-04\n"
                                "caseload{worker=\"W1\",team=\"A\"} 22 2020-02-04\n")})
                .code,
            0);
  json before = daemon_->snapshot();
  ASSERT_EQ(before["alerts"].size(), 2u);
  Watch watch(*daemon_, dir_.path());
  // Remove cases_unallocated; keep practitioner_caseload; add a rule.
  std::string text = read_text(testdata("rules.bw"));
  std::size_t from = text.find("rule cases_unallocated");
  std::size_t to = text.find("indicator icpc_timeliness");
  text.replace(from, to - from,
               "rule caseload_very_high {\n  when caseload > 30\n  severity red\n  route performance_clinic\n}\n\n");
  write_text(rules(), text);
  Result reload = daemon_->control("reload");
  ASSERT_EQ(reload.code, 0) << reload.err;
  EXPECT_NE(reload.out.find("2 rule(s)"), std::string::npos) << reload.out;
  EXPECT_NE(reload.out.find("1 alert(s) of removed rules resolved"), std::string::npos) << reload.out;
  json after = daemon_->snapshot();
  ASSERT_EQ(after["alerts"].size(), 1u);
  json kept = before["alerts"][0]["rule"] == "practitioner_caseload" ? before["alerts"][0] : before["alerts"][1];
  EXPECT_EQ(after["alerts"][0]["id"], kept["id"]);
  EXPECT_EQ(after["alerts"][0]["since"], "2020-02-04");
  ASSERT_TRUE(watch.wait_for([](const auto& lines) { return lines.size() >= 2; }));
  EXPECT_EQ(watch.events().at(0)["kind"], "resolved");
  EXPECT_EQ(watch.events().at(0)["rule"], "cases_unallocated");
  // The new rule works.
  ASSERT_EQ(daemon_->send({file("s2.txt", "caseload{worker=\"W1\",team=\"A\"} 31 2020-02-18\n")}).code, 0);
  bool found = false;
  json snapshot = daemon_->snapshot();
  for (const json& alert : snapshot["alerts"]) found |= alert["rule"] == "caseload_very_high";
  EXPECT_TRUE(found);
}

TEST(StartWithBrokenRules, RefusesWithFileLineColumn) {
  TempDir dir;
  std::string text = read_text(testdata("rules.bw"));
  text.replace(text.find("severity red"), 8, "severty");
  write_text(dir / "broken.bw", text);
  Result result = run({bandwatchd_path(), "--rules", dir / "broken.bw", "--state-dir", dir / "state"});
  EXPECT_EQ(result.code, 1);
  EXPECT_NE(result.err.find(dir / "broken.bw:21:"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace bandwatch::e2e
