// The daemon with the examples' rules, the way the README's demo runs it, and its config file
// and command-line options.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <sstream>

#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

namespace fs = std::filesystem;

TEST(Examples, DaemonRunsTheExampleRules) {
  TempDir dir;
  Daemon daemon(dir.path(), {source_dir() + "/examples"}, {"--sync", "normal"});
  daemon.start();
  json status = daemon.status();
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(source_dir() + "/examples"))
    files += entry.path().extension() == ".bw";
  EXPECT_EQ(status["rule_files"].size(), files);
  EXPECT_EQ(files, 15u);
  EXPECT_EQ(status["rules"], 25);
  EXPECT_EQ(status["indicators"], 48);

  Watch watch(daemon, dir.path(), {"--route", "workload_pressures"});
  // Stockton 2016, para 36: the Workload Pressures meeting watches unallocated cases.
  write_text(dir / "s.txt", "unallocated_cases{team=\"Stockton North\"} 3 2016-09-30\n");
  Result sent = daemon.send({dir / "s.txt"});
  ASSERT_EQ(sent.code, 0) << sent.err;
  ASSERT_TRUE(watch.wait_for([](const auto& lines) { return lines.size() >= 2; }));
  EXPECT_EQ(watch.events().at(0)["rule"], "cases_unallocated");
  EXPECT_EQ(watch.events().at(0)["severity"], "red");

  // Sample files shipped with the examples go in cleanly, in date order.
  TempDir fresh;
  Daemon other(fresh.path(), {source_dir() + "/examples"}, {"--sync", "normal"});
  other.start();
  Result all = other.send({examples("samples/stockton_2016-09-30.txt"), examples("samples/cambridgeshire_2020-02-04.txt")});
  EXPECT_EQ(all.code, 0) << all.err;
  std::istringstream lines(all.out);
  std::vector<std::string> batches;
  for (std::string line; std::getline(lines, line);) batches.push_back(line.substr(0, line.find(" [")));
  EXPECT_EQ(batches, (std::vector<std::string>{"2016-09-30: ok, 15 sample(s)",
                                               "2020-02-04: ok, 27 sample(s); closed 2016-09-30, 2020-02-04"}));
}

TEST(Options, ConfigFileGivesTheSameOptions) {
  TempDir dir;
  fs::create_directories(dir / "etc");
  fs::copy_file(testdata("rules.bw"), dir / "etc/rules.bw");
  // Relative paths in the file are relative to the file's folder.
  write_text(dir / "etc/bandwatchd.conf",
             "# test config\n"
             "rules = rules.bw\n"
             "state-dir = ../state\n"
             "ingest = tcp://127.0.0.1:*\n"
             "publish = tcp://127.0.0.1:*\n"
             "control = tcp://127.0.0.1:*\n"
             "log-level = warn\n"
             "sync = normal\n");
  Process daemon({bandwatchd_path(), "--config", dir / "etc/bandwatchd.conf"}, dir / "out", dir / "err");
  ASSERT_TRUE(wait_until([&] { return fs::exists(dir / "state/endpoints.json") || !daemon.running(); }))
      << daemon.err();
  ASSERT_TRUE(daemon.running()) << daemon.err();
  json endpoints = json::parse(read_text(dir / "state/endpoints.json"));
  Result status = run({bandwatch_path(), "status", "--control", endpoints["control"], "--format", "json"});
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_EQ(json::parse(status.out)["rules"], 2);
  // log-level from the file: warnings only, so no "started" line.
  EXPECT_EQ(daemon.err().find("bandwatchd started"), std::string::npos) << daemon.err();
  daemon.signal(SIGTERM);
  auto code = daemon.wait(20s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

TEST(Options, TheExampleConfigStartsTheExampleRules) {
  TempDir dir;
  Process daemon({bandwatchd_path(), "--config", source_dir() + "/examples/bandwatchd.conf", "--state-dir",
                  dir / "state", "--ingest", "tcp://127.0.0.1:*", "--publish", "tcp://127.0.0.1:*", "--control",
                  "tcp://127.0.0.1:*", "--sync", "normal"},
                 dir / "out", dir / "err");
  ASSERT_TRUE(wait_until([&] { return fs::exists(dir / "state/endpoints.json") || !daemon.running(); }))
      << daemon.err();
  ASSERT_TRUE(daemon.running()) << daemon.err();
  json endpoints = json::parse(read_text(dir / "state/endpoints.json"));
  Result status = run({bandwatch_path(), "status", "--control", endpoints["control"], "--format", "json"});
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_EQ(json::parse(status.out)["rules"], 25);  // the examples' rules, as above
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(20s).value_or(-1), 0);
}

TEST(Options, UsageErrorsAreClear) {
  Result missing = run({bandwatchd_path(), "--rules", testdata("rules.bw")});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("--state-dir is required"), std::string::npos) << missing.err;
  Result level = run({bandwatchd_path(), "--rules", testdata("rules.bw"), "--state-dir", "/tmp/x", "--log-level", "loud"});
  EXPECT_EQ(level.code, 2);
  EXPECT_NE(level.err.find("--log-level must be one of"), std::string::npos);
  Result help = run({bandwatchd_path(), "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--authorized-keys"), std::string::npos);
}

TEST(Options, OneDaemonPerStateDirectory) {
  TempDir dir;
  Daemon first(dir.path(), {testdata("rules.bw")});
  first.start();
  Result second = run({bandwatchd_path(), "--rules", testdata("rules.bw"), "--state-dir", first.state_dir(),
                       "--ingest", "tcp://127.0.0.1:*", "--publish", "tcp://127.0.0.1:*", "--control",
                       "tcp://127.0.0.1:*"});
  EXPECT_EQ(second.code, 1);
  EXPECT_NE(second.err.find("holds the state directory " + first.state_dir() + ": one daemon per state directory"),
            std::string::npos)
      << second.err;
}

TEST(Options, EndpointInUseIsNamed) {
  TempDir dir;
  Daemon first(dir.path(), {testdata("rules.bw")});
  first.start();
  Result second = run({bandwatchd_path(), "--rules", testdata("rules.bw"), "--state-dir", dir / "other",
                       "--ingest", first.ingest, "--publish", "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*"});
  EXPECT_EQ(second.code, 1);
  EXPECT_NE(second.err.find("cannot bind the ingest socket to " + first.ingest), std::string::npos) << second.err;
}

}  // namespace
}  // namespace bandwatch::e2e
