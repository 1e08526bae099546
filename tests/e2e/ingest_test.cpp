// Ingest through the real daemon and the real `bandwatch send`: ok only after commit, repeats
// not applied twice, bad lines named, strict batches, malformed and oversized requests answered
// with errors, and Lazy Pirate's retry and give-up.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <map>
#include <mutex>
#include <thread>
#include <zmq.hpp>

#include "protocol/protocol.hpp"
#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

class IngestTest : public DaemonTest {
 protected:
  IngestTest() : DaemonTest({"--max-batch-bytes", "4096"}) {}
};

TEST_F(IngestTest, OkThenRepeatIsNotAppliedTwice) {
  std::string samples = file("s.txt",
                             "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n"
                             "unallocated_cases{team=\"Hunts 1\"} 3 2020-02-04\n"
                             "caseload{worker=\"W1\",team=\"Hunts 1\"} 23 2020-02-18\n");
  Result first = daemon_->send({samples});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_NE(first.out.find("2020-02-04: ok, 2 sample(s)"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("2020-02-18: ok, 1 sample(s)"), std::string::npos) << first.out;
  std::size_t events = daemon_->event_log().size();
  EXPECT_EQ(events, 2u);  // fired: W1's caseload and Hunts 1's unallocated cases

  Result again = daemon_->send({samples, "--format", "json"});
  ASSERT_EQ(again.code, 0) << again.err;
  std::istringstream lines(again.out);
  std::string line;
  int batches = 0;
  while (std::getline(lines, line)) {
    json reply = json::parse(line);
    EXPECT_EQ(reply["status"], "ok");
    EXPECT_TRUE(reply["duplicate"].get<bool>());
    ++batches;
  }
  EXPECT_EQ(batches, 2);
  EXPECT_EQ(daemon_->event_log().size(), events);
  json status = daemon_->status();
  EXPECT_EQ(status["batches"], 2);
  EXPECT_EQ(status["last_as_of"], "2020-02-18");
}

// Several clients at once, each batch also sent by a second client, while the daemon evaluates
// one group and writes the one before: every batch is applied once, every request is answered
// `ok`, exactly one answer per batch is not a repeat, and the event log has no gaps.
TEST_F(IngestTest, ConcurrentClientsAndRepeatsWhileCommitsAreInFlight) {
  constexpr int kBatches = 60, kClients = 6;
  std::vector<std::array<std::string, 3>> batches;
  Date as_of = Date::from_ymd(2020, 2, 4);
  for (int b = 0; b < kBatches; ++b) {
    std::string body;
    for (int w = 0; w < 40; ++w)  // every worker above 20 in even batches, back to 10 in odd ones
      body += "caseload{worker=\"W" + std::to_string(w) + "\",team=\"T" + std::to_string(b % 3) + "\"} " +
              (b % 2 == 0 ? "25" : "10") + " 2020-02-04\n";
    body += "# batch " + std::to_string(b) + "\n";
    protocol::IngestHeader header{as_of, false};
    batches.push_back({protocol::content_batch_id(header, body), protocol::encode_ingest_header(header), body});
  }
  std::mutex mutex;
  std::map<std::string, int> originals;  // batch id -> answers that were not repeats
  int answered = 0;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&, c] {
      // Client c sends batches c, c + kClients/2, ...: each batch goes out from two clients.
      for (int b = c % (kClients / 2); b < kBatches; b += kClients / 2) {
        auto reply = raw_request(daemon_->ingest, {batches[b][0], batches[b][1], batches[b][2]}, false, 20s);
        std::lock_guard lock(mutex);
        if (!reply || reply->size() != 1) continue;
        json answer = json::parse(reply->front());
        if (answer["status"] != "ok") continue;
        ++answered;
        if (!answer.value("duplicate", false)) ++originals[batches[b][0]];
      }
    });
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(answered, 2 * kBatches);
  // Sixty batches of one date: nothing is decided until the date closes.
  EXPECT_EQ(daemon_->status()["open_date"], "2020-02-04");
  EXPECT_EQ(daemon_->status()["sequence"], 0);
  ASSERT_EQ(daemon_->close_date().code, 0);
  EXPECT_EQ(originals.size(), static_cast<std::size_t>(kBatches));
  for (const auto& [id, count] : originals) EXPECT_EQ(count, 1) << id;
  json status = daemon_->status();
  EXPECT_EQ(status["batches"], kBatches);
  std::vector<json> log = daemon_->event_log();
  ASSERT_FALSE(log.empty());
  for (std::size_t i = 0; i < log.size(); ++i) EXPECT_EQ(log[i]["sequence"], i + 1);
  EXPECT_EQ(status["sequence"], log.size());
}

