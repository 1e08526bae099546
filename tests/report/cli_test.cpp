// `bandwatch report` as users run it: the real binary on the example meeting pack, offline from
// files and from a real bandwatchd (wildcard loopback ports, read back from endpoints.json).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.hpp"

namespace bandwatch::report {
namespace {

namespace fs = std::filesystem;
using e2e::bandwatch_path;
using e2e::Daemon;
using e2e::examples;
using e2e::read_text;
using e2e::Result;
using e2e::TempDir;

Result run(const std::vector<std::string>& argv, const e2e::Environment& environment = {}) {
  return e2e::run(argv, std::chrono::minutes(2), environment);
}

std::vector<std::string> offline(std::vector<std::string> extra) {
  std::vector<std::string> argv = {bandwatch_path(),
                                   "report",
                                   "--rules",
                                   examples("stockton_2016.bw"),
                                   examples("routes.bw"),
                                   examples("extracts.bw"),
                                   "--samples",
                                   examples("meeting_pack/stockton_2016_q2.samples"),
                                   "--acknowledgements",
                                   examples("meeting_pack/acknowledgements.json")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ReportCommand, ExampleMeetingPackAsMarkdown) {
  Result r = run(offline({"--format", "markdown"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Data as at 30/09/2016."));
  EXPECT_TRUE(contains(r.out, "**Indicators by band:** Green 11 · Amber 3 · Red 1"));
  EXPECT_TRUE(contains(r.out, "## Workload Pressures meeting"));
  EXPECT_TRUE(contains(r.out, "Changes after 16/09/2016 (the forum's cadence of 14 days): 1 new, 0 escalated, 1 still open, 1 resolved."));
  EXPECT_TRUE(contains(r.out, "**REVIEW OVERDUE**, was due 23/09/2016 (7 days ago)"));
  EXPECT_TRUE(contains(r.out, "| Timeliness of Single Assessments | YD | Green: >= 95%; Amber: 90% - 94%; Red: <= 89% | 97% | 30/09/2016 | **Green** | ↑ improving (was 96%) | 98.8% |"));
  EXPECT_TRUE(contains(r.out, "| Number / proportion of care leavers in EET (16-21 year olds) | Q | Green: >= 55%; Amber: 50% - 54%; Red: <= 49% | 44% | 30/09/2016 | **Red** | ↓ declining (was 50%) | 51.6% |"));
  // The acknowledgement made before C1001's escalation no longer stands, and the user is told.
  EXPECT_TRUE(contains(r.err, "cp_plan_over_two_years {child: C1001}: acknowledged on 05/07/2016, cleared by the escalation on 30/09/2016"));
}

TEST(ReportCommand, HtmlToAFileAndUkDatesInOptions) {
  TempDir dir;
  fs::path out = fs::path(dir.path()) / "pack.html";
  Result r = run(offline({"--out", out.string(), "--since", "02/09/2016", "--route", "workload_pressures"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "wrote " + out.string()));
  std::string html = read_text(out);
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_TRUE(contains(html, "Changes after <time datetime=\"2016-09-02\">02/09/2016</time> (the date given)"));
  EXPECT_FALSE(contains(html, "Performance Clinic (chaired"));  // one forum only
}

TEST(ReportCommand, SpreadsheetsOfTheExamplePack) {
  Result csv = run(offline({"--format", "csv"}));
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_TRUE(csv.out.starts_with("group,indicator,title,labels,frame,target,value,unit,value_text,date,band,trend,last_year,note\r\n"));
  EXPECT_TRUE(contains(csv.out, ",single_assessment_timeliness,Timeliness of Single Assessments,,YD,"
                                "Green: >= 95%; Amber: 90% - 94%; Red: <= 89%,97,percent,97%,2016-09-30,green,improving,98.8%,"))
      << csv.out;
  TempDir dir;
  fs::path out = fs::path(dir.path()) / "pack.xlsx";
  Result xlsx = run(offline({"--format", "xlsx", "--out", out.string()}));
  ASSERT_EQ(xlsx.code, 0) << xlsx.err;
  EXPECT_EQ(read_text(out).substr(0, 2), "PK");  // a zip: the workbook's parts (their cells: spreadsheet_test)
}

TEST(ReportCommand, UsageErrors) {
  Result r = run(offline({"--route", "workload_pressure"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown route 'workload_pressure'; did you mean 'workload_pressures'?")) << r.err;
  r = run({bandwatch_path(), "report", "--format", "html"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "give either --rules and --samples, or --control"));
  r = run(offline({"--since", "31/02/2016"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--since wants a date, 2016-09-30 or 30/09/2016"));
  r = run(offline({"--format", "pdf"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--format pdf needs --out FILE"));
  r = run(offline({"--format", "xlsx"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--format xlsx needs --out FILE"));
}

TEST(ReportCommand, PdfWithoutChromiumNamesThePackage) {
  TempDir dir;
  Result r = run(offline({"--format", "pdf", "--out", (fs::path(dir.path()) / "pack.pdf").string()}),
                 {{"BANDWATCH_CHROMIUM", "/nonexistent/chromium"}});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "install the Debian package `chromium` (apt-get install chromium)")) << r.err;
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "pack.pdf"));
}

TEST(ReportCommand, BadSampleLinesAreReportedAndTheRestReported) {
  TempDir dir;
  fs::path samples = fs::path(dir.path()) / "bad.samples";
  std::ofstream(samples) << "single_assessment_timeliness 96.6% 2016-09-30\nsingle_assessment_timelyness 90% 2016-09-30\n";
  Result r = run({bandwatch_path(), "report", "--rules", examples("stockton_2016.bw"), examples("routes.bw"),
                  examples("extracts.bw"), "--samples", samples.string(), "--format", "markdown"});
  EXPECT_EQ(r.code, 4);  // done, with a bad line the user must read
  EXPECT_TRUE(contains(r.err, samples.string() + ":2:1: error: unknown metric 'single_assessment_timelyness'")) << r.err;
  EXPECT_TRUE(contains(r.out, "| Timeliness of Single Assessments | YD |"));
}

/// A bandwatchd with the example meeting pack's rules, through the shared end-to-end harness.
class LiveDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(
        dir_.path(),
        std::vector<std::string>{examples("stockton_2016.bw"), examples("routes.bw"), examples("extracts.bw")},
        std::vector<std::string>{"--sync", "normal"});
    daemon_->start();
    ingest_ = daemon_->ingest;
    control_ = daemon_->control_endpoint;
  }
  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
  std::string ingest_, control_;
};

TEST_F(LiveDaemon, ReportFromTheDaemonMatchesTheReportFromFiles) {
  Result sent = run({bandwatch_path(), "send", "--close", "--to", ingest_, "-q", examples("meeting_pack/stockton_2016_q2.samples")});
  ASSERT_EQ(sent.code, 0) << sent.err;
  // Acknowledge the vacancies alert as the meeting would, reviewing on the day of the figures
  // (no earlier: a review before the acknowledgement is refused); a week later it is overdue.
  Result snapshot = run({bandwatch_path(), "snapshot", "--control", control_, "--format", "json"});
  ASSERT_EQ(snapshot.code, 0) << snapshot.err;
  std::string vacancies;
  nlohmann::json open = nlohmann::json::parse(snapshot.out);
  for (const nlohmann::json& alert : open["alerts"])
    if (alert["rule"] == "vacancies_rising") vacancies = std::to_string(alert["id"].get<std::uint64_t>());
  ASSERT_FALSE(vacancies.empty()) << snapshot.out;
  Result ack = run({bandwatch_path(), "ack", "--control", control_, vacancies, "--by", "Jane Humphreys", "--note",
                    "Recruitment <campaign>", "--review", "2016-09-30"});
  ASSERT_EQ(ack.code, 0) << ack.err;

  Result live = run({bandwatch_path(), "report", "--control", control_, "--meeting", "07/10/2016", "--format", "markdown"});
  ASSERT_EQ(live.code, 0) << live.err;
  EXPECT_TRUE(contains(live.out, "Jane Humphreys on "));
  EXPECT_TRUE(contains(live.out, ": Recruitment \\<campaign>; **REVIEW OVERDUE**, was due 30/09/2016 (7 days ago)"));

  // Apart from the acknowledgements (the daemon's own, not the example file's), the agenda and
  // the RAG tables are those of the same samples replayed offline.
  Result files = run({bandwatch_path(), "report", "--rules", examples("stockton_2016.bw"), examples("routes.bw"),
                      examples("extracts.bw"), "--samples", examples("meeting_pack/stockton_2016_q2.samples"),
                      "--meeting", "07/10/2016", "--format", "markdown"});
  ASSERT_EQ(files.code, 0) << files.err;
  auto lines_with = [](const std::string& text, const std::string& part) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.find(part) != std::string::npos) out.push_back(line);
    return out;
  };
  // What the example pack says (the offline report is checked line by line in the tests above).
  EXPECT_EQ(lines_with(files.out, "Changes after"),
            (std::vector<std::string>{
                "Changes after 16/09/2016 (the forum's cadence of 14 days): 1 new, 0 escalated, 1 still open, 1 resolved.",
                "Changes after 16/09/2016 (the previous evaluation): 3 new, 2 escalated, 4 still open, 2 resolved."}));
  EXPECT_EQ(lines_with(files.out, "**Indicators by band:**"),
            std::vector<std::string>{"**Indicators by band:** Green 11 · Amber 3 · Red 1"});
  EXPECT_EQ(lines_with(files.out, "| YD |").size(), 6u);
  EXPECT_EQ(lines_with(files.out, "| Q |").size(), 5u);
  EXPECT_EQ(lines_with(files.out, "escalated 30/09/2016").size(), 2u);
  // And the daemon's pack says the same.
  for (const char* part : {"Changes after", "**Indicators by band:**", "| YD |", "| Q |", "escalated 30/09/2016"})
    EXPECT_EQ(lines_with(live.out, part), lines_with(files.out, part)) << part;
}

TEST_F(LiveDaemon, AgesRunToTheDataNotTheWallClock) {
  // The figures are of 2016; the pack is made years later. Without --meeting the meeting is the
  // data's as-of date, so ages are those the meeting of 30/09/2016 saw (not thousands of days).
  Result sent = run({bandwatch_path(), "send", "--close", "--to", ingest_, "-q", examples("meeting_pack/stockton_2016_q2.samples")});
  ASSERT_EQ(sent.code, 0) << sent.err;
  Result live = run({bandwatch_path(), "report", "--control", control_, "--format", "markdown"});
  ASSERT_EQ(live.code, 0) << live.err;
  EXPECT_TRUE(contains(live.out, "Data as at 30/09/2016. Dates are dd/mm/yyyy.")) << live.out;
  EXPECT_TRUE(contains(live.out, "| open since 19/08/2016 | 42 days |")) << live.out;
  EXPECT_TRUE(contains(live.out, "| open since 30/04/2016 | 153 days |")) << live.out;
  // A meeting date given moves every age with it.
  Result later = run({bandwatch_path(), "report", "--control", control_, "--meeting", "07/10/2016", "--format", "markdown"});
  ASSERT_EQ(later.code, 0) << later.err;
  EXPECT_TRUE(contains(later.out, "Data as at 30/09/2016; meeting on 07/10/2016.")) << later.out;
  EXPECT_TRUE(contains(later.out, "| open since 19/08/2016 | 49 days |")) << later.out;
  // --as-of dates sample lines; it is not the meeting's date, and is not silently taken for it.
  Result as_of = run({bandwatch_path(), "report", "--control", control_, "--as-of", "07/10/2016"});
  EXPECT_EQ(as_of.code, 2);
  EXPECT_TRUE(contains(as_of.err, "--as-of dates sample lines without a date (offline); for the meeting's date, give --meeting"))
      << as_of.err;
}

TEST(ReportCommand, NoDaemonIsAClearError) {
  Result r = run({bandwatch_path(), "report", "--control", "tcp://127.0.0.1:1", "--timeout", "200", "--retries", "0"});
  EXPECT_EQ(r.code, 3);  // the daemon did not answer, as for every command
  EXPECT_TRUE(contains(r.err, "no reply from tcp://127.0.0.1:1")) << r.err;
}

}  // namespace
}  // namespace bandwatch::report
