// `bandwatch report` as users run it: the real binary on the example meeting pack, offline from
// files and from a real bandwatchd (wildcard loopback ports, read back from endpoints.json).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace bandwatch::report {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Result {
  int code = -1;
  std::string out, err;
};

/// A fresh directory, removed afterwards.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/bandwatch-report-cli-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// Starts `argv` with output to files; `env` entries are set in the child.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err,
            const std::map<std::string, std::string>& env = {}) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    int in = ::open("/dev/null", O_RDONLY);
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(in, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

/// Runs a command to completion (killed after two minutes).
Result run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {}) {
  TempDir dir;
  pid_t pid = spawn(argv, dir.path() / "out", dir.path() / "err", env);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + 120s;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  Result result;
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp(dir.path() / "out");
  result.err = slurp(dir.path() / "err");
  return result;
}

std::string examples(const std::string& name) { return std::string(BANDWATCH_SOURCE_DIR) + "/examples/" + name; }

std::vector<std::string> offline(std::vector<std::string> extra) {
  std::vector<std::string> argv = {BANDWATCH_PATH,
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
  EXPECT_TRUE(contains(r.out, "| Timeliness of Single Assessments | YD | Green: >= 95%; Amber: 90% - 94%; Red: <= 89% | 96.6% | 30/09/2016 | **Green** | ↑ improving | 98.8% |"));
  EXPECT_TRUE(contains(r.out, "| Number / proportion of care leavers in EET (16-21 year olds) | Q | Green: >= 55%; Amber: 50% - 54%; Red: <= 49% | 43.5% | 30/09/2016 | **Red** | ↓ declining | 51.6% |"));
  // The acknowledgement made before C1001's escalation no longer stands, and the user is told.
  EXPECT_TRUE(contains(r.err, "cp_plan_over_two_years {child: C1001}: acknowledged on 05/07/2016, cleared by the escalation on 30/09/2016"));
}

TEST(ReportCommand, HtmlToAFileAndUkDatesInOptions) {
  TempDir dir;
  fs::path out = dir.path() / "pack.html";
  Result r = run(offline({"--out", out.string(), "--since", "02/09/2016", "--route", "workload_pressures"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "wrote " + out.string()));
  std::string html = slurp(out);
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_TRUE(contains(html, "Changes after <time datetime=\"2016-09-02\">02/09/2016</time> (the date given)"));
  EXPECT_FALSE(contains(html, "Performance Clinic (chaired"));  // one forum only
}

TEST(ReportCommand, UsageErrors) {
  Result r = run(offline({"--route", "workload_pressure"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown route 'workload_pressure'; did you mean 'workload_pressures'?")) << r.err;
  r = run({BANDWATCH_PATH, "report", "--format", "html"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "give either --rules and --samples, or --control"));
  r = run(offline({"--since", "31/02/2016"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--since wants a date, 2016-09-30 or 30/09/2016"));
  r = run(offline({"--format", "pdf"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--format pdf needs --out FILE"));
}

TEST(ReportCommand, PdfWithoutChromiumNamesThePackage) {
  TempDir dir;
  Result r = run(offline({"--format", "pdf", "--out", (dir.path() / "pack.pdf").string()}),
                 {{"BANDWATCH_CHROMIUM", "/nonexistent/chromium"}});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "install the Debian package `chromium` (apt-get install chromium)")) << r.err;
  EXPECT_FALSE(fs::exists(dir.path() / "pack.pdf"));
}

TEST(ReportCommand, BadSampleLinesAreReportedAndTheRestReported) {
  TempDir dir;
  fs::path samples = dir.path() / "bad.samples";
  std::ofstream(samples) << "single_assessment_timeliness 96.6% 2016-09-30\nsingle_assessment_timelyness 90% 2016-09-30\n";
  Result r = run({BANDWATCH_PATH, "report", "--rules", examples("stockton_2016.bw"), examples("routes.bw"),
                  examples("extracts.bw"), "--samples", samples.string(), "--format", "markdown"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, samples.string() + ":2:1: error: unknown metric 'single_assessment_timelyness'")) << r.err;
  EXPECT_TRUE(contains(r.out, "| Timeliness of Single Assessments | YD |"));
}

/// A bandwatchd on wildcard loopback ports with its own state directory.
class LiveDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "state");
    pid_ = spawn({BANDWATCHD_PATH, "--rules", examples("stockton_2016.bw"), examples("routes.bw"), examples("extracts.bw"),
                  "--state-dir", (dir_.path() / "state").string(), "--ingest", "tcp://127.0.0.1:*", "--publish",
                  "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*", "--log-level", "warn"},
                 dir_.path() / "daemon.out", dir_.path() / "daemon.err");
    // Ready when it has written the ports it bound.
    fs::path endpoints = dir_.path() / "state" / "endpoints.json";
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (fs::exists(endpoints)) {
        nlohmann::json json = nlohmann::json::parse(slurp(endpoints), nullptr, false);
        if (json.is_object() && json.value("pid", 0) == pid_) {
          ingest_ = json["ingest"];
          control_ = json["control"];
          return;
        }
      }
      std::this_thread::sleep_for(10ms);
    }
    FAIL() << "bandwatchd did not start: " << slurp(dir_.path() / "daemon.err");
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  TempDir dir_;
  pid_t pid_ = -1;
  std::string ingest_, control_;
};

TEST_F(LiveDaemon, ReportFromTheDaemonMatchesTheReportFromFiles) {
  Result sent = run({BANDWATCH_PATH, "send", "--to", ingest_, "-q", examples("meeting_pack/stockton_2016_q2.samples")});
  ASSERT_EQ(sent.code, 0) << sent.err;
  // Acknowledge the vacancies alert as the meeting would, with a review date now passed.
  Result snapshot = run({BANDWATCH_PATH, "snapshot", "--control", control_, "--format", "json"});
  ASSERT_EQ(snapshot.code, 0) << snapshot.err;
  std::string vacancies;
  nlohmann::json open = nlohmann::json::parse(snapshot.out);
  for (const nlohmann::json& alert : open["alerts"])
    if (alert["rule"] == "vacancies_rising") vacancies = std::to_string(alert["id"].get<std::uint64_t>());
  ASSERT_FALSE(vacancies.empty()) << snapshot.out;
  Result ack = run({BANDWATCH_PATH, "ack", "--control", control_, vacancies, "--by", "Jane Humphreys", "--note",
                    "Recruitment <campaign>", "--review", "2016-09-23"});
  ASSERT_EQ(ack.code, 0) << ack.err;

  Result live = run({BANDWATCH_PATH, "report", "--control", control_, "--meeting", "30/09/2016", "--format", "markdown"});
  ASSERT_EQ(live.code, 0) << live.err;
  EXPECT_TRUE(contains(live.out, "Jane Humphreys on "));
  EXPECT_TRUE(contains(live.out, ": Recruitment \\<campaign>; **REVIEW OVERDUE**, was due 23/09/2016 (7 days ago)"));

  // Apart from the acknowledgements (the daemon's own, not the example file's), the agenda and
  // the RAG tables are those of the same samples replayed offline.
  Result files = run({BANDWATCH_PATH, "report", "--rules", examples("stockton_2016.bw"), examples("routes.bw"),
                      examples("extracts.bw"), "--samples", examples("meeting_pack/stockton_2016_q2.samples"),
                      "--format", "markdown"});
  ASSERT_EQ(files.code, 0) << files.err;
  auto lines_with = [](const std::string& text, const std::string& part) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.find(part) != std::string::npos) out.push_back(line);
    return out;
  };
  EXPECT_EQ(lines_with(live.out, "Changes after"), lines_with(files.out, "Changes after"));
  EXPECT_EQ(lines_with(live.out, "**Indicators by band:**"), lines_with(files.out, "**Indicators by band:**"));
  EXPECT_EQ(lines_with(live.out, "| YD |"), lines_with(files.out, "| YD |"));
  EXPECT_EQ(lines_with(live.out, "| Q |"), lines_with(files.out, "| Q |"));
  EXPECT_EQ(lines_with(live.out, "escalated 30/09/2016"), lines_with(files.out, "escalated 30/09/2016"));
}

TEST(ReportCommand, NoDaemonIsAClearError) {
  Result r = run({BANDWATCH_PATH, "report", "--control", "tcp://127.0.0.1:1", "--timeout", "200", "--retries", "0"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "no reply from tcp://127.0.0.1:1")) << r.err;
}

}  // namespace
}  // namespace bandwatch::report
