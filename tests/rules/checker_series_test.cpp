// The checker's pass 4 (rules/checker_series.cpp): what the engine could not compile is refused
// by the checker, in the words and at the token the engine's compiler used, so that `bandwatch
// check` and Engine::load agree (issue 14: the checker is the one semantic authority).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rules/checker.hpp"
#include "rules/parser.hpp"

namespace bandwatch {
namespace {

using Lines = std::vector<std::string>;

/// The prelude and `text` as one file; each error as "line:col: message" (lines of `text` from 1).
Lines errors_in(const std::string& text) {
  const std::string prelude = R"(metric open_case { unit count  labels child, worker, team }
metric budget { unit gbp  labels team, region }
metric plan_age { unit days  labels child, worker, team }
metric m { unit count }
)";
  ParseResult parsed = parse(prelude + text, "t.bw");
  for (const Diagnostic& d : parsed.diagnostics) ADD_FAILURE() << render(d, prelude + text);
  Lines out;
  for (const Diagnostic& d : check({parsed.file}))
    if (d.severity == Severity::error)
      out.push_back(std::to_string(d.loc.line - 4) + ":" + std::to_string(d.loc.column) + ": " + d.message);
  return out;
}

TEST(CheckerSeries, AMetricWithALabelTheDriverLacksCannotBeJoined) {
  EXPECT_EQ(errors_in("rule r { when open_case > 1 and budget > 3  severity red }\n"),
            Lines{"1:33: cannot match 'budget' to the series of 'open_case': it has label 'region' that "
                  "'open_case' lacks (fix it with a matcher, e.g. budget{region=\"...\"})"});
  // `unless` reads the series of `when`.
  EXPECT_EQ(errors_in("rule r { when m > 1 unless budget > 3  severity red }\n"),
            Lines{"1:28: cannot match 'budget' to the series of 'm': it has label 'region' that 'm' lacks "
                  "(fix it with a matcher, e.g. budget{region=\"...\"})"});
  // A cohort is read from the indicator's series.
  EXPECT_EQ(errors_in("indicator m { cohort budget minimum 3  bands { green > 1  red <= 1 } }\n"),
            Lines{"1:15: cannot match 'budget' to the series of 'm': it has label 'region' that 'm' lacks "
                  "(fix it with a matcher, e.g. budget{region=\"...\"})"});
  // A matcher fixes the label; the driver is the metric with the most labels.
  EXPECT_EQ(errors_in("rule r { when open_case > 1 and budget{region=\"north\"} > 3  severity red }\n"
                      "rule s { when budget > 3 and m > 1  severity red }\n"),
            Lines{});
}

TEST(CheckerSeries, InTestsALabelOfTheDriverAgainstStrings) {
  EXPECT_EQ(errors_in("rule r { when open_case > 1 and 3 in (4)  severity red }\n"
                      "rule s { when open_case > 1 and team in (worker)  severity red }\n"
                      "rule t { when open_case > 1 and team in (\"a\", \"b\")  severity red }\n"),
            (Lines{"1:33: `in (...)` tests a label of 'open_case', and '' is not one",
                   "2:42: the list after `in` holds strings"}));
}

TEST(CheckerSeries, LabelsCompareEqualOrNotWithStringsOrLabels) {
  EXPECT_EQ(errors_in("rule r { when open_case > 1 and team < worker  severity red }\n"
                      "rule s { when open_case > 1 and team >= \"x\"  severity red }\n"
                      "rule t { when open_case > 1 and \"a\" == \"b\"  severity red }\n"
                      "rule u { when open_case > 1 and team != worker and \"x\" == team  severity red }\n"),
            (Lines{"1:33: a label can only be compared with a string or another label, with == or !=",
                   "2:33: a label can only be compared with a string or another label, with == or !=",
                   "3:33: a label can only be compared with a string or another label, with == or !="}));
}

TEST(CheckerSeries, HistoryFunctionsReadAMetricsHistory) {
  EXPECT_EQ(errors_in("rule r { when prev(open_case * 2) > 1  severity red }\n"
                      "rule s { when pct_change(open_case, 3 returns, 5 days) > 1%  severity red }\n"
                      "rule t { when pct_change(open_case, 0 years) > 1%  severity red }\n"
                      "rule u { when pct_change(open_case, 1 year, 5 returns) > 1%  severity red }\n"
                      "rule v { when prev(count(open_case) by (team)) > 1  severity red }\n"),
            (Lines{"1:20: prev reads the history of a metric; write a metric here",
                   "2:48: the third argument of pct_change is how far from one window back a figure may be, "
                   "e.g. pct_change(x, 1 year, 45 days)",
                   "3:37: the look-back of pct_change is a period such as `1 year` or `3 returns`",
                   "4:45: the third argument of pct_change is how far from one window back a figure may be, "
                   "e.g. pct_change(x, 1 year, 45 days)"}));
}

TEST(CheckerSeries, ExtractFunctionsDatesAndMatchBelongInExtracts) {
  EXPECT_EQ(errors_in("rule r { when age(plan_age) > 3  severity red }\n"
                      "rule s { when open_case > 1 and 2024-01-01 < 2024-02-01  severity red }\n"
                      "rule t { when open_case > 1 and match(team) { \"a\" -> \"b\" else -> \"c\" } > 0  severity red }\n"),
            (Lines{"1:15: age(...) reads an extract's columns: use it in an extract",
                   "2:33: dates cannot be used in rule expressions",
                   "3:33: match(...) belongs in an extract's label mapping"}));
}

TEST(CheckerSeries, DurationsOtherThanDaysCompareOnlyWithAnAge) {
  EXPECT_EQ(errors_in("rule r { when plan_age + 1 year > 800  severity red }\n"
                      "rule s { when plan_age > 3 returns  severity red }\n"
                      "rule t { when plan_age >= 2 years and plan_age < 10 weeks  severity red }\n"),
            (Lines{"1:26: a duration of 1 year can only be compared with an age in days (e.g. `cp_plan_age >= 2 years`)",
                   "2:26: a duration of 3 returns can only be compared with an age in days (e.g. `cp_plan_age >= 2 years`)"}));
  EXPECT_EQ(errors_in("indicator age_days { unit days  bands { green < 1 year  red >= 3 returns } }\n"),
            Lines{"1:57: a band limit of 3 returns has no length in days"});
}

TEST(CheckerSeries, AnExpressionMustReadAMetric) {
  EXPECT_EQ(errors_in("rule r { when 1 > 2  severity red }\n"
                      "metric d = 1\n"
                      "rule s { when count(1) > 3  severity red }\n"),
            (Lines{"1:15: rule 'r' reads no metric", "2:12: metric 'd' reads no metric",
                   "3:21: metric 's#1' reads no metric"}));
}

TEST(CheckerSeries, PreviousIsTheDriversPreviousFigure) {
  EXPECT_EQ(errors_in("rule r { when m > 1 and open_case > 2  severity red  message \"was {previous}\" }\n"
                      "rule s { when open_case > 2 and m > 1  severity red  message \"was {previous}\" }\n"),
            Lines{"1:54: message placeholder {previous}: the metric on the left of the first comparison in "
                  "`when` must be the one whose series the alerts follow"});
}

TEST(CheckerSeries, DerivedMetricsCarryTheirDriversOrTheirGroupsLabels) {
  // d is per team (its driver's labels, budget's region fixed by the matcher); g per worker.
  EXPECT_EQ(errors_in("metric staff { unit count  labels team, region }\n"
                      "metric d = open_case + staff{region=\"north\"}\n"
                      "metric g = count(open_case) by (worker)\n"
                      "rule r { when g > 1 and d > 2  severity red }\n"
                      "rule s { when m > 1 and g > 2 and open_case > 3  severity red }\n"),
            Lines{});
  EXPECT_EQ(errors_in("metric g = count(open_case) by (worker)\n"
                      "rule r { when g > 1 and budget > 2  severity red }\n"),
            Lines{"2:15: cannot match 'g' to the series of 'budget': it has label 'worker' that 'budget' lacks "
                  "(fix it with a matcher, e.g. g{worker=\"...\"})"});
  // A derived metric that failed is reported once, where it is declared.
  EXPECT_EQ(errors_in("metric staff { unit count  labels team, region }\n"
                      "metric d = open_case + staff\n"
                      "rule r { when d > 1  severity red }\n"),
            Lines{"2:24: cannot match 'staff' to the series of 'open_case': it has label 'region' that "
                  "'open_case' lacks (fix it with a matcher, e.g. staff{region=\"...\"})"});
}

TEST(CheckerSeries, ItemsWithOtherErrorsAreNotJudgedTwice) {
  // The unknown name is the error; that `when` then reads no metric is not another.
  EXPECT_EQ(errors_in("rule r { when zzz > 1  severity red }\n"),
            Lines{"1:15: unknown metric or label 'zzz': declare it (`metric zzz { unit count }`), or check its "
                  "spelling"});
}

}  // namespace
}  // namespace bandwatch
