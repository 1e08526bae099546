// Issue 13, case 1: what one batch can cost is bounded whatever it holds. 20 MB of junk lines
// made a 566 MB answer (each problem in full, each unknown metric a reason of its own); now the
// lines of a batch, the text each problem quotes and the reasons counted are bounded.
#include "engine/batch.hpp"
#include "engine_test_util.hpp"

namespace bandwatch::engine::testing {
namespace {

TEST(BatchLimits, ABatchOverTheLineLimitIsRefusedWholeBeforeAnyLineIsRead) {
  Engine engine;
  load(engine, "metric caseload { unit count  labels worker }");
  BatchOptions options;
  options.as_of = day("2020-02-04");
  options.limits.max_lines = 3;
  EXPECT_EQ(batch_size_problem("a\nb\nc\n", options.limits), std::nullopt);
  EXPECT_EQ(batch_size_problem("a\nb\nc", options.limits), std::nullopt);
  BatchOutcome outcome = ingest_batch(engine, "caseload{worker=\"W1\"} 1\nx\nx\nx\n", options);
  EXPECT_EQ(outcome.refused_whole,
            "a batch of more than 3 lines is over the limit (--max-batch-lines): split it (a date's batches add up "
            "until it closes)");
  EXPECT_EQ(outcome.accepted, 0u);
  EXPECT_EQ(engine.series_count(), 0u);
}

TEST(BatchLimits, ProblemsQuoteBoundedTextAndCountUnderBoundedReasons) {
  Engine engine;
  load(engine, "metric caseload { unit count  labels worker }");
  BatchOptions options;
  options.as_of = day("2020-02-04");
  options.limits.max_reported = 2;
  std::string body = std::string(5000, 'm') + " 1\n";  // an unknown metric named by 5,000 letters
  for (int i = 0; i < 1000; ++i) body += "junk" + std::string(1, static_cast<char>('a' + i % 26)) + std::to_string(i) + " 1\n";
  BatchOutcome outcome = ingest_batch(engine, body, options);
  ASSERT_EQ(outcome.problems.size(), 2u);
  EXPECT_EQ(outcome.problems[0].message.size(), kMaxProblemBytes);
  EXPECT_EQ(outcome.problems[0].message, "unknown metric '" + std::string(kMaxProblemBytes - 19, 'm') + "...");
  EXPECT_EQ(outcome.refused, 1001u);
  // "unknown metric 'junkaN'", "'junkbN'", ...: 26 reasons, of which 20 are kept.
  EXPECT_EQ(outcome.unreported.size(), kMaxReasons + 1);
  std::size_t counted = 0;
  for (const auto& [reason, count] : outcome.unreported) counted += count;
  EXPECT_EQ(counted, 999u);
  EXPECT_EQ(outcome.unreported.count("other problems"), 1u);
}

// Found by the ingest fuzzer: reasons that differ only in bytes that are not UTF-8 became one
// key of the reply's JSON, so the reply read back counted fewer reasons than were sent.
TEST(BatchLimits, UnreportedReasonsAreAsciiSoTheyStayApartOnTheWire) {
  Engine engine;
  load(engine, "metric caseload { unit count  labels worker }");
  BatchOptions options;
  options.as_of = day("2020-02-04");
  options.limits.max_reported = 1;
  std::string body = "first 1\ncaseload{worker=\"a\"} 1 x\xd0\ncaseload{worker=\"a\"} 1 x\xcd\ncaseload{worker=\"a\"} 1 x\x01\x02\n";
  BatchOutcome outcome = ingest_batch(engine, body, options);
  const std::string reason = "error: the date after the value: expected a date such as N-N-N or N/N/N, found ";
  EXPECT_EQ(outcome.unreported, (std::map<std::string, std::size_t>{{reason + "'x?'", 2}, {reason + "'x?\?'", 1}}));
}

}  // namespace
}  // namespace bandwatch::engine::testing
