#include "extract/importer.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "rules/parser.hpp"

namespace bandwatch::extract {
namespace {

// Parses rules text once and imports CSV text or files through its extracts.
class Import {
 public:
  explicit Import(std::string_view rules) : parsed_(parse(rules, "rules.bw")) {
    for (const Diagnostic& diagnostic : parsed_.diagnostics) ADD_FAILURE() << render(diagnostic, rules);
    for (const ast::Item& item : parsed_.file.items)
      if (const auto* decl = std::get_if<ast::ExtractDecl>(&item)) sources_.push_back({decl, "rules.bw"});
  }

  ImportSummary text(std::string_view csv, std::string_view name = "list.csv") {
    return import_csv_text(csv, name, sources_, context_, sink(), reporter());
  }

  ImportSummary file(const std::string& path, std::string_view name) {
    std::FILE* in = std::fopen(path.c_str(), "rb");
    EXPECT_NE(in, nullptr) << path;
    if (!in) return {};
    ImportSummary summary = import_csv(in, name, sources_, context_, sink(), reporter());
    std::fclose(in);
    return summary;
  }

  std::string output;
  std::vector<std::string> messages;
  std::size_t flushes = 0;

 private:
  SampleSink sink() {
    return [this](std::string_view lines) {
      ++flushes;
      output += lines;
    };
  }
  ImportReporter reporter() {
    return ImportReporter{[this](const std::string& line) { messages.push_back(line); },
                          [this](const Diagnostic& diagnostic) { messages.push_back(render(diagnostic, "")); }};
  }

