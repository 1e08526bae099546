// The alert lifecycle of rules: fired, pending (`for`), escalated (periods and calendar time,
// with `to` routes), resolved, `clear when`, stale data, determinism. What a return and a
// period are is in returns_test.cpp.
#include "engine_test_util.hpp"

namespace bandwatch::engine::testing {
namespace {

constexpr std::string_view kCaseload = R"(
metric open_case { unit count  labels child, worker, team, team_kind }
metric caseload = count(open_case) by (worker, team, team_kind)
route workload_pressures { title "Workload Pressures meeting"  cadence 14 days }
route performance_clinic { title "Children's Social Care Performance Clinic" }
rule practitioner_caseload {
  title    "Practitioner caseload above target"
  when     caseload > 20
  unless   team_kind in ("assessment", "care_leavers") and caseload <= 25
  severity amber
  escalate red after 2 periods to performance_clinic
  route    workload_pressures
  message  "{worker} ({team}) holds {value} cases"
}
)";

std::string cases(std::string_view worker, std::string_view team, std::string_view kind, int n, int first = 0) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += "open_case{child=\"C" + std::to_string(first + i) + "\", worker=\"" + std::string(worker) + "\", team=\"" +
           std::string(team) + "\", team_kind=\"" + std::string(kind) + "\"} 1\n";
  return out;
}

TEST(RuleLifecycle, FiresEscalatesAfterTwoPeriodsToTheClinicAndResolves) {
  Engine engine;
  load(engine, kCaseload);
  Evaluation fired = step(engine, cases("W0412", "Hunts 1", "children", 22), "2020-01-21");
  ASSERT_EQ(describe(fired.events),
            std::vector<std::string>{"fired amber practitioner_caseload{team=Hunts 1,team_kind=children,worker=W0412}"});
  const Event& e = fired.events[0];
  EXPECT_EQ(e.message, "W0412 (Hunts 1) holds 22 cases");
  EXPECT_EQ(e.formatted_value, "22");
  EXPECT_EQ(e.routes, std::vector<std::string>{"workload_pressures"});
  EXPECT_TRUE(step(engine, cases("W0412", "Hunts 1", "children", 23), "2020-02-04").events.empty());
  Evaluation escalated = step(engine, cases("W0412", "Hunts 1", "children", 22), "2020-02-18");
  ASSERT_EQ(describe(escalated.events),
            std::vector<std::string>{"escalated red practitioner_caseload{team=Hunts 1,team_kind=children,worker=W0412}"});
  EXPECT_EQ(escalated.events[0].alert_id, e.alert_id);
  EXPECT_EQ(escalated.events[0].routes, (std::vector<std::string>{"workload_pressures", "performance_clinic"}));
  Evaluation resolved = step(engine, cases("W0412", "Hunts 1", "children", 20), "2020-03-03");
  ASSERT_EQ(describe(resolved.events),
            std::vector<std::string>{"resolved red practitioner_caseload{team=Hunts 1,team_kind=children,worker=W0412}"});
  EXPECT_TRUE(engine.open_alerts().empty());
}

TEST(RuleLifecycle, AssessmentTeamHeldToTwentyFive) {
  Engine engine;
  load(engine, kCaseload);
  EXPECT_TRUE(step(engine, cases("W0107", "Assessment Fenland", "assessment", 24), "2020-01-21").events.empty());
  EXPECT_EQ(step(engine, cases("W0107", "Assessment Fenland", "assessment", 26), "2020-02-04").events.size(), 1u);
  EXPECT_EQ(describe(step(engine, cases("W0107", "Assessment Fenland", "assessment", 25), "2020-02-18").events),
            std::vector<std::string>{"resolved amber practitioner_caseload{team=Assessment Fenland,team_kind=assessment,worker=W0107}"});
}

TEST(RuleLifecycle, AWorkerWhoLeavesDropsOutAndTheirAlertResolves) {
  Engine engine;
  load(engine, kCaseload);
  step(engine, cases("W1", "T", "children", 21) + cases("W2", "T", "children", 3, 100), "2020-01-21");
  EXPECT_EQ(metric_value(engine, "caseload", {{"team", "T"}, {"team_kind", "children"}, {"worker", "W1"}}), 21);
  // W1 is missing from the next extract: their caseload is gone, and so is their alert.
  Evaluation next = step(engine, cases("W2", "T", "children", 4, 100), "2020-02-04");
  EXPECT_EQ(describe(next.events), std::vector<std::string>{"resolved amber practitioner_caseload{team=T,team_kind=children,worker=W1}"});
  EXPECT_EQ(metric_value(engine, "caseload", {{"team", "T"}, {"team_kind", "children"}, {"worker", "W1"}}), std::nullopt);
  EXPECT_EQ(engine.metric_values("caseload").size(), 1u);
}

