// `bandwatch explain` against golden outputs: a rule's series before it fires (pending), once it
// fires and escalates, an indicator's band in force; and the errors a person meets.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct Output {
  int status = -1;
  std::string out;  // standard output and error
};

Output explain(const std::string& args) {
  std::string testdata = BANDWATCH_TESTDATA;
  std::string command = std::string(BANDWATCH_PATH) + " explain " + args + " " + testdata + "/program.bw " +
                        testdata + "/samples.txt 2>&1";
  Output run;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) run.out.append(buffer, n);
  int status = ::pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  // Paths in messages are the test data's: shown relative, so the goldens do not depend on the checkout.
  for (std::size_t at; (at = run.out.find(testdata + "/")) != std::string::npos;) run.out.erase(at, testdata.size() + 1);
  return run;
}

std::string golden(const std::string& name) {
  std::ifstream in(std::string(BANDWATCH_TESTDATA) + "/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Explain, RulePendingForItsSecondReturn) {
  Output run = explain("heavy_caseload --at 2020-01-10 --labels worker=W1");
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, golden("rule_pending.golden"));
}

TEST(Explain, RuleFiredThenEscalated) {
  Output run = explain("heavy_caseload --at 2020-02-04 --labels worker=W1,team=A");
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, golden("rule_escalated.golden"));
}

TEST(Explain, RuleWhoseConditionDoesNotHold) {
  Output run = explain("heavy_caseload --at 2020-01-31 --labels worker=W2");
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, golden("rule_not_holding.golden"));
}

TEST(Explain, IndicatorBandInForce) {
  Output run = explain("visits --at 21/01/2020");
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, golden("indicator.golden"));
}

TEST(Explain, SeveralSeriesAskForLabels) {
  Output run = explain("heavy_caseload --at 2020-02-04");
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.out,
            "bandwatch explain: 2 series of 'heavy_caseload' match; choose one with --labels:\n"
            "  team=\"A\", worker=\"W1\"\n"
            "  team=\"A\", worker=\"W2\"\n");
}

TEST(Explain, UnknownNameSaysWhatItMightBe) {
  Output run = explain("heavy_caseloads --at 2020-02-04");
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.out.substr(0, run.out.find('\n')),
            "bandwatch explain: no rule or indicator named 'heavy_caseloads'; did you mean 'heavy_caseload'?");
}

TEST(Explain, BeforeAnySample) {
  Output run = explain("visits --at 2019-12-31");
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out, "bandwatch explain: no samples dated on or before 2019-12-31\n");
}

}  // namespace
