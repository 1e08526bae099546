// The report model: which alerts each forum reads, in what order, and the RAG tables.
#include <gtest/gtest.h>

#include "report/model.hpp"
#include "fixture.hpp"

namespace bandwatch::report {
namespace {

using testing::stockton_source;
using testing::ymd;

const RouteReport& route_named(const ReportModel& model, const std::string& name) {
  for (const RouteReport& route : model.routes)
    if (route.name == name) return route;
  throw std::runtime_error("no route " + name);
}

std::vector<std::uint64_t> ids(const RouteReport& route) {
  std::vector<std::uint64_t> out;
  for (const AgendaItem& item : route.items) out.push_back(item.id);
  return out;
}

TEST(ReportModel, SinceDefaultsToTheRoutesCadence) {
  BuildResult built = build_model(stockton_source(), {});
  ASSERT_TRUE(built.ok()) << built.error;
  const RouteReport& wp = route_named(built.model, "workload_pressures");
  EXPECT_EQ(wp.since, ymd(2016, 9, 16));  // 30/09/2016 minus the 14-day cadence
  EXPECT_EQ(wp.since_basis, "the forum's cadence of 14 days");
  // The clinic has no cadence: its news starts after the previous evaluation.
  const RouteReport& clinic = route_named(built.model, "performance_clinic");
  EXPECT_EQ(clinic.since, ymd(2016, 9, 16));
  EXPECT_EQ(clinic.since_basis, "the previous evaluation");
}

TEST(ReportModel, AgendaOrderNewAndEscalatedFirstThenOpenByAgeThenResolved) {
  BuildResult built = build_model(stockton_source(), {});
  const RouteReport& wp = route_named(built.model, "workload_pressures");
  // 7 new (red), 3 escalated, then open: 2 (opened 19/08) before 4 (02/09), then 1 resolved.
  // 5 resolved before the period and is not on the agenda.
  EXPECT_EQ(ids(wp), (std::vector<std::uint64_t>{7, 3, 2, 4, 1}));
  EXPECT_EQ(wp.items[0].kind, AgendaKind::new_alert);
  EXPECT_EQ(wp.items[1].kind, AgendaKind::escalated);
  EXPECT_EQ(wp.items[1].previous_severity, ast::Colour::amber);
  EXPECT_EQ(wp.items[1].changed_on, ymd(2016, 9, 30));
  EXPECT_EQ(wp.items[2].kind, AgendaKind::open);
  EXPECT_EQ(wp.items[2].age_days, 42);
  EXPECT_EQ(wp.items[3].age_days, 28);
  EXPECT_EQ(wp.items[4].kind, AgendaKind::resolved);
  EXPECT_EQ(wp.items[4].changed_on, ymd(2016, 9, 30));
  EXPECT_EQ(wp.count(AgendaKind::new_alert), 1u);
  EXPECT_EQ(wp.count(AgendaKind::open), 2u);
}

TEST(ReportModel, AnAcknowledgementPastItsReviewDateIsOverdue) {
  BuildResult built = build_model(stockton_source(), {});
  const RouteReport& wp = route_named(built.model, "workload_pressures");
  const AgendaItem& vacancies = wp.items[2];
  ASSERT_EQ(vacancies.id, 2u);
  ASSERT_TRUE(vacancies.acknowledgement);
  EXPECT_EQ(vacancies.acknowledgement->who, "Jane Humphreys");
  EXPECT_TRUE(vacancies.review_overdue);
  const AgendaItem& agency = wp.items[3];
  ASSERT_EQ(agency.id, 4u);
  EXPECT_FALSE(agency.review_overdue);  // review on 14/10/2016, after the meeting
  // Moving the meeting past the second review date makes it overdue too.
  Options later;
  later.meeting_date = ymd(2016, 10, 15);
  BuildResult moved = build_model(stockton_source(), later);
  EXPECT_TRUE(route_named(moved.model, "workload_pressures").items[3].review_overdue);
}

TEST(ReportModel, RouteFilterAndUnknownRoute) {
  Options options;
  options.route = "performance_clinic";
  BuildResult built = build_model(stockton_source(), options);
  ASSERT_TRUE(built.ok());
  ASSERT_EQ(built.model.routes.size(), 1u);
  // Escalated to the clinic on 30/09: news there too.
  EXPECT_EQ(ids(built.model.routes[0]), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(built.model.routes[0].items[0].kind, AgendaKind::escalated);

  options.route = "workload_pressure";
  BuildResult unknown = build_model(stockton_source(), options);
  EXPECT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error.find("did you mean 'workload_pressures'"), std::string::npos) << unknown.error;
}

TEST(ReportModel, ExplicitSinceChangesWhatIsNew) {
  Options options;
  options.since = ymd(2016, 8, 31);
  BuildResult built = build_model(stockton_source(), options);
  const RouteReport& wp = route_named(built.model, "workload_pressures");
  EXPECT_EQ(wp.since_basis, "the date given");
  // 3 and 4 opened on 02/09, now new; 3 also escalated in the period.
  // New: red before amber, then the longest-standing first.
  EXPECT_EQ(ids(wp), (std::vector<std::uint64_t>{3, 7, 4, 2, 5, 1}));
  EXPECT_EQ(wp.items[0].kind, AgendaKind::new_alert);
  EXPECT_TRUE(wp.items[0].escalated_in_period);
}

TEST(ReportModel, UnroutedAlertsGetTheirOwnSection) {
  BuildResult built = build_model(stockton_source(), {});
  ASSERT_EQ(built.model.routes.size(), 3u);
  EXPECT_EQ(built.model.routes[2].name, "");
  EXPECT_EQ(ids(built.model.routes[2]), (std::vector<std::uint64_t>{6}));
}

TEST(ReportModel, QuietForumsAreNamedNotListed) {
  Source source = stockton_source();
  source.routes.push_back({"corporate_parenting_panel", "Corporate Parenting Panel", Duration{3, DurationUnit::months}});
  BuildResult built = build_model(source, {});
  EXPECT_EQ(built.model.routes.size(), 3u);
  EXPECT_EQ(built.model.quiet_routes, std::vector<std::string>{"Corporate Parenting Panel"});
  // Asked for by name, it is shown even with nothing on it.
  Options options;
  options.route = "corporate_parenting_panel";
  built = build_model(source, options);
  ASSERT_EQ(built.model.routes.size(), 1u);
  EXPECT_TRUE(built.model.routes[0].items.empty());
  EXPECT_EQ(built.model.routes[0].since, ymd(2016, 6, 30));
}

TEST(ReportModel, RagTablesFollowDeclarationOrderAndCountBands) {
  BuildResult built = build_model(stockton_source(), {});
  const ReportModel& model = built.model;
  ASSERT_EQ(model.groups.size(), 3u);
  EXPECT_EQ(model.groups[0].title, "Table 1: Assessment of need is completed in a timely manner");
  ASSERT_EQ(model.groups[0].rows.size(), 2u);
  EXPECT_EQ(model.groups[0].rows[0].indicator, "single_assessment_timeliness");
  EXPECT_EQ(model.groups[0].rows[1].indicator, "cic_health");
  EXPECT_EQ(model.groups[1].rows[0].indicator, "care_leavers_eet");
  EXPECT_EQ(model.groups[2].title, "Other indicators");
  EXPECT_EQ(model.groups[2].rows[0].indicator, "placements_budget");
  // Declared without data: named, not a row of dashes.
  EXPECT_EQ(model.no_data, std::vector<std::string>{"Average caseload"});
  EXPECT_EQ(model.counts.green, 1u);
  EXPECT_EQ(model.counts.amber, 1u);
  EXPECT_EQ(model.counts.red, 1u);
  EXPECT_EQ(model.counts.unbanded, 1u);
  const RagRow& row = model.groups[0].rows[0];
  EXPECT_EQ(row.last_year, "98.8%");
  EXPECT_EQ(row.previous_date, ymd(2016, 7, 31));
  EXPECT_EQ(frame_code(row.frame), "YD");
}

}  // namespace
}  // namespace bandwatch::report
