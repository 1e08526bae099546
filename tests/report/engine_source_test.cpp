// The report's data from a real engine: a replay recorded evaluation by evaluation, offline
// acknowledgements, and the `report` control command's JSON read back by the client.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "report/acknowledgements.hpp"
#include "report/daemon_state.hpp"
#include "report/engine_source.hpp"
#include "report/render.hpp"
#include "clients/sample_files.hpp"
#include "rules/parser.hpp"

namespace bandwatch::report {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRules = R"bw(
route workload_pressures { title "Workload Pressures meeting"  cadence 14 days }
route performance_clinic { title "Performance Clinic" }

metric caseload { unit count  labels worker, team }

rule practitioner_caseload {
  title    "Practitioner caseload above target"
  when     caseload > 20
  severity amber
  escalate red after 2 periods to performance_clinic
  route    workload_pressures
  message  "{worker} ({team}) holds {value} cases"
}

indicator single_assessment_timeliness {
  title  "Timeliness of Single Assessments"
  group  "Table 1: Assessment of need is completed in a timely manner"
  unit   percent  better higher  frame YD
  bands { green >= 95%  amber 90% .. 94%  red <= 89% }
  round  0
  last_year 98.8%
  note   "2015/16 value provisional"
}
)bw";

constexpr const char* kSamples = R"(# four fortnights
single_assessment_timeliness 96.1% 2020-01-07
caseload{worker="W1",team="Hunts 1"} 19 2020-01-07
caseload{worker="W2",team="Hunts 2"} 22 2020-01-07
single_assessment_timeliness 94.4% 2020-01-21
caseload{worker="W1",team="Hunts 1"} 19 2020-01-21
caseload{worker="W2",team="Hunts 2"} 23 2020-01-21
single_assessment_timeliness 93.2% 2020-02-04
caseload{worker="W1",team="Hunts 1"} 21 2020-02-04
caseload{worker="W2",team="Hunts 2"} 24 2020-02-04
single_assessment_timeliness 95.0% 2020-02-18
caseload{worker="W1",team="Hunts 1"} 22 2020-02-18
caseload{worker="W2",team="Hunts 2"} 20 2020-02-18
not_a_metric 1 2020-02-18
)";

Date ymd(int y, unsigned m, unsigned d) { return Date::from_ymd(y, m, d); }

class Replay : public ::testing::Test {
 protected:
  void SetUp() override {
    ParseResult parsed = parse(kRules, "report.bw");
    ASSERT_TRUE(parsed.ok()) << (parsed.diagnostics.empty() ? "" : parsed.diagnostics[0].message);
    files_.push_back(std::move(parsed.file));
    engine::LoadResult loaded = engine_.load(files_);
    ASSERT_TRUE(loaded.ok()) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].message);

    path_ = fs::temp_directory_path() / ("report_engine_source_" + std::to_string(::getpid()) + ".samples");
    std::ofstream(path_) << kSamples;
    cli::SampleFiles samples;
    std::string error;
    ASSERT_TRUE(samples.read(engine_, {path_.string()}, std::nullopt, error)) << error;
    SourceRecorder recorder(program_facts(files_));
    ASSERT_TRUE(samples.replay(engine_, [&](const engine::Evaluation& e) { recorder.record(engine_, e); }, error))
        << error;
    errors_ = samples.errors();
    source_ = recorder.finish(engine_);
  }
  void TearDown() override { fs::remove(path_); }

  const AlertHistory* alert_of(const std::string& rule, const std::string& worker = "") const {
    for (const AlertHistory& a : source_.alerts) {
      if (a.rule != rule) continue;
      if (worker.empty()) return &a;
      for (const auto& [name, value] : a.labels)
        if (name == "worker" && value == worker) return &a;
    }
    return nullptr;
  }

  std::vector<ast::File> files_;
  engine::Engine engine_;
  fs::path path_;
  std::vector<cli::SampleLineError> errors_;
  Source source_;
};

TEST_F(Replay, BadLinesAreReportedWithTheirPosition) {
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].line, 14u);
  EXPECT_EQ(errors_[0].message,
            "unknown metric 'not_a_metric': the rules declare no metric, indicator or extract sample of that name");
}

