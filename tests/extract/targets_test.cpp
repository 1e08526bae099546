// Target sheets to `.bw` blocks and back: a hand-made sheet as Excel saves it gives exactly these
// blocks; a sheet with a mistake on each row is reported row by row and nothing is written; an
// export reads back to the same blocks; replacing blocks the council's rules rely on is refused.
#include "extract/targets.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "rules/parser.hpp"

namespace bandwatch::extract {
namespace {

const std::string kDir = std::string(BANDWATCH_TESTDATA) + "/targets/";

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<ast::File> program(std::string_view rules) {
  ParseResult parsed = parse(rules, "council.bw");
  EXPECT_TRUE(parsed.ok());
  return {parsed.file};
}

std::vector<std::string> problems(const TargetsFromSheet& result) {
  std::vector<std::string> out;
  for (const SheetProblem& p : result.problems)
    out.push_back(std::to_string(p.line) + " [" + p.column + "] " + p.message);
  return out;
}

// good.csv: a byte order mark, CRLF, a blank row, headings in any case, a title with a comma,
// frame written YD, a UK date and an ISO one, a scoped band set, red at both ends of a budget.
TEST(TargetsSheet, HandMadeSheetGivesTheseBlocks) {
  TargetsFromSheet result = targets_from_sheet(read(kDir + "good.csv"), "good.csv", "targets.bw",
                                               program("metric team_average_caseload { unit count labels team, team_kind }\n"));
  EXPECT_EQ(problems(result), std::vector<std::string>{});
  EXPECT_EQ(result.indicators, 4u);
  EXPECT_EQ(result.band_sets, 6u);
  EXPECT_EQ(result.benchmarks, 1u);
  EXPECT_EQ(result.text,
            "# Targets from good.csv (bandwatch targets import): change the sheet and import it\n"
            "# again; `bandwatch targets export` writes these blocks back as a sheet.\n"
            "\n"
            "indicator single_assessment_timeliness {\n"
            "  title \"Timeliness of single assessments, 45 days\"\n"
            "  unit percent\n"
            "  better higher\n"
            "  frame year_to_date\n"
            "  round 0\n"
            "  bands {\n"
            "    green >= 95%\n"
            "    amber 90% .. 94%\n"
            "    red <= 89%\n"
            "  }\n"
            "}\n"
            "\n"
            "indicator adoption_a1_days {\n"
            "  title \"Adoption A1\"\n"
            "  unit days\n"
            "  better lower\n"
            "  frame quarter\n"
            "  bands from 2015-04-01 {\n"
            "    green <= 547\n"
            "    red > 547\n"
            "  }\n"
            "  bands from 2016-04-01 {\n"
            "    green <= 593\n"
            "    red > 593\n"
            "  }\n"
            "}\n"
            "\n"
            "indicator team_average_caseload {\n"
            "  title \"Average cases per worker\"\n"
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
            "indicator budget_variance {\n"
            "  title \"Placements budget variance\"\n"
            "  unit percent\n"
            "  better lower\n"
            "  frame month\n"
            "  round 0\n"
            "  bands {\n"
            "    green -5% .. 0%\n"
            "    amber 1% .. 5%\n"
            "    red <= -6%\n"
            "    red >= 6%\n"
            "  }\n"
            "}\n"
            "\n"
            "benchmark england {\n"
            "  single_assessment_timeliness 83%\n"
            "}\n");
}

// The scope's label must be one the metric carries: without the council's metric declaration
// the row with `where` is reported.
TEST(TargetsSheet, WhereIsCheckedAgainstTheCouncilsMetrics) {
  TargetsFromSheet result = targets_from_sheet(read(kDir + "good.csv"), "good.csv", "targets.bw", {});
  EXPECT_EQ(problems(result), (std::vector<std::string>{
      "7 [] indicator team_average_caseload: indicator 'team_average_caseload' has no label 'team_kind'; it "
      "carries no labels"}));
  EXPECT_EQ(result.text, "");
}

// bad.csv: one mistake per row after the heading, each reported at its line.
TEST(TargetsSheet, EachRowThatMakesNoConsistentBandSetIsReportedByRow) {
  TargetsFromSheet result = targets_from_sheet(read(kDir + "bad.csv"), "bad.csv", "targets.bw", {});
  EXPECT_EQ(problems(result), (std::vector<std::string>{
      "3 [] indicator icpc_timeliness already has bands with no effective date on line 2",
      "4 [amber] with polarity lower, amber (90% .. 94%) must lie below green (>= 95%)",
      "5 [amber] indicator plans: no band covers 94%",
      "6 [polarity] \"sideways\": expected 'higher' or 'lower', found 'sideways'",
      "7 [effective from] '31/02/2024' is not a real date: February 2024 has 29 days",
      "8 [unit] \"count\" differs from \"percent\" on line 2 for indicator icpc_timeliness",
      "8 [benchmark england] \"78%\" differs from \"77%\" on line 2 for indicator icpc_timeliness",
      "9 [indicator] no indicator named on this row",
      "10 [green] a cell holds one value: no line break, '#', '{' or '}'",
  }));
  EXPECT_EQ(result.text, "");
}

TEST(TargetsSheet, UnknownAndRepeatedColumnsAreReportedAtTheHeading) {
  TargetsFromSheet result = targets_from_sheet("indicator,unit,Gren,Unit\nx,count,<= 1,count\n", "s.csv", "t.bw", {});
  EXPECT_EQ(problems(result), (std::vector<std::string>{
      "1 [Gren] not a targets column (indicator, title, group, unit, polarity, frame, round, cohort, expect every, "
      "last year, note, routes, effective from, where, green, amber, red, benchmark NAME)",
      "1 [Unit] the column appears twice"}));
}

constexpr std::string_view kTargets =
    "route clinic {}\n"
    "metric adoption_decisions { unit count }\n"
    "indicator icpc_timeliness {\n"
    "  title \"Timeliness of ICPCs, 15 working days\"\n"
    "  unit percent  better higher  frame YD  round 0\n"
    "  cohort adoption_decisions minimum 10\n"
    "  last_year 93.9%\n"
    "  route clinic\n"
    "  bands from 2016-04-01 { green >= 85%  amber 75% .. 84%  red <= 74% }\n"
    "  bands from 2017-04-01 { green >= 90%  amber >= 80% and < 90%  red < 80% }\n"
    "}\n"
    "benchmark england { icpc_timeliness 77% }\n"
    "rule icpc_below_england { when icpc_timeliness < england.icpc_timeliness severity amber route clinic }\n";

TEST(TargetsSheet, ExportWritesOneRowPerBandSetAndReadsBackToTheSameBlocks) {
  std::vector<ast::File> council = program(kTargets);
  SheetFromTargets sheet = sheet_from_targets(council);
  EXPECT_EQ(sheet.left_out, std::vector<std::string>{});
  EXPECT_EQ(sheet.csv,
            "indicator,title,unit,polarity,frame,round,cohort,last year,routes,effective from,green,amber,red,"
            "benchmark england\r\n"
            "icpc_timeliness,\"Timeliness of ICPCs, 15 working days\",percent,higher,year_to_date,0,"
            "adoption_decisions minimum 10,93.9%,clinic,2016-04-01,>= 85%,75% .. 84%,<= 74%,77%\r\n"
            "icpc_timeliness,\"Timeliness of ICPCs, 15 working days\",percent,higher,year_to_date,0,"
            "adoption_decisions minimum 10,93.9%,clinic,2017-04-01,>= 90%,>= 80% and < 90%,< 80%,77%\r\n");
  TargetsFromSheet back = targets_from_sheet(sheet.csv, "targets.csv", "targets.bw", council);
  EXPECT_EQ(problems(back), std::vector<std::string>{});
  ParseResult written = parse(back.text, "targets.bw");
  ASSERT_TRUE(written.ok());
  ASSERT_EQ(written.file.items.size(), 2u);
  ast::File original{"", {council[0].items[2], council[0].items[3]}, {}};
  EXPECT_EQ(ast::dump(written.file), ast::dump(original));
}

// The sheet's benchmark block replaces the council's whole block: a rule reading a value the
// sheet does not carry would lose it, so the import is refused and says where.
TEST(TargetsSheet, ReplacingABenchmarkValueARuleReadsIsRefused) {
  std::vector<ast::File> council = program(
      "metric cin_rate { unit rate_per_10k }\n"
      "benchmark england { icpc_timeliness 77%  cin_rate 334 }\n"
      "rule cin_rate_above_england { when cin_rate > england.cin_rate severity amber }\n");
  TargetsFromSheet result = targets_from_sheet(
      "indicator,unit,polarity,green,red,benchmark england\n"
      "icpc_timeliness,percent,higher,>= 85%,< 85%,78%\n",
      "s.csv", "targets.bw", council);
  EXPECT_EQ(problems(result), (std::vector<std::string>{
      "0 [] with the sheet's blocks in place of theirs, council.bw:3:55: benchmark 'england' has no value for "
      "'cin_rate': add `cin_rate VALUE` to benchmark 'england'"}));
  SheetFromTargets sheet = sheet_from_targets(council);
  EXPECT_EQ(sheet.left_out, (std::vector<std::string>{"benchmark england: icpc_timeliness 77%",
                                                      "benchmark england: cin_rate 334"}));
  EXPECT_EQ(sheet.csv, "indicator,unit,polarity,effective from,green,amber,red\r\n");
}

}  // namespace
}  // namespace bandwatch::extract
