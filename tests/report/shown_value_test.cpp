// One number everywhere (issue 15 section 3): the value the RAG table, the agenda, alerts and
// `eval` show is the value as classified, shown with the indicator's places and never on the
// other side of a band edge; the trend word agrees with the figures shown; benchmark columns;
// plurals; resolved items in words of their own. Through a real engine replay.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "protocol/protocol.hpp"
#include "report/control_source.hpp"
#include "report/daemon_state.hpp"
#include "report/engine_source.hpp"
#include "report/render.hpp"
#include "clients/sample_files.hpp"
#include "rules/parser.hpp"

namespace bandwatch::report {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRules = R"bw(
route clinic { title "Performance Clinic" }

benchmark england {
  title "England"
  health        88%
  re_referrals  22.7%
}
benchmark neighbours {
  title "Statistical neighbours"
  re_referrals  21.9%
}

metric waiting { unit count  labels team }

rule children_waiting {
  title    "Children waiting for allocation"
  when     waiting > 0
  severity amber
  route    clinic
  message  "{team}: {value} children waiting for a worker"
}

indicator health {
  title  "Health of CiC"
  group  "Table 4"
  unit   percent  better higher
  bands { green >= 90%  amber 80% .. 89%  red <= 79% }
  round  0
  route  clinic
}

indicator re_referrals {
  title  "Re-referrals within 12 months"
  group  "Table 2"
  unit   percent  better lower
  bands { green <= 5%  amber 6% .. 10%  red >= 11% }
  round  0
}

indicator timeliness {
  title  "ICPCs within 15 days"
  group  "Table 2"
  unit   percent  better higher
  bands { green >= 90%  red < 90% }
  decimals 0
}
)bw";

constexpr const char* kSamples = R"(health 88.1% 2020-01-31
re_referrals 4.6% 2020-01-31
timeliness 87.4% 2020-01-31
waiting{team="Hunts 1"} 1 2020-01-31
health 89.8% 2020-02-29
re_referrals 5.1% 2020-02-29
timeliness 89.96% 2020-02-29
waiting{team="Hunts 1"} 3 2020-02-29
waiting{team="Hunts 1"} 0 2020-03-31
)";

class ShownValue : public ::testing::Test {
 protected:
  void SetUp() override {
    ParseResult parsed = parse(kRules, "shown.bw");
    ASSERT_TRUE(parsed.ok()) << (parsed.diagnostics.empty() ? "" : parsed.diagnostics[0].message);
    files_.push_back(std::move(parsed.file));
    engine::LoadResult loaded = engine_.load(files_);
    ASSERT_TRUE(loaded.ok()) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].message);
    path_ = fs::temp_directory_path() / ("report_shown_value_" + std::to_string(::getpid()) + ".samples");
    std::ofstream(path_) << kSamples;
    cli::SampleFiles samples;
    std::string error;
    ASSERT_TRUE(samples.read(engine_, {path_.string()}, std::nullopt, error)) << error;
    SourceRecorder recorder(program_facts(files_));
    ASSERT_TRUE(samples.replay(engine_, [&](const engine::Evaluation& e) {
      for (const engine::Event& event : e.events) messages_.push_back(event.message);
      recorder.record(engine_, e);
    }, error)) << error;
    ASSERT_TRUE(samples.errors().empty());
    source_ = recorder.finish(engine_);
    BuildResult built = build_model(source_, {});
    ASSERT_TRUE(built.ok()) << built.error;
    model_ = std::move(built.model);
  }
  void TearDown() override { fs::remove(path_); }

  const RagRow& row(const std::string& indicator) const {
    for (const RagGroup& group : model_.groups)
      for (const RagRow& r : group.rows)
        if (r.indicator == indicator) return r;
    throw std::runtime_error("no row " + indicator);
  }
  const RagGroup& group(const std::string& title) const {
    for (const RagGroup& g : model_.groups)
      if (g.title == title) return g;
    throw std::runtime_error("no group " + title);
  }

  std::vector<ast::File> files_;
  engine::Engine engine_;
  fs::path path_;
  Source source_;
  ReportModel model_;
  std::vector<std::string> messages_;
};

TEST_F(ShownValue, TheRagTableShowsTheValueAsBanded) {
  // 89.8% with `round 0` is classified 90%, green: the table says 90%, never 89.8% beside Green.
  const RagRow& health = row("health");
  EXPECT_EQ(health.value_text, "90%");
  EXPECT_DOUBLE_EQ(health.value, 90);
  EXPECT_DOUBLE_EQ(health.raw_value, 89.8);
  EXPECT_EQ(health.band, Band::green);
  // eval and the engine show the same text.
  EXPECT_EQ(engine_.format_indicator_value("health", 90), "90%");
  std::string csv = render_csv(model_);
  EXPECT_NE(csv.find(",health,Health of CiC,,,Green: >= 90%; Amber: 80% - 89%; Red: <= 79%,90,percent,90%,2020-02-29,green,improving,,,88,\r\n"),
            std::string::npos) << csv;
}

