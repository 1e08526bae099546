// Parser tests: expressions compared as AST dumps (table driven, as RE2 does), blocks by their
// fields, and positions.
#include "rules/parser.hpp"

#include <gtest/gtest.h>

namespace bandwatch {
namespace {

struct ExpressionCase {
  const char* source;
  const char* dump;
};

class ExpressionTest : public testing::TestWithParam<ExpressionCase> {};

TEST_P(ExpressionTest, ParsesToTree) {
  ast::Expr expr;
  ParseResult result = parse_expression(GetParam().source, expr);
  ASSERT_TRUE(result.ok()) << GetParam().source << ": " << result.diagnostics[0].message;
  EXPECT_EQ(ast::dump(expr), GetParam().dump) << GetParam().source;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ExpressionTest,
    testing::Values(
        ExpressionCase{"caseload > 20", "(> ref(caseload) 20)"},
        ExpressionCase{"a + b * c", "(+ ref(a) (* ref(b) ref(c)))"},
        ExpressionCase{"(a + b) * c", "(* (+ ref(a) ref(b)) ref(c))"},
        ExpressionCase{"a - b - c", "(- (- ref(a) ref(b)) ref(c))"},
        ExpressionCase{"a / b * 10000", "(* (/ ref(a) ref(b)) 10000)"},
        ExpressionCase{"x > 1 and y < 2 or z == 3",
                       "(or (and (> ref(x) 1) (< ref(y) 2)) (== ref(z) 3))"},
        ExpressionCase{"not x > 1", "(not (> ref(x) 1))"},
        ExpressionCase{"not not x", "(not (not ref(x)))"},
        ExpressionCase{"- - x", "(- (- ref(x)))"},
        ExpressionCase{"x > -5%", "(> ref(x) -5:percent)"},
        ExpressionCase{"x - 5", "(- ref(x) 5)"},
        ExpressionCase{"team_kind in (\"assessment\", \"care_leavers\")",
                       "(in ref(team_kind) \"assessment\" \"care_leavers\")"},
        ExpressionCase{"team not in (\"a\")", "(notin ref(team) \"a\")"},
        ExpressionCase{"caseload{team=\"T1\", worker!=\"W\"} >= 25",
                       "(>= ref(caseload{team=\"T1\",worker!=\"W\"}) 25)"},
        ExpressionCase{"pct_change(looked_after_children, 1 year) > 5%",
                       "(> call(pct_change ref(looked_after_children) 1 year) 5:percent)"},
        ExpressionCase{"count(open_case) by (worker, team)",
                       "agg(count ref(open_case) by worker team)"},
        ExpressionCase{"share(cp_plan_age >= 2 years)", "agg(share (>= ref(cp_plan_age) 2 years))"},
        ExpressionCase{"x < england.icpc_timeliness", "(< ref(x) ref(england.icpc_timeliness))"},
        ExpressionCase{"outturn > £5.293m", "(> ref(outturn) 5293000:gbp)"},
        ExpressionCase{"budget == £639k", "(== ref(budget) 639000:gbp)"},
        ExpressionCase{"age(\"Start\") >= 6 weeks", "(>= call(age \"Start\") 6 weeks)"},
        ExpressionCase{"is_blank(\"End Date\")", "call(is_blank \"End Date\")"},
        ExpressionCase{"start >= 2020-02-04", "(>= ref(start) date(2020-02-04))"},
        ExpressionCase{"avg_over(x, 3 periods)", "call(avg_over ref(x) 3 periods)"},
        ExpressionCase{"match(\"Team\") { \"^A\" -> \"a\" else -> \"b\" }",
                       "match(\"Team\" \"^A\"->\"a\" else->\"b\")"},
        ExpressionCase{"x # a comment\n > 1", "(> ref(x) 1)"},
        ExpressionCase{"\"say \\\"hi\\\"\"", "\"say \\\"hi\\\"\""},
        ExpressionCase{"indexed > 1", "(> ref(indexed) 1)"},  // `in` only as a whole word
        ExpressionCase{"x != 1", "(!= ref(x) 1)"}));

TEST(Parser, ParsesEveryBlockKind) {
  ParseResult result = parse(R"(
metric open_case { unit count  labels child, worker, team }
metric caseload = count(open_case) by (worker, team) unit count
indicator caseload { unit count better lower frame snapshot bands { green <= 20 red > 20 } }
benchmark england { icpc_timeliness 77% }
route workload_pressures { title "Workload Pressures meeting" cadence 14 days }
rule practitioner_caseload { when caseload > 20 severity amber route workload_pressures }
extract list7 { key child = "Child ID" sample open_case = 1 }
test "t" { at 2020-02-04 { caseload{worker="W1"} 22 } expect caseload{worker="W1"} red }
)", "all.bw");
  ASSERT_TRUE(result.ok()) << result.diagnostics[0].message;
  ASSERT_EQ(result.file.items.size(), 8u);
  const char* kinds[] = {"metric", "metric", "indicator", "benchmark", "route", "rule", "extract", "test"};
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(ast::kind_of(result.file.items[i]), kinds[i]);
}

TEST(Parser, IndicatorBandsKeepTheirBoundsAndForms) {
  ParseResult result = parse(R"(indicator single_assessment_timeliness {
  unit percent better higher frame YD round 0
  bands { green >= 95%  amber 90% .. 94%  red <= 89% }
  bands from 2017-04-01 { green >= 90% and < 101% }
  bands where team_kind in ("assessment") { green <= 25 }
  cohort adoption_decisions minimum 10
  last_year 93.4%
})", "i.bw");
  ASSERT_TRUE(result.ok()) << result.diagnostics[0].message;
  const auto& indicator = std::get<ast::IndicatorDecl>(result.file.items[0]);
  EXPECT_EQ(indicator.frame->value, ast::Frame::year_to_date);
  EXPECT_EQ(indicator.round->value, 0);
  ASSERT_EQ(indicator.band_sets.size(), 3u);
  const ast::Band& amber = indicator.band_sets[0].bands[1];
  EXPECT_TRUE(amber.range);
  EXPECT_EQ(amber.lower->quantity.value, 90);
  EXPECT_EQ(amber.upper->quantity.value, 94);
  EXPECT_EQ(amber.lower->quantity.unit, ast::Unit::percent);
  EXPECT_EQ(amber.loc, (ast::Location{3, 25}));
  const ast::Band& half_open = indicator.band_sets[1].bands[0];
  EXPECT_FALSE(half_open.range);
  EXPECT_TRUE(half_open.lower->inclusive);
  EXPECT_FALSE(half_open.upper->inclusive);
  EXPECT_EQ(indicator.band_sets[1].from->iso(), "2017-04-01");
  EXPECT_TRUE(indicator.band_sets[2].where.has_value());
  EXPECT_EQ(indicator.cohort->value.minimum, 10);
  EXPECT_EQ(indicator.last_year->value.text, "93.4%");
}

TEST(Parser, RuleEscalationAndRoutes) {
  ParseResult result = parse(R"(rule practitioner_caseload {
  when caseload > 20
  unless team_kind in ("assessment", "care_leavers") and caseload <= 25
  clear when caseload <= 18
  severity amber
  for 1 period
  escalate red after 2 periods to performance_clinic
  route workload_pressures
  message "{worker} ({team}) holds {value} cases"
})", "r.bw");
  ASSERT_TRUE(result.ok()) << result.diagnostics[0].message;
  const auto& rule = std::get<ast::RuleDecl>(result.file.items[0]);
  EXPECT_EQ(rule.loc, (ast::Location{1, 6}));
  EXPECT_EQ(rule.severity->value, ast::Colour::amber);
  EXPECT_EQ(rule.severity->loc, (ast::Location{5, 3}));
  EXPECT_EQ(rule.for_returns->value, (Duration{1, DurationUnit::periods}));
  ASSERT_EQ(rule.escalations.size(), 1u);
  EXPECT_EQ(rule.escalations[0].after, (Duration{2, DurationUnit::periods}));
  EXPECT_EQ(rule.escalations[0].to_route, "performance_clinic");
  ASSERT_EQ(rule.routes.size(), 1u);
  EXPECT_EQ(rule.routes[0].value, "workload_pressures");
  EXPECT_EQ(rule.when->loc, (ast::Location{2, 8}));
  EXPECT_TRUE(rule.clear_when.has_value());
}

