// The SSDA903 return: its tables read and checked, the data-quality gate across rows and tables,
// and the measures councils report from it (docs/extracts.md, "SSDA903"), one series per child.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "extract/returns.hpp"
#include "../text.hpp"
#include "return_common.hpp"
#include "sample_writer.hpp"
#include "ssda903_spec.hpp"
#include "table_reader.hpp"

namespace bandwatch::extract {
namespace returns {
namespace {

// Column indexes, in the order of ssda903_tables().
namespace header_col { enum { child, sex, dob, ethnic, upn, mother, mc_dob }; }
namespace episode_col {
enum { child, decom, rne, ls, cin, place, provider, dec, rec, reason_change, home_post, pl_post, urn };
}
namespace review_col { enum { child, dob, review, code }; }
namespace oc2_col {
enum { child, dob, sdq_score, sdq_reason, convicted, health_check, immunisations, teeth_check };
}
namespace oc3_col { enum { child, dob, in_touch, activ, accom }; }
namespace missing_col { enum { child, dob, missing, start, end }; }
namespace sw_col { enum { child, dob, id, decom, dec, reason }; }
constexpr std::size_t kDobColumn = 1;  // every table but header and episodes has CHILD, DOB first

struct Where {
  std::uint32_t file = 0;  // index into the file names
  std::size_t line = 0;
};

struct HeaderRow {
  Where where;
  Date dob;       // as the return gives it: what the checks compare
  Date measured;  // what the measures use (--degrade: the first of the month)
};

struct Episode {
  std::uint32_t child = kNoChild;
  Where where;
  Date decom;
  std::optional<Date> dec;
  char rne = 'S';
  bool has_rec = false;
  std::string ls, place, urn, pl_post;
};

struct Review {
  std::uint32_t child = kNoChild;
  Where where;
  Date date;
};

struct Oc2Row {
  std::uint32_t child = kNoChild;
  int health_check = -1, teeth_check = -1, immunisations = -1;  // -1: blank
  int sdq_score = -1;
};

struct Oc3Row {
  std::uint32_t child = kNoChild;
  std::string in_touch, activity, accommodation;
};

struct MissingRow {
  std::uint32_t child = kNoChild;
  Where where;
  bool missing = true;  // M: missing; A: away from placement without authorisation
  Date start;
  std::optional<Date> end;
};

struct SocialWorkerRow {
  std::uint32_t child = kNoChild;
  Where where;
  std::string worker;
  Date start;
  std::optional<Date> end;
};

struct DobSeen {
  std::uint32_t child = kNoChild;
  Where where;
  std::string_view table;
  Date dob;
};

bool is_temporary(std::string_view place) { return place.size() == 2 && place[0] == 'T'; }
bool is_adoption(std::string_view place) { return place.size() == 2 && place[0] == 'A'; }
bool is_short_break(std::string_view legal_status) { return legal_status == "V3" || legal_status == "V4"; }
bool new_carer(char rne) { return rne == 'S' || rne == 'P' || rne == 'T'; }

/// A stretch of a child's care with the same carer (docs/extracts.md: placements).
struct Run {
  Date start;
  std::optional<Date> end;
  bool adoption = false;
  bool follows_previous = false;  // begins the day the run before it ended (same period of care)
};

class Ssda903 {
 public:
  Ssda903(const ReturnOptions& options, const SampleSink& sink, const ImportReporter& reporter)
      : options_(options), year_(options.year), sink_(sink), problems_(reporter),
        calendar_(options.holidays ? *options.holidays : HolidayCalendar::england_and_wales()),
        tables_(ssda903_tables(options.year)) {}

  ReturnSummary run(const std::vector<NamedText>* texts, const std::vector<std::string>* paths);

 private:
  const TableSpec* recognise(const std::vector<std::string>& header) const;
  void read_file(const std::string& name, const std::string* text);
  void take_row(const TableSpec& table, std::uint32_t file, const CheckedRow& row);
  void check_children();
  void check_episodes(std::uint32_t child, std::vector<const Episode*>& episodes);
  void measures();
  void measure_child(std::uint32_t child, SampleWriter& out);
  std::vector<Run> runs_of(const std::vector<const Episode*>& episodes, std::vector<Date>& period_start) const;
  void fault(std::uint32_t child, const Where& where, const std::string& message) {
    problems_.report(files_[where.file], where.line, message);
    children_.hold_back(child);
  }
  // The date of birth the checks compare (as given).
  std::optional<Date> dob_of(std::uint32_t child) const {
    auto it = headers_.find(child);
    if (it == headers_.end()) return std::nullopt;
    return it->second.dob;
  }
  // The date of birth the measures use (degraded with --degrade).
  std::optional<Date> measured_dob_of(std::uint32_t child) const {
    auto it = headers_.find(child);
    if (it == headers_.end()) return std::nullopt;
    return it->second.measured;
  }
  Date degrade_dob(Date dob) const { return options_.degrade ? first_of_month(dob) : dob; }

