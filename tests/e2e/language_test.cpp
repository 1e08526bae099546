// The language as an analyst meets it through the commands (issue 17): which files a folder
// contributes and saying so, `fmt --check` showing what would change.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

TEST(Language, FolderSearchLeavesOutWhatBwignoreAndExcludeSayAndSaysSo) {
  TempDir dir;
  std::filesystem::create_directories(dir / "rules/scratch");
  std::filesystem::create_directories(dir / "rules/.git");
  std::filesystem::create_directories(dir / "rules/tables");
  write_text(dir / "rules/routes.bw", "route panel {\n  title \"Corporate Parenting Panel\"\n}\n");
  write_text(dir / "rules/tables/cin.bw", "metric cin { unit count }\n");
  write_text(dir / "rules/tables/cin_draft.bw", "metric cin_draft {\n");  // broken: a draft
  write_text(dir / "rules/scratch/try.bw", "metric try {\n");               // broken: scratch work
  write_text(dir / "rules/.git/x.bw", "metric hidden {\n");                 // hidden folders: never
  write_text(dir / "rules/.bwignore", "# work in progress\nscratch/\n");

  Result plain = run({bandwatch_path(), "check", dir / "rules"});
  EXPECT_EQ(plain.code, 1) << plain.err;  // the draft is still read
  EXPECT_NE(plain.err.find("cin_draft.bw:2:1: error: metric 'cin_draft' (line 1) is not closed at the end of the "
                           "file: add '}'"),
            std::string::npos)
      << plain.err;
  EXPECT_NE(plain.err.find("1 path excluded by .bwignore or --exclude (-v lists them)\n"), std::string::npos)
      << plain.err;

  Result excluded = run({bandwatch_path(), "check", "-v", "--exclude", "*_draft.bw", dir / "rules"});
  EXPECT_EQ(excluded.code, 0) << excluded.err;
  EXPECT_EQ(excluded.out, "read " + dir / "rules/routes.bw\n" +
                              "read " + dir / "rules/tables/cin.bw\n" +
                              "skipped " + dir / "rules/scratch/ (excluded by scratch/ in " + dir / "rules/.bwignore)\n" +
                              "skipped " + dir / "rules/tables/cin_draft.bw (excluded by *_draft.bw in --exclude)\n" +
                              "2 files checked: 0 errors, 0 warnings\n");

  // A file named on the command line is read whatever the patterns say.
  Result named = run({bandwatch_path(), "check", "--exclude", "*_draft.bw", dir / "rules/tables/cin_draft.bw"});
  EXPECT_EQ(named.code, 1);

  // `test` and `eval` search folders the same way.
  Result test = run({bandwatch_path(), "test", "--exclude", "*_draft.bw", dir / "rules"});
  EXPECT_EQ(test.code, 0) << test.err;
  EXPECT_EQ(test.out, "0 tests, 0 passed, 0 failed (0 expectations not met)\n");
}

TEST(Language, FmtCheckPrintsWhatWouldChangeAsAUnifiedDiff) {
  TempDir dir;
  std::string text =
      "# Workload Pressures\n"
      "route workload_pressures {\n"
      "  title \"Workload Pressures meeting\"\n"
      "}\n"
      "\n"
      "metric   unallocated_cases {labels team  unit count}\n"
      "\n"
      "rule cases_unallocated {\n"
      "  when unallocated_cases > 0\n"
      "  severity red\n"
      "  route workload_pressures\n"
      "}";
  write_text(dir / "w.bw", text);
  Result check = run({bandwatch_path(), "fmt", "--check", dir / "w.bw"});
  EXPECT_EQ(check.code, 1) << check.err;
  EXPECT_EQ(check.out, "--- " + dir / "w.bw\n" +
                           "+++ " + dir / "w.bw (formatted)\n" +
                           "@@ -3,10 +3,13 @@\n"
                           "   title \"Workload Pressures meeting\"\n"
                           " }\n"
                           " \n"
                           "-metric   unallocated_cases {labels team  unit count}\n"
                           "+metric unallocated_cases {\n"
                           "+  unit count\n"
                           "+  labels team\n"
                           "+}\n"
                           " \n"
                           " rule cases_unallocated {\n"
                           "   when unallocated_cases > 0\n"
                           "   severity red\n"
                           "   route workload_pressures\n"
                           "-}\n"
                           "\\ No newline at end of file\n"
                           "+}\n");
  EXPECT_EQ(read_text(dir / "w.bw"), text);  // --check changes nothing

  Result formatted = run({bandwatch_path(), "fmt", dir / "w.bw"});
  EXPECT_EQ(formatted.code, 0) << formatted.err;
  Result again = run({bandwatch_path(), "fmt", "--check", dir / "w.bw"});
  EXPECT_EQ(again.code, 0);
  EXPECT_EQ(again.out, "");
}

}  // namespace
}  // namespace bandwatch::e2e