TEST(Parser, KeepsCommentsWithTheirPlace) {
  ParseResult result = parse("# heading\nmetric x { unit count }  # trailing\n", "c.bw");
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result.file.comments.size(), 2u);
  EXPECT_TRUE(result.file.comments[0].own_line);
  EXPECT_EQ(result.file.comments[0].text, "# heading");
  EXPECT_FALSE(result.file.comments[1].own_line);
  EXPECT_EQ(result.file.comments[1].loc, (ast::Location{2, 26}));
}

TEST(Parser, HashInsideAStringIsNotAComment) {
  ParseResult result = parse("route r { title \"Team #1\" }\n", "s.bw");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.file.comments.empty());
  EXPECT_EQ(std::get<ast::RouteDecl>(result.file.items[0]).title->value, "Team #1");
}

TEST(Parser, RecoversAtTheNextBlockAndKeepsTheGoodOnes) {
  ParseResult result = parse(R"(metric a { unit cont }
metric b { unit count }
rule r { when b > 1 severity purple }
rule s { when b > 2 severity red }
)", "recover.bw");
  ASSERT_EQ(result.diagnostics.size(), 2u);
  EXPECT_EQ(result.diagnostics[0].loc, (ast::Location{1, 17}));
  EXPECT_EQ(result.diagnostics[1].loc, (ast::Location{3, 30}));
  ASSERT_EQ(result.file.items.size(), 2u);
  EXPECT_EQ(ast::name_of(result.file.items[0]), "b");
  EXPECT_EQ(ast::name_of(result.file.items[1]), "s");
}

