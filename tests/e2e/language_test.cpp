// The language as an analyst meets it through the commands (issue 17): which files a folder
// contributes and saying so, `fmt --check` showing what would change.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

TEST(Language, FolderSearchLeavesOutWhatBwignoreAndExcludeSayAndSaysSo) {
  TempDir dir;
  std::filesystem::create_directories(dir / "rules/scratch");
  std::filesystem::create_directories(dir / "rules/.git");
  std::filesystem::create_directories(dir / "rules/tables");
  write_text(dir / "rules/routes.bw", "route panel {\n  title \"Corporate Parenting Panel\"\n}\n");
  write_text(dir / "rules/tables/cin.bw", "metric cin { unit count }\n");
  write_text(dir / "rules/tables/cin_draft.bw", "metric cin_draft {\n");  // broken: a draft
  write_text(dir / "rules/scratch/try.bw", "metric try {\n");               // broken: scratch work
  write_text(dir / "rules/.git/x.bw", "metric hidden {\n");                 // hidden folders: never
  write_text(dir / "rules/.bwignore", "# work in progress\nscratch/\n");

  Result plain = run({bandwatch_path(), "check", dir / "rules"});
  EXPECT_EQ(plain.code, 1) << plain.err;  // the draft is still read
  EXPECT_NE(plain.err.find("cin_draft.bw:2:1: error: metric 'cin_draft' (line 1) is not closed at the end of the "
                           "file: add '}'"),
            std::string::npos)
      << plain.err;
  EXPECT_NE(plain.err.find("1 path excluded by .bwignore or --exclude (-v lists them)\n"), std::string::npos)
      << plain.err;

  Result excluded = run({bandwatch_path(), "check", "-v", "--exclude", "*_draft.bw", dir / "rules"});
  EXPECT_EQ(excluded.code, 0) << excluded.err;
  EXPECT_EQ(excluded.out, "read " + dir / "rules/routes.bw\n" +
                              "read " + dir / "rules/tables/cin.bw\n" +
                              "skipped " + dir / "rules/scratch/ (excluded by scratch/ in " + dir / "rules/.bwignore)\n" +
                              "skipped " + dir / "rules/tables/cin_draft.bw (excluded by *_draft.bw in --exclude)\n" +
                              "2 files checked: 0 errors, 0 warnings\n");

  // A file named on the command line is read whatever the patterns say.
  Result named = run({bandwatch_path(), "check", "--exclude", "*_draft.bw", dir / "rules/tables/cin_draft.bw"});
  EXPECT_EQ(named.code, 1);

  // `test` and `eval` search folders the same way.
  Result test = run({bandwatch_path(), "test", "--exclude", "*_draft.bw", dir / "rules"});
  EXPECT_EQ(test.code, 0) << test.err;
  EXPECT_EQ(test.out, "0 tests, 0 passed, 0 failed (0 expectations not met)\n");
}

TEST(Language, FmtCheckPrintsWhatWouldChangeAsAUnifiedDiff) {
  TempDir dir;
  std::string text =
      "# Workload Pressures\n"
      "route workload_pressures {\n"
      "  title \"Workload Pressures meeting\"\n"
      "}\n"
      "\n"
      "metric   unallocated_cases {labels team  unit count}\n"
      "\n"
      "rule cases_unallocated {\n"
      "  when unallocated_cases > 0\n"
      "  severity red\n"
      "  route workload_pressures\n"
      "}";
  write_text(dir / "w.bw", text);
  Result check = run({bandwatch_path(), "fmt", "--check", dir / "w.bw"});
  EXPECT_EQ(check.code, 1) << check.err;
  EXPECT_EQ(check.out, "--- " + dir / "w.bw\n" +
                           "+++ " + dir / "w.bw (formatted)\n" +
                           "@@ -3,10 +3,13 @@\n"
                           "   title \"Workload Pressures meeting\"\n"
                           " }\n"
                           " \n"
                           "-metric   unallocated_cases {labels team  unit count}\n"
                           "+metric unallocated_cases {\n"
                           "+  unit count\n"
                           "+  labels team\n"
                           "+}\n"
                           " \n"
                           " rule cases_unallocated {\n"
                           "   when unallocated_cases > 0\n"
                           "   severity red\n"
                           "   route workload_pressures\n"
                           "-}\n"
                           "\\ No newline at end of file\n"
                           "+}\n");
  EXPECT_EQ(read_text(dir / "w.bw"), text);  // --check changes nothing

  Result formatted = run({bandwatch_path(), "fmt", dir / "w.bw"});
  EXPECT_EQ(formatted.code, 0) << formatted.err;
  Result again = run({bandwatch_path(), "fmt", "--check", dir / "w.bw"});
  EXPECT_EQ(again.code, 0);
  EXPECT_EQ(again.out, "");
}