TEST_F(ShownValue, TheTrendWordAgreesWithTheFiguresShown) {
  // 4.6% then 5.1%, both classified as 5%: "unchanged", shown beside 5% and was 5%.
  const RagRow& re = row("re_referrals");
  EXPECT_EQ(re.value_text, "5%");
  EXPECT_EQ(re.previous_value_text, "5%");
  EXPECT_EQ(re.trend, Trend::unchanged);
  std::string markdown = render_markdown(model_);
  EXPECT_NE(markdown.find("| 5% | 29/02/2020 | **Green** | → unchanged (was 5%) | - | 22.7% | 21.9% |"), std::string::npos)
      << markdown;
}

TEST_F(ShownValue, DecimalsNeverPrintAValueAcrossABandEdge) {
  // `decimals 0` without `round`: 87.4% is shown 87%, but 89.96% (red against `green >= 90%`)
  // is shown with the places that keep it red: 89.96%, not 90%.
  EXPECT_EQ(engine_.format_indicator_value("timeliness", 87.4), "87%");
  const RagRow& timeliness = row("timeliness");
  EXPECT_EQ(timeliness.band, Band::red);
  EXPECT_EQ(timeliness.value_text, "89.96%");
  EXPECT_EQ(timeliness.trend, Trend::improving);
  EXPECT_EQ(timeliness.previous_value_text, "87%");
}

TEST_F(ShownValue, BenchmarkColumnsWhereDeclared) {
  // Table 2 has both benchmarks (neighbours for re-referrals only); Table 4 only England's.
  const RagGroup& table2 = group("Table 2");
  ASSERT_EQ(table2.benchmarks.size(), 2u);
  EXPECT_EQ(table2.benchmarks[0].title, "England");
  EXPECT_EQ(table2.benchmarks[1].title, "Statistical neighbours");
  const RagRow& re = row("re_referrals");
  ASSERT_EQ(re.benchmarks.size(), 2u);
  EXPECT_EQ(re.benchmarks[0].text, "22.7%");
  EXPECT_EQ(re.benchmarks[1].text, "21.9%");
  const RagRow& timeliness = row("timeliness");
  ASSERT_EQ(timeliness.benchmarks.size(), 2u);
  EXPECT_FALSE(timeliness.benchmarks[0].has_value);
  const RagGroup& table4 = group("Table 4");
  ASSERT_EQ(table4.benchmarks.size(), 1u);
  EXPECT_EQ(row("health").benchmarks[0].text, "88%");
  std::string html = render_html(model_);
  EXPECT_NE(html.find("<th scope=\"col\" class=\"benchmark\">Statistical neighbours</th>"), std::string::npos);
  EXPECT_NE(html.find("<td data-label=\"Statistical neighbours\" class=\"benchmark value\">21.9%</td>"), std::string::npos);
  std::string csv = render_csv(model_);
  EXPECT_TRUE(csv.starts_with(
      "group,indicator,title,labels,frame,target,value,unit,value_text,date,band,trend,last_year,note,england,neighbours\r\n"))
      << csv;
}

TEST_F(ShownValue, TheBenchmarksGoOverTheDaemonsWire) {
  nlohmann::json wire = nlohmann::json::parse(report_state_json(engine_, files_).dump());
  Source read;
  RuleTexts texts;
  std::string error;
  ASSERT_TRUE(read_report_state(wire, read, texts, error)) << error;
  BuildResult built = build_model(read, {});
  ASSERT_TRUE(built.ok());
  std::string markdown = render_markdown(built.model);
  EXPECT_NE(markdown.find("| 5% | 29/02/2020 | **Green** | → unchanged (was 5%) | - | 22.7% | 21.9% |"), std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("| 90% | 29/02/2020 | **Green** | ↑ improving (was 88%) | - | 88% |"), std::string::npos)
      << markdown;
}

TEST_F(ShownValue, OneChildNotOneChildren) {
  // Fired at 1: the noun agrees with the number. Resolved at 0: in the resolved wording of its own
  // (issue 17 item 10), not the firing text with the new value.
  EXPECT_NE(std::find(messages_.begin(), messages_.end(), "Hunts 1: 1 child waiting for a worker"), messages_.end());
  EXPECT_NE(std::find(messages_.begin(), messages_.end(),
                      "Children waiting for allocation (team=Hunts 1): back within limits (0)"),
            messages_.end());
}

