#include "board_page.hpp"

#include <string_view>

#include "board_script.hpp"
#include "report/render.hpp"

namespace bandwatch::daemon::http {

using report::AgendaItem;
using report::AgendaKind;
using report::html_escape;
using report::ReportModel;
using report::RouteReport;

namespace {

// GOV.UK colours (contrast-tested with the text on them); the band is always written as a word
// too. Large type on a wide screen (the meeting-room projector), cards stacked on a phone.
constexpr std::string_view kStyle = R"css(
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%;font-size:16px}
body{margin:0;font-family:"Liberation Sans",Arial,Helvetica,sans-serif;line-height:1.4;color:#0b0c0c;background:#f3f2f1}
a{color:#1d70b8}a:focus,button:focus,summary:focus,input:focus{outline:3px solid #ffdd00;outline-offset:0}
.bar{background:#0b0c0c;color:#fff;padding:.55rem 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.4rem 1rem;border-bottom:6px solid #1d70b8}
.bar a{color:#fff}
.brand{font-weight:bold;font-size:1.15rem;text-decoration:none;letter-spacing:.01em}
.brand span{font-weight:normal;opacity:.8}
.live{display:inline-flex;align-items:center;gap:.35rem;font-size:.9rem;padding:.1rem .55rem;border:1px solid #6f777b;border-radius:1rem}
.live::before{content:"";width:.6rem;height:.6rem;border-radius:50%;background:#b1b4b6}
.live.on::before{background:#00703c;box-shadow:0 0 0 2px #cce2d8}
.live.off::before{background:#d4351c}
.who{margin-left:auto;font-size:.95rem;display:flex;gap:.6rem;align-items:center;flex-wrap:wrap}
.who form{display:inline}
.who button{background:none;border:1px solid #fff;color:#fff;padding:.15rem .6rem;border-radius:3px;cursor:pointer;font:inherit}
.role{background:#1d70b8;padding:.05rem .45rem;border-radius:3px;font-size:.8rem;text-transform:uppercase;letter-spacing:.04em}
.wrap{max-width:90rem;margin:0 auto;padding:1rem}
h1{font-size:1.8rem;margin:.2rem 0 .2rem}
h2{font-size:1.3rem;margin:1.4rem 0 .6rem;padding-bottom:.25rem;border-bottom:3px solid #0b0c0c}
.meta{color:#505a5f;margin:.1rem 0 .6rem}
.counts{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0;margin:.6rem 0 0}
.counts li{background:#fff;border:1px solid #b1b4b6;border-radius:4px;padding:.35rem .7rem;min-width:7.5rem}
.counts strong{display:block;font-size:1.6rem;line-height:1.1}
.counts span{font-size:.85rem;color:#505a5f}
.counts li.c-red{border-left:6px solid #d4351c}.counts li.c-amber{border-left:6px solid #ffbf47}.counts li.c-green{border-left:6px solid #00703c}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(21rem,1fr));gap:.8rem}
.card{background:#fff;border:1px solid #b1b4b6;border-left:8px solid #b1b4b6;border-radius:4px;padding:.7rem .85rem;display:flex;flex-direction:column;gap:.3rem}
.card.sev-red{border-left-color:#d4351c}.card.sev-amber{border-left-color:#ffbf47}.card.sev-green{border-left-color:#00703c}
.card.kind-resolved{border-left-color:#00703c;opacity:.92}
.card.flash{animation:flash 2.5s ease-out}
@keyframes flash{from{box-shadow:0 0 0 4px #ffdd00}to{box-shadow:none}}
.card h3{font-size:1.08rem;margin:0}
.head{display:flex;gap:.4rem;align-items:center;flex-wrap:wrap}
.head .age{margin-left:auto;color:#505a5f;font-size:.9rem;white-space:nowrap}
.kind{font-size:.75rem;font-weight:bold;text-transform:uppercase;letter-spacing:.05em;padding:.1rem .4rem;border-radius:3px;background:#f3f2f1;color:#0b0c0c}
.kind-new .kind{background:#1d70b8;color:#fff}.kind-escalated .kind{background:#0b0c0c;color:#fff}
.labels,.message{margin:0;color:#505a5f;font-size:.92rem}
.message{color:#0b0c0c}
.facts{display:grid;grid-template-columns:auto 1fr;gap:.1rem .7rem;margin:.2rem 0;font-size:.92rem}
.facts dt{color:#505a5f}.facts dd{margin:0}
.ack{border-top:1px solid #f3f2f1;padding-top:.35rem;font-size:.95rem}
.ack.none{color:#505a5f;font-style:italic}
.overdue{display:inline-block;background:#d4351c;color:#fff;font-weight:bold;padding:0 .35rem;border-radius:3px;font-style:normal}
.actions{display:flex;flex-wrap:wrap;gap:.4rem;margin-top:.2rem}
.actions details{flex:0 1 auto}.actions details[open]{flex:1 1 100%}
.actions summary{display:inline-block;cursor:pointer;background:#00703c;color:#fff;font-weight:bold;padding:.3rem .8rem;border-radius:3px;box-shadow:0 2px 0 #002d18;list-style:none}
.actions summary::-webkit-details-marker{display:none}
.actions details.silence summary{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191}
.actions form{display:grid;gap:.35rem;margin-top:.5rem;padding:.6rem;background:#f8f8f8;border:1px solid #b1b4b6;border-radius:3px}
.actions label{font-size:.9rem;font-weight:bold}
.actions input[type=text],.actions input[type=date],.signin input{font:inherit;padding:.35rem;border:2px solid #0b0c0c;border-radius:0;width:100%}
button.go{font:inherit;font-weight:bold;background:#00703c;color:#fff;border:0;padding:.4rem .9rem;border-radius:3px;box-shadow:0 2px 0 #002d18;cursor:pointer;justify-self:start}
.result{font-size:.9rem;margin:0}.result.bad{color:#d4351c;font-weight:bold}
.empty{background:#fff;border:1px dashed #b1b4b6;padding:.8rem;border-radius:4px;color:#505a5f;margin:0}
.band{display:inline-block;min-width:4.2em;padding:.05rem .4rem;border-radius:3px;font-weight:bold;text-align:center;white-space:nowrap;font-size:.9rem}
.band-green{background:#00703c;color:#fff}.band-amber{background:#ffbf47;color:#0b0c0c}.band-red{background:#d4351c;color:#fff}
.band-unbanded{background:#fff;color:#0b0c0c;border:2px dashed #0b0c0c}.band-small_cohort{background:#fff;color:#505a5f;border:1px solid #505a5f}
.band-none{background:#fff;color:#505a5f;border:1px dotted #505a5f}
table{border-collapse:collapse;width:100%;background:#fff;margin:.3rem 0 1rem}
caption{text-align:left;font-weight:bold;padding:.3rem 0;font-size:1.05rem}
th,td{border:1px solid #b1b4b6;padding:.35rem .5rem;vertical-align:top;text-align:left}
thead th{background:#f3f2f1;font-size:.9rem}
td.num{text-align:right;white-space:nowrap}
.target span{display:block;white-space:nowrap;font-size:.88rem}
.small{font-size:.85rem;color:#505a5f;display:block}
.spark{display:block}
.feed{list-style:none;margin:0;padding:0;font-size:.92rem}
.feed li{background:#fff;border:1px solid #b1b4b6;border-radius:3px;padding:.3rem .5rem;margin-bottom:.3rem}
.feed li b{margin-right:.3rem}
.forums{display:grid;grid-template-columns:repeat(auto-fill,minmax(18rem,1fr));gap:.8rem}
.forum{background:#fff;border:1px solid #b1b4b6;border-top:6px solid #1d70b8;border-radius:4px;padding:.8rem;text-decoration:none;color:#0b0c0c;display:block}
.forum:hover{border-color:#0b0c0c}
.forum h2{border:0;margin:0 0 .4rem;font-size:1.2rem;color:#1d70b8;text-decoration:underline}
.forum p{margin:.15rem 0}
.signin{max-width:26rem;background:#fff;border:1px solid #b1b4b6;padding:1rem;border-radius:4px;display:grid;gap:.5rem}
.signin label{font-weight:bold}
footer{color:#505a5f;font-size:.85rem;margin-top:2rem;border-top:1px solid #b1b4b6;padding-top:.5rem}
@media (min-width:100rem){html{font-size:19px}.cards{grid-template-columns:repeat(auto-fill,minmax(24rem,1fr))}}
@media (max-width:40rem){
  .bar{padding:.45rem .6rem;gap:.3rem .6rem}
  .bar .forum-name{display:none}
  .who{margin-left:0;width:100%;font-size:.85rem;gap:.4rem}
  .counts li{min-width:0;flex:1 1 28%;padding:.25rem .5rem}
  .counts strong{font-size:1.25rem}
  .wrap{padding:.6rem}
  h1{font-size:1.4rem}
  .cards,.forums{grid-template-columns:1fr}
  table.stack,table.stack tbody,table.stack tr,table.stack td,table.stack th{display:block;width:100%}
  table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  table.stack tr{border:1px solid #b1b4b6;margin-bottom:.6rem;background:#fff}
  table.stack td,table.stack th{border:0;border-bottom:1px solid #f3f2f1}
  table.stack tbody th{background:#f3f2f1}
  table.stack td{position:relative;padding-left:8.4rem;min-height:1.9rem;text-align:left}
  table.stack td::before{content:attr(data-label);position:absolute;left:.5rem;top:.4rem;width:7.6rem;font-size:.8rem;font-weight:bold;color:#505a5f}
}
)css";

std::string esc(std::string_view text) { return html_escape(text); }

std::string time_tag(Date date) { return "<time datetime=\"" + date.iso() + "\">" + date.uk() + "</time>"; }

std::string days(std::int32_t n) { return n == 1 ? "1 day" : std::to_string(n) + " days"; }

std::string badge(std::string_view css, std::string_view text) {
  return "<span class=\"band band-" + std::string(css) + "\">" + esc(text) + "</span>";
}

std::string route_path(const std::string& route) { return "/route/" + esc(route); }

std::string page_head(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta name=\"referrer\" content=\"same-origin\">\n<title>" +
         esc(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n";
}

std::string top_bar(const std::string& forum, const Viewer& viewer, const std::string& here) {
  std::string out = "<header class=\"bar\"><a class=\"brand\" href=\"/\">bandwatch <span>live board</span></a>";
  if (!forum.empty()) out += "<span class=\"forum-name\">" + esc(forum) + "</span>";
  out += "<span class=\"live\" id=\"live\" role=\"status\" aria-live=\"polite\">Connecting</span><div class=\"who\">";
  if (!viewer.user.empty()) {
    out += "<span>Signed in as <strong id=\"who\">" + esc(viewer.name) + "</strong></span>";
    if (viewer.role != protocol::Role::none)
      out += "<span class=\"role\">" + esc(protocol::to_string(viewer.role)) + "</span>";
    if (viewer.can_sign_out)
      out += "<form method=\"post\" action=\"/signout\"><input type=\"hidden\" name=\"csrf\" value=\"" + esc(viewer.csrf) +
             "\"><button type=\"submit\">Sign out</button></form>";
  } else if (viewer.can_sign_in) {
    out += "<span>Viewing only</span><a href=\"/signin?next=" + esc(here) + "\">Sign in</a>";
  } else {
    out += "<span>Viewing only</span>";
  }
  out += "</div></header>\n";
  return out;
}

std::string kind_word(AgendaKind kind) {
  switch (kind) {
    case AgendaKind::new_alert: return "New";
    case AgendaKind::escalated: return "Escalated";
    case AgendaKind::open: return "Open";
    case AgendaKind::resolved: return "Resolved";
  }
  return "";
}

void card(std::string& out, const AgendaItem& item, const std::string& route_name, const Viewer& viewer,
          Date meeting_date) {
  std::string kind(report::to_string(item.kind));
  out += "<article class=\"card sev-" + std::string(ast::to_string(item.severity)) + " kind-" + kind +
         "\" id=\"alert-" + std::to_string(item.id) + "\" data-alert=\"" + std::to_string(item.id) + "\">";
  out += "<div class=\"head\">" + badge(ast::to_string(item.severity), report::colour_label(item.severity)) +
         "<span class=\"kind\">" + kind_word(item.kind) + "</span>";
  if (item.kind != AgendaKind::resolved) out += "<span class=\"age\">open " + esc(days(item.age_days)) + "</span>";
  out += "</div><h3>" + esc(item.title) + "</h3>";
  if (!item.labels.empty()) out += "<p class=\"labels\">" + esc(report::labels_text(item.labels)) + "</p>";
  if (!item.message.empty() && !report::repeats_title(item)) out += "<p class=\"message\">" + esc(item.message) + "</p>";
  out += "<dl class=\"facts\"><dt>Value</dt><dd>" + esc(item.value_text.empty() ? "–" : item.value_text) + "</dd>";
  switch (item.kind) {
    case AgendaKind::new_alert:
      out += "<dt>Opened</dt><dd>" + time_tag(item.since) + "</dd>";
      if (item.escalated_in_period && item.changed_on) out += "<dt>Escalated</dt><dd>" + time_tag(*item.changed_on) + "</dd>";
      break;
    case AgendaKind::escalated:
      out += "<dt>Escalated</dt><dd>" + time_tag(*item.changed_on);
      if (item.previous_severity) out += " (was " + esc(report::colour_label(*item.previous_severity)) + ")";
      out += "</dd><dt>Open since</dt><dd>" + time_tag(item.since) + "</dd>";
      break;
    case AgendaKind::open: out += "<dt>Open since</dt><dd>" + time_tag(item.since) + "</dd>"; break;
    case AgendaKind::resolved:
      out += "<dt>Resolved</dt><dd>" + time_tag(*item.changed_on) + "</dd><dt>Opened</dt><dd>" + time_tag(item.since) +
             "</dd>";
      break;
  }
  out += "</dl>";
  if (item.acknowledgement) {
    const report::Acknowledgement& ack = *item.acknowledgement;
    out += "<div class=\"ack ok\">Acknowledged by <strong class=\"ack-by\">" + esc(ack.who.empty() ? "unnamed" : ack.who) +
           "</strong>";
    if (ack.on) out += " on " + time_tag(*ack.on);
    if (!ack.note.empty()) out += ": <span class=\"ack-note\">" + esc(ack.note) + "</span>";
    if (ack.review) {
      if (item.review_overdue)
        out += "<br><span class=\"overdue\">Review overdue</span> was due " + time_tag(*ack.review) + " (" +
               esc(days(meeting_date.days_since_epoch - ack.review->days_since_epoch)) + " ago)";
      else
        out += "<br>Review by " + time_tag(*ack.review);
    }
    out += "</div>";
  } else if (item.kind != AgendaKind::resolved) {
    out += "<div class=\"ack none\">Not acknowledged</div>";
  }
  bool member = viewer.role == protocol::Role::member || viewer.role == protocol::Role::chair;
  if (item.kind != AgendaKind::resolved && member && !viewer.user.empty()) {
    std::string id = std::to_string(item.id);
    std::string hidden = "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(viewer.csrf) +
                         "\"><input type=\"hidden\" name=\"alert\" value=\"" + id + "\">";
    out += "<div class=\"actions\"><details class=\"acknowledge\"><summary>" +
           std::string(item.acknowledgement ? "Update note" : "Acknowledge") + "</summary><form method=\"post\" action=\"" +
           route_path(route_name) + "/ack\" data-action=\"ack\">" + hidden +
           "<label for=\"note-" + id + "\">Note (what is being done)</label><input type=\"text\" id=\"note-" + id +
           "\" name=\"note\" maxlength=\"500\" autocomplete=\"off\"><label for=\"review-" + id +
           "\">Review by</label><input type=\"date\" id=\"review-" + id + "\" name=\"review\">"
           "<button class=\"go\" type=\"submit\">Acknowledge as " + esc(viewer.name) + "</button></form></details>";
    if (viewer.role == protocol::Role::chair)
      out += "<details class=\"silence\"><summary>Silence</summary><form method=\"post\" action=\"" + route_path(route_name) +
             "/silence\" data-action=\"silence\">" + hidden + "<label for=\"until-" + id +
             "\">Silence further changes to data dated up to</label><input type=\"date\" id=\"until-" + id +
             "\" name=\"until\" required><label for=\"snote-" + id +
             "\">Reason</label><input type=\"text\" id=\"snote-" + id +
             "\" name=\"note\" maxlength=\"500\" autocomplete=\"off\"><button class=\"go\" type=\"submit\">Silence</button>"
             "</form></details>";
    out += "<p class=\"result\" role=\"status\"></p></div>";
  }
  out += "</article>\n";
}

void cards(std::string& out, const RouteReport& route, std::initializer_list<AgendaKind> kinds, const std::string& name,
           const Viewer& viewer, Date meeting_date, const std::string& heading, const std::string& id,
           const std::string& none) {
  out += "<section aria-labelledby=\"" + id + "\"><h2 id=\"" + id + "\">" + esc(heading) + "</h2>";
  std::size_t shown = 0;
  std::string list;
  for (const AgendaItem& item : route.items)
    for (AgendaKind kind : kinds)
      if (item.kind == kind) {
        card(list, item, name, viewer, meeting_date);
        ++shown;
      }
  if (shown) out += "<div class=\"cards\">\n" + list + "</div>";
  else out += "<p class=\"empty\">" + esc(none) + "</p>";
  out += "</section>\n";
}

std::string trend_cell(report::Trend trend, ast::Better better) {
  if (trend == report::Trend::none) return "–";
  return esc(report::trend_text(trend, better));
}

void rag_tables(std::string& out, const ReportModel& model) {
  out += "<section aria-labelledby=\"rag\"><h2 id=\"rag\">Performance indicators</h2>";
  if (model.groups.empty()) out += "<p class=\"empty\">No indicator has data yet.</p>";
  for (const report::RagGroup& group : model.groups) {
    out += "<table class=\"rag stack\"><caption>" + esc(group.title) +
           "</caption><thead><tr><th scope=\"col\">Measure</th><th scope=\"col\">Target bands</th>"
           "<th scope=\"col\">Latest</th><th scope=\"col\">Band</th><th scope=\"col\">Trend</th>"
           "<th scope=\"col\">Last year</th><th scope=\"col\">History</th></tr></thead><tbody>";
    for (const report::RagRow& row : group.rows) {
      std::string band = row.has_value ? std::string(report::to_string(row.band)) : "none";
      out += "<tr data-indicator=\"" + esc(row.indicator) + "\"><th scope=\"row\">" + esc(row.title);
      if (!row.labels.empty()) out += "<span class=\"small\">" + esc(report::labels_text(row.labels)) + "</span>";
      out += "</th><td data-label=\"Target bands\" class=\"target\">";
      for (const std::string& line : report::target_lines(row.target)) out += "<span>" + esc(line) + "</span>";
      out += "</td><td data-label=\"Latest\" class=\"num\">";
      if (row.has_value) out += "<strong>" + esc(row.value_text) + "</strong><span class=\"small\">" + time_tag(row.date) + "</span>";
      else out += "–";
      out += "</td><td data-label=\"Band\">" +
             badge(band, row.has_value ? report::band_label(row.band) : std::string_view("No data")) + "</td>";
      out += "<td data-label=\"Trend\">" + trend_cell(row.trend, row.better) + "</td>";
      out += "<td data-label=\"Last year\" class=\"num\">" + (row.last_year.empty() ? "–" : esc(row.last_year)) + "</td>";
      out += "<td data-label=\"History\">" + report::render_sparkline(row) + "</td></tr>";
    }
    out += "</tbody></table>\n";
  }
  if (!model.no_data.empty()) {
    out += "<p class=\"small\">No data yet for: ";
    for (std::size_t i = 0; i < model.no_data.size(); ++i) out += (i ? "; " : "") + esc(model.no_data[i]);
    out += ".</p>";
  }
  out += "</section>\n";
}

std::string count_tile(std::string_view css, std::size_t n, std::string_view what) {
  return "<li class=\"c-" + std::string(css) + "\"><strong>" + std::to_string(n) + "</strong><span>" + esc(what) +
         "</span></li>";
}

std::string script_tag(const std::string& stream) {
  return "<script>const BW_STREAM=\"" + esc(stream) + "\";\n" + std::string(kBoardScript) + "</script>\n";
}

}  // namespace

std::string render_route(const ReportModel& model, const RouteReport& route, const std::string& route_name,
                         std::uint64_t sequence, const Viewer& viewer, bool main_only) {
  std::string main;
  main.reserve(32 * 1024);
  main += "<main id=\"board\" class=\"wrap\" data-sequence=\"" + std::to_string(sequence) + "\" data-route=\"" +
          esc(route_name) + "\">\n<h1>" + esc(route.title) + "</h1>\n";
  main += "<p class=\"meta\">Data as at " + time_tag(model.as_of) + ". Changes since " + time_tag(route.since) + " (" +
          esc(route.since_basis) + ").</p>\n";
  std::size_t red = 0, amber = 0, unacknowledged = 0;
  for (const AgendaItem& item : route.items) {
    if (item.kind == AgendaKind::resolved) continue;
    (item.severity == ast::Colour::red ? red : amber)++;
    if (!item.acknowledgement) ++unacknowledged;
  }
  main += "<ul class=\"counts\" aria-label=\"This forum's alerts\">" + count_tile("red", red, "red open") +
          count_tile("amber", amber, "amber open") +
          count_tile("new", route.count(AgendaKind::new_alert) + route.count(AgendaKind::escalated), "new or escalated") +
          count_tile("none", unacknowledged, "not acknowledged") +
          count_tile("green", route.count(AgendaKind::resolved), "resolved since last meeting") + "</ul>\n";
  cards(main, route, {AgendaKind::new_alert, AgendaKind::escalated}, route_name, viewer, model.meeting_date,
        "New and escalated since " + route.since.uk(), "new", "Nothing new or escalated since " + route.since.uk() + ".");
  cards(main, route, {AgendaKind::open}, route_name, viewer, model.meeting_date, "Still open, oldest first", "open",
        "No other alerts open.");
  cards(main, route, {AgendaKind::resolved}, route_name, viewer, model.meeting_date,
        "Resolved since " + route.since.uk(), "resolved", "Nothing resolved since " + route.since.uk() + ".");
  rag_tables(main, model);
  main += "</main>\n";
  if (main_only) return main;

  std::string out = page_head(route.title + " – bandwatch live board");
  out += "<body>\n" + top_bar(route.title, viewer, "/route/" + route_name) + main;
  out += "<div class=\"wrap\"><section aria-labelledby=\"feed\"><h2 id=\"feed\">Live changes</h2>"
         "<ol class=\"feed\" id=\"feed-list\"><li class=\"small\">Changes appear here as the daemon publishes them.</li>"
         "</ol></section><footer>The page follows the daemon's alert feed and updates itself; dates are dd/mm/yyyy. "
         "Built from the same model as the meeting pack (bandwatch report).</footer></div>\n";
  out += script_tag("/route/" + route_name + "/events") + "</body>\n</html>\n";
  return out;
}

std::string render_index(const std::vector<ForumSummary>& forums, const ReportModel& model, std::uint64_t sequence,
                         const Viewer& viewer) {
  std::string out = page_head("bandwatch live board");
  out += "<body>\n" + top_bar("", viewer, "/");
  out += "<main id=\"board\" class=\"wrap\" data-sequence=\"" + std::to_string(sequence) +
         "\" data-route=\"\">\n<h1>Forums</h1>\n<p class=\"meta\">Data as at " + time_tag(model.as_of) +
         ". Each forum's page shows its agenda and the indicators, live.</p>\n";
  const report::BandCounts& c = model.counts;
  out += "<ul class=\"counts\" aria-label=\"Indicators by band\">" + count_tile("green", c.green, "indicators green") +
         count_tile("amber", c.amber, "indicators amber") + count_tile("red", c.red, "indicators red") + "</ul>\n";
  out += "<h2>Forums</h2><div class=\"forums\">";
  for (const ForumSummary& forum : forums) {
    out += "<a class=\"forum\" href=\"" + route_path(forum.name) + "\" data-route=\"" + esc(forum.name) + "\"><h2>" +
           esc(forum.title) + "</h2>";
    out += "<p>" + badge("red", "Red") + " <strong>" + std::to_string(forum.red) + "</strong> &nbsp; " +
           badge("amber", "Amber") + " <strong>" + std::to_string(forum.amber) + "</strong> open</p>";
    out += "<p class=\"small\">" + std::to_string(forum.new_items) + " new, " + std::to_string(forum.escalated) +
           " escalated, " + std::to_string(forum.resolved) + " resolved since the last meeting; " +
           std::to_string(forum.unacknowledged) + " not acknowledged</p></a>";
  }
  if (forums.empty()) out += "<p class=\"empty\">No forums (routes) are declared in the rules.</p>";
  out += "</div>\n</main>\n<div class=\"wrap\"><footer>Updates itself as the daemon publishes alerts.</footer></div>\n";
  out += script_tag("/events") + "</body>\n</html>\n";
  return out;
}

std::string render_signin(const std::string& csrf, const std::string& next, const std::string& message) {
  std::string out = page_head("Sign in – bandwatch live board");
  out += "<body>\n<header class=\"bar\"><a class=\"brand\" href=\"/\">bandwatch <span>live board</span></a></header>\n"
         "<main class=\"wrap\"><h1>Sign in</h1>";
  if (!message.empty()) out += "<p class=\"result bad\" role=\"alert\">" + esc(message) + "</p>";
  out += "<form class=\"signin\" method=\"post\" action=\"/signin\"><input type=\"hidden\" name=\"csrf\" value=\"" + esc(csrf) +
         "\"><input type=\"hidden\" name=\"next\" value=\"" + esc(next) +
         "\"><label for=\"user\">User name</label><input id=\"user\" name=\"user\" autocomplete=\"username\" required "
         "autofocus><label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" "
         "autocomplete=\"current-password\" required><button class=\"go\" type=\"submit\">Sign in</button></form>"
         "</main>\n</body>\n</html>\n";
  return out;
}

std::string render_message(const std::string& title, const std::string& text) {
  return page_head(title + " – bandwatch live board") +
         "<body>\n<header class=\"bar\"><a class=\"brand\" href=\"/\">bandwatch <span>live board</span></a></header>\n"
         "<main class=\"wrap\"><h1>" + esc(title) + "</h1><p>" + esc(text) + "</p><p><a href=\"/\">The forums</a></p></main>\n"
         "</body>\n</html>\n";
}

}  // namespace bandwatch::daemon::http
