// The RAG tables as CSV, for analysts who work in a spreadsheet: one row per indicator series,
// numbers as numbers (no unit signs), dates ISO, bands as words.
#include <algorithm>
#include <cstdio>

#include "report/render.hpp"

namespace bandwatch::report {
namespace {

// RFC 4180: a cell with a comma, quote or line break is quoted, its quotes doubled.
void cell(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

}  // namespace

std::string render_csv(const ReportModel& model) {
  // One column per benchmark declared for any table (a row without a figure leaves it empty),
  // named by the benchmark, after the columns every pack has.
  std::vector<std::string> benchmarks;
  for (const RagGroup& group : model.groups)
    for (const BenchmarkColumn& column : group.benchmarks)
      if (std::find(benchmarks.begin(), benchmarks.end(), column.name) == benchmarks.end())
        benchmarks.push_back(column.name);
  std::string out = "group,indicator,title,labels,frame,target,value,unit,value_text,date,band,trend,last_year,note";
  for (const std::string& name : benchmarks) {
    out += ',';
    cell(out, name);
  }
  out += "\r\n";
  for (const RagGroup& group : model.groups) {
    for (const RagRow& row : group.rows) {
      std::string target;
      for (const std::string& line : target_lines(row.target)) target += (target.empty() ? "" : "; ") + line;
      const std::string fields[] = {
          group.title,
          row.indicator,
          row.title,
          labels_text(row.labels),
          std::string(frame_code(row.frame)),
          target,
          row.has_value ? number(row.value) : "",
          std::string(ast::to_string(row.unit)),
          row.has_value ? row.value_text : "",
          row.has_value ? row.date.iso() : "",
          row.has_value ? std::string(to_string(row.band)) : "no_data",
          std::string(to_string(row.trend)),
          row.last_year,
          row.note,
      };
      for (std::size_t i = 0; i < std::size(fields); ++i) {
        if (i) out += ',';
        cell(out, fields[i]);
      }
      for (const std::string& name : benchmarks) {
        out += ',';
        for (std::size_t b = 0; b < group.benchmarks.size() && b < row.benchmarks.size(); ++b)
          if (group.benchmarks[b].name == name && row.benchmarks[b].has_value) out += number(row.benchmarks[b].value);
      }
      out += "\r\n";
    }
  }
  return out;
}

}  // namespace bandwatch::report