TEST_F(Replay, RecordsEvaluationsRoutesAndIndicators) {
  EXPECT_EQ(source_.as_of, ymd(2020, 2, 18));
  EXPECT_EQ(source_.evaluations,
            (std::vector<Date>{ymd(2020, 1, 7), ymd(2020, 1, 21), ymd(2020, 2, 4), ymd(2020, 2, 18)}));
  ASSERT_EQ(source_.routes.size(), 2u);
  EXPECT_EQ(source_.routes[0].title, "Workload Pressures meeting");
  EXPECT_EQ(source_.routes[0].cadence, (Duration{14, DurationUnit::days}));
  ASSERT_EQ(source_.indicators.size(), 1u);
  EXPECT_EQ(source_.indicators[0].last_year, "98.8%");
  EXPECT_EQ(source_.indicators[0].note, "2015/16 value provisional");
  EXPECT_EQ(source_.indicators[0].frame, ast::Frame::year_to_date);
}

TEST_F(Replay, IndicatorHistoryIsTheRawValueEachEvaluation) {
  ASSERT_EQ(source_.series.size(), 1u);
  const SeriesInfo& series = source_.series[0];
  ASSERT_EQ(series.history.size(), 4u);
  EXPECT_DOUBLE_EQ(series.history[1].value, 94.4);  // printed as measured, classified as 94%
  EXPECT_EQ(series.value_text, "95%");
  EXPECT_EQ(series.band, Band::green);
  EXPECT_EQ(series.trend, Trend::improving);
  EXPECT_EQ(series.target, "green >= 95%, amber 90% .. 94%, red <= 89%");
  // round 0: green starts where the raw value rounds to 95.
  ASSERT_EQ(series.shades.size(), 3u);
  EXPECT_DOUBLE_EQ(*series.shades[0].lower, 94.5);
}

TEST_F(Replay, AlertLivesFromEvents) {
  // W2: over 20 from the first fortnight, escalated two periods later, resolved at 20.
  const AlertHistory* w2 = alert_of("practitioner_caseload", "W2");
  ASSERT_NE(w2, nullptr);
  EXPECT_FALSE(w2->open);
  EXPECT_EQ(w2->title, "Practitioner caseload above target");
  EXPECT_EQ(w2->since, ymd(2020, 1, 7));
  ASSERT_EQ(w2->changes.size(), 3u);
  EXPECT_EQ(w2->changes[1].kind, ChangeKind::escalated);
  EXPECT_EQ(w2->changes[1].on, ymd(2020, 2, 4));
  EXPECT_EQ(w2->changes[2].kind, ChangeKind::resolved);
  EXPECT_EQ(w2->changes[2].on, ymd(2020, 2, 18));
  // W1: over 20 from the third fortnight, still open and amber.
  const AlertHistory* w1 = alert_of("practitioner_caseload", "W1");
  ASSERT_NE(w1, nullptr);
  EXPECT_TRUE(w1->open);
  EXPECT_EQ(w1->severity, ast::Colour::amber);
  EXPECT_EQ(w1->since, ymd(2020, 2, 4));
  EXPECT_EQ(w1->message, "W1 (Hunts 1) holds 22 cases");
  // The indicator went amber on 21/01 and back to green on 18/02.
  const AlertHistory* indicator = alert_of("single_assessment_timeliness");
  ASSERT_NE(indicator, nullptr);
  EXPECT_FALSE(indicator->open);
  EXPECT_EQ(indicator->title, "Timeliness of Single Assessments");
}

TEST_F(Replay, TheMeetingPackFromTheReplay) {
  BuildResult built = build_model(source_, {});
  ASSERT_TRUE(built.ok());
  const ReportModel& model = built.model;
  ASSERT_GE(model.routes.size(), 2u);
  const RouteReport& wp = model.routes[0];
  EXPECT_EQ(wp.since, ymd(2020, 2, 4));
  // W1 is still open (opened 04/02, the last meeting's data); W2 resolved on 18/02.
  ASSERT_EQ(wp.items.size(), 2u);
  EXPECT_EQ(wp.items[0].kind, AgendaKind::open);
  EXPECT_EQ(wp.items[0].age_days, 14);
  EXPECT_EQ(wp.items[1].kind, AgendaKind::resolved);
  std::string html = render_html(model);
  EXPECT_NE(html.find("<strong>95%</strong>"), std::string::npos);
  EXPECT_NE(html.find("98.8%"), std::string::npos);
}

