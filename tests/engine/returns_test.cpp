// Returns, periods and dates (docs/language.md "Returns, periods and dates"): a date's samples
// add up over any number of batches and are decided once, when the date closes; periods count
// the returns of a rule's own inputs; stale figures never escalate; look-backs find the same
// point a year earlier or say there is none.
#include "engine/batch.hpp"
#include "engine_test_util.hpp"

namespace bandwatch::engine::testing {
namespace {

constexpr std::string_view kWorkload = R"(
metric workload { unit count  labels worker }
metric front_door_contacts { unit count }
route workload_pressures { title "Workload Pressures meeting" }
rule workload_high {
  when workload > 50
  severity amber
  escalate red after 2 periods
  route workload_pressures
}
)";

/// Sends `lines` as one batch, without closing the date.
void batch(Engine& engine, std::string_view lines, std::string_view as_of) { send(engine, lines, day(as_of)); }

Evaluation close(Engine& engine, std::string_view as_of) {
  Evaluation evaluation = engine.evaluate(day(as_of));
  EXPECT_TRUE(evaluation.ok) << evaluation.error;
  return evaluation;
}

// Issue 12, case 1: worker a and worker b sent as separate batches of the same date, three
// fortnights running. Both alerts keep their ids, neither resolves, both escalate together.
TEST(Returns, ADateInSeveralBatchesIsDecidedOnceAsAWhole) {
  Engine engine;
  load(engine, kWorkload);
  std::vector<std::string> seen;
  std::map<std::string, AlertId> ids;
  for (std::string_view date : {"2020-01-07", "2020-01-21", "2020-02-04"}) {
    batch(engine, "workload{worker=\"a\"} 60", date);
    batch(engine, "workload{worker=\"b\"} 61", date);
    for (const Event& e : close(engine, date).events) {
      seen.push_back(std::string(date) + " " + describe({e})[0]);
      auto [it, inserted] = ids.emplace(e.labels[0].value, e.alert_id);
      EXPECT_EQ(it->second, e.alert_id) << "a new id for worker " << e.labels[0].value;
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "2020-01-07 fired amber workload_high{worker=a}",
                      "2020-01-07 fired amber workload_high{worker=b}",
                      "2020-02-04 escalated red workload_high{worker=a}",
                      "2020-02-04 escalated red workload_high{worker=b}",
                  }));
}

// Issue 12, case 2: a period is a return of the rule's own data. An unrelated figure arriving
// ten days later, with no new workload figure, is no period, and stale workload never escalates.
TEST(Returns, PeriodsCountTheReturnsOfTheRulesOwnInputs) {
  Engine engine;
  load(engine, kWorkload);
  Evaluation fired = step(engine, "workload{worker=\"a\"} 60", "2020-01-07");
  ASSERT_EQ(describe(fired.events), std::vector<std::string>{"fired amber workload_high{worker=a}"});
  for (std::string_view date : {"2020-01-17", "2020-01-27", "2020-02-06", "2020-03-06", "2022-07-09"})
    EXPECT_TRUE(step(engine, "front_door_contacts 812", date).events.empty()) << date;
  EXPECT_EQ(alert_of(engine, "workload_high", {{"worker", "a"}})->severity, ast::Colour::amber);
  EXPECT_TRUE(step(engine, "workload{worker=\"a\"} 61", "2022-07-23").events.empty());  // one period
  EXPECT_EQ(describe(step(engine, "workload{worker=\"a\"} 62", "2022-08-06").events),
            std::vector<std::string>{"escalated red workload_high{worker=a}"});
}

// An absent sample is no evidence: a worker missing from the open date's first batch keeps their
// alert; only the closed return, which does not list them, resolves it.
TEST(Returns, AnEntityResolvesOnlyWhenAClosedReturnLeavesItOut) {
  Engine engine;
  load(engine, kWorkload);
  batch(engine, "workload{worker=\"a\"} 60\nworkload{worker=\"b\"} 70", "2020-01-07");
  close(engine, "2020-01-07");
  batch(engine, "workload{worker=\"a\"} 60", "2020-01-21");
  EXPECT_EQ(engine.open_alerts().size(), 2u);  // nothing is decided while the date is open
  EXPECT_EQ(engine.first_open_date(), day("2020-01-21"));
  EXPECT_EQ(describe(close(engine, "2020-01-21").events), std::vector<std::string>{"resolved amber workload_high{worker=b}"});
  EXPECT_EQ(engine.first_open_date(), std::nullopt);
}