TEST(RuleLifecycle, ForHoldsAnAlertPendingUntilNPlusOneEvaluations) {
  Engine engine;
  load(engine, R"(
metric care_admissions { unit count }
rule care_admissions_rising {
  when care_admissions > prev(care_admissions)
  for 2 periods
  severity amber
}
)");
  EXPECT_TRUE(step(engine, "care_admissions 10", "2020-01-31").events.empty());
  EXPECT_EQ(describe(step(engine, "care_admissions 11", "2020-02-29").events), std::vector<std::string>{"pending amber care_admissions_rising"});
  EXPECT_TRUE(engine.open_alerts().empty());
  EXPECT_EQ(engine.open_alerts(true).size(), 1u);
  EXPECT_TRUE(step(engine, "care_admissions 12", "2020-03-31").events.empty());
  EXPECT_EQ(describe(step(engine, "care_admissions 13", "2020-04-30").events), std::vector<std::string>{"fired amber care_admissions_rising"});
  EXPECT_EQ(engine.open_alerts().size(), 1u);
}

TEST(RuleLifecycle, PendingThatBreaksOffResolvesWithoutFiring) {
  Engine engine;
  load(engine, R"(
metric x { unit count }
rule x_high { when x > 5  for 1 periods  severity red }
)");
  step(engine, "x 6", "2020-01-01");
  EXPECT_EQ(describe(step(engine, "x 4", "2020-02-01").events), std::vector<std::string>{"resolved red x_high"});
  EXPECT_TRUE(engine.open_alerts(true).empty());
}

TEST(RuleLifecycle, CalendarEscalationAfterThreeMonths) {
  Engine engine;
  load(engine, R"(
metric cp_plan_age { unit days  labels child }
route performance_clinic { title "Clinic" }
rule cp_plan_over_two_years {
  when cp_plan_age >= 2 years
  severity amber
  escalate red after 3 months
  route performance_clinic
}
)");
  // Begun 2019-02-04: two years old on 2021-02-04 (731 days), not on 2021-02-03 (730 days).
  EXPECT_TRUE(step(engine, "cp_plan_age{child=\"C1\"} 730", "2021-02-03").events.empty());
  Evaluation fired = step(engine, "cp_plan_age{child=\"C1\"} 731", "2021-02-04");
  EXPECT_EQ(describe(fired.events), std::vector<std::string>{"fired amber cp_plan_over_two_years{child=C1}"});
  EXPECT_EQ(fired.events[0].formatted_value, "731 days");
  EXPECT_TRUE(step(engine, "cp_plan_age{child=\"C1\"} 819", "2021-05-03").events.empty());
  EXPECT_EQ(describe(step(engine, "cp_plan_age{child=\"C1\"} 820", "2021-05-04").events),
            std::vector<std::string>{"escalated red cp_plan_over_two_years{child=C1}"});
}

TEST(RuleLifecycle, TwoYearsAcrossALeapDayIsCalendarExact) {
  Engine engine;
  load(engine, R"(
metric cp_plan_age { unit days  labels child }
rule over_two_years { when cp_plan_age >= 2 years  severity amber }
rule under_two_years { when cp_plan_age < 2 years  severity amber }
)");
  // Begun 2018-03-01: two years old on 2020-03-01, which is 731 days later (2020 is a leap year).
  step(engine, "cp_plan_age{child=\"C1\"} 730", "2020-02-29");
  EXPECT_FALSE(alert_of(engine, "over_two_years", {{"child", "C1"}}));
  EXPECT_TRUE(alert_of(engine, "under_two_years", {{"child", "C1"}}));
  step(engine, "cp_plan_age{child=\"C1\"} 731", "2020-03-01");
  EXPECT_TRUE(alert_of(engine, "over_two_years", {{"child", "C1"}}));
  EXPECT_FALSE(alert_of(engine, "under_two_years", {{"child", "C1"}}));
}

