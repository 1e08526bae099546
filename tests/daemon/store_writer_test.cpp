// The writer thread: commits are written and finish in the order they were submitted, each with
// its events logged and rendered for the feed; after a failed commit, the ones queued behind it
// are refused without being tried, until the serving thread has recovered.
#include "store_writer.hpp"  // internal to daemon/

#include <gtest/gtest.h>
#include <unistd.h>

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
  ASSERT_EQ(submitted[2]->publications.size(), 3u);
  EXPECT_EQ(submitted[2]->publications[0].topic.to_string(), "workload_pressures.red.caseload_high");
  EXPECT_NE(submitted[2]->publications[0].payload.to_string().find("\"sequence\":4"), std::string::npos);
  EXPECT_NE(submitted[2]->publications[2].payload.to_string().find("\"route_sequence\":6"), std::string::npos);
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
    for (Publication& publication : publications) sent.push_back(publication.topic.to_string());
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
    for (Publication& publication : publications) sent.push_back(publication.payload.to_string());
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

}  // namespace
}  // namespace bandwatch::daemon
