// The CIN census on a small hand-made 2024 census (testdata/cin_2024), whose answers were worked
// out by hand referral by referral (docs/extracts.md, "CIN census"), with and without an XSD.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "extract/returns.hpp"
#include "returns_test_util.hpp"

namespace bandwatch::extract {
namespace {

const std::string kDir = std::string(BANDWATCH_TESTDATA) + "/cin_2024";
const std::string kFile = kDir + "/cin_census.xml";

TEST(CinCensus, HandMadeCensusGivesTheMeasuresWorkedOutByHand) {
  Captured captured;
  ReturnOptions options;
  options.year = 2024;
  ReturnSummary summary = import_cin_census(kFile, options, captured.sink(), captured.reporter());
  ASSERT_FALSE(summary.failed);
  EXPECT_EQ(captured.sorted_samples(), (std::vector<std::string>{
      "cin_assessment_within_45_days{child=\"A1\",assessment=\"2023-05-02\"} 1 2024-03-31",
      "cin_assessment_within_45_days{child=\"C3\",assessment=\"2023-10-03\"} 0 2024-03-31",
      "cin_cp_plan_lasted_two_years{child=\"B2\",plan=\"2021-02-01\"} 1 2024-03-31",
      "cin_cp_plan_lasted_two_years{child=\"B2\",plan=\"2023-09-01\"} 0 2024-03-31",
      "cin_cp_plan_open{child=\"A1\"} 1 2024-03-31",
      "cin_cp_plan_subsequent{child=\"A1\",plan=\"2023-06-05\"} 0 2024-03-31",
      "cin_cp_plan_subsequent{child=\"B2\",plan=\"2023-09-01\"} 1 2024-03-31",
      "cin_icpc_within_15_days{child=\"A1\",enquiry=\"2023-05-10\"} 0 2024-03-31",
      "cin_open_at_year_end{child=\"A1\"} 1 2024-03-31",
      "cin_open_at_year_end{child=\"B2\"} 1 2024-03-31",
      "cin_referral_repeat{child=\"A1\",referral=\"2023-05-01\"} 1 2024-03-31",
      "cin_referral_repeat{child=\"C3\",referral=\"2023-10-02\"} 0 2024-03-31",
      "cin_referral_repeat{child=\"C3\",referral=\"2024-02-20\"} 1 2024-03-31",
      "cin_referral_repeat{child=\"G7\",referral=\"2023-06-01\"} 0 2024-03-31",
  }));
  EXPECT_EQ(captured.problems, (std::vector<std::string>{
      kFile + ":120: element 'CINclosureDate': the case closed but no ReasonForClosure is given",
      kFile + ":124: element 'CPPendDate': 01/07/2023 is before the plan began (01/08/2023)",
      kFile + ":140: element 'CINreferralDate': \"2023-13-01\" is not a date (yyyy-mm-dd)",
      kFile + ":164: element 'CPPstartDate': the plan beginning 01/11/2023 overlaps the child's plan on line 157 (01/05/2023 to open)",
  }));
  EXPECT_EQ(summary.children, 7u);
  EXPECT_EQ(summary.children_held_back, 3u);  // D4, E5, F6

  append_quality_samples(captured.samples, "cin", summary, Date::from_ymd(2024, 3, 31));
  MeasureEngine engine(captured.samples, Date::from_ymd(2024, 3, 31));
  ASSERT_EQ(engine.problems(), "");
  EXPECT_EQ(engine.values("cin_children_in_need"), "2");                  // A1, B2
  EXPECT_EQ(engine.values("cin_rereferrals_within_12_months"), "50");     // A1, C3's second of 4
  EXPECT_EQ(engine.values("cin_assessments_within_45_days"), "50");       // A1 (41 working days) of A1, C3 (56)
  EXPECT_EQ(engine.values("cin_icpcs_within_15_days"), "0");              // A1: 17 working days
  EXPECT_EQ(engine.values("cin_cp_plans_ended_after_two_years"), "50");   // B2's first of its two
  EXPECT_EQ(engine.values("cin_cp_plans_second_or_subsequent"), "50");    // B2's second of A1's, B2's
  EXPECT_EQ(engine.values("cin_children_on_cp_plans"), "1");              // A1
  EXPECT_EQ(engine.values("return_rows_held_back"), "return=cin table=children 3");
}

TEST(CinCensus, TheYearsXsdReportsEachInvalidElementWithItsLineAndHoldsItsChildBack) {
  Captured captured;
  ReturnOptions options;
  options.year = 2024;
  options.xsd = kDir + "/cin_test_schema.xsd";
  ReturnSummary summary = import_cin_census(kFile, options, captured.sink(), captured.reporter());
  ASSERT_FALSE(summary.failed);
  EXPECT_EQ(captured.problems, (std::vector<std::string>{
      kFile + ":120: element 'CINclosureDate': the case closed but no ReasonForClosure is given",
      kFile + ":124: element 'CPPendDate': 01/07/2023 is before the plan began (01/08/2023)",
      kFile + ":140: Element 'CINreferralDate': '2023-13-01' is not a valid value of the atomic type 'xs:date'.",
      kFile + ":140: element 'CINreferralDate': \"2023-13-01\" is not a date (yyyy-mm-dd)",
      // The schema's messages come as libxml2 parses, a little ahead of the children decided.
      kFile + ":178: Element 'FavouriteColour': This element is not expected.",
      kFile + ":164: element 'CPPstartDate': the plan beginning 01/11/2023 overlaps the child's plan on line 157 (01/05/2023 to open)",
  }));
  // G7, valid but for its unexpected element, is held back too.
  EXPECT_EQ(summary.children_held_back, 4u);
  EXPECT_EQ(captured.sorted_samples().size(), 13u);
}

TEST(CinCensus, XmlThatIsNotWellFormedImportsNothing) {
  Captured captured;
  ReturnOptions options;
  options.year = 2024;
  ReturnSummary summary = import_cin_census_text(
      {"broken.xml", "<Message>\n<Children>\n<Child><ChildIdentifiers><LAchildID>A</LAchildID>\n</Children>\n"},
      options, captured.sink(), captured.reporter());
  EXPECT_TRUE(summary.failed);
  ASSERT_GE(captured.problems.size(), 2u);
  EXPECT_EQ(captured.problems.front().substr(0, 13), "broken.xml:4:");
  EXPECT_EQ(captured.problems.back(), "broken.xml: not well-formed XML: nothing imported");
}

}  // namespace
}  // namespace bandwatch::extract