// Issue 12, case 3: "over 20 on two consecutive returns" is written once, and the meeting sees
// one item change colour: amber on the first return, red on the second, never a resolve and a
// new alert.
TEST(Returns, OneAlertFiresAmberAndEscalatesRedOnTheSecondConsecutiveReturn) {
  Engine engine;
  load(engine, R"(
metric caseload { unit count  labels worker }
route workload_pressures { title "Workload Pressures meeting" }
route performance_clinic { title "Clinic" }
rule caseload_over_target {
  when caseload > 20
  severity amber
  escalate red after 2 returns to performance_clinic
  route workload_pressures
}
)");
  Evaluation first = step(engine, "caseload{worker=\"W1\"} 22", "2020-02-04");
  ASSERT_EQ(describe(first.events), std::vector<std::string>{"fired amber caseload_over_target{worker=W1}"});
  Evaluation second = step(engine, "caseload{worker=\"W1\"} 23", "2020-02-18");
  ASSERT_EQ(describe(second.events), std::vector<std::string>{"escalated red caseload_over_target{worker=W1}"});
  EXPECT_EQ(second.events[0].alert_id, first.events[0].alert_id);
  EXPECT_EQ(second.events[0].routes, (std::vector<std::string>{"workload_pressures", "performance_clinic"}));
}

TEST(Returns, ForTwoReturnsFiresOnTheSecondReturnInARow) {
  Engine engine;
  load(engine, R"(
metric caseload { unit count  labels worker }
rule caseload_over_target { when caseload > 20  for 2 returns  severity amber }
)");
  EXPECT_EQ(describe(step(engine, "caseload{worker=\"W1\"} 22", "2020-02-04").events),
            std::vector<std::string>{"pending amber caseload_over_target{worker=W1}"});
  EXPECT_EQ(describe(step(engine, "caseload{worker=\"W1\"} 22", "2020-02-18").events),
            std::vector<std::string>{"fired amber caseload_over_target{worker=W1}"});
}

// `min_over(x, 2 returns)` needs two returns: a worker's first return alone does not make it hold.
TEST(Returns, AWindowOfReturnsNeedsThatManyReturns) {
  Engine engine;
  load(engine, R"(
metric caseload { unit count  labels worker }
rule caseload_over_target_twice { when min_over(caseload, 2 returns) > 20  severity amber }
)");
  EXPECT_TRUE(step(engine, "caseload{worker=\"W1\"} 22", "2020-02-04").events.empty());
  EXPECT_EQ(describe(step(engine, "caseload{worker=\"W1\"} 21", "2020-02-18").events),
            std::vector<std::string>{"fired amber caseload_over_target_twice{worker=W1}"});
}

// The CP plan at 18 months, then two years: one alert, amber then red, and red only while the
// stronger condition holds.
TEST(Returns, EscalateWhenAConditionHoldsRaisesAndLowersTheSameAlert) {
  Engine engine;
  load(engine, R"(
metric cp_plan_age { unit days  labels child }
rule cp_plan_long {
  when cp_plan_age >= 18 months
  severity amber
  escalate red when cp_plan_age >= 2 years
}
)");
  // Begun 2019-02-04: 18 months on 2020-08-04, two years on 2021-02-04.
  Evaluation amber = step(engine, "cp_plan_age{child=\"C1\"} 547", "2020-08-04");
  ASSERT_EQ(describe(amber.events), std::vector<std::string>{"fired amber cp_plan_long{child=C1}"});
  EXPECT_TRUE(step(engine, "cp_plan_age{child=\"C1\"} 730", "2021-02-03").events.empty());
  Evaluation red = step(engine, "cp_plan_age{child=\"C1\"} 731", "2021-02-04");
  ASSERT_EQ(describe(red.events), std::vector<std::string>{"escalated red cp_plan_long{child=C1}"});
  EXPECT_EQ(red.events[0].alert_id, amber.events[0].alert_id);
  // A child first seen past two years fires red at once.
  EXPECT_EQ(describe(step(engine, "cp_plan_age{child=\"C1\"} 745\ncp_plan_age{child=\"C2\"} 800", "2021-02-18").events),
            std::vector<std::string>{"fired red cp_plan_long{child=C2}"});
}

