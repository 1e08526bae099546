// The alerts feed through `bandwatch watch`: topics by route prefix, consecutive sequence
// numbers, a snapshot for late joiners, severity filtering, and a new snapshot after a gap.
#include <gtest/gtest.h>
#include <signal.h>

#include <set>

#include <zmq.hpp>

#include "harness.hpp"
#include "protocol/protocol.hpp"

namespace bandwatch::e2e {
namespace {

class FeedTest : public DaemonTest {
 protected:
  FeedTest() : DaemonTest({"--heartbeat-ms", "200"}) {}
};

TEST_F(FeedTest, RoutePrefixSubscriptionAndSequenceNumbers) {
  Watch everything(*daemon_, dir_.path());
  Watch workload(*daemon_, dir_.path(), {"--route", "workload_pressures"});
  ASSERT_EQ(daemon_->send({file("s.txt",
                                "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n"
                                "unallocated_cases{team=\"Hunts 2\"} 2 2020-02-04\n"
                                "icpc_timeliness 80% 2020-02-04\n"
                                "caseload{worker=\"W1\",team=\"Hunts 1\"} 18 2020-02-18\n")})
                .code,
            0);
  // fired caseload, fired unallocated, fired icpc (unrouted) on 02-04; resolved caseload on 02-18.
  ASSERT_TRUE(everything.wait_for([](const auto& lines) { return lines.size() >= 5; })) << everything.process().out();
  ASSERT_TRUE(workload.wait_for([](const auto& lines) { return lines.size() >= 4; })) << workload.process().out();

  std::vector<json> all = everything.events();
  ASSERT_EQ(all.size(), 4u);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i]["sequence"], i + 1);
  std::set<std::string> routes;
  for (const json& event : all) routes.insert(event["route"].get<std::string>());
  EXPECT_EQ(routes, (std::set<std::string>{"workload_pressures", "unrouted"}));

  std::vector<json> mine = workload.events();
  ASSERT_EQ(mine.size(), 3u);
  for (std::size_t i = 0; i < mine.size(); ++i) {
    EXPECT_EQ(mine[i]["route"], "workload_pressures");
    EXPECT_EQ(mine[i]["route_sequence"], i + 1);
  }
  EXPECT_EQ(mine[0]["kind"], "fired");
  EXPECT_EQ(mine[0]["rule"], "practitioner_caseload");
  EXPECT_EQ(mine[0]["labels"], (json{{"team", "Hunts 1"}, {"worker", "W1"}}));
  EXPECT_EQ(mine[0]["severity"], "amber");
  EXPECT_EQ(mine[0]["value"], 22);
  EXPECT_EQ(mine[0]["message"], "W1 (Hunts 1) holds 22 cases");
  EXPECT_EQ(mine[0]["as_of"], "2020-02-04");
  EXPECT_GT(mine[0]["alert_id"].get<int>(), 0);
  EXPECT_EQ(mine[2]["kind"], "resolved");
  EXPECT_EQ(mine[2]["alert_id"], mine[0]["alert_id"]);
}

TEST_F(FeedTest, LateJoinerGetsTheOpenAlertsFromTheSnapshot) {
  ASSERT_EQ(daemon_->send({file("s.txt", "unallocated_cases{team=\"Hunts 2\"} 2 2020-02-04\n")}).code, 0);
  Watch late(*daemon_, dir_.path(), {"--route", "workload_pressures"});
  std::vector<json> lines = late.lines();
  ASSERT_GE(lines.size(), 1u);
  EXPECT_EQ(lines[0]["kind"], "snapshot");
  EXPECT_EQ(lines[0]["sequence"], 1);
  ASSERT_EQ(lines[0]["alerts"].size(), 1u);
  EXPECT_EQ(lines[0]["alerts"][0]["rule"], "cases_unallocated");
  EXPECT_EQ(lines[0]["alerts"][0]["message"], "Hunts 2: 2 unallocated cases");
  // And then follows on from there.
  ASSERT_EQ(daemon_->send({file("t.txt", "unallocated_cases{team=\"Hunts 2\"} 0 2020-02-18\n")}).code, 0);
  ASSERT_TRUE(late.wait_for([](const auto& l) { return l.size() >= 2; }));
  EXPECT_EQ(late.events().at(0)["kind"], "resolved");
  EXPECT_EQ(late.events().at(0)["route_sequence"], 2);
}

TEST_F(FeedTest, MinimumSeverityHidesLesserEvents) {
  Watch red(*daemon_, dir_.path(), {"--min-severity", "red"});
  ASSERT_EQ(daemon_->send({file("s.txt",
                                "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n"
                                "unallocated_cases{team=\"Hunts 2\"} 2 2020-02-04\n")})
                .code,
            0);
  ASSERT_TRUE(red.wait_for([](const auto& l) { return l.size() >= 2; }));
  // The heartbeat shows the watcher has seen sequence 2 (the amber event, hidden) too.
  std::vector<json> events = red.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["severity"], "red");
  EXPECT_EQ(events[0]["sequence"], 2);
}

