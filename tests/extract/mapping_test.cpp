#include "extract/mapping.hpp"

#include <gtest/gtest.h>

#include "rules/parser.hpp"

namespace bandwatch::extract {
namespace {

// Parses `source` (one extract block, perhaps with other items) and compiles its extract against
// `header`; evaluates rows and collects output or errors.
class Mapping {
 public:
  Mapping(std::string_view source, std::vector<std::string> header, Date as_of = Date::from_ymd(2020, 2, 4))
      : parsed_(parse(source, "test.bw")), header_(std::move(header)) {
    for (const Diagnostic& diagnostic : parsed_.diagnostics) ADD_FAILURE() << render(diagnostic, source);
    for (const ast::Item& item : parsed_.file.items)
      if (const auto* decl = std::get_if<ast::ExtractDecl>(&item)) decl_ = decl;
    if (!decl_) {
      ADD_FAILURE() << "no extract in the source";
      return;
    }
    compiled_ = CompiledExtract::compile(*decl_, "test.bw", header_, "list.csv", EvalContext{as_of, nullptr},
                                         diagnostics_);
  }

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  std::string diagnostic_text() const {
    std::string text;
    for (const Diagnostic& diagnostic : diagnostics_) text += render(diagnostic, "");
    return text;
  }
  bool ok() const { return compiled_.has_value(); }

  // The sample lines of a row, "filtered", or "rejected: <column> <reason>; ...".
  std::string row(std::vector<std::string_view> fields) {
    if (!compiled_) return "not compiled: " + diagnostic_text();
    fields.resize(header_.size());
    std::string out;
    std::vector<RowError> errors;
    switch (compiled_->evaluate(fields, out, errors)) {
      case CompiledExtract::Outcome::imported: return out;
      case CompiledExtract::Outcome::filtered: return "filtered";
      case CompiledExtract::Outcome::rejected: break;
    }
    std::string text = "rejected:";
    for (const RowError& error : errors)
      text += " [" + (error.column < header_.size() ? header_.header(error.column) : std::string("-")) +
              "] " + error.reason + ";";
    EXPECT_TRUE(out.empty());
    return text;
  }

 private:
  ParseResult parsed_;
  HeaderIndex header_;
  const ast::ExtractDecl* decl_ = nullptr;
  std::vector<Diagnostic> diagnostics_;
  std::optional<CompiledExtract> compiled_;
};

bool starts_with(const std::string& text, const std::string& start) { return text.starts_with(start); }

constexpr std::string_view kList7 = R"(
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
)";

const std::vector<std::string> kList7Header = {
    "Child Unique ID", "Allocated Team", "Allocated Worker", "Child Protection Plan Start Date",
    "Child Protection Plan End Date"};

TEST(Mapping, DesignExample) {
  Mapping mapping(kList7, kList7Header);
  ASSERT_TRUE(mapping.ok()) << mapping.diagnostic_text();
  EXPECT_EQ(mapping.row({"C1", "Assessment Team North", "W0412", "04/02/2019", ""}),
            "open_case{child=\"C1\",worker=\"W0412\",team=\"Assessment Team North\",team_kind=\"assessment\"} 1 2020-02-04\n"
            "cp_plan_age{child=\"C1\",worker=\"W0412\",team=\"Assessment Team North\",team_kind=\"assessment\"} 365 2020-02-04\n");
  EXPECT_PRED2(starts_with, mapping.row({"C2", "South Care Leaver Team", "W1", "2020-01-04", ""}),
            "open_case{child=\"C2\",worker=\"W1\",team=\"South Care Leaver Team\",team_kind=\"care_leavers\"} 1 2020-02-04\n"
            "cp_plan_age{child=\"C2\",worker=\"W1\"");
  EXPECT_EQ(mapping.row({"C3", "Hunts Children's Team 1", "W1", "04/02/2019", "01/02/2020"}), "filtered");
}

TEST(Mapping, MatchIsCaseInsensitiveAndCurlyQuotesAreStraightened) {
  Mapping mapping(kList7, kList7Header);
  EXPECT_EQ(mapping.row({"C1", "  assessment team\xE2\x80\x99s ", "W1", "04/02/2020", ""}),
            "open_case{child=\"C1\",worker=\"W1\",team=\"assessment team's\",team_kind=\"assessment\"} 1 2020-02-04\n"
            "cp_plan_age{child=\"C1\",worker=\"W1\",team=\"assessment team's\",team_kind=\"assessment\"} 0 2020-02-04\n");
}

TEST(Mapping, BadRowsSayWhichColumnAndWhy) {
  Mapping mapping(kList7, kList7Header);
  EXPECT_EQ(mapping.row({"C1", "T", "W1", "31/02/2019", ""}),
            "rejected: [Child Protection Plan Start Date] \"31/02/2019\" is not a real date;");
  EXPECT_EQ(mapping.row({"", "T", "W1", "", ""}),
            "rejected: [Child Unique ID] blank, but it is the key 'child'; "
            "[Child Protection Plan Start Date] blank, expected a date;");
}

TEST(Mapping, LabelValuesAreEscaped) {
  Mapping mapping(kList7, kList7Header);
  EXPECT_PRED2(starts_with, mapping.row({"C\"1\\", "T", "Line one\r\nline two", "04/02/2020", ""}),
            "open_case{child=\"C\\\"1\\\\\",worker=\"Line one\\nline two\",team=\"T\",");
}

TEST(Mapping, AgeAgainstYearsIsCalendarExact) {
  constexpr std::string_view source = R"(
extract plans {
  key child = "ID"
  where age("Start") >= 2 years
  sample open_case = 1
}
)";
  Mapping day_before(source, {"ID", "Start"}, Date::from_ymd(2021, 2, 3));
  EXPECT_EQ(day_before.row({"C1", "04/02/2019"}), "filtered");
  Mapping on_the_day(source, {"ID", "Start"}, Date::from_ymd(2021, 2, 4));
  EXPECT_EQ(on_the_day.row({"C1", "04/02/2019"}), "open_case{child=\"C1\"} 1 2021-02-04\n");
  // A plan begun on 29 Feb 2020 is a year old on 1 Mar 2021 (28 Feb + 1 year clamps to 28 Feb).
  Mapping leap(R"(
extract plans { key child = "ID"  where age("Start") > 1 years  sample open_case = 1 })",
               {"ID", "Start"}, Date::from_ymd(2021, 2, 28));
  EXPECT_EQ(leap.row({"C1", "29/02/2020"}), "filtered");
}

