// The writer thread: commits are written and finish in the order they were submitted, each with
// its events logged and rendered for the feed; after a failed commit, the ones queued behind it
// are refused without being tried, until the serving thread has recovered.
#include "store_writer.hpp"  // internal to daemon/

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

namespace bandwatch::daemon {
namespace {

namespace fs = std::filesystem;

class StoreWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bw_writer_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    wake_.bind(kWake);
  }
  void TearDown() override {
    store_.reset();
    other_.reset();
    fs::remove_all(dir_);
  }

  std::shared_ptr<IngestCommit> commit(const std::string& id, std::uint64_t first_sequence, int events) {
    auto out = std::make_shared<IngestCommit>();
    BatchRow row;
    row.batch_id = id;
    row.as_of = "2020-02-04";
    row.samples = events;
    row.body = "caseload{worker=\"W1\"} 23 2020-02-04\n";
    row.reply = R"({"status":"ok"})";
    row.received_at = "2020-02-04T10:00:00Z";
    out->batches.push_back(row);
    for (int i = 0; i < events; ++i) {
      engine::Event event;
      event.kind = engine::EventKind::fired;
      event.alert_id = first_sequence + static_cast<std::uint64_t>(i);
      event.rule = "caseload_high";
      event.labels = {{"worker", "W" + std::to_string(i)}};
      event.routes = {"workload_pressures"};
      event.severity = ast::Colour::red;
      event.value = 23;
      EventNumbers numbers;
      numbers.sequence = first_sequence + static_cast<std::uint64_t>(i);
      numbers.route_sequences = {first_sequence + static_cast<std::uint64_t>(i)};
      out->events.events.push_back(event);
      out->events.numbers.push_back(numbers);
    }
    out->events.sequence = first_sequence + static_cast<std::uint64_t>(events) - 1;
    out->events.route_sequences = {{"workload_pressures", out->events.sequence}};
    return out;
  }

  /// A connection to the test's store: the writer's, or another that sees only what is committed.
  std::unique_ptr<Store> open_store() {
    std::string error;
    std::unique_ptr<Store> store = Store::open(dir_.string(), SyncMode::normal, error);
    EXPECT_TRUE(store) << error;
    return store;
  }

  /// The writer's connection (store_) and another (other_), which sees only what is committed.
  void open_stores() {
    store_ = open_store();
    other_ = open_store();
    ASSERT_TRUE(store_ && other_);
  }

  /// Each event line of the feed messages, with its message's topic.
  struct FeedLine {
    std::string topic, event;
  };
  static std::vector<FeedLine> feed_lines(const std::vector<Publication>& publications) {
    std::vector<FeedLine> out;
    for (const Publication& publication : publications) {
      std::string frame = publication.message.to_string();
      auto message = protocol::split_feed_message(frame);
      EXPECT_TRUE(message) << frame;
      if (!message) continue;
      protocol::for_each_feed_event(message->payload, [&](std::string_view event) {
        out.push_back({std::string(message->topic), std::string(event)});
      });
    }
    return out;
  }

  static constexpr const char* kWake = "inproc://store-writer-test";
  fs::path dir_;
  std::unique_ptr<Store> store_, other_;
  zmq::context_t context_;
  zmq::socket_t wake_{context_, zmq::socket_type::pair};
};

TEST_F(StoreWriterTest, WritesInOrderAndRendersTheFeed) {
  std::unique_ptr<Store> opened = open_store();
  ASSERT_TRUE(opened);
  Store& store = *opened;
  std::vector<std::shared_ptr<IngestCommit>> submitted{commit("a", 1, 2), commit("b", 3, 1), commit("c", 4, 3)};
  {
    StoreWriter writer(store, context_, kWake);
    for (const auto& c : submitted) writer.submit(c);
    writer.wait_idle();
    std::vector<std::shared_ptr<IngestCommit>> finished = writer.take_finished();
    ASSERT_EQ(finished, submitted);  // the same commits, in submission order
    EXPECT_TRUE(writer.take_finished().empty());
    zmq::message_t wake;
    EXPECT_TRUE(wake_.recv(wake, zmq::recv_flags::dontwait));  // the serving thread was woken
  }
  for (const auto& c : submitted) EXPECT_FALSE(c->error) << *c->error;
  EXPECT_EQ(submitted[0]->last_batch_seq, 1);
  EXPECT_EQ(submitted[2]->last_batch_seq, 3);
  // The three events of one topic travel as one message, a line each.
  ASSERT_EQ(submitted[2]->publications.size(), 1u);
  std::vector<FeedLine> lines = feed_lines(submitted[2]->publications);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].topic, "workload_pressures.red.caseload_high");
  EXPECT_TRUE(lines[0].event.starts_with(R"({"route":"workload_pressures","route_sequence":4,"alert_id":4,)")) << lines[0].event;
  EXPECT_NE(lines[0].event.find("\"sequence\":4,"), std::string::npos);
  EXPECT_NE(lines[2].event.find("\"route_sequence\":6"), std::string::npos);
  EXPECT_EQ(store.event_count(), 6);
  EXPECT_EQ(store.meta("sequence"), "6");
  EXPECT_EQ(store.route_sequences().at("workload_pressures"), 6u);
  EXPECT_TRUE(store.batch_reply("c").has_value());
}

