// The sample line parser and unit-aware number formatting.
#include <gtest/gtest.h>

#include "engine/engine.hpp"
#include "engine/sample_line.hpp"

namespace bandwatch::engine {
namespace {

struct Parsed {
  LineKind kind;
  ParsedSample sample;
  std::string error;
  std::size_t column = 0;
};

Parsed parse(std::string_view line) {
  Parsed p;
  p.kind = parse_sample_line(line, p.sample, p.error, p.column);
  return p;
}

TEST(SampleLine, PrometheusLikeWithDate) {
  Parsed p = parse(R"(caseload{worker="W0412",team="Hunts Children's Team 1"} 22 2020-02-04)");
  ASSERT_EQ(p.kind, LineKind::sample) << p.error;
  EXPECT_EQ(p.sample.metric, "caseload");
  ASSERT_EQ(p.sample.labels.size(), 2u);
  EXPECT_EQ(p.sample.labels[0].name, "worker");
  EXPECT_EQ(p.sample.labels[0].value, "W0412");
  EXPECT_EQ(p.sample.labels[1].value, "Hunts Children's Team 1");
  EXPECT_EQ(p.sample.value, 22);
  EXPECT_EQ(p.sample.date, parse_iso_date("2020-02-04"));
}

TEST(SampleLine, NoLabelsNoDateSpacesAndCrLf) {
  Parsed p = parse("  looked_after_children   423 \r");
  ASSERT_EQ(p.kind, LineKind::sample) << p.error;
  EXPECT_EQ(p.sample.metric, "looked_after_children");
  EXPECT_TRUE(p.sample.labels.empty());
  EXPECT_EQ(p.sample.value, 423);
  EXPECT_FALSE(p.sample.date);
  Parsed spaced = parse(R"(m{ a = "1" , b="2", } -1.5e2 2020-01-07)");
  ASSERT_EQ(spaced.kind, LineKind::sample) << spaced.error;
  EXPECT_EQ(spaced.sample.labels.size(), 2u);
  EXPECT_EQ(spaced.sample.value, -150);
}

TEST(SampleLine, PercentAndMoney) {
  EXPECT_EQ(parse("icpc 96.6%").sample.value, 96.6);
  EXPECT_EQ(parse("outturn £7.711m 2016-09-30").sample.value, 7711000);
  EXPECT_EQ(parse("budget £639k").sample.value, 639000);
  EXPECT_EQ(parse("budget £950").sample.value, 950);
}

TEST(SampleLine, EscapesInLabelValues) {
  Parsed p = parse(R"(m{team="The \"A\" Team",note="a\\b\nc"} 1)");
  ASSERT_EQ(p.kind, LineKind::sample) << p.error;
  EXPECT_EQ(p.sample.labels[0].value, "The \"A\" Team");
  EXPECT_EQ(p.sample.labels[1].value, "a\\b\nc");
}

TEST(SampleLine, BlankAndComments) {
  EXPECT_EQ(parse("").kind, LineKind::blank);
  EXPECT_EQ(parse("   \t").kind, LineKind::blank);
  EXPECT_EQ(parse("# a comment").kind, LineKind::blank);
  EXPECT_EQ(parse("m 1 2020-01-01  # trailing comment").kind, LineKind::sample);
}

TEST(SampleLine, ErrorsSayWhatAndWhere) {
  struct Case {
    std::string_view line;
    std::size_t column;
    std::string_view message;
  } cases[] = {
      {"9m 1", 1, "a line starts with the metric's name, which starts with a letter or '_', not '9m'"},
      {"m{a=1} 2", 5, "label values are written in double quotes: a=\"1\""},
      {"m{a=\"1\" 2", 9, "the labels are not closed: add '}' after the last label"},
      {"m{a=\"1\" ; 2", 9, "after a label comes ',' and the next label, or '}'"},
      {"m{a=\"1\" b=\"2\"} 2", 9, "separate labels with commas: put ',' before b"},
      {"m{a=\"1} 2", 5, "the value of label a has no closing '\"'"},
      {"m", 2, "the value is missing: write the figure after the metric and its labels"},
      {"m 2020-02-04", 3, "the value is missing: '2020-02-04' is the date; write the figure before it: m 22 2020-02-04"},
      {"m abc", 3, "the value must be a number (22, 96.6%, £639k), not 'abc'"},
      {"m n/a", 3, "'n/a' is not a number: a series with no figure is left out of the file"},
      {"m 12x", 3, "the value must be a number (22, 96.6%, £639k), not '12x'"},
      {"m 1,234", 4, "numbers are written without thousands separators: 1234, not 1,234"},
      {"m 12 %", 6, "write the '%' straight after the number, with no space: 12%"},
      {"re-referrals 1", 3, "a metric name cannot contain '-': 're-referrals' is not a name"},
      {"m 1 2021-02-29", 5, "the date after the value: '2021-02-29' is not a real date: February 2021 has 28 days"},
      {"m 1 31/04/2020", 5, "the date after the value: '31/04/2020' is not a real date: April 2020 has 30 days"},
      {"m 1 2020-1-4", 5, "the date after the value: expected a date such as 2020-02-04 or 04/02/2020, found '2020-1-4'"},
      {"m 1 4 Feb 2020", 5, "the date is written 2020-02-04 or 04/02/2020, not '4 Feb 2020'"},
      {"m 1 2020-01-01 extra", 16, "a line ends with its date; 'extra' after it is not understood (a comment starts with '#')"},
      {"m{a=\"x\\q\"} 1", 7, "'\\q' is not allowed in a label value"},
  };
  for (const Case& c : cases) {
    Parsed p = parse(c.line);
    EXPECT_EQ(p.kind, LineKind::error) << c.line;
    EXPECT_EQ(p.column, c.column) << c.line << ": " << p.error;
    EXPECT_NE(p.error.find(c.message), std::string::npos) << c.line << ": " << p.error;
  }
}

TEST(SampleLine, DatesAsAPersonTypesThem) {
  EXPECT_EQ(parse("m 1 04/02/2020").sample.date, Date::from_ymd(2020, 2, 4));
  EXPECT_EQ(parse("m 1 4/2/2020").sample.date, Date::from_ymd(2020, 2, 4));
  EXPECT_EQ(parse("m 1 2020-02-04").sample.date, Date::from_ymd(2020, 2, 4));
}

TEST(SampleLine, ReusedObjectKeepsNoOldLabels) {
  ParsedSample sample;
  std::string error;
  std::size_t column = 0;
  ASSERT_EQ(parse_sample_line(R"(m{a="\"1\""} 1)", sample, error, column), LineKind::sample);
  ASSERT_EQ(parse_sample_line("n 2", sample, error, column), LineKind::sample);
  EXPECT_TRUE(sample.labels.empty());
  EXPECT_EQ(sample.metric, "n");
}

TEST(FormatValue, InTheUnitAsReportsPrintIt) {
  EXPECT_EQ(format_value(22, ast::Unit::count), "22");
  EXPECT_EQ(format_value(23.6, ast::Unit::count), "23.6");
  EXPECT_EQ(format_value(96.6, ast::Unit::percent), "96.6%");
  EXPECT_EQ(format_value(95, ast::Unit::percent), "95%");
  EXPECT_EQ(format_value(-19.565, ast::Unit::percent), "-19.6%");
  EXPECT_EQ(format_value(7711000, ast::Unit::gbp), "£7.711m");
  EXPECT_EQ(format_value(639000, ast::Unit::gbp), "£639k");
  EXPECT_EQ(format_value(950, ast::Unit::gbp), "£950");
  EXPECT_EQ(format_value(731, ast::Unit::days), "731 days");
  EXPECT_EQ(format_value(1, ast::Unit::days), "1 day");
  EXPECT_EQ(format_value(527.93, ast::Unit::rate_per_10k), "527.9");
  EXPECT_EQ(format_value(15.5, ast::Unit::fte), "15.5");
  EXPECT_EQ(format_value(-0.0001, ast::Unit::number), "0");
  EXPECT_EQ(format_value(1.23456e15, ast::Unit::count), "1234560000000000");
}

}  // namespace
}  // namespace bandwatch::engine