TEST_F(Replay, OfflineAcknowledgements) {
  nlohmann::json list = nlohmann::json::parse(R"([
    {"rule": "practitioner_caseload", "labels": {"worker": "W1"}, "by": "Team manager", "note": "Agency worker starts",
     "review": "2020-02-11", "at": "2020-02-05"},
    {"rule": "practitioner_caseload", "labels": {"worker": "W9"}, "by": "Nobody"}
  ])");
  std::vector<std::string> warnings;
  std::string error;
  ASSERT_TRUE(apply_acknowledgements(list, source_, warnings, error)) << error;
  const AlertHistory* w1 = alert_of("practitioner_caseload", "W1");
  ASSERT_TRUE(w1->acknowledgement);
  EXPECT_EQ(w1->acknowledgement->who, "Team manager");
  EXPECT_EQ(w1->acknowledgement->review, ymd(2020, 2, 11));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "practitioner_caseload {worker: W9}: no open alert to acknowledge");
  // On the agenda, the review date has passed by the meeting: overdue.
  BuildResult built = build_model(source_, {});
  EXPECT_TRUE(built.model.routes[0].items[0].review_overdue);

  EXPECT_FALSE(apply_acknowledgements(nlohmann::json::parse(R"([{"by": "x"}])"), source_, warnings, error));
  EXPECT_EQ(error, "acknowledgement 1: needs \"rule\"");
  EXPECT_FALSE(apply_acknowledgements(nlohmann::json::parse(R"([{"rule": "x", "review": "11/02/2020"}])"), source_,
                                      warnings, error));
  EXPECT_EQ(error, "acknowledgement 1: \"review\" must be a date YYYY-MM-DD");
}

TEST_F(Replay, AnEscalationClearsAnEarlierAcknowledgement) {
  // W2 escalated on 04/02; an acknowledgement from before then no longer stands. Reopen W2
  // for the test: only open alerts are acknowledged.
  for (AlertHistory& a : source_.alerts)
    if (&a == alert_of("practitioner_caseload", "W2")) {
      a.open = true;
      a.changes.pop_back();
    }
  nlohmann::json list = nlohmann::json::parse(R"([
    {"rule": "practitioner_caseload", "labels": {"worker": "W2"}, "by": "Team manager", "at": "2020-01-08"}])");
  std::vector<std::string> warnings;
  std::string error;
  ASSERT_TRUE(apply_acknowledgements(list, source_, warnings, error));
  EXPECT_FALSE(alert_of("practitioner_caseload", "W2")->acknowledgement);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("cleared by the escalation on 04/02/2020"), std::string::npos);
}

TEST_F(Replay, ReportCommandJsonRoundTrip) {
  nlohmann::json reply = report_state_json(engine_, files_);
  // Through text, as on the wire.
  nlohmann::json wire = nlohmann::json::parse(reply.dump());
  Source read;
  RuleTexts texts;
  std::string error;
  ASSERT_TRUE(read_report_state(wire, read, texts, error)) << error;
  EXPECT_EQ(read.as_of, ymd(2020, 2, 18));
  ASSERT_EQ(read.routes.size(), 2u);
  EXPECT_EQ(read.routes[0].cadence, (Duration{14, DurationUnit::days}));
  EXPECT_FALSE(read.routes[1].cadence);
  EXPECT_EQ(texts.titles["practitioner_caseload"], "Practitioner caseload above target");
  ASSERT_EQ(read.indicators.size(), 1u);
  EXPECT_EQ(read.indicators[0].last_year, "98.8%");
  EXPECT_EQ(read.indicators[0].better, ast::Better::higher);
  EXPECT_EQ(read.indicators[0].frame, ast::Frame::year_to_date);
  EXPECT_EQ(read.indicators[0].unit, ast::Unit::percent);
  ASSERT_EQ(read.series.size(), 1u);
  const SeriesInfo& series = read.series[0];
  EXPECT_EQ(series.value_text, "95%");
  EXPECT_EQ(series.band, Band::green);
  EXPECT_EQ(series.trend, Trend::improving);
  // History from the engine's series store: as many points as it keeps (at least the last two,
  // for the short trend), ending with the latest.
  ASSERT_GE(series.history.size(), 2u);
  EXPECT_EQ(series.history.back().date, ymd(2020, 2, 18));
  EXPECT_DOUBLE_EQ(series.history.back().value, 95.0);
  ASSERT_EQ(series.shades.size(), 3u);
  EXPECT_DOUBLE_EQ(*series.shades[1].lower, 89.5);  // round carried over the wire

  EXPECT_FALSE(read_report_state(nlohmann::json::parse(R"({"sequence": 3})"), read, texts, error));
  EXPECT_NE(error.find("lacks indicators"), std::string::npos);
}

}  // namespace
}  // namespace bandwatch::report
