// Persistence and reload: export/import continues exactly as an uninterrupted engine would,
// the text encoding round-trips, reload keeps alert state for rules that still exist, compile
// errors and ingest errors.
#include <cmath>
#include <map>
#include <sstream>

#include "engine_test_util.hpp"

namespace bandwatch::engine::testing {
namespace {

constexpr std::string_view kRules = R"(
metric caseload { unit count  labels worker, team }
route workload_pressures { title "Workload Pressures meeting" }
route performance_clinic { title "Clinic" }
rule practitioner_caseload {
  when caseload > 20  severity amber
  escalate red after 2 periods to performance_clinic
  route workload_pressures
  message "{worker} holds {value} cases"
}
indicator team_rate { unit percent  better higher  bands { green >= 90%  amber 80% .. 89%  red < 80% } }
rule rising { when team_rate > prev(team_rate)  for 1 periods  severity amber }
)";

const char* kDates[] = {"2020-01-07", "2020-01-21", "2020-02-04", "2020-02-18", "2020-03-03"};
const char* kBatches[] = {
    "caseload{worker=\"W1\", team=\"The \\\"A\\\" Team\"} 21\ncaseload{worker=\"W2\", team=\"B\"} 5\nteam_rate 85",
    "caseload{worker=\"W1\", team=\"The \\\"A\\\" Team\"} 22\ncaseload{worker=\"W2\", team=\"B\"} 25\nteam_rate 86",
    "caseload{worker=\"W1\", team=\"The \\\"A\\\" Team\"} 23\ncaseload{worker=\"W2\", team=\"B\"} 26\nteam_rate 79",
    "caseload{worker=\"W1\", team=\"The \\\"A\\\" Team\"} 23\ncaseload{worker=\"W2\", team=\"B\"} 19\nteam_rate 95",
    "caseload{worker=\"W1\", team=\"The \\\"A\\\" Team\"} 19\nteam_rate 96",
};

TEST(State, ExportImportContinuesAsIfUninterrupted) {
  for (int cut = 1; cut < 5; ++cut) {
    Engine straight, first, second;
    load(straight, kRules);
    load(first, kRules);
    load(second, kRules);
    std::vector<std::string> expected, got;
    for (int i = 0; i < 5; ++i)
      for (const std::string& e : describe(step(straight, kBatches[i], kDates[i]).events)) expected.push_back(e);
    for (int i = 0; i < cut; ++i)
      for (const std::string& e : describe(step(first, kBatches[i], kDates[i]).events)) got.push_back(e);
    std::string error;
    std::optional<EngineState> decoded = decode_state(encode_state(first.export_state()), &error);
    ASSERT_TRUE(decoded) << error;
    EXPECT_TRUE(second.import_state(*decoded).empty());
    for (int i = cut; i < 5; ++i)
      for (const std::string& e : describe(step(second, kBatches[i], kDates[i]).events)) got.push_back(e);
    EXPECT_EQ(got, expected) << "cut after " << cut;
    std::vector<Alert> a = straight.open_alerts(true), b = second.open_alerts(true);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].id, b[i].id);
      EXPECT_EQ(a[i].severity, b[i].severity);
      EXPECT_EQ(a[i].routes, b[i].routes);
    }
  }
}

/// Every field of an engine state, one per line, so two states compare field by field.
std::string dump(const EngineState& state) {
  auto labels = [](const Labels& list) {
    std::string out = "{";
    for (const Label& label : list) out += label.name + "=" + label.value + ";";
    return out + "}";
  };
  std::ostringstream out;
  out.precision(17);
  out << "next_alert_id " << state.next_alert_id << "\nevaluation_index " << state.evaluation_index
      << "\nfirst_as_of " << (state.first_as_of ? state.first_as_of->iso() : "-") << "\nlast_as_of "
      << (state.last_as_of ? state.last_as_of->iso() : "-") << "\n";
  for (const SeriesRecord& series : state.series) {
    out << "series " << series.metric << labels(series.labels);
    for (const auto& [date, value] : series.history) out << " " << date.iso() << "=" << value;
    out << "\n";
  }
  for (const AlertRecord& record : state.alerts) {
    const Alert& a = record.alert;
    out << "alert " << a.id << " " << to_string(a.source) << " " << a.rule << labels(a.labels) << " state "
        << static_cast<int>(a.state) << " severity " << static_cast<int>(a.severity) << " value " << a.value
        << " since " << a.since.iso() << " fired " << a.fired_on.iso() << " changed " << a.changed_on.iso()
        << " seen " << a.last_seen.iso() << " streak " << record.streak << " returns " << record.returns_since_fired
        << " escalations " << record.escalations_done << " decided " << record.decided.iso() << " fired_data "
        << record.fired_data.iso() << " routes";
    for (const std::string& route : a.routes) out << " " << route;
    out << "\n";
  }
  for (const BandRecord& band : state.bands) {
    out << "band " << band.indicator << labels(band.labels) << " " << to_string(band.band);
    if (band.has_value)
      out << " value " << band.value << " raw " << band.raw_value << " " << to_string(band.trend) << " "
          << band.date.iso() << " set " << (band.band_set ? std::to_string(*band.band_set) : "-");
    out << "\n";
  }
  return out.str();
}