TEST_F(StoreWriterTest, AfterAFailureTheQueueIsRefusedUntilCleared) {
  std::unique_ptr<Store> opened = open_store();
  ASSERT_TRUE(opened);
  Store& store = *opened;
  StoreWriter writer(store, context_, kWake);
  auto first = commit("a", 1, 1), repeat = commit("a", 2, 1), behind = commit("b", 3, 1);
  writer.submit(first);
  writer.submit(repeat);  // the batch id is taken: SQLite refuses the insert
  writer.submit(behind);
  writer.wait_idle();
  EXPECT_EQ(writer.take_finished().size(), 3u);
  EXPECT_FALSE(first->error);
  ASSERT_TRUE(repeat->error);
  EXPECT_TRUE(repeat->publications.empty());
  ASSERT_TRUE(behind->error);
  EXPECT_NE(behind->error->find("an earlier transaction failed"), std::string::npos);
  EXPECT_EQ(store.event_count(), 1);  // only the first commit's event
  EXPECT_FALSE(store.batch_reply("b"));

  writer.clear_failure();
  auto again = commit("b", 2, 1);
  writer.submit(again);
  writer.wait_idle();
  EXPECT_FALSE(again->error);
  EXPECT_TRUE(store.batch_reply("b"));
}

TEST_F(StoreWriterTest, PublishesEachCommitRightAfterItAndNothingOfAFailedOne) {
  ASSERT_NO_FATAL_FAILURE(open_stores());
  Store& store = *store_;
  Store& other = *other_;
  std::vector<std::string> sent;  // the topics, in the order the callback got them
  std::vector<std::int64_t> events_stored_when_sent;
  auto publish = [&](std::vector<Publication>& publications) {
    events_stored_when_sent.push_back(other.event_count());
    for (const FeedLine& line : feed_lines(publications)) sent.push_back(line.topic);
  };
  auto first = commit("a", 1, 2), refused = commit("a", 3, 1);
  {
    StoreWriter writer(store, context_, kWake, publish);
    writer.submit(first);
    writer.submit(refused);  // the batch id is taken: rolled back, so nothing of it goes out
    writer.wait_idle();
  }
  EXPECT_EQ(sent, (std::vector<std::string>{"workload_pressures.red.caseload_high", "workload_pressures.red.caseload_high"}));
  EXPECT_EQ(events_stored_when_sent, (std::vector<std::int64_t>{2}));  // after its commit, not before
  EXPECT_TRUE(first->publications.empty());  // handed over, not kept for the serving thread
  EXPECT_TRUE(refused->error);
}

