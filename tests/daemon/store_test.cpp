// The SQLite store: what is committed survives reopening; what is rolled back is gone; repeats
// of a batch id are found; the event log keeps sequence numbers.
#include "daemon/store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

namespace bandwatch::daemon {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bw_store_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  BatchRow batch(const std::string& id) {
    BatchRow row;
    row.batch_id = id;
    row.as_of = "2020-02-04";
    row.samples = 2;
    row.body = "a 1\nb 2\n";
    row.reply = R"({"status":"ok"})";
    row.received_at = "2020-02-04T10:00:00Z";
    return row;
  }
  fs::path dir_;
};

TEST_F(StoreTest, CommittedStateSurvivesReopening) {
  {
    Store store(dir_.string(), SyncMode::full);
    store.begin();
    EXPECT_EQ(store.insert_batch(batch("b1")), 1);
    EXPECT_EQ(store.insert_batch(batch("b2")), 2);
    store.append_event_block(1, 1, 2, "{\"sequence\":1}\n{\"sequence\":null}\n");
    store.append_event_block(std::nullopt, std::nullopt, 1, "{\"sequence\":null}\n");
    store.append_event_block(2, 2, 1, "{\"sequence\":2}\n");
    store.set_meta("sequence", "2");
    store.set_route_sequence("workload_pressures", 2);
    store.upsert_ack(2, R"({"by":"me"})");
    store.commit();
  }
  Store store(dir_.string(), SyncMode::normal);
  EXPECT_EQ(store.batch_count(), 2);
  EXPECT_EQ(store.batch_reply("b1"), R"({"status":"ok"})");
  EXPECT_FALSE(store.batch_reply("b3"));
  EXPECT_EQ(store.meta("sequence"), "2");
  EXPECT_EQ(store.route_sequences().at("workload_pressures"), 2u);
  EXPECT_EQ(store.event_count(), 4);
  EXPECT_EQ(store.last_event_block(), 3);
  auto blocks = store.event_blocks_from(2, 10);  // blocks without published events never match
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].events, "{\"sequence\":2}\n");
  EXPECT_EQ(store.event_blocks_from(1, 10).size(), 2u);
  std::vector<std::int64_t> after;
  store.for_each_event_block_after(1, [&](const EventBlock& block) { after.push_back(block.id); });
  EXPECT_EQ(after, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(store.acks().at(2), R"({"by":"me"})");
  EXPECT_EQ(store.last_batch()->batch_id, "b2");
}

// The log is stored compressed: a block of many similar lines reads back byte for byte and takes
// far less room than its text; a block stored as plain TEXT (before compression) still reads; a
// damaged block is an error naming it, not wrong events.
TEST_F(StoreTest, EventLogIsCompressedAndReadsBackExactly) {
  std::string lines;
  for (int i = 1; i <= 2000; ++i)
    lines += R"({"alert_id":)" + std::to_string(i) + R"(,"kind":"fired","labels":{"team":"T)" + std::to_string(i % 7) +
             R"("},"message":"caseload over 20","sequence":)" + std::to_string(i) + "}\n";
  {
    Store store(dir_.string(), SyncMode::normal);
    store.begin();
    store.append_event_block(1, 2000, 2000, lines);
    store.commit();
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "bandwatch.db").string().c_str(), &db), SQLITE_OK);
  auto query = [&](const char* sql) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::string first;
    if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0))
      first = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return first;
  };
  EXPECT_EQ(query("SELECT typeof(events) FROM event_blocks WHERE id = 1"), "blob");
  EXPECT_LT(std::stoul(query("SELECT length(events) FROM event_blocks WHERE id = 1")), lines.size() / 4);
  query("INSERT INTO event_blocks(first_sequence, last_sequence, count, events) VALUES (2001, 2001, 1, '{\"sequence\":2001}\n')");
  {
    Store store(dir_.string(), SyncMode::normal);
    auto blocks = store.event_blocks_from(1, 5000);
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(blocks[0].events, lines);
    EXPECT_EQ(blocks[1].events, "{\"sequence\":2001}\n");
  }
  query("UPDATE event_blocks SET events = substr(events, 1, 40) WHERE id = 1");
  sqlite3_close(db);
  Store store(dir_.string(), SyncMode::normal);
  try {
    store.for_each_event_block_after(0, [](const EventBlock&) {});
    FAIL() << "a damaged block was read";
  } catch (const StoreError& error) {
    EXPECT_NE(std::string(error.what()).find("event block 1 is damaged"), std::string::npos) << error.what();
  }
}

TEST_F(StoreTest, RollbackLeavesNothing) {
  Store store(dir_.string(), SyncMode::full);
  store.begin();
  store.insert_batch(batch("b1"));
  store.rollback();
  EXPECT_FALSE(store.in_transaction());
  EXPECT_EQ(store.batch_count(), 0);
  EXPECT_FALSE(store.batch_reply("b1"));
}

TEST_F(StoreTest, RepeatedBatchIdIsAnError) {
  Store store(dir_.string(), SyncMode::full);
  store.begin();
  store.insert_batch(batch("b1"));
  EXPECT_THROW(store.insert_batch(batch("b1")), StoreError);
  store.rollback();
}

TEST_F(StoreTest, CheckpointAndReplayOrder) {
  Store store(dir_.string(), SyncMode::full);
  store.begin();
  for (int i = 1; i <= 5; ++i) store.insert_batch(batch("b" + std::to_string(i)));
  store.write_checkpoint({3, 0, "state through 3", "now"});
  store.drop_bodies_through(3);
  store.commit();
  auto checkpoint = store.read_checkpoint();
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(checkpoint->through_batch, 3);
  EXPECT_EQ(checkpoint->state, "state through 3");
  std::vector<std::string> replayed;
  store.for_each_batch_after(3, [&](const BatchRow& row) {
    EXPECT_TRUE(row.body);
    replayed.push_back(row.batch_id);
  });
  EXPECT_EQ(replayed, (std::vector<std::string>{"b4", "b5"}));
  // Ids of covered batches stay, for repeats.
  EXPECT_TRUE(store.batch_reply("b1"));
}

TEST_F(StoreTest, Silences) {
  Store store(dir_.string(), SyncMode::full);
  store.begin();
  auto id = store.insert_silence(R"({"until":"2020-03-01"})");
  store.update_silence(id, R"({"id":1,"until":"2020-03-01"})");
  store.commit();
  EXPECT_EQ(store.silences().size(), 1u);
  EXPECT_TRUE(store.remove_silence(id));
  EXPECT_FALSE(store.remove_silence(id));
  EXPECT_TRUE(store.silences().empty());
}

TEST_F(StoreTest, UnwritablePlaceIsAClearError) {
  try {
    Store store("/proc/bandwatch-cannot-be-here", SyncMode::full);
    FAIL() << "opened a store under /proc";
  } catch (const StoreError& error) {
    EXPECT_NE(std::string(error.what()).find("bandwatch.db"), std::string::npos);
  }
}

}  // namespace
}  // namespace bandwatch::daemon
