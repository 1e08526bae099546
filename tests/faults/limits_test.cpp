// Issue 13, cases 1 and 2: one client's batch bounds what the daemon does. Every limit is named
// with the option that sets it; a batch's answer holds the first problems in full and counts the
// rest; a batch over --max-batch-lines is refused up front (so no batch keeps the serving thread
// from control for long), and `send` splits a large date into batches under it; an id reused for
// different content is refused, not dropped as a repeat.
#include <gtest/gtest.h>

#include <thread>

#include "faults.hpp"

namespace bandwatch::e2e {
namespace {

class Limits : public DaemonTest {
 protected:
  Limits()
      : DaemonTest({"--max-batch-lines", "6", "--max-reported-lines", "2", "--max-label-value-bytes", "16",
                    "--max-control-bytes", "1024", "--max-batch-bytes", "4000"}) {}
};

TEST_F(Limits, ABatchOverTheLineLimitIsRefusedWholeAndSendSplitsUnderIt) {
  std::string lines;
  for (int worker = 1; worker <= 10; ++worker)
    lines += "caseload{worker=\"W" + std::to_string(worker) + "\",team=\"T\"} 5 2020-02-04\n";
  std::string samples = file("ten.txt", lines);

  Result whole = daemon_->send_open({"--batch-lines", "100", samples});
  EXPECT_EQ(whole.code, 1) << whole.err;
  EXPECT_EQ(whole.err, "bandwatch send: batch for 2020-02-04 refused: a batch of more than 6 lines is over the "
                       "limit (--max-batch-lines): split it (a date's batches add up until it closes)\n");
  EXPECT_EQ(daemon_->status()["batches"], 0);

  // Split by the client (5 lines a batch): both parts applied, once each.
  Result split = daemon_->send_open({"--batch-lines", "5", samples});
  EXPECT_EQ(split.code, 0) << split.err;
  EXPECT_EQ(split.out.substr(0, split.out.find(" [")), "2020-02-04: ok, 5 sample(s)");
  std::string second = split.out.substr(split.out.find('\n') + 1);
  EXPECT_EQ(second.substr(0, second.find(" [")), "2020-02-04: ok, 5 sample(s)");
  EXPECT_EQ(daemon_->status()["batches"], 2);
}

TEST_F(Limits, ProblemsBeyondTheReportedOnesAreCountedByReason) {
  std::string samples = file("bad.txt",
                             "caseload{worker=\"A-very-long-worker-name\",team=\"T\"} 5 2020-02-04\n"
                             "nosuch 1 2020-02-04\n"
                             "nosuch 2 2020-02-04\n"
                             "nosuch 3 2020-02-04\n"
                             "caseload{worker=\"W1\",team=\"T\"} 5 2020-02-04\n");
  Result sent = daemon_->send_open({samples});
  EXPECT_EQ(sent.code, 4) << sent.err;
  EXPECT_EQ(sent.err,
            samples + ":1:10: error: the value of label 'worker' (23 bytes) is over the limit of 16 "
                      "(--max-label-value-bytes)\n" +
                samples + ":2:1: error: unknown metric 'nosuch': the rules declare no metric, "
                "indicator or extract sample of that name\n"
                "bandwatch send: 2020-02-04: 2 more line(s) not listed: error: unknown metric 'nosuch': the rules "
                "declare no metric, indicator or extract sample of that name\n");
  EXPECT_EQ(sent.out.substr(0, sent.out.find(" [")), "2020-02-04: ok, 1 sample(s), 2 line(s) rejected");
}

TEST_F(Limits, AControlRequestOverTheLimitIsRefusedNamingIt) {
  std::string request = R"({"command":"status","padding":")" + std::string(2000, 'x') + "\"}";
  std::optional<std::vector<std::string>> answer = raw_request(daemon_->control_endpoint, {request});
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->size(), 1u);
  json reply = json::parse(answer->front());
  EXPECT_EQ(reply["error"], "a request of 2033 bytes is over the limit of 1024 (--max-control-bytes)");
}

TEST_F(Limits, AFrameOverTheLimitThatZeroMqCutsOffIsLoggedWithThePeer) {
  // libzmq drops the connection before the daemon reads anything: no answer can be given, so
  // the log says it, naming the client and the limit.
  std::string header = R"({"as_of":"2020-02-04"})";
  std::optional<std::vector<std::string>> answer =
      raw_request(daemon_->ingest, {"b1", header, std::string(100000, 'x')}, false, std::chrono::milliseconds(1500));
  EXPECT_FALSE(answer);
  std::string expected = "closed without one whole request read from it: the client went away first, or sent a frame "
                         "over 69536 bytes (--max-batch-bytes plus 64 KiB), which ZeroMQ cuts off by dropping the "
                         "connection";
  EXPECT_TRUE(wait_until([&] { return daemon_->log().find(expected) != std::string::npos; }, std::chrono::seconds(10)))
      << daemon_->log();
  EXPECT_NE(daemon_->log().find("ingest: the connection from 127.0.0.1:"), std::string::npos);
  // A client that is answered leaves no such line (once the closes above are all told: counted
  // when the count has stood still for half a second, which a loaded machine may take a while to).
  auto count_lines = [&] {
    std::size_t lines = 0;
    for (std::size_t at = 0; (at = daemon_->log().find(expected, at)) != std::string::npos; ++at) ++lines;
    return lines;
  };
  std::size_t lines_before = count_lines();
  for (int quiet = 0; quiet < 5;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::size_t now = count_lines();
    quiet = now == lines_before ? quiet + 1 : 0;
    lines_before = now;
  }
  Result sent = daemon_->send_open({file("one.txt", "caseload{worker=\"W1\",team=\"T\"} 5 2020-02-04\n")});
  EXPECT_EQ(sent.code, 0) << sent.err;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(count_lines(), lines_before);
}

TEST_F(Limits, AnIdReusedForDifferentContentIsRefusedNamingIt) {
  std::string header = R"({"as_of":"2020-02-04"})";
  auto ask = [&](const std::string& body) {
    std::optional<std::vector<std::string>> answer = raw_request(daemon_->ingest, {"b1", header, body});
    EXPECT_TRUE(answer && answer->size() == 1);
    return answer && answer->size() == 1 ? json::parse(answer->front()) : json();
  };
  json first = ask("caseload{worker=\"W1\",team=\"T\"} 5\n");
  EXPECT_EQ(first["status"], "ok");
  json other = ask("caseload{worker=\"W2\",team=\"T\"} 30\n");
  EXPECT_EQ(other["status"], "error");
  EXPECT_EQ(other["error"], "batch id 'b1' was used before for different content: nothing of this batch was "
                            "applied; give each batch its own id (bandwatch send derives it from the content)");
  json again = ask("caseload{worker=\"W1\",team=\"T\"} 5\n");
  EXPECT_EQ(again["status"], "ok");
  EXPECT_EQ(again["duplicate"], true);
  EXPECT_NE(daemon_->log().find("ingest: batch b1 refused: its id was used before for different content"),
            std::string::npos);
  EXPECT_EQ(daemon_->status()["batches"], 1);
}

}  // namespace
}  // namespace bandwatch::e2e