// Ages against months and years are answered from thresholds worked out once per import; they
// must agree with adding the duration to each date, month ends and leap days included.
TEST(Mapping, AgeAgainstMonthsAgreesWithCalendarArithmetic) {
  for (Date as_of : {Date::from_ymd(2021, 2, 28), Date::from_ymd(2020, 2, 29), Date::from_ymd(2021, 3, 31),
                     Date::from_ymd(2020, 2, 4)}) {
    for (const char* length : {"1 months", "3 months", "6 months", "1 years", "2 years"}) {
      std::string source = std::string("extract e { key child = \"ID\"  sample more = age(\"D\") > ") + length +
                           "  sample at_least = age(\"D\") >= " + length + "  sample exactly = age(\"D\") == " +
                           length + "  sample reverse = " + length + " < age(\"D\") }";
      Mapping mapping(source, {"ID", "D"}, as_of);
      Duration duration{std::atoi(length), std::string_view(length).ends_with("years") ? DurationUnit::years
                                                                                       : DurationUnit::months};
      for (int back = 0; back < 800; ++back) {
        Date from{as_of.days_since_epoch - back};
        Date reached = *add(from, duration);
        std::string want = std::string("more{child=\"C\"} ") + (as_of > reached ? "1" : "0") + " " + as_of.iso() +
                           "\nat_least{child=\"C\"} " + (as_of >= reached ? "1" : "0") + " " + as_of.iso() +
                           "\nexactly{child=\"C\"} " + (as_of == reached ? "1" : "0") + " " + as_of.iso() +
                           "\nreverse{child=\"C\"} " + (as_of > reached ? "1" : "0") + " " + as_of.iso() + "\n";
        ASSERT_EQ(mapping.row({"C", from.iso()}), want) << as_of.iso() << " " << length << " " << from.iso();
      }
    }
  }
}

