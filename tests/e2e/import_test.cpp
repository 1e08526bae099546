// `bandwatch import --to`: an Annex A list sent to a real bandwatchd as one acknowledged batch;
// the same list again is answered "already applied"; the alerts it raises are in the daemon's
// snapshot once --close has closed the date; with --strict a bad row means nothing is sent.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

class ImportToDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(dir_.path(), std::vector<std::string>{examples("")},
                                       std::vector<std::string>{"--sync", "normal"});
    daemon_->start();
  }
  Result import(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{bandwatch_path(), "import",       "--rules", examples(""),
                                  "--extract",      "annex_a_list7", "--as-of", "2020-02-04",
                                  "--to",           daemon_->ingest, "--close"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(examples("extracts/list7.csv"));
    return run(argv);
  }
  std::string list7() const { return examples("extracts/list7.csv"); }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

// The cp_plan_over_two_years alerts of the daemon's snapshot: "child = days".
std::vector<std::string> plan_alerts(const json& snapshot) {
  std::vector<std::string> out;
  for (const json& alert : snapshot["alerts"])
    if (alert["rule"] == "cp_plan_over_two_years")
      out.push_back(alert["labels"]["child"].get<std::string>() + " = " + alert["value"].dump());
  return out;
}

TEST_F(ImportToDaemon, SendsTheListOnceAndItsAlertsAreOpen) {
  Result first = import();
  // Row 2 has a two-digit year: reported, and the other rows sent: done, with warnings.
  EXPECT_EQ(first.code, 4) << first.err;
  EXPECT_EQ(first.out.substr(0, first.out.find(" [")), "2020-02-04: ok, 22 sample(s); closed 2020-02-04");
  EXPECT_EQ(first.err,
            list7() + ":2: column \"Child protection plan start date\": \"04/02/19\" has a two-digit year\n" +
                list7() + ": rows read 13, imported 11, filtered 1, rejected 1 (2 blank lines skipped), 22 samples\n");

  Result again = import();
  EXPECT_EQ(again.code, 4) << again.err;
  EXPECT_EQ(again.out.substr(0, again.out.find(" [")),
            "2020-02-04: ok, 22 sample(s) (already applied: not applied again); closed 2020-02-04");
  // The batch id is the same both times: derived from the content.
  EXPECT_EQ(first.out.substr(first.out.find(" [")), again.out.substr(again.out.find(" [")));

  // The plans open two years or more on 4 February 2020, each an alert, once.
  EXPECT_EQ(plan_alerts(daemon_->snapshot()),
            (std::vector<std::string>{"C000002 = 823", "C000017 = 785", "C000025 = 769", "C000055 = 984",
                                      "C000123 = 786"}));
  EXPECT_EQ(daemon_->status()["batches"], 1);
}

TEST_F(ImportToDaemon, StrictWithABadRowSendsNothing) {
  Result strict = import({"--strict"});
  EXPECT_EQ(strict.code, 1) << strict.err;  // refused: nothing imported
  EXPECT_EQ(strict.out, "");
  EXPECT_NE(strict.err.find("bandwatch import: --strict: 1 row rejected, nothing imported\n"), std::string::npos)
      << strict.err;
  EXPECT_EQ(daemon_->status()["batches"], 0);
  EXPECT_EQ(plan_alerts(daemon_->snapshot()), std::vector<std::string>{});
}

}  // namespace
}  // namespace bandwatch::e2e
