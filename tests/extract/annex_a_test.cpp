// The Annex A lists through the built-in mappings and gates, on small hand-made lists
// (testdata/annex_a) run on Monday 5 February 2024, whose answers were worked out by hand row by
// row (docs/extracts.md, "Annex A").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "extract/returns.hpp"
#include "returns_test_util.hpp"

namespace bandwatch::extract {
namespace {

const std::string kDir = std::string(BANDWATCH_TESTDATA) + "/annex_a";
const Date kAsOf = Date::from_ymd(2024, 2, 5);

TEST(AnnexA, TheBuiltInMappingsCheckWithTheBuiltInMetrics) {
  std::vector<Diagnostic> diagnostics;
  std::vector<ast::File> program = builtin_annex_a_program(diagnostics);
  std::string messages;
  for (const Diagnostic& d : diagnostics) messages += d.file + ":" + std::to_string(d.loc.line) + ": " + d.message + "\n";
  EXPECT_EQ(messages, "");
  ASSERT_EQ(program.size(), 2u);
  // Every list has a mapping; lists 4 and 10 have two.
  for (int list = 1; list <= 11; ++list)
    EXPECT_EQ(annex_a_extracts(program, list).size(), list == 4 || list == 10 ? 2u : 1u) << list;
}

TEST(AnnexA, ListsAreRecognisedByNameOrByAColumnOnlyTheyHave) {
  EXPECT_EQ(annex_a_list_of("exports/List_7.csv", {}), 7);
  EXPECT_EQ(annex_a_list_of("Annex A List 10 - adoption.csv", {}), 10);
  EXPECT_EQ(annex_a_list_of("list01.csv", {}), 1);
  EXPECT_EQ(annex_a_list_of("list12.csv", {}), 0);
  EXPECT_EQ(annex_a_list_of("cp.csv", {"Child Unique ID", "Child Protection Plan Start Date"}), 7);
  EXPECT_EQ(annex_a_list_of("adopters.csv", {"Individual Adopter Identifier", "Gender"}), 11);
  EXPECT_EQ(annex_a_list_of("other.csv", {"Child Unique ID", "Team"}), 0);
}

TEST(AnnexA, HandMadeListsGiveTheMeasuresWorkedOutByHand) {
  Captured captured;
  ReturnOptions options;
  ReturnSummary summary = import_annex_a({kDir}, kAsOf, options, captured.sink(), captured.reporter());
  ASSERT_FALSE(summary.failed);
  const std::string d = "2024-02-05";
  EXPECT_EQ(captured.sorted_samples(), (std::vector<std::string>{
      "annex_a_assessment_open_working_days{child=\"G3\",assessment=\"2024-01-08\",worker=\"W4\",team=\"Assessment\"} 20 " + d,
      "annex_a_assessment_open_working_days{child=\"G4\",assessment=\"2023-11-01\",worker=\"W5\",team=\"Assessment\"} 65 " + d,
      "annex_a_assessment_within_45_days{child=\"G1\",assessment=\"2023-10-02\",worker=\"W4\",team=\"Assessment\"} 1 " + d,
      "annex_a_assessment_within_45_days{child=\"G2\",assessment=\"2023-11-01\",worker=\"W4\",team=\"Assessment\"} 0 " + d,
      "annex_a_care_leaver_in_eet{child=\"E1\",worker=\"PA1\",team=\"Leaving Care\"} 1 " + d,
      "annex_a_care_leaver_in_eet{child=\"E2\",worker=\"PA1\",team=\"Leaving Care\"} 0 " + d,
      "annex_a_care_leaver_in_eet{child=\"E3\",worker=\"PA2\",team=\"Leaving Care\"} 0 " + d,
      "annex_a_care_leaver_in_touch{child=\"E1\",worker=\"PA1\",team=\"Leaving Care\"} 1 " + d,
      "annex_a_care_leaver_in_touch{child=\"E2\",worker=\"PA1\",team=\"Leaving Care\"} 1 " + d,
      "annex_a_care_leaver_in_touch{child=\"E3\",worker=\"PA2\",team=\"Leaving Care\"} 0 " + d,
      "annex_a_care_leaver_suitably_accommodated{child=\"E1\",worker=\"PA1\",team=\"Leaving Care\"} 1 " + d,
      "annex_a_care_leaver_suitably_accommodated{child=\"E2\",worker=\"PA1\",team=\"Leaving Care\"} 0 " + d,
      "annex_a_care_leaver_suitably_accommodated{child=\"E3\",worker=\"PA2\",team=\"Leaving Care\"} 0 " + d,
      "annex_a_cic_review_overdue{child=\"D1\",worker=\"W1\",team=\"North\"} 0 " + d,
      "annex_a_cic_review_overdue{child=\"D2\",worker=\"W1\",team=\"North\"} 1 " + d,
      "annex_a_cic_review_overdue{child=\"D3\",worker=\"W2\",team=\"South\"} 1 " + d,
      "annex_a_cic_visit_overdue{child=\"D1\",worker=\"W1\",team=\"North\"} 0 " + d,
      "annex_a_cic_visit_overdue{child=\"D2\",worker=\"W1\",team=\"North\"} 1 " + d,
      "annex_a_cic_visit_overdue{child=\"D3\",worker=\"W2\",team=\"South\"} 0 " + d,
      "annex_a_cp_plan_days{child=\"B1\",worker=\"W1\",team=\"North\"} 730 " + d,
      "annex_a_cp_plan_days{child=\"B2\",worker=\"W1\",team=\"North\"} 729 " + d,
      "annex_a_days_care_to_placed{child=\"H1\"} 273 " + d,
      "annex_a_days_order_to_match{child=\"H1\"} 92 " + d,
      "annex_a_open_case{child=\"A1\",worker=\"W1\",team=\"North\"} 1 " + d,
      "annex_a_open_case{child=\"A2\",worker=\"W1\",team=\"North\"} 1 " + d,
      "annex_a_open_case{child=\"A3\",worker=\"\",team=\"North\"} 1 " + d,
      "annex_a_open_case{child=\"A7\",worker=\"W2\",team=\"South\"} 1 " + d,
      "annex_a_referral_nfa{child=\"F1\",referral=\"2024-01-10\",worker=\"W3\",team=\"Front Door\"} 0 " + d,
      "annex_a_referral_nfa{child=\"F2\",referral=\"2024-01-15\",worker=\"W3\",team=\"Front Door\"} 1 " + d,
      "annex_a_referral_repeat{child=\"F1\",referral=\"2024-01-10\",worker=\"W3\",team=\"Front Door\"} 0 " + d,
      "annex_a_referral_repeat{child=\"F2\",referral=\"2024-01-15\",worker=\"W3\",team=\"Front Door\"} 1 " + d,
  }));
  const std::string list8 = kDir + "/Annex A List 8 - children in care.csv";
  EXPECT_EQ(captured.problems, (std::vector<std::string>{
      list8 + ":6: column \"Date of Last Social Work Visit\": blank, expected a date",
      list8 + ":7: column \"Date Started to be Looked After\": 10/03/2024 is after the list's as-of date (05/02/2024)",
      kDir + "/List_6.csv:6: column \"Primary Need Code\": \"N12\" is not one of its codes",
      kDir + "/List_6.csv:7: column \"CIN Closure Date\": 10/01/2024 is before \"CIN Start Date\" (15/01/2024)",
      kDir + "/list7.csv:5: column \"Date of latest review conference\": 01/09/2023 is before \"Child Protection Plan Start Date\" (10/10/2023)",
      kDir + "/list_3.csv:4: column \"Date of referral\": 20/01/2024 is before \"Date of Birth\" (01/01/2025)",
  }));
  std::vector<std::string> counts;
  for (const TableCounts& table : summary.tables)
    counts.push_back(table.table + " " + std::to_string(table.rows_read) + " " + std::to_string(table.rows_held_back));
  EXPECT_EQ(counts, (std::vector<std::string>{"list8 6 2", "list6 7 2", "list7 4 1", "list10 2 0", "list3 3 1",
                                              "list4 4 0", "list9 3 0"}));

  append_quality_samples(captured.samples, "annex_a", summary, kAsOf);
  MeasureEngine engine(captured.samples, kAsOf);
  ASSERT_EQ(engine.problems(), "");
  EXPECT_EQ(engine.values("annex_a_caseload"), "team=North worker=W1 2; team=South worker=W2 1");
  EXPECT_EQ(engine.values("annex_a_team_average_caseload"), "team=North 2; team=South 1");
  EXPECT_EQ(engine.values("annex_a_unallocated_children"), "team=North 1");
  EXPECT_EQ(engine.values("annex_a_cp_plans_two_years_or_more"), "1");       // B1, begun 05/02/2022
  EXPECT_EQ(engine.values("annex_a_cic_visits_in_timescale"), "66.67");      // D1, D3 of 3
  EXPECT_EQ(engine.values("annex_a_cic_reviews_in_timescale"), "33.33");     // D1 of 3
  EXPECT_EQ(engine.values("annex_a_care_leavers_in_touch"), "66.67");
  EXPECT_EQ(engine.values("annex_a_care_leavers_suitably_accommodated"), "33.33");
  EXPECT_EQ(engine.values("annex_a_care_leavers_in_eet"), "33.33");
  EXPECT_EQ(engine.values("annex_a_personal_adviser_caseload"), "worker=PA1 2; worker=PA2 1");
  EXPECT_EQ(engine.values("annex_a_rereferrals"), "50");
  EXPECT_EQ(engine.values("annex_a_referrals_with_no_further_action"), "50");
  EXPECT_EQ(engine.values("annex_a_assessments_within_45_days"), "50");      // G1 (43) of G1, G2 (62)
  EXPECT_EQ(engine.values("annex_a_assessments_open_over_45_days"), "1");    // G4 (65)
  EXPECT_EQ(engine.values("annex_a_adoption_a1_days"), "273");
  EXPECT_EQ(engine.values("annex_a_adoption_a2_days"), "92");
  EXPECT_EQ(engine.values("return_rows_held_back"),
            "return=annex_a table=list10 0; return=annex_a table=list3 1; return=annex_a table=list4 0; "
            "return=annex_a table=list6 2; return=annex_a table=list7 1; return=annex_a table=list8 2; "
            "return=annex_a table=list9 0");
}

}  // namespace
}  // namespace bandwatch::extract