TEST_F(FeedTest, TextFormatForTheMeetings) {
  ASSERT_EQ(daemon_->send({file("s.txt", "caseload{worker=\"W0412\",team=\"Hunts 1\"} 22 2020-02-04\n")}).code, 0);
  Result snapshot = daemon_->control("snapshot");
  ASSERT_EQ(snapshot.code, 0) << snapshot.err;
  EXPECT_NE(snapshot.out.find("sequence 1: 1 open alert(s)"), std::string::npos) << snapshot.out;
  EXPECT_NE(snapshot.out.find("practitioner_caseload{team=\"Hunts 1\", worker=\"W0412\"} = 22"), std::string::npos)
      << snapshot.out;
  EXPECT_NE(snapshot.out.find("\"W0412 (Hunts 1) holds 22 cases\""), std::string::npos) << snapshot.out;
  EXPECT_NE(snapshot.out.find("-> workload_pressures"), std::string::npos) << snapshot.out;
}

// The protocol as a subscriber of its own sees it: one frame, "<topic> <events>", consecutive
// events of one topic joined a line each; an exact topic is subscribed with its trailing space.
TEST_F(FeedTest, ConsecutiveEventsOfOneTopicTravelAsOneMessage) {
  zmq::context_t context(1);
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::subscribe, "workload_pressures.amber.practitioner_caseload ");
  sub.set(zmq::sockopt::subscribe, "$heartbeat");
  sub.connect(daemon_->publish);
  auto next = [&](std::chrono::milliseconds wait) -> std::optional<std::string> {
    zmq::pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0}};
    if (zmq::poll(items, 1, wait) <= 0) return std::nullopt;
    zmq::message_t frame;
    if (!sub.recv(frame, zmq::recv_flags::dontwait)) return std::nullopt;
    EXPECT_FALSE(frame.more());
    return frame.to_string();
  };
  // A heartbeat (every 200 ms) shows the subscription is live.
  std::optional<std::string> beat;
  for (int i = 0; i < 50 && !beat; ++i) beat = next(200ms);
  ASSERT_TRUE(beat && beat->starts_with("$heartbeat {\"routes\":"));
  sub.set(zmq::sockopt::unsubscribe, "$heartbeat");
  ASSERT_EQ(daemon_->send({file("s.txt",
                                "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n"
                                "caseload{worker=\"W2\",team=\"Hunts 1\"} 23 2020-02-04\n"
                                "caseload{worker=\"W3\",team=\"Hunts 1\"} 24 2020-02-04\n"
                                "unallocated_cases{team=\"Hunts 2\"} 2 2020-02-04\n")})
                .code,
            0);
  std::optional<std::string> frame;
  for (int i = 0; i < 50 && !(frame && !frame->starts_with("$")); ++i) frame = next(200ms);
  ASSERT_TRUE(frame);
  auto message = protocol::split_feed_message(*frame);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->topic, "workload_pressures.amber.practitioner_caseload");
  std::vector<json> events;
  protocol::for_each_feed_event(message->payload, [&](std::string_view line) { events.push_back(json::parse(line)); });
  ASSERT_EQ(events.size(), 3u) << *frame;
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["kind"], "fired");
    EXPECT_EQ(events[i]["route_sequence"], i + 1);
    EXPECT_EQ(events[i]["labels"]["worker"], "W" + std::to_string(i + 1));
  }
  EXPECT_FALSE(next(300ms)) << "one message for the three";
}

// A subscriber that stops reading while thousands of events go out loses some at the high-water
// mark; when it reads again it sees the gap in sequence numbers and takes a new snapshot, so it
// still ends up with every open alert.
TEST(FeedGap, SlowSubscriberResnapshotsAfterAGap) {
  TempDir dir;
  Daemon daemon(dir.path(), {testdata("rules.bw")},
                {"--sync", "normal", "--publish-hwm", "10", "--heartbeat-ms", "200"});
  daemon.start();
  Watch slow(daemon, dir.path(), {"--route", "workload_pressures", "--rcvhwm", "10"});
  slow.process().signal(SIGSTOP);
  std::string samples;
  const int kTeams = 50000;  // more than the socket buffers of both ends hold
  for (int team = 0; team < kTeams; ++team)
    samples += "unallocated_cases{team=\"T" + std::to_string(team) + "\"} 1 2020-02-04\n";
  write_text(dir / "s.txt", samples);
  ASSERT_EQ(daemon.send({dir / "s.txt"}).code, 0);
  slow.process().signal(SIGCONT);
  ASSERT_TRUE(slow.wait_for([&](const std::vector<json>& lines) {
    for (const json& line : lines)
      if (line.value("kind", "") == "snapshot" && line["alerts"].size() == kTeams) return true;
    return false;
  }, 60s)) << slow.process().err();
  EXPECT_NE(slow.process().err().find("missed event(s)"), std::string::npos);
}

}  // namespace
}  // namespace bandwatch::e2e