  const ReturnOptions& options_;
  CollectionYear year_;
  const SampleSink& sink_;
  Problems problems_;
  const HolidayCalendar& calendar_;
  std::vector<TableSpec> tables_;
  std::vector<std::string> files_;
  std::vector<TableRows> rows_;
  ChildRegistry children_;
  std::map<std::uint32_t, HeaderRow> headers_;
  std::vector<Episode> episodes_;
  std::vector<Review> reviews_;
  std::vector<Oc2Row> oc2_;
  std::vector<Oc3Row> oc3_;
  std::vector<MissingRow> missing_;
  std::vector<SocialWorkerRow> social_workers_;
  std::vector<DobSeen> dobs_;
  std::vector<std::string> tables_seen_;
  // Per child, its rows of each table with measures (indexes), filled once all is read.
  std::vector<std::vector<const Episode*>> episodes_of_;
  std::vector<std::vector<Date>> reviews_of_;
  std::vector<std::vector<const SocialWorkerRow*>> workers_of_;
  std::vector<int> missing_in_year_;  // -1: the child has no row in the missing table
  std::size_t samples_ = 0;
  bool failed_ = false;
};

const TableSpec* Ssda903::recognise(const std::vector<std::string>& header) const {
  for (const TableSpec& table : tables_) {
    std::string signature = header_key(table.signature);
    for (const std::string& column : header)
      if (header_key(column) == signature) return &table;
  }
  return nullptr;
}

void Ssda903::read_file(const std::string& name, const std::string* text) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(nullptr, std::fclose);
  std::vector<std::string> header;
  if (text) {
    header = read_header_text(*text);
  } else {
    in.reset(std::fopen(name.c_str(), "rb"));
    if (!in) {
      problems_.report(name, 0, "cannot open the file");
      failed_ = true;
      return;
    }
    header = read_header(in.get());
    std::rewind(in.get());
  }
  const TableSpec* table = recognise(header);
  if (!table) {
    std::string known;
    for (const TableSpec& t : tables_) known += (known.empty() ? "" : ", ") + std::string(t.name) + " (" + std::string(t.signature) + ")";
    problems_.report(name, 0, "not a table of the " + year_label(year_.year) + " SSDA903 return: none of its columns " +
                                  "names a table (" + known + ")");
    failed_ = true;
    return;
  }
  auto file = static_cast<std::uint32_t>(files_.size());
  files_.push_back(name);
  rows_.push_back(TableRows{name, std::string(table->name), {}});
  tables_seen_.emplace_back(table->name);
  auto on_row = [&](const CheckedRow& row) { take_row(*table, file, row); };
  auto on_problem = [&](std::size_t line, const std::string& message) {
    problems_.report(name, line, message);
    // A record that cannot be split into its cells names no child for sure: held back alone.
    if (line > 0) rows_[file].children.push_back(kNoChild);
  };
  bool ok = text ? read_table_text(*text, *table, year_label(year_.year), on_row, on_problem)
                 : read_table(in.get(), *table, year_label(year_.year), on_row, on_problem);
  if (!ok) failed_ = true;
}

void Ssda903::take_row(const TableSpec& table, std::uint32_t file, const CheckedRow& row) {
  Where where{file, row.line};
  std::uint32_t child = row.blank(0) ? kNoChild : children_.intern(row.cells[0]);
  rows_[file].children.push_back(child);
  if (!row.errors.empty()) {
    for (const std::string& error : row.errors) problems_.report(files_[file], row.line, error);
    children_.hold_back(child);
    return;
  }
  const std::string_view name = table.name;
  if (name == "header") {
    Date dob = *row.dates[header_col::dob];
    auto [it, added] = headers_.try_emplace(child, HeaderRow{where, dob, degrade_dob(dob)});
    if (!added) {
      fault(child, where, "a second header row for child " + std::string(row.cells[0]) + " (the first is line " +
                              std::to_string(it->second.where.line) + ")");
      children_.hold_back(child);
    }
    return;
  }
  if (name == "episodes") {
    Episode episode;
    episode.child = child;
    episode.where = where;
    episode.decom = *row.dates[episode_col::decom];
    episode.dec = row.dates[episode_col::dec];
    episode.rne = row.cells[episode_col::rne][0];
    episode.has_rec = !row.blank(episode_col::rec);
    episode.ls = row.cells[episode_col::ls];
    episode.place = row.cells[episode_col::place];
    episode.urn = row.cells[episode_col::urn];
    episode.pl_post = options_.degrade ? short_postcode(row.cells[episode_col::pl_post])
                                       : std::string(row.cells[episode_col::pl_post]);
    episodes_.push_back(std::move(episode));
    return;
  }
  // Every other table repeats the child's date of birth, which must be the header's.
  dobs_.push_back(DobSeen{child, where, name, *row.dates[kDobColumn]});
  if (name == "reviews") {
    reviews_.push_back(Review{child, where, *row.dates[review_col::review]});
  } else if (name == "oc2") {
    auto flag = [&](std::size_t column) { return row.blank(column) ? -1 : row.cells[column] == "1" ? 1 : 0; };
    Oc2Row oc2;
    oc2.child = child;
    oc2.health_check = flag(oc2_col::health_check);
    oc2.teeth_check = flag(oc2_col::teeth_check);
    oc2.immunisations = flag(oc2_col::immunisations);
    oc2.sdq_score = row.blank(oc2_col::sdq_score) ? -1 : std::stoi(std::string(row.cells[oc2_col::sdq_score]));
    oc2_.push_back(oc2);
  } else if (name == "oc3") {
    oc3_.push_back(Oc3Row{child, std::string(row.cells[oc3_col::in_touch]), std::string(row.cells[oc3_col::activ]),
                          std::string(row.cells[oc3_col::accom])});
  } else if (name == "missing") {
    missing_.push_back(MissingRow{child, where, row.cells[missing_col::missing] == "M", *row.dates[missing_col::start],
                                  row.dates[missing_col::end]});
  } else if (name == "social_worker") {
    social_workers_.push_back(SocialWorkerRow{child, where, std::string(row.cells[sw_col::id]),
                                              *row.dates[sw_col::decom], row.dates[sw_col::dec]});
  }
}

std::string uk(const std::optional<Date>& date) { return date ? date->uk() : "open"; }

void Ssda903::check_episodes(std::uint32_t child, std::vector<const Episode*>& episodes) {
  std::stable_sort(episodes.begin(), episodes.end(),
                   [](const Episode* a, const Episode* b) { return a->decom < b->decom; });
  std::optional<Date> dob = dob_of(child);
  const Episode* previous = nullptr;
  for (const Episode* e : episodes) {
    if (dob && e->decom < *dob)
      fault(child, e->where, "column \"DECOM\": " + e->decom.uk() + " is before the child's date of birth " + dob->uk());
    if (e->decom > year_.end)
      fault(child, e->where, "column \"DECOM\": " + e->decom.uk() + " is after the end of the " + year_label(year_.year) +
                                 " collection year (" + year_.end.uk() + ")");
    if (e->dec && *e->dec < e->decom)
      fault(child, e->where, "column \"DEC\": " + e->dec->uk() + " is before the episode began (DECOM " + e->decom.uk() + ")");
    if (e->dec && *e->dec > year_.end)
      fault(child, e->where, "column \"DEC\": " + e->dec->uk() + " is after the end of the " + year_label(year_.year) +
                                 " collection year (" + year_.end.uk() + ")");
    if (e->dec && !e->has_rec) fault(child, e->where, "column \"REC\": blank, but the episode ceased (DEC " + e->dec->uk() + ")");
    if (!e->dec && e->has_rec) fault(child, e->where, "column \"DEC\": blank, but a reason the episode ceased (REC) is given");
    if (previous && (!previous->dec || e->decom < *previous->dec))
      fault(child, e->where, "the episode beginning " + e->decom.uk() + " overlaps the child's episode on line " +
                                 std::to_string(previous->where.line) + " (" + previous->decom.uk() + " to " +
                                 uk(previous->dec) + ")");
    previous = e;
  }
}

void Ssda903::check_children() {
  episodes_of_.assign(children_.size(), {});
  reviews_of_.assign(children_.size(), {});
  workers_of_.assign(children_.size(), {});
  for (const Episode& e : episodes_) episodes_of_[e.child].push_back(&e);
  for (const Review& r : reviews_) reviews_of_[r.child].push_back(r.date);
  for (const SocialWorkerRow& s : social_workers_) workers_of_[s.child].push_back(&s);
  missing_in_year_.assign(children_.size(), -1);
  for (const MissingRow& m : missing_) {
    int& count = missing_in_year_[m.child];
    count = std::max(count, 0) + (m.missing && year_.contains(m.start) ? 1 : 0);
  }

  // Every child must have a header row, with the date of birth the other tables repeat.
  std::vector<bool> told(children_.size(), false);
  auto needs_header = [&](std::uint32_t child, const Where& where) {
    if (child == kNoChild || headers_.count(child) || told[child]) return;
    told[child] = true;
    fault(child, where, "child " + children_.id(child) + " has no row in the header table");
  };
  for (const Episode& e : episodes_) needs_header(e.child, e.where);
  for (const DobSeen& seen : dobs_) {
    needs_header(seen.child, seen.where);
    std::optional<Date> dob = dob_of(seen.child);
    if (dob && *dob != seen.dob)
      fault(seen.child, seen.where, "column \"DOB\": " + seen.dob.uk() + " is not the child's date of birth in the header table (" +
                                        dob->uk() + ")");
  }
  for (const Review& r : reviews_) {
    std::optional<Date> dob = dob_of(r.child);
    if (dob && r.date < *dob)
      fault(r.child, r.where, "column \"REVIEW\": " + r.date.uk() + " is before the child's date of birth " + dob->uk());
    if (r.date > year_.end)
      fault(r.child, r.where, "column \"REVIEW\": " + r.date.uk() + " is after the end of the collection year (" + year_.end.uk() + ")");
  }
  for (const MissingRow& m : missing_)
    if (m.end && *m.end < m.start)
      fault(m.child, m.where, "column \"MIS_END\": " + m.end->uk() + " is before the start (MIS_START " + m.start.uk() + ")");
  for (std::uint32_t child = 0; child < children_.size(); ++child) {
    if (!episodes_of_[child].empty()) check_episodes(child, episodes_of_[child]);
    std::vector<const SocialWorkerRow*>& workers = workers_of_[child];
    std::stable_sort(workers.begin(), workers.end(),
                     [](const SocialWorkerRow* a, const SocialWorkerRow* b) { return a->start < b->start; });
    const SocialWorkerRow* previous = nullptr;
    for (const SocialWorkerRow* w : workers) {
      if (w->end && *w->end < w->start)
        fault(child, w->where, "column \"SW_DEC\": " + w->end->uk() + " is before the start (SW_DECOM " + w->start.uk() + ")");
      if (previous && (!previous->end || w->start < *previous->end))
        fault(child, w->where, "the social worker episode beginning " + w->start.uk() + " overlaps the one on line " +
                                   std::to_string(previous->where.line) + " (" + previous->start.uk() + " to " +
                                   uk(previous->end) + ")");
      previous = w;
    }
    std::sort(reviews_of_[child].begin(), reviews_of_[child].end());
  }
}

// Carer runs over a child's episodes (sorted, checked): a new run begins with a new period of
// care, or with an episode whose reason is a change of carer (RNE P or T). Changes of legal
// status only (L) and of placement with the same carer (B, U) continue the run. Temporary
// placements (T0-T4) neither begin nor end a run, and coming back from one to the same placement
// (same type, URN and postcode) continues the run it interrupted.
std::vector<Run> Ssda903::runs_of(const std::vector<const Episode*>& episodes, std::vector<Date>& period_start) const {
  std::vector<Run> runs;
  period_start.clear();
  const Episode* run_place = nullptr;  // the episode whose placement the current run is in
  const Episode* previous = nullptr;
  Date period;
  for (const Episode* e : episodes) {
    bool new_period = !previous || e->rne == 'S' || !previous->dec || *previous->dec != e->decom;
    bool temporary = is_temporary(e->place);
    bool begins = false;
    if (new_period) {
      period = e->decom;
      begins = true;
    } else if (!temporary && new_carer(e->rne)) {
      bool back_from_temporary = previous && is_temporary(previous->place) && run_place &&
                                 run_place->place == e->place && run_place->urn == e->urn &&
                                 run_place->pl_post == e->pl_post;
      begins = !back_from_temporary;
    }
    if (begins) {
      runs.push_back(Run{e->decom, e->dec, false, !new_period});
      run_place = temporary ? nullptr : e;
    } else if (!temporary && !run_place) {
      run_place = e;
    }
    runs.back().end = e->dec;
    if (!temporary) runs.back().adoption = is_adoption(e->place);
    period_start.push_back(period);
    previous = e;
  }
  return runs;
}

void Ssda903::measure_child(std::uint32_t child, SampleWriter& out) {
  const std::string& id = children_.id(child);
  const std::vector<const Episode*>& episodes = episodes_of_[child];
  std::optional<Date> dob = measured_dob_of(child);
  const Date end = year_.end;

  // Looked after on 31 March: the episode open then, unless a short break (V3, V4).
  const Episode* open = nullptr;
  std::size_t open_index = 0;
  for (std::size_t i = 0; i < episodes.size(); ++i)
    if (episodes[i]->decom <= end && !episodes[i]->dec) {
      open = episodes[i];
      open_index = i;
    }
  if (open && is_short_break(open->ls)) open = nullptr;

  if (!episodes.empty()) {
    std::vector<Date> period_start;
    std::vector<Run> runs = runs_of(episodes, period_start);
    if (open) {
      out.write("ssda903_looked_after", {{"child", id}, {"legal_status", open->ls}, {"placement", open->place}}, 1);
      std::size_t placements = 0;
      for (const Run& run : runs)
        if (run.start <= end && (!run.end || *run.end > year_.start)) ++placements;
      out.write("ssda903_placements", {{"child", id}}, static_cast<double>(placements));

      const Date period = period_start[open_index];
      const Run& current = runs.back();
      // Long-term stability: under 16 on 31 March and looked after for 2.5 years or more.
      if (dob && age_on(*dob, end) < 16 && at_least(period, end, Duration{30, DurationUnit::months})) {
        const Duration two_years{2, DurationUnit::years};
        bool stable = at_least(current.start, end, two_years);
        // Placed for adoption: the adoptive placement and the one before it count together.
        if (!stable && current.adoption && current.follows_previous && runs.size() >= 2)
          stable = at_least(runs[runs.size() - 2].start, end, two_years);
        out.write("ssda903_long_term_stable", {{"child", id}}, stable ? 1 : 0);
      }

      // Reviews (Care Planning Regulations 2010, reg. 33): the first within 20 working days of
      // the period of care beginning, the second within 3 months of the first, then at most 6
      // months apart. For a period that began before the year, the reviews before it are not in
      // the return: the first review of the year is due 6 months after the year began at the
      // latest, and each later one 6 months after the one before. Only children whose first
      // review has fallen due by 31 March are counted.
      std::optional<Date> first_due = add_working_days(calendar_, period, 20);
      if (first_due && *first_due <= end) {
        bool began_in_year = period >= year_.start;
        std::optional<Date> due = began_in_year ? first_due : add(year_.start, Duration{6, DurationUnit::months});
        bool in_time = true;
        int held = 0;
        for (Date review : reviews_of_[child]) {
          if (review < (began_in_year ? period : year_.start)) continue;
          if (review > *due) in_time = false;
          due = add(review, Duration{began_in_year && held == 0 ? 3 : 6, DurationUnit::months});
          ++held;
        }
        if (*due < end) in_time = false;  // fell due before 31 March and not held
        out.write("ssda903_reviews_in_time", {{"child", id}}, in_time ? 1 : 0);
      }

      // The allocated social worker on 31 March (the social_worker table, from 2024).
      if (year_.year >= 2024) {
        std::string worker;
        for (const SocialWorkerRow* w : workers_of_[child])
          if (w->start <= end && (!w->end || *w->end > end)) worker = w->worker;
        out.write("ssda903_open_case", {{"child", id}, {"worker", worker}}, 1);
      }
    }
  }
  // Missing from placement during the year (children with rows in the missing table).
  if (missing_in_year_[child] >= 0) out.write("ssda903_missing_episodes", {{"child", id}}, missing_in_year_[child]);
}

void Ssda903::measures() {
  SampleWriter out(sink_, year_.end);
  for (std::uint32_t child : children_.sorted()) {
    if (children_.held_back(child)) continue;
    measure_child(child, out);
  }
  // OC2: children looked after for 12 months on 31 March, their health checks.
  for (const Oc2Row& row : oc2_) {
    if (children_.held_back(row.child)) continue;
    const std::string& id = children_.id(row.child);
    if (row.health_check >= 0) out.write("ssda903_health_check", {{"child", id}}, row.health_check);
    if (row.teeth_check >= 0) out.write("ssda903_teeth_check", {{"child", id}}, row.teeth_check);
    if (row.immunisations >= 0) out.write("ssda903_immunisations", {{"child", id}}, row.immunisations);
    if (row.sdq_score >= 0) out.write("ssda903_sdq_score", {{"child", id}}, row.sdq_score);
  }
  // OC3: care leavers around their 17th to 21st birthdays in the year.
  std::vector<std::string_view> eet = ssda903_eet_codes(year_.year);
  for (const Oc3Row& row : oc3_) {
    if (children_.held_back(row.child) || row.in_touch == "DIED") continue;
    std::optional<Date> dob = measured_dob_of(row.child);
    if (!dob) continue;
    int age = age_on(*dob, year_.end);
    std::string_view group = age <= 18 ? "17-18" : "19-21";
    const std::string& id = children_.id(row.child);
    bool in_eet = std::find(eet.begin(), eet.end(), std::string_view(row.activity)) != eet.end();
    bool suitable = row.accommodation.size() == 2 && row.accommodation[1] == '1';
    out.write("ssda903_care_leaver_in_touch", {{"child", id}, {"age_group", group}}, row.in_touch == "YES" ? 1 : 0);
    out.write("ssda903_care_leaver_in_eet", {{"child", id}, {"age_group", group}}, in_eet ? 1 : 0);
    out.write("ssda903_care_leaver_suitably_accommodated", {{"child", id}, {"age_group", group}}, suitable ? 1 : 0);
  }
  out.flush();
  samples_ = out.samples();
}

ReturnSummary Ssda903::run(const std::vector<NamedText>* texts, const std::vector<std::string>* paths) {
  ReturnSummary summary;
  if (tables_.empty()) {
    problems_.report("ssda903", 0, "no built-in layout for the " + year_label(year_.year) + " collection (built in: " +
                                       std::to_string(kSsda903FirstYear) + " to " + std::to_string(kSsda903LastYear) + ")");
    summary.failed = true;
    return summary;
  }
  if (texts) {
    for (const NamedText& file : *texts) read_file(file.name, &file.text);
  } else {
    std::vector<std::string> missing;
    std::vector<std::string> files = expand_paths(*paths, ".csv", missing);
    for (const std::string& path : missing) {
      problems_.report(path, 0, "no such file or directory");
      failed_ = true;
    }
    if (files.empty() && missing.empty()) {
      problems_.report(paths->empty() ? "ssda903" : paths->front(), 0, "no .csv files");
      failed_ = true;
    }
    for (const std::string& file : files) read_file(file, nullptr);
  }
  for (std::string_view required : {"header", "episodes"})
    if (std::find(tables_seen_.begin(), tables_seen_.end(), required) == tables_seen_.end() && !failed_) {
      problems_.report("ssda903", 0, "no " + std::string(required) + " table among the files: it is required");
      failed_ = true;
    }
  if (failed_) {
    summary.failed = true;
    return summary;
  }
  check_children();
  measures();
  for (const TableRows& rows : rows_) summary.tables.push_back(count_rows(rows, children_));
  summary.children = children_.size();
  summary.children_held_back = children_.held_back_count();
  summary.samples = samples_;
  return summary;
}

}  // namespace
}  // namespace returns

YearRange ssda903_years() { return {returns::kSsda903FirstYear, returns::kSsda903LastYear}; }

ReturnSummary import_ssda903(const std::vector<std::string>& paths, const ReturnOptions& options,
                             const SampleSink& sink, const ImportReporter& reporter) {
  returns::Ssda903 reader(options, sink, reporter);
  return reader.run(nullptr, &paths);
}

ReturnSummary import_ssda903_texts(const std::vector<NamedText>& files, const ReturnOptions& options,
                                   const SampleSink& sink, const ImportReporter& reporter) {
  returns::Ssda903 reader(options, sink, reporter);
  return reader.run(&files, nullptr);
}

}  // namespace bandwatch::extract
