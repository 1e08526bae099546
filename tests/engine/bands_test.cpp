// Band classification: first match wins, round, scoped and dated bands, small cohorts, unbanded
// values, and the short trend.
#include "engine_test_util.hpp"

namespace bandwatch::engine::testing {
namespace {

constexpr std::string_view kTimeliness = R"(
indicator single_assessment_timeliness {
  unit percent  better higher  frame year_to_date
  bands { green >= 95%  amber 90% .. 94%  red <= 89% }
  round 0
}
)";

// ---- item 4 of issue 17: closer, benchmark limits, months and years -----------------------

TEST(Bands, ClassifiesAsPrintedWithRound) {
  Engine engine;
  load(engine, kTimeliness);
  step(engine, "single_assessment_timeliness 96.6", "2016-09-30");
  EXPECT_EQ(band_of(engine, "single_assessment_timeliness"), Band::green);
  step(engine, "single_assessment_timeliness 94.4", "2016-10-31");  // prints 94%: amber
  EXPECT_EQ(band_of(engine, "single_assessment_timeliness"), Band::amber);
  step(engine, "single_assessment_timeliness 94.5", "2016-11-30");  // prints 95%: green
  EXPECT_EQ(band_of(engine, "single_assessment_timeliness"), Band::green);
  EXPECT_EQ(value_of(engine, "single_assessment_timeliness")->value, 95);
  EXPECT_DOUBLE_EQ(value_of(engine, "single_assessment_timeliness")->raw_value, 94.5);
  step(engine, "single_assessment_timeliness 89.4", "2016-12-31");
  EXPECT_EQ(band_of(engine, "single_assessment_timeliness"), Band::red);
}

TEST(Bands, WithoutRoundAGapIsUnbandedAndAnEventOfItsOwn) {
  Engine engine;
  load(engine, R"(
indicator timeliness { unit percent  better higher  bands { green >= 95%  amber 90% .. 94%  red <= 89% } }
)");
  Evaluation e = step(engine, "timeliness 94.5", "2016-09-30");
  EXPECT_EQ(band_of(engine, "timeliness"), Band::unbanded);
  EXPECT_EQ(describe(e.events), std::vector<std::string>{"unbanded amber timeliness"});
  EXPECT_EQ(e.events[0].alert_id, 0u);  // an event, not an alert
  EXPECT_TRUE(engine.open_alerts().empty());
  // Staying unbanded is not news; leaving and coming back is.
  EXPECT_TRUE(step(engine, "timeliness 94.6", "2016-10-31").events.empty());
  step(engine, "timeliness 96", "2016-11-30");
  EXPECT_EQ(describe(step(engine, "timeliness 94.2", "2016-12-31").events), std::vector<std::string>{"unbanded amber timeliness"});
}

TEST(Bands, FirstMatchingBandWins) {
  // Stockton's ICPC bands overlap at 75%: amber 75% - 84%, red <= 75%. Amber is written first.
  Engine engine;
  load(engine, R"(
indicator icpc { unit percent  better higher  bands { green >= 85%  amber 75% .. 84%  red <= 75% } }
indicator icpc_red_first { unit percent  better higher  bands { red <= 75%  green >= 85%  amber 75% .. 84% } }
)");
  step(engine, "icpc 75\nicpc_red_first 75", "2016-09-30");
  EXPECT_EQ(band_of(engine, "icpc"), Band::amber);
  EXPECT_EQ(band_of(engine, "icpc_red_first"), Band::red);
}

TEST(Bands, HalfOpenAndExclusiveBounds) {
  Engine engine;
  load(engine, R"(
indicator m { unit percent  better higher  bands { green >= 95%  amber >= 90% and < 95%  red < 90% } }
)");
  step(engine, "m 95", "2020-01-07");
  EXPECT_EQ(band_of(engine, "m"), Band::green);
  step(engine, "m 94.999", "2020-01-21");
  EXPECT_EQ(band_of(engine, "m"), Band::amber);
  step(engine, "m 90", "2020-02-04");
  EXPECT_EQ(band_of(engine, "m"), Band::amber);
  step(engine, "m 89.999", "2020-02-18");
  EXPECT_EQ(band_of(engine, "m"), Band::red);
}

constexpr std::string_view kCaseload = R"(
metric team_average_caseload { unit count  labels team, team_kind }
indicator team_average_caseload {
  unit count  better lower  frame snapshot
  bands { green <= 20  red > 20 }
  bands where team_kind in ("assessment", "care_leavers") { green <= 25  red > 25 }
}
)";

