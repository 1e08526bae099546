// Issue 13, case 4: security that cannot be misconfigured silently. A bind beyond loopback needs
// CURVE or --insecure-public; endpoints are checked (a port over 65535 was bound modulo 65536);
// text outputs escape control characters from the data (ESC sequences reached the terminal).
#include <gtest/gtest.h>

#include <csignal>

#include "faults.hpp"

namespace bandwatch::e2e {
namespace {

TEST(Security, ABindBeyondLoopbackWithoutCurveIsRefused) {
  TempDir dir;
  Result refused = run_bandwatchd(dir / "state", {"--publish", "tcp://0.0.0.0:*"});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("bandwatchd: --publish tcp://0.0.0.0:* is reachable beyond this machine and CURVE is "
                             "off: set --curve-secret-key and --authorized-keys (docs/daemon.md, CURVE), or "
                             "--insecure-public to accept that anyone who reaches it is served\n"),
            std::string::npos)
      << refused.err;

  Process daemon({bandwatchd_path(), "--state-dir", dir / "state", "--rules", testdata("rules.bw"), "--ingest",
                  "tcp://127.0.0.1:*", "--publish", "tcp://0.0.0.0:*", "--control", "tcp://127.0.0.1:*",
                  "--insecure-public"},
                 dir / "daemon.out", dir / "daemon.err");
  ASSERT_TRUE(wait_until([&] { return !daemon.running() || daemon.err().find("--insecure-public") != std::string::npos; }));
  EXPECT_NE(daemon.err().find("warning --insecure-public: sockets beyond loopback without CURVE; anyone who "
                              "reaches them is served"),
            std::string::npos)
      << daemon.err();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(20s), 0);
}

TEST(Security, EndpointsAreCheckedBeforeLibzmqSeesThem) {
  TempDir dir;
  Result daemon = run_bandwatchd(dir / "state", {"--control", "tcp://127.0.0.1:253010"});
  EXPECT_EQ(daemon.code, 2);
  EXPECT_NE(daemon.err.find("bandwatchd: --control: 'tcp://127.0.0.1:253010': the port 253010 is out of range (1 to "
                            "65535)\n"),
            std::string::npos)
      << daemon.err;
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"status", "--control", "tcp://127.0.0.1:253010"},
        std::vector<std::string>{"send", "--to", "tcp://127.0.0.1:253010", dir / "none.txt"},
        std::vector<std::string>{"watch", "--from", "tcp://127.0.0.1:253010"}}) {
    std::vector<std::string> argv{bandwatch_path()};
    argv.insert(argv.end(), command.begin(), command.end());
    Result client = run(argv);
    EXPECT_EQ(client.code, 2) << command[0];
    std::string option = command[1].substr(2);
    EXPECT_EQ(client.err.substr(0, client.err.find('\n')),
              "bandwatch " + command[0] + ": --" + option +
                  ": 'tcp://127.0.0.1:253010': the port 253010 is out of range (1 to 65535)");
  }
}

class ControlCharacters : public DaemonTest {};

// A label value with an OSC sequence (set the window title) and a clear-screen: shown escaped
// by every text output, kept exact in JSON.
TEST_F(ControlCharacters, TextOutputsEscapeThem) {
  const std::string worker = "W\x1b]0;owned\x07\x1b[2J\xc2\x9b" "1";
  const std::string shown = "W\\x1b]0;owned\\x07\\x1b[2J\\u009b1";
  std::string samples = file("s.txt", "caseload{worker=\"" + worker + "\",team=\"T\"} 25 2020-02-04\n");
  Process watch({bandwatch_path(), "watch", "--from", daemon_->publish, "--control", daemon_->control_endpoint,
                 "--count", "1"},
                dir_ / "watch.out", dir_ / "watch.err");
  ASSERT_TRUE(wait_until([&] { return watch.err().find("following") != std::string::npos; }));
  Result sent = daemon_->send({samples});
  ASSERT_EQ(sent.code, 0) << sent.err;
  ASSERT_EQ(watch.wait(20s), 0) << watch.err();
  EXPECT_EQ(watch.out().find('\x1b'), std::string::npos);
  EXPECT_NE(watch.out().find("practitioner_caseload{team=\"T\", worker=\"" + shown + "\"} = 25  \"" + shown +
                             " (T) holds 25 cases\""),
            std::string::npos)
      << watch.out();

  Result snapshot = daemon_->control("snapshot");
  EXPECT_EQ(snapshot.out.find('\x1b'), std::string::npos);
  EXPECT_NE(snapshot.out.find("worker=\"" + shown + "\""), std::string::npos) << snapshot.out;
  json exact = daemon_->snapshot();
  EXPECT_EQ(exact["alerts"][0]["labels"]["worker"], worker);

  Result eval = run({bandwatch_path(), "eval", "--rules", testdata("rules.bw"), "--samples", samples});
  EXPECT_EQ(eval.out.find('\x1b'), std::string::npos);
  EXPECT_NE(eval.out.find("worker=" + shown), std::string::npos) << eval.out;
}

}  // namespace
}  // namespace bandwatch::e2e
