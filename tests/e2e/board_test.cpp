// The live board (bandwatchd --http) over HTTP with the real daemon on loopback: the pages drawn
// from the meeting pack's model, the page streams (server-sent events numbered as the feed
// numbers its events, resumed with Last-Event-ID), and what a non-loopback bind needs.
#include <gtest/gtest.h>

#include "board_client.hpp"
#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

class BoardTest : public DaemonTest {
 protected:
  BoardTest() : DaemonTest({"--http", "127.0.0.1:0"}) {}
  void SetUp() override {
    DaemonTest::SetUp();
    address_ = board_address(*daemon_);
    ASSERT_FALSE(address_.empty()) << read_text(daemon_->state_dir() + "/endpoints.json");
  }
  /// GETs `target` until its body holds `needle` (the board reads the state after each event).
  HttpAnswer get_until(const std::string& target, const std::string& needle) {
    HttpAnswer answer;
    wait_until([&] {
      answer = board_http(address_, "GET", target);
      return answer.body.find(needle) != std::string::npos;
    });
    return answer;
  }
  std::string address_;
};

TEST_F(BoardTest, PagesShowTheForumsAndTheirAgendaFromTheReportModel) {
  ASSERT_EQ(daemon_->send({file("s.txt",
                                "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n"
                                "icpc_timeliness 80% 2020-02-04\n")})
                .code,
            0);
  HttpAnswer index = get_until("/", "Workload Pressures meeting");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("href=\"/route/workload_pressures\""), std::string::npos);
  EXPECT_NE(index.body.find("Children&#39;s Social Care Performance Clinic"), std::string::npos);
  // Nothing fetched from elsewhere.
  EXPECT_EQ(index.body.find("http://"), std::string::npos);
  EXPECT_EQ(index.body.find("https://"), std::string::npos);

  HttpAnswer page = get_until("/route/workload_pressures", "W1 (Hunts 1) holds 22 cases");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<h1>Workload Pressures meeting</h1>"), std::string::npos);
  EXPECT_NE(page.body.find("Practitioner caseload above target"), std::string::npos);
  EXPECT_NE(page.body.find("Not acknowledged"), std::string::npos);
  // The RAG table with its sparkline, as the meeting pack has it.
  EXPECT_NE(page.body.find("ICPCs within 15 working days"), std::string::npos);
  EXPECT_NE(page.body.find("<svg"), std::string::npos);
  // The route's own sequence number, which the page's stream starts from: one event on it.
  EXPECT_EQ(board_attribute(page.body, "<main id=\"board\"", "data-sequence"), "1");
  // Read-only on loopback without an accounts file: no forms.
  EXPECT_EQ(page.body.find("action=\"/route/workload_pressures/ack\""), std::string::npos);
  EXPECT_NE(page.header("content-security-policy").find("default-src 'none'"), std::string::npos);

  EXPECT_EQ(board_http(address_, "GET", "/route/no_such_forum").status, 404);
}