TEST(Mapping, FunctionsAndConstants) {
  constexpr std::string_view source = R"(
extract everything {
  key   child   = "ID"
  label need    = code("Category of Need")
  label closed  = is_blank("End")
  label started = date("Start")
  sample days     = days_between("Start", "End")
  sample working  = working_days_between("Start", "End")
  sample days_to_as_of = days_between("Start", as_of)
  sample weeks    = age("Start") / 7
  sample constant = 42
  sample percent  = 95%
  sample fte      = "FTE" * 2
}
)";
  Mapping mapping(source, {"ID", "Category of Need", "Start", "End", "FTE"});
  ASSERT_TRUE(mapping.ok()) << mapping.diagnostic_text();
  EXPECT_EQ(mapping.row({"C1", "N1 - Abuse or neglect", "03/02/2020", "10/02/2020", "0.5"}),
            "days{child=\"C1\",need=\"N1\",closed=\"false\",started=\"2020-02-03\"} 7 2020-02-04\n"
            "working{child=\"C1\",need=\"N1\",closed=\"false\",started=\"2020-02-03\"} 5 2020-02-04\n"
            "days_to_as_of{child=\"C1\",need=\"N1\",closed=\"false\",started=\"2020-02-03\"} 1 2020-02-04\n"
            "weeks{child=\"C1\",need=\"N1\",closed=\"false\",started=\"2020-02-03\"} 0.14285714285714285 2020-02-04\n"
            "constant{child=\"C1\",need=\"N1\",closed=\"false\",started=\"2020-02-03\"} 42 2020-02-04\n"
            "percent{child=\"C1\",need=\"N1\",closed=\"false\",started=\"2020-02-03\"} 95 2020-02-04\n"
            "fte{child=\"C1\",need=\"N1\",closed=\"false\",started=\"2020-02-03\"} 1 2020-02-04\n");
  EXPECT_EQ(mapping.row({"C1", "N1", "03/02/2020", "10/02/2020", "half"}),
            "rejected: [FTE] not a number: \"half\";");
  // A decimal comma is not a thousands separator: "0,5" is refused, not read as 5.
  EXPECT_EQ(mapping.row({"C1", "N1", "03/02/2020", "10/02/2020", "0,5"}),
            "rejected: [FTE] not a number: \"0,5\";");
  EXPECT_NE(mapping.row({"C1", "N1", "03/02/2020", "10/02/2020", "1,000.5"}).find("fte{child=\"C1\",need=\"N1\",closed=\"false\",started=\"2020-02-03\"} 2001 "),
            std::string::npos);
  EXPECT_EQ(mapping.row({"C1", "N1", "03/02/2005", "10/02/2020", "1"}),
            "rejected: [Start] 03/02/2005 is outside the bank holiday data (2010-2030): add its "
            "year to data/bank_holidays_england_wales.txt;");
}

TEST(Mapping, ShortCircuitGuardsOptionalDates) {
  constexpr std::string_view source = R"(
extract visits {
  key child = "ID"
  sample visit_overdue = is_blank("Last Visit") or age("Last Visit") > 6 weeks
}
)";
  Mapping mapping(source, {"ID", "Last Visit"});
  EXPECT_EQ(mapping.row({"C1", ""}), "visit_overdue{child=\"C1\"} 1 2020-02-04\n");
  EXPECT_EQ(mapping.row({"C1", "24/12/2019"}), "visit_overdue{child=\"C1\"} 0 2020-02-04\n");  // exactly 6 weeks
  EXPECT_EQ(mapping.row({"C1", "23/12/2019"}), "visit_overdue{child=\"C1\"} 1 2020-02-04\n");
  EXPECT_EQ(mapping.row({"C1", "soon"}), "rejected: [Last Visit] \"soon\" is not a date;");
}

TEST(Mapping, InListsHoldLiteralText) {
  constexpr std::string_view source = R"(
extract cla {
  key child = "ID"
  where code("Legal Status") not in ("V1", "V3", "V4")
  where "Qualified" in ("Yes", "Y")
  where is_blank("Ceased") or date("Ceased") > as_of
  sample open_case = 1
}
)";
  Mapping mapping(source, {"ID", "Legal Status", "Qualified", "Ceased"});
  ASSERT_TRUE(mapping.ok()) << mapping.diagnostic_text();
  EXPECT_EQ(mapping.row({"C1", "C2: Full care order", "yes", ""}), "open_case{child=\"C1\"} 1 2020-02-04\n");
  EXPECT_EQ(mapping.row({"C1", "V3 - Short breaks", "yes", ""}), "filtered");
  EXPECT_EQ(mapping.row({"C1", "C2", "No", ""}), "filtered");
  EXPECT_EQ(mapping.row({"C1", "C2", "Y", "05/02/2020"}), "open_case{child=\"C1\"} 1 2020-02-04\n");
  EXPECT_EQ(mapping.row({"C1", "C2", "Y", "04/02/2020"}), "filtered");
}

