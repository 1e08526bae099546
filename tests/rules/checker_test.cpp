// The semantic checker: each check fires with its exact message at the offending token, and
// programs that are right (DESIGN.md's example, examples/) are clean.
#include "rules/checker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "rules/parser.hpp"

namespace bandwatch {
namespace {

std::string severity_name(Severity severity) {
  switch (severity) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::note: return "note";
  }
  return "?";
}

/// Checks several files as one program; each diagnostic as "file:line:col: severity: message".
std::vector<std::string> check_files(const std::vector<std::pair<std::string, std::string>>& sources) {
  std::vector<ast::File> files;
  for (const auto& [name, text] : sources) {
    ParseResult parsed = parse(text, name);
    for (const Diagnostic& d : parsed.diagnostics) ADD_FAILURE() << render(d, text);
    files.push_back(std::move(parsed.file));
  }
  std::vector<std::string> out;
  for (const Diagnostic& d : check(files))
    out.push_back(d.file + ":" + std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) +
                  ": " + severity_name(d.severity) + ": " + d.message);
  return out;
}

/// One file, "t.bw"; diagnostics as "line:col: severity: message".
std::vector<std::string> check_text(const std::string& text) {
  std::vector<std::string> out = check_files({{"t.bw", text}});
  for (std::string& line : out) line.erase(0, std::string("t.bw:").size());
  return out;
}

using Lines = std::vector<std::string>;

// The common ground most tests build on, six lines long.
const std::string kPrelude = R"(metric open_case { unit count  labels child, worker, team, team_kind }
metric icpc_timeliness { unit percent }
metric caseload = count(open_case) by (worker, team, team_kind)
metric budget { unit gbp }
metric plan_age { unit days  labels child, worker, team }
route clinic { title "Performance clinic" }
)";

std::string with_prelude(const std::string& text) { return kPrelude + text; }

// ---------------------------------------------------------------------------------------------
// Clean programs

const char* const kDesignExample = R"(
metric open_case             { unit count  labels child, worker, team, team_kind }
metric cp_plan_age           { unit days   labels child, worker, team }
metric unallocated_cases     { unit count  labels team }
metric looked_after_children { unit count }
metric adoption_decisions    { unit count }
metric icpc_timeliness       { unit percent }
metric caseload = count(open_case) by (worker, team, team_kind)
metric team_average_caseload = avg(caseload) by (team, team_kind)

indicator single_assessment_timeliness {
  title  "Timeliness of single assessments"
  unit   percent
  better higher
  frame  year_to_date
  bands {
    green >= 95%
    amber 90% .. 94%
    red   <= 89%
  }
  round 0
}

indicator team_average_caseload {
  unit count  better lower  frame snapshot
  bands { green <= 20  red > 20 }
  bands where team_kind in ("assessment", "care_leavers") { green <= 25  red > 25 }
}

indicator adoption_within_12_months {
  unit percent  better higher  frame year_to_date
  cohort adoption_decisions minimum 10
  bands from 2016-04-01 { green >= 70%  amber 66% .. 69%  red <= 65% }
  bands from 2017-04-01 { green >= 75%  amber 70% .. 74%  red <= 69% }
  round 0
}

benchmark england { icpc_timeliness 77%  single_assessment_timeliness 83% }

metric child_population { unit count }
metric children_in_need { unit count }
metric cin_rate = children_in_need / child_population * 10000
metric placements_budget   { unit gbp }
metric placements_outturn  { unit gbp }
rule placements_overspend {
  when placements_outturn > placements_budget * 1.05
  severity red  route performance_clinic
  message "projected overspend {value}"
}

route workload_pressures  { title "Workload Pressures meeting"  cadence 14 days }
route performance_clinic  { title "Children's Social Care Performance Clinic" }

rule practitioner_caseload {
  title    "Practitioner caseload above target"
  when     caseload > 20
  unless   team_kind in ("assessment", "care_leavers") and caseload <= 25
  severity amber
  escalate red after 2 periods to performance_clinic
  route    workload_pressures
  message  "{worker} ({team}) holds {value} cases"
}

rule cases_unallocated { when unallocated_cases > 0  severity red  route workload_pressures }

rule cp_plan_over_two_years {
  when     cp_plan_age >= 2 years
  severity amber
  escalate red after 3 months
  route    performance_clinic
}

rule looked_after_rising {
  when     pct_change(looked_after_children, 1 year) > 5%
  severity amber
  route    performance_clinic
}

