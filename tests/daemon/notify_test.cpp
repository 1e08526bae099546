// The notifier's parts without the daemon: the policy table, the outbox's idempotent queueing
// and retry bookkeeping, and mail headers outside ASCII.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "notify/delivery.hpp"
#include "notify/mail_text.hpp"
#include "notify/notice.hpp"
#include "notify/outbox.hpp"

namespace bandwatch::daemon::notify {
namespace {

namespace fs = std::filesystem;

TEST(NotifyPolicy, RedGoesAtOnceTheRestWaitsForTheDigest) {
  EXPECT_EQ(timing_of("fired", "red"), Timing::at_once);
  EXPECT_EQ(timing_of("escalated", "red"), Timing::at_once);
  EXPECT_EQ(timing_of("fired", "amber"), Timing::digest);
  EXPECT_EQ(timing_of("de-escalated", "amber"), Timing::digest);
  EXPECT_EQ(timing_of("resolved", "red"), Timing::digest);
  EXPECT_EQ(timing_of("stale", "amber"), Timing::digest);
  EXPECT_EQ(timing_of("unbanded", "unbanded"), Timing::digest);
  EXPECT_EQ(timing_of("acknowledged", "red"), Timing::none);
  EXPECT_EQ(timing_of("pending", "red"), Timing::none);
}

TEST(NotifyPolicy, SilencedEventsAreNotForPeople) {
  nlohmann::json event = {{"kind", "fired"},   {"severity", "red"}, {"as_of", "2020-02-04"},
                          {"sequence", nullptr}, {"rule", "r"},      {"message", "m"}};
  EXPECT_FALSE(notice_item(event).has_value());
  event["sequence"] = std::uint64_t{7};  // as the log's JSON reads back
  ASSERT_TRUE(notice_item(event).has_value());
  EXPECT_EQ(notice_item(event)->change, Change::new_red);
}

TEST(NotifyText, DatesAndCounts) {
  EXPECT_EQ(long_date(Date::from_ymd(2020, 2, 4)), "4 February 2020");
  EXPECT_EQ(long_date(Date::from_ymd(2021, 12, 31)), "31 December 2021");
  Notice notice;
  notice.kind = Notice::Kind::digest;
  notice.as_of = Date::from_ymd(2020, 2, 18);
  EXPECT_EQ(headline(notice), "Digest to 18 February 2020: nothing new");
  NoticeItem amber;
  amber.change = Change::new_amber;
  NoticeItem resolved;
  resolved.change = Change::resolved;
  notice.items = {amber, resolved, amber};
  EXPECT_EQ(digest_counts(notice), "2 new amber, 1 resolved");
  EXPECT_EQ(single_line("a\r\nBcc: x", 100), "a  Bcc: x");
  EXPECT_EQ(single_line("caf\xc3\xa9s", 4), "caf...");  // not cut inside the é
}

TEST(NotifyHeaders, NonAsciiSubjectsAreEncodedWords) {
  EXPECT_EQ(header_text("[Clinic] Red: 3 cases"), "[Clinic] Red: 3 cases");
  EXPECT_EQ(header_text("Children\xe2\x80\x99s clinic: \xc2\xa3" "5m"), "=?UTF-8?B?Q2hpbGRyZW7igJlzIGNsaW5pYzogwqM1bQ==?=");
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bandwatch-outbox-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);  // the daemon's Store makes it before the outbox opens
    std::string error;
    outbox_ = Outbox::open(dir_.string(), SyncMode::normal, error);
    ASSERT_TRUE(outbox_) << error;
  }
  void TearDown() override {
    outbox_.reset();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  std::unique_ptr<Outbox> outbox_;
};

TEST_F(OutboxTest, OneKeyIsQueuedOnce) {
  outbox_->begin();
  EXPECT_TRUE(outbox_->add_message({"alerts:r:email:5", "r", "email", "alerts", "s", "{}"}, "2020-02-04T09:00:00Z"));
  EXPECT_FALSE(outbox_->add_message({"alerts:r:email:5", "r", "email", "alerts", "s", "{}"}, "2020-02-04T09:00:01Z"));
  outbox_->set_cursor(12);
  ASSERT_TRUE(outbox_->commit().ok());
  EXPECT_EQ(outbox_->counts().pending, 1);
  EXPECT_EQ(outbox_->cursor(), 12);
}

TEST_F(OutboxTest, ARetryWaitsItsTurnAndASentMessageIsNotDueAgain) {
  outbox_->begin();
  outbox_->add_message({"a", "r", "email", "alerts", "first", "{}"}, "t");
  outbox_->add_message({"b", "r", "teams", "alerts", "second", "{}"}, "t");
  ASSERT_TRUE(outbox_->commit().ok());
  std::optional<OutboxRow> due = outbox_->next_due(1000);
  ASSERT_TRUE(due);
  EXPECT_EQ(due->summary, "first");
  outbox_->begin();
  outbox_->mark_retry(due->id, 5000, "Couldn't connect to server");
  ASSERT_TRUE(outbox_->commit().ok());
  due = outbox_->next_due(1000);
  ASSERT_TRUE(due);
  EXPECT_EQ(due->summary, "second");
  outbox_->begin();
  outbox_->mark_sent(due->id, "t2");
  ASSERT_TRUE(outbox_->commit().ok());
  EXPECT_FALSE(outbox_->next_due(1000));
  EXPECT_EQ(outbox_->next_attempt_ms(), 5000);
  due = outbox_->next_due(5000);
  ASSERT_TRUE(due);
  EXPECT_EQ(due->summary, "first");
  EXPECT_EQ(due->attempts, 1);
  EXPECT_EQ(due->last_error, "Couldn't connect to server");
  OutboxCounts counts = outbox_->counts();
  EXPECT_EQ(counts.pending, 1);
  EXPECT_EQ(counts.sent, 1);
}

}  // namespace
}  // namespace bandwatch::daemon::notify
