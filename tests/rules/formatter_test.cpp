// The formatter: exact canonical output, comments in every position, and the two properties
// `bandwatch fmt` promises on every input (same tree after a round trip; idempotent), checked on
// each input here and on every example file.
#include "rules/formatter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "rules/parser.hpp"

namespace bandwatch {
namespace {

std::string errors_of(const ParseResult& result) {
  std::string out;
  for (const Diagnostic& diagnostic : result.diagnostics) out += render(diagnostic, "") + "\n";
  return out;
}

// Formats `source`, checking on the way that the output parses to the same tree and that
// formatting it again changes nothing.
std::string formatted(std::string_view source) {
  ParseResult parsed = parse(source, "input.bw");
  EXPECT_TRUE(parsed.ok()) << errors_of(parsed) << source;
  std::string once = format(parsed.file);
  ParseResult again = parse(once, "formatted.bw");
  EXPECT_TRUE(again.ok()) << errors_of(again) << once;
  EXPECT_EQ(ast::dump(again.file), ast::dump(parsed.file)) << once;
  EXPECT_EQ(format(again.file), once) << "not idempotent";
  return once;
}

// ---- layout ----------------------------------------------------------------------------------

TEST(Format, EmptyFileStaysEmpty) {
  EXPECT_EQ(formatted(""), "");
  EXPECT_EQ(formatted("\n\n  \n"), "");
}

TEST(Format, OneLineBlocksBecomeOnePropertyPerLine) {
  EXPECT_EQ(formatted("metric open_case             { unit count  labels child, worker,team }\n"
                      "metric unallocated_cases     { unit count  labels team }"),
            "metric open_case {\n"
            "  unit count\n"
            "  labels child, worker, team\n"
            "}\n"
            "\n"
            "metric unallocated_cases {\n"
            "  unit count\n"
            "  labels team\n"
            "}\n");
}

TEST(Format, DerivedMetricsStayOnOneLine) {
  EXPECT_EQ(formatted("metric caseload = count(open_case)   by (worker,team)\n\n\n"
                      "metric cin_rate = children_in_need / child_population * 10000"),
            "metric caseload = count(open_case) by (worker, team)\n"
            "\n"
            "metric cin_rate = children_in_need / child_population * 10000\n");
}

TEST(Format, IndicatorPropertiesComeInCanonicalOrder) {
  EXPECT_EQ(formatted("indicator single_assessment_timeliness {\n"
                      "  bands {  green >= 95%   amber 90% .. 94%\n  red   <= 89%  }\n"
                      "  round 0\n"
                      "  frame  YD\n"
                      "  better higher\n"
                      "  unit   percent\n"
                      "  title  \"Timeliness of single assessments\"\n"
                      "}\n"),
            "indicator single_assessment_timeliness {\n"
            "  title \"Timeliness of single assessments\"\n"
            "  unit percent\n"
            "  better higher\n"
            "  frame year_to_date\n"
            "  round 0\n"
            "  bands {\n"
            "    green >= 95%\n"
            "    amber 90% .. 94%\n"
            "    red <= 89%\n"
            "  }\n"
            "}\n");
}

TEST(Format, BandSetsKeepTheirOrderWithWhereAndFrom) {
  EXPECT_EQ(formatted("indicator team_average_caseload {\n"
                      "  unit count  better lower  frame snapshot\n"
                      "  bands { green <= 20  red > 20 }\n"
                      "  bands where team_kind in (\"assessment\",\"care_leavers\") "
                      "{ green <= 25  red > 25 }\n"
                      "}\n"
                      "indicator adoption_within_12_months {\n"
                      "  unit percent  better higher  frame year_to_date\n"
                      "  cohort adoption_decisions minimum 10\n"
                      "  bands from 2017-04-01 { green >= 75%  amber >= 70% and < 75%  red < 70% }\n"
                      "  bands from 2016-04-01 { green >= 70%  amber 66% .. 69%  red <= 65% }\n"
                      "}\n"),
            "indicator team_average_caseload {\n"
            "  unit count\n"
            "  better lower\n"
            "  frame snapshot\n"
            "  bands {\n"
            "    green <= 20\n"
            "    red > 20\n"
            "  }\n"
            "  bands where team_kind in (\"assessment\", \"care_leavers\") {\n"
            "    green <= 25\n"
            "    red > 25\n"
            "  }\n"
            "}\n"
            "\n"
            "indicator adoption_within_12_months {\n"
            "  unit percent\n"
            "  better higher\n"
            "  frame year_to_date\n"
            "  cohort adoption_decisions minimum 10\n"
            "  bands from 2017-04-01 {\n"
            "    green >= 75%\n"
            "    amber >= 70% and < 75%\n"
            "    red < 70%\n"
            "  }\n"
            "  bands from 2016-04-01 {\n"
            "    green >= 70%\n"
            "    amber 66% .. 69%\n"
            "    red <= 65%\n"
            "  }\n"
            "}\n");
}

TEST(Format, RulesBenchmarksAndRoutes) {
  EXPECT_EQ(formatted("benchmark england { icpc_timeliness 77%  single_assessment_timeliness 83% }\n"
                      "route workload_pressures  { cadence 14 days title \"Workload Pressures meeting\" }\n"
                      "rule cases_unallocated { route workload_pressures when unallocated_cases > 0  "
                      "severity red }\n"
                      "rule practitioner_caseload {\n"
                      "  message  \"{worker} ({team}) holds {value} cases\"\n"
                      "  route    workload_pressures\n"
                      "  escalate red after 2 periods to performance_clinic\n"
                      "  severity amber\n"
                      "  unless   team_kind in (\"assessment\", \"care_leavers\") and caseload <= 25\n"
                      "  when     caseload > 20\n"
                      "  title    \"Practitioner caseload above target\"\n"
                      "}\n"),
            "benchmark england {\n"
            "  icpc_timeliness 77%\n"
            "  single_assessment_timeliness 83%\n"
            "}\n"
            "\n"
            "route workload_pressures {\n"
            "  title \"Workload Pressures meeting\"\n"
            "  cadence 14 days\n"
            "}\n"
            "\n"
            "rule cases_unallocated {\n"
            "  when unallocated_cases > 0\n"
            "  severity red\n"
            "  route workload_pressures\n"
            "}\n"
            "\n"
            "rule practitioner_caseload {\n"
            "  title \"Practitioner caseload above target\"\n"
            "  when caseload > 20\n"
            "  unless team_kind in (\"assessment\", \"care_leavers\") and caseload <= 25\n"
            "  severity amber\n"
            "  escalate red after 2 periods to performance_clinic\n"
            "  route workload_pressures\n"
            "  message \"{worker} ({team}) holds {value} cases\"\n"
            "}\n");
}

TEST(Format, StaleRoutesOfMetricsAndExtracts) {
  EXPECT_EQ(formatted("metric looked_after_children { route data_quality expect every 6 weeks unit count route panel }\n"
                      "extract list7 { sample open_case = 1 route data_quality expect every 3 weeks }"),
            "metric looked_after_children {\n"
            "  unit count\n"
            "  expect every 6 weeks\n"
            "  route data_quality\n"
            "  route panel\n"
            "}\n"
            "\n"
            "extract list7 {\n"
            "  expect every 3 weeks\n"
            "  route data_quality\n"
            "  sample open_case = 1\n"
            "}\n");
}

TEST(Format, MessagesAndResolvedMessages) {
  EXPECT_EQ(formatted("rule r { resolved message \"back to {value}\" message \"up {value}\" when x > 1 severity amber }\n"
                      "indicator i { resolved message \"green again\" bands { green >= 1 } message \"{value} is {band}\" }"),
            "rule r {\n"
            "  when x > 1\n"
            "  severity amber\n"
            "  message \"up {value}\"\n"
            "  resolved message \"back to {value}\"\n"
            "}\n"
            "\n"
            "indicator i {\n"
            "  message \"{value} is {band}\"\n"
            "  resolved message \"green again\"\n"
            "  bands {\n"
            "    green >= 1\n"
            "  }\n"
            "}\n");
}

TEST(Format, DatedBenchmarkValues) {
  EXPECT_EQ(formatted("benchmark statistical_neighbours { re_referrals 9.5% from 01/04/2018  re_referrals 9.9%   from 2020-04-01 cin 300 }"),
            "benchmark statistical_neighbours {\n"
            "  re_referrals 9.5% from 2018-04-01\n"
            "  re_referrals 9.9% from 2020-04-01\n"
            "  cin 300\n"
            "}\n");
}

TEST(Format, CloserTargetsBenchmarkLimitsAndCalendarLimits) {
  EXPECT_EQ(formatted("indicator re_referrals { better closer to 22% within   2% bands { green <= england  amber england .. 30% } }\n"
                      "indicator cp_plan_age { unit days better closer to 0 bands { green < 18 months amber 18 months .. 2 years red > 2 years } }"),
            "indicator re_referrals {\n"
            "  better closer to 22% within 2%\n"
            "  bands {\n"
            "    green <= england\n"
            "    amber england .. 30%\n"
            "  }\n"
            "}\n"
            "\n"
            "indicator cp_plan_age {\n"
            "  unit days\n"
            "  better closer to 0\n"
            "  bands {\n"
            "    green < 18 months\n"
            "    amber 18 months .. 2 years\n"
            "    red > 2 years\n"
            "  }\n"
            "}\n");
}

TEST(Format, QuantitiesKeepTheirSpellingAndStringsAreEscaped) {
  EXPECT_EQ(formatted("rule placements_overspend {\n"
                      "  when placements_outturn > placements_budget * 1.05 and "
                      "placements_outturn > £639k\n"
                      "  message \"projected \\\"overspend\\\" {value} \\\\ £5.293m\"\n"
                      "}\n"),
            "rule placements_overspend {\n"
            "  when placements_outturn > placements_budget * 1.05 and placements_outturn > £639k\n"
            "  message \"projected \\\"overspend\\\" {value} \\\\ £5.293m\"\n"
            "}\n");
}

TEST(Format, ExtractsKeepBindingOrderAndWriteMatchArmsOnePerLine) {
  EXPECT_EQ(formatted("extract annex_a_list7 {\n"
                      "  date_format \"dd/mm/yyyy\"  title \"Annex A list 7\"\n"
                      "  key    child  = \"Child Unique ID\"\n"
                      "  label  team_kind = match(\"Allocated Team\") { \"^Assessment\" -> "
                      "\"assessment\"  \"Care Leaver\" -> \"care_leavers\"  else -> \"children\" }\n"
                      "  where  is_blank(\"Child Protection Plan End Date\")\n"
                      "  sample open_case   = 1\n"
                      "  sample cp_plan_age = age(\"Child Protection Plan Start Date\")\n"
                      "}\n"),
            "extract annex_a_list7 {\n"
            "  title \"Annex A list 7\"\n"
            "  date_format \"dd/mm/yyyy\"\n"
            "  key child = \"Child Unique ID\"\n"
            "  label team_kind = match(\"Allocated Team\") {\n"
            "    \"^Assessment\" -> \"assessment\"\n"
            "    \"Care Leaver\" -> \"care_leavers\"\n"
            "    else -> \"children\"\n"
            "  }\n"
            "  sample open_case = 1\n"
            "  sample cp_plan_age = age(\"Child Protection Plan Start Date\")\n"
            "  where is_blank(\"Child Protection Plan End Date\")\n"
            "}\n");
}

TEST(Format, TestsKeepTheirSteps) {
  EXPECT_EQ(formatted("test \"one team over its caseload target\" {\n"
                      "  at 2020-02-04 { team_average_caseload{team=\"U\",team_kind=\"children\"} 23.6\n"
                      "    team_average_caseload{team=\"S\", team_kind=\"care_leavers\"} 19.0 }\n"
                      "  expect team_average_caseload{team=\"U\"} red\n"
                      "  expect team_average_caseload{team=\"S\"}   green\n"
                      "}\n"),
            "test \"one team over its caseload target\" {\n"
            "  at 2020-02-04 {\n"
            "    team_average_caseload{team=\"U\", team_kind=\"children\"} 23.6\n"
            "    team_average_caseload{team=\"S\", team_kind=\"care_leavers\"} 19.0\n"
            "  }\n"
            "  expect team_average_caseload{team=\"U\"} red\n"
            "  expect team_average_caseload{team=\"S\"} green\n"
            "}\n");
}

TEST(Format, LongConditionsBreakBeforeEveryAndOrOfAGroup) {
  EXPECT_EQ(formatted("rule r { when first_long_metric_name > 20 and second_long_metric_name < 30 "
                      "and third_long_metric_name_here >= 40  severity red }\n"
                      "rule s { when short_a > 1 or (a_rather_longer_metric_name > 2 and\n"
                      "  another_rather_long_metric_name_here < 3 and yet_another_one > 4)\n"
                      "  or c > 5  # why\n"
                      "  severity red }\n"
                      "rule t { when a > 1\n  and b > 2 severity red }\n"),
            "rule r {\n"
            "  when first_long_metric_name > 20\n"
            "      and second_long_metric_name < 30\n"
            "      and third_long_metric_name_here >= 40\n"
            "  severity red\n"
            "}\n"
            "\n"
            "rule s {\n"
            "  when short_a > 1\n"
            "      or (a_rather_longer_metric_name > 2\n"
            "        and another_rather_long_metric_name_here < 3\n"
            "        and yet_another_one > 4)\n"
            "      or c > 5  # why\n"
            "  severity red\n"
            "}\n"
            "\n"
            "rule t {\n"
            "  when a > 1 and b > 2\n"
            "  severity red\n"
            "}\n");
}

TEST(Format, EveryConstructInCanonicalOrder) {
  EXPECT_EQ(formatted(
      "metric m { expect every 2 weeks labels a,b unit count title \"M\" }\n"
      "metric e {}\n"
      "metric d = share(m{a!=\"x\"}) by (b) unit percent\n"
      "metric k = match(a) { \"x\" -> 1 else -> 2 } unit count\n"
      "indicator d { note \"n\" last_year 5.5% expect every 1 month route r2 route r1 cohort m minimum 10\n"
      "  round 1 frame RY better lower group \"G\" unit percent title \"D\"\n"
      "  bands where b == \"y\" from 2020-04-01 { red > 5% amber > 2% and <= 5%  green <= 2% } }\n"
      "route r1 { cadence 1 week title \"R\" }\n"
      "route r2 {}\n"
      "rule x { message \"a \\\"b\\\" \\\\ c\" route r2 route r1 escalate red after 3 months to r2 escalate amber after 1 period\n"
      "  severity amber for 2 periods clear when m < - 5 unless not m in (1, 2) when m > -5 and pct_change(m, 1 year) >= 2   years title \"X\" }\n"
      "extract ex { where a == \"1\"  sample m = 1 label b = \"B\" key a = \"A\" expect every 14 days date_format \"dd/mm/yyyy\" title \"E\" }\n"
      "test \"t \\\"q\\\"\" { expect value d{b=\"y\"} 3% expect no alert x{a=\"1\"} expect alert x red at 2020-01-01 { m 1  m{a=\"1\", b=\"2\"} 2 } expect d unbanded }\n"),
            "metric m {\n"
            "  title \"M\"\n"
            "  unit count\n"
            "  labels a, b\n"
            "  expect every 2 weeks\n"
            "}\n"
            "\n"
            "metric e {}\n"
            "\n"
            "metric d = share(m{a!=\"x\"}) by (b) unit percent\n"
            "\n"
            "metric k = match(a) {\n"
            "  \"x\" -> 1\n"
            "  else -> 2\n"
            "} unit count\n"
            "\n"
            "indicator d {\n"
            "  title \"D\"\n"
            "  group \"G\"\n"
            "  unit percent\n"
            "  better lower\n"
            "  frame rolling_year\n"
            "  round 1\n"
            "  cohort m minimum 10\n"
            "  expect every 1 month\n"
            "  last_year 5.5%\n"
            "  note \"n\"\n"
            "  route r2\n"
            "  route r1\n"
            "  bands where b == \"y\" from 2020-04-01 {\n"
            "    red > 5%\n"
            "    amber > 2% and <= 5%\n"
            "    green <= 2%\n"
            "  }\n"
            "}\n"
            "\n"
            "route r1 {\n"
            "  title \"R\"\n"
            "  cadence 1 week\n"
            "}\n"
            "\n"
            "route r2 {}\n"
            "\n"
            "rule x {\n"
            "  title \"X\"\n"
            "  when m > -5 and pct_change(m, 1 year) >= 2 years\n"
            "  unless not m in (1, 2)\n"
            "  clear when m < -(5)\n"
            "  for 2 periods\n"
            "  severity amber\n"
            "  escalate red after 3 months to r2\n"
            "  escalate amber after 1 period\n"
            "  route r2\n"
            "  route r1\n"
            "  message \"a \\\"b\\\" \\\\ c\"\n"
            "}\n"
            "\n"
            "extract ex {\n"
            "  title \"E\"\n"
            "  date_format \"dd/mm/yyyy\"\n"
            "  expect every 14 days\n"
            "  sample m = 1\n"
            "  label b = \"B\"\n"
            "  key a = \"A\"\n"
            "  where a == \"1\"\n"
            "}\n"
            "\n"
            "test \"t \\\"q\\\"\" {\n"
            "  expect value d{b=\"y\"} 3%\n"
            "  expect no alert x{a=\"1\"}\n"
            "  expect alert x red\n"
            "  at 2020-01-01 {\n"
            "    m 1\n"
            "    m{a=\"1\", b=\"2\"} 2\n"
            "  }\n"
            "  expect d unbanded\n"
            "}\n");
}

TEST(Format, NegationNeverGluesToANumber) {
  // `-5` is one literal; `- 5` negates the literal 5 and must stay a negation.
  EXPECT_EQ(formatted("rule r {\n  when a > - 5 and b > -5 and c - -5 > 0 and - - d > 0\n}\n"),
            "rule r {\n  when a > -(5) and b > -5 and c - -5 > 0 and -(-d) > 0\n}\n");
}


// ---- expressions -----------------------------------------------------------------------------

struct ExprCase {
  const char* source;
  const char* expected;
};

class FormatExpression : public testing::TestWithParam<ExprCase> {};

TEST_P(FormatExpression, MinimalParenthesesSameTree) {
  const ExprCase& test = GetParam();
  ast::Expr expr;
  ParseResult parsed = parse_expression(test.source, expr);
  ASSERT_TRUE(parsed.ok()) << errors_of(parsed);
  std::string out = format_expression(expr);
  EXPECT_EQ(out, test.expected);
  ast::Expr again;
  ParseResult reparsed = parse_expression(out, again);
  ASSERT_TRUE(reparsed.ok()) << errors_of(reparsed) << out;
  EXPECT_EQ(ast::dump(again), ast::dump(expr));
}

INSTANTIATE_TEST_SUITE_P(
    Precedence, FormatExpression,
    testing::Values(
        ExprCase{"a + b * c", "a + b * c"},
        ExprCase{"(a + b) * c", "(a + b) * c"},
        ExprCase{"a + (b * c)", "a + b * c"},
        ExprCase{"(a - b) - c", "a - b - c"},
        ExprCase{"a - (b - c)", "a - (b - c)"},
        ExprCase{"a / (b / c)", "a / (b / c)"},
        ExprCase{"((a))", "a"},
        ExprCase{"-(a + b)", "-(a + b)"},
        ExprCase{"-a * b", "-a * b"},
        ExprCase{"(a and b) or c", "(a and b) or c"},
        ExprCase{"a and b or c", "(a and b) or c"},
        ExprCase{"a or b and not c", "a or (b and not c)"},
        ExprCase{"a or b or c", "a or b or c"},
        ExprCase{"a and b and c", "a and b and c"},
        ExprCase{"(a or b) and c", "(a or b) and c"},
        ExprCase{"a and (b or c)", "a and (b or c)"},
        ExprCase{"a or (b or c)", "a or (b or c)"},
        ExprCase{"not (a and b)", "not (a and b)"},
        ExprCase{"not (a > 1)", "not a > 1"},
        ExprCase{"(not a) and b", "not a and b"},
        ExprCase{"(a + 1) > (b * 2)", "a + 1 > b * 2"},
        ExprCase{"x   in (\"a\",\"b\")", "x in (\"a\", \"b\")"},
        ExprCase{"x not in (\"a\")", "x not in (\"a\")"},
        ExprCase{"(x + 1) in (1, 2)", "x + 1 in (1, 2)"},
        ExprCase{"pct_change(looked_after_children, 1 year) > 5%",
                 "pct_change(looked_after_children, 1 year) > 5%"},
        ExprCase{"caseload{worker=\"W1\",team!=\"T\"} >= 2 years",
                 "caseload{worker=\"W1\", team!=\"T\"} >= 2 years"},
        ExprCase{"icpc_timeliness < england.icpc_timeliness",
                 "icpc_timeliness < england.icpc_timeliness"},
        ExprCase{"avg(caseload) by (team,team_kind)", "avg(caseload) by (team, team_kind)"},
        ExprCase{"start_date < 2020-02-04", "start_date < 2020-02-04"},
        ExprCase{"x > £5.293m", "x > £5.293m"}));

// A hand-built tree needs no parser: the printer alone decides the parentheses.
TEST(Format, ParenthesesFollowTheTreeNotTheSource) {
  auto ref = [](std::string name) {
    ast::Expr expr;
    expr.kind = ast::ExprKind::ref;
    expr.name = std::move(name);
    return expr;
  };
  auto binary = [](ast::Op op, ast::Expr left, ast::Expr right) {
    ast::Expr expr;
    expr.kind = ast::ExprKind::binary;
    expr.op = op;
    expr.args = {std::move(left), std::move(right)};
    return expr;
  };
  auto unary = [](ast::Op op, ast::Expr operand) {
    ast::Expr expr;
    expr.kind = ast::ExprKind::unary;
    expr.op = op;
    expr.args = {std::move(operand)};
    return expr;
  };
  using ast::Op;
  EXPECT_EQ(format_expression(binary(Op::multiply, binary(Op::add, ref("a"), ref("b")), ref("c"))),
            "(a + b) * c");
  EXPECT_EQ(format_expression(binary(Op::less, binary(Op::less, ref("a"), ref("b")), ref("c"))),
            "(a < b) < c");
  EXPECT_EQ(format_expression(unary(Op::logical_not, binary(Op::logical_or, ref("a"), ref("b")))),
            "not (a or b)");
  EXPECT_EQ(format_expression(binary(Op::equal, unary(Op::logical_not, ref("a")), ref("b"))),
            "(not a) == b");
  EXPECT_EQ(format_expression(unary(Op::negate, unary(Op::negate, ref("a")))), "-(-a)");
}

// Random trees, printed and parsed back: whatever the shape, the parentheses the printer chooses
// give back the same tree, on one line and when broken over several.
class RandomExpressions {
 public:
  explicit RandomExpressions(unsigned seed) : random_(seed) {}

