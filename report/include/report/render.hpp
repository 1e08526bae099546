// Rendering a ReportModel: one self-contained HTML page (inline CSS and SVG, no scripts, no
// fonts or images fetched from anywhere), Markdown, and the pieces both use.
#pragma once

#include <string>
#include <string_view>

#include "report/model.hpp"

namespace bandwatch::report {

/// The whole page: agenda per route, then the RAG tables. Every piece of text is escaped.
std::string render_html(const ReportModel& model);

/// The same content as GitHub-flavoured Markdown tables.
std::string render_markdown(const ReportModel& model);

/// The RAG tables as CSV (RFC 4180, a header row, one row per indicator series): values as plain
/// numbers (percent in points), dates ISO, bands as words, for an analyst's spreadsheet.
std::string render_csv(const ReportModel& model);

/// The meeting pack as an Excel workbook at `path` (libxlsxwriter): a "RAG" sheet with the tables
/// as real cells (values numbers with their unit's format, dates dates, bands as fills with the
/// word) and an "Agenda" sheet with each forum's items. Returns an empty string, or why the file
/// could not be written.
std::string write_xlsx(const ReportModel& model, const std::string& path);

/// A small inline SVG of a series' history with the band edges shaded behind the line; empty
/// when there is no history. Labelled for screen readers with the first and latest values.
std::string render_sparkline(const RagRow& row, int width = 120, int height = 32);

/// Escapes `& < > " '` for HTML text and attribute values.
std::string html_escape(std::string_view text);

/// Escapes what Markdown would read as markup inside a table cell (`| * _ [ ] \`, backticks,
/// and `<` where it could open a tag); line breaks become spaces so a cell stays on its row.
std::string markdown_escape(std::string_view text);

/// A band text as written by the engine ("green >= 95%, amber 90% .. 94%, red <= 89%") split
/// into lines the way the seed reports print them ("Green: >= 95%", "Amber: 90% - 94%", ...).
std::vector<std::string> target_lines(std::string_view target);

/// "↑ improving": the arrow points the way the value moved; the word says whether that is good.
std::string trend_text(Trend trend, ast::Better better);

/// Whether an alert's message only restates its title and value ("Health of CiC: 80% is amber",
/// the engine's default for indicators), so the agenda can leave it out.
bool repeats_title(const AgendaItem& item);

/// "team: Hunts Children's Team 1, worker: W0412".
std::string labels_text(const Labels& labels);

}  // namespace bandwatch::report
