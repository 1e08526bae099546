// Issue 13, case 3: state silently reset or forked. A state directory that has held a history is
// never restarted from nothing without the operator saying so; one daemon per directory, by an
// OS lock; what is wrong is named, with the way to recover; `bandwatch verify` and `backup`.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "faults.hpp"

namespace bandwatch::e2e {
namespace {

namespace fs = std::filesystem;

const std::string kSamples =
    "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n"
    "unallocated_cases{team=\"Hunts 1\"} 3 2020-02-04\n"
    "caseload{worker=\"W1\",team=\"Hunts 1\"} 23 2020-02-18\n";

/// A state directory with a history: two dates sent (2 events), the daemon stopped cleanly (so a
/// checkpoint covers the batches and their samples were dropped).
class StateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(dir_.path(), std::vector<std::string>{testdata("rules.bw")},
                                       std::vector<std::string>{"--sync", "normal"});
    daemon_->start();
    write_text(dir_ / "s.txt", kSamples);
    Result sent = daemon_->send({dir_ / "s.txt"});
    ASSERT_EQ(sent.code, 0) << sent.err;
    ASSERT_EQ(daemon_->stop(), 0);
  }
  std::string state() const { return daemon_->state_dir(); }
  std::string database() const { return daemon_->state_dir() + "/bandwatch.db"; }
  /// The refusal's first line, and whether it says how to recover.
  void expect_refused(const Result& result, const std::string& what) {
    EXPECT_EQ(result.code, 1) << result.err;
    std::string recover = ". To recover: stop here and restore the database from a backup (`bandwatch backup "
                          "--state-dir " + state() + " FILE` makes one; copy it to " + database() +
                          "), or start a new history with `bandwatchd --reinitialise` (the old files are moved to " +
                          state() + "/old-TIME/, not deleted)";
    EXPECT_NE(result.err.find("critical cannot start: " + what + recover), std::string::npos) << result.err;
  }
  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(StateTest, AnEmptiedDatabaseIsRefusedThenReinitialisedOnRequest) {
  fs::resize_file(database(), 0);  // what `> bandwatch.db` does
  fs::remove(database() + "-wal");
  expect_refused(run_bandwatchd(state()),
                 database() + " is empty, but " + state() + "/state-id says it holds a history");

  // Said on the command line only: a config file would repeat it at every restart.
  write_text(dir_ / "bandwatchd.conf", "reinitialise = true\n");
  Result from_file = run_bandwatchd(state(), {"--config", dir_ / "bandwatchd.conf"});
  EXPECT_EQ(from_file.code, 2);
  EXPECT_NE(from_file.err.find("bandwatchd: --reinitialise is for the command line only, not the config file"),
            std::string::npos) << from_file.err;

  Daemon fresh(dir_.path(), {testdata("rules.bw")}, {"--sync", "normal", "--reinitialise"});
  fresh.start();
  EXPECT_EQ(fresh.status()["sequence"], 0);
  EXPECT_NE(fresh.log().find("--reinitialise: the old state is in " + state() + "/old-"), std::string::npos) << fresh.log();
  std::vector<std::string> aside;
  for (const auto& entry : fs::directory_iterator(state()))
    if (entry.path().filename().string().starts_with("old-")) aside.push_back(entry.path());
  ASSERT_EQ(aside.size(), 1u);
  EXPECT_TRUE(fs::exists(aside[0] + "/bandwatch.db"));
  EXPECT_TRUE(fs::exists(aside[0] + "/state-id"));
}

TEST_F(StateTest, ADeletedDatabaseIsRefused) {
  fs::remove(database());
  fs::remove(database() + "-wal");
  fs::remove(database() + "-shm");
  expect_refused(run_bandwatchd(state()),
                 database() + " is missing, but " + state() + "/state-id says it holds a history");
}

TEST_F(StateTest, AMissingCheckpointIsRefusedNotReplayedFromNothing) {
  // Samples are dropped once a checkpoint after the oldest kept one covers them (withdraw keeps
  // the rest); here every one was, as after a few checkpoints, and then the checkpoint went.
  sql(database(), "UPDATE batches SET body = NULL; DELETE FROM checkpoint");
  expect_refused(run_bandwatchd(state()),
                 database() + " is inconsistent: the checkpoint is missing, but the samples of 2 batch(es) (up to "
                 "batch 2) were dropped as covered by one: the engine state cannot be rebuilt (a start would begin "
                 "from nothing and resolve every open alert) (`bandwatch verify --state-dir " + state() +
                 "` checks it in full)");
}

TEST_F(StateTest, ABadMetaSequenceIsNamed) {
  sql(database(), "UPDATE meta SET value = 'x17' WHERE key = 'sequence'");
  expect_refused(run_bandwatchd(state()),
                 database() + " is inconsistent: meta.sequence is 'x17', not a sequence number (`bandwatch verify "
                 "--state-dir " + state() + "` checks it in full)");
}

TEST_F(StateTest, ASecondDaemonIsRefusedWhateverFilesAreDeleted) {
  daemon_->start();
  std::error_code ignored;
  fs::remove(state() + "/lock", ignored);  // what freed the old lock file
  Result second = run_bandwatchd(state());
  EXPECT_EQ(second.code, 1);
  EXPECT_NE(second.err.find("critical cannot start: another bandwatchd (pid " +
                            std::to_string(daemon_->process().pid()) + ") holds the state directory " + state() +
                            ": one daemon per state directory"),
            std::string::npos)
      << second.err;
  EXPECT_EQ(daemon_->status()["sequence"], 2);  // the first goes on
}

TEST_F(StateTest, AReadOnlyFilesystemIsNamed) {
  Tmpfs disk(dir_ / "disk", 16 << 20);
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  std::string moved = dir_ / "disk/state";
  fs::copy(state(), moved);
  ASSERT_TRUE(disk.read_only(true));
  Result result = run_bandwatchd(moved);
  EXPECT_EQ(result.code, 1);
  EXPECT_NE(result.err.find("critical cannot start: " + moved +
                            " is on a read-only filesystem: bandwatchd keeps its state there and must write it "
                            "(remount it read-write, or give another --state-dir)"),
            std::string::npos)
      << result.err;
}

// A full disk: the batch is refused saying why, reads go on (status says writes fail), and once
// there is room the same batch is taken. The daemon used to stop and not start again.
TEST(DiskFull, ReadsGoOnWritesAreRefusedThenResume) {
  TempDir dir;
  Tmpfs disk(dir / "d/state", 4 << 20);
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  Daemon daemon(dir / "d", {testdata("rules.bw")}, {"--sync", "normal"});
  daemon.start();
  write_text(dir / "first.txt", kSamples);
  ASSERT_EQ(daemon.send_open({dir / "first.txt"}).code, 0);

  // Fill what is left of the disk.
  std::string filler = dir / "d/state/filler";
  std::FILE* out = std::fopen(filler.c_str(), "wb");
  ASSERT_NE(out, nullptr);
  std::string block(4096, 'x');
  while (std::fwrite(block.data(), 1, block.size(), out) == block.size() && std::fflush(out) == 0) {
  }
  std::fclose(out);

  std::string lines;
  for (int worker = 1; worker <= 3000; ++worker)
    lines += "caseload{worker=\"W" + std::to_string(worker) + "\",team=\"Hunts 2\"} 5 2020-03-03\n";
  write_text(dir / "second.txt", lines);
  Result refused = daemon.send_open({dir / "second.txt"});
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("bandwatch send: batch for 2020-03-03 refused: the daemon could not store the batch (" +
                             daemon.state_dir() + "/bandwatch.db: statement failed: database or disk is full): "
                             "nothing of it was applied; send it again"),
            std::string::npos)
      << refused.err;
  Result status = daemon.control("status");
  EXPECT_EQ(status.code, 0) << status.err;
  EXPECT_NE(status.out.find("store:           cannot write since "), std::string::npos) << status.out;
  EXPECT_NE(status.out.find(": " + daemon.state_dir() + "/bandwatch.db: statement failed: database or disk is full; "
                            "batches are refused until it can (free space, then send them again)\n"),
            std::string::npos)
      << status.out;
  EXPECT_EQ(daemon.status()["series"], 2);
  EXPECT_TRUE(daemon.running());