TEST_F(StoreWriterTest, AnOpenedTransactionIsWrittenWholeWhenSealedAndNothingOfAnAbandonedOne) {
  ASSERT_NO_FATAL_FAILURE(open_stores());
  Store& store = *store_;
  Store& other = *other_;
  std::vector<std::string> sent;
  auto publish = [&](std::vector<Publication>& publications) {
    for (const FeedLine& line : feed_lines(publications)) sent.push_back(line.event);
  };
  // A close's events in three parts (two of 2, the last of 1), its batch with the seal.
  auto parts = commit("close-a", 1, 5);
  auto part = [&](std::size_t from, std::size_t to) {
    EventWrites writes;
    for (std::size_t i = from; i < to; ++i) {
      writes.events.push_back(parts->events.events[i]);
      writes.numbers.push_back(parts->events.numbers[i]);
    }
    writes.sequence = to;
    writes.route_sequences = {{"workload_pressures", to}};
    return writes;
  };
  auto abandoned = std::make_shared<IngestCommit>();
  auto after = commit("b", 6, 1);
  {
    StoreWriter writer(store, context_, kWake, publish);
    auto sealed = std::make_shared<IngestCommit>();
    writer.open(sealed);
    writer.add_events(part(0, 2));
    writer.add_events(part(2, 4));
    // The writer takes the parts as they come; nothing is visible before the seal.
    EXPECT_EQ(other.event_count(), 0);
    writer.seal(parts->batches, part(4, 5));
    writer.wait_idle();
    ASSERT_EQ(writer.take_finished(), std::vector<std::shared_ptr<IngestCommit>>{sealed});
    EXPECT_FALSE(sealed->error);
    EXPECT_EQ(sealed->spent.size(), 3u);  // each part's events, back for the engine to reuse
    EXPECT_EQ(other.event_count(), 5);
    EXPECT_TRUE(other.batch_reply("close-a"));
    EXPECT_EQ(other.meta("sequence"), "5");

    writer.open(abandoned);
    writer.add_events(part(0, 2));
    writer.abandon();
    writer.submit(after);
    writer.wait_idle();
    EXPECT_EQ(writer.take_finished(), std::vector<std::shared_ptr<IngestCommit>>{after});  // not the abandoned one
  }
  EXPECT_FALSE(after->error);
  EXPECT_EQ(other.event_count(), 6);  // the five, and b's: nothing of the abandoned one
  EXPECT_EQ(other.meta("sequence"), "6");
  ASSERT_EQ(sent.size(), 6u);
  for (std::size_t i = 0; i < sent.size(); ++i)
    EXPECT_NE(sent[i].find("\"sequence\":" + std::to_string(i + 1) + ","), std::string::npos) << sent[i];
}

TEST_F(StoreWriterTest, FeedMessagesJoinConsecutiveEventsOfOneTopicUpToTheirSize) {
  ASSERT_NO_FATAL_FAILURE(open_stores());
  // Red, red, amber, red on one route; then an event on two routes: a message per topic run, the
  // two-route event once on each route's topic.
  auto mixed = commit("a", 1, 5);
  mixed->events.events[2].severity = ast::Colour::amber;
  mixed->events.events[4].routes = {"performance_clinic", "workload_pressures"};
  mixed->events.numbers[4].route_sequences = {1, 5};
  mixed->events.route_sequences = {{"performance_clinic", 1}, {"workload_pressures", 5}};
  // 100 events of one topic: joined until a message's events pass kFeedJoinBytes.
  auto many = commit("b", 6, 100);
  {
    StoreWriter writer(*store_, context_, kWake);
    writer.submit(mixed);
    writer.submit(many);
    writer.wait_idle();
  }
  ASSERT_FALSE(mixed->error);
  std::vector<std::string> topics;
  std::vector<std::size_t> events_in_message;
  for (const Publication& publication : mixed->publications) {
    std::string frame = publication.message.to_string();
    topics.push_back(frame.substr(0, frame.find(' ')));
    events_in_message.push_back(1 + static_cast<std::size_t>(std::count(frame.begin(), frame.end(), '\n')));
  }
  EXPECT_EQ(topics, (std::vector<std::string>{"workload_pressures.red.caseload_high", "workload_pressures.amber.caseload_high",
                                              "workload_pressures.red.caseload_high", "performance_clinic.red.caseload_high",
                                              "workload_pressures.red.caseload_high"}));
  EXPECT_EQ(events_in_message, (std::vector<std::size_t>{2, 1, 1, 1, 1}));
  std::vector<FeedLine> lines = feed_lines(mixed->publications);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_TRUE(lines[4].event.starts_with(R"({"route":"performance_clinic","route_sequence":1,)")) << lines[4].event;
  EXPECT_TRUE(lines[5].event.starts_with(R"({"route":"workload_pressures","route_sequence":5,)")) << lines[5].event;

  ASSERT_FALSE(many->error);
  std::size_t longest = 0;
  for (const FeedLine& line : feed_lines(many->publications)) longest = std::max(longest, line.event.size());
  EXPECT_EQ(feed_lines(many->publications).size(), 100u);
  EXPECT_GT(many->publications.size(), 1u);
  EXPECT_LT(many->publications.size(), 10u);
  for (const Publication& publication : many->publications) {
    std::string frame = publication.message.to_string();
    EXPECT_LE(frame.size() - frame.find(' ') - 1, protocol::kFeedJoinBytes + 1 + longest);
  }
}

}  // namespace
}  // namespace bandwatch::daemon
