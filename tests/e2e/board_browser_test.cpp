// The live board in a real browser: Chromium, driven through chromium-driver by Selenium (Debian
// packages chromium, chromium-driver, python3-selenium; tools/install-deps.sh), signs in to the
// real bandwatchd on loopback, watches an alert arrive on the open page without a reload,
// acknowledges it from the page; the acknowledgement is then in `bandwatch snapshot` with the
// signed-in person's name, note and review date. The browser's side is
// tests/e2e/browser/board_browser.py.
#include <gtest/gtest.h>

#include "board_client.hpp"
#include "harness.hpp"

namespace bandwatch::e2e {
namespace {

TEST(BoardBrowserTest, SignsInWatchesAnAlertArriveLiveAndAcknowledgesIt) {
  TempDir dir;
  std::string accounts = dir / "accounts.json";
  Result made = run({"/bin/sh", "-c",
                     "printf 'correct horse\\n' | '" + bandwatch_path() + "' passwd jane --accounts '" + accounts +
                         "' --name 'Jane Humphreys' --role 'workload_pressures=member'"});
  ASSERT_EQ(made.code, 0) << made.err;
  Daemon daemon(dir.path(), {testdata("rules.bw")}, {"--sync", "normal", "--http", "127.0.0.1:0", "--http-accounts", accounts});
  daemon.start();
  std::string sample = dir / "sample.txt";
  write_text(sample, "caseload{worker=\"W1\",team=\"Hunts 1\"} 22 2020-02-04\n");

  // The system's Python: python3-selenium is a Debian package.
  Result browser = run({"/usr/bin/python3", source_dir() + "/tests/e2e/browser/board_browser.py",
                        "http://" + board_address(daemon), bandwatch_path(), daemon.ingest, sample, "jane", "correct horse"},
                       120s);
  ASSERT_EQ(browser.code, 0) << browser.out << browser.err;
  EXPECT_NE(browser.out.find("signed in as Jane Humphreys\n"), std::string::npos) << browser.out;
  EXPECT_NE(browser.out.find("arrived live: alert 1 | feed: fired"), std::string::npos) << browser.out;
  EXPECT_NE(browser.out.find("acknowledged 1\n"), std::string::npos) << browser.out;

  Result snapshot = daemon.control("snapshot", {"--format", "json"});
  ASSERT_EQ(snapshot.code, 0) << snapshot.err;
  json alert = json::parse(snapshot.out)["alerts"].at(0);
  EXPECT_EQ(alert["id"], 1);
  EXPECT_EQ(alert["acknowledgement"]["by"], "Jane Humphreys");
  EXPECT_EQ(alert["acknowledgement"]["note"], "Two cases reallocated to the duty team");
  EXPECT_EQ(alert["acknowledgement"]["review"], "2020-03-31");
}

}  // namespace
}  // namespace bandwatch::e2e
