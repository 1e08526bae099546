// The SQLite store: what is committed survives reopening; what is rolled back is gone; repeats
// of a batch id are found; the event log keeps sequence numbers and every member of its events.
#include "store.hpp"  // internal to daemon/

#include <gtest/gtest.h>

#include <map>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "event_records.hpp"  // internal to daemon/

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
  /// The test's store, opened (failing the test when it cannot be).
  std::unique_ptr<Store> open(SyncMode sync) {
    std::string error;
    std::unique_ptr<Store> store = Store::open(dir_.string(), sync, error);
    EXPECT_TRUE(store) << error;
    return store;
  }
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
  /// Records of plain events with these sequence numbers (none: silenced), and in `lines` the
  /// JSON lines they read back as.
  static std::string records_of(std::vector<std::optional<std::uint64_t>> sequences, std::string& lines) {
    std::string records;
    lines.clear();
    for (std::size_t i = 0; i < sequences.size(); ++i) {
      engine::Event event;
      event.alert_id = i + 1;
      event.rule = "caseload_high";
      EventNumbers numbers;
      numbers.sequence = sequences[i];
      if (!sequences[i]) numbers.silenced_by = 1;
      append_event_record(records, event, numbers);
      append_event_log_line(lines, event, numbers);
      lines += '\n';
    }
    return records;
  }
  fs::path dir_;
};

TEST_F(StoreTest, CommittedStateSurvivesReopening) {
  std::string first_lines, silenced_lines, second_lines;
  std::string first = records_of({1, std::nullopt}, first_lines), silenced = records_of({std::nullopt}, silenced_lines),
              second = records_of({2}, second_lines);
  {
    std::unique_ptr<Store> opened = open(SyncMode::full);
    Store& store = *opened;
    store.begin();
    EXPECT_EQ(store.insert_batch(batch("b1")), 1);
    EXPECT_EQ(store.insert_batch(batch("b2")), 2);
    store.append_event_block(1, 1, 2, first);
    store.append_event_block(std::nullopt, std::nullopt, 1, silenced);
    store.append_event_block(2, 2, 1, second);
    store.set_meta("sequence", "2");
    store.set_route_sequence("workload_pressures", 2);
    store.upsert_ack(2, R"({"by":"me"})");
    ASSERT_TRUE(store.commit().ok());
  }
  std::unique_ptr<Store> opened = open(SyncMode::normal);
    Store& store = *opened;
  EXPECT_EQ(store.batch_count(), 2);
  EXPECT_EQ(store.batch_reply("b1"), R"({"status":"ok"})");
  EXPECT_FALSE(store.batch_reply("b3"));
  EXPECT_EQ(store.meta("sequence"), "2");
  EXPECT_EQ(store.route_sequences().at("workload_pressures"), 2u);
  EXPECT_EQ(store.event_count(), 4);
  EXPECT_EQ(store.last_event_block(), 3);
  auto blocks = store.event_blocks_from(2, 10);  // blocks without published events never match
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].events, second_lines);
  EXPECT_NE(second_lines.find("\"sequence\":2,"), std::string::npos);
  EXPECT_EQ(store.event_blocks_from(1, 10).size(), 2u);
  std::vector<std::int64_t> after;
  store.for_each_event_block_after(1, [&](const EventBlock& block) { after.push_back(block.id); });
  EXPECT_EQ(after, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(store.acks().at(2), R"({"by":"me"})");
  EXPECT_EQ(store.last_batch()->batch_id, "b2");
}

