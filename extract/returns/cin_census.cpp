// The children in need census: the XML read as a stream with libxml2's xmlTextReader (memory
// bounded by one <Child>), validated against the year's XSD as it is read when one is given, each
// child checked by the data-quality gate and its measures written as soon as its element closes.
#include <libxml/xmlerror.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "extract/returns.hpp"
#include "return_common.hpp"
#include "sample_writer.hpp"

namespace bandwatch::extract {
namespace returns {
namespace {

inline constexpr int kCinFirstYear = 2017;
inline constexpr int kCinLastYear = 2026;

const std::vector<std::string_view> kPrimaryNeed = {"N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9"};
const std::vector<std::string_view> kReasonForClosure = {"RC1", "RC2", "RC3", "RC4", "RC5", "RC6", "RC7", "RC8"};
const std::vector<std::string_view> kCategoryOfAbuse = {"NEG", "PHY", "EMO", "SAB", "MUL"};
const std::vector<std::string_view> kYesNo = {"0", "1", "false", "true"};

/// A value read from an element, with the line it is on.
struct Field {
  std::string text;
  std::size_t line = 0;
  bool given() const { return !text.empty(); }
};

struct Assessment {
  std::size_t line = 0;
  Field start, authorised;
};

struct Section47 {
  std::size_t line = 0;
  Field start, icpc;
};

struct Plan {
  std::size_t line = 0;
  Field start, end, initial_category, latest_category, previous;
};

struct Detail {
  std::size_t line = 0;
  Field referral, closure, reason, need, nfa;
  std::vector<Assessment> assessments;
  std::vector<Section47> enquiries;
  std::vector<Plan> plans;
};

struct Child {
  std::size_t line = 0;
  Field id, birth;
  std::vector<Detail> details;
  bool invalid = false;  // the XSD or the parser faulted something inside it
};

bool in(const std::vector<std::string_view>& codes, std::string_view code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

std::string trimmed(const char* text) {
  std::string_view view = text ? text : "";
  while (!view.empty() && std::isspace(static_cast<unsigned char>(view.front()))) view.remove_prefix(1);
  while (!view.empty() && std::isspace(static_cast<unsigned char>(view.back()))) view.remove_suffix(1);
  return std::string(view);
}

class CinCensus {
 public:
  CinCensus(const ReturnOptions& options, const SampleSink& sink, const ImportReporter& reporter)
      : options_(options), year_(options.year), problems_(reporter),
        calendar_(options.holidays ? *options.holidays : HolidayCalendar::england_and_wales()),
        out_(sink, year_.end) {}

  ReturnSummary run(const std::string& name, const std::string* text);

 private:
  static void on_error(void* self, xmlErrorPtr error) { static_cast<CinCensus*>(self)->error(error); }
  void error(xmlErrorPtr error);
  // The errors reported before `before_line` go to the child being finished (from its first
  // line on) or are outside every child.
  void place_errors(std::size_t before_line);
  void element(std::string_view name, std::size_t line);
  void on_text(std::string_view value, std::size_t line);
  void end_element(std::string_view name);
  Field* field_for(std::string_view name, std::string_view parent);
  void finish_child(std::size_t next_line);
  bool check(Child& child);
  void measure(const Child& child);
  std::optional<Date> date_of(const Field& field, std::string_view element, bool& ok);
  void fault(const Field& field, std::string_view element, const std::string& message, bool& ok) {
    problems_.report(name_, field.line, "element '" + std::string(element) + "': " + message);
    ok = false;
  }

  const ReturnOptions& options_;
  CollectionYear year_;
  Problems problems_;
  const HolidayCalendar& calendar_;
  SampleWriter out_;
  std::string name_;
  xmlTextReaderPtr reader_ = nullptr;
  std::vector<std::string> stack_;
  std::optional<Child> child_;  // the child being read, or read and waiting to be decided
  bool closed_ = false;         // child_'s element has ended
  Field* target_ = nullptr;
  std::size_t children_ = 0;
  std::size_t held_back_ = 0;
  std::size_t outside_children_ = 0;  // problems outside any <Child> (the header)
  std::vector<std::size_t> error_lines_;  // lines of errors not yet placed in a child
  bool fatal_ = false;
};

void CinCensus::error(xmlErrorPtr error) {
  if (!error || error->level == XML_ERR_WARNING) return;
  std::string message = error->message ? error->message : "invalid";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  std::size_t line = error->line > 0 ? static_cast<std::size_t>(error->line)
                                     : static_cast<std::size_t>(xmlTextReaderGetParserLineNumber(reader_));
  problems_.report(name_, line, message);
  if (error->level == XML_ERR_FATAL || error->domain == XML_FROM_PARSER) fatal_ = true;
  // The reader parses ahead of the node it is on, so an error may concern a child after the
  // current one: it is placed by its line when the child it falls in is decided.
  error_lines_.push_back(line);
}

void CinCensus::place_errors(std::size_t before_line) {
  std::size_t kept = 0;
  for (std::size_t line : error_lines_) {
    if (line >= before_line) {
      error_lines_[kept++] = line;
    } else if (child_ && line >= child_->line) {
      child_->invalid = true;
    } else {
      ++outside_children_;
    }
  }
  error_lines_.resize(kept);
}

Field* CinCensus::field_for(std::string_view name, std::string_view parent) {
  if (!child_ || closed_) return nullptr;
  Child& c = *child_;
  if (parent == "ChildIdentifiers") {
    if (name == "LAchildID") return &c.id;
    if (name == "PersonBirthDate") return &c.birth;
    return nullptr;
  }
  if (c.details.empty()) return nullptr;
  Detail& d = c.details.back();
  if (parent == "CINdetails") {
    if (name == "CINreferralDate") return &d.referral;
    if (name == "CINclosureDate") return &d.closure;
    if (name == "ReasonForClosure") return &d.reason;
    if (name == "PrimaryNeedCode") return &d.need;
    if (name == "ReferralNFA") return &d.nfa;
    return nullptr;
  }
  if (parent == "Assessments" && !d.assessments.empty()) {
    if (name == "AssessmentActualStartDate") return &d.assessments.back().start;
    if (name == "AssessmentAuthorisationDate") return &d.assessments.back().authorised;
    return nullptr;
  }
  if (parent == "Section47" && !d.enquiries.empty()) {
    if (name == "S47ActualStartDate") return &d.enquiries.back().start;
    if (name == "DateOfInitialCPC") return &d.enquiries.back().icpc;
    return nullptr;
  }
  if (parent == "ChildProtectionPlans" && !d.plans.empty()) {
    Plan& p = d.plans.back();
    if (name == "CPPstartDate") return &p.start;
    if (name == "CPPendDate") return &p.end;
    if (name == "InitialCategoryOfAbuse") return &p.initial_category;
    if (name == "LatestCategoryOfAbuse") return &p.latest_category;
    if (name == "NumberOfPreviousCPP") return &p.previous;
  }
  return nullptr;
}

void CinCensus::element(std::string_view name, std::size_t line) {
  std::string_view parent = stack_.empty() ? std::string_view{} : std::string_view(stack_.back());
  target_ = nullptr;
  if (name == "Child" && parent == "Children") {
    // A child is decided when the next begins (or the children end): by then every error on
    // its lines has been reported.
    if (child_) finish_child(line);
    else place_errors(line);
    child_.emplace();
    child_->line = line;
    closed_ = false;
  } else if (child_ && !closed_ && name == "CINdetails") {
    child_->details.emplace_back();
    child_->details.back().line = line;
  } else if (child_ && !closed_ && !child_->details.empty() && parent == "CINdetails") {
    Detail& d = child_->details.back();
    if (name == "Assessments") d.assessments.push_back(Assessment{line, {}, {}});
    else if (name == "Section47") d.enquiries.push_back(Section47{line, {}, {}});
    else if (name == "ChildProtectionPlans") d.plans.push_back(Plan{line, {}, {}, {}, {}, {}});
  }
  target_ = field_for(name, parent);
  if (target_) target_->line = line;
  stack_.emplace_back(name);
}

void CinCensus::on_text(std::string_view value, std::size_t line) {
  if (!target_) return;
  target_->text += value;
  if (target_->line == 0) target_->line = line;
}

void CinCensus::end_element(std::string_view name) {
  if (!stack_.empty()) stack_.pop_back();
  target_ = nullptr;
  if (name == "Child") closed_ = true;
}

std::optional<Date> CinCensus::date_of(const Field& field, std::string_view element, bool& ok) {
  if (!field.given()) return std::nullopt;
  std::string value = trimmed(field.text.c_str());
  std::optional<Date> date = parse_iso_date(value);
  if (!date) fault(field, element, "\"" + value + "\" is not a date (yyyy-mm-dd)", ok);
  else if (*date > year_.end)
    fault(field, element, date->uk() + " is after the end of the " + year_label(year_.year) + " collection year (" +
                              year_.end.uk() + ")", ok);
  return date;
}

// The data-quality gate for one child: real dates, within the year, in order; codes in their lists;
// child protection plans not overlapping.
bool CinCensus::check(Child& c) {
  bool ok = !c.invalid;
  if (!c.id.given()) {
    problems_.report(name_, c.line, "element 'Child': no LAchildID");
    ok = false;
  }
  auto code = [&](const Field& field, std::string_view element, const std::vector<std::string_view>& codes) {
    if (field.given() && !in(codes, trimmed(field.text.c_str())))
      fault(field, element, "\"" + trimmed(field.text.c_str()) + "\" is not one of its codes", ok);
  };
  std::vector<std::pair<Date, const Plan*>> plans;
  std::vector<std::optional<Date>> plan_ends;
  for (Detail& d : c.details) {
    std::optional<Date> referral = date_of(d.referral, "CINreferralDate", ok);
    if (!d.referral.given()) {
      problems_.report(name_, d.line, "element 'CINdetails': no CINreferralDate");
      ok = false;
    }
    std::optional<Date> closure = date_of(d.closure, "CINclosureDate", ok);
    if (referral && closure && *closure < *referral)
      fault(d.closure, "CINclosureDate", closure->uk() + " is before the referral (" + referral->uk() + ")", ok);
    if (closure && !d.reason.given()) fault(d.closure, "CINclosureDate", "the case closed but no ReasonForClosure is given", ok);
    code(d.reason, "ReasonForClosure", kReasonForClosure);
    code(d.need, "PrimaryNeedCode", kPrimaryNeed);
    code(d.nfa, "ReferralNFA", kYesNo);
    for (Assessment& a : d.assessments) {
      std::optional<Date> start = date_of(a.start, "AssessmentActualStartDate", ok);
      std::optional<Date> authorised = date_of(a.authorised, "AssessmentAuthorisationDate", ok);
      if (start && referral && *start < *referral)
        fault(a.start, "AssessmentActualStartDate", start->uk() + " is before the referral (" + referral->uk() + ")", ok);
      if (start && authorised && *authorised < *start)
        fault(a.authorised, "AssessmentAuthorisationDate", authorised->uk() + " is before the assessment began (" + start->uk() + ")", ok);
    }
    for (Section47& s : d.enquiries) {
      std::optional<Date> start = date_of(s.start, "S47ActualStartDate", ok);
      std::optional<Date> icpc = date_of(s.icpc, "DateOfInitialCPC", ok);
      if (start && icpc && *icpc < *start)
        fault(s.icpc, "DateOfInitialCPC", icpc->uk() + " is before the section 47 enquiry began (" + start->uk() + ")", ok);
    }
    for (Plan& p : d.plans) {
      std::optional<Date> start = date_of(p.start, "CPPstartDate", ok);
      std::optional<Date> end = date_of(p.end, "CPPendDate", ok);
      if (start && end && *end < *start)
        fault(p.end, "CPPendDate", end->uk() + " is before the plan began (" + start->uk() + ")", ok);
      code(p.initial_category, "InitialCategoryOfAbuse", kCategoryOfAbuse);
      code(p.latest_category, "LatestCategoryOfAbuse", kCategoryOfAbuse);
      if (start) plans.push_back({*start, &p});
    }
  }
  std::stable_sort(plans.begin(), plans.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < plans.size(); ++i) {
    const Plan& before = *plans[i - 1].second;
    std::optional<Date> before_end = before.end.given() ? parse_iso_date(trimmed(before.end.text.c_str())) : std::nullopt;
    if (!before_end || plans[i].first < *before_end)
      fault(plans[i].second->start, "CPPstartDate",
            "the plan beginning " + plans[i].first.uk() + " overlaps the child's plan on line " + std::to_string(before.line) +
                " (" + plans[i - 1].first.uk() + " to " + (before_end ? before_end->uk() : std::string("open")) + ")",
            ok);
  }
  return ok;
}

std::optional<Date> date(const Field& field) {
  return field.given() ? parse_iso_date(trimmed(field.text.c_str())) : std::nullopt;
}

void CinCensus::measure(const Child& c) {
  const std::string id = trimmed(c.id.text.c_str());
  const Date end = year_.end;
  bool open = false, on_plan = false;
  std::vector<Date> referrals;
  for (const Detail& d : c.details)
    if (std::optional<Date> r = date(d.referral)) referrals.push_back(*r);
  std::map<std::string, int> seen;  // a second series with the same key gets "#2"
  auto key = [&](const std::string& metric, Date day) {
    std::string text = day.iso();
    int n = ++seen[metric + text];
    return n == 1 ? text : text + "#" + std::to_string(n);
  };
  for (const Detail& d : c.details) {
    std::optional<Date> referral = date(d.referral);
    std::optional<Date> closure = date(d.closure);
    if (referral && *referral <= end && (!closure || *closure > end)) open = true;
    // Re-referrals: a referral in the year within 12 months of an earlier one of the child's.
    if (referral && year_.contains(*referral)) {
      bool repeat = false;
      for (Date earlier : referrals)
        if (earlier < *referral && !at_least(earlier, *referral, Duration{12, DurationUnit::months})) repeat = true;
      out_.write("cin_referral_repeat", {{"child", id}, {"referral", key("r", *referral)}}, repeat ? 1 : 0);
    }
    for (const Assessment& a : d.assessments) {
      std::optional<Date> start = date(a.start), authorised = date(a.authorised);
      if (!start || !authorised || !year_.contains(*authorised)) continue;
      std::optional<long> days = calendar_.working_days_between(*start, *authorised);
      if (!days) continue;
      out_.write("cin_assessment_within_45_days", {{"child", id}, {"assessment", key("a", *start)}}, *days <= 45 ? 1 : 0);
    }
    for (const Section47& s : d.enquiries) {
      std::optional<Date> start = date(s.start), icpc = date(s.icpc);
      if (!start || !icpc || !year_.contains(*icpc)) continue;
      std::optional<long> days = calendar_.working_days_between(*start, *icpc);
      if (!days) continue;
      out_.write("cin_icpc_within_15_days", {{"child", id}, {"enquiry", key("s", *start)}}, *days <= 15 ? 1 : 0);
    }
    for (const Plan& p : d.plans) {
      std::optional<Date> start = date(p.start), plan_end = date(p.end);
      if (!start) continue;
      if (*start <= end && (!plan_end || *plan_end > end)) on_plan = true;
      if (plan_end && year_.contains(*plan_end))
        out_.write("cin_cp_plan_lasted_two_years", {{"child", id}, {"plan", key("e", *start)}},
                   at_least(*start, *plan_end, Duration{2, DurationUnit::years}) ? 1 : 0);
      if (year_.contains(*start)) {
        std::string previous = trimmed(p.previous.text.c_str());
        out_.write("cin_cp_plan_subsequent", {{"child", id}, {"plan", key("b", *start)}},
                   !previous.empty() && previous != "0" ? 1 : 0);
      }
    }
  }
  if (open) out_.write("cin_open_at_year_end", {{"child", id}}, 1);
  if (on_plan) out_.write("cin_cp_plan_open", {{"child", id}}, 1);
}

void CinCensus::finish_child(std::size_t next_line) {
  place_errors(next_line);
  ++children_;
  if (check(*child_)) measure(*child_);
  else ++held_back_;
  child_.reset();
}

ReturnSummary CinCensus::run(const std::string& name, const std::string* text) {
  ReturnSummary summary;
  name_ = name;
  if (year_.year < kCinFirstYear || year_.year > kCinLastYear) {
    problems_.report("cin", 0, "no built-in layout for the " + year_label(year_.year) + " census (built in: " +
                                   std::to_string(kCinFirstYear) + " to " + std::to_string(kCinLastYear) + ")");
    summary.failed = true;
    return summary;
  }
  const int parse_options = XML_PARSE_NONET | XML_PARSE_NOBLANKS;
  reader_ = text ? xmlReaderForMemory(text->data(), static_cast<int>(text->size()), name.c_str(), nullptr, parse_options)
                 : xmlReaderForFile(name.c_str(), nullptr, parse_options);
  if (!reader_) {
    problems_.report(name, 0, "cannot open the file");
    summary.failed = true;
    return summary;
  }
  std::unique_ptr<xmlTextReader, void (*)(xmlTextReaderPtr)> owner(reader_, xmlFreeTextReader);
  xmlTextReaderSetStructuredErrorHandler(reader_, &CinCensus::on_error, this);
  if (!options_.xsd.empty() && xmlTextReaderSchemaValidate(reader_, options_.xsd.c_str()) != 0) {
    problems_.report(options_.xsd, 0, "cannot be used as an XML schema (see the messages above)");
    summary.failed = true;
    return summary;
  }
  int status = 0;
  while ((status = xmlTextReaderRead(reader_)) == 1) {
    int type = xmlTextReaderNodeType(reader_);
    xmlNodePtr node = xmlTextReaderCurrentNode(reader_);
    auto line = static_cast<std::size_t>(node ? xmlGetLineNo(node) : 0);
    const char* local = reinterpret_cast<const char*>(xmlTextReaderConstLocalName(reader_));
    std::string_view node_name = local ? local : "";
    if (type == XML_READER_TYPE_ELEMENT) {
      element(node_name, line);
      if (xmlTextReaderIsEmptyElement(reader_)) end_element(node_name);
    } else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA) {
      const char* value = reinterpret_cast<const char*>(xmlTextReaderConstValue(reader_));
      on_text(value ? value : "", line);
    } else if (type == XML_READER_TYPE_END_ELEMENT) {
      end_element(node_name);
    }
  }
  if (child_) finish_child(static_cast<std::size_t>(-1));
  place_errors(static_cast<std::size_t>(-1));
  out_.flush();
  if (status != 0 || fatal_) {
    problems_.report(name, 0, "not well-formed XML: nothing imported");
    summary.failed = true;
    return summary;
  }
  summary.tables.push_back(TableCounts{name, "children", children_ + outside_children_, held_back_ + outside_children_});
  summary.children = children_;
  summary.children_held_back = held_back_;
  summary.samples = out_.samples();
  return summary;
}

}  // namespace
}  // namespace returns

YearRange cin_census_years() { return {returns::kCinFirstYear, returns::kCinLastYear}; }

ReturnSummary import_cin_census(const std::string& path, const ReturnOptions& options, const SampleSink& sink,
                                const ImportReporter& reporter) {
  returns::CinCensus census(options, sink, reporter);
  return census.run(path, nullptr);
}

ReturnSummary import_cin_census_text(const NamedText& file, const ReturnOptions& options, const SampleSink& sink,
                                     const ImportReporter& reporter) {
  returns::CinCensus census(options, sink, reporter);
  return census.run(file.name, &file.text);
}

}  // namespace bandwatch::extract
