#include "csv_reader.hpp"  // internal to extract/

#include <gtest/gtest.h>

#include <csv.h>

#include <algorithm>
#include <cstdint>
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

std::string utf16(std::string_view ascii, bool big_endian) {
  std::string out;
  for (char c : ascii) {
    if (big_endian) out.push_back('\0');
    out.push_back(c);
    if (!big_endian) out.push_back('\0');
  }
  return out;
}

// Issue 13: UTF-16 without a byte order mark was read as rows of letters and NUL bytes.
TEST(CsvReader, Utf16WithoutAByteOrderMarkIsRefused) {
  const std::string kRefused =
      "1:0 fatal: the file is UTF-16 without a byte order mark (a NUL byte beside each letter); save it as "
      "\"CSV UTF-8\"";
  for (bool big_endian : {false, true}) {
    Collected collected = read_all(utf16("Child ID,Team\r\nC1,Hunts 1\r\n", big_endian));
    EXPECT_EQ(collected.rows, Rows{});
    EXPECT_EQ(collected.problems, Rows{kRefused}) << big_endian;
  }
  EXPECT_EQ(read_all(utf16("ab", false)).problems, Rows{kRefused});  // shorter than the bytes judged
}

// Issue 13: a NUL byte went into a label with exit 0.
TEST(CsvReader, ARecordWithANulByteIsRefusedAndTheRestRead) {
  const std::string kNul =
      ": a NUL byte: this is not text (a binary or damaged file, or UTF-16?); the record is not imported";
  Collected plain = read_all(std::string("a,b\n1,x\0y\n3,4\n", 14));
  EXPECT_EQ(plain.rows, (Rows{"1|a|b", "3|3|4"}));
  EXPECT_EQ(plain.problems, Rows{"2:2" + kNul});
  Collected quoted = read_all(std::string("a,b\n\"1\0\",2\n3,4\n", 15));
  EXPECT_EQ(quoted.rows, (Rows{"1|a|b", "3|3|4"}));
  EXPECT_EQ(quoted.problems, Rows{"2:1" + kNul});
}

// Issue 13: `import` of a 100 MB single-line file wrote 1.99 GB to stderr. A record over the
// limit is one problem, and memory does not follow it.
TEST(CsvReader, ARecordOverTheLimitIsOneProblemAndReadingGoesOn) {
  const std::string kLong = ":0: a record of more than 1 MiB: not a list this reads; skipped to the end of its line";
  std::string huge(CsvReader::kMaxRecordBytes + 10, 'x');
  for (std::size_t i = 1; i < huge.size(); i += 7) huge[i] = ',';
  for (const std::string& line : {huge, "\"" + huge + "\""}) {
    std::string text = "a,b\n" + line + "\n3,4\n";
    for (std::size_t chunk : {text.size(), std::size_t{1} << 16, std::size_t{1000}}) {
      Collected collected;
      CsvReader reader(collected);
      for (std::size_t at = 0; at < text.size(); at += chunk) reader.feed(std::string_view(text).substr(at, chunk));
      reader.finish();
      ASSERT_EQ(collected.rows.size(), 2u) << chunk;  // (not printed: a row over 1 MiB)
      EXPECT_EQ(collected.rows, (Rows{"1|a|b", "3|3|4"})) << chunk;
      EXPECT_EQ(collected.problems, Rows{"2" + kLong}) << chunk;
    }
  }
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

// Random text for the tests below: a linear congruential generator, so every run reads the same
// texts.
class RandomText {
 public:
  explicit RandomText(std::vector<std::string_view> alphabet) : alphabet_(std::move(alphabet)) {}
  std::string next_text() {
    std::string text;
    std::size_t length = next() % 40;
    for (std::size_t i = 0; i < length; ++i) text += alphabet_[next() % alphabet_.size()];
    return text;
  }

 private:
  std::uint32_t next() {
    state_ = state_ * 1664525u + 1013904223u;
    return state_ >> 8;
  }
  std::vector<std::string_view> alphabet_;
  std::uint32_t state_ = 12345;
};

// Text without quotes, read as the reader documents it, written out plainly: lines end at CRLF,
// LF or CR; a line of nothing but spaces and tabs is blank and skipped; every other line is one
// record, split at commas, each field trimmed of spaces and tabs. "line|field|field".
Rows reference_records(std::string_view text) {
  Rows rows;
  std::size_t line = 1;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find_first_of("\r\n", at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view content = text.substr(at, end - at);
    if (content.find_first_not_of(" \t") != std::string_view::npos) {
      std::string row = std::to_string(line);
      std::size_t from = 0;
      for (;;) {
        std::size_t comma = content.find(',', from);
        std::string_view field = content.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from);
        std::size_t first = field.find_first_not_of(" \t");
        field = first == std::string_view::npos ? std::string_view{} : field.substr(first, field.find_last_not_of(" \t") - first + 1);
        row += "|" + std::string(field);
        if (comma == std::string_view::npos) break;
        from = comma + 1;
      }
      rows.push_back(row);
    }
    at = end;
    if (at < text.size()) at += text.compare(at, 2, "\r\n") == 0 ? 2 : 1;
    ++line;
  }
  return rows;
}

