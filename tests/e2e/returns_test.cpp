// `bandwatch import --return`: the hand-made SSDA903 return and CIN census of tests/extract
// (answers worked out by hand there) sent to a real bandwatchd with the example rules; the date
// closes with the second, and the alerts they raise are the ones the hand-worked figures give.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

std::string extract_testdata(const std::string& name) { return source_dir() + "/tests/extract/testdata/" + name; }

// "rule{label=value,...} severity value" for each alert of the snapshot, sorted.
std::vector<std::string> alerts(const json& snapshot) {
  std::vector<std::string> out;
  for (const json& alert : snapshot["alerts"]) {
    std::string line = alert["rule"].get<std::string>() + "{";
    bool first = true;
    for (auto& [name, value] : alert["labels"].items()) {
      line += (first ? "" : ",") + name + "=" + value.get<std::string>();
      first = false;
    }
    line += "} " + alert["severity"].get<std::string>() + " " + alert["value"].dump();
    out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ReturnsToDaemon, HeldBackChildrenAndTheMeasuresRaiseTheirAlerts) {
  TempDir dir;
  Daemon daemon(dir.path(), {examples("")}, {"--sync", "normal"});
  daemon.start();
  Result ssda903 = run({bandwatch_path(), "import", "--return", "ssda903", "--year", "2024", "--to", daemon.ingest,
                        extract_testdata("ssda903_2024")});
  EXPECT_EQ(ssda903.code, 4) << ssda903.err;  // three children held back, reported
  Result cin = run({bandwatch_path(), "import", "--return", "cin", "--year", "2024", "--to", daemon.ingest, "--close",
                    extract_testdata("cin_2024/cin_census.xml")});
  EXPECT_EQ(cin.code, 4) << cin.err;
  EXPECT_EQ(cin.out.substr(0, cin.out.find(" [")), "2024-03-31: ok, 17 sample(s); closed 2024-03-31");
  EXPECT_EQ(alerts(daemon.snapshot()), (std::vector<std::string>{
      "cin_assessments_within_45_days{} red 50",
      "cin_cp_plans_ended_after_two_years{} red 50",
      "cin_icpcs_within_15_days{} red 0",
      "cin_rereferrals_within_12_months{} red 50",
      "return_children_held_back{return=cin} amber 3",
      "return_children_held_back{return=ssda903} amber 3",
      "return_rows_held_back{return=cin,table=children} amber 3",
      "return_rows_held_back{return=ssda903,table=episodes} amber 4",
      "return_rows_held_back{return=ssda903,table=header} amber 3",
      "return_rows_held_back{return=ssda903,table=oc2} amber 1",
      "ssda903_care_leavers_in_eet{age_group=19-21} red 0",
      "ssda903_reviews_on_time{} red 40",
      "ssda903_three_or_more_placements{} red 20",
  }));
}

}  // namespace
}  // namespace bandwatch::e2e