// The log is stored as records and read back as JSON lines: every member of every kind of event
// survives, the lines are the ones the log has always shown, the records take far less room than
// the lines; blocks of the older form (plain TEXT) still read; a damaged block is an error naming
// it, not wrong events.
TEST_F(StoreTest, EventLogReadsBackExactlyInEveryForm) {
  std::vector<engine::Event> events(3);
  std::vector<EventNumbers> numbers(3);
  events[0].kind = engine::EventKind::escalated;
  events[0].alert_id = 7;
  events[0].source = engine::AlertSource::rule;
  events[0].rule = "practitioner_caseload";
  events[0].labels = {{"team", "The \"A\" Team\nNorth"}, {"worker", "Zoë"}};
  events[0].severity = ast::Colour::red;
  events[0].value = -23.25;
  events[0].unit = ast::Unit::count;
  events[0].formatted_value = "-23.25";
  events[0].message = "Zoë (The \"A\" Team) holds -23.25 cases";
  events[0].routes = {"workload_pressures", "performance_clinic"};
  events[0].as_of = *parse_iso_date("2020-02-04");
  events[0].since = *parse_iso_date("1969-12-31");
  numbers[0].sequence = 41;
  numbers[0].route_sequences = {17, 9};
  events[1] = events[0];
  events[1].kind = engine::EventKind::fired;
  numbers[1].ack = protocol::Acknowledgement{"Team manager", "seen\nat the clinic", parse_iso_date("2020-03-01"), "2020-02-05T09:00:00Z"};
  numbers[1].sequence = 42;
  numbers[1].route_sequences = {18, 10};
  events[2].kind = engine::EventKind::stale;
  events[2].alert_id = 8;
  events[2].source = engine::AlertSource::stale;
  events[2].rule = "annex_a";
  events[2].unit = ast::Unit::days;
  events[2].value = 35;
  numbers[2].silenced_by = 3;  // no sequence: kept off the feed
  std::string records, lines;
  for (std::size_t i = 0; i < events.size(); ++i) {
    append_event_record(records, events[i], numbers[i]);
    append_event_log_line(lines, events[i], numbers[i]);
    lines += '\n';
  }
  // The line as the log has always written it (members sorted, as nlohmann sorts them).
  EXPECT_EQ(lines.substr(0, lines.find('\n')),
            R"({"route_sequences":{"workload_pressures":17,"performance_clinic":9},"alert_id":7,"as_of":"2020-02-04",)"
            R"("formatted_value":"-23.25","kind":"escalated","labels":{"team":"The \"A\" Team\nNorth","worker":"Zoë"},)"
            R"("message":"Zoë (The \"A\" Team) holds -23.25 cases","routes":["workload_pressures","performance_clinic"],)"
            R"("rule":"practitioner_caseload","sequence":41,"severity":"red","since":"1969-12-31","source":"rule",)"
            R"("unit":"count","value":-23.25})");
  EXPECT_NE(lines.find(R"("acknowledgement":{"at":"2020-02-05T09:00:00Z","by":"Team manager","note":"seen\nat the clinic","review":"2020-03-01"},"alert_id":7)"), std::string::npos) << lines;
  EXPECT_NE(lines.find(R"({"route_sequences":{},"silenced_by":3,"alert_id":8,)"), std::string::npos) << lines;
  // Cut anywhere, the records are either whole events or refused; never read past their end.
  for (std::size_t cut = 0; cut < records.size(); ++cut) {
    std::string partial;
    append_event_record_lines(std::string_view(records).substr(0, cut), partial);
    EXPECT_TRUE(lines.starts_with(partial)) << "cut at " << cut;
  }

  {
    std::unique_ptr<Store> opened = open(SyncMode::normal);
    Store& store = *opened;
    store.begin();
    store.append_event_block(41, 42, 3, records);
    ASSERT_TRUE(store.commit().ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "bandwatch.db").string().c_str(), &db), SQLITE_OK);
  auto query = [&](const char* sql, std::string_view blob = {}) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    if (!blob.empty()) sqlite3_bind_blob(statement, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    std::string first;
    if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0))
      first = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return first;
  };
  EXPECT_EQ(query("SELECT typeof(events) FROM event_blocks WHERE id = 1"), "blob");
  EXPECT_LT(std::stoul(query("SELECT length(events) FROM event_blocks WHERE id = 1")), lines.size() * 2 / 3);
  query("INSERT INTO event_blocks(first_sequence, last_sequence, count, events) VALUES (45, 45, 1, '{\"sequence\":45}\n')");
  {
    std::unique_ptr<Store> opened = open(SyncMode::normal);
    Store& store = *opened;
    auto blocks = store.event_blocks_from(1, 5000);
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(blocks[0].events, lines);
    EXPECT_EQ(blocks[1].events, "{\"sequence\":45}\n");
  }
  // Records cut short, and a BLOB that is not records at all.
  query("UPDATE event_blocks SET events = substr(events, 1, 12) WHERE id = 1");
  query("INSERT INTO event_blocks(first_sequence, last_sequence, count, events) VALUES (46, 46, 1, ?1)",
        std::string_view("\x04\x00\x00\x00" "abcd", 8));
  for (int block : {1, 3}) {
    std::unique_ptr<Store> opened = open(SyncMode::normal);
    Store& store = *opened;
    std::size_t read = 0;
    store.for_each_event_block_after(block - 1, [&](const EventBlock&) { ++read; });
    EXPECT_EQ(read, 0u) << "a damaged block was read";
    StoreStatus status = store.take_status();
    EXPECT_EQ(status.error, (dir_ / "bandwatch.db").string() + ": event block " + std::to_string(block) + " is damaged");
  }
  sqlite3_close(db);
}