TEST(Bands, ScopedBandsApplyToTheLabelSetsTheyMatch) {
  Engine engine;
  load(engine, kCaseload);
  step(engine, R"(
team_average_caseload{team="Unaccompanied Children and Young People", team_kind="children"} 23.6
team_average_caseload{team="South Care Leaver Team", team_kind="care_leavers"} 24.0
team_average_caseload{team="Assessment Team Huntingdon", team_kind="assessment"} 25.1
)", "2020-02-04");
  EXPECT_EQ(band_of(engine, "team_average_caseload", {{"team", "Unaccompanied Children and Young People"}, {"team_kind", "children"}}), Band::red);
  EXPECT_EQ(band_of(engine, "team_average_caseload", {{"team", "South Care Leaver Team"}, {"team_kind", "care_leavers"}}), Band::green);
  EXPECT_EQ(band_of(engine, "team_average_caseload", {{"team", "Assessment Team Huntingdon"}, {"team_kind", "assessment"}}), Band::red);
  auto v = value_of(engine, "team_average_caseload", {{"team", "South Care Leaver Team"}, {"team_kind", "care_leavers"}});
  EXPECT_EQ(v->target, "green <= 25, red > 25");
}

TEST(Bands, DatedBandsInForceOnTheSampleDate) {
  Engine engine;
  load(engine, R"(
indicator adoption {
  unit percent  better higher  frame year_to_date
  bands from 2016-04-01 { green >= 70%  amber 66% .. 69%  red <= 65% }
  bands from 2017-04-01 { green >= 75%  amber 70% .. 74%  red <= 69% }
}
)");
  step(engine, "adoption 72", "2017-03-31");
  EXPECT_EQ(band_of(engine, "adoption"), Band::green);
  step(engine, "adoption 72", "2017-04-01");
  EXPECT_EQ(band_of(engine, "adoption"), Band::amber);
  // Before any band set is in force, the value is in no band.
  Engine early;
  load(early, R"(indicator adoption { unit percent  bands from 2016-04-01 { green >= 70%  red < 70% } })");
  step(early, "adoption 72", "2016-03-31");
  EXPECT_EQ(band_of(early, "adoption"), Band::unbanded);
}

TEST(Bands, SmallCohortIsShownButNeverAlerts) {
  Engine engine;
  load(engine, R"(
metric adoption_decisions { unit count }
indicator adoption_within_12_months {
  unit percent  better higher
  cohort adoption_decisions minimum 10
  bands { green >= 70%  amber 66% .. 69%  red <= 65% }
}
)");
  Evaluation e = step(engine, "adoption_decisions 9\nadoption_within_12_months 40", "2016-09-30");
  EXPECT_EQ(band_of(engine, "adoption_within_12_months"), Band::small_cohort);
  EXPECT_TRUE(e.events.empty());
  EXPECT_TRUE(engine.open_alerts().empty());
  step(engine, "adoption_decisions 12\nadoption_within_12_months 40", "2016-10-31");
  EXPECT_EQ(band_of(engine, "adoption_within_12_months"), Band::red);
  ASSERT_EQ(engine.open_alerts().size(), 1u);
  // Back under the minimum: shown as small cohort, the open alert neither escalates nor resolves.
  EXPECT_TRUE(step(engine, "adoption_decisions 8\nadoption_within_12_months 90", "2016-11-30").events.empty());
  EXPECT_EQ(band_of(engine, "adoption_within_12_months"), Band::small_cohort);
  EXPECT_EQ(engine.open_alerts().size(), 1u);
}

TEST(Trend, ReadsBetterAgainstThePreviousValue) {
  Engine engine;
  load(engine, R"(
indicator higher { unit percent  better higher  bands { green >= 0% } }
indicator lower { unit count  better lower  bands { green >= 0 } }
indicator neither { unit count  bands { green >= 0 } }
indicator rounded { unit percent  better higher  round 0  bands { green >= 0% } }
)");
  step(engine, "higher 90\nlower 20\nneither 1\nrounded 90.2", "2020-01-07");
  EXPECT_EQ(value_of(engine, "higher")->trend, Trend::none);
  step(engine, "higher 92\nlower 22\nneither 2\nrounded 89.9", "2020-01-21");
  EXPECT_EQ(value_of(engine, "higher")->trend, Trend::improving);
  EXPECT_EQ(value_of(engine, "lower")->trend, Trend::declining);
  EXPECT_EQ(value_of(engine, "neither")->trend, Trend::none);
  EXPECT_EQ(value_of(engine, "rounded")->trend, Trend::unchanged);  // 90% and 90% as printed
  step(engine, "higher 91\nlower 19\nneither 3\nrounded 91", "2020-02-04");
  EXPECT_EQ(value_of(engine, "higher")->trend, Trend::declining);
  EXPECT_EQ(value_of(engine, "lower")->trend, Trend::improving);
  EXPECT_EQ(value_of(engine, "rounded")->trend, Trend::improving);
}

