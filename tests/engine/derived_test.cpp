// Derived metrics (aggregates by labels, arithmetic), history functions, and how vanished
// entities and directly-sent figures are treated.
#include "engine_test_util.hpp"

namespace bandwatch::engine::testing {
namespace {

constexpr std::string_view kAggregates = R"(
metric cp_plan_age { unit days  labels child, team }
metric plans = count(cp_plan_age) by (team)
metric long_plans = count(cp_plan_age >= 2 years) by (team)
metric long_share = share(cp_plan_age >= 2 years) by (team)
metric total_age = sum(cp_plan_age) by (team)
metric mean_age = avg(cp_plan_age) by (team)
metric youngest = min(cp_plan_age) by (team)
metric oldest = max(cp_plan_age) by (team)
metric all_plans = count(cp_plan_age)
)";

TEST(Derived, AggregatesByLabels) {
  Engine engine;
  load(engine, kAggregates);
  step(engine, R"(
cp_plan_age{child="C1", team="A"} 100
cp_plan_age{child="C2", team="A"} 800
cp_plan_age{child="C3", team="A"} 300
cp_plan_age{child="C4", team="B"} 731
)", "2021-02-04");
  Labels a{{"team", "A"}}, b{{"team", "B"}};
  EXPECT_EQ(metric_value(engine, "plans", a), 3);
  EXPECT_EQ(metric_value(engine, "plans", b), 1);
  EXPECT_EQ(metric_value(engine, "long_plans", a), 1);
  EXPECT_EQ(metric_value(engine, "long_plans", b), 1);  // 731 days on 4 Feb 2021: two years
  EXPECT_NEAR(*metric_value(engine, "long_share", a), 100.0 / 3, 1e-9);
  EXPECT_EQ(metric_value(engine, "total_age", a), 1200);
  EXPECT_EQ(metric_value(engine, "mean_age", a), 400);
  EXPECT_EQ(metric_value(engine, "youngest", a), 100);
  EXPECT_EQ(metric_value(engine, "oldest", a), 800);
  EXPECT_EQ(metric_value(engine, "all_plans"), 4);
}

TEST(Derived, EachDatesBatchIsTheCompleteSnapshot) {
  Engine engine;
  load(engine, kAggregates);
  step(engine, "cp_plan_age{child=\"C1\", team=\"A\"} 100\ncp_plan_age{child=\"C2\", team=\"A\"} 800\n"
               "cp_plan_age{child=\"C4\", team=\"B\"} 731", "2021-02-04");
  // C2's plan ended and team B has no plans left: they are not in the next extract.
  step(engine, "cp_plan_age{child=\"C1\", team=\"A\"} 114", "2021-02-18");
  EXPECT_EQ(metric_value(engine, "plans", {{"team", "A"}}), 1);
  EXPECT_EQ(metric_value(engine, "plans", {{"team", "B"}}), std::nullopt);
  EXPECT_EQ(metric_value(engine, "oldest", {{"team", "A"}}), 114);
  EXPECT_EQ(metric_value(engine, "all_plans"), 1);
}

TEST(Derived, SeveralBatchesOfOneDateAddUpUntilTheDateCloses) {
  Engine engine;
  load(engine, kAggregates);
  Date date = day("2021-02-04");
  send(engine, "cp_plan_age{child=\"C1\", team=\"A\"} 100", date);
  send(engine, "cp_plan_age{child=\"C2\", team=\"A\"} 200", date);
  // A later batch may correct a figure an earlier one sent for the same date: taken, and said.
  engine.begin_batch();
  LabelView c2[] = {{"child", "C2"}, {"team", "A"}};
  IngestResult corrected = engine.ingest(Sample{"cp_plan_age", c2, 300, date});
  EXPECT_EQ(corrected.status, IngestStatus::replaced);
  EXPECT_EQ(corrected.previous, 200);
  // Within one batch, a second figure for the same series and date is refused.
  EXPECT_EQ(engine.ingest(Sample{"cp_plan_age", c2, 400, date}).status, IngestStatus::duplicate_sample);
  EXPECT_EQ(metric_value(engine, "plans", {{"team", "A"}}), std::nullopt);  // nothing decided yet
  ASSERT_TRUE(engine.evaluate(date).ok);
  EXPECT_EQ(metric_value(engine, "plans", {{"team", "A"}}), 2);
  EXPECT_EQ(metric_value(engine, "total_age", {{"team", "A"}}), 400);
  // The date is closed: its figures are decided, and a late one cannot change them.
  engine.begin_batch();
  LabelView c3[] = {{"child", "C3"}, {"team", "A"}};
  EXPECT_EQ(engine.ingest(Sample{"cp_plan_age", c3, 10, date}).status, IngestStatus::date_decided);
  EXPECT_FALSE(engine.evaluate(date).ok);
  EXPECT_EQ(metric_value(engine, "plans", {{"team", "A"}}), 2);
}

TEST(Derived, ArithmeticOfMetricsAndItsUnit) {
  Engine engine;
  load(engine, R"(
metric child_population { unit count }
metric children_in_need { unit count }
metric cin_rate = children_in_need / child_population * 10000
rule cin_high { when cin_rate > 500  severity amber  message "{value} per 10,000" }
)");
  Evaluation e = step(engine, "child_population 43000\nchildren_in_need 2270", "2020-03-31");
  EXPECT_NEAR(*metric_value(engine, "cin_rate"), 527.9, 0.05);
  ASSERT_EQ(e.events.size(), 1u);
  EXPECT_EQ(e.events[0].unit, ast::Unit::rate_per_10k);
  EXPECT_EQ(e.events[0].message, "527.9 per 10,000");
}

TEST(Derived, JoinsAMetricWithFewerLabels) {
  Engine engine;
  load(engine, R"(
metric caseload { unit count  labels worker, team }
metric team_target { unit count  labels team }
rule over_team_target { when caseload > team_target  severity amber  message "{worker}: {value}" }
)");
  Evaluation e = step(engine, R"(
caseload{worker="W1", team="A"} 18
caseload{worker="W2", team="B"} 18
team_target{team="A"} 20
team_target{team="B"} 15
)", "2020-02-04");
  EXPECT_EQ(describe(e.events), std::vector<std::string>{"fired amber over_team_target{team=B,worker=W2}"});
  EXPECT_EQ(e.events[0].message, "W2: 18");
}

TEST(Derived, FiguresSentForADerivedMetricAreRead) {
  Engine engine;
  load(engine, R"(
metric open_case { unit count  labels child, team }
metric team_cases = count(open_case) by (team)
)");
  step(engine, "team_cases{team=\"A\"} 7", "2020-01-07");
  EXPECT_EQ(metric_value(engine, "team_cases", {{"team", "A"}}), 7);
  // Newer input data: the computation takes over.
  step(engine, "open_case{child=\"C1\", team=\"A\"} 1", "2020-01-21");
  EXPECT_EQ(metric_value(engine, "team_cases", {{"team", "A"}}), 1);
}

TEST(Derived, AnAggregateWrittenInARule) {
  Engine engine;
  load(engine, R"(
metric open_case { unit count  labels child, team }
rule busy_team { when count(open_case) by (team) > 2  severity amber  message "{team}: {value} open cases" }
)");
  Evaluation e = step(engine, R"(
open_case{child="C1", team="A"} 1
open_case{child="C2", team="A"} 1
open_case{child="C3", team="A"} 1
open_case{child="C4", team="B"} 1
)", "2020-02-04");
  ASSERT_EQ(describe(e.events), std::vector<std::string>{"fired amber busy_team{team=A}"});
  EXPECT_EQ(e.events[0].message, "A: 3 open cases");
  EXPECT_FALSE(engine.metric_id("busy_team#1"));  // the anonymous metric cannot be sent
}

TEST(Derived, LabelConditions) {
  Engine engine;
  load(engine, R"(
metric caseload { unit count  labels worker, team, team_kind, home_team }
rule a { when caseload > 20 and team_kind not in ("assessment")  severity amber }
rule b { when caseload > 20 and team != home_team  severity amber }
rule c { when caseload > 20 and (team == "T1" or worker == "W9")  severity amber }
)");
  step(engine, R"(
caseload{worker="W1", team="T1", team_kind="children", home_team="T1"} 21
caseload{worker="W2", team="T2", team_kind="assessment", home_team="T1"} 21
caseload{worker="W9", team="T3", team_kind="children", home_team="T3"} 19
)", "2020-02-04");
  auto fired = [&](std::string_view rule) {
    std::vector<std::string> workers;
    for (const Alert& a : engine.open_alerts())
      if (a.rule == rule)
        for (const Label& l : a.labels)
          if (l.name == "worker") workers.push_back(l.value);
    return workers;
  };
  EXPECT_EQ(fired("a"), std::vector<std::string>{"W1"});
  EXPECT_EQ(fired("b"), std::vector<std::string>{"W2"});
  EXPECT_EQ(fired("c"), std::vector<std::string>{"W1"});
}

TEST(History, PctChangeReadsTheLatestValueAtOrBeforeAYearEarlier) {
  Engine engine;
  load(engine, R"(
metric looked_after_children { unit count }
metric looked_after_change = pct_change(looked_after_children, 1 year)
metric looked_after_prev = prev(looked_after_children)
metric looked_after_diff = change(looked_after_children, 1 year)
)");
  step(engine, "looked_after_children 391", "2014-07-31");
  step(engine, "looked_after_children 400", "2014-08-31");  // after the date a year back: not used
  step(engine, "looked_after_children 423", "2015-07-31");
  EXPECT_NEAR(*metric_value(engine, "looked_after_change"), 8.184, 0.001);
  EXPECT_EQ(metric_value(engine, "looked_after_diff"), 32);
  EXPECT_EQ(metric_value(engine, "looked_after_prev"), 400);
  // A year back from 15 Sep 2015 is 15 Sep 2014: the latest value at or before it is 31 Aug's.
  step(engine, "looked_after_children 440", "2015-09-15");
  EXPECT_NEAR(*metric_value(engine, "looked_after_change"), 10.0, 1e-9);
}

TEST(History, NoComparisonAgainstDataOlderThanTwoWindows) {
  Engine engine;
  load(engine, R"(
metric x { unit count }
metric x_change = pct_change(x, 1 year)
)");
  step(engine, "x 100", "2010-01-01");
  step(engine, "x 120", "2013-01-01");
  EXPECT_EQ(metric_value(engine, "x_change"), std::nullopt);
}

TEST(History, WindowsOverPeriodsAndCalendar) {
  Engine engine;
  load(engine, R"(
metric x { unit count }
metric avg3 = avg_over(x, 3 periods)
metric max90 = max_over(x, 90 days)
metric sum3 = sum_over(x, 3 periods)
metric min3 = min_over(x, 3 periods)
)");
  step(engine, "x 10", "2020-01-01");
  step(engine, "x 20", "2020-02-01");
  step(engine, "x 60", "2020-03-01");
  step(engine, "x 30", "2020-04-15");
  EXPECT_NEAR(*metric_value(engine, "avg3"), (20 + 60 + 30) / 3.0, 1e-9);
  EXPECT_EQ(metric_value(engine, "sum3"), 110);
  EXPECT_EQ(metric_value(engine, "min3"), 20);
  EXPECT_EQ(metric_value(engine, "max90"), 60);  // 1 Feb is 74 days back, 1 Jan 105
}

TEST(History, RetentionIsBoundedByTheLongestWindow) {
  Engine engine;
  load(engine, R"(
metric x { unit count }
metric y { unit count }
metric x_change = pct_change(x, 1 year)
indicator y { unit count  better lower  bands { green >= 0 } }
)");
  for (int year = 2010; year <= 2013; ++year)
    for (int month = 1; month <= 12; ++month) {
      Date d = Date::from_ymd(year, static_cast<unsigned>(month), 1);
      send(engine, "x 1\ny 1", d);
      engine.evaluate(d);
    }
  EngineState state = engine.export_state();
  for (const SeriesRecord& s : state.series) {
    if (s.metric == "x") {
      EXPECT_LE(s.history.size(), 15u);  // a year of months, and a month's tolerance either side
    }
    if (s.metric == "y") {
      EXPECT_EQ(s.history.size(), 2u);  // the trend needs the previous value
    }
  }
}

}  // namespace
}  // namespace bandwatch::engine::testing

namespace bandwatch::engine::testing {
namespace {

// An empty label value is given and means "none", as in Prometheus: an unallocated case (no
// worker) is matched by worker="" and not by worker!="". A label left out is a mistake, refused.
TEST(Derived, EmptyLabelValueMeansNoLabel) {
  Engine engine;
  load(engine, R"(
metric open_case { unit count  labels child, worker }
metric allocated = count(open_case{worker!=""})
metric unallocated = count(open_case{worker=""})
)");
  step(engine, R"(
open_case{child="C1", worker="W1"} 1
open_case{child="C2", worker=""} 1
)", "2020-02-04");
  EXPECT_EQ(metric_value(engine, "allocated"), 1);
  EXPECT_EQ(metric_value(engine, "unallocated"), 1);
  engine.begin_batch();
  LabelView without_worker[] = {{"child", "C3"}};
  EXPECT_EQ(engine.ingest(Sample{"open_case", without_worker, 1, day("2020-02-18")}).status,
            IngestStatus::missing_label);
}

}  // namespace
}  // namespace bandwatch::engine::testing