TEST_F(ShownValue, AResolvedItemSaysSoInItsOwnWords) {
  Options options;
  options.since = Date::from_ymd(2020, 1, 31);
  BuildResult built = build_model(source_, options);
  ASSERT_TRUE(built.ok());
  const RouteReport* clinic = nullptr;
  for (const RouteReport& route : built.model.routes)
    if (route.name == "clinic") clinic = &route;
  ASSERT_NE(clinic, nullptr);
  std::vector<std::string> resolved;
  for (const AgendaItem& item : clinic->items)
    if (item.kind == AgendaKind::resolved) resolved.push_back(item.title + ": " + item.message);
  // Health went green on 29/02 and waiting fell to 0 on 31/03: neither item repeats the firing
  // message with the resolved value ("0 children waiting").
  EXPECT_EQ(resolved, (std::vector<std::string>{
                          "Health of CiC: Back in green at 90%",
                          "Children waiting for allocation: No longer raised (now 0); raised as: Hunts 1: 1 child "
                          "waiting for a worker"}));
}


// Issue 17 item 10 in the pack: an analyst's `resolved message` is what the pack says of the
// resolution, from a replay and from a daemon alike; without one the pack keeps its own words.
constexpr const char* kRulesWithResolvedMessage = R"bw(
route clinic { title "Performance Clinic" }
metric waiting { unit count  labels team }
rule children_waiting {
  title    "Children waiting for allocation"
  when     waiting > 0
  severity amber
  route    clinic
  message  "{team}: {value} children waiting for a worker"
  resolved message "{team}: every child has a worker again"
}
)bw";

std::vector<std::string> resolved_items(const Source& source) {
  Options options;
  options.since = Date::from_ymd(2020, 1, 31);
  BuildResult built = build_model(source, options);
  EXPECT_TRUE(built.ok()) << built.error;
  std::vector<std::string> out;
  for (const RouteReport& route : built.model.routes)
    for (const AgendaItem& item : route.items)
      if (item.kind == AgendaKind::resolved) out.push_back(item.title + ": " + item.message);
  return out;
}

TEST(ResolvedMessage, ThePackSaysTheAnalystsResolvedMessageFromAReplayAndFromTheDaemon) {
  ParseResult parsed = parse(kRulesWithResolvedMessage, "resolved.bw");
  ASSERT_TRUE(parsed.ok());
  std::vector<ast::File> files;
  files.push_back(std::move(parsed.file));
  engine::Engine engine;
  ASSERT_TRUE(engine.load(files).ok());
  fs::path path = fs::temp_directory_path() / ("report_resolved_" + std::to_string(::getpid()) + ".samples");
  std::ofstream(path) << "waiting{team=\"Hunts 1\"} 2 2020-01-31\nwaiting{team=\"Hunts 1\"} 0 2020-02-29\n";
  cli::SampleFiles samples;
  std::string error;
  ASSERT_TRUE(samples.read(engine, {path.string()}, std::nullopt, error)) << error;
  SourceRecorder recorder(program_facts(files));
  std::vector<std::string> event_log;  // as the daemon keeps it: numbered event JSON
  ASSERT_TRUE(samples.replay(engine, [&](const engine::Evaluation& e) {
    recorder.record(engine, e);
    for (const engine::Event& event : e.events) {
      std::string text;
      protocol::append_event_json(text, event, event_log.size() + 1);
      event_log.push_back(std::move(text));
    }
  }, error)) << error;
  fs::remove(path);
  const std::vector<std::string> expected{"Children waiting for allocation: Hunts 1: every child has a worker again"};
  EXPECT_EQ(resolved_items(recorder.finish(engine)), expected);

  // The same through the control commands `bandwatch report --control` asks.
  ControlAsk ask = [&](const nlohmann::json& request, std::string&) -> std::optional<nlohmann::json> {
    std::string command = request.at("command");
    if (command == "report") return nlohmann::json::parse(report_state_json(engine, files).dump());
    if (command == "snapshot") return nlohmann::json{{"alerts", nlohmann::json::array()}};
    nlohmann::json events = nlohmann::json::array();
    for (std::size_t i = request.at("from").get<std::size_t>(); i <= event_log.size(); ++i)
      events.push_back(nlohmann::json::parse(event_log[i - 1]));
    return nlohmann::json{{"sequence", event_log.size()}, {"events", events}};
  };
  ControlSourceReader reader;
  std::optional<Source> from_daemon = reader.read(ask, error);
  ASSERT_TRUE(from_daemon) << error;
  EXPECT_EQ(resolved_items(*from_daemon), expected);
}

}  // namespace
}  // namespace bandwatch::report
