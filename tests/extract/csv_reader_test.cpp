#include "csv_reader.hpp"  // internal to extract/

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bandwatch::extract {
namespace {

struct Collected : CsvSink {
  std::vector<std::string> rows;  // "line|field|field"
  std::vector<std::string> problems;
  void on_record(const CsvRecord& record) override {
    std::string row = std::to_string(record.line);
    for (std::string_view field : record.fields) row += "|" + std::string(field);
    rows.push_back(row);
  }
  void on_problem(const CsvProblem& problem) override {
    problems.push_back(std::to_string(problem.line) + ":" + std::to_string(problem.column) +
                       (problem.fatal ? " fatal: " : ": ") + problem.message);
  }
};

// Feeds `text` in chunks of every size from 1 byte up, so state carried across chunk ends
// (CR|LF, BOM, quotes) is exercised; every split must give the same answer.
Collected read_all(std::string_view text, std::size_t* blank_lines = nullptr) {
  Collected first;
  for (std::size_t chunk : {text.size() + 1, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{4},
                            std::size_t{5}, std::size_t{7}}) {
    Collected collected;
    CsvReader reader(collected);
    for (std::size_t at = 0; at < text.size(); at += chunk) reader.feed(text.substr(at, chunk));
    reader.finish();
    if (chunk == text.size() + 1) {
      first = collected;
      if (blank_lines) *blank_lines = reader.blank_lines();
    } else {
      EXPECT_EQ(collected.rows, first.rows) << "chunk " << chunk;
      EXPECT_EQ(collected.problems, first.problems) << "chunk " << chunk;
    }
  }
  return first;
}

using Rows = std::vector<std::string>;

TEST(CsvReader, PlainLfAndCrlf) {
  EXPECT_EQ(read_all("a,b\n1,2\n").rows, (Rows{"1|a|b", "2|1|2"}));
  EXPECT_EQ(read_all("a,b\r\n1,2\r\n3,4").rows, (Rows{"1|a|b", "2|1|2", "3|3|4"}));
  EXPECT_EQ(read_all("a,b\r1,2\r").rows, (Rows{"1|a|b", "2|1|2"}));  // old Mac CR
}

TEST(CsvReader, ByteOrderMarkIsSkipped) {
  EXPECT_EQ(read_all("\xEF\xBB\xBF" "Child ID,Team\r\nC1,T\r\n").rows, (Rows{"1|Child ID|Team", "2|C1|T"}));
  EXPECT_EQ(read_all("\xEF\xBB\xBF").rows, Rows{});
  EXPECT_EQ(read_all("a").rows, Rows{"1|a"});
}

TEST(CsvReader, Utf16IsRefused) {
  Collected collected = read_all(std::string("\xFF\xFE" "a\0,\0", 6));
  EXPECT_EQ(collected.problems, Rows{"1:0 fatal: the file is UTF-16; save it as \"CSV UTF-8\""});
}

TEST(CsvReader, QuotedCommasQuotesAndLineBreaks) {
  Collected collected = read_all(
      "id,note,team\r\n"
      "1,\"Smith, J\",T1\r\n"
      "2,\"said \"\"no\"\"\",T2\r\n"
      "3,\"line one\r\nline two\nline three\",T3\r\n"
      "4,x,T4\r\n");
  EXPECT_EQ(collected.rows, (Rows{"1|id|note|team", "2|1|Smith, J|T1", "3|2|said \"no\"|T2",
                                  "4|3|line one\r\nline two\nline three|T3", "7|4|x|T4"}));
  EXPECT_TRUE(collected.problems.empty());
}

TEST(CsvReader, BlankLinesAreSkippedAndCounted) {
  std::size_t blank = 0;
  Collected collected = read_all("a,b\r\n\r\n1,2\r\n   \r\n3,4\r\n\r\n\r\n", &blank);
  EXPECT_EQ(collected.rows, (Rows{"1|a|b", "3|1|2", "5|3|4"}));
  EXPECT_EQ(blank, 4u);
  EXPECT_TRUE(collected.problems.empty());
}

TEST(CsvReader, TrailingEmptyColumnsAreFields) {
  EXPECT_EQ(read_all("a,b,,\n1,2,,\n").rows, (Rows{"1|a|b||", "2|1|2||"}));
}

TEST(CsvReader, MalformedQuotingRejectsOneRecordAndResumes) {
  Collected collected = read_all("a,b\n1,\"x\"y\n2,ok\n3,ab\"c\n4,fine\n");
  EXPECT_EQ(collected.rows, (Rows{"1|a|b", "3|2|ok", "5|4|fine"}));
  ASSERT_EQ(collected.problems.size(), 2u);
  EXPECT_EQ(collected.problems[0].substr(0, 24), "2:2: malformed quoting (");
  EXPECT_EQ(collected.problems[1].substr(0, 24), "4:2: malformed quoting (");
}

TEST(CsvReader, MalformedQuotingAfterAMultiLineFieldKeepsLineNumbers) {
  Collected collected = read_all("a,b\r\n\"x\r\ny\"z,1\r\n2,ok\r\n");
  EXPECT_EQ(collected.rows, (Rows{"1|a|b", "4|2|ok"}));
  ASSERT_EQ(collected.problems.size(), 1u);
  EXPECT_EQ(collected.problems[0].substr(0, 5), "2:1: ");
}

TEST(CsvReader, UnclosedQuoteIsFatalAndSaysHowMuchIsLost) {
  Collected collected = read_all("a,b\n1,2\n3,\"open\n4,5\n6,7\n");
  EXPECT_EQ(collected.rows, (Rows{"1|a|b", "2|1|2"}));
  ASSERT_EQ(collected.problems.size(), 1u);
  EXPECT_EQ(collected.problems[0],
            "3:2 fatal: a quoted field opens here and is never closed: the 4 line(s) from here to "
            "the end of the file are not imported");
}

// Whole lines without quotes take a fast path; lines cut by a chunk end, and lines with quotes,
// go through libcsv. Random text read both ways must give the same records and problems.
TEST(CsvReader, FastPathAgreesWithLibcsvOnRandomText) {
  std::uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  const std::string_view alphabet[] = {"a", "b", "1", ",", ",", " ", "\t", "\"", "\"\"", "\r\n", "\n", "\r", "xyz"};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    std::size_t length = next() % 40;
    for (std::size_t i = 0; i < length; ++i) text += alphabet[next() % std::size(alphabet)];
    read_all(text);  // compares every chunking with reading it whole
  }
}

TEST(CsvReader, SpacesAroundUnquotedFieldsAreTrimmed) {
  EXPECT_EQ(read_all("a , b\n 1 ,\" 2 \"\n").rows, (Rows{"1|a|b", "2|1| 2 "}));
}

}  // namespace
}  // namespace bandwatch::extract