TEST(Parser, SurvivesDeepNestingWithAnError) {
  std::string source = "rule r { when " + std::string(100000, '(') + "x" + std::string(100000, ')') + " }";
  ParseResult result = parse(source, "deep.bw");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.diagnostics[0].message.find("nested"), std::string::npos);
  std::string prefixes = "rule r { when " + std::string(100000, '-') + "x > 1 severity red }";
  ParseResult minus = parse(prefixes, "minus.bw");
  ASSERT_FALSE(minus.ok());
  EXPECT_NE(minus.diagnostics[0].message.find("too deep"), std::string::npos);
  EXPECT_TRUE(parse("rule r { when - - x > 1 severity red }", "two.bw").ok());
}

TEST(Parser, LongOperatorChainsAreRefusedNotOverflowed) {
  std::string chain = "metric m = a";
  for (int i = 0; i < 100000; ++i) chain += " + a";
  ParseResult result = parse(chain, "chain.bw");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.diagnostics[0].message.find("too deep"), std::string::npos);
  std::string fine = "metric m = a";
  for (int i = 0; i < 200; ++i) fine += " + a";
  EXPECT_TRUE(parse(fine, "fine.bw").ok());
}

TEST(Parser, EmptyAndCommentOnlyFilesAreValid) {
  EXPECT_TRUE(parse("", "e.bw").ok());
  EXPECT_TRUE(parse("# nothing here\n\n", "e.bw").ok());
}

TEST(Parser, CrLfLineEndingsAreBlank) {
  ParseResult result = parse("metric x {\r\n  unit count\r\n}\r\n", "crlf.bw");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(std::get<ast::MetricDecl>(result.file.items[0]).unit->loc, (ast::Location{2, 3}));
}

}  // namespace
}  // namespace bandwatch
