// `bandwatch targets import` and `export` as commands: a bad sheet writes nothing and exits 1 with
// every bad row on stderr; a good one writes the blocks the daemon then loads; the examples'
// targets export to a sheet that imports back to the same sheet.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

std::string sheet(const std::string& name) { return source_dir() + "/tests/extract/testdata/targets/" + name; }

TEST(TargetsCommand, ABadSheetWritesNothingAndNamesEachRow) {
  TempDir dir;
  Result result = run({bandwatch_path(), "targets", "import", sheet("bad.csv"), "--out", dir / "targets.bw"});
  EXPECT_EQ(result.code, 1);
  EXPECT_FALSE(std::filesystem::exists(dir / "targets.bw"));
  std::string first = sheet("bad.csv") + ":3: indicator icpc_timeliness already has bands with no effective date on line 2\n";
  EXPECT_EQ(result.err.substr(0, first.size()), first);
  std::string last = sheet("bad.csv") + ": 9 problems; nothing written\n";
  ASSERT_GE(result.err.size(), last.size());
  EXPECT_EQ(result.err.substr(result.err.size() - last.size()), last);
}

TEST(TargetsCommand, TheBlocksWrittenLoadIntoTheDaemonWithTheCouncilsRules) {
  TempDir dir;
  std::filesystem::create_directory(dir / "rules");
  write_text(dir / "rules/metrics.bw", "metric team_average_caseload { unit count labels team, team_kind }\n");
  Result result = run({bandwatch_path(), "targets", "import", sheet("good.csv"), "--rules", dir / "rules", "--out",
                       dir / "rules/targets.bw"});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.err, sheet("good.csv") + ": 4 indicators, 6 band sets, 1 benchmark\n");
  Result check = run({bandwatch_path(), "check", dir / "rules"});
  EXPECT_EQ(check.code, 0) << check.err;
  EXPECT_EQ(check.out, "2 files checked: 0 errors, 0 warnings\n");
  Daemon daemon(dir / "state", {dir / "rules"});
  daemon.start();
  EXPECT_EQ(daemon.status()["indicators"], 4) << daemon.status().dump();
}

TEST(TargetsCommand, ExportThenImportGivesTheSameSheet) {
  TempDir dir;
  std::vector<std::string> files;
  for (const char* name : {"stockton_2016.bw", "stockton_2020.bw"}) files.push_back(examples(name));
  std::vector<std::string> export_argv = {bandwatch_path(), "targets", "export", "--out", dir / "sheet.csv"};
  export_argv.insert(export_argv.end(), files.begin(), files.end());
  Result exported = run(export_argv);
  EXPECT_EQ(exported.code, 4);  // benchmark values of metrics, not indicators, are named as left out
  Result imported = run({bandwatch_path(), "targets", "import", dir / "sheet.csv", "--out", dir / "targets.bw",
                         "--rules", examples("")});
  // England's block in the sheet lacks the values of metrics that rules in examples/ read.
  EXPECT_EQ(imported.code, 1);
  EXPECT_NE(imported.err.find("benchmark 'england' has no value for 'care_leavers_19_21_eet'"), std::string::npos)
      << imported.err;
  Result alone = run({bandwatch_path(), "targets", "import", dir / "sheet.csv", "--out", dir / "targets.bw"});
  EXPECT_EQ(alone.code, 1);  // their routes are declared in examples/routes.bw
  Result with_routes = run({bandwatch_path(), "targets", "import", dir / "sheet.csv", "--out", dir / "targets.bw",
                            "--rules", examples("routes.bw")});
  EXPECT_EQ(with_routes.code, 0) << with_routes.err;
  Result again = run({bandwatch_path(), "targets", "export", dir / "targets.bw", "--out", dir / "again.csv"});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(read_text(dir / "again.csv"), read_text(dir / "sheet.csv"));
}

}  // namespace
}  // namespace bandwatch::e2e
