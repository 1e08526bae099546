// Durability: a clean restart restores open alerts, acknowledgements, silences and the sequence
// number; kill -9 while a client sends many batches, restart, and every batch answered `ok` is
// applied exactly once, no event is published under a second sequence number, and the event log
// and open alerts are the same as in a run without the crash.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <zmq.hpp>

#include "rules/calendar.hpp"
#include "harness.hpp"
#include "protocol/client.hpp"

namespace bandwatch::e2e {
namespace {

std::string file(const TempDir& dir, const std::string& name, const std::string& text) {
  write_text(dir / name, text);
  return dir / name;
}

TEST(Durability, CleanRestartRestoresEverything) {
  TempDir dir;
  Daemon daemon(dir.path(), {testdata("rules.bw")});
  daemon.start();
  ASSERT_EQ(daemon.send({file(dir, "s1.txt",
                              "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n"
                              "unallocated_cases{team=\"Hunts 2\"} 2 2020-02-04\n"
                              "unallocated_cases{team=\"Hunts 3\"} 1 2020-02-04\n")})
                .code,
            0);
  json alerts = daemon.snapshot()["alerts"];
  ASSERT_EQ(alerts.size(), 3u);
  ASSERT_EQ(daemon.control("ack", {std::to_string(alerts[0]["id"].get<int>()), "--by", "TM", "--note", "on it"}).code, 0);
  ASSERT_EQ(daemon.control("silence", {"team=Hunts 3", "--until", "2020-12-31", "--by", "HoS"}).code, 0);
  Result detail_before = daemon.control("snapshot", {"--detail", "--format", "json"});
  json status_before = daemon.status();
  std::vector<json> log_before = daemon.event_log();
  EXPECT_EQ(status_before["sequence"], 4);  // three fired, one acknowledged

  EXPECT_EQ(daemon.stop(), 0);
  EXPECT_NE(daemon.log().find("bandwatchd stopped"), std::string::npos);
  daemon.start();
  EXPECT_EQ(daemon.control("snapshot", {"--detail", "--format", "json"}).out, detail_before.out);
  json status_after = daemon.status();
  for (const char* key : {"sequence", "series", "open_alerts", "silenced_alerts", "acknowledged", "silences",
                          "batches", "last_batch", "last_as_of"})
    EXPECT_EQ(status_after[key], status_before[key]) << key;
  EXPECT_EQ(daemon.event_log(), log_before);

  // The feed carries on from the same sequence number.
  ASSERT_EQ(daemon.send({file(dir, "s2.txt", "unallocated_cases{team=\"Hunts 2\"} 0 2020-02-18\n")}).code, 0);
  std::vector<json> log = daemon.event_log();
  ASSERT_EQ(log.size(), log_before.size() + 1);
  EXPECT_EQ(log.back()["sequence"], 5);
  EXPECT_EQ(log.back()["kind"], "resolved");
}

/// A year and more of weekly extracts for ten teams and ten workers: values that cross the lines
/// often, so nearly every batch fires, escalates or resolves something.
std::string many_batches(int weeks) {
  std::string out;
  unsigned state = 7;
  auto next = [&] { return (state = state * 1103515245u + 12345u) >> 16; };
  Date day = Date::from_ymd(2019, 1, 1);
  for (int week = 0; week < weeks; ++week, day.days_since_epoch += 7) {
    for (int team = 0; team < 10; ++team)
      out += "unallocated_cases{team=\"T" + std::to_string(team) + "\"} " + std::to_string(next() % 3) + " " +
             day.iso() + "\n";
    for (int worker = 0; worker < 10; ++worker)
      out += "caseload{worker=\"W" + std::to_string(worker) + "\",team=\"T" + std::to_string(worker % 3) + "\"} " +
             std::to_string(15 + next() % 10) + " " + day.iso() + "\n";
  }
  return out;
}

/// Collects everything published on an endpoint, across restarts (SUB reconnects by itself).
class Collector {
 public:
  explicit Collector(const std::string& endpoint) {
    thread_ = std::thread([this, endpoint] {
      zmq::context_t context(1);
      zmq::socket_t sub(context, zmq::socket_type::sub);
      sub.set(zmq::sockopt::linger, 0);
      sub.set(zmq::sockopt::rcvhwm, 0);
      sub.set(zmq::sockopt::subscribe, "");
      sub.connect(endpoint);
      while (!stop_) {
        zmq::pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0}};
        zmq::poll(items, 1, std::chrono::milliseconds(50));
        zmq::message_t frame;
        while (sub.recv(frame, zmq::recv_flags::dontwait)) {
          auto message = protocol::split_feed_frame(frame);
          if (!message) continue;
          std::lock_guard lock(mutex_);
          protocol::for_each_feed_event(message->payload, [&](std::string_view event) {
            messages_.emplace_back(std::string(message->topic), std::string(event));
          });
        }
      }
    });
  }
  ~Collector() {
    stop_ = true;
    thread_.join();
  }
  std::vector<std::pair<std::string, std::string>> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> messages_;
  std::thread thread_;
};

