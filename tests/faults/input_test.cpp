// Issue 13, cases 1 and 5 as the commands meet them: input that is not what it should be (a
// huge single line, NUL bytes, UTF-16 without a byte order mark) is refused with one message,
// and no output grows with the input.
#include <gtest/gtest.h>

#include "faults.hpp"

namespace bandwatch::e2e {
namespace {

using namespace std::string_literals;

const std::string kList7Header =
    "Child Unique ID,Gender,Date of Birth,Allocated Team,Allocated Worker,Child protection plan start date,"
    "Initial Category of Abuse,Latest Category of Abuse,Date of last CP visit,Child Protection Plan End Date,"
    "Number of Previous Child Protection Plans\r\n";

Result import(const std::string& file) {
  return run({bandwatch_path(), "import", "--rules", examples(""), "--extract", "annex_a_list7", "--as-of",
              "2020-02-04", file});
}

// `import` of a 100 MB single-line file wrote 1.99 GB to stderr: each missing column listed the
// whole line as the file's columns.
TEST(Input, ImportOfAHugeSingleLineSaysSoOnce) {
  TempDir dir;
  std::string line;
  while (line.size() < (3u << 20)) line += "Column " + std::to_string(line.size()) + ",";
  write_text(dir / "huge.csv", line);
  Result result = import(dir / "huge.csv");
  EXPECT_EQ(result.code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, dir / "huge.csv" + ":1: a record of more than 1 MiB: not a list this reads; skipped to the "
                        "end of its line\n" + dir / "huge.csv" + ": rows read 0, imported 0, filtered 0, rejected 0, "
                        "0 samples (the file could not be imported)\nbandwatch import: nothing imported\n");

  // A header of 20,000 columns, none the mapping's: each missing column lists 40 of them.
  std::string wide;
  for (int i = 0; i < 20000; ++i) wide += "Column " + std::to_string(i) + ",";
  write_text(dir / "wide.csv", wide + "\n");
  Result listed = import(dir / "wide.csv");
  EXPECT_EQ(listed.code, 1);
  EXPECT_LT(listed.err.size(), 40'000u) << listed.err.size();
  EXPECT_NE(listed.err.find("\"Column 39\" and 19960 more"), std::string::npos) << listed.err.substr(0, 2000);
}

// A NUL byte went into a label with exit 0.
TEST(Input, ImportRefusesARowWithANulByte) {
  TempDir dir;
  write_text(dir / "list7.csv", kList7Header +
                                    "C1,a) Male,17/06/2009,Hunts 1,W0006,04/02/2019,Neglect,Neglect,,,0\r\n" +
                                    "C2,a) Male,17/06/2009,Hunts\0 1,W0007,04/02/2019,Neglect,Neglect,,,0\r\n"s);
  Result result = import(dir / "list7.csv");
  EXPECT_EQ(result.code, 4) << result.err;
  EXPECT_EQ(result.out.find('\0'), std::string::npos);
  EXPECT_NE(result.out.find("child=\"C1\""), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("child=\"C2\""), std::string::npos) << result.out;
  EXPECT_NE(result.err.find(dir / "list7.csv" + ":3: column \"Allocated Team\": a NUL byte: this is not text (a "
                            "binary or damaged file, or UTF-16?); the record is not imported\n"),
            std::string::npos)
      << result.err;
}

// UTF-16 without a byte order mark was read as garbage rows.
TEST(Input, ImportRefusesUtf16WithoutAByteOrderMark) {
  TempDir dir;
  std::string text = kList7Header + "C1,a) Male,17/06/2009,Hunts 1,W0006,04/02/2019,Neglect,Neglect,,,0\r\n";
  std::string utf16;
  for (char c : text) (utf16 += c) += '\0';
  write_text(dir / "list7.csv", utf16);
  Result result = import(dir / "list7.csv");
  EXPECT_EQ(result.code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err.substr(0, result.err.find('\n')),
            dir / "list7.csv" + ":1: the file is UTF-16 without a byte order mark (a NUL byte beside each letter); "
                                "save it as \"CSV UTF-8\"");
}

// `check` on a file with a NUL byte printed a diagnostic cut at the NUL, glued to the summary.
TEST(Input, CheckShowsALineWithANulByteWhole) {
  TempDir dir;
  write_text(dir / "nul.bw", "metric caseload { unit count }\nrule r { when caseload \0> 20 severity red }\n"s);
  Result result = run({bandwatch_path(), "check", dir / "nul.bw"});
  EXPECT_EQ(result.code, 1);
  EXPECT_EQ(result.err.find('\0'), std::string::npos);
  // The message is the parser's; the excerpt, the caret under the NUL and the summary are whole.
  EXPECT_EQ(result.err.substr(0, (dir / "nul.bw").size() + 12), dir / "nul.bw" + ":2:24: error");
  EXPECT_NE(result.err.find("'\\x00'\n"
                            " rule r { when caseload \\x00> 20 severity red }\n"
                            "                        ^\n"
                            "1 file checked: 1 error, 0 warnings\n"),
            std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace bandwatch::e2e