TEST(Bands, AFigureNearABandEdgeReadsTheSameInEveryReturnWhateverWasWorkedOutBefore) {
  // The evaluation keeps the places a figure is shown with for the next return's trend and its
  // events: the text must be the same as when they are worked out afresh.
  Engine engine;
  load(engine, R"(
indicator timeliness {
  unit percent  better higher
  bands { green >= 90%  amber >= 85% and < 90%  red < 85% }
}
)");
  Evaluation first = step(engine, "timeliness 80", "2020-01-07");
  ASSERT_EQ(first.events.size(), 1u);
  EXPECT_EQ(first.events[0].formatted_value, "80%");
  Evaluation second = step(engine, "timeliness 89.96", "2020-01-21");
  ASSERT_EQ(describe(second.events), std::vector<std::string>{"de-escalated amber timeliness"});
  EXPECT_EQ(second.events[0].formatted_value, "89.96%");  // not 90%: that would read green
  EXPECT_EQ(value_of(engine, "timeliness")->trend, Trend::improving);
  EXPECT_TRUE(step(engine, "timeliness 89.96", "2020-02-04").events.empty());
  EXPECT_EQ(value_of(engine, "timeliness")->trend, Trend::unchanged);
  ASSERT_EQ(engine.open_alerts().size(), 1u);
  EXPECT_EQ(engine.open_alerts()[0].formatted_value, "89.96%");
  Evaluation fourth = step(engine, "timeliness 84.99", "2020-02-18");
  ASSERT_EQ(describe(fourth.events), std::vector<std::string>{"escalated red timeliness"});
  EXPECT_EQ(fourth.events[0].formatted_value, "84.99%");
  EXPECT_EQ(value_of(engine, "timeliness")->trend, Trend::declining);
  Evaluation fifth = step(engine, "timeliness 85.04", "2020-03-03");
  ASSERT_EQ(describe(fifth.events), std::vector<std::string>{"de-escalated amber timeliness"});
  EXPECT_EQ(fifth.events[0].formatted_value, "85%");
  EXPECT_EQ(value_of(engine, "timeliness")->trend, Trend::improving);
}

TEST(IndicatorAlerts, AmberFiresRedEscalatesAmberDeEscalatesGreenResolves) {
  Engine engine;
  load(engine, kTimeliness);
  std::string name = "single_assessment_timeliness";
  EXPECT_TRUE(step(engine, name + " 96", "2016-06-30").events.empty());
  Evaluation fired = step(engine, name + " 92", "2016-07-31");
  EXPECT_EQ(describe(fired.events), std::vector<std::string>{"fired amber " + name});
  AlertId id = fired.events[0].alert_id;
  EXPECT_NE(id, 0u);
  EXPECT_EQ(fired.events[0].formatted_value, "92%");
  Evaluation escalated = step(engine, name + " 80", "2016-08-31");
  EXPECT_EQ(describe(escalated.events), std::vector<std::string>{"escalated red " + name});
  EXPECT_EQ(escalated.events[0].alert_id, id);
  EXPECT_EQ(describe(step(engine, name + " 91", "2016-09-30").events), std::vector<std::string>{"de-escalated amber " + name});
  Evaluation resolved = step(engine, name + " 97", "2016-10-31");
  EXPECT_EQ(describe(resolved.events), std::vector<std::string>{"resolved amber " + name});
  EXPECT_EQ(resolved.events[0].alert_id, id);
  EXPECT_TRUE(engine.open_alerts().empty());
  // A new alert later gets a new id.
  EXPECT_NE(step(engine, name + " 80", "2016-11-30").events[0].alert_id, id);
}

