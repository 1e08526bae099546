// The rendered pack: HTML and Markdown content, escaping, UK dates, band words, sparklines and
// the band edges they shade.
#include <gtest/gtest.h>

#include <regex>

#include "report/bands.hpp"
#include "report/render.hpp"
#include "fixture.hpp"

namespace bandwatch::report {
namespace {

using testing::stockton_source;

ReportModel model() { return build_model(stockton_source(), {}).model; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Html, IsOneSelfContainedPage) {
  std::string html = render_html(model());
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_TRUE(contains(html, "<html lang=\"en-GB\">"));
  EXPECT_TRUE(contains(html, "<meta name=\"viewport\""));
  EXPECT_TRUE(contains(html, "<style>"));
  EXPECT_TRUE(contains(html, "@page{size:A4"));
  EXPECT_FALSE(contains(html, "<script"));
  EXPECT_FALSE(contains(html, "<link"));
  EXPECT_FALSE(contains(html, "@import"));
  EXPECT_FALSE(contains(html, "<img"));
  EXPECT_FALSE(std::regex_search(html, std::regex("(src|href)=\"(https?:)?//")));
  EXPECT_FALSE(contains(html, "url("));
}

TEST(Html, BandsAreWordsAsWellAsColours) {
  std::string html = render_html(model());
  EXPECT_TRUE(contains(html, "<span class=\"band band-green\">Green</span>"));
  EXPECT_TRUE(contains(html, "<span class=\"band band-amber\">Amber</span>"));
  EXPECT_TRUE(contains(html, "<span class=\"band band-red\">Red</span>"));
  EXPECT_TRUE(contains(html, "<span class=\"band band-unbanded\">Unbanded</span>"));
  EXPECT_TRUE(contains(html, "No data yet for: Average caseload."));
  // Counts per band at the top, before the first forum.
  std::size_t counts = html.find("aria-label=\"Indicators by band\"");
  ASSERT_NE(counts, std::string::npos);
  EXPECT_LT(counts, html.find("<section class=\"route\""));
}

TEST(Html, TablesHaveHeaders) {
  std::string html = render_html(model());
  EXPECT_TRUE(contains(html, "<caption>Table 1: Assessment of need is completed in a timely manner</caption>"));
  for (const char* header : {"Performance measure", "Frame", "Target bands", "Value at 30/09/2016", "Band",
                             "Short trend", "Last year", "History", "Acknowledgement"})
    EXPECT_TRUE(contains(html, std::string("<th scope=\"col\">") + header + "</th>")) << header;
  EXPECT_TRUE(contains(html, "<th scope=\"row\" data-label=\"Performance measure\">Timeliness of Single Assessments"));
}

TEST(Html, DatesAreUkDates) {
  std::string html = render_html(model());
  EXPECT_TRUE(contains(html, "Data as at <time datetime=\"2016-09-30\">30/09/2016</time>"));
  EXPECT_TRUE(contains(html, "Changes after <time datetime=\"2016-09-16\">16/09/2016</time>"));
  // No ISO date is shown as text: only in datetime attributes.
  std::string text = std::regex_replace(html, std::regex("datetime=\"[0-9-]+\""), "");
  EXPECT_FALSE(std::regex_search(text, std::regex("\\b20[0-9]{2}-[0-9]{2}-[0-9]{2}\\b")));
}

TEST(Html, OverdueReviewIsHighlighted) {
  std::string html = render_html(model());
  std::smatch row;
  ASSERT_TRUE(std::regex_search(html, row, std::regex("<tr class=\"alert-open overdue\" id=\"alert-workload_pressures-2\">.*?</tr>")));
  std::string text = row.str();
  EXPECT_TRUE(contains(text, "<strong>Jane Humphreys</strong>"));
  EXPECT_TRUE(contains(text, "<span class=\"overdue-flag\">Review overdue</span> was due <time datetime=\"2016-09-23\">23/09/2016</time> (7 days ago)"));
  // The other acknowledgement's review is still ahead: not highlighted.
  EXPECT_TRUE(contains(html, "<tr class=\"alert-open\" id=\"alert-workload_pressures-4\">"));
  EXPECT_TRUE(contains(html, "Review by <time datetime=\"2016-10-14\">14/10/2016</time>"));
  EXPECT_EQ(std::count(html.begin(), html.end(), '\0'), 0);
  std::size_t flags = 0;
  for (std::size_t at = 0; (at = html.find("class=\"overdue-flag\"", at)) != std::string::npos; ++at) ++flags;
  EXPECT_EQ(flags, 1u);
}

TEST(Html, EscapesAllText) {
  std::string html = render_html(model());
  EXPECT_TRUE(contains(html, "Golden hello &lt;agreed&gt; &amp; recruiting"));
  EXPECT_TRUE(contains(html, "Hunts Children&#39;s Team 1"));
  EXPECT_TRUE(contains(html, "housing &amp; employment"));
  EXPECT_FALSE(contains(html, "<agreed>"));

  Source hostile = stockton_source();
  hostile.alerts[0].title = "<script>alert(1)</script>";
  hostile.alerts[0].labels = {{"team", "\"><img src=x onerror=alert(1)>"}};
  hostile.routes[0].title = "A & B <i>";
  std::string page = render_html(build_model(hostile, {}).model);
  EXPECT_FALSE(contains(page, "<script>"));
  EXPECT_FALSE(contains(page, "<img"));
  EXPECT_FALSE(contains(page, "<i>"));
  EXPECT_TRUE(contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
}

TEST(Html, AgendaSectionsInOrder) {
  std::string html = render_html(model());
  std::size_t added = html.find("<h3 id=\"agenda-workload_pressures-new\">New since 16/09/2016</h3>");
  std::size_t escalated = html.find("<h3 id=\"agenda-workload_pressures-escalated\">Escalated since 16/09/2016</h3>");
  std::size_t open = html.find("<h3 id=\"agenda-workload_pressures-open\">Still open</h3>");
  std::size_t resolved = html.find("<h3 id=\"agenda-workload_pressures-resolved\">Resolved since 16/09/2016</h3>");
  EXPECT_TRUE(contains(html, "<table class=\"agenda stack agenda-new\" aria-labelledby=\"agenda-workload_pressures-new\">"));
  ASSERT_NE(added, std::string::npos);
  EXPECT_LT(added, escalated);
  EXPECT_LT(escalated, open);
  EXPECT_LT(open, resolved);
  EXPECT_TRUE(contains(html, "Red</span> <span class=\"small\">was Amber</span>"));
}

TEST(Html, TrendArrowsColouredByBetter) {
  std::string html = render_html(model());
  // Higher is better and the value rose: an up arrow, green, with the word.
  EXPECT_TRUE(contains(html, "<span class=\"trend trend-improving\"><svg width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" aria-hidden=\"true\"><path fill=\"currentColor\" transform=\"rotate(0 6 6)\""));
  EXPECT_TRUE(contains(html, "rotate(180 6 6)\" d=\"M6 0.5 11.5 6.5H8V11.5H4V6.5H0.5Z\"/></svg>declining</span>"));
  EXPECT_TRUE(contains(html, ".trend-improving{color:#00703c"));
  EXPECT_TRUE(contains(html, ".trend-declining{color:#d4351c"));
}

TEST(Html, TargetBandsPrintedLikeTheSeedTables) {
  EXPECT_EQ(target_lines("green >= 95%, amber 90% .. 94%, red <= 89%"),
            (std::vector<std::string>{"Green: >= 95%", "Amber: 90% - 94%", "Red: <= 89%"}));
  EXPECT_EQ(target_lines("green <= 20, red > 20"), (std::vector<std::string>{"Green: <= 20", "Red: > 20"}));
  EXPECT_EQ(target_lines(""), std::vector<std::string>{});
  std::string html = render_html(model());
  EXPECT_TRUE(contains(html, "<td data-label=\"Target bands\" class=\"target\"><span>Green: &gt;=&nbsp;95%</span><span>Amber: 90% - 94%</span><span>Red: &lt;=&nbsp;89%</span></td>"));
}

TEST(Markdown, SameContentAsWords) {
  std::string text = render_markdown(model());
  EXPECT_TRUE(text.starts_with("# Meeting pack\n"));
  EXPECT_TRUE(contains(text, "Data as at 30/09/2016."));
  EXPECT_TRUE(contains(text, "**Indicators by band:** Green 1 · Amber 1 · Red 1"));
  EXPECT_TRUE(contains(text, "## Workload Pressures meeting"));
  EXPECT_TRUE(contains(text, "### New since 16/09/2016"));
  EXPECT_TRUE(contains(text, "| Timeliness of Single Assessments | YD | Green: >= 95%; Amber: 90% - 94%; Red: <= 89% | 96.6% | 30/09/2016 | **Green** | ↑ improving | 98.8% |"));
  EXPECT_TRUE(contains(text, "**Red** | ↓ declining | 51.6% |"));
  EXPECT_TRUE(contains(text, "Jane Humphreys on 05/09/2016: Golden hello \\<agreed> & recruiting; **REVIEW OVERDUE**, was due 23/09/2016 (7 days ago)"));
  EXPECT_TRUE(contains(text, "AD Safeguarding on 05/09/2016: Covering vacancies; review by 14/10/2016"));
  EXPECT_TRUE(contains(text, "Red (was Amber)"));
  EXPECT_FALSE(std::regex_search(text, std::regex("\\b20[0-9]{2}-[0-9]{2}-[0-9]{2}\\b")));
}

TEST(Markdown, EscapesCellText) {
  EXPECT_EQ(markdown_escape("a|b *c* _d_ [e](f) <g>\nh <= 5"), "a\\|b \\*c\\* \\_d\\_ \\[e\\](f) \\<g> h <= 5");
}

TEST(Bands, EdgesFromTheBandText) {
  std::vector<BandShade> shades = shades_from_target("green >= 95%, amber 90% .. 94%, red <= 89%", 0);
  ASSERT_EQ(shades.size(), 3u);
  EXPECT_EQ(shades[0].colour, ast::Colour::green);
  EXPECT_DOUBLE_EQ(*shades[0].lower, 94.5);
  EXPECT_FALSE(shades[0].upper);
  EXPECT_DOUBLE_EQ(*shades[1].lower, 89.5);
  EXPECT_DOUBLE_EQ(*shades[1].upper, 94.5);
  EXPECT_DOUBLE_EQ(*shades[2].upper, 89.5);
  // Without rounding the edges are the written ones; half-open pairs and money read too.
  shades = shades_from_target("green < 95% and >= 90%, red > £5.293m", std::nullopt);
  ASSERT_EQ(shades.size(), 2u);
  EXPECT_DOUBLE_EQ(*shades[0].lower, 90);
  EXPECT_DOUBLE_EQ(*shades[0].upper, 95);
  EXPECT_DOUBLE_EQ(*shades[1].lower, 5293000);
  EXPECT_EQ(parse_band_quantity("731 days"), 731);
  EXPECT_EQ(parse_band_quantity("£639k"), 639000);
  EXPECT_EQ(parse_band_quantity("lots"), std::nullopt);
}

TEST(Sparkline, ShadesBandsBehindTheLine) {
  RagRow row;
  row.title = "Timeliness <of> assessments";
  row.history = {{Date::from_ymd(2016, 6, 30), 94.1}, {Date::from_ymd(2016, 9, 30), 96.6}};
  row.shades = shades_from_target("green >= 95%, amber 90% .. 94%, red <= 89%", 0);
  std::string svg = render_sparkline(row);
  EXPECT_TRUE(svg.starts_with("<svg class=\"spark\""));
  EXPECT_TRUE(contains(svg, "role=\"img\""));
  EXPECT_TRUE(contains(svg, "aria-label=\"History of Timeliness &lt;of&gt; assessments: 2 values from 30/06/2016 to 30/09/2016\""));
  EXPECT_TRUE(contains(svg, "class=\"shade-green\""));
  EXPECT_TRUE(contains(svg, "class=\"shade-amber\""));
  EXPECT_TRUE(contains(svg, "<polyline"));
  EXPECT_TRUE(svg.ends_with("</svg>"));
  row.history.clear();
  EXPECT_EQ(render_sparkline(row), "");
}

}  // namespace
}  // namespace bandwatch::report