TEST(State, EncodingIsTheDocumentedText) {
  // Built by hand with what is easy to lose: a label value with a space, quotes and a line
  // break; doubles that need all their digits; a missing date; two routes.
  EngineState state;
  state.next_alert_id = 8;
  state.evaluation_index = 3;
  state.last_as_of = day("2020-02-04");
  state.series.push_back({"caseload", {{"team", "The \"A\"\nTeam"}, {"worker", "W1"}},
                          {{day("2020-01-21"), 0.1}, {day("2020-02-04"), -1e-300}}});
  AlertRecord record;
  record.alert.id = 7;
  record.alert.source = AlertSource::indicator;
  record.alert.rule = "team_rate";
  record.alert.severity = ast::Colour::red;
  record.alert.value = 79.5;
  record.alert.since = day("2020-01-21");
  record.alert.fired_on = day("2020-01-21");
  record.alert.changed_on = day("2020-02-04");
  record.alert.last_seen = day("2020-02-04");
  record.alert.routes = {"workload_pressures", "performance_clinic"};
  record.streak = 2;
  record.returns_since_fired = 1;
  record.escalations_done = 1;
  record.decided = day("2020-02-04");
  record.fired_data = day("2020-01-21");
  state.alerts.push_back(record);
  BandRecord band;
  band.indicator = "team_rate";
  band.band = Band::red;
  band.has_value = true;
  band.value = 79.5;
  band.raw_value = 79.46;
  band.trend = Trend::declining;
  band.date = day("2020-02-04");
  band.band_set = 0;
  state.bands.push_back(band);

  // Dates are days since 1970-01-01 (2020-02-04 is 18296); strings are length-prefixed.
  const std::string expected =
      "bandwatch-state 2\n"
      "next_alert_id 8 \n"
      "evaluation_index 3 \n"
      "first_as_of - \n"
      "last_as_of 18296 \n"
      "series 8:caseload 2 4:team 12:The \"A\"\nTeam 6:worker 2:W1 2 18282 0.1 18296 -1e-300 \n"
      "alert 7 1 9:team_rate 0 1 2 79.5 18282 18282 18296 18296 2 1 1 18296 18282 2 18:workload_pressures "
      "18:performance_clinic \n"
      "band 9:team_rate 0 2 1 79.5 79.46 2 18296 0 \n";
  EXPECT_EQ(encode_state(state), expected);

  std::string error;
  std::optional<EngineState> back = decode_state(expected, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(dump(*back),
            "next_alert_id 8\nevaluation_index 3\nfirst_as_of -\nlast_as_of 2020-02-04\n"
            "series caseload{team=The \"A\"\nTeam;worker=W1;} 2020-01-21=0.10000000000000001 2020-02-04=-1e-300\n"
            "alert 7 indicator team_rate{} state 1 severity 2 value 79.5 since 2020-01-21 fired 2020-01-21 "
            "changed 2020-02-04 seen 2020-02-04 streak 2 returns 1 escalations 1 decided 2020-02-04 fired_data "
            "2020-01-21 routes workload_pressures performance_clinic\n"
            "band team_rate{} red value 79.5 raw 79.459999999999994 declining 2020-02-04 set 0\n");
  EXPECT_EQ(back->series[0].history[1].second, -1e-300);  // bit for bit, not to 17 digits

  EXPECT_FALSE(decode_state("something else", &error));
  EXPECT_EQ(error, "not a bandwatch engine state (version 1 or 2)");
  EXPECT_FALSE(decode_state(expected.substr(0, expected.find(" 18296 -1e-300")) + " garbage", &error));
  EXPECT_EQ(error, "malformed 'series' record");
}

// A checkpoint written before returns (version 1) still reads: its evaluation counts stand in
// for returns, its last dates for data dates.
TEST(State, VersionOneStillReads) {
  const std::string version1 =
      "bandwatch-state 1\n"
      "next_alert_id 8 \nevaluation_index 5 \nfirst_as_of - \nlast_as_of 18296 \n"
      "alert 7 0 4:rule 0 1 1 22 18282 18282 18282 18296 2 1 2 1 0 \n"
      "band 9:team_rate 0 2 \n";
  std::string error;
  std::optional<EngineState> back = decode_state(version1, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(dump(*back),
            "next_alert_id 8\nevaluation_index 5\nfirst_as_of -\nlast_as_of 2020-02-04\n"
            "alert 7 rule rule{} state 1 severity 1 value 22 since 2020-01-21 fired 2020-01-21 changed 2020-01-21 "
            "seen 2020-02-04 streak 2 returns 3 escalations 1 decided 2020-02-04 fired_data 2020-01-21 routes\n"
            "band team_rate{} red\n");
}

TEST(State, EncodingRoundTripsWhatTheEngineExports) {
  Engine engine;
  load(engine, kRules);
  for (int i = 0; i < 3; ++i) step(engine, kBatches[i], kDates[i]);
  EngineState state = engine.export_state();
  // What three evaluations leave: W1 over 20 since the first (red two periods after it fired),
  // W2 since the second, team_rate red at 79; three series of two values kept each.
  ASSERT_EQ(state.alerts.size(), 3u);
  EXPECT_EQ(state.series.size(), 3u);
  EXPECT_EQ(state.evaluation_index, 3);
  EXPECT_EQ(state.next_alert_id, 5u);  // four opened so far: a pending `rising` one since dropped
  std::string error;
  std::optional<EngineState> back = decode_state(encode_state(state), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(dump(*back), dump(state));
}

TEST(Reload, KeepsAlertsOfRulesThatStillExistAndResolvesTheRest) {
  Engine engine;
  load(engine, kRules);
  step(engine, kBatches[0], kDates[0]);
  step(engine, kBatches[1], kDates[1]);
  std::optional<Alert> before = alert_of(engine, "practitioner_caseload", {{"team", "The \"A\" Team"}, {"worker", "W1"}});
  ASSERT_TRUE(before);
  std::string changed(kRules);
  changed.replace(changed.find("indicator team_rate"), std::string_view("indicator team_rate").size(), "indicator team_rate_renamed");
  changed.replace(changed.find("team_rate > prev(team_rate)"), std::string_view("team_rate > prev(team_rate)").size(),
                  "team_rate_renamed > prev(team_rate_renamed)");
  ParseResult parsed = parse(changed, "test.bw");
  ASSERT_TRUE(parsed.ok());
  std::vector<Event> resolved;
  LoadResult result = engine.reload({parsed.file}, &resolved);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(describe(resolved), std::vector<std::string>{"resolved amber team_rate"});
  std::optional<Alert> after = alert_of(engine, "practitioner_caseload", {{"team", "The \"A\" Team"}, {"worker", "W1"}});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->id, before->id);
  // And it keeps counting: two periods after firing it escalates.
  EXPECT_EQ(describe(step(engine, "caseload{worker=\"W1\", team=\"The \\\"A\\\" Team\"} 23\ncaseload{worker=\"W2\", team=\"B\"} 26",
                          kDates[2]).events),
            // `rising` still exists, but its metric is new and has no return yet: its pending
            // alert is not decided on nothing, and waits for one.
            (std::vector<std::string>{"escalated red practitioner_caseload{team=The \"A\" Team,worker=W1}"}));
  EXPECT_EQ(engine.open_alerts(true).size(), 3u);  // W1 red, W2 amber, `rising` pending
}

TEST(Reload, BrokenRulesLeaveTheProgramInForce) {
  Engine engine;
  load(engine, kRules);
  step(engine, kBatches[0], kDates[0]);
  ParseResult parsed = parse("rule broken { when no_such_metric > 1  severity amber }", "broken.bw");
  ASSERT_TRUE(parsed.ok());
  LoadResult result = engine.reload({parsed.file});
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(alert_of(engine, "practitioner_caseload", {{"team", "The \"A\" Team"}, {"worker", "W1"}}));
  EXPECT_TRUE(engine.metric_id("caseload"));
}

// Engine::load refuses what the checker refuses, in the checker's words (issue 14): the
// programs here are otherwise sound, so each one's first error is the one tested.
TEST(Compile, ResolutionErrorsWithSuggestions) {
  auto first_error = [](std::string_view text) {
    std::vector<Diagnostic> d = load_errors(text);
    return d.empty() ? std::string() : d.front().message;
  };
  EXPECT_NE(first_error("metric caseload { unit count }\nrule r { when caselaod > 20  severity amber }")
                .find("did you mean 'caseload'"),
            std::string::npos);
  EXPECT_NE(first_error("metric c { unit count }\nrule r { when c > 1  severity amber  route nowhere }").find("unknown route"),
            std::string::npos);
  EXPECT_NE(first_error("metric a = b + 1\nmetric b = a + 1\nindicator a { bands { green >= 0 } }").find("derived metrics form a cycle: a -> b -> a"),
            std::string::npos);
  EXPECT_NE(first_error("metric c { unit count labels team }\nmetric d = count(c) by (tema)").find("cannot group by 'tema'"),
            std::string::npos);
  EXPECT_NE(first_error("metric a { unit count labels x }\nmetric b { unit count labels y }\nrule r { when a > b  severity amber }")
                .find("cannot match"),
            std::string::npos);
}

TEST(Ingest, RefusalsNameTheReason) {
  Engine engine;
  EXPECT_EQ(engine.ingest(Sample{"caseload", {}, 1, day("2020-01-01")}).status, IngestStatus::no_program);
  load(engine, kRules);
  LabelView wrong[] = {{"wokrer", "W1"}};
  LabelView twice[] = {{"worker", "W1"}, {"worker", "W2"}};
  LabelView ok[] = {{"team", "A"}, {"worker", "W1"}};
  EXPECT_EQ(engine.ingest(Sample{"nope", {}, 1, day("2020-01-01")}).status, IngestStatus::unknown_metric);
  EXPECT_EQ(engine.ingest(Sample{"caseload", wrong, 1, day("2020-01-01")}).status, IngestStatus::unknown_label);
  EXPECT_EQ(engine.ingest(Sample{"caseload", twice, 1, day("2020-01-01")}).status, IngestStatus::duplicate_label);
  EXPECT_EQ(engine.ingest(Sample{"caseload", ok, std::nan(""), day("2020-01-01")}).status, IngestStatus::not_a_number);
  EXPECT_EQ(engine.ingest(Sample{"caseload", ok, 3, day("2020-01-01")}).status, IngestStatus::ok);
  EXPECT_EQ(engine.series_count(), 1u);
}

}  // namespace
}  // namespace bandwatch::engine::testing

