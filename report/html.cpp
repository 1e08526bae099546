// The meeting pack as one self-contained HTML page. Everything is inline (CSS, SVG), nothing is
// fetched, no script runs: the file can be mailed, opened offline and printed on A4. On a
// phone the tables stack into one card per row, each cell labelled by its column.
#include <string_view>

#include "report/render.hpp"

namespace bandwatch::report {

namespace {

// GOV.UK design system colours: tested for contrast with the text put on them (white on green
// and red, black on amber). The band word is always printed too: RAG by colour alone is lost on
// colour-blind readers and on a black-and-white printer.
constexpr std::string_view kStyle = R"css(
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0 auto;max-width:75rem;padding:1rem;font-family:"Liberation Sans",Arial,Helvetica,sans-serif;font-size:15px;line-height:1.4;color:#0b0c0c;background:#fff}
h1{font-size:1.7rem;margin:0 0 .3rem}
h2{font-size:1.3rem;margin:1.6rem 0 .3rem;padding-bottom:.2rem;border-bottom:3px solid #0b0c0c}
h3{font-size:1.05rem;margin:1rem 0 .3rem}
p{margin:.3rem 0}
.meta,.basis,.small,.labels,.note{color:#505a5f}
.small,.labels,.note{font-size:.85em}
.labels,.note{display:block;font-weight:normal}
table.agenda,table.rag{table-layout:fixed}
col.c-item{width:3.4em}col.c-sev{width:6.5em}col.c-value{width:5.6em}col.c-dates{width:8.5em}col.c-age{width:5.6em}col.c-ack{width:28%}
col.c-frame{width:4.3em}col.c-target{width:9.5em}col.c-latest{width:6.6em}col.c-band{width:7.2em}col.c-trend{width:8em}col.c-last{width:5.2em}col.c-bench{width:4.8em}col.c-spark{width:134px}
nav ul{margin:.3rem 0;padding-left:1.2rem}
a{color:#1d70b8}
.counts{display:flex;flex-wrap:wrap;gap:.4rem 1rem;list-style:none;padding:0;margin:.6rem 0}
.counts li{white-space:nowrap}
.counts strong{font-size:1.2em;margin-left:.3rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
caption{text-align:left;font-weight:bold;font-size:1.05rem;padding:.3rem 0}
th,td{border:1px solid #b1b4b6;padding:.3rem .45rem;vertical-align:top;text-align:left;overflow-wrap:break-word}
thead th{background:#f3f2f1}
.band{display:inline-block;min-width:4.6em;padding:.1rem .4rem;border-radius:3px;font-weight:bold;text-align:center;white-space:nowrap}
.band-green{background:#00703c;color:#fff}
.band-amber{background:#ffbf47;color:#0b0c0c}
.band-red{background:#d4351c;color:#fff}
.band-unbanded{background:#fff;color:#0b0c0c;border:2px dashed #0b0c0c}
.band-small_cohort{background:#fff;color:#505a5f;border:1px solid #505a5f}
.band-none{background:#fff;color:#505a5f;border:1px dotted #505a5f}
.value,.lastyear{text-align:right;overflow-wrap:anywhere}
.value strong{font-size:1.1em}
.target span{display:block;padding-left:1em;text-indent:-1em;overflow-wrap:anywhere}
td .band{white-space:normal;max-width:100%}
th.benchmark{font-size:.85em}
table.rag.with-benchmarks{table-layout:auto}
table.rag.with-benchmarks col{width:auto}
table.rag.with-benchmarks td.target{min-width:9.5em}
table.rag.with-benchmarks tbody th{min-width:11em}
.trend{white-space:nowrap}
.trend svg{vertical-align:-2px;margin-right:.2rem}
.trend-improving{color:#00703c;font-weight:bold}
.trend-declining{color:#d4351c;font-weight:bold}
.trend-unchanged{color:#505a5f}
.spark{display:block}
tr.overdue>td{background:#fbe4e0}
.overdue-flag{display:inline-block;background:#d4351c;color:#fff;font-weight:bold;padding:0 .35rem;border-radius:3px}
.unacknowledged{color:#505a5f;font-style:italic}
p.quiet{margin-top:1.2rem;color:#505a5f}
footer{margin-top:2rem;font-size:.85em;color:#505a5f;border-top:1px solid #b1b4b6;padding-top:.5rem}
@media print{
  @page{size:A4;margin:12mm}
  body{font-size:8.5pt;max-width:none;padding:0}
  nav{display:none}
  a{color:inherit;text-decoration:none}
  thead{display:table-header-group}
  tr{break-inside:avoid}
  h1{font-size:16pt}
  h2{font-size:13pt}
  h3,caption{font-size:10pt}
  h2,h3,caption,.basis{break-after:avoid}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  table.agenda,table.rag{table-layout:auto}
  col{width:auto!important}
  .spark{width:88px;height:auto}
}
@media screen and (min-width:40.01rem) and (max-width:68rem){
  table.agenda,table.rag{table-layout:auto}
  col{width:auto!important}
}
@media screen and (max-width:40rem){
  body{padding:.6rem;font-size:16px}
  table.stack{table-layout:auto}
  table.stack colgroup{display:none}
  table.stack,table.stack tbody,table.stack tr,table.stack td,table.stack th{display:block;width:100%}
  table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  table.stack tr{border:1px solid #b1b4b6;margin-bottom:.7rem}
  table.stack td,table.stack th{border:0;border-bottom:1px solid #f3f2f1;text-align:left}
  table.stack tbody th{background:#f3f2f1}
  table.stack td{position:relative;padding:.25rem .45rem .25rem 8.2rem;min-height:1.9rem}
  table.stack td[data-label]::before{content:attr(data-label);position:absolute;left:.45rem;top:.35rem;width:7.6rem;font-size:.78rem;font-weight:bold;color:#505a5f}
  table.stack td .labels,table.stack td.value strong{display:inline}
  table.stack td.value,table.stack td.lastyear{text-align:left}
  .target span{white-space:normal}
}
)css";

std::string esc(std::string_view text) { return html_escape(text); }

std::string time_tag(Date date) {
  return "<time datetime=\"" + date.iso() + "\">" + date.uk() + "</time>";
}

/// A band line with each comparison kept with its number ("Red: <=&nbsp;89%"): a line that must
/// wrap breaks between limits, never between `<=` and its figure.
std::string target_html(std::string_view line) {
  std::string out = esc(line);
  for (std::string_view op : {"&lt;= ", "&gt;= ", "&lt; ", "&gt; "}) {
    for (std::size_t at = 0; (at = out.find(op, at)) != std::string::npos;) {
      out.replace(at + op.size() - 1, 1, "&nbsp;");
      at += op.size() + 5;
    }
  }
  return out;
}

std::string band_badge(std::string_view css, std::string_view text) {
  return "<span class=\"band band-" + std::string(css) + "\">" + esc(text) + "</span>";
}

std::string severity_badge(ast::Colour colour) {
  return band_badge(ast::to_string(colour), colour_label(colour));
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string days(std::int32_t n) { return n == 1 ? "1 day" : std::to_string(n) + " days"; }

// Arrows drawn as SVG, not font glyphs: a printer or phone without the glyph would show a box.
std::string trend_cell(Trend trend, ast::Better better) {
  if (trend == Trend::none) return "<span class=\"small\">&ndash;</span>";
  bool higher = better != ast::Better::lower;
  int rotation = 0;  // up
  if (trend == Trend::unchanged) rotation = 90;
  else if ((trend == Trend::improving) != higher) rotation = 180;
  std::string word(to_string(trend));
  return "<span class=\"trend trend-" + word + "\"><svg width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" "
         "aria-hidden=\"true\"><path fill=\"currentColor\" transform=\"rotate(" + std::to_string(rotation) +
         " 6 6)\" d=\"M6 0.5 11.5 6.5H8V11.5H4V6.5H0.5Z\"/></svg>" + word + "</span>";
}

void agenda_table(std::string& out, const RouteReport& route, AgendaKind kind, std::size_t& number,
                  Date meeting_date) {
  if (route.count(kind) == 0) return;
  std::string heading;
  switch (kind) {
    case AgendaKind::new_alert: heading = "New since " + route.since.uk(); break;
    case AgendaKind::escalated: heading = "Escalated since " + route.since.uk(); break;
    case AgendaKind::open: heading = "Still open"; break;
    case AgendaKind::resolved: heading = "Resolved since " + route.since.uk(); break;
  }
  // The heading names the table for screen readers, as a caption would.
  std::string id = "agenda-" + (route.name.empty() ? std::string("unrouted") : route.name) + "-" +
                   std::string(to_string(kind));
  out += "<h3 id=\"" + esc(id) + "\">" + esc(heading) + "</h3>\n";
  out += "<table class=\"agenda stack agenda-" + std::string(to_string(kind)) + "\" aria-labelledby=\"" + esc(id) +
         "\">\n"
         "<colgroup><col class=\"c-item\"><col class=\"c-alert\"><col class=\"c-sev\"><col class=\"c-value\">"
         "<col class=\"c-dates\"><col class=\"c-age\"><col class=\"c-ack\"></colgroup>\n<thead><tr>"
         "<th scope=\"col\">Item</th><th scope=\"col\">Alert</th><th scope=\"col\">Severity</th>"
         "<th scope=\"col\">Value</th><th scope=\"col\">Dates</th><th scope=\"col\">Age</th>"
         "<th scope=\"col\">Acknowledgement</th></tr></thead>\n<tbody>\n";
  for (const AgendaItem& item : route.items) {
    if (item.kind != kind) continue;
    ++number;
    out += std::string("<tr class=\"alert-") + std::string(to_string(item.kind)) +
           (item.review_overdue ? " overdue" : "") + "\" id=\"alert-" + esc(route.name) + "-" +
           std::to_string(item.id) + "\">";
    out += "<td data-label=\"Item\">" + std::to_string(number) + "</td>";
    out += "<th scope=\"row\" data-label=\"Alert\"><span class=\"alert-title\">" + esc(item.title) + "</span>";
    if (!item.labels.empty()) out += "<span class=\"labels\">" + esc(labels_text(item.labels)) + "</span>";
    if (!item.message.empty() && !repeats_title(item))
      out += "<span class=\"note\">" + esc(item.message) + "</span>";
    out += "</th>";
    out += "<td data-label=\"Severity\">" + severity_badge(item.severity);
    if (item.kind == AgendaKind::resolved) out += " <span class=\"small\">(last)</span>";
    if (item.previous_severity)
      out += " <span class=\"small\">was " + esc(colour_label(*item.previous_severity)) + "</span>";
    out += "</td>";
    out += "<td data-label=\"Value\" class=\"value\">" + esc(item.value_text) + "</td>";
    out += "<td data-label=\"Dates\">";
    switch (item.kind) {
      case AgendaKind::new_alert:
        out += "Opened " + time_tag(item.since);
        if (item.escalated_in_period && item.changed_on) out += "<br>escalated " + time_tag(*item.changed_on);
        break;
      case AgendaKind::escalated:
        out += "Escalated " + time_tag(*item.changed_on) + "<br>open since " + time_tag(item.since);
        break;
      case AgendaKind::open: out += "Open since " + time_tag(item.since); break;
      case AgendaKind::resolved:
        out += "Resolved " + time_tag(*item.changed_on) + "<br>opened " + time_tag(item.since);
        break;
    }
    out += "</td>";
    out += "<td data-label=\"Age\" class=\"value\">" + esc(days(item.age_days)) + "</td>";
    out += "<td data-label=\"Acknowledgement\">";
    if (item.acknowledgement) {
      const Acknowledgement& ack = *item.acknowledgement;
      out += "<strong>" + esc(ack.who.empty() ? "unnamed" : ack.who) + "</strong>";
      if (ack.on) out += " on " + time_tag(*ack.on);
      if (!ack.note.empty()) out += ": " + esc(ack.note);
      if (ack.review) {
        if (item.review_overdue)
          out += "<br><span class=\"overdue-flag\">Review overdue</span> was due " + time_tag(*ack.review) +
                 " (" + esc(days(meeting_date.days_since_epoch - ack.review->days_since_epoch)) + " ago)";
        else
          out += "<br>Review by " + time_tag(*ack.review);
      }
    } else if (item.kind != AgendaKind::resolved) {
      out += "<span class=\"unacknowledged\">Not acknowledged</span>";
    } else {
      out += "&ndash;";
    }
    out += "</td></tr>\n";
  }
  out += "</tbody></table>\n";
}

void route_section(std::string& out, const RouteReport& route, Date meeting_date) {
  std::string id = "route-" + (route.name.empty() ? std::string("unrouted") : route.name);
  out += "<section class=\"route\" id=\"" + esc(id) + "\">\n<h2>" + esc(route.title) + "</h2>\n";
  out += "<p class=\"basis\">Changes after " + time_tag(route.since) + " (" + esc(route.since_basis) +
         "): <strong>" + esc(plural(route.count(AgendaKind::new_alert), "new", "new")) + "</strong>, <strong>" +
         esc(plural(route.count(AgendaKind::escalated), "escalated", "escalated")) + "</strong>, " +
         esc(plural(route.count(AgendaKind::open), "still open", "still open")) + ", " +
         esc(plural(route.count(AgendaKind::resolved), "resolved", "resolved")) + ".</p>\n";
  if (route.items.empty()) {
    out += "<p>No open alerts, and none resolved since " + time_tag(route.since) + ".</p>\n";
  } else {
    std::size_t number = 0;
    for (AgendaKind kind : {AgendaKind::new_alert, AgendaKind::escalated, AgendaKind::open, AgendaKind::resolved})
      agenda_table(out, route, kind, number, meeting_date);
  }
  out += "</section>\n";
}

void rag_table(std::string& out, const RagGroup& group, std::size_t index) {
  // The seed tables print the period once in the header ("Sep"); do the same when every row
  // shares a date, otherwise date each value.
  std::optional<Date> common;
  bool same_date = true;
  for (const RagRow& row : group.rows) {
    if (!row.has_value) continue;
    if (!common) common = row.date;
    else if (*common != row.date) same_date = false;
  }
  std::string value_header = same_date && common ? "Value at " + common->uk() : "Latest value";
  out += "<table class=\"rag stack" + std::string(group.benchmarks.empty() ? "" : " with-benchmarks") + "\" id=\"rag-" + std::to_string(index) + "\">\n<caption>" + esc(group.title) +
         "</caption>\n<colgroup><col class=\"c-measure\"><col class=\"c-frame\"><col class=\"c-target\">"
         "<col class=\"c-latest\"><col class=\"c-band\"><col class=\"c-trend\"><col class=\"c-last\">"
         "";
  for (std::size_t b = 0; b < group.benchmarks.size(); ++b) out += "<col class=\"c-bench\">";
  out += "<col class=\"c-spark\"></colgroup>\n<thead><tr><th scope=\"col\">Performance measure</th><th scope=\"col\">Frame</th>"
         "<th scope=\"col\">Target bands</th><th scope=\"col\">" + esc(value_header) + "</th>"
         "<th scope=\"col\">Band</th><th scope=\"col\">Short trend</th><th scope=\"col\">Last year</th>";
  for (const BenchmarkColumn& column : group.benchmarks)
    out += "<th scope=\"col\" class=\"benchmark\">" + esc(column.title) + "</th>";
  out += "<th scope=\"col\">History</th></tr></thead>\n<tbody>\n";
  for (const RagRow& row : group.rows) {
    std::string band_css = row.has_value ? std::string(to_string(row.band)) : "none";
    out += "<tr class=\"rag-row band-row-" + band_css + "\" data-indicator=\"" + esc(row.indicator) + "\">";
    out += "<th scope=\"row\" data-label=\"Performance measure\">" + esc(row.title);
    if (!row.labels.empty()) out += "<span class=\"labels\">" + esc(labels_text(row.labels)) + "</span>";
    if (!row.note.empty()) out += "<span class=\"note\">" + esc(row.note) + "</span>";
    out += "</th>";
    std::string_view code = frame_code(row.frame);
    out += "<td data-label=\"Frame\">";
    if (!code.empty()) out += "<abbr title=\"" + esc(frame_name(row.frame)) + "\">" + esc(code) + "</abbr>";
    out += "</td>";
    out += "<td data-label=\"Target bands\" class=\"target\">";
    for (const std::string& line : target_lines(row.target)) out += "<span>" + target_html(line) + "</span>";
    out += "</td>";
    if (row.has_value) {
      out += "<td data-label=\"Value\" class=\"value\"><strong>" + esc(row.value_text) + "</strong>";
      if (!same_date) out += "<span class=\"small labels\">" + time_tag(row.date) + "</span>";
      out += "</td>";
      out += "<td data-label=\"Band\">" + band_badge(band_css, band_label(row.band)) + "</td>";
    } else {
      out += "<td data-label=\"Value\" class=\"value\">&ndash;</td>";
      out += "<td data-label=\"Band\">" + band_badge("none", "No data") + "</td>";
    }
    out += "<td data-label=\"Short trend\">" + trend_cell(row.trend, row.better);
    // The figure the word compares with, shown as the value is: the word agrees with both.
    if (row.trend != Trend::none && row.previous_date)
      out += "<span class=\"small labels\">" +
             (row.previous_value_text.empty() ? std::string("against ") : "was " + esc(row.previous_value_text) + " on ") +
             time_tag(*row.previous_date) + "</span>";
    out += "</td>";
    out += "<td data-label=\"Last year\" class=\"lastyear\">" + (row.last_year.empty() ? "&ndash;" : esc(row.last_year)) + "</td>";
    for (std::size_t b = 0; b < group.benchmarks.size(); ++b) {
      const BenchmarkCell* cell = b < row.benchmarks.size() ? &row.benchmarks[b] : nullptr;
      out += "<td data-label=\"" + esc(group.benchmarks[b].title) + "\" class=\"benchmark value\">" +
             (cell && cell->has_value ? esc(cell->text) : "&ndash;") + "</td>";
    }
    out += "<td data-label=\"History\">" + render_sparkline(row) + "</td>";
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
}

}  // namespace

std::string render_html(const ReportModel& model) {
  std::string out;
  out.reserve(64 * 1024);
  out += "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta name=\"generator\" content=\"bandwatch report\">\n<title>" +
         esc(model.title + ", data as at " + model.as_of.uk()) + "</title>\n<style>" + std::string(kStyle) +
         "</style>\n</head>\n<body>\n<header>\n<h1>" + esc(model.title) + "</h1>\n";
  out += "<p class=\"meta\">Data as at " + time_tag(model.as_of);
  if (model.meeting_date != model.as_of) out += "; meeting on " + time_tag(model.meeting_date);
  out += ". Dates are dd/mm/yyyy.</p>\n";

  const BandCounts& c = model.counts;
  out += "<ul class=\"counts\" aria-label=\"Indicators by band\">";
  auto count_item = [&](std::string_view css, std::string_view label, std::size_t n, bool always) {
    if (!always && n == 0) return;
    out += "<li>" + band_badge(css, label) + "<strong>" + std::to_string(n) + "</strong></li>";
  };
  count_item("green", "Green", c.green, true);
  count_item("amber", "Amber", c.amber, true);
  count_item("red", "Red", c.red, true);
  count_item("unbanded", "Unbanded", c.unbanded, false);
  count_item("small_cohort", "Small cohort", c.small_cohort, false);
  out += "</ul>\n";

  out += "<nav aria-label=\"Contents\"><ul>";
  for (const RouteReport& route : model.routes)
    out += "<li><a href=\"#route-" + esc(route.name.empty() ? "unrouted" : route.name) + "\">" + esc(route.title) +
           "</a></li>";
  for (std::size_t i = 0; i < model.groups.size(); ++i)
    out += "<li><a href=\"#rag-" + std::to_string(i + 1) + "\">" + esc(model.groups[i].title) + "</a></li>";
  out += "</ul></nav>\n</header>\n<main>\n";

  for (const RouteReport& route : model.routes) route_section(out, route, model.meeting_date);
  if (!model.quiet_routes.empty()) {
    out += "<p class=\"quiet\">Nothing open or resolved for: ";
    for (std::size_t i = 0; i < model.quiet_routes.size(); ++i)
      out += (i ? "; " : "") + esc(model.quiet_routes[i]);
    out += ".</p>\n";
  }

  out += "<section class=\"indicators\" id=\"indicators\">\n<h2>Performance indicators</h2>\n";
  if (model.groups.empty() && model.no_data.empty()) out += "<p>No indicators are declared.</p>\n";
  for (std::size_t i = 0; i < model.groups.size(); ++i) rag_table(out, model.groups[i], i + 1);
  if (!model.no_data.empty()) {
    out += "<p class=\"quiet\">No data yet for: ";
    for (std::size_t i = 0; i < model.no_data.size(); ++i) out += (i ? "; " : "") + esc(model.no_data[i]);
    out += ".</p>\n";
  }
  out += "</section>\n</main>\n";
  out += "<footer><p>Frames: YD year to date, RY rolling year, Q quarter, M month, EP end of period, "
         "S snapshot. Short trend compares the latest value with the one before it; the arrow shows "
         "which way the value moved and the word whether that is better or worse. History shades "
         "each band behind the line. Generated by bandwatch report.</p></footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace bandwatch::report