TEST(Mapping, MatchWithoutElseRejectsUnknownValues) {
  constexpr std::string_view source = R"bw(
extract leavers {
  key child = "ID"
  label accommodation = match("Accommodation Suitability") {
    "^(1|suitable)"    -> "suitable"
    "^(2|not suitable|unsuitable)" -> "unsuitable"
  }
  sample care_leaver = 1
}
)bw";
  Mapping mapping(source, {"ID", "Accommodation Suitability"});
  EXPECT_EQ(mapping.row({"C1", "Suitable"}), "care_leaver{child=\"C1\",accommodation=\"suitable\"} 1 2020-02-04\n");
  EXPECT_EQ(mapping.row({"C1", "Not suitable"}), "care_leaver{child=\"C1\",accommodation=\"unsuitable\"} 1 2020-02-04\n");
  EXPECT_EQ(mapping.row({"C1", "Unknown"}),
            "rejected: [Accommodation Suitability] value \"Unknown\" matches none of the patterns "
            "(and there is no else);");
}

TEST(Mapping, ExcelSerialDates) {
  Mapping mapping(kList7, kList7Header);
  EXPECT_EQ(mapping.row({"C1", "T", "W", "43500", ""}).substr(0, 200).find("cp_plan_age") != std::string::npos, true);
  EXPECT_NE(mapping.row({"C1", "T", "W", "43500", ""}).find("} 365 2020-02-04"), std::string::npos);
}

TEST(Mapping, MissingColumnListsTheColumnsFound) {
  Mapping mapping(kList7, {"Child Unique ID", "Team", "Start"});
  EXPECT_FALSE(mapping.ok());
  EXPECT_PRED2(starts_with, mapping.diagnostic_text(),
            "test.bw:6:19: error: column \"Allocated Worker\" is not in the file; its columns are: "
            "\"Child Unique ID\", \"Team\", \"Start\" (in list.csv)\n");
}

TEST(Mapping, LooseHeaderMatchesAreNoted) {
  Mapping mapping(R"(
extract ages { key child = "ID"  sample child_age = "Age" })",
                  {"ID", "Age of Child (Years)"});
  ASSERT_TRUE(mapping.ok());
  EXPECT_EQ(mapping.diagnostic_text(),
            "test.bw:2:53: note: column \"Age\" read from \"Age of Child (Years)\" in list.csv\n");
  EXPECT_EQ(mapping.row({"C1", "8"}), "child_age{child=\"C1\"} 8 2020-02-04\n");
}

std::string checked(std::string_view source) {
  ParseResult parsed = parse(source, "test.bw");
  std::string text;
  for (const Diagnostic& diagnostic : parsed.diagnostics) text += render(diagnostic, "");
  for (const ast::Item& item : parsed.file.items)
    if (const auto* decl = std::get_if<ast::ExtractDecl>(&item))
      for (const Diagnostic& diagnostic : check_extract(*decl, "test.bw")) text += render(diagnostic, "");
  return text;
}

TEST(CheckExtract, CleanMappingHasNoDiagnostics) { EXPECT_EQ(checked(kList7), ""); }

TEST(CheckExtract, ReportsMistakesInTheMapping) {
  EXPECT_EQ(checked(R"(extract e { key child = "ID"  sample a = agee("Start") })"),
            "test.bw:1:42: error: unknown function 'agee' in an extract; did you mean 'age'? "
            "(extracts have date, age, days_between, working_days_between, is_blank, code)\n");
  EXPECT_EQ(checked(R"(extract e { key child = "ID"  sample a = days_between("Start") })"),
            "test.bw:1:42: error: days_between() takes 2 arguments, not 1\n");
  // The parser already refuses a pattern that is not a regular expression.
  EXPECT_NE(checked(R"(extract e { key child = "ID"  sample a = match("T") { "(" -> "x" else -> "y" } })").find("pattern \"(\""),
            std::string::npos);
  EXPECT_EQ(checked(R"(extract e { date_format "yy/mm/dd"  key child = "ID"  sample a = 1 })"),
            "test.bw:1:13: error: unknown date_format \"yy/mm/dd\": use \"dd/mm/yyyy\", \"mm/dd/yyyy\" or \"yyyy-mm-dd\"\n");
  EXPECT_EQ(checked(R"(extract e { key child = "ID" })"),
            "test.bw:1:9: error: extract 'e' has no `sample`: it would import nothing\n");
  EXPECT_EQ(checked(R"(extract e { key child = ID  sample a = 1 })"),
            "test.bw:1:25: error: unknown name 'ID' in an extract: a column is written as a string "
            "(\"ID\"); `as_of` is the import's date\n");
}

}  // namespace
}  // namespace bandwatch::extract