TEST_F(StoreTest, RollbackLeavesNothing) {
  std::unique_ptr<Store> opened = open(SyncMode::full);
    Store& store = *opened;
  store.begin();
  store.insert_batch(batch("b1"));
  store.rollback();
  EXPECT_FALSE(store.in_transaction());
  EXPECT_EQ(store.batch_count(), 0);
  EXPECT_FALSE(store.batch_reply("b1"));
}

// A failure inside a transaction: what follows is skipped, and commit() rolls back and says why.
TEST_F(StoreTest, RepeatedBatchIdFailsTheTransaction) {
  std::unique_ptr<Store> opened = open(SyncMode::full);
  Store& store = *opened;
  store.begin();
  store.insert_batch(batch("b1"));
  store.insert_batch(batch("b1"));
  store.insert_batch(batch("b2"));
  StoreStatus status = store.commit();
  EXPECT_EQ(status.error, (dir_ / "bandwatch.db").string() +
                              ": statement failed: UNIQUE constraint failed: batches.batch_id");
  EXPECT_FALSE(store.in_transaction());
  EXPECT_EQ(store.batch_count(), 0);
  EXPECT_TRUE(store.take_status().ok());
  // The next transaction starts clean.
  store.begin();
  store.insert_batch(batch("b3"));
  EXPECT_TRUE(store.commit().ok());
  EXPECT_EQ(store.batch_count(), 1);
}

TEST_F(StoreTest, CheckpointAndReplayOrder) {
  std::unique_ptr<Store> opened = open(SyncMode::full);
    Store& store = *opened;
  store.begin();
  for (int i = 1; i <= 5; ++i) store.insert_batch(batch("b" + std::to_string(i)));
  store.write_checkpoint({3, 0, "state through 3", "now"});
  store.drop_bodies_through(3);
  ASSERT_TRUE(store.commit().ok());
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
  std::int64_t first = 0, second = 0;
  {
    std::unique_ptr<Store> opened = open(SyncMode::full);
    Store& store = *opened;
    store.begin();
    first = store.insert_silence(R"({"until":"2020-03-01"})");
    second = store.insert_silence(R"({"until":"2020-04-01","by":"Jane"})");
    store.update_silence(first, R"({"id":1,"until":"2020-03-15"})");
    ASSERT_TRUE(store.commit().ok());
    EXPECT_EQ(first, 1);
    EXPECT_EQ(second, 2);
    EXPECT_EQ(store.silences(), (std::map<std::int64_t, std::string>{
                                    {1, R"({"id":1,"until":"2020-03-15"})"},
                                    {2, R"({"until":"2020-04-01","by":"Jane"})"}}));
    EXPECT_TRUE(store.remove_silence(second));
    EXPECT_FALSE(store.remove_silence(second));
    EXPECT_FALSE(store.remove_silence(99));
  }
  // Reopened: the update and the removal were kept.
  std::unique_ptr<Store> opened = open(SyncMode::full);
    Store& store = *opened;
  EXPECT_EQ(store.silences(), (std::map<std::int64_t, std::string>{{1, R"({"id":1,"until":"2020-03-15"})"}}));
  EXPECT_TRUE(store.remove_silence(first));
  EXPECT_TRUE(store.silences().empty());
}

TEST_F(StoreTest, UnwritablePlaceIsAClearError) {
  std::string error;
  EXPECT_EQ(Store::open("/proc/bandwatch-cannot-be-here", SyncMode::full, error), nullptr);
  EXPECT_EQ(error, "/proc/bandwatch-cannot-be-here/bandwatch.db: cannot open: unable to open database file");
}

}  // namespace
}  // namespace bandwatch::daemon