  ParseResult parsed_;
  std::vector<ExtractSource> sources_;
  EvalContext context_{Date::from_ymd(2020, 2, 4), nullptr};
};

constexpr std::string_view kList7 = R"(
extract annex_a_list7 {
  key    child  = "Child Unique ID"
  label  worker = "Allocated Worker"
  label  team   = "Allocated Team"
  where  is_blank("Child Protection Plan End Date")
  sample cp_plan_age = age("Child Protection Plan Start Date")
}
)";

using Lines = std::vector<std::string>;

TEST(Importer, MessyExcelExport) {
  Import import(kList7);
  ImportSummary summary = import.file(BANDWATCH_TESTDATA "/messy_list7.csv", "messy_list7.csv");
  EXPECT_FALSE(summary.failed);
  EXPECT_EQ(summary.rows_read, 10u);
  EXPECT_EQ(summary.imported, 5u);
  EXPECT_EQ(summary.filtered, 1u);
  EXPECT_EQ(summary.rejected, 4u);
  EXPECT_EQ(summary.blank_lines, 2u);
  EXPECT_EQ(summary.samples, 5u);
  EXPECT_EQ(summary.rows_read, summary.imported + summary.filtered + summary.rejected);
  EXPECT_EQ(import.output,
            "cp_plan_age{child=\"C001\",worker=\"W0412\",team=\"Assessment Team North\"} 365 2020-02-04\n"
            "cp_plan_age{child=\"C002\",worker=\"W0007\",team=\"Hunts Children's Team 1\"} 340 2020-02-04\n"
            "cp_plan_age{child=\"C004\",worker=\"W0100\",team=\"South Care Leaver Team\"} 365 2020-02-04\n"
            "cp_plan_age{child=\"C006\",worker=\"W0007\",team=\"Hunts Children's Team 1\"} 613 2020-02-04\n"
            "cp_plan_age{child=\"C007\",worker=\"\",team=\"Hunts Children's Team 1\"} 613 2020-02-04\n");
  EXPECT_EQ(import.messages,
            (Lines{"messy_list7.csv:5: column \"Child Protection Plan Start Date\": \"31/02/2019\" is not a real date",
                   "messy_list7.csv:6: column \"Child Unique ID\": blank, but it is the key 'child'",
                   "messy_list7.csv:12: column \"Child Protection Plan End Date\": missing: the row has 4 of the "
                   "header's 6 columns (a line break outside quotes?)",
                   "messy_list7.csv:13: column 8 (no header): a value past the header's 6 named columns: \"extra\" "
                   "(a comma outside quotes?)"}));
}

TEST(Importer, MissingColumnFailsTheFileAndListsTheColumns) {
  Import import(kList7);
  ImportSummary summary = import.text("Child Unique ID,Team,Start\nC1,T,01/01/2020\n");
  EXPECT_TRUE(summary.failed);
  EXPECT_EQ(summary.rows_read, 0u);
  EXPECT_TRUE(import.output.empty());
  ASSERT_FALSE(import.messages.empty());
  EXPECT_EQ(import.messages[0],
            "rules.bw:4:19: error: column \"Allocated Worker\" is not in the file; its columns are: "
            "\"Child Unique ID\", \"Team\", \"Start\" (in list.csv)\n");
}

TEST(Importer, LineNumbersCountLinesInsideQuotes) {
  Import import(kList7);
  import.text(
      "Notes,Child Unique ID,Allocated Team,Allocated Worker,Child Protection Plan Start Date,Child Protection Plan End Date\n"
      "\"a\nb\nc\",C1,T,W,01/01/2020,\n"
      "\"d\r\ne\",C2,T,W,bad,\n"
      "x,C3,T,W,30/02/2020,\n");
  EXPECT_EQ(import.messages, (Lines{"list.csv:5: column \"Child Protection Plan Start Date\": \"bad\" is not a date",
                                    "list.csv:7: column \"Child Protection Plan Start Date\": \"30/02/2020\" is not a real date"}));
}

TEST(Importer, BadQuotingIsOneRejectedRow) {
  Import import(kList7);
  ImportSummary summary = import.text(
      "Child Unique ID,Allocated Team,Allocated Worker,Child Protection Plan Start Date,Child Protection Plan End Date\n"
      "C1,\"T\"x,W,01/01/2020,\n"
      "C2,T,W,01/01/2020,\n");
  EXPECT_EQ(summary.rows_read, 2u);
  EXPECT_EQ(summary.rejected, 1u);
  EXPECT_EQ(summary.imported, 1u);
  ASSERT_EQ(import.messages.size(), 1u);
  EXPECT_TRUE(import.messages[0].starts_with("list.csv:2: column \"Allocated Team\": malformed quoting (")) << import.messages[0];
}

TEST(Importer, UnclosedQuoteIsReportedWithWhatIsLost) {
  Import import(kList7);
  ImportSummary summary = import.text(
      "Child Unique ID,Allocated Team,Allocated Worker,Child Protection Plan Start Date,Child Protection Plan End Date\n"
      "C1,T,W,01/01/2020,\n"
      "C2,\"T,W,01/01/2020,\n"
      "C3,T,W,01/01/2020,\n");
  EXPECT_EQ(summary.imported, 1u);
  EXPECT_EQ(summary.rejected, 1u);
  EXPECT_EQ(import.messages,
            Lines{"list.csv:3: column \"Allocated Team\": a quoted field opens here and is never closed: the 3 "
                  "line(s) from here to the end of the file are not imported"});
}

TEST(Importer, HeaderAfterBlankLinesAndExcelSeparatorHint) {
  Import import(kList7);
  ImportSummary summary = import.text(
      "sep=,\r\n\r\n"
      "Child Unique ID,Allocated Team,Allocated Worker,Child Protection Plan Start Date,Child Protection Plan End Date\r\n"
      "C1,T,W,03/02/2020,\r\n");
  EXPECT_EQ(summary.imported, 1u);
  EXPECT_EQ(import.output, "cp_plan_age{child=\"C1\",worker=\"W\",team=\"T\"} 1 2020-02-04\n");
}

TEST(Importer, EmptyFileFails) {
  Import import(kList7);
  EXPECT_TRUE(import.text("").failed);
  EXPECT_TRUE(import.text("\r\n\r\n").failed);
  EXPECT_EQ(import.messages.back(), "list.csv: the file is empty: no header row");
}

TEST(Importer, EveryExtractSeesEveryRow) {
  Import import(R"(
extract a { key child = "ID"  sample open_case = 1 }
extract b { key child = "ID"  where "Flag" in ("Y")  sample flagged = 1 }
)");
  ImportSummary summary = import.text("ID,Flag\nC1,Y\nC2,N\nC3,maybe\n");
  EXPECT_EQ(summary.imported, 3u);
  EXPECT_EQ(summary.samples, 4u);
  EXPECT_EQ(import.output,
            "open_case{child=\"C1\"} 1 2020-02-04\nflagged{child=\"C1\"} 1 2020-02-04\n"
            "open_case{child=\"C2\"} 1 2020-02-04\nopen_case{child=\"C3\"} 1 2020-02-04\n");
}

TEST(Importer, StreamsLargeFilesInBlocks) {
  char path[] = "/tmp/bw_importer_big_XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  std::FILE* file = ::fdopen(fd, "wb");
  std::fputs("ID,Start\n", file);
  constexpr int kRows = 200000;
  std::string expected;
  for (int i = 0; i < kRows; ++i) {
    int day = 1 + i % 28;
    std::fprintf(file, "C%06d,%02d/01/2020\n", i, day);
    char line[64];
    // Whole days from the start to the as-of date, 4 February 2020.
    std::snprintf(line, sizeof line, "age_days{child=\"C%06d\"} %d 2020-02-04\n", i, 35 - day);
    expected += line;
  }
  std::fputs("C-bad,32/01/2020\n\n\n", file);
  std::fclose(file);

  Import import(R"(extract a { key child = "ID"  sample age_days = age("Start") })");
  ImportSummary summary = import.file(path, "big.csv");
  std::remove(path);
  EXPECT_FALSE(summary.failed);
  EXPECT_EQ(summary.rows_read, 200001u);
  EXPECT_EQ(summary.imported, 200000u);
  EXPECT_EQ(summary.rejected, 1u);
  EXPECT_EQ(summary.blank_lines, 2u);
  EXPECT_EQ(summary.samples, 200000u);
  EXPECT_EQ(import.messages, (Lines{"big.csv:200002: column \"Start\": \"32/01/2020\" is not a real date"}));
  // Every sample, in row order, handed over in blocks of about 1 MiB, not all at the end and not
  // row by row.
  EXPECT_EQ(import.output.size(), 7'978'574u);
  EXPECT_TRUE(import.output == expected) << import.output.substr(0, 200);
  EXPECT_GE(import.flushes, 7u);
  EXPECT_LE(import.flushes, 9u);

  // A stream that is not a CSV file at all fails cleanly.
  Import empty(R"(extract a { key child = "ID"  sample age_days = age("Start") })");
  EXPECT_TRUE(empty.file("/dev/null", "empty.csv").failed);
  EXPECT_EQ(empty.output, "");
}

}  // namespace
}  // namespace bandwatch::extract