/// Each event of `bandwatch eval --format json` as "as_of kind rule [routes]: message".
std::vector<std::string> eval_events(const std::string& rules, const std::string& samples, const TempDir& dir) {
  write_text(dir / "r.bw", rules);
  write_text(dir / "s.samples", samples);
  Result r = run({bandwatch_path(), "eval", "--rules", dir / "r.bw", "--samples", dir / "s.samples", "--format", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  std::vector<std::string> out;
  json parsed = json::parse(r.out);
  for (const json& evaluation : parsed["evaluations"])
    for (const json& event : evaluation["events"]) {
      std::string routes;
      for (const json& route : event["routes"]) routes += (routes.empty() ? "" : ",") + route.get<std::string>();
      out.push_back(event["as_of"].get<std::string>() + " " + event["kind"].get<std::string>() + " " +
                    event["rule"].get<std::string>() + " [" + routes + "]: " + event["message"].get<std::string>());
    }
  return out;
}

TEST(Language, StaleAlertsReachTheRouteTheirBlockNames) {
  TempDir dir;
  EXPECT_EQ(eval_events("route data_quality { title \"Performance and data team\" }\n"
                        "metric looked_after_children { unit count  expect every 6 weeks  route data_quality }\n"
                        "metric other { unit count }\n",
                        "looked_after_children 400 2020-01-01\nother 1 2020-01-01\nother 2 2020-02-12\n"
                        "looked_after_children 401 2020-02-20\n",
                        dir),
            (std::vector<std::string>{
                "2020-02-12 stale looked_after_children [data_quality]: no data for looked_after_children for 42 days "
                "(expected every 6 weeks)",
                "2020-02-20 resolved looked_after_children [data_quality]: data for looked_after_children arrived again "
                "(expected every 6 weeks)"}));
}

TEST(Language, AResolvedAlertSaysSoInItsOwnWords) {
  TempDir dir;
  std::string rules =
      "metric caseload { unit count  labels worker }\n"
      "metric looked_after_children { unit count }\n"
      "rule caseload_high {\n"
      "  title \"Caseload above 20\"\n"
      "  when caseload > 20\n"
      "  severity amber\n"
      "  message \"caseload for {worker} is {value}\"\n"
      "}\n"
      "rule lac_rising {\n"
      "  when looked_after_children > 400\n"
      "  severity amber\n"
      "  message \"children in care up: {value}\"\n"
      "  resolved message \"children in care back to {value}\"\n"
      "}\n"
      "indicator icpc {\n"
      "  title \"ICPCs in time\"\n"
      "  unit percent\n"
      "  bands { green >= 85%  amber 75% .. 84%  red < 75% }\n"
      "  round 0\n"
      "  message \"{value} of ICPCs in time: {band}\"\n"
      "  resolved message \"ICPCs back on target at {value}\"\n"
      "}\n";
  EXPECT_EQ(eval_events(rules,
                        "caseload{worker=\"W1\"} 22 2020-01-01\ncaseload{worker=\"W2\"} 23 2020-01-01\n"
                        "looked_after_children 410 2020-01-01\nicpc 80% 2020-01-01\n"
                        "caseload{worker=\"W1\"} 18 2020-02-01\nlooked_after_children 395 2020-02-01\n"
                        "icpc 86% 2020-02-01\n",
                        dir),
            (std::vector<std::string>{
                "2020-01-01 fired caseload_high []: caseload for W1 is 22",
                "2020-01-01 fired caseload_high []: caseload for W2 is 23",
                "2020-01-01 fired lac_rising []: children in care up: 410",
                "2020-01-01 fired icpc []: 80% of ICPCs in time: amber",
                // W1 under 20 again: the default; W2 gone from the return: said so, not "back within limits".
                "2020-02-01 resolved caseload_high []: Caseload above 20 (worker=W1): back within limits (18)",
                "2020-02-01 resolved caseload_high []: Caseload above 20 (worker=W2): no longer in the return",
                "2020-02-01 resolved lac_rising []: children in care back to 395",
                "2020-02-01 resolved icpc []: ICPCs back on target at 86%"}));
}

TEST(Language, DatedBenchmarksAreComparedAndNamedThroughEval) {
  TempDir dir;
  EXPECT_EQ(eval_events("metric re_referrals { unit percent }\n"
                        "benchmark sn {\n  re_referrals 9.5% from 2018-04-01\n  re_referrals 9.9% from 01/04/2020\n}\n"
                        "rule high {\n  when re_referrals > sn.re_referrals\n  severity amber\n"
                        "  message \"re-referrals {value}, neighbours {benchmark.sn}\"\n}\n",
                        "re_referrals 9.7% 2019-09-30\nre_referrals 9.8% 2020-09-30\nre_referrals 10% 2021-03-31\n", dir),
            (std::vector<std::string>{"2019-09-30 fired high []: re-referrals 9.7%, neighbours 9.5%",
                                      "2020-09-30 resolved high []: high: back within limits (9.8%)",
                                      "2021-03-31 fired high []: re-referrals 10%, neighbours 9.9%"}));
}

TEST(Language, NewKindsOfTargetThroughBandwatchTest) {
  TempDir dir;
  // In the canonical layout, so `fmt --check` has nothing to say.
  write_text(dir / "targets.bw",
             "benchmark england {\n"
             "  re_referrals 22% from 2019-04-01\n"
             "}\n"
             "\n"
             "indicator re_referrals {\n"
             "  unit percent\n"
             "  better closer to 22% within 2%\n"
             "  bands {\n"
             "    green <= england\n"
             "    red > england\n"
             "  }\n"
             "}\n"
             "\n"
             "metric cp_plan_age {\n"
             "  unit days\n"
             "  labels child\n"
             "}\n"
             "\n"
             "indicator cp_plan_age {\n"
             "  unit days\n"
             "  better lower\n"
             "  bands {\n"
             "    green < 18 months\n"
             "    amber 18 months .. 2 years\n"
             "    red > 2 years\n"
             "  }\n"
             "}\n"
             "\n"
             "test \"targets\" {\n"
             "  at 2021-02-05 {\n"
             "    re_referrals 23%\n"
             "    cp_plan_age{child=\"A\"} 732\n"
             "    cp_plan_age{child=\"B\"} 551\n"
             "  }\n"
             "  expect re_referrals red\n"
             "  expect cp_plan_age{child=\"A\"} red\n"
             "  expect cp_plan_age{child=\"B\"} amber\n"
             "}\n");
  Result check = run({bandwatch_path(), "check", dir / "targets.bw"});
  EXPECT_EQ(check.code, 0) << check.err;
  EXPECT_EQ(check.out, "1 file checked: 0 errors, 0 warnings\n");
  Result fmt = run({bandwatch_path(), "fmt", "--check", dir / "targets.bw"});
  EXPECT_EQ(fmt.code, 0) << fmt.out;
  Result test = run({bandwatch_path(), "test", dir / "targets.bw"});
  EXPECT_EQ(test.code, 0) << test.out << test.err;
  EXPECT_EQ(test.out, "1 test, 1 passed, 0 failed (0 expectations not met)\n");
}

}  // namespace
}  // namespace bandwatch::e2e