// Stale figures never escalate: `after 3 months` is measured between the data the alert fired on
// and the data now, not between evaluations of unrelated figures.
TEST(Returns, CalendarEscalationMeasuresTheDataNotTheClock) {
  Engine engine;
  load(engine, R"(
metric cp_plan_age { unit days  labels child }
metric other { unit count }
rule cp_plan_over_two_years { when cp_plan_age >= 2 years  severity amber  escalate red after 3 months }
)");
  step(engine, "cp_plan_age{child=\"C1\"} 731", "2021-02-04");
  EXPECT_TRUE(step(engine, "other 1", "2021-09-01").events.empty());  // 7 months on, no new plan figure
  EXPECT_EQ(alert_of(engine, "cp_plan_over_two_years", {{"child", "C1"}})->severity, ast::Colour::amber);
  EXPECT_TRUE(step(engine, "cp_plan_age{child=\"C1\"} 819", "2021-09-15").events.empty() == false);
  EXPECT_EQ(alert_of(engine, "cp_plan_over_two_years", {{"child", "C1"}})->severity, ast::Colour::red);
}

// Issue 12, case 4: a year-on-year change compares with the figure a year earlier, within a
// month either side, or with nothing, and then the evaluation says so.
TEST(Returns, AYearEarlierIsTheSamePointAYearEarlierOrNothing) {
  Engine engine;
  load(engine, R"(
metric looked_after_children { unit count }
rule looked_after_rising {
  when pct_change(looked_after_children, 1 year) > 5%
  severity amber
  message "children in care up {value} on a year earlier"
}
)");
  step(engine, "looked_after_children 391", "2019-12-31");
  Evaluation fifteen_months = step(engine, "looked_after_children 423", "2021-03-31");
  EXPECT_TRUE(fifteen_months.events.empty());
  ASSERT_EQ(fifteen_months.notes.size(), 1u);
  EXPECT_EQ(fifteen_months.notes[0].message,
            "not decided on 2021-03-31: no figure of looked_after_children within 31 days of 2020-03-31 (1 year earlier)");
  step(engine, "looked_after_children 400", "2021-04-30");
  Evaluation year = step(engine, "looked_after_children 430", "2022-04-28");  // 363 days: within the tolerance
  ASSERT_EQ(describe(year.events), std::vector<std::string>{"fired amber looked_after_rising"});
  EXPECT_EQ(year.events[0].message, "children in care up 7.5% on a year earlier");
}

TEST(Returns, TheToleranceOfALookBackCanBeGiven) {
  Engine engine;
  load(engine, R"(
metric looked_after_children { unit count }
rule looked_after_rising { when pct_change(looked_after_children, 1 year, 100 days) > 5%  severity amber }
)");
  step(engine, "looked_after_children 391", "2019-12-31");
  EXPECT_EQ(step(engine, "looked_after_children 423", "2021-03-31").events.size(), 1u);
}

// A condition that cannot be decided (its comparison figure is missing) is no evidence: the
// open alert stays as it was, and the evaluation says why.
TEST(Returns, AnUndecidableConditionLeavesTheAlertAsItWas) {
  Engine engine;
  load(engine, R"(
metric caseload { unit count  labels team }
metric team_target { unit count  labels team }
rule over_target { when caseload > team_target  severity amber }
)");
  step(engine, "caseload{team=\"A\"} 30\nteam_target{team=\"A\"} 20", "2020-02-04");
  ASSERT_EQ(engine.open_alerts().size(), 1u);
  engine.begin_batch();
  Evaluation next = step(engine, "caseload{team=\"A\"} 31\nteam_target{team=\"B\"} 20", "2020-02-18");
  EXPECT_TRUE(next.events.empty());
  ASSERT_EQ(next.notes.size(), 1u);
  EXPECT_EQ(next.notes[0].message,
            "not decided on 2020-02-18: a figure its condition reads is missing; the open alert stays as it was");
  EXPECT_EQ(engine.open_alerts().size(), 1u);
}