  ast::Expr make(int depth) {
    int pick = depth <= 0 ? 0 : std::uniform_int_distribution<int>(0, 9)(random_);
    switch (pick) {
      case 0: case 1: return leaf();
      case 2: return unary(random_() % 2 ? ast::Op::negate : ast::Op::logical_not, make(depth - 1));
      case 3: {
        ast::Expr in = node(ast::ExprKind::in_list, {make(depth - 1), leaf(), leaf()});
        in.negated = random_() % 2;
        return in;
      }
      case 4: {
        ast::Expr call = node(ast::ExprKind::call, {make(depth - 1), leaf()});
        call.name = "pct_change";
        return call;
      }
      default: {
        static constexpr ast::Op kOps[] = {
            ast::Op::add,  ast::Op::subtract,   ast::Op::multiply,      ast::Op::divide,
            ast::Op::less, ast::Op::less_equal, ast::Op::greater,       ast::Op::greater_equal,
            ast::Op::equal, ast::Op::not_equal, ast::Op::logical_and,   ast::Op::logical_or};
        ast::Expr binary = node(ast::ExprKind::binary, {make(depth - 1), make(depth - 1)});
        binary.op = kOps[random_() % std::size(kOps)];
        return binary;
      }
    }
  }

 private:
  ast::Expr leaf() {
    static constexpr const char* kLeaves[] = {
        "a_fairly_long_metric_name", "b", "5%", "-2", "£3k", "2 years", "\"text\"", "2020-02-04",
        "m{team=\"x\"}", "england.icpc", "count(m) by (team)"};
    ast::Expr out;
    ParseResult parsed = parse_expression(kLeaves[random_() % std::size(kLeaves)], out);
    EXPECT_TRUE(parsed.ok()) << errors_of(parsed);
    return out;
  }