rule icpc_below_england { when icpc_timeliness < england.icpc_timeliness  severity amber  route performance_clinic }

extract annex_a_list7 {
  title       "Annex A list 7: children subject to a child protection plan"
  date_format "dd/mm/yyyy"
  key    child  = "Child Unique ID"
  label  worker = "Allocated Worker"
  label  team   = "Allocated Team"
  label  team_kind = match("Allocated Team") {
           "^Assessment"  -> "assessment"
           "Care Leaver"  -> "care_leavers"
           else           -> "children"
         }
  where  is_blank("Child Protection Plan End Date")
  sample open_case   = 1
  sample cp_plan_age = age("Child Protection Plan Start Date")
}

test "one team over its caseload target" {
  at 2020-02-04 {
    team_average_caseload{team="Unaccompanied Children and Young People", team_kind="children"} 23.6
    team_average_caseload{team="South Care Leaver Team", team_kind="care_leavers"} 19.0
  }
  expect team_average_caseload{team="Unaccompanied Children and Young People"} red
  expect team_average_caseload{team="South Care Leaver Team"} green
}
)";

TEST(Checker, DesignExampleIsClean) { EXPECT_EQ(check_text(kDesignExample), Lines{}); }

TEST(Checker, RateIsInferredFromCountsPerTenThousand) {
  EXPECT_EQ(check_text(R"(metric children_in_need { unit count }
metric child_population { unit count }
metric cin_rate = children_in_need / child_population * 10000
indicator cin_rate { unit rate_per_10k  bands { green <= 500  red > 500 } }
metric share_seen = children_in_need / child_population * 100
indicator share_seen { unit percent  bands { green >= 50%  red < 50% } }
)"),
            Lines{});
  EXPECT_EQ(check_text(R"(metric children_in_need { unit count }
metric child_population { unit count }
metric cin_rate = children_in_need / child_population * 10000
indicator cin_rate { unit percent  bands { green <= 50%  red > 50% } }
)"),
            Lines{"4:22: error: indicator 'cin_rate' is in percent but metric 'cin_rate' gives rate_per_10k"});
}

TEST(Checker, AgesCompareWithDurationsAndDaysAddUp) {
  EXPECT_EQ(check_text(with_prelude(R"(rule old_plan {
  when plan_age >= 2 years and plan_age + 14 days < 3 years
  severity amber  route clinic
}
)")),
            Lines{});
}

TEST(Checker, IdentifiersInExtractsAreColumnsNotMetrics) {
  EXPECT_EQ(check_text(with_prelude(R"(extract list7 {
  key child = "Child Unique ID"
  label worker = "Worker"
  label team = team_column
  label team_kind = match(team_column) { "^A" -> "assessment" else -> "children" }
  where status == "Open" and not is_blank(start_date)
  sample open_case = 1
  sample plan_age = age(start_date)
}
)")),
            Lines{});
}

// ---------------------------------------------------------------------------------------------
// Names

TEST(Checker, UnknownIdentifierSuggestsTheClosestName) {
  EXPECT_EQ(check_text(with_prelude("rule r { when caseloda > 20  severity amber  route clinic }\n")),
            Lines{"7:15: error: unknown metric or label 'caseloda'; did you mean 'caseload'?"});
}

TEST(Checker, UnknownIdentifierWithNothingClose) {
  EXPECT_EQ(check_text(with_prelude("rule r { when zzz > 20  severity amber  route clinic }\n")),
            Lines{"7:15: error: unknown metric or label 'zzz': declare it (`metric zzz { unit count }`), or check its spelling"});
}

TEST(Checker, UnknownIdentifierInDerivedMetric) {
  EXPECT_EQ(check_text(with_prelude("metric x = sum(budgte)\n")),
            Lines{"7:16: error: unknown metric or label 'budgte'; did you mean 'budget'?"});
}

TEST(Checker, UnknownFunction) {
  EXPECT_EQ(check_text(with_prelude(
                "rule r { when pct_chnage(caseload, 1 year) > 5%  severity amber  route clinic }\n")),
            Lines{"7:15: error: unknown function 'pct_chnage'; did you mean 'pct_change'?"});
}

