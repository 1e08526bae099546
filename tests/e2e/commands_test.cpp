// One way for every `bandwatch` command: the exit-status table (no reply is 3 everywhere, a usage
// error 2), --help, the one reading of dates, and `eval`'s events in the daemon's shape.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

const std::string kNobody = "tcp://127.0.0.1:1";  // nothing listens there

std::vector<std::string> with(std::vector<std::string> argv, const std::vector<std::string>& more) {
  argv.insert(argv.end(), more.begin(), more.end());
  return argv;
}

TEST(Commands, NoReplyIsThreeForEveryCommandThatAsksTheDaemon) {
  TempDir dir;
  write_text(dir / "s.txt", "caseload{worker=\"W1\",team=\"T\"} 22 2020-02-04\n");
  const std::vector<std::string> quick{"--timeout", "100", "--retries", "0"};
  const std::vector<std::vector<std::string>> commands{
      {"send", "--to", kNobody, dir / "s.txt"},
      {"snapshot", "--control", kNobody},
      {"ack", "--control", kNobody, "7", "--by", "Jane"},
      {"silence", "--control", kNobody, "--list"},
      {"status", "--control", kNobody},
      {"reload", "--control", kNobody},
      {"watch", "--from", kNobody, "--control", kNobody},
      {"report", "--control", kNobody},
      {"import", "--rules", examples(""), "--extract", "annex_a_list6", "--as-of", "2020-02-04", "--to", kNobody,
       examples("extracts/list6.csv")},
  };
  for (const std::vector<std::string>& command : commands) {
    Result result = run(with(with({bandwatch_path()}, command), quick));
    EXPECT_EQ(result.code, 3) << command[0] << ": " << result.err;
    EXPECT_NE(result.err.find("bandwatch " + command[0] + ": no reply from " + kNobody), std::string::npos)
        << result.err;
  }
}

TEST(Commands, UsageErrorsAreTwoAndNameTheCommand) {
  for (const char* command : {"check", "fmt", "import", "test", "eval", "report", "send", "watch", "snapshot", "ack",
                              "silence", "status", "keygen", "reload"}) {
    Result result = run({bandwatch_path(), command, "--no-such-option"});
    EXPECT_EQ(result.code, 2) << command;
    EXPECT_EQ(result.err.substr(0, result.err.find('\n')),
              std::string("bandwatch ") + command + ": unrecognised option '--no-such-option'");
    EXPECT_NE(result.err.find(std::string("\nusage: bandwatch ") + command + " "), std::string::npos) << result.err;
  }
  Result format = run({bandwatch_path(), "snapshot", "--format", "xml"});
  EXPECT_EQ(format.code, 2);
  EXPECT_EQ(format.err.substr(0, format.err.find('\n')), "bandwatch snapshot: --format must be text or json, not 'xml'");
}

TEST(Commands, HelpShowsTheExitStatusTable) {
  const std::string table =
      "exit status (every command):\n"
      "  0  done\n"
      "  1  something was refused or failed (rules with errors, a file that cannot be used, a\n"
      "     batch or request the daemon refused)\n"
      "  2  usage: the command line is wrong\n"
      "  3  the daemon did not answer after every retry, or refused this client's CURVE key\n"
      "  4  done, with warnings about the data to read on stderr (bad sample lines, rejected\n"
      "     rows: the good ones were used)\n";
  Result help = run({bandwatch_path(), "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find(table), std::string::npos) << help.out;
  Result eval = run({bandwatch_path(), "eval", "--help"});
  EXPECT_EQ(eval.code, 0);
  EXPECT_EQ(eval.out.substr(0, eval.out.find('\n')), "usage: bandwatch eval --rules PATH... --samples FILE... [options]");
  EXPECT_NE(eval.out.find(table), std::string::npos) << eval.out;
}

TEST(Commands, EveryDateOptionReadsIsoAndUkDatesAlike) {
  TempDir dir;
  write_text(dir / "s.txt", "caseload{worker=\"W1\",team=\"T\"} 22\n");
  auto eval = [&](const std::string& as_of) {
    return run({bandwatch_path(), "eval", "--rules", testdata("rules.bw"), "--samples", dir / "s.txt", "--as-of", as_of,
                "--format", "json"});
  };
  Result iso = eval("2020-02-04"), uk = eval("04/02/2020");
  EXPECT_EQ(iso.code, 0) << iso.err;
  EXPECT_EQ(uk.out, iso.out);
  EXPECT_NE(iso.out.find("\"as_of\":\"2020-02-04\""), std::string::npos);

  const std::string why = "wants a date, 2016-09-30 or 30/09/2016: '31/02/2016' is not a real date";
  const std::vector<std::vector<std::string>> commands{
      {"eval", "--rules", testdata("rules.bw"), "--samples", dir / "s.txt", "--as-of", "31/02/2016"},
      {"send", "--as-of", "31/02/2016", dir / "s.txt"},
      {"import", "--rules", examples(""), "--as-of", "31/02/2016", "x.csv"},
      {"report", "--control", kNobody, "--since", "31/02/2016"},
      {"ack", "7", "--review", "31/02/2016"},
      {"silence", "--until", "31/02/2016", "rule=x"},
  };
  for (const std::vector<std::string>& command : commands) {
    Result result = run(with({bandwatch_path()}, command));
    EXPECT_EQ(result.code, 2) << command[0];
    std::string option = command[0] == "report" ? "--since" : command[0] == "ack" ? "--review"
                         : command[0] == "silence" ? "--until" : "--as-of";
    EXPECT_NE(result.err.find("bandwatch " + command[0] + ": " + option + " " + why), std::string::npos) << result.err;
  }
}

// `eval` prints events as the daemon logs and publishes them: the same members, the same text.
TEST_F(DaemonTest, EvalPrintsEventsInTheDaemonsShape) {
  std::string samples = file("s.txt",
                             "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n"
                             "unallocated_cases{team=\"Hunts 1\"} 3 2020-02-04\n");
  Result eval = run({bandwatch_path(), "eval", "--rules", testdata("rules.bw"), "--samples", samples, "--format", "json"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  json offline = json::parse(eval.out);
  const json& events = offline["evaluations"][0]["events"];
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].dump(),
            R"({"alert_id":1,"as_of":"2020-02-04","formatted_value":"22","kind":"fired","labels":{"team":"Hunts 1",)"
            R"("worker":"W1"},"message":"W1 (Hunts 1) holds 22 cases","routes":["workload_pressures"],)"
            R"("rule":"practitioner_caseload","sequence":null,"severity":"amber","since":"2020-02-04","source":"rule",)"
            R"("unit":"count","value":22})");

  ASSERT_EQ(daemon_->send({samples}).code, 0);
  std::vector<json> log = daemon_->event_log();
  ASSERT_EQ(log.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    json published = log[i];
    published.erase("route_sequences");
    published["sequence"] = nullptr;  // numbered by the daemon, not by eval
    EXPECT_EQ(published, events[i]);
  }

  // Open alerts as the daemon's detailed snapshot lists them.
  json snapshot = daemon_->snapshot();
  ASSERT_EQ(offline["open_alerts"].size(), 2u);
  const json& alert = offline["open_alerts"][0];
  EXPECT_EQ(alert["id"], snapshot["alerts"][0]["id"]);
  EXPECT_EQ(alert["acknowledgement"], nullptr);
  EXPECT_EQ(alert["silenced"], nullptr);
  EXPECT_EQ(alert["unit"], "count");
  EXPECT_EQ(alert["message"], "W1 (Hunts 1) holds 22 cases");
}

}  // namespace
}  // namespace bandwatch::e2e
