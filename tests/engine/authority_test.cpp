// The checker is the one judge of a program (issue 14): Engine::load refuses exactly what the
// checker refuses, with the checker's diagnostics, and compiles whatever it accepts.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine_test_util.hpp"
#include "rules/checker.hpp"

namespace bandwatch::engine::testing {
namespace {

const std::string kPrelude = R"(metric open_case { unit count  labels child, worker, team }
metric staff { unit count  labels team, region }
metric plan_age { unit days  labels child, worker, team }
metric cases { unit count }
benchmark england { cases 3 }
)";

ast::File parsed(const std::string& text) {
  ParseResult result = parse(kPrelude + text, "t.bw");
  EXPECT_TRUE(result.ok()) << (result.diagnostics.empty() ? "" : result.diagnostics.front().message);
  return std::move(result.file);
}

std::vector<std::string> messages(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics)
    out.push_back(std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + ": " + d.message);
  return out;
}

TEST(Authority, WhatTheCheckerAcceptsCompiles) {
  for (const std::string text : {
           "rule r { when open_case > 1 and staff{region=\"north\"} > 2  severity red }\n",
           "rule r { when staff > 3 and cases > 1  severity red  message \"{team} was {previous}\" }\n",
           "rule r { when open_case > 1 and team == \"A\" and worker != team  severity red }\n",
           "rule r { when open_case > 1 and team not in (\"A\", \"B\")  severity red }\n",
           "rule r { when plan_age >= 2 years and plan_age + 14 days < 3 years  severity red }\n",
           "rule r { when prev(count(open_case) by (team)) > 1  severity red }\n",
           "rule r { when pct_change(open_case, 1 year, 45 days) > 5% and prev(open_case) > 1  severity red }\n",
           "rule r { when cases > england.cases  severity red  message \"{target} {benchmark.england}\" }\n",
           "metric d = open_case + staff{region=\"north\"}\nrule r { when d > 1 and team == \"A\"  severity red }\n",
           "indicator waited { unit days  cohort cases minimum 3  bands { green < 1 year  red >= 1 year } }\n",
       }) {
    ast::File file = parsed(text);
    EXPECT_EQ(messages(check({file})), std::vector<std::string>{}) << text;
    Engine engine;
    EXPECT_EQ(messages(engine.load({file}).diagnostics), std::vector<std::string>{}) << text;
  }
}

TEST(Authority, WhatTheCheckerRefusesIsRefusedInItsWords) {
  for (const std::string text : {
           "rule r { when open_case > 1 and staff > 3  severity red }\n",
           "rule r { when open_case > 1 and team in (worker)  severity red }\n",
           "rule r { when open_case > 1 and team < \"x\"  severity red }\n",
           "rule r { when prev(open_case * 2) > 1  severity red }\n",
           "rule r { when pct_change(open_case, 3 returns, 5 days) > 1%  severity red }\n",
           "rule r { when age(plan_age) > 3  severity red }\n",
           "rule r { when open_case > 1 and 2024-01-01 < 2024-02-01  severity red }\n",
           "rule r { when 1 > 2  severity red }\n",
           "rule r { when cases > 1 and open_case > 2  severity red  message \"was {previous}\" }\n",
           "rule r { when zzz > 1 }\n",
       }) {
    ast::File file = parsed(text);
    std::vector<Diagnostic> checked = check({file});
    ASSERT_TRUE(has_errors(checked)) << text;
    Engine engine;
    LoadResult loaded = engine.load({file});
    EXPECT_FALSE(loaded.ok());
    EXPECT_FALSE(engine.loaded());
    EXPECT_EQ(messages(loaded.diagnostics), messages(checked)) << text;
  }
}

TEST(Authority, TheCheckersWarningsAreNotRepeatedByALoad) {
  ast::File file = parsed("indicator cases { bands { green >= 5  red < 3 } }\n");
  ASSERT_FALSE(check({file}).empty());  // a gap between 3 and 5
  Engine engine;
  LoadResult loaded = engine.load({file});
  EXPECT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded.diagnostics.empty());
}

}  // namespace
}  // namespace bandwatch::engine::testing