TEST(RuleLifecycle, ClearWhenHoldsTheAlertUntilItsOwnCondition) {
  Engine engine;
  load(engine, R"(
metric looked_after_children { unit count }
rule looked_after_rising {
  when       pct_change(looked_after_children, 1 year) > 5%
  clear when pct_change(looked_after_children, 1 year) <= 0%
  severity   amber
  message    "looked after children up {value} on a year earlier"
}
)");
  step(engine, "looked_after_children 391", "2014-07-31");
  step(engine, "looked_after_children 395", "2014-08-31");
  Evaluation fired = step(engine, "looked_after_children 423", "2015-07-31");
  ASSERT_EQ(describe(fired.events), std::vector<std::string>{"fired amber looked_after_rising"});
  EXPECT_EQ(fired.events[0].message, "looked after children up 8.2% on a year earlier");
  EXPECT_TRUE(step(engine, "looked_after_children 405", "2015-08-31").events.empty());  // +2.5%: held open
  EXPECT_EQ(describe(step(engine, "looked_after_children 420", "2016-07-31").events),
            std::vector<std::string>{"resolved amber looked_after_rising"});
}

TEST(Stale, ExpectEveryRaisesAStaleAlertAndFreshDataResolvesIt) {
  Engine engine;
  load(engine, R"(
metric looked_after_children { unit count  expect every 6 weeks }
metric other { unit count }
)");
  step(engine, "looked_after_children 400\nother 1", "2020-01-01");
  EXPECT_TRUE(step(engine, "other 2", "2020-02-11").events.empty());  // 41 days
  Evaluation stale = step(engine, "other 3", "2020-02-12");           // 42 days
  ASSERT_EQ(describe(stale.events), std::vector<std::string>{"stale amber looked_after_children"});
  EXPECT_EQ(stale.events[0].formatted_value, "42 days");
  EXPECT_EQ(engine.open_alerts().size(), 1u);
  EXPECT_EQ(describe(step(engine, "looked_after_children 401", "2020-02-20").events),
            std::vector<std::string>{"resolved amber looked_after_children"});
}

TEST(Stale, AnExtractIsStaleWhenNoneOfItsMetricsHaveData) {
  Engine engine;
  load(engine, R"(
metric open_case { unit count  labels child }
metric cp_plan_age { unit days  labels child }
extract annex_a_list7 {
  key child = "Child Unique ID"
  sample open_case = 1
  sample cp_plan_age = age("Child Protection Plan Start Date")
  expect every 3 weeks
}
)");
  step(engine, "open_case{child=\"C1\"} 1", "2020-01-07");
  EXPECT_TRUE(step(engine, "cp_plan_age{child=\"C1\"} 10", "2020-01-21").events.empty());
  EXPECT_EQ(describe(engine.evaluate(day("2020-02-11")).events), std::vector<std::string>{"stale amber annex_a_list7"});
}

TEST(Stale, StaleAlertsGoToTheRoutesOfTheirBlock) {
  Engine engine;
  load(engine, R"(
route data_quality { title "Performance and data team" }
route panel { title "Corporate Parenting Panel" }
metric looked_after_children { unit count  expect every 6 weeks  route data_quality  route panel }
metric open_case { unit count  labels child }
extract annex_a_list7 { key child = "ID"  sample open_case = 1  expect every 3 weeks  route data_quality }
indicator icpc_timeliness { unit percent  bands { green >= 0% }  expect every 4 weeks  route panel }
metric other { unit count  expect every 2 weeks }
)");
  step(engine, "looked_after_children 400\nopen_case{child=\"C1\"} 1\nicpc_timeliness 80%\nother 1", "2020-01-01");
  Evaluation stale = engine.evaluate(day("2020-02-12"));
  ASSERT_EQ(describe(stale.events), (std::vector<std::string>{"stale amber looked_after_children", "stale amber other",
                                                              "stale amber icpc_timeliness", "stale amber annex_a_list7"}));
  EXPECT_EQ(stale.events[0].routes, (std::vector<std::string>{"data_quality", "panel"}));
  EXPECT_TRUE(stale.events[1].routes.empty());  // no route: unrouted
  EXPECT_EQ(stale.events[2].routes, std::vector<std::string>{"panel"});  // the indicator's routes
  EXPECT_EQ(stale.events[3].routes, std::vector<std::string>{"data_quality"});
  EXPECT_EQ(engine.open_alerts().at(0).routes, (std::vector<std::string>{"data_quality", "panel"}));
}