TEST(Checker, FunctionArgumentsAreChecked) {
  EXPECT_EQ(check_text(with_prelude(
                "rule r { when pct_change(caseload, 5) > 5%  severity amber  route clinic }\n"
                "rule s { when pct_change(caseload) > 5%  severity amber  route clinic }\n")),
            (Lines{"7:36: error: the second argument of pct_change is a look-back period such as "
                   "`1 year`, not 5 (a number)",
                   "8:15: error: pct_change takes 2 or 3 arguments, not 1: pct_change(metric, 1 year) or "
                     "pct_change(metric, 1 year, 45 days)"}));
}

TEST(Checker, DuplicateMetricNotesTheFirst) {
  EXPECT_EQ(check_text(with_prelude("metric caseload { unit count }\n")),
            (Lines{"7:8: error: metric 'caseload' is already declared",
                   "3:8: note: first declaration of 'caseload' is here"}));
}

TEST(Checker, IndicatorsAndRulesShareANamespace) {
  EXPECT_EQ(check_text(with_prelude(R"(rule icpc_timeliness { when icpc_timeliness < 80%  severity amber  route clinic }
indicator icpc_timeliness { unit percent  bands { green >= 80%  red < 80% } }
)")),
            (Lines{"8:11: error: indicator 'icpc_timeliness' has the name of a rule; indicators and "
                   "rules name alerts, so their names must differ",
                   "7:6: note: the rule 'icpc_timeliness' is declared here"}));
}

TEST(Checker, MetricsAndAlertsAreSeparateNamespaces) {
  EXPECT_EQ(check_text(with_prelude(
                "rule caseload { when caseload > 20  severity amber  route clinic }\n")),
            Lines{});
}

TEST(Checker, DuplicateRoutesBenchmarksExtractsTests) {
  EXPECT_EQ(check_text(with_prelude(R"(route clinic { }
benchmark england { icpc_timeliness 77% }
benchmark england { icpc_timeliness 78% }
extract e { sample budget = 1 }
extract e { sample budget = 2 }
test "t" { }
test "t" { }
)")),
            (Lines{"7:7: error: route 'clinic' is already declared",
                   "6:7: note: first declaration of 'clinic' is here",
                   "9:11: error: benchmark 'england' is already declared",
                   "8:11: note: first declaration of 'england' is here",
                   "11:9: error: extract 'e' is already declared",
                   "10:9: note: first declaration of 'e' is here",
                   "13:6: error: test \"t\" is already declared",
                   "12:6: note: first declaration of \"t\" is here"}));
}

TEST(Checker, NamesAreGlobalAcrossFiles) {
  EXPECT_EQ(check_files({{"a.bw", kPrelude},
                         {"b.bw", "rule r { when caseload > 20  severity amber  route clinic }\n"
                                  "route clinic { }\n"}}),
            (Lines{"b.bw:2:7: error: route 'clinic' is already declared",
                   "a.bw:6:7: note: first declaration of 'clinic' is here"}));
}

TEST(Checker, UnknownRouteInRouteAndEscalation) {
  EXPECT_EQ(check_text(with_prelude(R"(rule r {
  when caseload > 20
  severity amber
  escalate red after 2 periods to clinc
  route clinik
  route nowhere
}
)")),
            (Lines{"10:35: error: unknown route 'clinc'; did you mean 'clinic'?",
                   "11:3: error: unknown route 'clinik'; did you mean 'clinic'?",
                   "12:3: error: unknown route 'nowhere': declare it (`route nowhere { title \"...\" }`)"}));
}

TEST(Checker, StaleRoutesOfMetricsAndExtracts) {
  EXPECT_EQ(check_text(with_prelude(R"(metric lac { unit count  expect every 6 weeks  route clinc }
metric cin { unit count  route clinic }
extract list7 { key child = "ID"  label worker = "W"  label team = "T"  label team_kind = "K"
  sample open_case = 1  expect every 3 weeks  route clinic  route nowhere }
)")),
            (Lines{"7:48: error: unknown route 'clinc'; did you mean 'clinic'?",
                   "8:26: warning: metric 'cin' has a `route` but no `expect every`: its only alerts are stale "
                   "alerts, so the route hears nothing (add `expect every 1 month`, say)",
                   "10:61: error: unknown route 'nowhere': declare it (`route nowhere { title \"...\" }`)"}));
}

TEST(Checker, ResolvedMessagesAndIndicatorMessagesHaveTheirPlaceholdersChecked) {
  EXPECT_EQ(check_text(with_prelude(R"(rule a { when caseload > 20  severity amber  resolved message "{wroker} back to {value}" }
indicator icpc_timeliness { bands { green >= 0% }  message "{value} is {band}"  resolved message "{team} ok" }
)")),
            (Lines{"7:46: error: message placeholder {wroker} is neither {value}, {band}, {target}, {previous}, {benchmark.NAME} nor a label of rule 'a'; did you "
                   "mean {worker}?",
                   "8:81: error: message placeholder {team} is neither {value}, {band}, {target}, {previous}, {benchmark.NAME} nor a label of indicator "
                   "'icpc_timeliness' (its alerts carry no labels)"}));
}

TEST(Checker, DatedBenchmarksOneValuePerDate) {
  EXPECT_EQ(check_text(with_prelude(R"(benchmark sn {
  icpc_timeliness 75% from 2018-04-01
  icpc_timeliness 77% from 2020-04-01
  icpc_timeliness 78% from 2020-04-01
  icpc_timeliness 70%
}
)")),
            (Lines{"10:3: error: benchmark 'sn' already has a value for 'icpc_timeliness' from 2020-04-01; give each "
                   "value of another year its own `from DATE`",
                   "9:3: note: the first value is here"}));
}

TEST(Checker, MessagePlaceholdersSayWhatTheyCannotRead) {
  EXPECT_EQ(check_text(with_prelude(R"(benchmark england { icpc_timeliness 77% }
rule a { when icpc_timeliness < england.icpc_timeliness  severity amber
  message "{value} against {target}, was {previous}, England {benchmark.england}" }
rule b { when caseload > caseload{team="X"}  severity amber  message "{value} over {target}" }
rule c { when abs(icpc_timeliness) < 50%  severity amber  message "{previous} {benchmark.england}" }
rule d { when icpc_timeliness < 50%  severity amber  message "{benchmark.englnd} {benchmark.scotland}" }
rule e { when budget > £1m  severity amber  message "{benchmark.england} {valeu}" }
)")),
            (Lines{"10:62: error: message placeholder {target}: {target} is the right-hand side of the first comparison "
                   "in `when` when that is a number or a benchmark value, such as `20` or `england.icpc_timeliness`",
                   "11:59: error: message placeholder {previous}: {previous} is the previous figure of the metric on the "
                   "left of the first comparison in `when`, which here is not a metric on its own",
                   "11:59: error: message placeholder {benchmark.england}: {benchmark.NAME} is the benchmark's value for "
                   "the metric on the left of the first comparison in `when`, which here is not a metric on its own",
                   "12:54: error: message placeholder {benchmark.englnd} names no benchmark; did you mean "
                   "{benchmark.england}?",
                   "12:54: error: message placeholder {benchmark.scotland} names no benchmark: declare it (`benchmark "
                   "scotland { icpc_timeliness VALUE }`)",
                   "13:46: error: message placeholder {benchmark.england}: benchmark 'england' has no value for 'budget': "
                   "add `budget VALUE` to it",
                   "13:46: error: message placeholder {valeu} is neither {value}, {band}, {target}, {previous}, "
                   "{benchmark.NAME} nor a label of rule 'e' (its alerts carry no labels)"}));
}

TEST(Checker, BenchmarkLimitsCloserTargetsAndCalendarLimits) {
  EXPECT_EQ(check_text(with_prelude(R"(benchmark england { icpc_timeliness 77% }
indicator icpc_timeliness { better closer to 80 within -2%  bands { green >= englnd  amber >= england  red < england } }
indicator plan_age { unit days  bands { green < 18 months  red >= 18 months } }
indicator budget { bands { green <= 2 years  red > 2 years } }
)")),
            (Lines{"8:29: error: the value to be closer to 80 has no unit, but indicator 'icpc_timeliness' is in percent: write 80%",
                   "8:29: error: the tolerance of `better closer to` cannot be negative: -2%",
                   "8:69: error: band limit 'englnd' is neither a number nor a benchmark; did you mean 'england'?",
                   "10:28: error: band limit 2 years is a length of time, but indicator 'budget' is in gbp (ages are in days: `unit days`)",
                   "10:46: error: band limit 2 years is a length of time, but indicator 'budget' is in gbp (ages are in days: `unit days`)"}));
}

TEST(Checker, UnknownBenchmarkOrBenchmarkValue) {
  EXPECT_EQ(check_text(with_prelude(R"(benchmark england { icpc_timeliness 77% }
rule a { when icpc_timeliness < englnd.icpc_timeliness  severity amber  route clinic }
rule b { when icpc_timeliness < england.icpc_timelines  severity amber  route clinic }
)")),
            (Lines{"8:33: error: unknown benchmark 'englnd'; did you mean 'england'?",
                   "9:41: error: benchmark 'england' has no value for 'icpc_timelines'; did you mean "
                   "'icpc_timeliness'?"}));
}

TEST(Checker, BenchmarkEntriesNameKnownSeriesInTheirUnit) {
  EXPECT_EQ(check_text(with_prelude(
                "benchmark england { icpc_timeliness 77  caseloda 20  icpc_timeliness 70% }\n")),
            (Lines{"7:21: error: benchmark value 77 has no unit, but metric 'icpc_timeliness' is in "
                   "percent: write 77%",
                   "7:41: error: unknown indicator or metric 'caseloda'; did you mean 'caseload'?",
                   "7:54: error: benchmark 'england' already has a value for 'icpc_timeliness' without a date; give "
                   "each value of another year its own `from DATE`",
                   "7:21: note: the first value is here"}));
}

TEST(Checker, UnknownCohortMetric) {
  EXPECT_EQ(check_text(with_prelude(
                "indicator adoption { unit percent  cohort adoptions minimum 10  bands { green >= 0% } }\n")),
            Lines{"7:36: error: unknown cohort metric 'adoptions'"});
}

// ---------------------------------------------------------------------------------------------
// Labels

TEST(Checker, MatcherLabelNotCarried) {
  EXPECT_EQ(check_text(with_prelude(
                "rule r { when caseload{tem=\"x\"} > 20  severity amber  route clinic }\n"
                "rule s { when caseload{child=\"x\"} > 20  severity amber  route clinic }\n")),
            (Lines{"7:24: error: metric 'caseload' has no label 'tem'; did you mean 'team'?",
                   "8:24: error: metric 'caseload' has no label 'child'; it carries worker, team, team_kind"}));
}

TEST(Checker, ByLabelNotCarried) {
  EXPECT_EQ(check_text(with_prelude("metric per_child = count(caseload) by (child)\n")),
            Lines{"7:20: error: cannot group by 'child': metric 'caseload' has no label 'child'; "
                  "it carries worker, team, team_kind"});
}

TEST(Checker, LabelInConditionNotCarried) {
  EXPECT_EQ(check_text(with_prelude(
                "rule r { when caseload > 20  unless child == \"C1\"  severity amber  route clinic }\n"
                "rule s { when icpc_timeliness < 80%  unless team_kind in (\"a\")  severity amber  route clinic }\n")),
            (Lines{"7:37: error: rule 'r' does not carry label 'child'; its metrics carry worker, team, team_kind (a rule's conditions read the labels of the metrics it compares)",
                   "8:45: error: rule 's' does not carry label 'team_kind'; its metrics carry no labels (a rule's conditions read the labels of the metrics it compares)"}));
}

TEST(Checker, LabelInBandScopeNotCarried) {
  EXPECT_EQ(check_text(with_prelude(R"(metric team_average = avg(caseload) by (team, team_kind)
indicator team_average {
  unit count
  bands { green <= 20  red > 20 }
  bands where team_knd in ("assessment") { green <= 25  red > 25 }
  bands where caseload > 3 { green <= 25  red > 25 }
}
)")),
            (Lines{"11:15: error: indicator 'team_average' has no label 'team_knd'; did you mean 'team_kind'?",
                   "12:15: error: indicator 'team_average' has no label 'caseload'; it carries team, team_kind"}));
}

TEST(Checker, MessagePlaceholders) {
  EXPECT_EQ(check_text(with_prelude(R"(rule r {
  when caseload > 20  severity amber  route clinic
  message "{worker} in {tem} holds {value} for {child}"
}
rule s { when icpc_timeliness < 80%  severity amber  route clinic  message "{team}: {value}" }
)")),
            (Lines{"9:3: error: message placeholder {tem} is neither {value}, {band}, {target}, {previous}, {benchmark.NAME} nor a label of rule 'r'; "
                   "did you mean {team}?",
                   "9:3: error: message placeholder {child} is neither {value}, {band}, {target}, {previous}, {benchmark.NAME} nor a label of rule 'r' "
                   "(its labels: worker, team, team_kind)",
                   "11:68: error: message placeholder {team} is neither {value}, {band}, {target}, {previous}, {benchmark.NAME} nor a label of rule 's' "
                   "(its alerts carry no labels)"}));
}

TEST(Checker, LabelsOfArithmeticAreTheUnion) {
  EXPECT_EQ(check_text(with_prelude(R"(metric vacancies { unit fte  labels team }
metric establishment { unit fte }
metric vacancy_rate = vacancies / establishment * 100
rule high_vacancies { when vacancy_rate > 10%  severity amber  route clinic  message "{team}: {value}" }
)")),
            Lines{});
}

// ---------------------------------------------------------------------------------------------
// Units

TEST(Checker, ComparingPercentWithCount) {
  EXPECT_EQ(check_text(with_prelude(
                "rule r { when icpc_timeliness > caseload  severity amber  route clinic }\n"
                "rule s { when caseload > 20%  severity amber  route clinic }\n")),
            (Lines{"7:33: error: cannot compare icpc_timeliness (percent) with caseload (count)",
                   "8:26: error: cannot compare caseload (count) with 20% (percent): compare it with a figure in count, e.g. 20"}));
}

TEST(Checker, AddingMoneyToDays) {
  EXPECT_EQ(check_text(with_prelude("metric nonsense = budget + plan_age\n")),
            Lines{"7:28: error: cannot add plan_age (days) to budget (gbp)"});
}

TEST(Checker, ComparingACountWithADuration) {
  EXPECT_EQ(check_text(with_prelude("rule r { when caseload > 2 years  severity amber  route clinic }\n")),
            Lines{"7:26: error: cannot compare caseload (count) with 2 years (a duration): a length of time compares only with an age in days (a metric with `unit days`)"});
}

TEST(Checker, LabelsCompareWithText) {
  EXPECT_EQ(check_text(with_prelude(
                "rule r { when caseload > 20  unless team == 5  severity amber  route clinic }\n")),
            Lines{"7:45: error: cannot compare team (text) with 5 (a number)"});
}

TEST(Checker, BandUnitMustBeTheIndicators) {
  EXPECT_EQ(check_text(with_prelude(R"(indicator caseload {
  unit count
  bands { green <= 20%  red > 20 }
}
indicator icpc_timeliness { bands { green >= 95  red < 95% } }
)")),
            (Lines{"9:11: error: band bound 20% is in percent, but indicator 'caseload' is in count",
                   "11:37: error: band bound 95 has no unit, but indicator 'icpc_timeliness' is in "
                   "percent: write 95%"}));
}

TEST(Checker, IndicatorUnitMustAgreeWithItsMetric) {
  EXPECT_EQ(check_text(with_prelude(
                "indicator icpc_timeliness { unit count  bands { green >= 85%  red < 85% } }\n")),
            Lines{"7:29: error: indicator 'icpc_timeliness' is in count but metric 'icpc_timeliness' gives percent"});
}

TEST(Checker, DerivedMetricUnitMustAgreeWithItsFormula) {
  EXPECT_EQ(check_text(with_prelude("metric spend = sum(budget) unit count\n")),
            Lines{"7:28: error: metric 'spend' is declared in count but its formula gives gbp"});
}

TEST(Checker, ARatioIsNotAPercentUntilMultiplied) {
  EXPECT_EQ(check_text(R"(metric seen { unit count }
metric due { unit count }
metric seen_share = seen / due unit percent
metric seen_ratio = seen / due
indicator seen_ratio { unit percent  bands { green >= 95%  red < 95% } }
metric seen_rate = seen / due unit rate_per_10k
metric seen_fraction = seen / due unit number
)"),
            (Lines{"3:32: error: metric 'seen_share' is declared in percent but its formula gives a "
                   "ratio (a fraction of 1); multiply it by 100 for a percent",
                   "5:24: error: indicator 'seen_ratio' is in percent but metric 'seen_ratio' gives a "
                   "ratio (a fraction of 1); multiply it by 100 for a percent",
                   "6:31: error: metric 'seen_rate' is declared in rate_per_10k but its formula gives a "
                   "ratio (a fraction of 1); multiply it by 10000 for a rate per 10,000"}));
}

TEST(Checker, ExtractSampleUnit) {
  EXPECT_EQ(check_text(with_prelude(R"(extract e {
  key child = "ID"  label worker = "W"  label team = "T"  label team_kind = "K"
  sample open_case = age("Start")
}
)")),
            Lines{"9:22: error: this sample gives days, but metric 'open_case' is in count"});
}

// ---------------------------------------------------------------------------------------------
// Rules

TEST(Checker, EscalationMustRaiseTheSeverity) {
  EXPECT_EQ(check_text(with_prelude(R"(rule a { when caseload > 20  severity amber  escalate red after 2 periods  route clinic }
rule b { when caseload > 20  severity red  escalate red after 2 periods  route clinic }
rule c { when caseload > 20  severity amber  escalate amber after 1 period  route clinic }
)")),
            (Lines{"8:53: error: a red rule cannot escalate to red; red is already the highest severity",
                   "9:55: error: an amber rule cannot escalate to amber; escalation must raise the "
                   "severity: escalate red"}));
}

TEST(Checker, RuleNeedsWhenAndSeverity) {
  EXPECT_EQ(check_text(with_prelude(R"(rule no_when { severity amber  route clinic }
rule no_severity { when caseload > 20  route clinic }
)")),
            (Lines{"7:6: error: rule 'no_when' has no `when` condition",
                   "8:6: error: rule 'no_severity' has no severity; add `severity amber` or `severity red`"}));
}

TEST(Checker, WhenMustBeACondition) {
  EXPECT_EQ(check_text(with_prelude("rule r { when caseload  severity amber  route clinic }\n")),
            Lines{"7:15: error: `when` needs a condition; caseload (count) is a value, not a condition "
                  "(compare it, e.g. `> 20`)"});
}

TEST(Checker, IndicatorNeedsBands) {
  EXPECT_EQ(check_text(with_prelude("indicator icpc_timeliness { unit percent }\n")),
            Lines{"7:11: error: indicator 'icpc_timeliness' has no bands; add `bands { green ... "
                  "amber ... red ... }`"});
}

TEST(Checker, DuplicateBandBlocks) {
  EXPECT_EQ(check_text(with_prelude(R"(indicator icpc_timeliness {
  unit percent
  bands from 2016-04-01 { green >= 85%  red < 85% }
  bands from 2016-04-01 { green >= 80%  red < 80% }
}
)")),
            (Lines{"10:3: error: indicator 'icpc_timeliness' already has bands for from 2016-04-01; "
                   "only the first would be used",
                   "9:3: note: the first bands are here"}));
}

// ---------------------------------------------------------------------------------------------
// Cycles

TEST(Checker, CycleAmongDerivedMetricsIsNamed) {
  EXPECT_EQ(check_text(R"(metric open_case { unit count  labels worker, team }
metric caseload = count(open_case) by (worker, team) + team_average_caseload
metric team_average_caseload = avg(caseload) by (team)
)"),
            Lines{"2:56: error: derived metrics form a cycle: caseload -> team_average_caseload -> caseload"});
}

TEST(Checker, LongerCycleStartsAtTheFirstDeclared) {
  EXPECT_EQ(check_text(R"(metric c = a + 1
metric a = b + 1
metric b = c + 1
)"),
            Lines{"1:12: error: derived metrics form a cycle: c -> a -> b -> c"});
}

TEST(Checker, SelfReference) {
  EXPECT_EQ(check_text("metric a = a + 1\n"),
            Lines{"1:12: error: metric 'a' is defined in terms of itself: a -> a"});
}

// ---------------------------------------------------------------------------------------------
// Extracts and tests

TEST(Checker, ExtractSamplesCheckMetricsAndLabels) {
  EXPECT_EQ(check_text(with_prelude(R"(extract e {
  key child = "ID"
  label worker = "Worker"
  sample open_cases = 1
  sample plan_age = age("Start")
  sample caseload = 1
}
)")),
            (Lines{"10:10: warning: extract 'e' samples 'open_cases', which is not a declared metric; "
                   "did you mean 'open_case'?",
                   "11:10: error: metric 'plan_age' carries label 'team', which extract 'e' does not map "
                   "(add `label team = \"<column>\"`)",
                   "12:10: error: metric 'caseload' is derived from other metrics; an extract cannot sample it"}));
}

TEST(Checker, TestBlocksReferToKnownSeries) {
  EXPECT_EQ(check_text(with_prelude(R"(indicator icpc_timeliness { unit percent  bands { green >= 85%  red < 85% } }
rule busy { when caseload > 20  severity amber  route clinic }
test "t" {
  at 2020-02-04 {
    caseloda{worker="W1"} 22
    caseload{wrker="W1"} 22
  }
  expect icpc_timelines green
  expect busy amber
  expect alert busy{worker="W1"} red
  expect alert busy{child="C1"} red
  expect alert icpc_timeliness amber
  expect no alert nobody
  expect value caseload{worker="W1"} 22
  expect value caseloads 22
}
)")),
            (Lines{"11:5: error: unknown metric 'caseloda'; did you mean 'caseload'?",
                   "12:14: error: metric 'caseload' has no label 'wrker'; did you mean 'worker'?",
                   "14:3: error: unknown indicator 'icpc_timelines'; did you mean 'icpc_timeliness'?",
                   "15:3: error: 'busy' is a rule, not an indicator; test its alerts with `expect alert busy ...`",
                   "17:21: error: rule 'busy' has no label 'child'; it carries worker, team, team_kind",
                   "19:3: error: unknown rule or indicator 'nobody'",
                   "21:3: error: unknown indicator or metric 'caseloads'; did you mean 'caseload'?"}));
}

// ---------------------------------------------------------------------------------------------
// Band coverage through the checker

TEST(Checker, BandCoverageWarnsPerBlockAtTheBand) {
  EXPECT_EQ(check_text(with_prelude(R"(metric team_average = avg(caseload) by (team, team_kind)
indicator team_average {
  unit count
  bands { green <= 20  red > 21 }
  bands where team_kind in ("assessment") { green <= 25  red >= 25 }
}
indicator icpc_timeliness {
  unit percent
  bands from 2016-04-01 { green >= 85%  amber 75% .. 84%  red <= 75% }
  bands from 2017-04-01 { green >= 85%  amber 75% .. 84%  red <= 74% }
  round 0
}
)")),
            (Lines{"10:24: warning: no band covers 20 < v <= 21",
                   "11:58: warning: green and red both cover 25; green, written first, takes it",
                   "15:59: warning: amber and red both cover 75%; amber, written first, takes it"}));
}

// ---------------------------------------------------------------------------------------------
// Order and robustness

TEST(Checker, DiagnosticsComeInSourceOrderAcrossFiles) {
  std::vector<std::string> out = check_files(
      {{"a.bw", "rule r { when nope > 1  severity amber }\nmetric m = m\n"},
       {"b.bw", "rule s { when nada > 1  severity amber }\n"}});
  EXPECT_EQ(out, (Lines{"a.bw:1:15: error: unknown metric or label 'nope': declare it (`metric nope { unit count }`), or check its spelling",
                        "a.bw:2:12: error: metric 'm' is defined in terms of itself: m -> m",
                        "b.bw:1:15: error: unknown metric or label 'nada': declare it (`metric nada { unit count }`), or check its spelling"}));
}

TEST(Checker, LongChainsOfDerivedMetricsResolveWithoutRecursing) {
  std::string text = "metric m0 { unit count  labels team }\n";
  for (int i = 1; i < 5000; ++i)
    text += "metric m" + std::to_string(i) + " = m" + std::to_string(i - 1) + " + 1\n";
  text += "rule r { when m4999 > 20%  severity amber }\n";
  EXPECT_EQ(check_text(text),
            Lines{"5001:23: error: cannot compare m4999 (count) with 20% (percent): compare it with a figure in count, e.g. 20"});
}

TEST(Checker, EmptyProgram) { EXPECT_TRUE(check({}).empty()); }

TEST(Checker, ExamplesAreCleanApartFromTheWarningsFile) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> sources;
  std::vector<std::string> paths;
  for (const auto& entry : fs::recursive_directory_iterator(BANDWATCH_EXAMPLES_DIR))
    if (entry.is_regular_file() && entry.path().extension() == ".bw")
      paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  ASSERT_FALSE(paths.empty());
  std::vector<ast::File> files;
  std::vector<std::string> texts;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    ParseResult parsed = parse(text.str(), path);
    for (const Diagnostic& d : parsed.diagnostics) ADD_FAILURE() << render(d, text.str());
    files.push_back(std::move(parsed.file));
  }
  for (const Diagnostic& d : check(files)) {
    // One file exists to show the seed's own gaps and overlaps; it may only warn.
    bool shows_warnings = d.file.find("warnings") != std::string::npos;
    EXPECT_TRUE(shows_warnings && d.severity == Severity::warning)
        << d.file << ":" << d.loc.line << ":" << d.loc.column << ": " << d.message;
  }
}

}  // namespace
}  // namespace bandwatch