  static ast::Expr node(ast::ExprKind kind, std::vector<ast::Expr> args) {
    ast::Expr out;
    out.kind = kind;
    out.args = std::move(args);
    return out;
  }

  static ast::Expr unary(ast::Op op, ast::Expr operand) {
    ast::Expr out = node(ast::ExprKind::unary, {std::move(operand)});
    out.op = op;
    return out;
  }

  std::mt19937 random_;
};

TEST(FormatExpression, RandomTreesComeBackTheSame) {
  RandomExpressions random(20200204);
  for (int i = 0; i < 3000; ++i) {
    ast::Expr expr = random.make(5);
    std::string text = format_expression(expr);
    ast::Expr again;
    ParseResult parsed = parse_expression(text, again);
    ASSERT_TRUE(parsed.ok()) << errors_of(parsed) << text;
    ASSERT_EQ(ast::dump(again), ast::dump(expr)) << text;

    // The same tree as a rule condition, where long chains break over lines.
    std::string rule = formatted("rule r {\n  when " + text + "\n}\n");
    ASSERT_FALSE(rule.empty());
    ParseResult reparsed = parse(rule, "rule.bw");
    ASSERT_TRUE(reparsed.ok()) << errors_of(reparsed) << rule;
    const auto& decl = std::get<ast::RuleDecl>(reparsed.file.items.at(0));
    ASSERT_EQ(ast::dump(*decl.when), ast::dump(expr)) << rule;
  }
}

// ---- comments --------------------------------------------------------------------------------

TEST(FormatComments, OwnLineCommentsStayBeforeWhatFollowsThem) {
  EXPECT_EQ(formatted("# Stockton, Table 1\n"
                      "\n"
                      "# the headline measure\n"
                      "indicator a {\n"
                      "    # the band table\n"
                      "  bands {\n"
                      "    green >= 95%\n"
                      "# between bands\n"
                      "    red < 95%\n"
                      "  }\n"
                      "  # why percent\n"
                      "  unit percent\n"
                      "}\n"),
            "# Stockton, Table 1\n"
            "\n"
            "# the headline measure\n"
            "indicator a {\n"
            "  # why percent\n"
            "  unit percent\n"
            "  # the band table\n"
            "  bands {\n"
            "    green >= 95%\n"
            "    # between bands\n"
            "    red < 95%\n"
            "  }\n"
            "}\n");
}

TEST(FormatComments, TrailingCommentsStayOnTheirConstructsLine) {
  EXPECT_EQ(formatted("indicator a {   # header\n"
                      "  frame  YD          # year to date\n"
                      "  bands {           # first match wins\n"
                      "    green >= 95%    # target\n"
                      "    red < 95%\n"
                      "  }\n"
                      "  unit percent\n"
                      "}\n"
                      "metric m { unit count  labels team }   # one-liner\n"),
            "indicator a {  # header\n"
            "  unit percent\n"
            "  frame year_to_date  # year to date\n"
            "  bands {  # first match wins\n"
            "    green >= 95%  # target\n"
            "    red < 95%\n"
            "  }\n"
            "}\n"
            "\n"
            "metric m {\n"
            "  unit count\n"
            "  labels team  # one-liner\n"
            "}\n");
}

TEST(FormatComments, CommentsAtTheEndOfABlockStayInside) {
  EXPECT_EQ(formatted("indicator a {\n"
                      "  unit percent\n"
                      "  bands {\n"
                      "    green >= 95%\n"
                      "      # end of bands\n"
                      "  }\n"
                      "  # end of indicator\n"
                      "}\n"
                      "# about b\n"
                      "route b {\n"
                      "  # nothing yet\n"
                      "}\n"),
            "indicator a {\n"
            "  unit percent\n"
            "  bands {\n"
            "    green >= 95%\n"
            "    # end of bands\n"
            "  }\n"
            "  # end of indicator\n"
            "}\n"
            "\n"
            "# about b\n"
            "route b {\n"
            "  # nothing yet\n"
            "}\n");
}

TEST(FormatComments, CommentsAtTheEndOfTheFileStayThere) {
  EXPECT_EQ(formatted("route b { title \"B\" }\n# the end\n\n# really\n"),
            "route b {\n"
            "  title \"B\"\n"
            "}\n"
            "\n"
            "# the end\n"
            "\n"
            "# really\n");
  EXPECT_EQ(formatted("# only a comment\n"), "# only a comment\n");
}

TEST(FormatComments, OneBlankLineKeptBetweenTopLevelCommentsOnly) {
  EXPECT_EQ(formatted("# header\n\n\n# ---- section ----\n\n\nroute a {\n\n  # x\n\n  # y\n"
                      "\n  title \"A\"\n}\n# b\nroute b {}\n"),
            "# header\n"
            "\n"
            "# ---- section ----\n"
            "\n"
            "route a {\n"
            "  # x\n"
            "  # y\n"
            "  title \"A\"\n"
            "}\n"
            "\n"
            "# b\n"
            "route b {}\n");
}

TEST(FormatComments, CommentsAmongMatchArmsAndMultiLineExpressions) {
  EXPECT_EQ(formatted("extract e {\n"
                      "  label  team_kind = match(\"Allocated Team\") {     # reference data\n"
                      "           \"^Assessment\"  -> \"assessment\"\n"
                      "           # care leavers have their own teams\n"
                      "           \"Care Leaver\"  -> \"care_leavers\"   # sic\n"
                      "           else           -> \"children\"\n"
                      "           # no other kinds\n"
                      "         }\n"
                      "  sample open_case = 1\n"
                      "}\n"
                      "rule r {\n"
                      "  when a > 1 and   # first\n"
                      "       b > 2       # second\n"
                      "  severity red\n"
                      "}\n"),
            "extract e {\n"
            "  label team_kind = match(\"Allocated Team\") {  # reference data\n"
            "    \"^Assessment\" -> \"assessment\"\n"
            "    # care leavers have their own teams\n"
            "    \"Care Leaver\" -> \"care_leavers\"  # sic\n"
            "    else -> \"children\"\n"
            "    # no other kinds\n"
            "  }\n"
            "  sample open_case = 1\n"
            "}\n"
            "\n"
            "rule r {\n"
            "  when a > 1 and b > 2  # first  # second\n"
            "  severity red\n"
            "}\n");
}

TEST(FormatComments, CommentsInTests) {
  EXPECT_EQ(formatted("test \"t\" {\n"
                      "  # February\n"
                      "  at 2020-02-04 {\n"
                      "    # over target\n"
                      "    caseload{worker=\"W1\"} 23   # one worker\n"
                      "  }\n"
                      "  expect caseload{worker=\"W1\"} red  # over 20\n"
                      "}\n"),
            "test \"t\" {\n"
            "  # February\n"
            "  at 2020-02-04 {\n"
            "    # over target\n"
            "    caseload{worker=\"W1\"} 23  # one worker\n"
            "  }\n"
            "  expect caseload{worker=\"W1\"} red  # over 20\n"
            "}\n");
}

// ---- the examples ----------------------------------------------------------------------------

std::vector<std::filesystem::path> example_files() {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(BANDWATCH_EXAMPLES_DIR, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".bw") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// One test per example file, named after its path, so a failure says which file.
class FormatExample : public testing::TestWithParam<std::filesystem::path> {};

TEST_P(FormatExample, SameTreeIdempotentCommentsKept) {
  const std::filesystem::path& path = GetParam();
  std::ifstream in(path, std::ios::binary);
  std::string source{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ParseResult parsed = parse(source, path.string());
  ASSERT_TRUE(parsed.ok()) << errors_of(parsed);
  std::string once = format(parsed.file);
  ParseResult again = parse(once, path.string());
  ASSERT_TRUE(again.ok()) << errors_of(again) << once;
  EXPECT_EQ(ast::dump(again.file), ast::dump(parsed.file));
  EXPECT_EQ(format(again.file), once) << "not idempotent";
  // Trailing comments of one printed line are joined, so compare texts, not counts.
  for (const ast::Comment& comment : parsed.file.comments) {
    std::string text = comment.text;
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
    EXPECT_NE(once.find(text), std::string::npos) << "lost comment: " << text;
  }
}

// Comments sprinkled at random over every example, at the ends of lines and on lines of their
// own at any indentation: formatting keeps them all, keeps the tree and is idempotent.
TEST_P(FormatExample, RandomCommentsAreKeptAndIdempotent) {
  std::ifstream in(GetParam(), std::ios::binary);
  std::string source{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < source.size();) {
    std::size_t end = source.find('\n', start);
    if (end == std::string::npos) end = source.size();
    lines.push_back(source.substr(start, end - start));
    start = end + 1;
  }
  for (unsigned seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 random(seed);
    std::string sprinkled;
    std::vector<std::string> added;
    for (const std::string& line : lines) {
      if (random() % 4 == 0) {
        added.push_back("# own " + std::to_string(added.size()) + ".");
        sprinkled += std::string(random() % 9, ' ') + added.back() + "\n";
      }
      sprinkled += line;
      if (random() % 4 == 0 && line.find('#') == std::string::npos) {
        added.push_back("# after " + std::to_string(added.size()) + ".");
        sprinkled += "  " + added.back();
      }
      sprinkled += "\n";
    }
    std::string once = formatted(sprinkled);
    for (const std::string& comment : added)
      EXPECT_NE(once.find(comment), std::string::npos) << "lost " << comment;
  }
}

std::string example_name(const testing::TestParamInfo<std::filesystem::path>& info) {
  std::string name = std::filesystem::relative(info.param, BANDWATCH_EXAMPLES_DIR).string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FormatExample);
INSTANTIATE_TEST_SUITE_P(Examples, FormatExample, testing::ValuesIn(example_files()), example_name);

}  // namespace
}  // namespace bandwatch
