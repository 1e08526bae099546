// A small meeting's worth of data, built by hand: two forums, alerts in every agenda state (one
// acknowledged with its review date passed), and indicators from Stockton's Tables 1 and 5.
#pragma once

#include "report/bands.hpp"
#include "report/model.hpp"

namespace bandwatch::report::testing {

inline Date ymd(int y, unsigned m, unsigned d) { return Date::from_ymd(y, m, d); }

inline Source stockton_source() {
  Source source;
  source.as_of = ymd(2016, 9, 30);
  source.evaluations = {ymd(2016, 8, 19), ymd(2016, 9, 2), ymd(2016, 9, 16), ymd(2016, 9, 30)};
  source.routes = {
      {"workload_pressures", "Workload Pressures meeting", Duration{14, DurationUnit::days}},
      {"performance_clinic", "Children's Social Care Performance Clinic", std::nullopt},
  };

  IndicatorInfo assessments;
  assessments.name = "single_assessment_timeliness";
  assessments.title = "Timeliness of Single Assessments";
  assessments.group = "Table 1: Assessment of need is completed in a timely manner";
  assessments.unit = ast::Unit::percent;
  assessments.better = ast::Better::higher;
  assessments.frame = ast::Frame::year_to_date;
  assessments.last_year = "98.8%";
  IndicatorInfo eet;
  eet.name = "care_leavers_eet";
  eet.title = "Number / proportion of care leavers in EET (16-21 year olds)";
  eet.group = "Table 5: Care leavers are supported into suitable housing & employment or training";
  eet.unit = ast::Unit::percent;
  eet.better = ast::Better::higher;
  eet.frame = ast::Frame::quarter;
  eet.last_year = "51.6%";
  IndicatorInfo health;
  health.name = "cic_health";
  health.title = "Health of CiC";
  health.group = assessments.group;
  health.unit = ast::Unit::percent;
  health.better = ast::Better::higher;
  health.frame = ast::Frame::rolling_year;
  IndicatorInfo caseload;  // no group, and no data yet
  caseload.name = "team_average_caseload";
  caseload.title = "Average caseload";
  IndicatorInfo spend;  // no group: "Other indicators"
  spend.name = "placements_budget";
  spend.title = "Children's homes placements: outturn";
  spend.unit = ast::Unit::gbp;
  spend.better = ast::Better::lower;
  source.indicators = {assessments, eet, health, caseload, spend};

  SeriesInfo s1;
  s1.indicator = "single_assessment_timeliness";
  s1.history = {{ymd(2016, 6, 30), 94.1}, {ymd(2016, 7, 31), 95.2}, {ymd(2016, 9, 30), 96.6}};
  s1.value_text = "96.6%";
  s1.band = Band::green;
  s1.trend = Trend::improving;
  s1.date = ymd(2016, 9, 30);
  s1.target = "green >= 95%, amber 90% .. 94%, red <= 89%";
  s1.shades = shades_from_target(s1.target, 0);
  SeriesInfo s2;
  s2.indicator = "care_leavers_eet";
  s2.history = {{ymd(2016, 6, 30), 51.0}, {ymd(2016, 9, 30), 43.5}};
  s2.value_text = "43.5%";
  s2.band = Band::red;
  s2.trend = Trend::declining;
  s2.date = ymd(2016, 9, 30);
  s2.target = "green >= 55%, amber 50% .. 54%, red <= 49%";
  s2.shades = shades_from_target(s2.target, 0);
  SeriesInfo s3;
  s3.indicator = "cic_health";
  s3.history = {{ymd(2016, 9, 30), 80.0}};
  s3.value_text = "80%";
  s3.band = Band::amber;
  s3.trend = Trend::none;
  s3.date = ymd(2016, 9, 30);
  s3.target = "green >= 90%, amber 80% .. 89%, red <= 79%";
  s3.shades = shades_from_target(s3.target, 0);
  SeriesInfo s4;  // a value in no band
  s4.indicator = "placements_budget";
  s4.history = {{ymd(2016, 9, 30), 7711000}};
  s4.value_text = "£7.711m";
  s4.band = Band::unbanded;
  s4.date = ymd(2016, 9, 30);
  s4.target = "green <= £5.293m, red > £5.6m";
  s4.shades = shades_from_target(s4.target, std::nullopt);
  source.series = {s2, s1, s4, s3};  // out of order on purpose: the tables follow declaration order

  // Workload Pressures (since 16/09/2016): one new, one escalated, two open, one resolved.
  AlertHistory unallocated;
  unallocated.id = 7;
  unallocated.rule = "cases_unallocated";
  unallocated.title = "Unallocated cases";
  unallocated.labels = {{"team", "Fieldwork Team 2"}};
  unallocated.severity = ast::Colour::red;
  unallocated.since = ymd(2016, 9, 30);
  unallocated.value_text = "3";
  unallocated.message = "Fieldwork Team 2: 3 unallocated cases";
  unallocated.routes = {"workload_pressures"};
  unallocated.changes = {{ChangeKind::fired, ymd(2016, 9, 30), ast::Colour::red}};

  AlertHistory caseload_alert;
  caseload_alert.id = 3;
  caseload_alert.rule = "practitioner_caseload";
  caseload_alert.title = "Practitioner caseload above target";
  caseload_alert.labels = {{"team", "Hunts Children's Team 1"}, {"worker", "W0412"}};
  caseload_alert.severity = ast::Colour::red;
  caseload_alert.since = ymd(2016, 9, 2);
  caseload_alert.value_text = "24";
  caseload_alert.message = "W0412 (Hunts Children's Team 1) holds 24 cases";
  caseload_alert.routes = {"workload_pressures", "performance_clinic"};
  caseload_alert.changes = {{ChangeKind::fired, ymd(2016, 9, 2), ast::Colour::amber},
                            {ChangeKind::escalated, ymd(2016, 9, 30), ast::Colour::red}};

  AlertHistory vacancies;  // acknowledged; review was due 23/09/2016: overdue at the meeting
  vacancies.id = 2;
  vacancies.rule = "vacancies_rising";
  vacancies.title = "Social work vacancies up on the previous return";
  vacancies.severity = ast::Colour::amber;
  vacancies.since = ymd(2016, 8, 19);
  vacancies.value_text = "15.5";
  vacancies.message = "social work vacancies up to 15.5";
  vacancies.routes = {"workload_pressures"};
  vacancies.changes = {{ChangeKind::fired, ymd(2016, 8, 19), ast::Colour::amber}};
  vacancies.acknowledgement = Acknowledgement{"Jane Humphreys", "Golden hello <agreed> & recruiting",
                                              ymd(2016, 9, 23), ymd(2016, 9, 5)};

  AlertHistory agency;  // acknowledged, review still ahead
  agency.id = 4;
  agency.rule = "agency_staff_rising";
  agency.title = "Agency social workers up on the previous return";
  agency.severity = ast::Colour::amber;
  agency.since = ymd(2016, 9, 2);
  agency.value_text = "15";
  agency.routes = {"workload_pressures"};
  agency.changes = {{ChangeKind::fired, ymd(2016, 9, 2), ast::Colour::amber}};
  agency.acknowledgement = Acknowledgement{"AD Safeguarding", "Covering vacancies", ymd(2016, 10, 14), ymd(2016, 9, 5)};

  AlertHistory resolved;
  resolved.id = 1;
  resolved.rule = "cases_unallocated";
  resolved.title = "Unallocated cases";
  resolved.labels = {{"team", "Assessment Team"}};
  resolved.severity = ast::Colour::red;
  resolved.open = false;
  resolved.since = ymd(2016, 8, 19);
  resolved.value_text = "0";
  resolved.routes = {"workload_pressures"};
  resolved.changes = {{ChangeKind::fired, ymd(2016, 8, 19), ast::Colour::red},
                      {ChangeKind::resolved, ymd(2016, 9, 30), ast::Colour::red}};

  AlertHistory old_resolved;  // resolved before the period: not on the agenda
  old_resolved.id = 5;
  old_resolved.rule = "cases_unallocated";
  old_resolved.title = "Unallocated cases";
  old_resolved.labels = {{"team", "Permanence Team"}};
  old_resolved.severity = ast::Colour::red;
  old_resolved.open = false;
  old_resolved.since = ymd(2016, 8, 19);
  old_resolved.routes = {"workload_pressures"};
  old_resolved.changes = {{ChangeKind::fired, ymd(2016, 8, 19), ast::Colour::red},
                          {ChangeKind::resolved, ymd(2016, 9, 2), ast::Colour::red}};

  AlertHistory indicator_alert;  // an indicator alert with no route
  indicator_alert.id = 6;
  indicator_alert.rule = "care_leavers_eet";
  indicator_alert.title = eet.title;
  indicator_alert.severity = ast::Colour::red;
  indicator_alert.since = ymd(2016, 9, 30);
  indicator_alert.value_text = "43.5%";
  indicator_alert.changes = {{ChangeKind::fired, ymd(2016, 9, 30), ast::Colour::red}};

  source.alerts = {unallocated, caseload_alert, vacancies, agency, resolved, old_resolved, indicator_alert};
  return source;
}

}  // namespace bandwatch::report::testing