TEST(Benchmarks, TheValueInForceAtTheFiguresDateIsTheOneComparedAndNamed) {
  Engine engine;
  load(engine, R"bw(
metric re_referrals { unit percent }
benchmark statistical_neighbours {
  re_referrals 9.5% from 2018-04-01
  re_referrals 9.9% from 2020-04-01
}
rule re_referrals_high {
  when re_referrals > statistical_neighbours.re_referrals
  severity amber
  message "re-referrals {value} against neighbours' {target} ({benchmark.statistical_neighbours}), was {previous}, {band}"
  resolved message "re-referrals {value}, neighbours {target}"
}
)bw");
  // Before any value is in force the rule cannot be decided.
  EXPECT_TRUE(step(engine, "re_referrals 12%", "2018-03-31").events.empty());
  Evaluation y2019 = step(engine, "re_referrals 9.7%", "2019-09-30");  // above 9.5%
  ASSERT_EQ(y2019.events.size(), 1u);
  EXPECT_EQ(y2019.events[0].message, "re-referrals 9.7% against neighbours' 9.5% (9.5%), was 12%, amber");
  Evaluation y2020 = step(engine, "re_referrals 9.8%", "2020-09-30");  // below 2020's 9.9%
  ASSERT_EQ(y2020.events.size(), 1u);
  EXPECT_EQ(y2020.events[0].kind, EventKind::resolved);
  EXPECT_EQ(y2020.events[0].message, "re-referrals 9.8%, neighbours 9.9%");
}

TEST(Benchmarks, IndicatorMessagesNameTargetPreviousAndBenchmark) {
  Engine engine;
  load(engine, R"bw(
benchmark england { icpc 77% from 2019-04-01  icpc 79% from 2020-04-01 }
indicator icpc {
  title "ICPCs in time"
  unit percent
  bands from 2019-04-01 { green >= 85%  amber 75% .. 84%  red < 75% }
  bands from 2020-04-01 { green >= 90%  amber 80% .. 89%  red < 80% }
  round 0
  message "{value} ({band}) against {target}, was {previous}, England {benchmark.england}"
  resolved message "{value}: on target ({target})"
}
)bw");
  EXPECT_TRUE(step(engine, "icpc 86.4%", "2019-09-30").events.empty());
  Evaluation amber = step(engine, "icpc 84.6%", "2020-09-30");
  ASSERT_EQ(amber.events.size(), 1u);
  EXPECT_EQ(amber.events[0].message, "85% (amber) against >= 90%, was 86%, England 79%");
  EXPECT_EQ(engine.open_alerts().at(0).message, "85% (amber) against >= 90%, was 86%, England 79%");
  Evaluation green = step(engine, "icpc 91%", "2020-12-31");
  ASSERT_EQ(green.events.size(), 1u);
  EXPECT_EQ(green.events[0].message, "91%: on target (>= 90%)");
}

TEST(Stale, AFeedThatNeverDeliveredIsNotStale) {
  Engine engine;
  load(engine, R"(
metric looked_after_children { unit count  expect every 6 weeks }
metric other { unit count }
)");
  step(engine, "other 1", "2020-01-01");
  EXPECT_TRUE(step(engine, "other 2", "2020-06-01").events.empty());
}

TEST(Evaluation, AnEarlierDateIsRefusedAndChangesNothing) {
  Engine engine;
  load(engine, kCaseload);
  step(engine, cases("W1", "T", "children", 21), "2020-02-04");
  Evaluation refused = engine.evaluate(day("2020-01-21"));
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.error, "as-of date 2020-01-21 is before the last closed date (2020-02-04)");
  EXPECT_EQ(engine.last_as_of(), day("2020-02-04"));
}

TEST(Evaluation, SameInputsInAnyOrderGiveTheSameEventsInTheSameOrder) {
  std::string batch = cases("W3", "T", "children", 21) + cases("W1", "T", "children", 22, 100) +
                      cases("W2", "T", "children", 25, 200);
  std::string reversed;
  for (std::size_t end = batch.size(); end > 0;) {
    std::size_t start = batch.rfind('\n', end - 2);
    start = start == std::string::npos ? 0 : start + 1;
    reversed += batch.substr(start, end - start);
    end = start;
  }
  Engine a, b;
  load(a, kCaseload);
  load(b, kCaseload);
  std::vector<std::string> ea = describe(step(a, batch, "2020-01-21").events);
  std::vector<std::string> eb = describe(step(b, reversed, "2020-01-21").events);
  EXPECT_EQ(ea, eb);
  EXPECT_EQ(ea, (std::vector<std::string>{"fired amber practitioner_caseload{team=T,team_kind=children,worker=W1}",
                                          "fired amber practitioner_caseload{team=T,team_kind=children,worker=W2}",
                                          "fired amber practitioner_caseload{team=T,team_kind=children,worker=W3}"}));
}

