// The meeting pack as Markdown (GitHub-flavoured tables), for pasting into minutes, wikis and
// email. Bands and severities are words, since Markdown has no colour.
#include "report/render.hpp"

namespace bandwatch::report {

namespace {

std::string md(std::string_view text) { return markdown_escape(text); }

std::string days(std::int32_t n) { return n == 1 ? "1 day" : std::to_string(n) + " days"; }

void agenda(std::string& out, const RouteReport& route, AgendaKind kind, std::size_t& number, Date meeting_date) {
  if (route.count(kind) == 0) return;
  switch (kind) {
    case AgendaKind::new_alert: out += "### New since " + route.since.uk() + "\n\n"; break;
    case AgendaKind::escalated: out += "### Escalated since " + route.since.uk() + "\n\n"; break;
    case AgendaKind::open: out += "### Still open\n\n"; break;
    case AgendaKind::resolved: out += "### Resolved since " + route.since.uk() + "\n\n"; break;
  }
  out += "| Item | Alert | Severity | Value | Dates | Age | Acknowledgement |\n"
         "|---:|---|---|---:|---|---:|---|\n";
  for (const AgendaItem& item : route.items) {
    if (item.kind != kind) continue;
    ++number;
    std::string alert = "**" + md(item.title) + "**";
    if (!item.labels.empty()) alert += " (" + md(labels_text(item.labels)) + ")";
    if (!item.message.empty() && !repeats_title(item)) alert += ": " + md(item.message);
    std::string severity(colour_label(item.severity));
    if (item.previous_severity) severity += " (was " + std::string(colour_label(*item.previous_severity)) + ")";
    if (item.kind == AgendaKind::resolved) severity += " (last)";
    std::string dates;
    switch (item.kind) {
      case AgendaKind::new_alert:
        dates = "opened " + item.since.uk();
        if (item.escalated_in_period && item.changed_on) dates += ", escalated " + item.changed_on->uk();
        break;
      case AgendaKind::escalated:
        dates = "escalated " + item.changed_on->uk() + ", open since " + item.since.uk();
        break;
      case AgendaKind::open: dates = "open since " + item.since.uk(); break;
      case AgendaKind::resolved: dates = "resolved " + item.changed_on->uk() + ", opened " + item.since.uk(); break;
    }
    std::string ack;
    if (item.acknowledgement) {
      const Acknowledgement& a = *item.acknowledgement;
      ack = md(a.who.empty() ? "unnamed" : a.who);
      if (a.on) ack += " on " + a.on->uk();
      if (!a.note.empty()) ack += ": " + md(a.note);
      if (a.review) {
        if (item.review_overdue)
          ack += "; **REVIEW OVERDUE**, was due " + a.review->uk() + " (" +
                 days(meeting_date.days_since_epoch - a.review->days_since_epoch) + " ago)";
        else
          ack += "; review by " + a.review->uk();
      }
    } else {
      ack = item.kind == AgendaKind::resolved ? "-" : "*not acknowledged*";
    }
    out += "| " + std::to_string(number) + " | " + alert + " | " + severity + " | " + md(item.value_text) + " | " +
           dates + " | " + days(item.age_days) + " | " + ack + " |\n";
  }
  out += "\n";
}

}  // namespace

std::string render_markdown(const ReportModel& model) {
  std::string out;
  out += "# " + md(model.title) + "\n\n";
  out += "Data as at " + model.as_of.uk();
  if (model.meeting_date != model.as_of) out += "; meeting on " + model.meeting_date.uk();
  out += ". Dates are dd/mm/yyyy.\n\n";
  const BandCounts& c = model.counts;
  out += "**Indicators by band:** Green " + std::to_string(c.green) + " · Amber " + std::to_string(c.amber) +
         " · Red " + std::to_string(c.red);
  if (c.unbanded) out += " · Unbanded " + std::to_string(c.unbanded);
  if (c.small_cohort) out += " · Small cohort " + std::to_string(c.small_cohort);
  out += "\n\n";

  for (const RouteReport& route : model.routes) {
    out += "## " + md(route.title) + "\n\n";
    out += "Changes after " + route.since.uk() + " (" + md(route.since_basis) + "): " +
           std::to_string(route.count(AgendaKind::new_alert)) + " new, " +
           std::to_string(route.count(AgendaKind::escalated)) + " escalated, " +
           std::to_string(route.count(AgendaKind::open)) + " still open, " +
           std::to_string(route.count(AgendaKind::resolved)) + " resolved.\n\n";
    if (route.items.empty()) {
      out += "No open alerts, and none resolved since " + route.since.uk() + ".\n\n";
      continue;
    }
    std::size_t number = 0;
    for (AgendaKind kind : {AgendaKind::new_alert, AgendaKind::escalated, AgendaKind::open, AgendaKind::resolved})
      agenda(out, route, kind, number, model.meeting_date);
  }

  if (!model.quiet_routes.empty()) {
    out += "Nothing open or resolved for: ";
    for (std::size_t i = 0; i < model.quiet_routes.size(); ++i) out += (i ? "; " : "") + md(model.quiet_routes[i]);
    out += ".\n\n";
  }
  out += "## Performance indicators\n\n";
  if (model.groups.empty() && model.no_data.empty()) out += "No indicators are declared.\n\n";
  for (const RagGroup& group : model.groups) {
    out += "### " + md(group.title) + "\n\n";
    out += "| Performance measure | Frame | Target bands | Value | Date | Band | Short trend | Last year |";
    for (const BenchmarkColumn& column : group.benchmarks) out += " " + md(column.title) + " |";
    out += "\n|---|---|---|---:|---|---|---|---:|";
    for (std::size_t b = 0; b < group.benchmarks.size(); ++b) out += "---:|";
    out += "\n";
    for (const RagRow& row : group.rows) {
      std::string measure = md(row.title);
      if (!row.labels.empty()) measure += " (" + md(labels_text(row.labels)) + ")";
      std::string target;
      for (const std::string& line : target_lines(row.target)) target += (target.empty() ? "" : "; ") + md(line);
      std::string band = row.has_value ? "**" + std::string(band_label(row.band)) + "**" : "no data";
      std::string trend = row.trend == Trend::none ? "-" : trend_text(row.trend, row.better);
      if (row.trend != Trend::none && !row.previous_value_text.empty())
        trend += " (was " + md(row.previous_value_text) + ")";
      out += "| " + measure + " | " + md(frame_code(row.frame)) + " | " + target + " | " +
             (row.has_value ? md(row.value_text) : "-") + " | " + (row.has_value ? row.date.uk() : "-") + " | " +
             band + " | " + trend + " | " + (row.last_year.empty() ? "-" : md(row.last_year)) + " |";
      for (std::size_t b = 0; b < group.benchmarks.size(); ++b) {
        bool has = b < row.benchmarks.size() && row.benchmarks[b].has_value;
        out += " " + (has ? md(row.benchmarks[b].text) : std::string("-")) + " |";
      }
      out += "\n";
    }
    out += "\n";
  }
  if (!model.no_data.empty()) {
    out += "No data yet for: ";
    for (std::size_t i = 0; i < model.no_data.size(); ++i) out += (i ? "; " : "") + md(model.no_data[i]);
    out += ".\n\n";
  }
  out += "Frames: YD year to date, RY rolling year, Q quarter, M month, EP end of period, S snapshot. "
         "Short trend compares the latest value with the one before it.\n";
  return out;
}

}  // namespace bandwatch::report
