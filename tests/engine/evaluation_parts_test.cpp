// An evaluation handed over in parts (Engine::evaluate with a part size, as the daemon writes a
// date's events while the rest are decided) yields the same events, in the same order, as one
// evaluation whole; each part ends between indicators or rules, never inside one.
#include <map>
#include <set>

#include "engine_test_util.hpp"

namespace bandwatch::engine::testing {
namespace {

constexpr std::string_view kRules = R"(
metric caseload { unit count  labels worker }
metric timeliness { unit percent  labels team }
route workload_pressures { title "Workload Pressures meeting" }
rule caseload_high {
  when     caseload > 20
  severity amber
  escalate red after 2 periods
  route    workload_pressures
  message  "{worker} holds {value} cases"
}
rule caseload_very_high {
  when     caseload > 25
  severity red
  route    workload_pressures
  message  "{worker} holds {value} cases"
}
indicator timeliness { unit percent  better higher  frame snapshot
  bands { green >= 95%  amber >= 90% and < 95%  red < 90% } }
)";

std::string day_lines(int date_index) {
  std::string out;
  for (int w = 0; w < 30; ++w)
    out += "caseload{worker=\"W" + std::to_string(100 + w) + "\"} " + std::to_string(15 + (w * 7 + date_index * 5) % 14) + "\n";
  for (int t = 0; t < 12; ++t)
    out += "timeliness{team=\"T" + std::to_string(t) + "\"} " + std::to_string(85 + (t * 3 + date_index * 4) % 14) + "\n";
  return out;
}

TEST(EvaluationParts, TheSameEventsInTheSameOrderEachPartEndingBetweenRules) {
  const char* dates[] = {"2026-01-05", "2026-01-19", "2026-02-02", "2026-02-16"};
  Engine whole, parted;
  load(whole, kRules);
  load(parted, kRules);
  std::size_t total = 0;
  for (int d = 0; d < 4; ++d) {
    Date date = day(dates[d]);
    send(whole, day_lines(d), date);
    send(parted, day_lines(d), date);
    Evaluation expected = whole.evaluate(date);
    ASSERT_TRUE(expected.ok) << expected.error;
    std::vector<std::vector<Event>> parts;
    Evaluation got = parted.evaluate(date, 5, [&](std::vector<Event>&& part) { parts.push_back(std::move(part)); });
    ASSERT_TRUE(got.ok) << got.error;
    EXPECT_TRUE(got.events.empty());
    ASSERT_FALSE(parts.empty());
    std::vector<Event> joined;
    std::set<std::string> rules_done;  // rules whose events an earlier part held
    for (std::size_t p = 0; p < parts.size(); ++p) {
      if (p + 1 < parts.size()) {
        EXPECT_GE(parts[p].size(), 5u) << "part " << p << " of " << dates[d];
      }
      std::set<std::string> rules_here;
      for (const Event& event : parts[p]) {
        EXPECT_FALSE(rules_done.count(event.rule)) << event.rule << " split across parts on " << dates[d];
        rules_here.insert(event.rule);
        joined.push_back(event);
      }
      rules_done.insert(rules_here.begin(), rules_here.end());
    }
    EXPECT_EQ(describe(joined), describe(expected.events)) << dates[d];
    ASSERT_EQ(joined.size(), expected.events.size());
    for (std::size_t i = 0; i < joined.size(); ++i) {
      EXPECT_EQ(joined[i].alert_id, expected.events[i].alert_id);
      EXPECT_EQ(joined[i].message, expected.events[i].message);
    }
    if (d == 0) {
      EXPECT_EQ(parts.size(), 2u);  // caseload_high's fired alerts, then the rest
    }
    total += joined.size();
    for (auto& part : parts) parted.recycle(std::move(part));
  }
  EXPECT_EQ(total, 145u);  // the four dates' events (fired, escalated, resolved), as the whole evaluations gave
}

}  // namespace
}  // namespace bandwatch::engine::testing