TEST(IndicatorAlerts, CarryTheIndicatorsRoutes) {
  Engine engine;
  load(engine, R"(
route performance_clinic { title "Children's Social Care Performance Clinic" }
indicator cic_health {
  unit percent  better higher
  route performance_clinic
  bands { green >= 90%  amber 80% .. 89%  red <= 79% }
  round 0
}
)");
  Evaluation fired = step(engine, "cic_health 80", "2016-09-30");
  ASSERT_EQ(fired.events.size(), 1u);
  EXPECT_EQ(fired.events[0].routes, std::vector<std::string>{"performance_clinic"});
  ASSERT_EQ(engine.open_alerts().size(), 1u);
  EXPECT_EQ(engine.open_alerts()[0].routes, std::vector<std::string>{"performance_clinic"});
}

}  // namespace
TEST(Bands, BetterCloserTrendsTowardsTheTargetWithinItsTolerance) {
  Engine engine;
  load(engine, R"(
indicator re_referrals {
  unit percent
  better closer to 22% within 2%
  bands { green 20% .. 24%  amber 15% .. 29%  red < 15%  red > 29% }
}
)");
  auto trend = [&](const char* value, const char* date) {
    step(engine, std::string("re_referrals ") + value, date);
    return std::string(to_string(engine.indicator_values().at(0).trend));
  };
  trend("30%", "2020-01-31");
  EXPECT_EQ(trend("26%", "2020-02-29"), "improving");   // 6 points off, then 2 (less the tolerance)
  EXPECT_EQ(trend("18%", "2020-03-31"), "unchanged");   // 2 off on the other side: as near
  EXPECT_EQ(trend("21%", "2020-04-30"), "improving");   // within the tolerance: on target
  EXPECT_EQ(trend("23.5%", "2020-05-31"), "unchanged"); // still within it
  EXPECT_EQ(trend("12%", "2020-06-30"), "declining");
  EXPECT_EQ(to_string(engine.indicator_values().at(0).band), "red");
}

TEST(Bands, ALimitNamingABenchmarkMovesWithItsDatedValues) {
  Engine engine;
  load(engine, R"(
benchmark england { re_referrals 22% from 2019-04-01  re_referrals 20% from 2020-04-01 }
indicator re_referrals {
  unit percent
  better lower
  bands { green <= england  red > england }
}
)");
  step(engine, "re_referrals 21%", "2019-09-30");
  EXPECT_EQ(to_string(engine.indicator_values().at(0).band), "green");  // at or better than 22%
  step(engine, "re_referrals 21%", "2020-09-30");
  EXPECT_EQ(to_string(engine.indicator_values().at(0).band), "red");    // worse than 20%
}

TEST(Bands, MonthsAndYearsAsLimitsAreMeasuredOnTheCalendar) {
  Engine engine;
  load(engine, R"(
metric cp_plan_age { unit days  labels child }
indicator cp_plan_age {
  unit days
  better lower
  bands { green < 18 months  amber 18 months .. 2 years  red > 2 years }
}
)");
  // A's plan began on 4 February 2019 (2 years: 731 days, 2020 being a leap year); B's on
  // 4 August 2019 (18 months: 550 days). Seen on the days around those anniversaries.
  auto bands = [&](const char* a, const char* b, const char* date) {
    step(engine, std::string("cp_plan_age{child=\"A\"} ") + a + "\ncp_plan_age{child=\"B\"} " + b, date);
    return std::string(to_string(*band_of(engine, "cp_plan_age", {{"child", "A"}}))) + " " +
           std::string(to_string(*band_of(engine, "cp_plan_age", {{"child", "B"}})));
  };
  EXPECT_EQ(bands("730", "549", "2021-02-03"), "amber green");
  EXPECT_EQ(bands("731", "550", "2021-02-04"), "amber amber");  // two years to the day: still amber
  EXPECT_EQ(bands("732", "551", "2021-02-05"), "red amber");
}

TEST(Bands, WeeksAsLimitsAreSevenDays) {
  Engine engine;
  load(engine, R"(
indicator days_since_visit { unit days  bands { green <= 6 weeks  red > 6 weeks } }
)");
  step(engine, "days_since_visit 42", "2020-01-31");
  EXPECT_EQ(to_string(engine.indicator_values().at(0).band), "green");
  step(engine, "days_since_visit 43", "2020-02-29");
  EXPECT_EQ(to_string(engine.indicator_values().at(0).band), "red");
}

}  // namespace bandwatch::engine::testing