// libcsv itself, called directly with its defaults (spaces and tabs trimmed around unquoted
// fields, empty lines not reported): each row's fields, "|field|field", without line numbers.
Rows libcsv_fields(std::string_view text) {
  struct LibcsvRows {
    Rows rows;
    std::string row;
  } out;
  csv_parser parser;
  EXPECT_EQ(csv_init(&parser, 0), 0);
  auto on_field = [](void* data, std::size_t size, void* self) {
    static_cast<LibcsvRows*>(self)->row += "|" + std::string(static_cast<const char*>(data), size);
  };
  auto on_row = [](int, void* self) {
    auto* rows = static_cast<LibcsvRows*>(self);
    rows->rows.push_back(rows->row);
    rows->row.clear();
  };
  EXPECT_EQ(csv_parse(&parser, text.data(), text.size(), on_field, on_row, &out), text.size());
  csv_fini(&parser, on_field, on_row, &out);
  csv_free(&parser);
  // A line of spaces is one empty field to libcsv and a blank line to the reader.
  std::erase(out.rows, std::string("|"));
  return out.rows;
}

Rows without_line_numbers(Rows rows) {
  for (std::string& row : rows) row.erase(0, row.find('|'));
  return rows;
}

// Whole lines without quotes take the reader's fast path; lines cut by a chunk end go through
// libcsv (read_all feeds every text whole and in chunks of 1 to 7 bytes). Both must give what
// libcsv itself gives, and the plainly written reference above.
TEST(CsvReader, FastPathAgreesWithLibcsvOnRandomText) {
  RandomText random({"a", "b", "1", ",", ",", " ", "\t", "\r\n", "\n", "\r", "xyz"});
  std::size_t records = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string text = random.next_text();
    Rows expected = reference_records(text);
    ASSERT_EQ(without_line_numbers(expected), libcsv_fields(text)) << "the reference disagrees with libcsv on " << testing::PrintToString(text);
    Collected collected = read_all(text);
    ASSERT_EQ(collected.rows, expected) << testing::PrintToString(text);
    EXPECT_TRUE(collected.problems.empty());
    records += expected.size();
  }
  EXPECT_EQ(records, 7'990u);  // the texts are not all empty
}

// With quotes anywhere, whatever the text, every chunking gives the same records and problems.
TEST(CsvReader, EveryChunkingReadsRandomTextWithQuotesAlike) {
  RandomText random({"a", "b", "1", ",", ",", " ", "\t", "\"", "\"\"", "\r\n", "\n", "\r", "xyz"});
  for (int round = 0; round < 2000; ++round) read_all(random.next_text());
}

TEST(CsvReader, SpacesAroundUnquotedFieldsAreTrimmed) {
  EXPECT_EQ(read_all("a , b\n 1 ,\" 2 \"\n").rows, (Rows{"1|a|b", "2|1| 2 "}));
}

}  // namespace
}  // namespace bandwatch::extract