namespace bandwatch::engine::testing {
namespace {

/// The current figure of each caseload series, by "worker team".
std::map<std::string, double> values(const Engine& engine) {
  std::map<std::string, double> out;
  for (const MetricValue& v : engine.metric_values("caseload")) {
    std::string worker, team;
    for (const Label& label : v.labels) (label.name == "worker" ? worker : team) = label.value;
    out[team.empty() ? worker : worker + " " + team] = v.value;
  }
  return out;
}

// The store guesses that a metric's next sample is the series after the last one sent (an
// extract lists its entities in the same order every return): whatever the order, each figure
// must land on its own series, and no series may be made twice.
TEST(SeriesStore, EachFigureLandsOnItsOwnSeriesWhateverTheOrderTheyCome) {
  Engine engine;
  load(engine, "metric caseload { unit count  labels worker, team }");
  step(engine,
       "caseload{worker=\"a\",team=\"North\"} 1\ncaseload{worker=\"b\",team=\"North\"} 2\n"
       "caseload{worker=\"c\",team=\"South\"} 3\ncaseload{worker=\"e\",team=\"\"} 4",
       "2020-01-07");
  EXPECT_EQ(engine.series_count(), 4u);
  // Another order, the labels written the other way round, an entity new in the middle, one
  // whose only difference from the one guessed is its team.
  step(engine,
       "caseload{team=\"North\",worker=\"a\"} 11\ncaseload{worker=\"d\",team=\"North\"} 15\n"
       "caseload{worker=\"c\",team=\"South\"} 13\ncaseload{worker=\"e\",team=\"\"} 14\n"
       "caseload{worker=\"e\",team=\"South\"} 16\ncaseload{worker=\"b\",team=\"North\"} 12",
       "2020-01-21");
  EXPECT_EQ(engine.series_count(), 6u);
  EXPECT_EQ(values(engine), (std::map<std::string, double>{{"a North", 11}, {"b North", 12}, {"c South", 13},
                                                           {"d North", 15}, {"e", 14}, {"e South", 16}}));
  // The first order again, one entity gone.
  step(engine,
       "caseload{worker=\"a\",team=\"North\"} 21\ncaseload{worker=\"c\",team=\"South\"} 23\n"
       "caseload{worker=\"e\",team=\"\"} 24",
       "2020-02-04");
  EXPECT_EQ(engine.series_count(), 6u);
  EXPECT_EQ(values(engine), (std::map<std::string, double>{{"a North", 21}, {"c South", 23}, {"e", 24}}));
}

}  // namespace
}  // namespace bandwatch::engine::testing