  std::filesystem::remove(filler);
  Result taken = daemon.send_open({dir / "second.txt"});
  EXPECT_EQ(taken.code, 0) << taken.err;
  EXPECT_EQ(taken.out.substr(0, taken.out.find(" [")), "2020-03-03: ok, 3000 sample(s); closed 2020-02-18");
  EXPECT_TRUE(daemon.status()["store_failure"].is_null());
  EXPECT_EQ(daemon.status()["series"], 3002);
  EXPECT_NE(daemon.log().find("info state store writes again (it failed at "), std::string::npos);
  EXPECT_EQ(daemon.stop(), 0);
}

TEST_F(StateTest, VerifyAndBackupWhileTheDaemonRuns) {
  daemon_->start();
  Result verified = run({bandwatch_path(), "verify", "--state-dir", state()});
  EXPECT_EQ(verified.code, 0) << verified.err;
  EXPECT_EQ(verified.out,
            "integrity_check: ok\n"
            "2 batch(es) applied, the last dated 2020-02-18\n"
            "event log: 2 event(s) in 1 block(s), published up to sequence 2\n"
            "checkpoint through batch 2 and event block 1 (" +
                verified.out.substr(verified.out.find("event block 1 (") + 15,
                                    verified.out.find(" bytes") - verified.out.find("event block 1 (") - 15) +
                " bytes of engine state)\n" + state() + ": sound\n");

  Result backup = run({bandwatch_path(), "backup", "--state-dir", state(), dir_ / "copy.db"});
  EXPECT_EQ(backup.code, 0) << backup.err;
  EXPECT_EQ(backup.out.substr(0, backup.out.find(" (")), database() + " backed up to " + (dir_ / "copy.db"));
  Result again = run({bandwatch_path(), "backup", "--state-dir", state(), dir_ / "copy.db"});
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err, "bandwatch backup: " + (dir_ / "copy.db") + " exists: give a new file\n");

  // The copy is a state directory's database: a daemon continues from it.
  fs::create_directories(dir_ / "restored/state");
  fs::copy_file(dir_ / "copy.db", dir_ / "restored/state/bandwatch.db");
  Daemon restored(dir_ / "restored", {testdata("rules.bw")}, {"--sync", "normal"});
  restored.start();
  EXPECT_EQ(restored.status()["sequence"], 2);
  EXPECT_EQ(restored.snapshot()["alerts"].size(), 2u);
  restored.stop();

  daemon_->stop();
  sql(database(), "UPDATE meta SET value = '999' WHERE key = 'sequence'");
  Result damaged = run({bandwatch_path(), "verify", "--state-dir", state()});
  EXPECT_EQ(damaged.code, 1);
  EXPECT_EQ(damaged.err, "bandwatch verify: meta.sequence is 999 but the event log ends at sequence 2\n"
                         "bandwatch verify: 1 problem(s) in " + state() + "\n");
}

}  // namespace
}  // namespace bandwatch::e2e