TEST_F(IngestTest, BadLinesAreNamedAndGoodLinesApplied) {
  std::string samples = file("bad.txt",
                             "unallocated_cases{team=\"Hunts 1\"} 3 2020-02-04\n"
                             "unallocated_casez{team=\"Hunts 2\"} 1 2020-02-04\n"
                             "unallocated_cases{team=\"Hunts 2\",worker=\"W1\"} 1 2020-02-04\n"
                             "unallocated_cases{team=\"Hunts 3\" 1 2020-02-04\n"
                             "unallocated_cases{team=\"Hunts 4\"} many 2020-02-04\n");
  Result result = daemon_->send({samples});
  EXPECT_EQ(result.code, 4);  // done, with lines the user must read
  EXPECT_NE(result.err.find(samples + ":2:1: error: unknown metric 'unallocated_casez'; did you mean "
                                      "'unallocated_cases'?"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find(samples + ":3:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("has no label 'worker'"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(samples + ":4:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(samples + ":5:"), std::string::npos) << result.err;
  EXPECT_NE(result.out.find("ok, 1 sample(s), 4 line(s) rejected"), std::string::npos) << result.out;
  json snapshot = daemon_->snapshot();
  ASSERT_EQ(snapshot["alerts"].size(), 1u);
  EXPECT_EQ(snapshot["alerts"][0]["rule"], "cases_unallocated");
}

TEST_F(IngestTest, StrictBatchWithABadLineAppliesNothing) {
  std::string samples = file("strict.txt",
                             "unallocated_cases{team=\"Hunts 1\"} 3 2020-02-04\n"
                             "unallocated_cases{team=\"Hunts 1\",worker=\"W1\"} 1 2020-02-04\n");
  Result result = daemon_->send({"--strict", samples});
  EXPECT_EQ(result.code, 1);
  EXPECT_NE(result.err.find("refused: strict batch with 1 bad line(s): nothing of it was applied"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find(samples + ":2:"), std::string::npos) << result.err;
  json status = daemon_->status();
  EXPECT_EQ(status["batches"], 0);
  EXPECT_EQ(status["series"], 0);
  EXPECT_TRUE(daemon_->snapshot()["alerts"].empty());

  // The same lines, fixed, go in whole.
  std::string fixed = file("fixed.txt", "unallocated_cases{team=\"Hunts 1\"} 3 2020-02-04\n");
  ASSERT_EQ(daemon_->send({"--strict", fixed}).code, 0);
  EXPECT_EQ(daemon_->snapshot()["alerts"].size(), 1u);
}

TEST_F(IngestTest, MalformedRequestsGetErrorsAndTheDaemonCarriesOn) {
  auto ask = [&](const std::vector<std::string>& frames, bool dealer = false) {
    auto reply = raw_request(daemon_->ingest, frames, dealer);
    EXPECT_TRUE(reply) << "no answer";
    if (!reply) return json();
    // A DEALER gets the empty delimiter frame back too.
    return json::parse(reply->back());
  };
  const std::string header = R"({"v":1,"as_of":"2020-02-04"})";
  json answer = ask({"only-an-id"});
  EXPECT_EQ(answer["status"], "error");
  EXPECT_NE(answer["error"].get<std::string>().find("expected [batch-id, header, samples...]"), std::string::npos);
  answer = ask({"id with spaces", header, "x 1\n"});
  EXPECT_NE(answer["error"].get<std::string>().find("batch id"), std::string::npos);
  answer = ask({"b1", "{not json", "x 1\n"});
  EXPECT_NE(answer["error"].get<std::string>().find("header frame is not a JSON object"), std::string::npos);
  answer = ask({"b1", R"({"as_of":"30/02/2020"})", "x 1\n"});
  EXPECT_EQ(answer["error"], "malformed request: header \"as_of\" is not a date: '30/02/2020' is not a real date: "
                             "February 2020 has 29 days");
  answer = ask({"b1", R"({"as_of":"2020-02-04","as_of":"2200-02-04"})", "x 1\n"});
  EXPECT_EQ(answer["error"], "malformed request: header gives \"as_of\" twice");
  answer = ask({"b1", R"({"as_of":"2020-02-04","stict":true})", "x 1\n"});
  EXPECT_EQ(answer["error"], "malformed request: header has an unknown key \"stict\" (expected v, as_of, strict, close)");
  answer = ask({"b1", R"({"v":9,"as_of":"2020-02-04"})"});
  EXPECT_NE(answer["error"].get<std::string>().find("unsupported protocol version"), std::string::npos);
  // A DEALER that leaves out the REQ delimiter still gets an answer.
  answer = ask({"b1", header, "x 1\n"}, true);
  EXPECT_NE(answer["error"].get<std::string>().find("no empty delimiter"), std::string::npos);
  // Over --max-batch-bytes (4096), in frames each under the limit: measured whole, refused.
  std::string chunk(1500, '#');
  chunk.back() = '\n';
  answer = ask({"big", header, chunk, chunk, chunk});
  EXPECT_EQ(answer["status"], "error");
  EXPECT_EQ(answer["error"], "a batch of 4500 bytes is over the limit of 4096 (--max-batch-bytes): split it (a date's "
                             "batches add up until it closes)");
  // Binary junk in every frame.
  std::string junk;
  for (int i = 0; i < 512; ++i) junk.push_back(static_cast<char>((i * 37) & 0xff));
  answer = ask({"junk", header, junk});
  EXPECT_EQ(answer["status"], "ok");
  EXPECT_EQ(answer["accepted"], 0);
  EXPECT_EQ(answer["rejected"].size(), 3u) << answer["rejected"].dump();  // its three "lines"
  // A single frame far over the limit is cut off by ZeroMQ: no answer, but the daemon lives on.
  EXPECT_FALSE(raw_request(daemon_->ingest, {"huge", header, std::string(200000, 'x')}, false, 500ms));
  EXPECT_TRUE(daemon_->running());
  EXPECT_EQ(daemon_->status()["batches"], 1);  // only the junk batch, which was well-formed
}

// Whatever arrives, on either ROUTER socket, the daemon answers or drops it and carries on.
TEST_F(IngestTest, RandomMessagesNeverStopTheDaemon) {
  unsigned state = 12345;
  auto next = [&] { return (state = state * 1664525u + 1013904223u) >> 8; };
  auto random_bytes = [&](std::size_t size) {
    std::string bytes;
    for (std::size_t i = 0; i < size; ++i) bytes.push_back(static_cast<char>(next() & 0xff));
    return bytes;
  };
  const std::string header = R"({"v":1,"as_of":"2020-02-04"})";
  zmq::context_t context(1);
  for (const std::string& endpoint : {daemon_->ingest, daemon_->control_endpoint}) {
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.connect(endpoint);
    for (int message = 0; message < 300; ++message) {
      std::vector<std::string> frames;
      std::size_t count = next() % 6;
      if (next() % 2) frames.push_back("");  // sometimes a REQ-like delimiter
      for (std::size_t f = 0; f < count; ++f) {
        switch (next() % 5) {
          case 0: frames.push_back(header); break;
          case 1: frames.push_back("b" + std::to_string(next())); break;
          case 2: frames.push_back(R"({"command":"snapshot","route":)" + random_bytes(4) + "}"); break;
          case 3: frames.push_back("caseload{worker=\"" + random_bytes(8) + "\",team=\"x\"} 22\n" + random_bytes(40)); break;
          default: frames.push_back(random_bytes(next() % 200)); break;
        }
      }
      if (frames.empty()) frames.push_back(random_bytes(3));
      for (std::size_t f = 0; f < frames.size(); ++f)
        dealer.send(zmq::buffer(frames[f]), f + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  }
  EXPECT_TRUE(daemon_->running());
  json status = daemon_->status();
  EXPECT_TRUE(status["batches"].is_number());
  // Label values that are not UTF-8 come back as valid JSON (U+FFFD), in the feed and snapshot.
  std::string samples = file("bytes.txt", "unallocated_cases{team=\"Hunts \xff\xfe\"} 2 2020-02-05\n");
  ASSERT_EQ(daemon_->send({samples}).code, 0);
  json snapshot = daemon_->snapshot();
  bool found = false;
  for (const json& alert : snapshot["alerts"]) found |= alert["labels"].value("team", "") == "Hunts \xef\xbf\xbd\xef\xbf\xbd";
  EXPECT_TRUE(found) << snapshot.dump();
  std::vector<json> log = daemon_->event_log();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back()["rule"], "cases_unallocated");
  EXPECT_EQ(log.back()["labels"], (json{{"team", "Hunts \xef\xbf\xbd\xef\xbf\xbd"}}));
}

TEST_F(IngestTest, BatchesMustComeInDateOrder) {
  ASSERT_EQ(daemon_->send({file("late.txt", "unallocated_cases{team=\"A\"} 1 2020-02-18\n")}).code, 0);
  Result early = daemon_->send({file("early.txt", "unallocated_cases{team=\"A\"} 2 2020-02-04\n")});
  EXPECT_EQ(early.code, 1);
  EXPECT_NE(early.err.find("as-of date 2020-02-04 is before the last closed date 2020-02-18: batches must arrive "
                           "in date order"),
            std::string::npos)
      << early.err;
}

TEST_F(IngestTest, LinesWithoutADateNeedAsOf) {
  std::string samples = file("undated.txt", "unallocated_cases{team=\"A\"} 1\n");
  Result result = daemon_->send({samples});
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.err.find("no date and no --as-of"), std::string::npos) << result.err;
  result = daemon_->send({"--as-of", "2020-02-04", samples});
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(daemon_->status()["last_as_of"], "2020-02-04");
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

TEST(LazyPirate, GivesUpWithAClearErrorAndExit3) {
  TempDir dir;
  write_text(dir / "s.txt", "unallocated_cases{team=\"A\"} 1 2020-02-04\n");
  std::string endpoint = "tcp://127.0.0.1:" + std::to_string(free_port());
  Result result = run({bandwatch_path(), "send", "--to", endpoint, "--timeout", "200", "--retries", "2", dir / "s.txt"});
  EXPECT_EQ(result.code, 3);
  EXPECT_NE(result.err.find("no reply from " + endpoint + " after 3 attempts of 200 ms"), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("sending again (attempt 2 of 3)"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("gave up: 0 of 1 batch(es) applied, 0 refused; not answered from as-of"), std::string::npos) << result.err;
}

TEST(LazyPirate, RetriesUntilTheDaemonComesUp) {
  TempDir dir;
  write_text(dir / "s.txt", "unallocated_cases{team=\"A\"} 1 2020-02-04\n");
  std::string ingest = "tcp://127.0.0.1:" + std::to_string(free_port());
  Process sender({bandwatch_path(), "send", "--to", ingest, "--timeout", "300", "--retries", "100", dir / "s.txt"},
                 dir / "send.out", dir / "send.err");
  // Start the daemon once the client has had to resend: it was not there for the first attempt.
  ASSERT_TRUE(wait_until([&] { return sender.err().find("sending again") != std::string::npos; }));
  Daemon daemon(dir.path(), {testdata("rules.bw")});
  daemon.ingest = ingest;
  daemon.publish = "tcp://127.0.0.1:" + std::to_string(free_port());
  daemon.control_endpoint = "tcp://127.0.0.1:" + std::to_string(free_port());
  daemon.start(/*same_endpoints=*/true);
  auto status = sender.wait(30s);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 0) << sender.err();
  EXPECT_NE(sender.out().find("2020-02-04: ok, 1 sample(s)"), std::string::npos);
  EXPECT_EQ(daemon.status()["batches"], 1);
}

}  // namespace
}  // namespace bandwatch::e2e