TEST(Returns, AClosedDateCannotBeClosedAgainNorChanged) {
  Engine engine;
  load(engine, kWorkload);
  step(engine, "workload{worker=\"a\"} 60", "2020-01-07");
  Evaluation again = engine.evaluate(day("2020-01-07"));
  EXPECT_FALSE(again.ok);
  EXPECT_EQ(again.error, "as-of date 2020-01-07 is already closed: its alerts were decided");
  engine.begin_batch();
  LabelView a[] = {{"worker", "a"}};
  IngestResult late = engine.ingest(Sample{"workload", a, 10, day("2020-01-07")});
  EXPECT_EQ(late.status, IngestStatus::date_decided);
  EXPECT_EQ(describe_ingest(engine, "workload", a, 10, day("2020-01-07"), late),
            "dated 2020-01-07, but the figures of 'workload' up to 2020-01-07 are decided: alerts were raised on "
            "them. Send a correction with a later date, or withdraw the batch that was wrong");
}

// Issue 12, case 7: wrong data is named, with the exit status's worth of warnings and refusals.
TEST(Returns, WrongDataIsNamed) {
  Engine engine;
  load(engine, R"(
metric caseload { unit count  labels worker, team }
metric timeliness { unit percent  labels team }
)");
  BatchOptions options;
  options.as_of = day("2020-02-04");
  BatchOutcome first = ingest_batch(engine, "timeliness{team=\"A\"} 92.5\ntimeliness{team=\"B\"} 88\n", options);
  EXPECT_EQ(first.problems.size(), 0u);
  engine.evaluate(options.as_of);
  options.as_of = day("2020-02-18");
  BatchOutcome outcome = ingest_batch(engine,
                                      "caseload{worker=\"W1\"} 22\n"
                                      "caseload{worker=\"W2\", team=\"T\"} 22\n"
                                      "caseload{worker=\"W2\", team=\"T\"} 23\n"
                                      "timeliness{team=\"A\"} 0.125\n"
                                      "caseload{worker=\"W3\", team=\"T\"} 1 2020-03-01\n"
                                      "caseloads{worker=\"W4\", team=\"T\"} 1\n",
                                      options);
  EXPECT_EQ(outcome.accepted, 2u);
  EXPECT_EQ(outcome.refused, 4u);
  EXPECT_EQ(outcome.doubted, 1u);
  std::vector<std::string> problems;
  for (const LineProblem& p : outcome.problems)
    problems.push_back(std::to_string(p.line) + ":" + std::to_string(p.column) + (p.warning ? " warning: " : " error: ") +
                       p.message);
  EXPECT_EQ(problems,
            (std::vector<std::string>{
                "1:1 error: metric 'caseload' needs the labels team, worker; this sample lacks team (write team=\"\" "
                "to say it has none)",
                "3:1 error: a second figure for the same series and date 2020-02-18 in this batch (the first was 22); "
                "send each series once per date",
                "4:1 warning: 0.125 for the percent metric 'timeliness' looks like a fraction (Excel keeps 12.5% as "
                "0.125): percent figures are sent as points, e.g. 12.5%",
                "5:1 error: dated 2020-03-01, after the batch's date 2020-02-18: a batch holds figures up to its own date",
                "6:1 error: unknown metric 'caseloads'; did you mean 'caseload'?",
            }));
}

TEST(Returns, LimitsRefuseTheLineAndNameTheOption) {
  Engine engine;
  load(engine, "metric caseload { unit count  labels worker }");
  BatchOptions options;
  options.as_of = day("2020-02-04");
  options.limits.max_label_value_bytes = 8;
  options.limits.max_reported = 1;
  BatchOutcome outcome = ingest_batch(engine,
                                      "caseload{worker=\"W123456789\"} 1\ncaseload{worker=\"W2345678901\"} 1\nx\n",
                                      options);
  ASSERT_EQ(outcome.problems.size(), 1u);
  EXPECT_EQ(outcome.problems[0].message,
            "the value of label 'worker' (10 bytes) is over the limit of 8 (--max-label-value-bytes)");
  EXPECT_EQ(outcome.refused, 3u);
  EXPECT_EQ(outcome.unreported, (std::map<std::string, std::size_t>{
                                    {"error: the value is missing: write the figure after the metric and its labels, e.g. "
                                     "caseload{team=\"North\"} ",  // reasons are cut at 100 characters
                                     1},
                                    {"error: the value of label 'worker' (N bytes) is over the limit of N (--max-label-value-bytes)", 1}}));
}

}  // namespace
}  // namespace bandwatch::engine::testing