// Events given back with Engine::recycle are filled again by later evaluations: whatever they
// held (more labels, routes, a long message), the events that come out are the same as a fresh
// engine's, member for member.
TEST(Evaluation, RecycledEventsComeOutTheSameAsNewOnes) {
  auto everything = [](const std::vector<Event>& events) {
    std::vector<std::string> out;
    for (const Event& e : events) {
      std::string text = std::string(to_string(e.kind)) + "|" + std::to_string(e.alert_id) + "|" +
                         std::to_string(static_cast<int>(e.source)) + "|" + e.rule + "|" +
                         std::string(ast::to_string(e.severity)) + "|" + std::to_string(e.value) + "|" +
                         std::to_string(static_cast<int>(e.unit)) + "|" + e.formatted_value + "|" + e.message + "|" +
                         e.as_of.iso() + "|" + e.since.iso() + "|labels:";
      for (const Label& label : e.labels) text += label.name + "=" + label.value + ",";
      text += "|routes:";
      for (const std::string& route : e.routes) text += route + ",";
      out.push_back(text);
    }
    return out;
  };
  auto garbage = [](std::size_t n) {
    std::vector<Event> events(n);
    for (Event& e : events) {
      e.rule = "a rule name long enough to live on the heap";
      e.labels = {{"x", "1"}, {"y", "2"}, {"z", "3"}, {"team", "not this one"}, {"w", "5"}};
      e.message = std::string(200, '#');
      e.formatted_value = "garbage garbage garbage";
      e.routes = {"r1", "r2", "r3", "workload_pressures"};
      e.alert_id = 999;
    }
    return events;
  };
  std::string rules = std::string(kCaseload) + R"(
metric placements_budget   { unit gbp }
metric placements_outturn  { unit gbp }
rule placements_overspend {
  when placements_outturn > placements_budget * 1.05
  severity red  route performance_clinic
}
)";
  Engine fresh, recycling;
  load(fresh, rules);
  load(recycling, rules);
  recycling.recycle(garbage(3));
  std::vector<std::pair<std::string, std::string>> steps = {
      {cases("W1", "T", "children", 22) + cases("W2", "T", "assessment", 26, 100) +
           "placements_budget £5.293m\nplacements_outturn £7.711m\n",
       "2020-01-07"},
      {cases("W1", "T", "children", 22) + cases("W2", "T", "assessment", 26, 100), "2020-01-21"},
      {cases("W1", "T", "children", 23), "2020-02-04"},  // W2 leaves: resolved
      {cases("W1", "T", "children", 5) + "placements_outturn £5m\n", "2020-02-18"},
  };
  std::size_t compared = 0;
  for (const auto& [lines, as_of] : steps) {
    std::vector<Event> expected = step(fresh, lines, as_of).events;
    Evaluation evaluation = step(recycling, lines, as_of);
    EXPECT_EQ(everything(evaluation.events), everything(expected)) << as_of;
    compared += expected.size();
    for (Event& e : evaluation.events) e.message = "spent";  // the caller may have changed them
    recycling.recycle(std::move(evaluation.events));
    recycling.recycle(garbage(2));
  }
  EXPECT_GE(compared, 7u);  // fired, escalated (with its route), resolved, and without labels
}

TEST(Evaluation, AlertsFromTwoMetricsWithoutLabels) {
  Engine engine;
  load(engine, R"(
metric placements_budget   { unit gbp }
metric placements_outturn  { unit gbp }
route performance_clinic { title "Clinic" }
rule placements_overspend {
  when placements_outturn > placements_budget * 1.05
  severity red  route performance_clinic
  message "projected overspend {value}"
}
)");
  Evaluation e = step(engine, "placements_budget £5.293m\nplacements_outturn £7.711m", "2016-09-30");
  ASSERT_EQ(describe(e.events), std::vector<std::string>{"fired red placements_overspend"});
  EXPECT_EQ(e.events[0].message, "projected overspend £7.711m");
}

TEST(Evaluation, BenchmarkValues) {
  Engine engine;
  load(engine, R"(
metric icpc_timeliness { unit percent }
benchmark england { icpc_timeliness 77% }
rule icpc_below_england { when icpc_timeliness < england.icpc_timeliness  severity amber }
)");
  EXPECT_TRUE(step(engine, "icpc_timeliness 96%", "2020-03-31").events.empty());
  EXPECT_EQ(step(engine, "icpc_timeliness 76.9%", "2020-06-30").events.size(), 1u);
}

}  // namespace
}  // namespace bandwatch::engine::testing