/// An event as the log keeps it, without what differs between published copies.
json essence(json event) {
  event.erase("route");
  event.erase("route_sequence");
  event.erase("route_sequences");
  return event;
}

TEST(Durability, KillDuringSendsLosesNothingAndRepeatsNothing) {
  const int kWeeks = 300;
  TempDir dir;
  std::string samples = file(dir, "many.txt", many_batches(kWeeks));

  // Without a crash.
  Daemon reference(dir.path() + "/reference", {testdata("rules.bw")});
  std::filesystem::create_directories(dir.path() + "/reference");
  reference.start();
  Result sent = reference.send({"--quiet", samples});
  ASSERT_EQ(sent.code, 0) << sent.err;
  std::vector<json> expected_log = reference.event_log();
  json expected_snapshot = reference.snapshot();
  ASSERT_EQ(reference.status()["batches"], kWeeks);
  ASSERT_GT(expected_log.size(), static_cast<std::size_t>(kWeeks));

  // With kill -9 in the middle. Checkpoints every few batches, so the restart combines a
  // checkpoint with a replay of the batches after it.
  std::filesystem::create_directories(dir.path() + "/crash");
  Daemon daemon(dir.path() + "/crash", {testdata("rules.bw")}, {"--checkpoint-samples", "100"});
  daemon.start();
  Collector collector(daemon.publish);
  Process sender({bandwatch_path(), "send", "--close", "--to", daemon.ingest, "--timeout", "1000", "--retries", "60",
                  samples},
                 dir / "send.out", dir / "send.err");
  auto batches = [&]() -> std::int64_t {
    auto reply = raw_request(daemon.control_endpoint, {R"({"command":"status"})"}, false, 2s);
    return reply ? json::parse(reply->back()).value("batches", std::int64_t{0}) : -1;
  };
  ASSERT_TRUE(wait_until([&] { return batches() >= 60; }, 60s));
  daemon.kill9();
  std::int64_t at_crash = [&] {
    std::string out = sender.out();
    return static_cast<std::int64_t>(std::count(out.begin(), out.end(), '\n'));
  }();
  daemon.start(/*same_endpoints=*/true);
  auto status = sender.wait(120s);
  ASSERT_TRUE(status) << "the sender did not finish";
  ASSERT_EQ(*status, 0) << sender.err();
  EXPECT_LT(at_crash, kWeeks) << "the crash came after the last batch";

  // Every batch once; the same events under the same sequence numbers; the same open alerts.
  EXPECT_EQ(daemon.status()["batches"], kWeeks);
  std::vector<json> log = daemon.event_log();
  ASSERT_EQ(log.size(), expected_log.size());
  for (std::size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i]["sequence"], i + 1);
    EXPECT_EQ(log[i], expected_log[i]) << "event " << i + 1;
  }
  EXPECT_EQ(daemon.snapshot(), expected_snapshot);

  // What the subscriber saw, across the crash: each sequence number always with the same event,
  // the one in the log.
  std::map<std::uint64_t, json> seen;
  for (const auto& [topic, payload] : collector.messages()) {
    if (topic.front() == '$') continue;
    json event = essence(json::parse(payload));
    std::uint64_t sequence = event["sequence"];
    ASSERT_GE(sequence, 1u);
    ASSERT_LE(sequence, log.size());
    EXPECT_EQ(event, essence(log[sequence - 1])) << "sequence " << sequence;
    auto [it, inserted] = seen.emplace(sequence, event);
    if (!inserted) {
      EXPECT_EQ(it->second, event);
    }
  }
  EXPECT_GT(seen.size(), 0u);
  EXPECT_NE(daemon.log().find("batch(es) replayed"), std::string::npos);
}

}  // namespace
}  // namespace bandwatch::e2e
