// The SSDA903 return on a small hand-made 2024 return (testdata/ssda903_2024), whose answers were
// worked out by hand child by child (docs/extracts.md, "SSDA903"), and the measures of
// data/returns/metrics.bw worked out from its samples by the engine.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/batch.hpp"
#include "engine/engine.hpp"
#include "extract/returns.hpp"
#include "returns_test_util.hpp"

namespace bandwatch::extract {
namespace {

const std::string kDir = std::string(BANDWATCH_TESTDATA) + "/ssda903_2024";

TEST(Ssda903, HandMadeReturnGivesTheMeasuresWorkedOutByHand) {
  Captured captured;
  ReturnOptions options;
  options.year = 2024;
  ReturnSummary summary = import_ssda903({kDir}, options, captured.sink(), captured.reporter());
  ASSERT_FALSE(summary.failed);
  EXPECT_EQ(captured.sorted_samples(), (std::vector<std::string>{
      "ssda903_care_leaver_in_eet{child=\"L1\",age_group=\"17-18\"} 1 2024-03-31",
      "ssda903_care_leaver_in_eet{child=\"L2\",age_group=\"19-21\"} 0 2024-03-31",
      "ssda903_care_leaver_in_eet{child=\"L3\",age_group=\"19-21\"} 0 2024-03-31",
      "ssda903_care_leaver_in_touch{child=\"L1\",age_group=\"17-18\"} 1 2024-03-31",
      "ssda903_care_leaver_in_touch{child=\"L2\",age_group=\"19-21\"} 1 2024-03-31",
      "ssda903_care_leaver_in_touch{child=\"L3\",age_group=\"19-21\"} 0 2024-03-31",
      "ssda903_care_leaver_suitably_accommodated{child=\"L1\",age_group=\"17-18\"} 1 2024-03-31",
      "ssda903_care_leaver_suitably_accommodated{child=\"L2\",age_group=\"19-21\"} 0 2024-03-31",
      "ssda903_care_leaver_suitably_accommodated{child=\"L3\",age_group=\"19-21\"} 0 2024-03-31",
      "ssda903_health_check{child=\"C1\"} 1 2024-03-31",
      "ssda903_health_check{child=\"C3\"} 0 2024-03-31",
      "ssda903_health_check{child=\"C9\"} 1 2024-03-31",
      "ssda903_immunisations{child=\"C1\"} 1 2024-03-31",
      "ssda903_immunisations{child=\"C3\"} 1 2024-03-31",
      "ssda903_long_term_stable{child=\"C1\"} 1 2024-03-31",
      "ssda903_long_term_stable{child=\"C9\"} 1 2024-03-31",
      "ssda903_looked_after{child=\"C1\",legal_status=\"C2\",placement=\"U1\"} 1 2024-03-31",
      "ssda903_looked_after{child=\"C10\",legal_status=\"C1\",placement=\"U3\"} 1 2024-03-31",
      "ssda903_looked_after{child=\"C2\",legal_status=\"C2\",placement=\"R1\"} 1 2024-03-31",
      "ssda903_looked_after{child=\"C3\",legal_status=\"C2\",placement=\"U1\"} 1 2024-03-31",
      "ssda903_looked_after{child=\"C9\",legal_status=\"E1\",placement=\"A4\"} 1 2024-03-31",
      "ssda903_missing_episodes{child=\"C2\"} 1 2024-03-31",
      "ssda903_open_case{child=\"C1\",worker=\"SW1\"} 1 2024-03-31",
      "ssda903_open_case{child=\"C10\",worker=\"SW3\"} 1 2024-03-31",
      "ssda903_open_case{child=\"C2\",worker=\"SW2\"} 1 2024-03-31",
      "ssda903_open_case{child=\"C3\",worker=\"\"} 1 2024-03-31",
      "ssda903_open_case{child=\"C9\",worker=\"SW1\"} 1 2024-03-31",
      "ssda903_placements{child=\"C1\"} 1 2024-03-31",
      "ssda903_placements{child=\"C10\"} 1 2024-03-31",
      "ssda903_placements{child=\"C2\"} 3 2024-03-31",
      "ssda903_placements{child=\"C3\"} 1 2024-03-31",
      "ssda903_placements{child=\"C9\"} 2 2024-03-31",
      "ssda903_reviews_in_time{child=\"C1\"} 1 2024-03-31",
      "ssda903_reviews_in_time{child=\"C10\"} 0 2024-03-31",
      "ssda903_reviews_in_time{child=\"C2\"} 0 2024-03-31",
      "ssda903_reviews_in_time{child=\"C3\"} 0 2024-03-31",
      "ssda903_reviews_in_time{child=\"C9\"} 1 2024-03-31",
      "ssda903_sdq_score{child=\"C1\"} 14 2024-03-31",
      "ssda903_sdq_score{child=\"C9\"} 8 2024-03-31",
      "ssda903_teeth_check{child=\"C1\"} 1 2024-03-31",
      "ssda903_teeth_check{child=\"C3\"} 1 2024-03-31",
      "ssda903_teeth_check{child=\"C9\"} 0 2024-03-31",
  }));
  // The gate: each problem with its file and line, and the three children it concerns held back.
  EXPECT_EQ(captured.problems, (std::vector<std::string>{
      kDir + "/episodes.csv:11: column \"LS\": \"C9\" is not a code of the 2024 layout (C1, C2, D1, E1, V2, V3, V4, L1, ... (13 codes))",
      kDir + "/episodes.csv:10: the episode beginning 01/05/2023 overlaps the child's episode on line 9 (01/01/2023 to 01/06/2023)",
      kDir + "/episodes.csv:12: column \"DEC\": 01/02/2023 is before the episode began (DECOM 01/03/2023)",
  }));
  EXPECT_EQ(summary.children, 14u);
  EXPECT_EQ(summary.children_held_back, 3u);
  EXPECT_EQ(summary.samples, 42u);
  std::vector<std::string> counts;
  for (const TableCounts& table : summary.tables)
    counts.push_back(table.table + " " + std::to_string(table.rows_read) + " " + std::to_string(table.rows_held_back));
  EXPECT_EQ(counts, (std::vector<std::string>{"episodes 16 4", "header 14 3", "missing 3 0", "oc2 4 1", "oc3 4 0",
                                              "reviews 8 0", "social_worker 5 0"}));
  std::string quality;
  append_quality_samples(quality, "ssda903", summary, Date::from_ymd(2024, 3, 31));
  EXPECT_EQ(quality,
            "return_rows_read{return=\"ssda903\",table=\"episodes\"} 16 2024-03-31\n"
            "return_rows_held_back{return=\"ssda903\",table=\"episodes\"} 4 2024-03-31\n"
            "return_rows_read{return=\"ssda903\",table=\"header\"} 14 2024-03-31\n"
            "return_rows_held_back{return=\"ssda903\",table=\"header\"} 3 2024-03-31\n"
            "return_rows_read{return=\"ssda903\",table=\"missing\"} 3 2024-03-31\n"
            "return_rows_held_back{return=\"ssda903\",table=\"missing\"} 0 2024-03-31\n"
            "return_rows_read{return=\"ssda903\",table=\"oc2\"} 4 2024-03-31\n"
            "return_rows_held_back{return=\"ssda903\",table=\"oc2\"} 1 2024-03-31\n"
            "return_rows_read{return=\"ssda903\",table=\"oc3\"} 4 2024-03-31\n"
            "return_rows_held_back{return=\"ssda903\",table=\"oc3\"} 0 2024-03-31\n"
            "return_rows_read{return=\"ssda903\",table=\"reviews\"} 8 2024-03-31\n"
            "return_rows_held_back{return=\"ssda903\",table=\"reviews\"} 0 2024-03-31\n"
            "return_rows_read{return=\"ssda903\",table=\"social_worker\"} 5 2024-03-31\n"
            "return_rows_held_back{return=\"ssda903\",table=\"social_worker\"} 0 2024-03-31\n"
            "return_children_held_back{return=\"ssda903\"} 3 2024-03-31\n");
}

TEST(Ssda903, MeasuresOfTheBuiltInMetricsWorkedOutByHand) {
  Captured captured;
  ReturnOptions options;
  options.year = 2024;
  ReturnSummary summary = import_ssda903({kDir}, options, captured.sink(), captured.reporter());
  ASSERT_FALSE(summary.failed);
  append_quality_samples(captured.samples, "ssda903", summary, Date::from_ymd(2024, 3, 31));
  MeasureEngine engine(captured.samples, Date::from_ymd(2024, 3, 31));
  ASSERT_EQ(engine.problems(), "");
  EXPECT_EQ(engine.values("ssda903_children_looked_after"), "5");
  EXPECT_EQ(engine.values("ssda903_children_looked_after_by_legal_status"),
            "legal_status=C1 1; legal_status=C2 3; legal_status=E1 1");
  EXPECT_EQ(engine.values("ssda903_three_or_more_placements"), "20");     // C2 of 5
  EXPECT_EQ(engine.values("ssda903_long_term_stability"), "100");         // C1 and C9
  EXPECT_EQ(engine.values("ssda903_reviews_on_time"), "40");              // C1 and C9 of 5
  EXPECT_EQ(engine.values("ssda903_caseload"), "worker=SW1 2; worker=SW2 1; worker=SW3 1");
  EXPECT_EQ(engine.values("ssda903_unallocated_children"), "1");          // C3
  EXPECT_EQ(engine.values("ssda903_health_checks_on_time"), "66.67");     // C1, C9 of C1, C3, C9
  EXPECT_EQ(engine.values("ssda903_dental_checks_on_time"), "66.67");     // C1, C3 of 3
  EXPECT_EQ(engine.values("ssda903_care_leavers_in_eet"), "age_group=17-18 100; age_group=19-21 0");
  EXPECT_EQ(engine.values("ssda903_care_leavers_suitably_accommodated"), "age_group=17-18 100; age_group=19-21 0");
  EXPECT_EQ(engine.values("return_children_held_back"), "return=ssda903 3");
}

TEST(Ssda903, DegradeChangesNoMeasureAtThirtyFirstMarchAndNothingIdentifyingLeaves) {
  ReturnOptions options;
  options.year = 2024;
  Captured plain;
  import_ssda903({kDir}, options, plain.sink(), plain.reporter());
  options.degrade = true;
  Captured degraded;
  import_ssda903({kDir}, options, degraded.sink(), degraded.reporter());
  // An age on 31 March, the last day of a month, is the same from the first of the birth month.
  EXPECT_EQ(plain.sorted_samples(), degraded.sorted_samples());
  // Only the declared labels leave: no date of birth, postcode or UPN of the return.
  for (const char* secret : {"15/06/2012", "2012-06-15", "TS19", "TS18", "A123456789012", "SC000001", "UN1"})
    EXPECT_EQ(degraded.samples.find(secret), std::string::npos) << secret;
}

TEST(Returns, ExamplesCarryTheBuiltInMetricsAsCompiledIn) {
  // A council's rules must declare what the built-in returns emit; the examples' copy is the file.
  std::ifstream in(std::string(BANDWATCH_SOURCE_DIR) + "/examples/returns/metrics.bw", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), builtin_metrics());
}

TEST(Ssda903, TheYearChoosesTheLayout) {
  // The social_worker table arrived in 2024: in a 2023 return it is not a table of the return.
  ReturnOptions options;
  options.year = 2023;
  Captured captured;
  ReturnSummary summary = import_ssda903_texts(
      {{"header.csv", "CHILD,SEX,DOB,ETHNIC\nC1,1,01/01/2015,WBRI\n"},
       {"episodes.csv", "CHILD,DECOM,RNE,LS,CIN,PLACE\nC1,01/01/2023,S,C2,N1,U1\n"},
       {"social_worker.csv", "CHILD,DOB,SW_ID,SW_DECOM\nC1,01/01/2015,SW1,01/01/2023\n"}},
      options, captured.sink(), captured.reporter());
  EXPECT_TRUE(summary.failed);
  ASSERT_EQ(captured.problems.size(), 1u);
  EXPECT_EQ(captured.problems[0].substr(0, 67), "social_worker.csv: not a table of the 2023 SSDA903 return: none of ");
  // 2025 replaced the sex codes 1 and 2 by M, F and U; the ACTIV codes F3/P3 became F4/P4 in 2022.
  options.year = 2025;
  Captured sexes;
  summary = import_ssda903_texts({{"header.csv", "CHILD,SEX,DOB,ETHNIC\nC1,1,01/01/2015,WBRI\nC2,F,01/01/2015,WBRI\n"},
                                  {"episodes.csv", "CHILD,DECOM,RNE,LS,CIN,PLACE\nC2,01/01/2024,S,C2,N1,U1\n"}},
                                 options, sexes.sink(), sexes.reporter());
  EXPECT_FALSE(summary.failed);
  EXPECT_EQ(sexes.problems, (std::vector<std::string>{
      "header.csv:2: column \"SEX\": \"1\" is not a code of the 2025 layout (M, F, U)"}));
  EXPECT_EQ(summary.children_held_back, 1u);
  options.year = 2021;
  Captured activity;
  import_ssda903_texts({{"header.csv", "CHILD,SEX,DOB,ETHNIC\nL1,1,01/05/2003,WBRI\nL2,1,01/06/2003,WBRI\n"},
                        {"episodes.csv", "CHILD,DECOM,RNE,LS,CIN,PLACE\n"},
                        {"oc3.csv", "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\nL1,01/05/2003,YES,F3,C1\nL2,01/06/2003,YES,F4,C1\n"}},
                       options, activity.sink(), activity.reporter());
  EXPECT_EQ(activity.problems, (std::vector<std::string>{
      "oc3.csv:3: column \"ACTIV\": \"F4\" is not a code of the 2021 layout (F1, P1, F2, P2, F3, P3, G4, G5, G6, 0)"}));
  EXPECT_EQ(activity.sorted_samples(), (std::vector<std::string>{
      "ssda903_care_leaver_in_eet{child=\"L1\",age_group=\"17-18\"} 1 2021-03-31",
      "ssda903_care_leaver_in_touch{child=\"L1\",age_group=\"17-18\"} 1 2021-03-31",
      "ssda903_care_leaver_suitably_accommodated{child=\"L1\",age_group=\"17-18\"} 1 2021-03-31",
  }));
}

TEST(Ssda903, CrossTableChecksHoldTheChildBack) {
  ReturnOptions options;
  options.year = 2024;
  Captured captured;
  ReturnSummary summary = import_ssda903_texts(
      {{"header.csv", "CHILD,SEX,DOB,ETHNIC\nC1,1,01/01/2015,WBRI\nC1,1,01/01/2015,WBRI\nC3,2,01/01/2014,WBRI\n"},
       {"episodes.csv", "CHILD,DECOM,RNE,LS,CIN,PLACE,DEC,REC\n"
                        "C2,01/01/2023,S,C2,N1,U1,,\n"
                        "C3,01/01/2013,S,C2,N1,U1,,\n"
                        "C4,01/05/2024,S,C2,N1,U1,,\n"},
       {"reviews.csv", "CHILD,DOB,REVIEW,REVIEW_CODE\nC3,02/01/2014,01/06/2023,PN1\n"}},
      options, captured.sink(), captured.reporter());
  EXPECT_FALSE(summary.failed);
  EXPECT_EQ(captured.problems, (std::vector<std::string>{
      "header.csv:3: a second header row for child C1 (the first is line 2)",
      "episodes.csv:2: child C2 has no row in the header table",
      "episodes.csv:4: child C4 has no row in the header table",
      "reviews.csv:2: column \"DOB\": 02/01/2014 is not the child's date of birth in the header table (01/01/2014)",
      "episodes.csv:3: column \"DECOM\": 01/01/2013 is before the child's date of birth 01/01/2014",
      "episodes.csv:4: column \"DECOM\": 01/05/2024 is after the end of the 2024 collection year (31/03/2024)",
  }));
  EXPECT_EQ(summary.children_held_back, 4u);
  EXPECT_EQ(captured.samples, "");
}

}  // namespace
}  // namespace bandwatch::extract