TEST_F(BoardTest, StreamDeliversEventsNumberedAsTheFeedAndResumesWithoutRepeats) {
  ASSERT_EQ(daemon_->send({file("s1.txt", "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n")}).code, 0);
  HttpAnswer page = get_until("/route/workload_pressures", "W1 (Hunts 1) holds 22 cases");
  ASSERT_EQ(board_attribute(page.body, "<main id=\"board\"", "data-sequence"), "1");

  BoardStream stream(address_, "/route/workload_pressures/events?after=1");
  ASSERT_TRUE(stream.wait_for("retry: 2000")) << stream.text();
  EXPECT_NE(stream.text().find("Content-Type: text/event-stream"), std::string::npos);
  ASSERT_EQ(daemon_->send({file("s2.txt", "unallocated_cases{team=\"Hunts 2\"} 3 2020-02-18\n")}).code, 0);
  ASSERT_TRUE(stream.wait_for("Hunts 2: 3 unallocated cases")) << stream.text();
  std::vector<BoardStream::Event> events = stream.events();
  ASSERT_EQ(events.size(), 1u) << stream.text();
  EXPECT_EQ(events[0].id, "2");  // the route's sequence number, as `watch --route` sees it
  EXPECT_EQ(events[0].event, "alert");
  json event = json::parse(events[0].data);
  EXPECT_EQ(event["kind"], "fired");
  EXPECT_EQ(event["rule"], "cases_unallocated");
  EXPECT_EQ(event["route_sequence"], 2);
  EXPECT_EQ(event["route"], "workload_pressures");

  // The same as `bandwatch watch --route` hears for that number.
  std::vector<json> log = daemon_->event_log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1]["sequence"], event["sequence"]);

  // A browser that reconnects says where it got to: only what came after, once.
  BoardStream resumed(address_, "/route/workload_pressures/events?after=0", {{"Last-Event-ID", "1"}});
  ASSERT_TRUE(resumed.wait_for("Hunts 2: 3 unallocated cases")) << resumed.text();
  ASSERT_EQ(resumed.events().size(), 1u) << resumed.text();
  EXPECT_EQ(resumed.events()[0].id, "2");
  BoardStream caught_up(address_, "/route/workload_pressures/events", {{"Last-Event-ID", "2"}});
  ASSERT_TRUE(caught_up.wait_for("retry: 2000"));
  EXPECT_FALSE(caught_up.wait_for("event:", 600ms)) << caught_up.text();

  // The stream of every forum counts with the global sequence.
  BoardStream all(address_, "/events?after=2");
  ASSERT_TRUE(all.wait_for("retry: 2000"));
  ASSERT_EQ(daemon_->send({file("s3.txt", "icpc_timeliness 70% 2020-03-03\n")}).code, 0);
  ASSERT_TRUE(all.wait_for("icpc_timeliness")) << all.text();
  EXPECT_EQ(all.events().at(0).id, "3");
  // A number from another history (ahead of the daemon's) is told to read the state again.
  BoardStream ahead(address_, "/route/workload_pressures/events", {{"Last-Event-ID", "99"}});
  ASSERT_TRUE(ahead.wait_for("event: reset")) << ahead.text();
  EXPECT_EQ(ahead.events().at(0).id, "2");
}

TEST_F(BoardTest, RequestsOverTheLimitAreRefused) {
  std::string big(20000, 'x');
  HttpAnswer answer = board_http(address_, "POST", "/route/workload_pressures/ack", {}, "note=" + big);
  EXPECT_EQ(answer.status, 413);
  EXPECT_NE(answer.body.find("--http-max-request-bytes"), std::string::npos);
}

class BoardLimitTest : public DaemonTest {
 protected:
  BoardLimitTest() : DaemonTest({"--http", "127.0.0.1:0", "--http-max-connections", "2"}) {}
};

TEST_F(BoardLimitTest, ConnectionsOverTheLimitAreAnswered503) {
  std::string address = board_address(*daemon_);
  BoardStream first(address, "/events"), second(address, "/events");
  ASSERT_TRUE(first.wait_for("retry: 2000"));
  ASSERT_TRUE(second.wait_for("retry: 2000"));
  HttpAnswer third = board_http(address, "GET", "/");
  EXPECT_EQ(third.status, 503);
  EXPECT_EQ(third.body, "too many connections (--http-max-connections)\n");
}

TEST(BoardOptions, ABindBeyondLoopbackNeedsSignIn) {
  TempDir dir;
  Result result = run({bandwatchd_path(), "--rules", testdata("rules.bw"), "--state-dir", dir / "state", "--http",
                       "0.0.0.0:0"});
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.err.find("--http 0.0.0.0:0 is reachable beyond this machine and no one would sign in: set "
                            "--http-accounts FILE (bandwatch passwd) or --http-trusted-header with --http-trusted-proxy"),
            std::string::npos)
      << result.err;
  Result bad = run({bandwatchd_path(), "--rules", testdata("rules.bw"), "--state-dir", dir / "state", "--http",
                    "localhost:8080"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--http localhost:8080: expected ADDRESS:PORT with an IP address"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace bandwatch::e2e
